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
 */
#ifndef PTS_DIFF_H
#define PTS_DIFF_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "pt.h"

/* Append to changes (a JSON array) what turns old into new (either may be
   NULL: a table that appeared or disappeared).  Returns the count added. */
unsigned diff_tree(const struct pt_node *old, const struct pt_node *new,
    bool hide, cJSON *changes);

#endif
