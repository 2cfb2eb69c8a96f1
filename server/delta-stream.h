/* SPDX-License-Identifier: MIT */
/*
 * delta-stream.h: a WebSocket "delta" message written piece by piece from
 * its plan (diff.h) and the new tree, so that a big delta needs neither
 * its text nor its cJSON whole.
 *
 * The text is exactly what cJSON_PrintUnformatted() prints for the message
 * built whole (the message's head with "changes", each diff_change_json()):
 * a change whose node is a whole table is written by json-stream.h's tree
 * writer, the others are printed by cJSON one at a time.
 */
#ifndef PTS_DELTA_STREAM_H
#define PTS_DELTA_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "diff.h"
#include "strbuf.h"

struct delta_stream;

/* A writer of {head's fields,"changes":[...]}: head is consumed; p and the
   tree its nodes are in are the caller's, unchanged and alive until
   delta_stream_free(). */
struct delta_stream *delta_stream_new(cJSON *head, const struct delta_plan *p,
    bool hide);
/* Append text to out until it holds at least want bytes or the message
   ends.  1: more to come, 0: complete. */
int delta_stream_fill(struct delta_stream *, struct strbuf *out, size_t want);
void delta_stream_free(struct delta_stream *);

#endif
