/* SPDX-License-Identifier: MIT */
/*
 * hview.h: a space's answers (tree, walk, ranges, zones) built from a
 * stored state (model/hstate.h), shaped exactly as the backends' answers
 * (model/space.h), so that an old generation answers as the space did.
 */
#ifndef PTS_HVIEW_H
#define PTS_HVIEW_H

#include "hstate.h"

/* Answers from a state, shaped as the backends' (see space.h). */
int hview_tree(const struct hstate *, enum pt_level, uint64_t va,
    unsigned depth, struct pt_node **out, struct pts_err *);
int hview_walk(const struct hstate *, uint64_t va, struct pt_walk *out,
    struct pts_err *);
int hview_ranges(const struct hstate *, struct pt_ranges *out,
    struct pts_err *);
int hview_zones(const struct hstate *, struct zones_state *out,
    struct pts_err *);

#endif
