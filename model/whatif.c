/* SPDX-License-Identifier: MIT */
/* whatif.c: replaying a space's present pages on another configuration. */
#include "config.h"
#include "whatif.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char *const thp_names[] = { "asis", "never", "always" };

const char *
whatif_thp_name(enum whatif_thp t)
{
	return (unsigned)t < 3 ? thp_names[t] : "asis";
}

int
whatif_thp_from_name(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s && !strcmp(s, thp_names[i]))
			return i;
	return -1;
}

/* Leaf sizes a region's pages are grouped into, biggest first. */
struct wi_sizes {
	unsigned n;
	uint64_t size[2];
	unsigned li[2];
	bool deposit[2];
};

/* The target's leaves, in VA order, and what they add up to. */
struct wi_out {
	const struct arch *t;
	struct region_leafseg *v;
	size_t n, cap;
	uint64_t done;		/* end of the last leaf */
	bool any;
	struct whatif_result *res;
};

static uint64_t
round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Append leaves [s, e) at level li, skipping what is already placed. */
static void
wi_push(struct wi_out *o, uint64_t s, uint64_t e, unsigned li, bool deposit)
{
	unsigned last = o->t->nlevels - 1;
	uint64_t sz = li < last ? arch_entry_span(o->t, li) : o->t->page_size;

	if (o->any && s < o->done)
		s = round_up(o->done, sz);
	if (s >= e || (o->any && s < o->done))
		return;
	o->v = xgrow(o->v, &o->cap, o->n + 1, sizeof *o->v);
	o->v[o->n++] = (struct region_leafseg){ s, e, li };
	o->done = e;
	o->any = true;
	o->res->present_bytes += e - s;
	if (li < last) {
		o->res->blocks += (e - s) / sz;
		if (deposit) {
			o->res->deposited += (e - s) / sz;
			o->res->thp_blocks += (e - s) / sz;
		}
	}
}

/*
 * Place [s, e) of region r with leaf sizes from sz->size[k] down: the
 * aligned windows of that size lying wholly inside r become one leaf each,
 * the rest goes to the next size, and finally to base pages.
 */
static void
wi_place(struct wi_out *o, const struct region *r, const struct wi_sizes *sz,
    unsigned k, uint64_t s, uint64_t e)
{
	uint64_t b, kmin, kmax, lo, hi;

	if (s >= e)
		return;
	if (k == sz->n) {
		uint64_t p = o->t->page_size;

		wi_push(o, s & ~(p - 1), round_up(e, p), o->t->nlevels - 1,
		    false);
		return;
	}
	b = sz->size[k];
	kmin = round_up(r->start, b) / b;
	kmax = r->end / b;		/* windows [kmin, kmax) fit in r */
	lo = s / b > kmin ? s / b : kmin;
	hi = (e - 1) / b;
	if (kmax == 0 || hi > kmax - 1)
		hi = kmax - 1;
	if (kmax <= kmin || lo > hi) {
		wi_place(o, r, sz, k + 1, s, e);
		return;
	}
	wi_place(o, r, sz, k + 1, s, lo * b);
	wi_push(o, lo * b, (hi + 1) * b, sz->li[k], sz->deposit[k]);
	wi_place(o, r, sz, k + 1, (hi + 1) * b, e);
}

/* The THP leaf of the target: a PMD-level block, or 0. */
static uint64_t
wi_thp_size(const struct arch *t, unsigned *li)
{
	if (t->nlevels < 2 || t->levels[t->nlevels - 2].block_size == 0)
		return 0;
	*li = t->nlevels - 2;
	return arch_entry_span(t, *li);
}

/* The leaf sizes region r is grouped into on the target. */
static void
wi_sizes_of(const struct whatif_config *c, const struct region *r,
    struct wi_sizes *sz)
{
	const struct arch *t = c->arch;
	unsigned li = 0;
	uint64_t thp = wi_thp_size(t, &li);

	memset(sz, 0, sizeof *sz);
	if (c->page_size > t->page_size && (r->anon || r->page_size)) {
		sz->size[sz->n] = c->page_size;
		sz->li[sz->n++] = c->page_li;
	}
	if (c->thp == WHATIF_THP_ALWAYS && r->anon && thp &&
	    thp < (sz->n ? sz->size[0] : UINT64_MAX)) {
		sz->size[sz->n] = thp;
		sz->li[sz->n] = li;
		sz->deposit[sz->n++] = true;
	}
}

/* A source block kept as it is (asis THP, hugetlb), or false. */
static bool
wi_keep_block(struct wi_out *o, const struct whatif_config *c,
    const struct arch *src, const struct region *r,
    const struct region_span *sp, uint64_t s, uint64_t e)
{
	unsigned li;
	const struct arch_leaf *lf;

	if (sp->li + 1 >= src->nlevels)
		return false;
	if (r->page_size == 0 && c->thp != WHATIF_THP_ASIS)
		return false;
	lf = arch_leaf_by_size(c->arch, arch_entry_span(src, sp->li), &li);
	if (lf == NULL || li + 1 >= c->arch->nlevels)
		return false;
	wi_push(o, s, e, li, sp->deposit && r->page_size == 0 &&
	    li + 2 == c->arch->nlevels);
	return true;
}

/* Place the part of span sp inside [lo, hi] (inclusive); pages placed. */
static uint64_t
wi_span(struct wi_out *o, const struct whatif_config *c,
    const struct regions *rs, const struct region_span *sp, uint64_t lo,
    uint64_t hi)
{
	const struct region *r = &rs->v[sp->region];
	uint64_t s = sp->start > lo ? sp->start : lo;
	uint64_t e = sp->end - 1 < hi ? sp->end - 1 : hi;
	struct wi_sizes sz;

	if (s > e)
		return 0;
	e++;		/* exclusive; 0 when it reaches 2^64 */
	if (e == 0)
		e = ~(uint64_t)0 & ~(rs->arch->page_size - 1);
	if (!wi_keep_block(o, c, rs->arch, r, sp, s, e)) {
		wi_sizes_of(c, r, &sz);
		wi_place(o, r, &sz, 0, s, e);
	}
	return (e - s) >> rs->arch->page_shift;
}

/* Bytes of one table at levels[li]. */
static uint64_t
wi_table_bytes(const struct arch *t, unsigned li)
{
	return (uint64_t)t->levels[li].entries * t->levels[li].entry_bytes;
}

/* Sizes and counts from the placed leaves. */
static void
wi_totals(const struct arch *t, struct wi_out *o, bool kernel_root)
{
	struct whatif_result *res = o->res;
	unsigned last = t->nlevels - 1;

	res->tables[0] = 1 + (t->split_roots && kernel_root);
	regions_count_tables(t, o->v, o->n, res->tables);
	res->table_pages = res->deposited;
	res->table_bytes = res->deposited * wi_table_bytes(t, last);
	res->vm_pte_bytes = res->table_bytes;
	for (unsigned li = 0; li < t->nlevels; li++) {
		enum pt_level l = t->levels[li].level;
		uint64_t b = res->tables[li] * wi_table_bytes(t, li);

		res->table_pages += res->tables[li];
		res->table_bytes += b;
		if (li > 0 && (l == PT_PUD || l == PT_PMD || l == PT_PTE))
			res->vm_pte_bytes += b;
	}
}

void
whatif_compute(const struct regions *rs, const struct whatif_config *c,
    struct whatif_result *res)
{
	const struct arch *t = c->arch;
	struct wi_out o = { 0 };
	uint64_t total = 0, placed = 0, kplaced = 0;

	memset(res, 0, sizeof *res);
	o.t = t;
	o.res = res;
	for (size_t i = 0; i < rs->nspans; i++) {
		const struct region_span *sp = &rs->spans[i];

		total += (sp->end - sp->start) >> rs->arch->page_shift;
		placed += wi_span(&o, c, rs, sp, t->user_first, t->user_last);
	}
	/* the kernel half after the user half keeps the leaves in VA order */
	for (size_t i = 0; i < rs->nspans; i++)
		kplaced += wi_span(&o, c, rs, &rs->spans[i], t->kernel_first,
		    t->kernel_last);
	res->unplaced_pages = total - placed - kplaced;
	wi_totals(t, &o, kplaced > 0);
	free(o.v);
}
