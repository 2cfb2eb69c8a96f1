/* SPDX-License-Identifier: MIT */
/*
 * json-stream.h: big answers written piece by piece, so that memory is
 * bounded by one table, not by the answer.
 *
 * The text is exactly what cJSON_PrintUnformatted() prints for the whole
 * answer json.c builds (json_tree, json_ranges, json_history, json_diff):
 * every piece is a json.c object printed by cJSON, and the writer only
 * adds the commas, brackets and keys that join them.
 *
 * A tree is written depth-first.  The writer holds the tables on its path
 * (at most one per level, each with its children) and asks a fetch
 * function for the next table to expand, built to depth 1, when it gets
 * there.  Whatever lock the source needs is the caller's: it holds it
 * around jstream_tree_fill().
 */
#ifndef PTS_JSON_STREAM_H
#define PTS_JSON_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "hdiff.h"
#include "history.h"
#include "pt.h"
#include "strbuf.h"

/* The table at (level, va) with its children (depth 1), or an error. */
typedef int (*jstream_fetch_fn)(void *ctx, enum pt_level, uint64_t va,
    struct pt_node **out, struct pts_err *);

struct jstream_tree;

/*
 * A writer of {head's fields,"node":root to depth}: head is consumed (from
 * json_table_head), root is taken (built with children to depth 1 when
 * depth > 0, the head only when 0).
 */
struct jstream_tree *jstream_tree_new(cJSON *head, struct pt_node *root,
    unsigned depth, bool hide);
/* The same of a tree built whole (root to depth), which the caller keeps
   unchanged and alive until jstream_tree_free(); no fetch is needed. */
struct jstream_tree *jstream_tree_of(cJSON *head, const struct pt_node *root,
    unsigned depth, bool hide);
/*
 * Append text to out until it holds at least want bytes or the answer
 * ends.  1: more to come, 0: the answer is complete, <0: fetch failed
 * (err; the text so far is not a document).
 */
int jstream_tree_fill(struct jstream_tree *, struct strbuf *out,
    size_t want, jstream_fetch_fn, void *ctx, struct pts_err *);
void jstream_tree_free(struct jstream_tree *);

/*
 * A document of lists: its text pieces, made when it is created, joined
 * by lists whose items (json.c objects) are built one at a time as the
 * writer gets to them.  Ranges, history lists and diffs (json_ranges,
 * json_history, json_diff) are written this way.
 */
struct jstream_doc;

/* {head's fields,"ranges":[...]}: head consumed, r taken. */
struct jstream_doc *jstream_ranges_new(cJSON *head, struct pt_ranges *r,
    bool hide);
/* {"space","generation","generations":[...],"dropped","bytes"} of h,
   borrowed: the caller holds the space's lock around each fill and
   checks that h did not change (the items are read by index). */
struct jstream_doc *jstream_history_new(const char *id, uint64_t generation,
    const struct history *h);
/* json_diff's document of d (taken). */
struct jstream_doc *jstream_diff_new(const char *id, uint64_t from,
    uint64_t to, struct hdiff *d, bool hide);
/* As jstream_tree_fill: 1 more to come, 0 complete. */
int jstream_doc_fill(struct jstream_doc *, struct strbuf *out, size_t want);
void jstream_doc_free(struct jstream_doc *);

/* o printed to sb (consumed), without its closing brace when open (more
   members are to follow; o has at least one). */
void jstream_add(struct strbuf *sb, cJSON *o, bool open);

#endif
