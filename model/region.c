/* SPDX-License-Identifier: MIT */
/* region.c: per-region cost and the pte-table charging rule. */
#include "config.h"
#include "region.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct region *
regions_add(struct regions *rs, uint64_t start, uint64_t end,
    const char *name)
{
	struct region *r;

	rs->v = xgrow(rs->v, &rs->cap, rs->n + 1, sizeof *rs->v);
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof *r);
	r->start = start;
	r->end = end;
	r->name = xstrdup(name ? name : "");
	return r;
}

void
regions_add_span(struct regions *rs, const struct region_span *sp)
{
	struct region_span *p = rs->nspans ? &rs->spans[rs->nspans - 1] :
	    NULL;

	if (sp->end != 0 && sp->start >= sp->end)
		return;	/* (an end of 0 is 2^64) */
	if (p && p->end == sp->start && p->region == sp->region &&
	    p->li == sp->li && p->kind == sp->kind && p->file == sp->file &&
	    p->zero == sp->zero && p->deposit == sp->deposit) {
		p->end = sp->end;
		return;
	}
	rs->spans = xgrow(rs->spans, &rs->capspans, rs->nspans + 1,
	    sizeof *rs->spans);
	rs->spans[rs->nspans++] = *sp;
}

void
regions_release(struct regions *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].name);
	free(rs->v);
	free(rs->spans);
	memset(rs, 0, sizeof *rs);
}

void
regions_count_tables(const struct arch *a, const struct region_leafseg *s,
    size_t n, uint64_t *tables)
{
	uint64_t next[PT_NLEVELS] = { 0 };	/* first table id not counted */
	bool any[PT_NLEVELS] = { false };

	for (size_t i = 0; i < n; i++)
		for (unsigned lj = 1; lj <= s[i].li && lj < a->nlevels; lj++) {
			uint64_t sh = arch_table_span(a, lj);
			uint64_t f = s[i].start / sh, l = (s[i].end - 1) / sh;

			if (any[lj] && f < next[lj])
				f = next[lj];
			if (any[lj] && l < f)
				continue;
			tables[lj] += l - f + 1;
			next[lj] = l + 1;
			any[lj] = true;
		}
}

/* Memory counters of one span added to its region. */
static void
account_span(const struct arch *a, struct region *r,
    const struct region_span *sp)
{
	uint64_t bytes = sp->end - sp->start;
	unsigned last = a->nlevels - 1;

	if (sp->kind == RSPAN_SWAP) {
		r->swapped_pages += bytes >> a->page_shift;
		r->swap_bytes += bytes;
		return;
	}
	if (sp->kind != RSPAN_PRESENT)
		return;
	r->present_pages += bytes >> a->page_shift;
	if (r->page_size > a->page_size) {
		r->hugetlb_bytes += bytes;
		return;
	}
	if (sp->deposit && sp->li < last)
		r->deposited_tables += bytes / arch_entry_span(a, sp->li);
	if (sp->zero)
		return;		/* smaps leaves the zero page out of Rss */
	r->rss_bytes += bytes;
	if (sp->file)
		r->file_bytes += bytes;
	else
		r->anon_bytes += bytes;
	if (sp->li < last)
		r->thp_bytes += bytes;
}

/* Entries of the pte table being charged, by region run. */
struct charge {
	bool open;
	uint64_t tid;		/* table being tallied */
	size_t cur, best;	/* region of the current run, best so far */
	uint64_t cur_n, best_n;
};

/* Charge the tallied table to its owner and start table tid. */
static void
charge_flush(struct regions *rs, struct charge *c)
{
	if (c->open)
		rs->v[c->best].table_pages++;
	c->open = false;
}

/* Add n entries of region r in table tid to the tally. */
static void
charge_add(struct regions *rs, struct charge *c, uint64_t tid, size_t r,
    uint64_t n)
{
	if (c->open && c->tid != tid)
		charge_flush(rs, c);
	if (!c->open) {
		*c = (struct charge){ true, tid, r, r, 0, 0 };
	}
	if (r != c->cur) {
		c->cur = r;
		c->cur_n = 0;
	}
	c->cur_n += n;
	if (c->cur_n > c->best_n) {	/* strictly more: lower address wins
					   a tie */
		c->best_n = c->cur_n;
		c->best = r;
	}
}

/*
 * Charge every pte table to one region.  Base-page spans are in VA order
 * and the spans of one region are adjacent, so a table's entries per region
 * come as runs of consecutive spans.  Tables a span covers whole are its
 * region's without a tally.
 */
static void
charge_tables(struct regions *rs)
{
	const struct arch *a = rs->arch;
	unsigned last = a->nlevels - 1;
	uint64_t tspan = arch_table_span(a, last);
	struct charge c = { 0 };

	for (size_t i = 0; i < rs->nspans; i++) {
		const struct region_span *sp = &rs->spans[i];
		uint64_t f, l, fend;

		if (sp->li != last)
			continue;
		f = sp->start / tspan;
		l = (sp->end - 1) / tspan;
		fend = (f + 1) * tspan;
		if (f == l) {
			charge_add(rs, &c, f, sp->region,
			    (sp->end - sp->start) >> a->page_shift);
			continue;
		}
		charge_add(rs, &c, f, sp->region,
		    (fend - sp->start) >> a->page_shift);
		charge_flush(rs, &c);
		rs->v[sp->region].table_pages += l - f - 1;
		charge_add(rs, &c, l, sp->region,
		    (sp->end - l * tspan) >> a->page_shift);
	}
	charge_flush(rs, &c);
}

void
regions_account(struct regions *rs)
{
	const struct arch *a = rs->arch;
	struct region_leafseg *ls;

	for (size_t i = 0; i < rs->n; i++) {
		struct region *r = &rs->v[i];

		r->present_pages = r->swapped_pages = 0;
		r->rss_bytes = r->anon_bytes = r->file_bytes = 0;
		r->swap_bytes = r->thp_bytes = r->hugetlb_bytes = 0;
		r->table_pages = r->deposited_tables = 0;
	}
	memset(rs->tables, 0, sizeof rs->tables);
	rs->deposited = 0;
	ls = xcalloc(rs->nspans + 1, sizeof *ls);
	for (size_t i = 0; i < rs->nspans; i++) {
		const struct region_span *sp = &rs->spans[i];

		account_span(a, &rs->v[sp->region], sp);
		ls[i] = (struct region_leafseg){ sp->start, sp->end, sp->li };
	}
	rs->tables[0] = 1;
	regions_count_tables(a, ls, rs->nspans, rs->tables);
	free(ls);
	for (size_t i = 0; i < rs->n; i++)
		rs->deposited += rs->v[i].deposited_tables;
	charge_tables(rs);
}

/* The arch level position of a Linux level (the last one when folded). */
static unsigned
level_pos(const struct arch *a, enum pt_level l)
{
	int li = arch_level_pos(a, l);

	return li < 0 ? a->nlevels - 1 : (unsigned)li;
}

void
regions_from_ranges(struct regions *rs, const struct arch *a,
    const struct pt_ranges *r)
{
	struct region *cur = NULL;
	bool markers = false;

	rs->arch = a;
	for (size_t i = 0; i < r->n; i++)
		markers |= r->v[i].marker != NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_range *x = &r->v[i];
		bool start = cur == NULL || (markers ? x->marker != NULL :
		    x->start != cur->end);
		struct region_span sp = { 0 };

		if (start) {
			cur = regions_add(rs, x->start, x->end, x->marker);
			/* a simulated process: its memory is anonymous */
			cur->anon = !markers;
		}
		cur->end = x->end;
		sp.start = x->start;
		sp.end = x->end;
		sp.region = rs->n - 1;
		sp.li = level_pos(a, x->level);
		sp.kind = (x->flags & PTF_SWAPPED) ? RSPAN_SWAP :
		    (x->flags & PTF_GUARD) ? RSPAN_MARKER : RSPAN_PRESENT;
		regions_add_span(rs, &sp);
	}
	regions_account(rs);
}
