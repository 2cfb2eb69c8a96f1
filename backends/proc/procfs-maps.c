/* SPDX-License-Identifier: MIT */
/* procfs-maps.c: the /proc/PID/maps line parser. */
#include "config.h"
#include "procfs-maps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Parse lowercase/uppercase hex digits at *pp up to a non-hex character. */
static bool
maps_hex(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	int nd = 0;

	for (;; p++, nd++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (nd >= 16)
			return false;
		v = (v << 4) | d;
	}
	if (nd == 0)
		return false;
	*pp = p;
	*out = v;
	return true;
}

/* Parse a decimal number at *pp. */
static bool
maps_dec(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*out = v;
	return true;
}

/* Consume one literal character. */
static bool
maps_lit(const char **pp, char c)
{
	if (**pp != c)
		return false;
	(*pp)++;
	return true;
}

/* Parse the four permission characters. */
static bool
maps_perms(const char **pp, char perms[5])
{
	static const char *const ok[4] = { "r-", "w-", "x-", "sp" };

	for (int i = 0; i < 4; i++) {
		char c = (*pp)[i];

		if (c == '\0' || strchr(ok[i], c) == NULL)
			return false;
		perms[i] = c;
	}
	perms[4] = '\0';
	*pp += 4;
	return true;
}

/* Parse "start-end perms offset" into v. */
static bool
maps_head(const char **pp, struct procfs_vma *v)
{
	return maps_hex(pp, &v->start) && maps_lit(pp, '-') &&
	    maps_hex(pp, &v->end) && maps_lit(pp, ' ') &&
	    maps_perms(pp, v->perms) && maps_lit(pp, ' ') &&
	    maps_hex(pp, &v->offset) && maps_lit(pp, ' ');
}

/* Parse "major:minor inode" into v. */
static bool
maps_dev_inode(const char **pp, struct procfs_vma *v)
{
	uint64_t maj, min;

	if (!(maps_hex(pp, &maj) && maps_lit(pp, ':') && maps_hex(pp, &min) &&
	    maps_lit(pp, ' ') && maps_dec(pp, &v->inode)))
		return false;
	if (maj > UINT32_MAX || min > UINT32_MAX)
		return false;
	v->dev_major = (unsigned)maj;
	v->dev_minor = (unsigned)min;
	return true;
}

/* Take the name: skip the padding, keep everything up to the newline. */
static void
maps_name(const char *p, struct procfs_vma *v)
{
	static const char del[] = " (deleted)";
	size_t n, dl = sizeof del - 1;

	while (*p == ' ')
		p++;
	n = strcspn(p, "\n");
	v->name = n ? xstrndup(p, n) : NULL;
	v->deleted = n > dl && memcmp(p + n - dl, del, dl) == 0;
}

int
procfs_maps_parse_line(const char *line, struct procfs_vma *out,
    struct pts_err *err)
{
	struct procfs_vma v;
	const char *p = line;

	memset(&v, 0, sizeof v);
	if (!maps_head(&p, &v) || !maps_dev_inode(&p, &v) ||
	    (*p != '\0' && *p != ' ' && *p != '\n'))
		/* never quote the line: a --proc-root file may be any file */
		return pts_errf(err, PTS_EINVAL, "bad_maps_line",
		    "This maps line is not in the kernel's format.");
	if (v.end <= v.start)
		return pts_errf(err, PTS_EINVAL, "bad_maps_line",
		    "This maps line ends before it starts.");
	maps_name(p, &v);
	*out = v;
	return 0;
}

int
procfs_maps_parse(const char *text, struct procfs_vmas *out,
    struct pts_err *err)
{
	struct procfs_vmas l = { 0, 0, NULL };
	const char *p = text;
	unsigned lineno = 0;
	int r;

	while (*p != '\0') {
		struct procfs_vma v;
		const char *nl = strchr(p, '\n');

		lineno++;
		if (nl == p) {
			p++;
			continue;
		}
		if ((r = procfs_maps_parse_line(p, &v, err)) < 0) {
			procfs_vmas_release(&l);
			if (err)
				snprintf(err->msg, sizeof err->msg, "Line %u of "
				    "maps is not in the kernel's format.", lineno);
			return r;
		}
		if (l.n > 0 && v.start < l.v[l.n - 1].end) {
			free(v.name);
			procfs_vmas_release(&l);
			return pts_errf(err, PTS_EINVAL, "bad_maps_line",
			    "Maps lines overlap or are out of order at "
			    "%" PRIx64 ".", v.start);
		}
		l.v = xgrow(l.v, &l.cap, l.n + 1, sizeof *l.v);
		l.v[l.n++] = v;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	*out = l;
	return 0;
}

long
procfs_vmas_find(const struct procfs_vmas *l, uint64_t va)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (va < l->v[mid].start)
			hi = mid;
		else if (va >= l->v[mid].end)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

void
procfs_vmas_release(struct procfs_vmas *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof *l);
}
