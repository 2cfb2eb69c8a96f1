/* SPDX-License-Identifier: MIT */
/* hstate.c: flattened states of a space: items, lists, capture. */
#include "config.h"
#include "hstate.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

_Static_assert(offsetof(struct hitem, data) % 8 == 0, "aligned records");
_Static_assert(sizeof(struct hrec_entry) == 128, "no padding in records");
_Static_assert(sizeof(struct hrec_range) == 48, "no padding in records");

struct hitem *
hitem_new(uint64_t key, uint32_t sub, const void *data, uint32_t len)
{
	struct hitem *it = xcalloc(1, sizeof *it + len);

	it->refs = 1;
	it->key = key;
	it->sub = sub;
	it->len = len;
	if (data)
		memcpy(it->data, data, len);
	return it;
}

struct hitem *
hitem_ref(struct hitem *it)
{
	if (it)
		it->refs++;
	return it;
}

void
hitem_unref(struct hitem *it)
{
	if (it && --it->refs == 0)
		free(it);
}

int
hitem_cmp_key(const struct hitem *a, const struct hitem *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->sub != b->sub)
		return a->sub < b->sub ? -1 : 1;
	return 0;
}

bool
hitem_same(const struct hitem *a, const struct hitem *b)
{
	return a == b || (a->key == b->key && a->sub == b->sub &&
	    a->len == b->len && memcmp(a->data, b->data, a->len) == 0);
}

const struct hrec_entry *
hitem_entry(const struct hitem *it)
{
	return (const struct hrec_entry *)(const void *)it->data;
}

const char *
hitem_entry_attrs(const struct hitem *it)
{
	return it->len > sizeof(struct hrec_entry) ?
	    (const char *)it->data + sizeof(struct hrec_entry) : NULL;
}

size_t
hitem_bytes(const struct hitem *it)
{
	return sizeof *it + it->len;
}

struct hstate *
hstate_new(const struct arch *a)
{
	struct hstate *st = xcalloc(1, sizeof *st);

	st->arch = a;
	return st;
}

void
hstate_free(struct hstate *st)
{
	if (st == NULL)
		return;
	for (unsigned l = 0; l < HL_N; l++) {
		for (size_t i = 0; i < st->l[l].n; i++)
			hitem_unref(st->l[l].v[i]);
		free(st->l[l].v);
	}
	free(st);
}

struct hstate *
hstate_dup(const struct hstate *src)
{
	struct hstate *st = hstate_new(src->arch);

	st->generation = src->generation;
	st->has = src->has;
	for (unsigned l = 0; l < HL_N; l++) {
		const struct hlist *s = &src->l[l];

		st->l[l].n = st->l[l].cap = s->n;
		st->l[l].v = xcalloc(s->n ? s->n : 1, sizeof *s->v);
		for (size_t i = 0; i < s->n; i++)
			st->l[l].v[i] = hitem_ref(s->v[i]);
	}
	return st;
}

void
hlist_push(struct hlist *l, struct hitem *it)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = it;
}

bool
hstate_equal(const struct hstate *a, const struct hstate *b)
{
	for (unsigned l = 0; l < HL_N; l++) {
		if (a->l[l].n != b->l[l].n)
			return false;
		for (size_t i = 0; i < a->l[l].n; i++)
			if (!hitem_same(a->l[l].v[i], b->l[l].v[i]))
				return false;
	}
	return true;
}

size_t
hstate_bytes(const struct hstate *st)
{
	size_t b = sizeof *st;

	for (unsigned l = 0; l < HL_N; l++) {
		b += st->l[l].cap * sizeof(struct hitem *);
		for (size_t i = 0; i < st->l[l].n; i++)
			b += hitem_bytes(st->l[l].v[i]);
	}
	return b;
}

size_t
hlist_lower(const struct hlist *l, uint64_t key)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid]->key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct hitem *
hstate_find(const struct hstate *st, unsigned list, uint64_t key)
{
	const struct hlist *l = &st->l[list];
	size_t i = hlist_lower(l, key);

	return i < l->n && l->v[i]->key == key ? l->v[i] : NULL;
}

enum htable_status
hstate_table_status(const struct hstate *st, unsigned li, uint64_t va)
{
	const struct arch *a = st->arch;
	const struct hitem *it;
	const struct hrec_entry *r;

	if (li == 0)
		return st->l[HL_ROOT].n ? HT_READ : HT_ABSENT;
	it = hstate_find(st, HL_ENTRIES + a->levels[li - 1].level,
	    arch_table_base(a, li, va));
	if (it == NULL)		/* no entry above: empty, or not read */
		return hstate_table_status(st, li - 1, va) == HT_NOT_READ ?
		    HT_NOT_READ : HT_ABSENT;
	r = hitem_entry(it);
	if (r->kind != PT_KIND_TABLE)
		return HT_ABSENT;
	return (st->has & HS_PARTIAL) && r->tentries == 0 ? HT_NOT_READ :
	    HT_READ;
}

/* The head of table n into an entry record (root items, table entries). */
static void
rec_table_head(struct hrec_entry *r, const struct pt_node *n)
{
	r->tlevel = (uint8_t)n->level;
	r->tentries = n->entries;
	r->tva = n->va;
	r->tspan = n->span;
	r->table_pa = n->table_pa;
	r->present_pages = n->stats.present_pages;
	r->tables = n->stats.tables;
	r->blocks = n->stats.blocks;
	r->swapped_pages = n->stats.swapped_pages;
}

/* An item of a record followed by an optional string. */
static struct hitem *
rec_item(uint64_t key, const struct hrec_entry *r, const char *attrs)
{
	size_t al = attrs ? strlen(attrs) + 1 : 0;
	struct hitem *it = hitem_new(key, 0, NULL,
	    (uint32_t)(sizeof *r + al));

	memcpy(it->data, r, sizeof *r);
	if (al)
		memcpy(it->data + sizeof *r, attrs, al);
	return it;
}

struct hitem *
hstate_entry_item(enum pt_level level, const struct pt_child *c)
{
	struct hrec_entry r;

	memset(&r, 0, sizeof r);	/* no stray padding: items compare by
					   their bytes */
	r.va = c->va;
	r.entry = c->entry;
	r.entry_pa = c->entry_pa;
	r.size = c->size;
	r.pa = c->pa;
	r.hw[0] = c->hw[0];
	r.hw[1] = c->hw[1];
	r.flags = c->flags;
	r.index = c->index;
	r.level = (uint8_t)level;
	r.kind = (uint8_t)c->kind;
	r.nhw = (uint8_t)c->nhw;
	if (c->kind == PT_KIND_TABLE && c->table)
		rec_table_head(&r, c->table);
	return rec_item(c->va, &r, c->attrs);
}

struct hitem *
hstate_root_item(const struct pt_node *n)
{
	struct hrec_entry r;

	memset(&r, 0, sizeof r);
	r.va = n->va;
	r.level = (uint8_t)n->level;
	r.kind = PT_KIND_TABLE;
	rec_table_head(&r, n);
	return rec_item(n->va, &r, NULL);
}

struct hitem *
hstate_range_item(const struct pt_range *x, uint32_t sub)
{
	struct hrec_range r;
	size_t al = x->attrs ? strlen(x->attrs) + 1 : 0;
	size_t ml = x->marker ? strlen(x->marker) + 1 : 0;
	struct hitem *it = hitem_new(x->start, sub, NULL,
	    (uint32_t)(sizeof r + al + ml));

	memset(&r, 0, sizeof r);
	r.start = x->start;
	r.end = x->end;
	r.pages = x->pages;
	r.pa = x->pa;
	r.flags = x->flags;
	r.level = (uint32_t)x->level;
	r.attrs_len = (uint32_t)al;
	r.marker_len = (uint32_t)ml;
	memcpy(it->data, &r, sizeof r);
	if (al)
		memcpy(it->data + sizeof r, x->attrs, al);
	if (ml)
		memcpy(it->data + sizeof r + al, x->marker, ml);
	return it;
}

static int
cmp_items(const void *a, const void *b)
{
	return hitem_cmp_key(*(struct hitem *const *)a,
	    *(struct hitem *const *)b);
}

void
hstate_sort(struct hstate *st)
{
	for (unsigned l = 0; l < HL_N; l++) {
		struct hlist *x = &st->l[l];
		bool sorted = true;

		for (size_t i = 1; i < x->n && sorted; i++)
			sorted = hitem_cmp_key(x->v[i - 1], x->v[i]) < 0;
		if (!sorted)
			qsort(x->v, x->n, sizeof *x->v, cmp_items);
	}
}

/* Every entry under n, depth first. */
static void
flatten(struct hstate *st, const struct pt_node *n)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct pt_child *c = &n->children[i];

		hlist_push(&st->l[HL_ENTRIES + n->level],
		    hstate_entry_item(n->level, c));
		if (c->kind == PT_KIND_TABLE && c->table)
			flatten(st, c->table);
	}
}

/* One root table, whole, or as far as a lazy backend has read it (its
   items, prev's where they have not changed). */
static int
capture_root(struct space *s, struct hstate *st, uint64_t va,
    const struct hstate *prev, uint64_t prev_serial, struct pts_err *err)
{
	struct pt_node *n = NULL;
	int r;

	if (s->ops->capture_read)
		return s->ops->capture_read(s, va, prev, prev_serial, st, err);
	r = s->ops->tree(s, s->arch->levels[0].level, va, PT_NLEVELS, &n, err);
	if (r < 0)
		return r;
	if (hstate_find(st, HL_ROOT, n->va) == NULL) {
		hlist_push(&st->l[HL_ROOT], hstate_root_item(n));
		flatten(st, n);
	}
	pt_node_free(n);
	return 0;
}

bool
hstate_all_read(const struct hstate *st)
{
	for (size_t i = 0; i < st->l[HL_ROOT].n; i++)
		if (hitem_entry(st->l[HL_ROOT].v[i])->tables == 0)
			return false;
	return true;
}

static int
capture_ranges(struct space *s, struct hstate *st, struct pts_err *err)
{
	struct pt_ranges rg = { 0 };
	uint32_t sub = 0;
	int r;

	if ((r = s->ops->ranges(s, &rg, err)) < 0) {
		pt_ranges_release(&rg);
		return r;
	}
	for (size_t i = 0; i < rg.n; i++) {
		sub = i && rg.v[i].start == rg.v[i - 1].start ? sub + 1 : 0;
		hlist_push(&st->l[HL_RANGES], hstate_range_item(&rg.v[i],
		    sub));
	}
	pt_ranges_release(&rg);
	st->has |= HS_HAS_RANGES;
	return 0;
}

/* Zones as one item: the struct then its zone array. */
static int
capture_zones(struct space *s, struct hstate *st, struct pts_err *err)
{
	struct zones_state zs;
	struct hitem *it;
	size_t zb;
	int r;

	memset(&zs, 0, sizeof zs);
	if ((r = s->ops->zones(s, &zs, err)) < 0) {
		zones_release(&zs);
		return r;
	}
	zb = zs.nzones * sizeof *zs.zones;
	it = hitem_new(0, 0, NULL, (uint32_t)(sizeof zs + zb));
	memcpy(it->data + sizeof zs, zs.zones, zb);
	free(zs.zones);
	zs.zones = NULL;
	memcpy(it->data, &zs, sizeof zs);
	hlist_push(&st->l[HL_ZONES], it);
	st->has |= HS_HAS_ZONES;
	return 0;
}

int
hstate_capture(struct space *s, struct hstate **out, struct pts_err *err)
{
	return hstate_capture_lazy(s, NULL, 0, out, err);
}

int
hstate_capture_lazy(struct space *s, const struct hstate *prev,
    uint64_t prev_serial, struct hstate **out, struct pts_err *err)
{
	struct hstate *st = hstate_new(s->arch);
	int r = 0;

	st->generation = s->generation;
	if (s->ops->capture_read)
		st->has |= HS_PARTIAL;
	if (s->ops->tree) {
		r = capture_root(s, st, 0, prev, prev_serial, err);
		if (r == 0 && s->arch->split_roots)
			(void)capture_root(s, st, s->arch->kernel_first, prev,
			    prev_serial, NULL);
	}
	/* a lazy backend's ranges would read every table: only when it has */
	if (r == 0 && s->ops->ranges && (!(st->has & HS_PARTIAL) ||
	    hstate_all_read(st)))
		r = capture_ranges(s, st, err);
	if (r == 0 && s->ops->zones)
		r = capture_zones(s, st, err);
	if (r < 0) {
		hstate_free(st);
		return r;
	}
	hstate_sort(st);
	*out = st;
	return 0;
}

void
hstate_strip_physical(struct hstate *st)
{
	for (unsigned l = 0; l <= HL_ROOT; l++)
		for (size_t i = 0; i < st->l[l].n; i++) {
			struct hrec_entry *r = (struct hrec_entry *)(void *)
			    st->l[l].v[i]->data;

			r->entry = r->entry_pa = r->pa = PT_UNKNOWN;
			r->table_pa = PT_UNKNOWN;
			r->hw[0] = r->hw[1] = 0;
			r->nhw = 0;
		}
	for (size_t i = 0; i < st->l[HL_RANGES].n; i++) {
		struct hrec_range *r = (struct hrec_range *)(void *)
		    st->l[HL_RANGES].v[i]->data;

		r->pa = PT_UNKNOWN;
	}
}
