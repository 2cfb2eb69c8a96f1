/* SPDX-License-Identifier: MIT */
/* api-history.c: a space's history, diffs between generations, and the
   ?generation=G of tree, walk, ranges and zones (docs/api.md, History). */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "daemon.h"
#include "hdiff.h"
#include "history.h"
#include "json.h"
#include "request.h"
#include "routes.h"

int
api_state_at(struct http_req *rq, struct entry *e, const struct hstate **st,
    struct pts_err *err)
{
	struct history *h = entry_history(e);
	bool given;
	uint64_t g;
	int r;

	*st = NULL;
	if ((r = request_parse_generation(http_arg(rq, "generation"), &given,
	    &g, err)) < 0 || !given)
		return r;
	if (h == NULL)
		return pts_errf(err, PTS_ENOTSUP, "no_history",
		    "space '%s' keeps no history", e->id);
	if (g == e->space->generation && e->space->history == NULL)
		return 0;
	return history_state(h, g, st, err);
}

int
api_history(struct http_req *rq, struct http_resp *rs)
{
	struct entry *e = api_open_space(rq, rs);
	struct history *h;
	cJSON *o;

	if (e == NULL)
		return rs->status;
	if ((h = entry_history(e)) == NULL) {
		api_close_space(rq, e);
		return http_errorf(rs, PTS_ENOTSUP, "no_history",
		    "space '%s' keeps no history", rq->seg[3]);
	}
	(void)history_sync(h, NULL);	/* a lazy space's newest, counted */
	if (rq->srv->stream_bytes != STREAM_OFF)
		return api_stream_history(rq, rs, e);
	o = json_history(e->id, e->space->generation, h);
	api_close_space(rq, e);
	return http_json(rs, 200, o);
}

/* from and to of a diff: to defaults to the newest generation, from to the
   one before to. */
static int
diff_args(struct http_req *rq, const struct history *h, uint64_t *from,
    uint64_t *to, struct pts_err *err)
{
	bool gf, gt;
	long i;

	if (request_parse_generation(http_arg(rq, "from"), &gf, from, err) < 0 ||
	    request_parse_generation(http_arg(rq, "to"), &gt, to, err) < 0)
		return PTS_EINVAL;
	if (!gt)
		*to = h->gens[h->ngens - 1].generation;
	if (!gf) {
		if ((i = history_find(h, *to)) > 0)
			*from = h->gens[i - 1].generation;
		else
			*from = *to;
	}
	return 0;
}

/* The diff from..to as JSON; e locked. */
static int
diff_json(const char *id, struct history *h, uint64_t from, uint64_t to,
    bool hide, cJSON **out, struct pts_err *err)
{
	struct hdiff d;
	int r;

	if ((r = history_diff(h, from, to, &d, err)) < 0)
		return r;
	*out = json_diff(id, from, to, &d, hide);
	hdiff_release(&d);
	return 0;
}

int
api_diff(struct http_req *rq, struct http_resp *rs)
{
	struct entry *e = api_open_space(rq, rs);
	struct diff_ask ask;
	struct history *h;
	struct pts_err err;
	struct hdiff d;
	cJSON *o;

	if (e == NULL)
		return rs->status;
	if ((h = entry_history(e)) == NULL || h->ngens == 0) {
		api_close_space(rq, e);
		return http_errorf(rs, PTS_ENOTSUP, "no_history",
		    "space '%s' keeps no history", rq->seg[3]);
	}
	ask.hide = server_hide_physical(rq->srv, e->space);
	if (diff_args(rq, h, &ask.from, &ask.to, &err) < 0)
		goto fail;
	if (rq->srv->stream_bytes != STREAM_OFF) {
		if (history_diff(h, ask.from, ask.to, &d, &err) < 0)
			goto fail;
		return api_stream_diff(rq, rs, e, &ask, &d);
	}
	if (diff_json(e->id, h, ask.from, ask.to, ask.hide, &o, &err) < 0)
		goto fail;
	api_close_space(rq, e);
	return http_json(rs, 200, o);
fail:
	api_close_space(rq, e);
	return http_error(rs, &err);
}
