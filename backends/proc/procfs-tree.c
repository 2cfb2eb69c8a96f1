/* SPDX-License-Identifier: MIT */
/* procfs-tree.c: page tables inferred from VMAs and pagemap ranges. */
#include "config.h"
#include "procfs-tree.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Bytes one entry at levels[li] maps. */
static uint64_t
tr_espan(const struct arch *a, unsigned li)
{
	return UINT64_C(1) << a->levels[li].shift;
}

/* Bytes one table at levels[li] spans. */
static uint64_t
tr_tspan(const struct arch *a, unsigned li)
{
	return (uint64_t)a->levels[li].entries << a->levels[li].shift;
}

/* Name of a Linux level. */
static const char *
tr_level_name(enum pt_level l)
{
	static const char *const names[PT_NLEVELS] = { "pgd", "p4d", "pud",
	    "pmd", "pte" };

	return (unsigned)l < PT_NLEVELS ? names[l] : "unknown";
}

/* Position of the last (pte) level. */
static unsigned
tr_last(const struct arch *a)
{
	return a->nlevels - 1;
}

/* Append a segment, merging with the previous one when it continues it. */
static void
tr_seg_push(struct procfs_model *m, uint64_t s, uint64_t e, uint32_t cats,
    unsigned li, long vma)
{
	struct procfs_seg *p = m->nsegs ? &m->segs[m->nsegs - 1] : NULL;

	if (s >= e)
		return;
	if (p && p->end == s && p->cats == cats && p->li == li &&
	    p->vma == vma) {
		p->end = e;
		return;
	}
	m->segs = xgrow(m->segs, &m->capsegs, m->nsegs + 1, sizeof *m->segs);
	m->segs[m->nsegs++] = (struct procfs_seg){ s, e, cats, li, vma };
}

/* The level position whose entries map size bytes (above pte), or -1. */
static int
tr_block_li(const struct arch *a, uint64_t size)
{
	for (unsigned li = 0; li < tr_last(a); li++)
		if (tr_espan(a, li) == size)
			return (int)li;
	return -1;
}

/* Add one run piece inside VMA vi: aligned huge parts become blocks. */
static void
tr_seg_add(struct procfs_model *m, uint64_t s, uint64_t e, uint32_t cats,
    long vi)
{
	const struct arch *a = m->arch;
	uint64_t size = a->page_size, bs, bstart, bend;
	int bli;

	if (vi >= 0 && m->vmas.v[vi].page_size > a->page_size)
		size = m->vmas.v[vi].page_size;
	else if (a->nlevels >= 2)
		size = tr_espan(a, tr_last(a) - 1);
	bli = tr_block_li(a, size);
	if (!(cats & PSC_HUGE) || bli < 0) {
		tr_seg_push(m, s, e, cats, tr_last(a), vi);
		return;
	}
	bs = tr_espan(a, (unsigned)bli);
	bstart = (s + bs - 1) & ~(bs - 1);
	bend = e & ~(bs - 1);
	if (bstart >= bend) {
		tr_seg_push(m, s, e, cats, tr_last(a), vi);
		return;
	}
	tr_seg_push(m, s, bstart, cats, tr_last(a), vi);
	tr_seg_push(m, bstart, bend, cats, (unsigned)bli, vi);
	tr_seg_push(m, bend, e, cats, tr_last(a), vi);
}

/* Split runs at VMA boundaries into segments. */
static void
tr_segs_build(struct procfs_model *m, const struct procfs_runs *runs)
{
	size_t vi = 0;

	for (size_t i = 0; i < runs->n; i++) {
		const struct procfs_run *r = &runs->v[i];

		while (vi < m->vmas.n && m->vmas.v[vi].end <= r->start)
			vi++;
		for (size_t k = vi; k < m->vmas.n &&
		    m->vmas.v[k].start < r->end; k++) {
			uint64_t s = r->start > m->vmas.v[k].start ?
			    r->start : m->vmas.v[k].start;
			uint64_t e = r->end < m->vmas.v[k].end ?
			    r->end : m->vmas.v[k].end;

			tr_seg_add(m, s, e, r->cats, (long)k);
		}
	}
}

/* First segment whose end lies above lo. */
static size_t
tr_first_seg(const struct procfs_model *m, uint64_t lo)
{
	size_t a = 0, b = m->nsegs;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (m->segs[mid].end <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/*
 * Push the part of model segment s inside [lo, hi), taking the detail
 * categories (those outside PSC_SUMMARY) from the runs read now where their
 * summary categories still agree; *k is the first run not wholly before s.
 * The summary stays the model's, so a tree never contradicts its own stats.
 */
static void
tr_push_detailed(struct procfs_model *out, const struct procfs_seg *s,
    uint64_t lo, uint64_t hi, const struct procfs_runs *runs, size_t *k)
{
	uint64_t x = s->start > lo ? s->start : lo;
	uint64_t y = s->end < hi ? s->end : hi, at = x;

	while (*k < runs->n && runs->v[*k].end <= x)
		(*k)++;
	for (size_t i = *k; i < runs->n && runs->v[i].start < y && at < y;
	    i++) {
		const struct procfs_run *r = &runs->v[i];
		uint64_t rs = r->start > at ? r->start : at;
		uint64_t re = r->end < y ? r->end : y;
		uint32_t c = s->cats;

		if (rs >= re)
			continue;
		if ((r->cats & PSC_SUMMARY) == (s->cats & PSC_SUMMARY))
			c = r->cats;
		tr_seg_push(out, at, rs, s->cats, s->li, s->vma);
		tr_seg_push(out, rs, re, c, s->li, s->vma);
		at = re;
	}
	tr_seg_push(out, at, y, s->cats, s->li, s->vma);
}

/*
 * The model's segments inside [lo, hi) into *out (which shares m's arch and
 * VMAs: release only out->segs), with the full categories of the leaves at
 * levels[li] (every level when li < 0) read through d->cats: one read per
 * stretch of consecutive such segments.  Without d->cats, *out is m itself.
 */
static int
tr_refine(const struct procfs_model *m, const struct procfs_detail *d, int li,
    uint64_t lo, uint64_t hi, struct procfs_model *out, struct pts_err *err)
{
	struct procfs_runs runs = { 0, 0, NULL };
	size_t i = tr_first_seg(m, lo), end = i;
	int r = 0;

	bool any = false;

	*out = *m;
	if (d == NULL || d->cats == NULL)
		return 0;
	for (; end < m->nsegs && m->segs[end].start < hi; end++)
		any |= li < 0 || m->segs[end].li == (unsigned)li;
	if (!any)
		return 0;
	out->segs = NULL;
	out->nsegs = out->capsegs = 0;
	while (r == 0 && i < end) {
		size_t j = i, k = 0;

		if (li >= 0 && m->segs[i].li != (unsigned)li) {
			/* not a leaf of interest: copied as it is */
			struct procfs_runs none = { 0, 0, NULL };

			tr_push_detailed(out, &m->segs[i++], lo, hi, &none, &k);
			continue;
		}
		while (j + 1 < end && (li < 0 || m->segs[j + 1].li ==
		    (unsigned)li))
			j++;
		runs.n = 0;
		r = d->cats(d->ctx, m->segs[i].start > lo ? m->segs[i].start :
		    lo, m->segs[j].end < hi ? m->segs[j].end : hi, &runs, err);
		for (; r == 0 && i <= j; i++)
			tr_push_detailed(out, &m->segs[i], lo, hi, &runs, &k);
	}
	procfs_runs_release(&runs);
	return r;
}

/* Release what tr_refine() allocated. */
static void
tr_refined_release(const struct procfs_model *m, struct procfs_model *v)
{
	if (v->segs != m->segs)
		free(v->segs);
}

/* Stats of the table at levels[li] spanning [lo, hi). */
static void
tr_stats(const struct procfs_model *m, unsigned li, uint64_t lo, uint64_t hi,
    struct pt_stats *st, uint64_t *per_level)
{
	const struct arch *a = m->arch;
	uint64_t next[PT_NLEVELS] = { 0 };	/* first id not yet counted */

	memset(st, 0, sizeof *st);
	st->tables = 1;
	for (size_t i = tr_first_seg(m, lo); i < m->nsegs &&
	    m->segs[i].start < hi; i++) {
		const struct procfs_seg *s = &m->segs[i];
		uint64_t x = s->start > lo ? s->start : lo;
		uint64_t y = s->end < hi ? s->end : hi;
		uint64_t pages = (y - x) >> a->page_shift;

		if (s->cats & PSC_PRESENT)
			st->present_pages += pages;
		else if (!(s->cats & PSC_GUARD))
			st->swapped_pages += pages;
		if (s->li < tr_last(a))
			st->blocks += (y - x) / tr_espan(a, s->li);
		for (unsigned lj = li + 1; lj <= s->li; lj++) {
			uint64_t sh = tr_tspan(a, lj);
			uint64_t f = x / sh, l = (y - 1) / sh;

			if (f < next[lj])
				f = next[lj];
			if (l >= f) {
				st->tables += l - f + 1;
				if (per_level)
					per_level[lj] += l - f + 1;
				next[lj] = l + 1;
			}
		}
	}
}

/* FNV-1a over n bytes. */
static uint64_t
tr_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Per-VMA counts, THP bytes and the change hash. */
static void
tr_summarize(struct procfs_model *m)
{
	const struct arch *a = m->arch;
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < m->nsegs; i++) {
		const struct procfs_seg *s = &m->segs[i];
		struct procfs_vma *v = &m->vmas.v[s->vma];
		uint64_t pages = (s->end - s->start) >> a->page_shift;

		if (s->cats & PSC_PRESENT)
			v->present_pages += pages;
		else if (!(s->cats & PSC_GUARD))
			v->swapped_pages += pages;
		if ((s->cats & PSC_HUGE) && !(s->cats & PSC_FILE) &&
		    s->li + 1 == tr_last(a) && v->page_size <= a->page_size) {
			m->deposits += (s->end - s->start) /
			    tr_espan(a, s->li);
			if (!(s->cats & PSC_PFNZERO))
				m->thp_bytes += s->end - s->start;
		}
		h = tr_fnv(h, s, sizeof *s);
	}
	for (size_t i = 0; i < m->vmas.n; i++) {
		const struct procfs_vma *v = &m->vmas.v[i];

		h = tr_fnv(h, &v->start, sizeof v->start);
		h = tr_fnv(h, &v->end, sizeof v->end);
		h = tr_fnv(h, v->perms, sizeof v->perms);
		h = tr_fnv(h, &v->inode, sizeof v->inode);
	}
	m->hash = h;
}

void
procfs_model_build(struct procfs_model *m, const struct arch *a,
    struct procfs_vmas *vmas, const struct procfs_runs *runs)
{
	struct pt_stats st;

	memset(m, 0, sizeof *m);
	m->arch = a;
	m->vmas = *vmas;
	memset(vmas, 0, sizeof *vmas);
	tr_segs_build(m, runs);
	tr_stats(m, 0, 0, UINT64_MAX, &st, m->tables);
	m->tables[0] = 1;
	tr_summarize(m);
}

/* Private anonymous memory, which THP may back: no file, not hugetlb, not
   a special mapping other than the heap, the stack and named anon. */
static bool
tr_vma_anon(const struct procfs_vma *v)
{
	if (v->perms[3] != 'p' || v->inode != 0 || v->page_size != 0)
		return false;
	return v->name == NULL || !strcmp(v->name, "[heap]") ||
	    !strcmp(v->name, "[stack]") || !strncmp(v->name, "[anon:", 6);
}

int
procfs_model_regions(const struct procfs_model *pm,
    const struct procfs_detail *d, struct regions *out, struct pts_err *err)
{
	const struct arch *a = pm->arch;
	struct procfs_model rv, *m = &rv;
	int rc;

	/* file and zero page of every leaf: the full categories, read now */
	if ((rc = tr_refine(pm, d, -1, 0, UINT64_MAX, &rv, err)) < 0) {
		tr_refined_release(pm, &rv);
		return rc;
	}
	memset(out, 0, sizeof *out);
	out->arch = a;
	for (size_t i = 0; i < m->vmas.n; i++) {
		const struct procfs_vma *v = &m->vmas.v[i];
		struct region *r = regions_add(out, v->start, v->end, v->name);

		memcpy(r->perms, v->perms, sizeof r->perms);
		r->offset = v->offset;
		r->page_size = v->page_size > a->page_size ? v->page_size : 0;
		r->anon = tr_vma_anon(v);
	}
	for (size_t i = 0; i < m->nsegs; i++) {
		const struct procfs_seg *s = &m->segs[i];
		const struct procfs_vma *v = &m->vmas.v[s->vma];
		struct region_span sp = { 0 };

		sp.start = s->start;
		sp.end = s->end;
		sp.region = (size_t)s->vma;
		sp.li = s->li;
		sp.kind = (s->cats & PSC_PRESENT) ? RSPAN_PRESENT :
		    (s->cats & PSC_GUARD) ? RSPAN_MARKER : RSPAN_SWAP;
		sp.file = (s->cats & PSC_FILE) != 0;
		sp.zero = (s->cats & PSC_PFNZERO) != 0;
		/* the deposit rule of tr_summarize() */
		sp.deposit = (s->cats & PSC_HUGE) && !(s->cats & PSC_FILE) &&
		    s->li + 1 == tr_last(a) && v->page_size <= a->page_size;
		regions_add_span(out, &sp);
	}
	regions_account(out);
	tr_refined_release(pm, &rv);
	return 0;
}

void
procfs_model_release(struct procfs_model *m)
{
	procfs_vmas_release(&m->vmas);
	free(m->segs);
	memset(m, 0, sizeof *m);
}

uint64_t
procfs_model_vmpte_tables(const struct procfs_model *m)
{
	uint64_t n = 0;

	for (unsigned li = 1; li < m->arch->nlevels; li++) {
		enum pt_level l = m->arch->levels[li].level;

		if (l == PT_PUD || l == PT_PMD || l == PT_PTE)
			n += m->tables[li];
	}
	return n + m->deposits;
}

/* Flags of a leaf from its VMA and categories (no per-page detail). */
static uint32_t
tr_leaf_flags(const struct procfs_model *m, const struct procfs_seg *s)
{
	const struct procfs_vma *v = s->vma >= 0 ? &m->vmas.v[s->vma] : NULL;
	uint32_t f = PTF_USER;

	if (v) {
		f |= v->perms[0] == 'r' ? PTF_READ : 0;
		f |= v->perms[1] == 'w' ? PTF_WRITE : 0;
		f |= v->perms[2] == 'x' ? PTF_EXEC : 0;
		f |= v->perms[3] == 's' ? PTF_SHARED : 0;
	}
	if (s->cats & PSC_PRESENT) {
		f |= PTF_PRESENT;
		f |= (s->cats & PSC_FILE) ? PTF_FILE : PTF_ANON;
		f |= (s->cats & PSC_PFNZERO) ? PTF_ZERO : 0;
		if (s->cats & PSC_HUGE)
			f |= v && v->page_size > m->arch->page_size ?
			    PTF_HUGETLB : PTF_THP;
	} else if (s->cats & PSC_GUARD)
		f |= PTF_GUARD;
	else
		f |= PTF_SWAPPED | PTF_ANON;
	f |= (s->cats & PSC_SOFT_DIRTY) ? PTF_SOFT_DIRTY : 0;
	return f;
}

/* Add what one pagemap word (and kpageflags) tells about a leaf. */
static void
tr_apply_word(const struct procfs_model *m, const struct procfs_detail *d,
    uint64_t w, uint32_t *flags, uint64_t *pa)
{
	uint64_t pfn = w & PM_PFN_MASK, kf;

	*flags |= (w & PM_MMAP_EXCLUSIVE) ? PTF_EXCLUSIVE : 0;
	*flags |= (w & PM_UFFD_WP) ? PTF_UFFD_WP : 0;
	*flags |= (w & PM_SOFT_DIRTY) ? PTF_SOFT_DIRTY : 0;
	if (!(w & PM_PRESENT) || !d->pfn_visible || pfn == 0)
		return;
	*pa = pfn << m->arch->page_shift;
	if (d->kpageflags && d->kpageflags(d->ctx, pfn, &kf)) {
		*flags |= (kf & (UINT64_C(1) << KPF_THP)) ? PTF_THP : 0;
		*flags |= (kf & (UINT64_C(1) << KPF_HUGE)) ? PTF_HUGETLB : 0;
		*flags |= (kf & (UINT64_C(1) << KPF_ZERO_PAGE)) ? PTF_ZERO : 0;
	}
}

/* Read one pagemap word through the detail supplier. */
static int
tr_word(const struct procfs_detail *d, uint64_t va, uint64_t *w,
    struct pts_err *err)
{
	*w = 0;
	if (d == NULL || d->words == NULL)
		return 0;
	return d->words(d->ctx, va, 1, w, err);
}

/* Fill a leaf child (page, swap or block) at va of segment s. */
static void
tr_leaf_child(const struct procfs_model *m, const struct procfs_detail *d,
    const struct procfs_seg *s, struct pt_child *c, uint64_t w)
{
	c->kind = !(s->cats & PSC_PRESENT) ? PT_KIND_SWAP :
	    s->li == tr_last(m->arch) ? PT_KIND_PAGE : PT_KIND_BLOCK;
	c->flags = tr_leaf_flags(m, s);
	c->size = tr_espan(m->arch, s->li);
	if (d)
		tr_apply_word(m, d, w, &c->flags, &c->pa);
	if (s->vma >= 0 && m->vmas.v[s->vma].name)
		c->attrs = xstrdup(m->vmas.v[s->vma].name);
}

static struct pt_node *tr_node(const struct procfs_model *,
    const struct procfs_detail *, unsigned, uint64_t, unsigned,
    struct pts_err *, int *);

/* Children of a pte table: one per page or swap entry. */
static int
tr_pte_children(const struct procfs_model *pm, const struct procfs_detail *d,
    struct pt_node *n, struct pts_err *err)
{
	const struct arch *a = pm->arch;
	uint64_t *w = xcalloc(n->entries, sizeof *w), hi = n->va + n->span;
	struct procfs_model v, *m = &v;
	int r = tr_refine(pm, d, (int)tr_last(a), n->va, hi, &v, err);

	if (r == 0 && d && d->words)
		r = d->words(d->ctx, n->va, n->entries, w, err);
	for (size_t i = tr_first_seg(m, n->va); r == 0 && i < m->nsegs &&
	    m->segs[i].start < hi; i++) {
		const struct procfs_seg *s = &m->segs[i];
		uint64_t x = s->start > n->va ? s->start : n->va;
		uint64_t y = s->end < hi ? s->end : hi;

		for (; x < y; x += a->page_size) {
			struct pt_child *c = pt_node_add_child(n);
			size_t k = (size_t)((x - n->va) >> a->page_shift);

			c->index = (unsigned)k;
			c->va = x;
			tr_leaf_child(m, d, s, c, w[k]);
		}
	}
	tr_refined_release(pm, &v);
	free(w);
	return r;
}

/* Children of a higher table: blocks and next-level tables. */
static int
tr_upper_children(const struct procfs_model *pm, const struct procfs_detail *d,
    unsigned li, struct pt_node *n, unsigned depth, struct pts_err *err)
{
	uint64_t es = tr_espan(pm->arch, li), hi = n->va + n->span;
	uint64_t next = 0;	/* first index not yet listed */
	struct procfs_model v, *m = &v;
	int r;

	if (hi < n->va)
		hi = UINT64_MAX;
	r = tr_refine(pm, d, (int)li, n->va, hi, &v, err);
	for (size_t i = tr_first_seg(m, n->va); r == 0 && i < m->nsegs &&
	    m->segs[i].start < hi; i++) {
		const struct procfs_seg *s = &m->segs[i];
		uint64_t x = s->start > n->va ? s->start : n->va;
		uint64_t y = s->end < hi ? s->end : hi;
		uint64_t f = (x - n->va) / es, l = (y - 1 - n->va) / es;

		if (s->li < li)
			continue;
		for (uint64_t k = f < next ? next : f; r == 0 && k <= l; k++) {
			struct pt_child *c = pt_node_add_child(n);
			uint64_t w;

			c->index = (unsigned)k;
			c->va = n->va + k * es;
			if (s->li == li) {
				if ((r = tr_word(d, c->va, &w, err)) == 0)
					tr_leaf_child(m, d, s, c, w);
			} else {
				c->kind = PT_KIND_TABLE;
				c->flags = PTF_PRESENT;
				c->table = tr_node(pm, d, li + 1, c->va,
				    depth - 1, err, &r);
			}
		}
		next = l + 1;
	}
	tr_refined_release(pm, &v);
	return r;
}

/* Build the node of the table at levels[li] starting at va. */
static struct pt_node *
tr_node(const struct procfs_model *m, const struct procfs_detail *d,
    unsigned li, uint64_t va, unsigned depth, struct pts_err *err, int *rp)
{
	const struct arch *a = m->arch;
	struct pt_node *n;
	uint64_t span = tr_tspan(a, li);

	n = pt_node_new(a->levels[li].level, va, span, a->levels[li].entries);
	tr_stats(m, li, va, va + span - 1 < va ? UINT64_MAX : va + span,
	    &n->stats, NULL);
	if (depth == 0)
		return n;
	n->expanded = true;
	if (li == tr_last(a))
		*rp = tr_pte_children(m, d, n, err);
	else
		*rp = tr_upper_children(m, d, li, n, depth, err);
	return n;
}

/* 0 when va is canonical for the arch, else PTS_EINVAL. */
static int
tr_check_va(const struct arch *a, uint64_t va, struct pts_err *err)
{
	uint64_t top;

	if (a->va_bits >= 64 || !a->sign_extend)
		return va > a->user_last && va < a->kernel_first ?
		    pts_errf(err, PTS_EINVAL, "bad_va", "%#" PRIx64 " is "
		    "outside the arch's user and kernel ranges.", va) : 0;
	top = va >> (a->va_bits - 1);
	if (top == 0 || top == (UINT64_MAX >> (a->va_bits - 1)))
		return 0;
	return pts_errf(err, PTS_EINVAL, "bad_va", "%#" PRIx64 " is not a "
	    "canonical address for %s (%u-bit VAs).", va, a->id, a->va_bits);
}

/* Whether some segment with leaves at or below levels[li] overlaps. */
static bool
tr_has_below(const struct procfs_model *m, unsigned li, uint64_t lo,
    uint64_t hi)
{
	for (size_t i = tr_first_seg(m, lo); i < m->nsegs &&
	    m->segs[i].start < hi; i++)
		if (m->segs[i].li >= li)
			return true;
	return false;
}

int
procfs_model_tree(const struct procfs_model *m, const struct procfs_detail *d,
    enum pt_level level, uint64_t va, unsigned depth, struct pt_node **out,
    struct pts_err *err)
{
	const struct arch *a = m->arch;
	int li = -1, r = 0;
	uint64_t base;
	struct pt_node *n;

	for (unsigned i = 0; i < a->nlevels; i++)
		if (a->levels[i].level == level)
			li = (int)i;
	if (li < 0)
		return pts_errf(err, PTS_EINVAL, "bad_level", "%s has no %s "
		    "level (it is folded or unknown).", a->id,
		    tr_level_name(level));
	if ((r = tr_check_va(a, va, err)) < 0)
		return r;
	base = li == 0 ? 0 : va & ~(tr_tspan(a, (unsigned)li) - 1);
	if (li > 0 && (va > a->user_last ||
	    !tr_has_below(m, (unsigned)li, base,
	    base + tr_tspan(a, (unsigned)li))))
		return pts_errf(err, PTS_ENOENT, "no_such_table", "No %s table "
		    "covers %#" PRIx64 " (%s).", a->levels[li].name, va,
		    va > a->user_last ? "kernel tables are not visible to "
		    "user space" : "nothing is mapped there");
	n = tr_node(m, d, (unsigned)li, base, depth, err, &r);
	if (r < 0) {
		pt_node_free(n);
		return r;
	}
	*out = n;
	return 0;
}

/* The segment containing va, or NULL. */
static const struct procfs_seg *
tr_seg_at(const struct procfs_model *m, uint64_t va)
{
	size_t i = tr_first_seg(m, va);

	if (i < m->nsegs && m->segs[i].start <= va)
		return &m->segs[i];
	return NULL;
}

/* Fill the leaf step of a walk. */
static int
tr_walk_leaf(const struct procfs_model *m, const struct procfs_detail *d,
    const struct procfs_seg *s, struct pt_walk *w, struct pt_walk_step *st,
    struct pts_err *err)
{
	struct pt_child c;
	uint64_t word = 0, pm = m->arch->page_size - 1;
	int r;

	uint64_t es = tr_espan(m->arch, s->li), lo = w->va & ~(es - 1);
	const struct procfs_seg *vs;
	struct procfs_model v;

	memset(&c, 0, sizeof c);
	c.pa = PT_UNKNOWN;
	if ((r = tr_word(d, w->va & ~pm, &word, err)) < 0)
		return r;
	if ((r = tr_refine(m, d, (int)s->li, lo, lo + es, &v, err)) < 0) {
		tr_refined_release(m, &v);
		return r;
	}
	if ((vs = tr_seg_at(&v, w->va)) == NULL)
		vs = s;
	tr_leaf_child(m, d, vs, &c, word);
	tr_refined_release(m, &v);
	free(c.attrs);
	st->kind = c.kind;
	st->flags = c.flags;
	st->size = c.size;
	w->page_size = c.size;
	w->mapped = c.kind != PT_KIND_SWAP;
	if (w->mapped && c.pa != PT_UNKNOWN)
		w->pa = c.pa | (w->va & pm);
	snprintf(w->reason, sizeof w->reason, "%s at %s", pt_kind_name(c.kind),
	    tr_level_name(st->level));
	return 0;
}

int
procfs_model_walk(const struct procfs_model *m, const struct procfs_detail *d,
    uint64_t va, struct pt_walk *w, struct pts_err *err)
{
	const struct arch *a = m->arch;
	const struct procfs_seg *s;
	int r;

	if ((r = tr_check_va(a, va, err)) < 0)
		return r;
	memset(w, 0, sizeof *w);
	w->va = va;
	w->pa = PT_UNKNOWN;
	s = va <= a->user_last ? tr_seg_at(m, va) : NULL;
	for (unsigned li = 0; li < a->nlevels; li++) {
		struct pt_walk_step *st = &w->steps[w->nsteps++];
		uint64_t es = tr_espan(a, li), eb = va & ~(es - 1);

		st->level = a->levels[li].level;
		st->shift = a->levels[li].shift;
		st->index = (unsigned)((va >> st->shift) &
		    (a->levels[li].entries - 1));
		st->table_pa = st->entry_pa = st->entry = PT_UNKNOWN;
		if (s && s->li == li)
			return tr_walk_leaf(m, d, s, w, st, err);
		if (va <= a->user_last && li < tr_last(a) &&
		    tr_has_below(m, li + 1, eb, eb + es)) {
			st->kind = PT_KIND_TABLE;
			st->flags = PTF_PRESENT;
			continue;
		}
		st->kind = PT_KIND_NONE;
		snprintf(w->reason, sizeof w->reason, "%s", va > a->user_last ?
		    "kernel tables are not visible to user space" :
		    "no entry at this level (nothing is mapped here)");
		break;
	}
	return 0;
}

/* Whether two optional strings are equal. */
static bool
tr_streq(const char *x, const char *y)
{
	return (x == NULL && y == NULL) || (x && y && strcmp(x, y) == 0);
}

int
procfs_model_ranges(const struct procfs_model *pm,
    const struct procfs_detail *d, struct pt_ranges *out, struct pts_err *err)
{
	const struct arch *a = pm->arch;
	struct procfs_model v, *m = &v;
	int r = tr_refine(pm, d, -1, 0, UINT64_MAX, &v, err);

	for (size_t i = 0; r == 0 && i < m->nsegs; i++) {
		const struct procfs_seg *s = &m->segs[i];
		const char *name = s->vma >= 0 ? m->vmas.v[s->vma].name : NULL;
		uint32_t f = tr_leaf_flags(m, s);
		struct pt_range *p = out->n ? &out->v[out->n - 1] : NULL;

		if (p && p->end == s->start && p->flags == f &&
		    p->level == a->levels[s->li].level &&
		    tr_streq(p->attrs, name)) {
			p->end = s->end;
			p->pages += (s->end - s->start) >> a->page_shift;
			continue;
		}
		p = pt_ranges_add(out, name);
		p->start = s->start;
		p->end = s->end;
		p->level = a->levels[s->li].level;
		p->pages = (s->end - s->start) >> a->page_shift;
		p->flags = f;
	}
	tr_refined_release(pm, &v);
	return r;
}
