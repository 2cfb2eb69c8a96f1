/* SPDX-License-Identifier: MIT */
/* diff.c: the smallest set of table changes between two subtrees. */
#include "config.h"
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xalloc.h"

/* The table's own fields: level, va, span, entries, table_pa, stats. */
static bool
head_differs(const struct pt_node *a, const struct pt_node *b)
{
	return a->level != b->level || a->va != b->va || a->span != b->span ||
	    a->entries != b->entries || a->table_pa != b->table_pa ||
	    memcmp(&a->stats, &b->stats, sizeof a->stats) != 0;
}

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* One entry's fields other than the next table's own head. */
static bool
child_differs(const struct pt_child *a, const struct pt_child *b)
{
	if (a->index != b->index || a->va != b->va || a->kind != b->kind ||
	    a->entry != b->entry || a->entry_pa != b->entry_pa ||
	    a->flags != b->flags || a->size != b->size || a->pa != b->pa ||
	    a->nhw != b->nhw || str_differs(a->attrs, b->attrs))
		return true;
	for (unsigned i = 0; i < a->nhw; i++)
		if (a->hw[i] != b->hw[i])
			return true;
	if ((a->table == NULL) != (b->table == NULL))
		return true;
	if (a->table && (a->table->level != b->table->level ||
	    a->table->va != b->table->va ||
	    a->table->expanded != b->table->expanded))
		return true;
	return false;
}

static bool
children_differ(const struct pt_node *a, const struct pt_node *b)
{
	if (a->expanded != b->expanded || a->nchildren != b->nchildren)
		return true;
	for (size_t i = 0; i < a->nchildren; i++)
		if (child_differs(&a->children[i], &b->children[i]))
			return true;
	return false;
}

static void
emit(struct delta_plan *p, const struct pt_node *ref, const struct pt_node *node,
    enum delta_what what)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = (struct delta_change){ .node = node, .va = ref->va,
	    .level = ref->level, .what = what };
}

void
diff_plan(const struct pt_node *old, const struct pt_node *new,
    struct delta_plan *p)
{
	if (old == NULL && new == NULL)
		return;
	if (new == NULL) {
		emit(p, old, NULL, DELTA_GONE);
		return;
	}
	if (old == NULL || children_differ(old, new)) {
		emit(p, new, new, DELTA_WHOLE);
		return;
	}
	if (head_differs(old, new))
		emit(p, new, new, DELTA_HEAD);
	for (size_t i = 0; i < new->nchildren; i++) {
		const struct pt_node *a = old->children[i].table;
		const struct pt_node *b = new->children[i].table;

		if (b && b->expanded)
			diff_plan(a, b, p);
		else if (b && head_differs(a, b))
			emit(p, b, b, DELTA_HEAD);
	}
}

void
delta_plan_release(struct delta_plan *p)
{
	free(p->v);
	memset(p, 0, sizeof *p);
}

cJSON *
diff_change_json(const struct delta_change *c, bool hide)
{
	cJSON *node = c->what == DELTA_GONE ? NULL :
	    c->what == DELTA_HEAD ? json_node_head(c->node, hide) :
	    json_node(c->node, hide);

	return json_delta_change(c->level, c->va, node);
}

unsigned
diff_tree(const struct pt_node *old, const struct pt_node *new, bool hide,
    cJSON *changes)
{
	struct delta_plan p = { 0 };
	unsigned n;

	diff_plan(old, new, &p);
	for (size_t i = 0; i < p.n; i++)
		cJSON_AddItemToArray(changes, diff_change_json(&p.v[i], hide));
	n = (unsigned)p.n;
	delta_plan_release(&p);
	return n;
}
