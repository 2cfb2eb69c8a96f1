/* SPDX-License-Identifier: MIT */
/*
 * zones-proc.c: reading /proc/buddyinfo, /proc/zoneinfo and
 * /proc/pagetypeinfo (or a captured tree of them) into struct zones_state.
 */
#include "config.h"

#include "zones-proc.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"
#include "xalloc.h"

/* Largest /proc file read (zoneinfo grows with CPUs: 16 MiB is plenty). */
#define ZONES_MAX_FILE (16u << 20)
/* Most tokens looked at on one line. */
#define ZONES_MAX_TOKS (ZONES_MAX_ORDERS + 16)

/* One line split into whitespace-separated tokens (pointers into buf). */
struct zones_line {
	char buf[1024];
	char *tok[ZONES_MAX_TOKS];
	unsigned ntok;
	bool truncated;			/* more tokens than tok[] holds */
};

/* Line reader over a text. */
struct zones_text {
	const char *text;
	size_t len, pos, lineno;
};

/* Split the next line into tokens; false at the end of the text. */
static bool
zones_next_line(struct zones_text *t, struct zones_line *l)
{
	const char *p, *nl;
	size_t n;
	char *save = NULL, *tok;

	if (t->pos >= t->len)
		return false;
	p = t->text + t->pos;
	nl = memchr(p, '\n', t->len - t->pos);
	n = nl ? (size_t)(nl - p) : t->len - t->pos;
	t->pos += n + (nl ? 1 : 0);
	t->lineno++;
	if (n >= sizeof l->buf)
		n = sizeof l->buf - 1;
	memcpy(l->buf, p, n);
	l->buf[n] = '\0';
	l->ntok = 0;
	l->truncated = false;
	for (tok = strtok_r(l->buf, " \t\r", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r", &save)) {
		if (l->ntok == ZONES_MAX_TOKS) {
			l->truncated = true;
			break;
		}
		l->tok[l->ntok++] = tok;
	}
	return true;
}

/* Parse a decimal count (an optional '>' prefix, as pagetypeinfo prints
   for capped lists, is accepted); false if s is not one. */
static bool
zones_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (*s == '>')
		s++;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) ||
		    __builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(*s - '0'), &x))
			return false;
	}
	*v = x;
	return true;
}

/* Read "Node N," and "zone NAME" (NAME may end in ','): tokens 0..3. */
static bool
zones_head(const struct zones_line *l, int *node, char name[16])
{
	uint64_t v;
	size_t n;
	char num[24];

	if (l->ntok < 4 || strcmp(l->tok[0], "Node") != 0 ||
	    strcmp(l->tok[2], "zone") != 0)
		return false;
	n = strlen(l->tok[1]);
	if (n < 2 || n > 12 || l->tok[1][n - 1] != ',')
		return false;
	memcpy(num, l->tok[1], n - 1);
	num[n - 1] = '\0';
	if (!zones_u64(num, &v) || v > 1u << 20)
		return false;
	n = strlen(l->tok[3]);
	if (n > 0 && l->tok[3][n - 1] == ',')
		n--;
	if (n == 0 || n > 15)
		return false;
	memcpy(name, l->tok[3], n);
	name[n] = '\0';
	*node = (int)v;
	return true;
}

/* The zone with that node and name, or NULL. */
static struct zone_state *
zones_find(struct zones_state *zs, int node, const char *name)
{
	for (size_t i = 0; i < zs->nzones; i++)
		if (zs->zones[i].node == node &&
		    strcmp(zs->zones[i].name, name) == 0)
			return &zs->zones[i];
	return NULL;
}

/* Fail with "line N: expected ..." for a /proc file. */
#define ZONES_BAD(err, file, ln, fmt, ...) \
	pts_errf((err), PTS_EINVAL, "bad_" file, "%s line %zu: " fmt, \
	    file, (size_t)(ln), ##__VA_ARGS__)

/* One buddyinfo line: "Node N, zone NAME c0 c1 ...". */
static int
zones_buddy_line(struct zones_state *zs, const struct zones_line *l,
    size_t lineno, size_t *cap, struct pts_err *err)
{
	struct zone_state z;
	unsigned orders;

	memset(&z, 0, sizeof z);
	if (!zones_head(l, &z.node, z.name))
		return ZONES_BAD(err, "buddyinfo", lineno, "expected 'Node N, "
		    "zone NAME' and free block counts");
	orders = l->ntok - 4;
	if (l->truncated || orders > ZONES_MAX_ORDERS)
		return ZONES_BAD(err, "buddyinfo", lineno, "expected at most "
		    "%u order columns", ZONES_MAX_ORDERS);
	if (orders == 0 || (zs->orders != 0 && orders != zs->orders))
		return ZONES_BAD(err, "buddyinfo", lineno, "expected %u order "
		    "columns like the lines before, found %u",
		    zs->orders ? zs->orders : 1, orders);
	if (zones_find(zs, z.node, z.name) != NULL)
		return ZONES_BAD(err, "buddyinfo", lineno, "zone %s of node %d "
		    "appears twice", z.name, z.node);
	zs->orders = orders;
	for (unsigned k = 0; k < orders; k++) {
		uint64_t pages;

		if (!zones_u64(l->tok[4 + k], &z.free_area[k]) ||
		    __builtin_mul_overflow(z.free_area[k], UINT64_C(1) << k,
		    &pages) || __builtin_add_overflow(z.free_pages, pages,
		    &z.free_pages))
			return ZONES_BAD(err, "buddyinfo", lineno, "expected a "
			    "count of free blocks in column %u, found '%.20s'",
			    k, l->tok[4 + k]);
	}
	zs->zones = xgrow(zs->zones, cap, zs->nzones + 1, sizeof z);
	zs->zones[zs->nzones++] = z;
	return 0;
}

/* Parse /proc/buddyinfo: one line per populated zone, any number of
   order columns (the same on every line).  Replaces zs's zones. */
int
zones_parse_buddyinfo(const char *text, size_t len, struct zones_state *zs,
    struct pts_err *err)
{
	struct zones_text t = { .text = text, .len = text ? len : 0 };
	struct zones_line l;
	size_t cap = 0;
	int r;

	zones_release(zs);
	zs->orders = 0;
	while (zones_next_line(&t, &l)) {
		if (l.ntok == 0)
			continue;
		if ((r = zones_buddy_line(zs, &l, t.lineno, &cap, err)) < 0) {
			zones_release(zs);
			zs->orders = 0;
			return r;
		}
	}
	if (zs->nzones == 0)
		return ZONES_BAD(err, "buddyinfo", t.lineno + 1, "expected at "
		    "least one 'Node N, zone NAME' line");
	return 0;
}

/* Apply one "key value" line of zoneinfo to z (unknown keys ignored). */
static int
zones_info_kv(struct zone_state *z, const struct zones_line *l, size_t lineno,
    struct pts_err *err)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "min", offsetof(struct zone_state, wmark_min) },
		{ "low", offsetof(struct zone_state, wmark_low) },
		{ "high", offsetof(struct zone_state, wmark_high) },
		{ "spanned", offsetof(struct zone_state, spanned_pages) },
		{ "present", offsetof(struct zone_state, present_pages) },
		{ "managed", offsetof(struct zone_state, managed_pages) },
		{ "boost", offsetof(struct zone_state, wmark_boost) },
		{ "cma", offsetof(struct zone_state, cma_pages) },
		{ "start_pfn:", offsetof(struct zone_state, start_pfn) },
	};

	if (l->ntok != 2)
		return 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(l->tok[0], keys[i].key) != 0)
			continue;
		if (!zones_u64(l->tok[1], (uint64_t *)(void *)((char *)z +
		    keys[i].off)))
			return ZONES_BAD(err, "zoneinfo", lineno, "expected a "
			    "number after '%s'", keys[i].key);
		z->has_details = true;
	}
	return 0;
}

/* Parse /proc/zoneinfo into the zones buddyinfo listed (matched by node
   and name); unpopulated zones, absent from buddyinfo, are skipped. */
int
zones_parse_zoneinfo(const char *text, size_t len, struct zones_state *zs,
    struct pts_err *err)
{
	struct zones_text t = { .text = text, .len = text ? len : 0 };
	struct zones_line l;
	struct zone_state *z = NULL;
	bool seen = false;
	int node, r;
	char name[16];

	while (zones_next_line(&t, &l)) {
		if (l.ntok == 0)
			continue;
		if (strcmp(l.tok[0], "Node") == 0) {
			if (!zones_head(&l, &node, name) || l.ntok != 4)
				return ZONES_BAD(err, "zoneinfo", t.lineno,
				    "expected 'Node N, zone NAME'");
			z = zones_find(zs, node, name);
			seen = true;
			continue;
		}
		if (!seen)
			return ZONES_BAD(err, "zoneinfo", t.lineno, "expected "
			    "'Node N, zone NAME' before any value");
		if (z != NULL && (r = zones_info_kv(z, &l, t.lineno, err)) < 0)
			return r;
	}
	return 0;
}

/* The index of a migrate type in z, added when new; -1 when full. */
static int
zones_migrate_slot(struct zone_state *z, const char *name)
{
	for (unsigned i = 0; i < z->nmigrate; i++)
		if (strcmp(z->migrate[i].name, name) == 0)
			return (int)i;
	if (z->nmigrate == ZONES_MAX_MIGRATE || strlen(name) >= 16)
		return -1;
	snprintf(z->migrate[z->nmigrate].name, 16, "%s", name);
	return (int)z->nmigrate++;
}

/* "Node N, zone NAME, type TYPE c0 c1 ...": free blocks by type. */
static int
zones_pti_free(struct zones_state *zs, const struct zones_line *l,
    size_t lineno, struct pts_err *err)
{
	struct zone_state *z;
	char name[16];
	int node, m;

	if (!zones_head(l, &node, name) || l->ntok < 6 ||
	    strcmp(l->tok[4], "type") != 0 || l->truncated ||
	    l->ntok - 6 != zs->orders)
		return ZONES_BAD(err, "pagetypeinfo", lineno, "expected 'Node "
		    "N, zone NAME, type TYPE' and %u counts", zs->orders);
	if ((z = zones_find(zs, node, name)) == NULL)
		return 0;
	if ((m = zones_migrate_slot(z, l->tok[5])) < 0)
		return ZONES_BAD(err, "pagetypeinfo", lineno, "expected at most "
		    "%u migrate types", ZONES_MAX_MIGRATE);
	for (unsigned k = 0; k < zs->orders; k++) {
		if (!zones_u64(l->tok[6 + k], &z->migrate[m].free[k]))
			return ZONES_BAD(err, "pagetypeinfo", lineno, "expected "
			    "a count in column %u, found '%.20s'", k,
			    l->tok[6 + k]);
		/* mm/vmstat.c pagetypeinfo_showfree_print() stops counting
		   a free list at 100000 and prints ">100000": a lower bound */
		if (l->tok[6 + k][0] == '>')
			z->migrate[m].lower_bound |= 1u << k;
	}
	return 0;
}

/* "Node N, zone NAME b0 b1 ...": pageblocks per type (names from hdr). */
static int
zones_pti_blocks(struct zones_state *zs, const struct zones_line *l,
    const struct zones_line *hdr, size_t lineno, struct pts_err *err)
{
	unsigned ntypes = hdr->ntok - 4;
	struct zone_state *z;
	char name[16];
	int node, m;

	if (!zones_head(l, &node, name) || l->ntok != 4 + ntypes)
		return ZONES_BAD(err, "pagetypeinfo", lineno, "expected 'Node "
		    "N, zone NAME' and %u block counts", ntypes);
	if ((z = zones_find(zs, node, name)) == NULL)
		return 0;
	for (unsigned i = 0; i < ntypes; i++) {
		if ((m = zones_migrate_slot(z, hdr->tok[4 + i])) < 0)
			return ZONES_BAD(err, "pagetypeinfo", lineno, "expected "
			    "at most %u migrate types", ZONES_MAX_MIGRATE);
		if (!zones_u64(l->tok[4 + i], &z->migrate[m].blocks))
			return ZONES_BAD(err, "pagetypeinfo", lineno, "expected "
			    "a block count, found '%.20s'", l->tok[4 + i]);
	}
	return 0;
}

/* Which table of pagetypeinfo the lines belong to. */
enum zones_pti_part { PTI_HEAD, PTI_FREE, PTI_BLOCKS, PTI_OTHER };

/* One line of pagetypeinfo. */
static int
zones_pti_line(struct zones_state *zs, struct zones_line *l,
    struct zones_line *hdr, enum zones_pti_part *part, size_t lineno,
    struct pts_err *err)
{
	uint64_t v;

	if (l->ntok == 4 && strcmp(l->tok[0], "Page") == 0 &&
	    zones_u64(l->tok[3], &v)) {
		zs->pageblock_order = v < 64 ? (unsigned)v : 0;
		return 0;
	}
	if (strcmp(l->tok[0], "Free") == 0) {
		*part = PTI_FREE;
		return 0;
	}
	if (l->ntok >= 4 && strcmp(l->tok[0], "Number") == 0) {
		bool blocks = strcmp(l->tok[2], "blocks") == 0;

		*part = blocks ? PTI_BLOCKS : PTI_OTHER;
		if (blocks)
			*hdr = *l;
		/* tokens point into l->buf: rebase them into hdr->buf */
		for (unsigned i = 0; blocks && i < hdr->ntok; i++)
			hdr->tok[i] = hdr->buf + (l->tok[i] - l->buf);
		return 0;
	}
	if (strcmp(l->tok[0], "Node") != 0 || *part == PTI_OTHER ||
	    *part == PTI_HEAD)
		return 0;
	if (*part == PTI_FREE)
		return zones_pti_free(zs, l, lineno, err);
	return zones_pti_blocks(zs, l, hdr, lineno, err);
}

/* Parse /proc/pagetypeinfo into the zones buddyinfo listed. */
int
zones_parse_pagetypeinfo(const char *text, size_t len, struct zones_state *zs,
    struct pts_err *err)
{
	struct zones_text t = { .text = text, .len = text ? len : 0 };
	struct zones_line *l = xmalloc(sizeof *l), *hdr = xmalloc(sizeof *hdr);
	enum zones_pti_part part = PTI_HEAD;
	int r = 0;

	hdr->ntok = 0;
	while (r == 0 && zones_next_line(&t, l))
		if (l->ntok > 0)
			r = zones_pti_line(zs, l, hdr, &part, t.lineno, err);
	free(l);
	free(hdr);
	if (r == 0)
		zs->has_migrate = true;
	return r;
}

/* Read root/name into sb; the errno of a failed open/read, or 0. */
static int
zones_read(const char *root, const char *name, struct strbuf *sb,
    struct pts_err *err)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", root, name);
	/* opened, not access(2)ed: access() ignores the capabilities of a
	   non-root daemon (CAP_DAC_READ_SEARCH for the 0400 pagetypeinfo) */
	switch (strbuf_read_file(sb, path, ZONES_MAX_FILE, err)) {
	case 0:
		return 0;
	case PTS_ENOENT:
		return ENOENT;
	case PTS_EPERM:
		return EACCES;
	default:
		return EIO;
	}
}

/* Read the optional files: zoneinfo, then pagetypeinfo (root only). */
static int
zones_read_optional(const char *root, struct zones_state *out,
    struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int e, r = 0;

	if ((e = zones_read(root, "zoneinfo", &sb, NULL)) != 0)
		snprintf(out->note, sizeof out->note, "%s/zoneinfo is not "
		    "readable (%s): watermarks and page counts are missing.",
		    root, strerror(e));
	else
		r = zones_parse_zoneinfo(sb.buf, sb.len, out, err);
	strbuf_reset(&sb);
	if (r == 0 && (e = zones_read(root, "pagetypeinfo", &sb, NULL)) != 0)
		snprintf(out->note + strlen(out->note), sizeof out->note -
		    strlen(out->note), "%s%s/pagetypeinfo is not readable (%s%s):"
		    " migrate types are omitted.", out->note[0] ? " " : "",
		    root, strerror(e), e == EACCES ? "; it is root-only" : "");
	else if (r == 0)
		r = zones_parse_pagetypeinfo(sb.buf, sb.len, out, err);
	strbuf_release(&sb);
	return r;
}

/* Read buddyinfo (required) and, when all, zoneinfo and pagetypeinfo. */
static int
read_files(const char *proc_root, bool all, struct zones_state *out,
    struct pts_err *err)
{
	struct zones_state zs;
	struct strbuf sb = STRBUF_INIT;
	const char *root = proc_root ? proc_root : "/proc";
	int e, r;

	memset(&zs, 0, sizeof zs);
	if ((e = zones_read(root, "buddyinfo", &sb, NULL)) != 0) {
		strbuf_release(&sb);
		return pts_errf(err, e == EACCES ? PTS_EPERM : PTS_EIO,
		    "zones_unavailable", "Cannot read %s/buddyinfo: %s.", root,
		    strerror(e));
	}
	r = zones_parse_buddyinfo(sb.buf, sb.len, &zs, err);
	strbuf_release(&sb);
	if (r == 0 && all)
		r = zones_read_optional(root, &zs, err);
	if (r < 0) {
		zones_release(&zs);
		return r;
	}
	/* "live" is this machine's /proc; another root holds files read
	   from somewhere else */
	snprintf(zs.source, sizeof zs.source, "%s",
	    strcmp(root, "/proc") == 0 ? "live" : "proc-root");
	zones_fill_frag(&zs);
	zones_release(out);
	*out = zs;
	return 0;
}

/* Read buddyinfo (required), zoneinfo and pagetypeinfo below proc_root. */
int
zones_read_proc(const char *proc_root, struct zones_state *out,
    struct pts_err *err)
{
	return read_files(proc_root, true, out, err);
}

/*
 * Only buddyinfo: the free blocks per order, for samplers.  pagetypeinfo
 * walks every free list with the zone's lock held and interrupts off
 * (pagetypeinfo_showfree_print(), mm/vmstat.c), too dear to read every few
 * seconds for counts buddyinfo already has.
 */
int
zones_read_buddyinfo(const char *proc_root, struct zones_state *out,
    struct pts_err *err)
{
	return read_files(proc_root, false, out, err);
}
