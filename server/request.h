/* SPDX-License-Identifier: MIT */
/*
 * request.h: request bodies of the API parsed into backend structs, with
 * no HTTP around them (tests/fuzz/fuzz-request.c drives these directly).
 */
#ifndef PTS_REQUEST_H
#define PTS_REQUEST_H

#include <cjson/cJSON.h>

#include "err.h"
#include "space.h"

/*
 * Fill a space_op from a POST .../ops body ({"op":"map","va":...}).
 * op->page_size and op->memtype point into b: keep b until the op is done.
 * Returns 0, or PTS_EINVAL with err filled.
 */
int request_parse_op(const cJSON *b, struct space_op *op, struct pts_err *err);

#endif
