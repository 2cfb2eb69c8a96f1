/* SPDX-License-Identifier: MIT */
/*
 * zones-proc.h: zone state of the live machine from /proc/buddyinfo,
 * /proc/zoneinfo and /proc/pagetypeinfo.
 */
#ifndef PTS_ZONES_PROC_H
#define PTS_ZONES_PROC_H

#include <stddef.h>

#include "err.h"
#include "zones.h"

/* Read /proc-style files below proc_root ("/proc" or a captured tree). */
int zones_read_proc(const char *proc_root, struct zones_state *out,
    struct pts_err *err);
/* Only buddyinfo below proc_root (free blocks per order; no watermarks or
   migrate types): cheap enough for a sampler. */
int zones_read_buddyinfo(const char *proc_root, struct zones_state *out,
    struct pts_err *err);

/* Parsers for each file's text (exported for tests and fuzzing). */
int zones_parse_buddyinfo(const char *text, size_t len, struct zones_state *,
    struct pts_err *);
int zones_parse_zoneinfo(const char *text, size_t len, struct zones_state *,
    struct pts_err *);
int zones_parse_pagetypeinfo(const char *text, size_t len,
    struct zones_state *, struct pts_err *);

#endif
