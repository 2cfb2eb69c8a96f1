/* SPDX-License-Identifier: MIT */
/* diff.c: the smallest set of table changes between two subtrees. */
#include "config.h"
#include "diff.h"

#include <string.h>

#include "json.h"

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
emit(cJSON *changes, const struct pt_node *ref, cJSON *node)
{
	cJSON_AddItemToArray(changes, json_delta_change(ref, node));
}

unsigned
diff_tree(const struct pt_node *old, const struct pt_node *new, bool hide,
    cJSON *changes)
{
	unsigned n = 0;

	if (old == NULL && new == NULL)
		return 0;
	if (new == NULL) {
		emit(changes, old, NULL);
		return 1;
	}
	if (old == NULL || children_differ(old, new)) {
		emit(changes, new, json_node(new, hide));
		return 1;
	}
	if (head_differs(old, new)) {
		emit(changes, new, json_node_head(new, hide));
		n++;
	}
	for (size_t i = 0; i < new->nchildren; i++)
		if (new->children[i].table && new->children[i].table->expanded)
			n += diff_tree(old->children[i].table,
			    new->children[i].table, hide, changes);
		else if (new->children[i].table &&
		    head_differs(old->children[i].table,
		    new->children[i].table)) {
			emit(changes, new->children[i].table,
			    json_node_head(new->children[i].table, hide));
			n++;
		}
	return n;
}
