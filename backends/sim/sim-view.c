/* SPDX-License-Identifier: MIT */
/* sim-view.c: trees, walks and ranges of a simulated space. */
#include "config.h"
#include "sim-int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xalloc.h"

/* PTF_* flags and attrs of leaf slot i of t. */
static uint32_t
leaf_flags(const struct sim_space *sp, const struct sim_table *t, unsigned i,
    char *attrs, size_t n)
{
	const struct sim_machine *m = sp->m;
	uint32_t fl = desc_decode_flags(m->fam, t->L + 1 < m->g.nl, sim_e(t, i),
	    t->lx ? t->lx[i] : 0, attrs, n);

	if (sim_at(t, i) & DA_COW)
		fl |= PTF_COW;
	if ((sim_at(t, i) & DA_OWNED) && (sim_at(t, i) & DA_USER))
		fl |= PTF_ANON;
	return fl;
}

/* Bytes the leaf at slot i maps as one unit (a whole group if grouped). */
static uint64_t
leaf_size(const struct sim_space *sp, const struct sim_table *t, unsigned i)
{
	const struct sim_lv *lv = &sp->m->g.lv[t->L];

	return (sim_at(t, i) & DA_GRP) ? lv->span * lv->grp : lv->span;
}

static struct pt_node *node_build(struct sim_space *, struct sim_table *,
    unsigned depth);

/* Fill a child for a leaf slot. */
static void
child_leaf(struct sim_space *sp, struct sim_table *t, unsigned i,
    struct pt_child *c)
{
	char attrs[64];

	c->kind = t->L + 1 < sp->m->g.nl ? PT_KIND_BLOCK : PT_KIND_PAGE;
	c->flags = leaf_flags(sp, t, i, attrs, sizeof attrs);
	c->attrs = attrs[0] ? xstrdup(attrs) : NULL;
	c->size = sp->m->g.lv[t->L].span;
	c->pa = simpt_slot_pa(sp, t, i);
}

/* Children of an armv7-2l root: one per Linux entry (a pair of slots). */
static void
children_armv7_root(struct sim_space *sp, struct sim_table *t,
    struct pt_node *n, unsigned depth)
{
	for (unsigned j = 0; j < 2048; j++) {
		unsigned a = 2 * j, b = a + 1, s;
		struct pt_child *c;

		if (!sim_e(t, a) && !sim_e(t, b))
			continue;
		c = pt_node_add_child(n);
		c->index = j;
		c->va = (uint64_t)j << 21;
		c->entry = sim_e(t, b) << 32 | sim_e(t, a);
		c->entry_pa = t->pa + 8 * j;
		c->nhw = 2;
		c->hw[0] = sim_e(t, a);
		c->hw[1] = sim_e(t, b);
		if (sim_kid(t, a) || sim_kid(t, b)) {
			c->kind = PT_KIND_TABLE;
			c->flags = PTF_PRESENT;
			c->table = node_build(sp, sim_kid(t, a) ? sim_kid(t, a) :
			    sim_kid(t, b), depth - 1);
			continue;
		}
		s = sim_e(t, a) ? a : b;
		child_leaf(sp, t, s, c);
		c->size = (sim_e(t, a) ? 1u : 0u) + (sim_e(t, b) ? 1u : 0u);
		c->size <<= 20;
	}
}

/* Children of an ordinary table. */
static void
children_plain(struct sim_space *sp, struct sim_table *t, struct pt_node *n,
    unsigned depth)
{
	const struct sim_lv *lv = &sp->m->g.lv[t->L];
	unsigned eb = sp->base.arch->levels[t->L].entry_bytes;

	for (unsigned i = 0; i < lv->entries; i++) {
		struct pt_child *c;

		if (!(sim_at(t, i) & DA_LEAF) && !sim_kid(t, i))
			continue;
		c = pt_node_add_child(n);
		c->index = i;
		c->va = simpt_va(sp, t, t->lin + (uint64_t)i * lv->span);
		c->entry_pa = t->pa + (uint64_t)i * eb;
		c->entry = t->lx ? t->lx[i] : sim_e(t, i);
		if (t->lx) {
			c->nhw = 1;
			c->hw[0] = sim_e(t, i);
		}
		if (sim_kid(t, i)) {
			c->kind = PT_KIND_TABLE;
			c->flags = PTF_PRESENT;
			c->table = node_build(sp, sim_kid(t, i), depth - 1);
		} else {
			child_leaf(sp, t, i, c);
		}
	}
}

/* The pt_node of table t with children to the given depth. */
static struct pt_node *
node_build(struct sim_space *sp, struct sim_table *t, unsigned depth)
{
	const struct arch_level *al = &sp->base.arch->levels[t->L];
	struct pt_node *n = pt_node_new(al->level, simpt_va(sp, t, t->lin),
	    (uint64_t)al->entries << al->shift, al->entries);

	n->table_pa = t->pa;
	n->stats.present_pages = t->present;
	n->stats.tables = t->tables;
	n->stats.blocks = t->blocks;
	if (depth == 0)
		return n;
	n->expanded = true;
	if (sp->m->fam == DF_ARMV7 && t->L == 0)
		children_armv7_root(sp, t, n, depth);
	else
		children_plain(sp, t, n, depth);
	return n;
}

/* Why there is no table at a level: what the entry above holds. */
static int
no_table(struct sim_space *sp, struct sim_table *t, unsigned i, uint64_t va,
    enum pt_level want, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;

	return pts_errf(err, PTS_ENOENT, "no_such_table",
	    "No %s table covers 0x%" PRIx64 ": %s entry %u %s.",
	    arch_level_name(want), va, a->levels[t->L].name,
	    sp->m->fam == DF_ARMV7 && t->L == 0 ? i / 2 : i,
	    (sim_at(t, i) & DA_LEAF) ? "is a leaf (a block mapping)" : "is empty");
}

/* The table at (level, va) as a pt_node tree. */
int
simview_tree(struct sim_space *sp, enum pt_level level, uint64_t va,
    unsigned depth, struct pt_node **out, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	int li = arch_table_pos(a, level, va, err);
	struct sim_table *t;
	uint64_t lin;

	if (li < 0)
		return li;
	t = sp->root[simpt_root_of(sp, va)];
	lin = arch_va_to_lin(a, va);
	while ((int)t->L < li) {
		unsigned i = simpt_index(sp, t, lin);

		if (!sim_kid(t, i))
			return no_table(sp, t, i, va, level, err);
		t = sim_kid(t, i);
	}
	*out = node_build(sp, t, depth);
	return 0;
}

/* Fill the step of table t for lin; returns the slot index used. */
static unsigned
walk_step(struct sim_space *sp, struct sim_table *t, uint64_t lin,
    struct pt_walk_step *st)
{
	const struct arch_level *al = &sp->base.arch->levels[t->L];
	unsigned i = simpt_index(sp, t, lin);

	st->level = al->level;
	st->shift = al->shift;
	st->table_pa = t->pa;
	st->index = (unsigned)((lin >> al->shift) & (al->entries - 1));
	st->entry_pa = t->pa + (uint64_t)st->index * al->entry_bytes;
	if (sp->m->fam == DF_ARMV7 && t->L == 0) {
		unsigned a = i & ~1u;

		st->entry = sim_e(t, a + 1) << 32 | sim_e(t, a);
		st->nhw = 2;
		st->hw[0] = sim_e(t, a);
		st->hw[1] = sim_e(t, a + 1);
	} else if (t->lx) {
		st->entry = t->lx[i];
		st->nhw = 1;
		st->hw[0] = sim_e(t, i);
	} else {
		st->entry = sim_e(t, i);
	}
	return i;
}

/* The layout region (the last marker at or below va) of a kernel VA. */
static void
walk_region(const struct sim_space *sp, uint64_t va, struct pt_walk *w)
{
	if (!arch_va_is_kernel(sp->base.arch, va))
		return;
	for (unsigned i = sp->nmarkers; i > 0; i--)
		if (sp->markers[i - 1].va <= va) {
			snprintf(w->region, sizeof w->region, "%s",
			    sp->markers[i - 1].name);
			return;
		}
}

/* The steps of a walk of va from the root. */
int
simview_walk(struct sim_space *sp, uint64_t va, struct pt_walk *w,
    struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	struct sim_table *t;
	uint64_t lin;
	int rc;

	if ((rc = arch_check_va(a, va, err)) != 0)
		return rc;
	memset(w, 0, sizeof *w);
	w->va = va;
	w->pa = PT_UNKNOWN;
	walk_region(sp, va, w);
	t = sp->root[simpt_root_of(sp, va)];
	lin = arch_va_to_lin(a, va);
	for (;;) {
		struct pt_walk_step *st = &w->steps[w->nsteps++];
		unsigned i = walk_step(sp, t, lin, st);

		if (sim_kid(t, i)) {
			st->kind = PT_KIND_TABLE;
			st->flags = PTF_PRESENT;
			t = sim_kid(t, i);
			continue;
		}
		if (sim_at(t, i) & DA_LEAF) {
			uint64_t span = sp->m->g.lv[t->L].span;

			st->kind = t->L + 1 < sp->m->g.nl ? PT_KIND_BLOCK :
			    PT_KIND_PAGE;
			st->flags = leaf_flags(sp, t, i, NULL, 0);
			st->size = leaf_size(sp, t, i);
			w->mapped = true;
			w->pa = simpt_slot_pa(sp, t, i) + (lin & (span - 1));
			w->page_size = st->size;
			snprintf(w->reason, sizeof w->reason, "%s entry %u maps "
			    "0x%" PRIx64 " bytes (%s).", a->levels[t->L].name,
			    st->index, st->size, st->kind == PT_KIND_PAGE ?
			    "a page" : "a block");
			return 0;
		}
		st->kind = PT_KIND_NONE;
		snprintf(w->reason, sizeof w->reason, "%s entry %u is empty: "
		    "nothing is mapped at this address.", a->levels[t->L].name,
		    st->index);
		return 0;
	}
}

struct ranges_ctx {
	struct sim_space *sp;
	struct pt_ranges *out;
	unsigned next_marker;
};

/* Add one leaf slot to the ranges, merging with the previous one. */
static void
ranges_add(struct ranges_ctx *x, struct sim_table *t, unsigned i)
{
	struct sim_space *sp = x->sp;
	const struct sim_lv *lv = &sp->m->g.lv[t->L];
	uint64_t start = simpt_va(sp, t, t->lin + (uint64_t)i * lv->span);
	enum pt_level level = sp->base.arch->levels[t->L].level;
	const char *marker = NULL;
	struct pt_range *p = x->out->n ? &x->out->v[x->out->n - 1] : NULL;
	char attrs[64];
	uint32_t fl = leaf_flags(sp, t, i, attrs, sizeof attrs);

	while (x->next_marker < sp->nmarkers &&
	    sp->markers[x->next_marker].va <= start)
		marker = sp->markers[x->next_marker++].name;
	if (!marker && p && p->end == start && p->level == level &&
	    p->flags == fl && strcmp(p->attrs ? p->attrs : "", attrs) == 0) {
		p->end = start + lv->span;
		p->pages += lv->span >> sp->base.arch->page_shift;
		return;
	}
	p = pt_ranges_add(x->out, attrs[0] ? attrs : NULL);
	p->start = start;
	p->end = start + lv->span;
	p->level = level;
	p->pages = lv->span >> sp->base.arch->page_shift;
	p->flags = fl;
	p->pa = simpt_slot_pa(sp, t, i);
	if (marker)
		p->marker = xstrdup(marker);
}

/* Every leaf under t in VA order. */
static void
ranges_table(struct ranges_ctx *x, struct sim_table *t)
{
	unsigned n = x->sp->m->g.lv[t->L].entries;

	for (unsigned i = 0; i < n; i++) {
		if (sim_kid(t, i)) {
			if (!(i > 0 && sim_kid(t, i - 1) == sim_kid(t, i)))
				ranges_table(x, sim_kid(t, i));
		} else if (sim_at(t, i) & DA_LEAF) {
			ranges_add(x, t, i);
		}
	}
}

/* Every leaf of the space, merged into ranges. */
int
simview_ranges(struct sim_space *sp, struct pt_ranges *out,
    struct pts_err *err)
{
	struct ranges_ctx x = { sp, out, 0 };

	memset(out, 0, sizeof *out);
	for (unsigned r = 0; r < 2; r++)
		if (sp->root[r])
			ranges_table(&x, sp->root[r]);
	for (unsigned m = 0; m < sp->nmarkers; m++)
		pt_ranges_add_marker(out, sp->markers[m].va, sp->markers[m].name);
	return 0;
}
