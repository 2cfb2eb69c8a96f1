/* SPDX-License-Identifier: MIT */
/*
 * err.h: error values shared by every module.
 *
 * A function that can fail returns 0 or a negative PTS_E* code and, when the
 * caller passed a non-NULL struct pts_err, fills it with a snake_case id (the
 * "code" of the API's error JSON) and a sentence a person understands.
 */
#ifndef PTS_ERR_H
#define PTS_ERR_H

#include <stdarg.h>

enum pts_code {
	PTS_OK = 0,
	PTS_EINVAL = -1,	/* bad request or parameter: HTTP 400 */
	PTS_ENOENT = -2,	/* no such space, pid, table: HTTP 404 */
	PTS_EPERM = -3,		/* not permitted: HTTP 403 */
	PTS_ENOSPC = -4,	/* simulated RAM exhausted: HTTP 507 */
	PTS_ENOTSUP = -5,	/* backend lacks the operation: HTTP 400 */
	PTS_EIO = -6,		/* reading the kernel failed: HTTP 500 */
	PTS_E2BIG = -7,		/* body or input over a limit: HTTP 413 */
	PTS_EGONE = -8,		/* process exited: HTTP 404 process_exited */
	PTS_EEXIST = -9,	/* overlapping map and the like: HTTP 409 */
	PTS_EMETHOD = -10,	/* wrong HTTP method: HTTP 405 */
	PTS_EAUTH = -11,	/* missing or wrong token: HTTP 401 */
	PTS_EBUSY = -12,	/* a limit on concurrent use: HTTP 429/503 */
	/* browser safety (server/guard.h); numbered apart from the rest */
	PTS_EHOST = -20,	/* Host not one of the daemon's names: HTTP 421 */
	PTS_EMEDIA = -21,	/* body of a refused content type: HTTP 415 */
	PTS_EEXPIRED = -13,	/* left a bounded history: HTTP 410 */
};

struct pts_err {
	int code;		/* enum pts_code */
	char id[48];		/* snake_case, e.g. "no_such_table" */
	char msg[240];		/* one sentence */
};

/* Fill err (may be NULL) and return code, so `return pts_errf(...)` works. */
int pts_errf(struct pts_err *err, int code, const char *id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The HTTP status that goes with a code. */
int pts_http_status(int code);

/* A default snake_case id for a code, used when none was given. */
const char *pts_code_id(int code);

#endif
