/* SPDX-License-Identifier: MIT */
/* space.c: helpers for the backend interface. */
#include "config.h"
#include "space.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct info_field *
info_next(struct space_info *si, const char *key, enum info_type type)
{
	struct info_field *f;

	if (si->n >= SPACE_INFO_MAX)
		return NULL;	/* silently drop: info is advisory */
	f = &si->f[si->n++];
	memset(f, 0, sizeof *f);
	snprintf(f->key, sizeof f->key, "%s", key);
	f->type = type;
	return f;
}

void
space_info_str(struct space_info *si, const char *key, const char *fmt, ...)
{
	struct info_field *f = info_next(si, key, INFO_STR);
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(f->s, sizeof f->s, fmt, ap);
	va_end(ap);
}

void
space_info_u64(struct space_info *si, const char *key, uint64_t v)
{
	struct info_field *f = info_next(si, key, INFO_U64);

	if (f)
		f->u = v;
}

void
space_info_hex(struct space_info *si, const char *key, uint64_t v)
{
	struct info_field *f = info_next(si, key, INFO_HEX);

	if (f)
		f->u = v;
}

void
space_info_bool(struct space_info *si, const char *key, bool v)
{
	struct info_field *f = info_next(si, key, INFO_BOOL);

	if (f)
		f->u = v;
}

void
space_info_null(struct space_info *si, const char *key)
{
	info_next(si, key, INFO_NULL);
}

void
space_free(struct space *s)
{
	if (s && s->ops && s->ops->free)
		s->ops->free(s);
}

bool
space_linear_va(const struct space *s, uint64_t pa, uint64_t *va)
{
	uint64_t off;

	if (!s->linear_known || pa == PT_UNKNOWN || pa < s->phys_offset)
		return false;
	off = pa - s->phys_offset;
	if (s->arch->page_offset + off < s->arch->page_offset)
		return false;		/* past the top of the address space */
	*va = s->arch->page_offset + off;
	return true;
}

int
space_regions_by_ranges(struct space *s, struct regions *out,
    struct pts_err *err)
{
	struct pt_ranges r = { 0 };
	int rc;

	if (s->ops->ranges == NULL)
		return pts_errf(err, PTS_ENOTSUP, "not_supported",
		    "This space has no ranges to make regions of.");
	if ((rc = s->ops->ranges(s, &r, err)) == 0)
		regions_from_ranges(out, s->arch, &r);
	pt_ranges_release(&r);
	return rc;
}
