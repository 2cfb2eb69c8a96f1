/* SPDX-License-Identifier: MIT */
/*
 * request.h: what a request carries -- query arguments, JSON bodies and
 * their fields -- parsed into C values and backend structs, with no HTTP
 * around them (the CLI uses the same parsers for its arguments, and
 * tests/fuzz/fuzz-request.c drives them directly).
 */
#ifndef PTS_REQUEST_H
#define PTS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "pt.h"
#include "space.h"
#include "whatif.h"

/* Parse "0x..." or decimal text as u64: 0, or -1 (no sign, no spaces, no
   trailing text, no overflow). */
int request_parse_u64(const char *s, uint64_t *out);
/* "LEVEL:VA" (NULL: the root, pgd:0x0) as in ?node= and subscriptions. */
int request_parse_node(const char *s, enum pt_level *lvl, uint64_t *va,
    struct pts_err *err);
/* "N", 0..PT_NLEVELS (NULL: 1), as in ?depth=. */
int request_parse_depth(const char *s, unsigned *depth, struct pts_err *err);
/* Parse a request body into an object; PTS_EINVAL "empty_body" or
   "bad_json" otherwise. */
int request_body_object(const char *buf, size_t len, cJSON **out,
    struct pts_err *err);
/* Read member key, a "0x..." or decimal string (or an exact number up to
   2^53), as u64.  0; 1 when absent or null and not required; PTS_EINVAL. */
int request_get_u64(const cJSON *obj, const char *key, bool required,
    uint64_t *out, struct pts_err *err);

/*
 * Fill a space_op from a POST .../ops body ({"op":"map","va":...}).
 * op->page_size and op->memtype point into b: keep b until the op is done.
 * Returns 0, or PTS_EINVAL with err filled.
 */
int request_parse_op(const cJSON *b, struct space_op *op, struct pts_err *err);

/* GET .../cost?arch=&thp=&page_size=: arch NULL is the source's, thp NULL
   "asis", page_size NULL the target's base page (else one of its leaf
   names, "2m", "1g", "32m"...).  PTS_EINVAL bad_arch / bad_thp /
   bad_page_size. */
int request_parse_cost(const struct arch *source, const char *arch,
    const char *thp, const char *page_size, struct whatif_config *out,
    struct pts_err *err);

/* GET /api/v1/processes?sort=&limit= */
enum proc_sort { PROC_SORT_PID, PROC_SORT_VM_PTE, PROC_SORT_RSS };
#define PROC_LIMIT_NONE 0
/* sort NULL: pid; limit NULL: all (PROC_LIMIT_NONE), else 1..1000000.
   PTS_EINVAL bad_sort / bad_limit. */
int request_parse_proc_query(const char *sort, const char *limit,
    enum proc_sort *sort_out, size_t *limit_out, struct pts_err *err);

/* GET /api/v1/zones/history?since=SEQ&limit=N: since NULL 0 (every
   sample), limit NULL 0 (all held), else 1..1000000.  PTS_EINVAL
   bad_since / bad_limit. */
int request_parse_zones_history(const char *since, const char *limit,
    uint64_t *since_out, unsigned *limit_out, struct pts_err *err);

/* The caption of an op in the history: the op as typed in the viewer's
   ops console ("map 0x400000 0x1000 rw 4k"). */
void request_op_caption(const struct space_op *op, char *buf, size_t len);

/* ?generation=G: *given false when absent; PTS_EINVAL when not a number. */
int request_parse_generation(const char *s, bool *given, uint64_t *g,
    struct pts_err *err);

#endif
