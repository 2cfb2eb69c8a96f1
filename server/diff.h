/* SPDX-License-Identifier: MIT */
/*
 * diff.h: what changed between two renderings of the same subtree, as the
 * WebSocket "delta" changes list.
 *
 * Each change is {"level","va","node"}: node null when the table is gone; a
 * node with "children" replaces the table at (level, va) whole; a node
 * without "children" updates only that table's own fields (stats, table_pa)
 * and keeps its children.  A client that applies the changes in order gets
 * exactly a fresh GET .../tree of the same node and depth.
 *
 * The changes are found first as a plan: one small record per change
 * (24 bytes), pointing into the new tree, so that a big delta can be
 * written from the plan and the tree piece by piece (server/delta-stream.h)
 * as well as rendered whole.
 */
#ifndef PTS_DIFF_H
#define PTS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "pt.h"

enum delta_what {
	DELTA_GONE,		/* "node": null */
	DELTA_HEAD,		/* "node": the table's own fields */
	DELTA_WHOLE,		/* "node": the table with its children */
};

struct delta_change {
	const struct pt_node *node;	/* in the new tree (NULL: gone) */
	uint64_t va;
	enum pt_level level;
	enum delta_what what;
};

/* The changes in order.  Its nodes are the new tree's: the plan is only
   read while that tree lives. */
struct delta_plan {
	struct delta_change *v;
	size_t n, cap;
};

/* Append to p what turns old into new (either may be NULL: a table that
   appeared or disappeared). */
void diff_plan(const struct pt_node *old, const struct pt_node *new,
    struct delta_plan *p);
void delta_plan_release(struct delta_plan *);

/* One change as its "changes" entry. */
cJSON *diff_change_json(const struct delta_change *, bool hide);

/* Append to changes (a JSON array) what turns old into new.  Returns the
   count added. */
unsigned diff_tree(const struct pt_node *old, const struct pt_node *new,
    bool hide, cJSON *changes);

#endif
