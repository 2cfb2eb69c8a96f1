/* SPDX-License-Identifier: MIT */
/*
 * routes.h: the API endpoints.  Each route names a method and a path pattern
 * below /api/v1 ("spaces/ * /tree": '*' matches one segment) and a handler
 * that fills a response and returns its HTTP status.
 */
#ifndef PTS_ROUTES_H
#define PTS_ROUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "pt.h"
#include "reply.h"

struct entry;
struct hstate;
struct pts_err;

struct route {
	const char *method;
	const char *pattern;
	int (*handle)(struct http_req *, struct http_resp *);
};

/*
 * Find the route for rq.  Returns it, or NULL with *allow set to the methods
 * the path does accept (NULL when no route has that path at all).
 */
const struct route *routes_match(const struct http_req *rq,
    const char **allow);

/* Handlers, by resource (api-*.c). */
int api_info(struct http_req *, struct http_resp *);
int api_arches(struct http_req *, struct http_resp *);
int api_arch(struct http_req *, struct http_resp *);
int api_arch_decode(struct http_req *, struct http_resp *);
int api_processes(struct http_req *, struct http_resp *);
int api_live_zones(struct http_req *, struct http_resp *);
int api_zones_history(struct http_req *, struct http_resp *);
int api_spaces_list(struct http_req *, struct http_resp *);
int api_spaces_create(struct http_req *, struct http_resp *);
int api_space_get(struct http_req *, struct http_resp *);
int api_space_delete(struct http_req *, struct http_resp *);
int api_ptdump_upload(struct http_req *, struct http_resp *);
int api_tree(struct http_req *, struct http_resp *);
int api_walk(struct http_req *, struct http_resp *);
int api_ranges(struct http_req *, struct http_resp *);
int api_regions(struct http_req *, struct http_resp *);
int api_cost(struct http_req *, struct http_resp *);
int api_compare(struct http_req *, struct http_resp *);
int api_machine(struct http_req *, struct http_resp *);
int api_ops(struct http_req *, struct http_resp *);
int api_space_zones(struct http_req *, struct http_resp *);
/* POST /api/v1/login {"token"}: 204 and an HttpOnly cookie (api-login.c). */
int api_login(struct http_req *, struct http_resp *);
int api_history(struct http_req *, struct http_resp *);
int api_diff(struct http_req *, struct http_resp *);
/* GET /metrics (outside /api/v1). */
int api_metrics(struct http_req *, struct http_resp *);

/*
 * For the api-*.c handlers: the space named in the path, referenced and
 * locked, re-read first when it is live (at most every min_interval_ms);
 * NULL after answering with the error.  api_close_space() undoes it.
 */
struct entry *api_open_space(struct http_req *, struct http_resp *);
void api_close_space(struct http_req *, struct entry *);
/*
 * With e open: the state at the request's ?generation=G (api-history.c).
 * *st is NULL when no generation was asked or it is the current one (answer
 * from the space); else it is shared with the history until the next call.
 */
int api_state_at(struct http_req *, struct entry *e, const struct hstate **st,
    struct pts_err *);

/* What a tree request asks for. */
struct tree_ask {
	enum pt_level level;
	uint64_t va;
	unsigned depth;
	bool hide;
};
struct render_key;
struct pt_ranges;
/*
 * api-stream.c: answer a tree (from e open, or from the old state st),
 * ranges (r, taken) or their ptdump text (r taken, its physical addresses
 * already hidden as they must be) as they are written: whole when within
 * srv->stream_bytes (a tree through the render cache when key is not
 * NULL), else streamed.  All close e.
 */
int api_stream_tree(struct http_req *, struct http_resp *, struct entry *e,
    const struct hstate *st, const struct tree_ask *,
    const struct render_key *key);
int api_stream_ranges(struct http_req *, struct http_resp *, struct entry *e,
    const struct hstate *st, struct pt_ranges *r, bool hide);
int api_stream_ptdump(struct http_req *, struct http_resp *, struct entry *e,
    struct pt_ranges *r);
/* The same for a history list (e open, its history kept) and a diff (d,
   taken, from..to of e's history). */
struct hdiff;
struct diff_ask {
	uint64_t from, to;
	bool hide;
};
int api_stream_history(struct http_req *, struct http_resp *, struct entry *e);
int api_stream_diff(struct http_req *, struct http_resp *, struct entry *e,
    const struct diff_ask *, struct hdiff *d);

#endif
