/* SPDX-License-Identifier: MIT */
/* hview.c: trees, walks, ranges and zones answered from a stored state. */
#include "config.h"
#include "hview.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The root item covering va: the last root whose VA is <= va. */
static const struct hitem *
root_for(const struct hstate *st, uint64_t va, size_t *pos)
{
	const struct hlist *l = &st->l[HL_ROOT];
	size_t i;

	if (l->n == 0)
		return NULL;
	for (i = l->n; i > 1 && l->v[i - 1]->key > va; i--)
		;
	*pos = i - 1;
	return l->v[i - 1];
}

/* End (exclusive, 0 = 2^64) of the VAs whose entries belong to the table
   of record t; roots own everything up to the next root. */
static uint64_t
table_end(const struct hstate *st, const struct hrec_entry *t, bool root,
    size_t root_pos)
{
	const struct hlist *l = &st->l[HL_ROOT];

	if (root)
		return root_pos + 1 < l->n ? l->v[root_pos + 1]->key : 0;
	return t->tva + t->tspan;
}

static struct pt_node *node_of(const struct hstate *, const struct hrec_entry *,
    bool root, size_t root_pos, unsigned depth);

/* Child c from an entry item; its table (always set) to depth. */
static void
child_of(const struct hstate *st, const struct hitem *it, struct pt_child *c,
    unsigned depth)
{
	const struct hrec_entry *r = hitem_entry(it);
	const char *attrs = hitem_entry_attrs(it);

	c->index = r->index;
	c->va = r->va;
	c->kind = (enum pt_kind)r->kind;
	c->entry = r->entry;
	c->entry_pa = r->entry_pa;
	c->flags = r->flags;
	c->attrs = attrs ? xstrdup(attrs) : NULL;
	c->size = r->size;
	c->pa = r->pa;
	c->nhw = r->nhw;
	c->hw[0] = r->hw[0];
	c->hw[1] = r->hw[1];
	if (c->kind == PT_KIND_TABLE)
		c->table = node_of(st, r, false, 0, depth);
}

/* The node of the table whose head is in record t. */
static struct pt_node *
node_of(const struct hstate *st, const struct hrec_entry *t, bool root,
    size_t root_pos, unsigned depth)
{
	struct pt_node *n = pt_node_new((enum pt_level)t->tlevel, t->tva,
	    t->tspan, t->tentries);
	const struct hlist *l = &st->l[HL_ENTRIES + t->tlevel];
	uint64_t end = table_end(st, t, root, root_pos);

	n->table_pa = t->table_pa;
	n->stats.present_pages = t->present_pages;
	n->stats.tables = t->tables;
	n->stats.blocks = t->blocks;
	n->stats.swapped_pages = t->swapped_pages;
	if (depth == 0)
		return n;
	n->expanded = true;
	for (size_t i = hlist_lower(l, t->tva); i < l->n &&
	    (end == 0 || l->v[i]->key < end); i++)
		child_of(st, l->v[i], pt_node_add_child(n), depth - 1);
	return n;
}

static int
no_table(enum pt_level level, uint64_t va, struct pts_err *err)
{
	return pts_errf(err, PTS_ENOENT, "no_such_table",
	    "No %s table covered 0x%" PRIx64 " at this generation.",
	    arch_level_name(level), va);
}

/* A lazy backend's table that was not read at this generation. */
static int
not_read(const struct hstate *st, enum pt_level level, uint64_t va,
    const char *what, struct pts_err *err)
{
	return pts_errf(err, PTS_EEXPIRED, "not_read", "The %s table covering "
	    "0x%" PRIx64 " %s at generation %" PRIu64 ": this space reads its "
	    "tables lazily and keeps of a generation only what was read while "
	    "it was the newest.", arch_level_name(level), va, what,
	    st->generation);
}

int
hview_tree(const struct hstate *st, enum pt_level level, uint64_t va,
    unsigned depth, struct pt_node **out, struct pts_err *err)
{
	const struct arch *a = st->arch;
	int li = arch_table_pos(a, level, va, err);
	const struct hitem *t;
	size_t rp = 0;

	if (li < 0)
		return li;
	if (hstate_table_status(st, (unsigned)li, va) == HT_NOT_READ)
		return not_read(st, level, va, "was not read", err);
	if (li == 0) {
		if ((t = root_for(st, va, &rp)) == NULL)
			return no_table(level, va, err);
	} else {
		t = hstate_find(st, HL_ENTRIES + a->levels[li - 1].level,
		    arch_table_base(a, (unsigned)li, va));
		if (t == NULL || hitem_entry(t)->kind != PT_KIND_TABLE)
			return no_table(level, va, err);
	}
	/* a tree's counts cover everything below: all of it must be read */
	if ((st->has & HS_PARTIAL) && hitem_entry(t)->tables == 0)
		return not_read(st, level, va, "was read, but not every table "
		    "below it,", err);
	*out = node_of(st, hitem_entry(t), li == 0, rp, depth);
	return 0;
}

/* One step from the item of the entry (or none). */
static void
walk_step(const struct arch *a, unsigned li, const struct hrec_entry *table,
    const struct hitem *it, uint64_t va, struct pt_walk_step *s)
{
	const struct arch_level *al = &a->levels[li];

	s->level = al->level;
	s->shift = al->shift;
	s->index = (unsigned)((va >> al->shift) & (al->entries - 1));
	s->table_pa = table->table_pa;
	s->entry_pa = s->entry = PT_UNKNOWN;
	if (table->table_pa != PT_UNKNOWN) {
		s->entry_pa = table->table_pa + (uint64_t)s->index *
		    al->entry_bytes;
		s->entry = 0;	/* a table we know holds zero there */
	}
	if (it == NULL) {
		s->kind = PT_KIND_NONE;
		return;
	}
	const struct hrec_entry *r = hitem_entry(it);

	s->kind = (enum pt_kind)r->kind;
	s->entry = r->entry;
	s->entry_pa = r->entry_pa;
	s->flags = r->flags;
	s->nhw = r->nhw;
	s->hw[0] = r->hw[0];
	s->hw[1] = r->hw[1];
	if (s->kind != PT_KIND_TABLE)
		s->size = r->size;
}

int
hview_walk(const struct hstate *st, uint64_t va, struct pt_walk *w,
    struct pts_err *err)
{
	const struct arch *a = st->arch;
	const struct hrec_entry *t;
	const struct hitem *root;
	size_t rp = 0;
	int rc;

	if ((rc = arch_check_va(a, va, err)) != 0)
		return rc;
	memset(w, 0, sizeof *w);
	w->va = va;
	w->pa = PT_UNKNOWN;
	if ((root = root_for(st, va, &rp)) == NULL)
		return no_table(a->levels[0].level, va, err);
	t = hitem_entry(root);
	for (unsigned li = 0; li < a->nlevels; li++) {
		struct pt_walk_step *s = &w->steps[w->nsteps++];
		uint64_t ev = va & ~(arch_entry_span(a, li) - 1);
		const struct hitem *it = hstate_find(st,
		    HL_ENTRIES + a->levels[li].level, ev);
		const struct hrec_entry *r;

		walk_step(a, li, t, it, va, s);
		if (it == NULL) {
			snprintf(w->reason, sizeof w->reason, "%s entry %u was "
			    "empty: nothing was mapped at this address.",
			    a->levels[li].name, s->index);
			return 0;
		}
		r = hitem_entry(it);
		if (r->kind == PT_KIND_TABLE && (st->has & HS_PARTIAL) &&
		    r->tentries == 0)
			return not_read(st, (enum pt_level)r->tlevel, va,
			    "(on this walk's path) was not read", err);
		if (r->kind == PT_KIND_TABLE) {
			t = r;
			continue;
		}
		w->page_size = r->size;
		w->mapped = r->kind != PT_KIND_SWAP;
		if (w->mapped && r->pa != PT_UNKNOWN)
			w->pa = r->pa + (va - r->va);
		snprintf(w->reason, sizeof w->reason, "%s entry %u mapped "
		    "0x%" PRIx64 " bytes (%s).", a->levels[li].name, s->index,
		    r->size, pt_kind_name(s->kind));
		return 0;
	}
	return 0;
}

int
hview_ranges(const struct hstate *st, struct pt_ranges *out,
    struct pts_err *err)
{
	const struct hlist *l = &st->l[HL_RANGES];

	if ((st->has & HS_PARTIAL) && !hstate_all_read(st))
		return pts_errf(err, PTS_EEXPIRED, "not_read", "Not every "
		    "table was read at generation %" PRIu64 ": this space reads "
		    "its tables lazily and keeps of a generation only what was "
		    "read while it was the newest (ranges read them all).",
		    st->generation);
	if (!(st->has & (HS_HAS_RANGES | HS_PARTIAL)))
		return pts_errf(err, PTS_ENOTSUP, "not_supported",
		    "this space had no ranges");
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < l->n; i++) {
		const struct hitem *it = l->v[i];
		struct hrec_range r;
		const char *s = (const char *)it->data + sizeof r;
		struct pt_range *x;

		memcpy(&r, it->data, sizeof r);
		x = pt_ranges_add(out, r.attrs_len ? s : NULL);
		x->start = r.start;
		x->end = r.end;
		x->pages = r.pages;
		x->pa = r.pa;
		x->flags = r.flags;
		x->level = (enum pt_level)r.level;
		if (r.marker_len)
			x->marker = xstrdup(s + r.attrs_len);
	}
	return 0;
}

int
hview_zones(const struct hstate *st, struct zones_state *out,
    struct pts_err *err)
{
	const struct hitem *it;
	size_t zb;

	if (!(st->has & HS_HAS_ZONES) || st->l[HL_ZONES].n == 0)
		return pts_errf(err, PTS_ENOTSUP, "no_zones",
		    "this space had no simulated machine");
	it = st->l[HL_ZONES].v[0];
	memcpy(out, it->data, sizeof *out);
	zb = out->nzones * sizeof *out->zones;
	out->zones = xcalloc(out->nzones ? out->nzones : 1,
	    sizeof *out->zones);
	memcpy(out->zones, it->data + sizeof *out, zb);
	return 0;
}
