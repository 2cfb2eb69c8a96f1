/* SPDX-License-Identifier: MIT */
/*
 * ptdump-space.c: a space over the ranges of a parsed ptdump.  The tree is
 * rebuilt from the ranges: a table exists wherever a range at a deeper
 * level lies, a range at a table's own level is a leaf entry, and holes
 * are not children.  Descriptor values and table addresses are unknown.
 */
#include "config.h"

#include "ptdump.h"
#include "ptdump-int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct ptdump_space {
	struct space base;		/* first: the server sees a space */
	struct ptdump_dump d;
	char path[128];			/* debugfs file ("" for uploads) */
};

/* Last byte of a range (end 0 stands for 2^64). */
static uint64_t
ps_last(const struct pt_range *r)
{
	return r->end - 1;
}

/* Position of a range's level in the arch. */
static unsigned
ps_li(const struct arch *a, const struct pt_range *r)
{
	return (unsigned)arch_level_pos(a, r->level);
}

/* Index of the first range whose last byte is at or above va. */
static size_t
ps_first(const struct ptdump_dump *d, uint64_t va)
{
	size_t lo = 0, hi = d->ranges.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ps_last(&d->ranges.v[mid]) < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether a range at level position >= li overlaps [first, last]. */
static bool
ps_deeper(const struct ptdump_dump *d, unsigned li, uint64_t first,
    uint64_t last)
{
	for (size_t i = ps_first(d, first); i < d->ranges.n &&
	    d->ranges.v[i].start <= last; i++)
		if (ps_li(d->arch, &d->ranges.v[i]) >= li)
			return true;
	return false;
}

/* Count distinct tables at level position l2 under [first, last]. */
static uint64_t
ps_count_tables(const struct ptdump_dump *d, unsigned l2, uint64_t first,
    uint64_t last)
{
	uint64_t tspan = arch_table_span(d->arch, l2), count = 0, prev = 0;
	bool any = false;

	for (size_t i = ps_first(d, first); i < d->ranges.n &&
	    d->ranges.v[i].start <= last; i++) {
		const struct pt_range *r = &d->ranges.v[i];
		uint64_t s = r->start < first ? first : r->start;
		uint64_t e = ps_last(r) > last ? last : ps_last(r);
		uint64_t w0 = s / tspan, w1 = e / tspan;

		if (ps_li(d->arch, r) < l2)
			continue;
		if (any && w0 <= prev)
			w0 = prev + 1;
		if (!any || w1 >= w0)
			count += w1 - w0 + 1;
		if (!any || w1 > prev)
			prev = w1;
		any = true;
	}
	return count;
}

/* Statistics of the table at level position li spanning [first, last]. */
static void
ps_stats(const struct ptdump_dump *d, unsigned li, uint64_t first,
    uint64_t last, struct pt_stats *st)
{
	const struct arch *a = d->arch;

	memset(st, 0, sizeof *st);
	for (size_t i = ps_first(d, first); i < d->ranges.n &&
	    d->ranges.v[i].start <= last; i++) {
		const struct pt_range *r = &d->ranges.v[i];
		uint64_t s = r->start < first ? first : r->start;
		uint64_t e = ps_last(r) > last ? last : ps_last(r);
		unsigned rli = ps_li(a, r);
		uint64_t bytes = e - s + 1;

		if (r->flags & PTF_PRESENT)
			st->present_pages += bytes >> a->page_shift;
		if (rli + 1 < a->nlevels)
			st->blocks += bytes / ptdump_leaf_align(a, rli);
	}
	st->tables = 1;
	for (unsigned l2 = li + 1; l2 < a->nlevels; l2++)
		st->tables += ps_count_tables(d, l2, first, last);
}

static struct pt_node *ps_node(const struct ptdump_dump *d, unsigned li,
    uint64_t base, uint64_t first, uint64_t last, unsigned depth);

/* Fill one child for entry idx, or return false when the entry is empty. */
static bool
ps_child(const struct ptdump_dump *d, struct pt_node *n, unsigned li,
    unsigned idx, unsigned depth)
{
	const struct arch *a = d->arch;
	uint64_t eva = arch_entry_va(a, li, n->va, idx);
	uint64_t elast = eva + arch_entry_span(a, li) - 1;
	size_t i = ps_first(d, eva);
	const struct pt_range *r;
	struct pt_child *c;

	if (i >= d->ranges.n || d->ranges.v[i].start > elast)
		return false;
	r = &d->ranges.v[i];
	c = pt_node_add_child(n);
	c->index = idx;
	c->va = eva;
	if (ps_li(a, r) == li) {
		c->kind = li + 1 == a->nlevels ? PT_KIND_PAGE : PT_KIND_BLOCK;
		c->flags = r->flags;
		c->attrs = r->attrs ? xstrdup(r->attrs) : NULL;
		c->size = arch_entry_span(a, li);
		/* an armv7 section may cover half of a 2 MiB pgd entry */
		if (r->start > eva || ps_last(r) < elast)
			c->size = (ps_last(r) < elast ? ps_last(r) : elast) -
			    (r->start > eva ? r->start : eva) + 1;
		if (r->pa != PT_UNKNOWN)
			c->pa = r->pa + (eva - r->start);
		return true;
	}
	c->kind = PT_KIND_TABLE;
	c->flags = PTF_PRESENT;
	c->table = ps_node(d, li + 1, eva, eva, elast, depth);
	return true;
}

/* Build the table at level position li, with children to depth. */
static struct pt_node *
ps_node(const struct ptdump_dump *d, unsigned li, uint64_t base,
    uint64_t first, uint64_t last, unsigned depth)
{
	const struct arch *a = d->arch;
	const struct arch_level *l = &a->levels[li];
	struct pt_node *n = pt_node_new(l->level, base, arch_table_span(a, li),
	    l->entries);

	ps_stats(d, li, first, last, &n->stats);
	if (depth == 0 || li + 1 > a->nlevels)
		return n;
	n->expanded = true;
	for (unsigned idx = 0; idx < l->entries; idx++)
		ps_child(d, n, li, idx, depth - 1);
	return n;
}

/* The VA bounds of the root the tree call means: split roots by half. */
static void
ps_root_bounds(const struct ptdump_dump *d, uint64_t va, uint64_t *base,
    uint64_t *first, uint64_t *last)
{
	const struct arch *a = d->arch;
	bool kernel = (va >> 63) != 0;

	*first = 0;
	*last = UINT64_MAX;
	*base = 0;
	if (!a->split_roots)
		return;
	/* pgd:0x0 of a dump with kernel ranges only means the kernel root */
	if (!kernel && d->ranges.n > 0 &&
	    !arch_va_is_user(a, d->ranges.v[0].start))
		kernel = true;
	*first = kernel ? a->kernel_first : a->user_first;
	*last = kernel ? a->kernel_last : a->user_last;
	*base = arch_table_base(a, 0, *first);
}

/* space op: the table at (level, va) to depth levels. */
static int
ps_tree(struct space *s, enum pt_level level, uint64_t va, unsigned depth,
    struct pt_node **out, struct pts_err *err)
{
	struct ptdump_space *ps = (struct ptdump_space *)s;
	const struct arch *a = ps->d.arch;
	int li = level < PT_NLEVELS ? arch_level_pos(a, level) : -1;
	uint64_t base, first, last;
	int r;

	if (li < 0)
		return pts_errf(err, PTS_EINVAL, "folded_level", "Level %s does "
		    "not exist on %s.", level < PT_NLEVELS ?
		    arch_level_name(level) : "?", a->id);
	if (li == 0) {
		ps_root_bounds(&ps->d, va, &base, &first, &last);
	} else {
		if ((r = arch_check_va(a, va, err)) < 0)
			return r;
		base = first = arch_table_base(a, (unsigned)li, va);
		last = first + arch_table_span(a, (unsigned)li) - 1;
		if (!ps_deeper(&ps->d, (unsigned)li, first, last))
			return pts_errf(err, PTS_ENOENT, "no_such_table", "No %s "
			    "table covers 0x%" PRIx64 " in this dump.",
			    arch_level_name(level), va);
	}
	if (depth > a->nlevels)
		depth = a->nlevels;
	*out = ps_node(&ps->d, (unsigned)li, base, first, last, depth);
	return 0;
}

/* Fill one walk step at level position li. */
static void
ps_step(const struct arch *a, uint64_t va, unsigned li, enum pt_kind kind,
    uint32_t flags, struct pt_walk_step *st)
{
	memset(st, 0, sizeof *st);
	st->level = a->levels[li].level;
	st->index = arch_index(a, li, va);
	st->shift = a->levels[li].shift;
	st->table_pa = st->entry_pa = st->entry = PT_UNKNOWN;
	st->kind = kind;
	st->flags = flags;
	if (kind == PT_KIND_BLOCK || kind == PT_KIND_PAGE)
		st->size = arch_entry_span(a, li);
}

/* space op: walk va through the reconstructed tables. */
static int
ps_walk(struct space *s, uint64_t va, struct pt_walk *w, struct pts_err *err)
{
	struct ptdump_space *ps = (struct ptdump_space *)s;
	const struct ptdump_dump *d = &ps->d;
	const struct arch *a = d->arch;
	size_t i = ps_first(d, va);
	const struct pt_range *r = NULL;
	int rc;

	if ((rc = arch_check_va(a, va, err)) < 0)
		return rc;
	memset(w, 0, sizeof *w);
	w->va = va;
	w->pa = PT_UNKNOWN;
	if (i < d->ranges.n && d->ranges.v[i].start <= va)
		r = &d->ranges.v[i];
	for (unsigned li = 0; li < a->nlevels; li++) {
		uint64_t el = arch_entry_va(a, li, arch_table_base(a, li, va),
		    arch_index(a, li, va));
		uint64_t elast = el + arch_entry_span(a, li) - 1;

		if (r != NULL && ps_li(a, r) == li) {
			ps_step(a, va, li, li + 1 == a->nlevels ? PT_KIND_PAGE :
			    PT_KIND_BLOCK, r->flags, &w->steps[w->nsteps++]);
			w->page_size = arch_entry_span(a, li);
			w->mapped = (r->flags & PTF_PRESENT) != 0;
			if (r->pa != PT_UNKNOWN && w->mapped)
				w->pa = r->pa + (va - r->start);
			snprintf(w->reason, sizeof w->reason, "The dump shows a "
			    "%s leaf here.", a->levels[li].name);
			return 0;
		}
		if (!ps_deeper(d, li + 1, el, elast)) {
			ps_step(a, va, li, PT_KIND_NONE, 0,
			    &w->steps[w->nsteps++]);
			snprintf(w->reason, sizeof w->reason, "The dump shows "
			    "no mapping at the %s level here.",
			    a->levels[li].name);
			return 0;
		}
		ps_step(a, va, li, PT_KIND_TABLE, PTF_PRESENT,
		    &w->steps[w->nsteps++]);
	}
	return 0;
}

/* space op: the parsed ranges, copied. */
static int
ps_ranges(struct space *s, struct pt_ranges *out, struct pts_err *err)
{
	struct ptdump_space *ps = (struct ptdump_space *)s;

	(void)err;
	for (size_t i = 0; i < ps->d.ranges.n; i++) {
		const struct pt_range *in = &ps->d.ranges.v[i];
		struct pt_range *r = pt_ranges_add(out, in->attrs);
		char *attrs = r->attrs;

		*r = *in;
		r->attrs = attrs;
		r->marker = in->marker ? xstrdup(in->marker) : NULL;
	}
	for (size_t i = 0; i < ps->d.ranges.nmarkers; i++)
		pt_ranges_add_marker(out, ps->d.ranges.markers[i].va,
		    ps->d.ranges.markers[i].name);
	return 0;
}

/* space op: what the dump held. */
static void
ps_info(struct space *s, struct space_info *si)
{
	struct ptdump_space *ps = (struct ptdump_space *)s;
	const struct ptdump_dump *d = &ps->d;

	space_info_str(si, "ptdump.format", "%s", ptdump_fmt_name(d->fmt));
	space_info_bool(si, "ptdump.arch_guessed", d->guessed);
	space_info_u64(si, "ptdump.lines", d->nlines);
	space_info_u64(si, "ptdump.ranges", d->ranges.n);
	space_info_u64(si, "ptdump.holes", d->nholes);
	space_info_u64(si, "ptdump.skipped_entries", d->skipped);
	space_info_u64(si, "ptdump.markers_count", d->nmarkers);
	space_info_str(si, "ptdump.markers", "%s",
	    d->markers.buf ? d->markers.buf : "");
	space_info_u64(si, "ptdump.warnings", d->nwarnings);
	if (d->nwarnings)
		space_info_str(si, "ptdump.first_warning", "%s", d->warning);
	else
		space_info_null(si, "ptdump.first_warning");
	if (ps->path[0])
		space_info_str(si, "ptdump.source", "%s", ps->path);
}

/* Whether two range lists are the same. */
static bool
ps_same(const struct pt_ranges *x, const struct pt_ranges *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++) {
		const struct pt_range *a = &x->v[i], *b = &y->v[i];

		if (a->start != b->start || a->end != b->end ||
		    a->level != b->level || a->flags != b->flags ||
		    a->pa != b->pa || strcmp(a->attrs ? a->attrs : "",
		    b->attrs ? b->attrs : "") != 0)
			return false;
	}
	return true;
}

/* space op (kernel): re-read the debugfs file. */
static int
ps_refresh(struct space *s, struct pts_err *err)
{
	struct ptdump_space *ps = (struct ptdump_space *)s;
	struct strbuf sb = STRBUF_INIT;
	struct ptdump_dump nd = { 0 };
	int r;

	r = strbuf_read_file(&sb, ps->path, PTDUMP_MAX_TEXT, err);
	if (r == 0)
		r = ptdump_dump_parse(sb.buf ? sb.buf : "", sb.len,
		    ps->d.arch->id, &nd, err);
	strbuf_release(&sb);
	if (r < 0)
		return r;
	if (ps_same(&nd.ranges, &ps->d.ranges)) {
		ptdump_dump_release(&nd);
		return 0;
	}
	ptdump_dump_release(&ps->d);
	ps->d = nd;
	ps->base.generation++;
	return 0;
}

/* space op: free everything. */
static void
ps_free(struct space *s)
{
	struct ptdump_space *ps = (struct ptdump_space *)s;

	ptdump_dump_release(&ps->d);
	free(ps);
}

static const struct space_ops ptdump_upload_ops = {
	.kind = "ptdump",
	.tree = ps_tree,
	.walk = ps_walk,
	.ranges = ps_ranges,
	.regions = space_regions_by_ranges,
	.info = ps_info,
	.free = ps_free,
};

static const struct space_ops ptdump_kernel_ops = {
	.kind = "kernel",
	.tree = ps_tree,
	.walk = ps_walk,
	.ranges = ps_ranges,
	.regions = space_regions_by_ranges,
	.refresh = ps_refresh,
	.info = ps_info,
	.free = ps_free,
};

/* A space over d (whose contents it takes). */
struct space *
ptdump_space_new(struct ptdump_dump *d, bool kernel, const char *path)
{
	struct ptdump_space *ps = xcalloc(1, sizeof *ps);

	ps->d = *d;
	memset(d, 0, sizeof *d);
	ps->base.ops = kernel ? &ptdump_kernel_ops : &ptdump_upload_ops;
	ps->base.arch = ps->d.arch;
	ps->base.generation = 1;
	ps->base.live = kernel;
	snprintf(ps->path, sizeof ps->path, "%s", path ? path : "");
	snprintf(ps->base.label, sizeof ps->base.label, "%s %s dump%s",
	    ps->d.arch->id, ptdump_fmt_name(ps->d.fmt),
	    ps->d.guessed ? " (arch guessed)" : "");
	return &ps->base;
}

/* Parse an uploaded dump into a space of kind "ptdump". */
int
ptdump_parse(const char *text, size_t len, const char *arch_id,
    struct space **out, struct pts_err *err)
{
	struct ptdump_dump d = { 0 };
	int r;

	if ((r = ptdump_dump_parse(text, len, arch_id, &d, err)) < 0)
		return r;
	*out = ptdump_space_new(&d, false, NULL);
	return 0;
}
