/* SPDX-License-Identifier: MIT */
/* hdiff.c: leaf and table changes between two states. */
#include "config.h"
#include "hdiff.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static bool
is_leaf(const struct hrec_entry *r)
{
	return r && r->kind != PT_KIND_TABLE && r->kind != PT_KIND_NONE;
}

static struct hdiff_side
side_of(const struct hrec_entry *r)
{
	struct hdiff_side s = { false, PT_KIND_NONE, 0, PT_UNKNOWN };

	if (is_leaf(r)) {
		s.present = true;
		s.kind = (enum pt_kind)r->kind;
		s.flags = r->flags;
		s.pa = r->pa;
	}
	return s;
}

static bool
same_side(const struct hdiff_side *x, const struct hdiff_side *y)
{
	return x->present == y->present && x->kind == y->kind &&
	    x->flags == y->flags;
}

/* Whether the leaf views of two items differ (pa and attrs count). */
static bool
leaf_changed(const struct hrec_entry *a, const struct hrec_entry *b,
    const struct hitem *ia, const struct hitem *ib)
{
	if (is_leaf(a) != is_leaf(b))
		return true;
	if (!is_leaf(a))
		return false;
	return a->kind != b->kind || a->flags != b->flags ||
	    a->pa != b->pa || a->size != b->size || a->entry != b->entry ||
	    !hitem_same(ia, ib);
}

/* Count and list the table a table entry points to. */
static void
add_table(struct hdiff *d, const struct hrec_entry *r, bool added)
{
	struct hdiff_table *t;

	if (added)
		d->tables_added++;
	else
		d->tables_freed++;
	d->t = xgrow(d->t, &d->tcap, d->nt + 1, sizeof *d->t);
	t = &d->t[d->nt++];
	t->level = (enum pt_level)r->tlevel;
	t->va = r->tva;
	t->added = added;
}

/* Tables: a table entry that appeared, went, or points elsewhere. */
static void
count_tables(const struct hrec_entry *a, const struct hrec_entry *b,
    struct hdiff *d)
{
	bool ta = a && a->kind == PT_KIND_TABLE, tb = b && b->kind ==
	    PT_KIND_TABLE;

	if (ta && !tb)
		add_table(d, a, false);
	else if (!ta && tb)
		add_table(d, b, true);
	else if (ta && tb && a->table_pa != b->table_pa &&
	    a->table_pa != PT_UNKNOWN && b->table_pa != PT_UNKNOWN) {
		add_table(d, a, false);
		add_table(d, b, true);
	}
}

/* Add one changed leaf, merging with the last change of its level. */
static void
add_leaf(struct hdiff *d, size_t *last, const struct arch *a,
    const struct hrec_entry *ra, const struct hrec_entry *rb)
{
	const struct hrec_entry *r = is_leaf(rb) ? rb : ra;
	struct hdiff_side before = side_of(ra), after = side_of(rb);
	struct hdiff_change *p = *last < d->n ? &d->v[*last] : NULL;
	uint64_t size = r->size ? r->size : a->page_size;

	if (p && p->end == r->va && same_side(&p->before, &before) &&
	    same_side(&p->after, &after)) {
		p->end = r->va + size;
		p->entries++;
		p->pages += size >> a->page_shift;
		return;
	}
	d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof *d->v);
	*last = d->n;
	p = &d->v[d->n++];
	p->va = r->va;
	p->end = r->va + size;
	p->level = (enum pt_level)r->level;
	p->entries = 1;
	p->pages = size >> a->page_shift;
	p->before = before;
	p->after = after;
}

static int
cmp_table(const void *x, const void *y)
{
	const struct hdiff_table *a = x, *b = y;

	if (a->va != b->va)
		return a->va < b->va ? -1 : 1;
	if (a->level != b->level)
		return (int)a->level - (int)b->level;
	return (int)a->added - (int)b->added;
}

static int
cmp_change(const void *x, const void *y)
{
	const struct hdiff_change *a = x, *b = y;

	if (a->va != b->va)
		return a->va < b->va ? -1 : 1;
	return (int)a->level - (int)b->level;
}

bool
hdiff_compared(const struct hstate *a, const struct hstate *b, unsigned list,
    uint64_t key)
{
	int li;

	if (!((a->has | b->has) & HS_PARTIAL) || list >= HL_ROOT)
		return true;
	li = arch_level_pos(a->arch, (enum pt_level)(list - HL_ENTRIES));
	return li >= 0 &&
	    hstate_table_status(a, (unsigned)li, key) != HT_NOT_READ &&
	    hstate_table_status(b, (unsigned)li, key) != HT_NOT_READ;
}

/* A table entry whose table was not read (partial states). */
static bool
unread_table(const struct hstate *st, const struct hrec_entry *r)
{
	return r && (st->has & HS_PARTIAL) && r->kind == PT_KIND_TABLE &&
	    r->tentries == 0;
}

/* The table below a compared entry, when a side had not read it. */
static void
add_unread(struct hdiff *d, const struct hstate *sa, const struct hstate *sb,
    const struct hrec_entry *ra, const struct hrec_entry *rb)
{
	const struct hrec_entry *r = unread_table(sa, ra) ? ra :
	    unread_table(sb, rb) ? rb : NULL;
	struct hdiff_unread *u;

	if (r == NULL)
		return;
	d->u = xgrow(d->u, &d->ucap, d->nu + 1, sizeof *d->u);
	u = &d->u[d->nu++];
	u->level = (enum pt_level)r->tlevel;
	u->va = r->tva;
	u->span = r->tspan;
}

static int
cmp_unread(const void *x, const void *y)
{
	const struct hdiff_unread *a = x, *b = y;

	if (a->va != b->va)
		return a->va < b->va ? -1 : 1;
	return (int)a->level - (int)b->level;
}

void
hdiff_states(const struct hstate *sa, const struct hstate *sb,
    struct hdiff *d)
{
	memset(d, 0, sizeof *d);
	d->partial = ((sa->has | sb->has) & HS_PARTIAL) != 0;
	for (unsigned l = HL_ENTRIES; l < HL_ENTRIES + PT_NLEVELS; l++) {
		const struct hlist *a = &sa->l[l], *b = &sb->l[l];
		size_t i = 0, j = 0, last = SIZE_MAX;

		while (i < a->n || j < b->n) {
			int c = i == a->n ? 1 : j == b->n ? -1 :
			    hitem_cmp_key(a->v[i], b->v[j]);
			const struct hitem *ia = c <= 0 ? a->v[i] : NULL;
			const struct hitem *ib = c >= 0 ? b->v[j] : NULL;
			const struct hrec_entry *ra = ia ? hitem_entry(ia) :
			    NULL, *rb = ib ? hitem_entry(ib) : NULL;

			i += c <= 0;
			j += c >= 0;
			if (d->partial) {
				/* an item both hold is compared (both read its
				   table); one under a table listed unread is
				   not */
				if (ia != ib && !hdiff_compared(sa, sb, l,
				    (ia ? ia : ib)->key))
					continue;
				add_unread(d, sa, sb, ra, rb);
			}
			if (ia == ib)
				continue;
			count_tables(ra, rb, d);
			if (leaf_changed(ra, rb, ia, ib))
				add_leaf(d, &last, sa->arch, ra, rb);
		}
	}
	if (d->n > 1)		/* qsort(NULL, 0, ...) is undefined */
		qsort(d->v, d->n, sizeof *d->v, cmp_change);
	if (d->nt > 1)
		qsort(d->t, d->nt, sizeof *d->t, cmp_table);
	if (d->nu > 1)
		qsort(d->u, d->nu, sizeof *d->u, cmp_unread);
}

void
hdiff_release(struct hdiff *d)
{
	free(d->v);
	free(d->t);
	free(d->u);
	memset(d, 0, sizeof *d);
}
