/* SPDX-License-Identifier: MIT */
/* api-tables.c: endpoints on one space: tree, walk, ranges, regions,
   simulator ops and simulated zones. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hview.h"
#include "json.h"
#include "ptdump.h"
#include "request.h"
#include "routes.h"
#include "net.h"
#include "daemon.h"

/*
 * The space named in the path, referenced and locked, re-read first when
 * it is live (at most every min_interval_ms).  NULL after answering with
 * the error.
 */
struct entry *
api_open_space(struct http_req *rq, struct http_resp *rs)
{
	struct pts_err err;
	struct entry *e = registry_get(&rq->srv->reg, rq->seg[3], &err);

	if (e == NULL) {
		http_error(rs, &err);
		return NULL;
	}
	entry_lock(e);
	if (entry_refresh(e, rq->srv->opt.min_interval_ms, &err) < 0) {
		entry_unlock(e);
		registry_put(&rq->srv->reg, e);
		if (err.code == PTS_EGONE)
			net_ws_notify(rq->srv);
		http_error(rs, &err);
		return NULL;
	}
	if (server_peer_may_read(rq->srv, &rq->peer, e->space,
	    &err) < 0) {
		entry_unlock(e);
		registry_put(&rq->srv->reg, e);
		http_error(rs, &err);
		return NULL;
	}
	return e;
}

void
api_close_space(struct http_req *rq, struct entry *e)
{
	entry_unlock(e);
	registry_put(&rq->srv->reg, e);
}

/* The space op a request needs. */
enum need { NEED_TREE, NEED_WALK, NEED_RANGES, NEED_OP, NEED_ZONES,
    NEED_REGIONS };

/* Whether the space has the op (a NULL op: it does not support it). */
static bool
has_op(const struct space_ops *o, enum need n)
{
	switch (n) {
	case NEED_TREE:		return o->tree != NULL;
	case NEED_WALK:		return o->walk != NULL;
	case NEED_RANGES:	return o->ranges != NULL;
	case NEED_OP:		return o->op != NULL;
	case NEED_ZONES:	return o->zones != NULL;
	case NEED_REGIONS:	return o->regions != NULL;
	}
	return false;
}

/*
 * When the open space e lacks the op, answer with that, close e and return
 * true.
 */
static bool
lacks_op(struct http_req *rq, struct http_resp *rs, struct entry *e,
    enum need n)
{
	static const char *const what[] = {
		[NEED_TREE] = "tables", [NEED_WALK] = "walk",
		[NEED_RANGES] = "ranges",
		[NEED_OP] = "simulator operations (read-only)",
		[NEED_REGIONS] = "regions",
	};

	if (has_op(e->space->ops, n))
		return false;
	if (n == NEED_ZONES)
		http_errorf(rs, PTS_ENOTSUP, "no_zones",
		    "space '%s' has no simulated machine: the live machine's "
		    "zones are at /api/v1/zones", e->id);
	else
		http_errorf(rs, PTS_ENOTSUP, "not_supported",
		    "space '%s' (%s) has no %s", e->id, e->space->ops->kind,
		    what[n]);
	api_close_space(rq, e);
	return true;
}

/* api_open_space() for an op the space must have; NULL after answering. */
static struct entry *
open_space_for(struct http_req *rq, struct http_resp *rs, enum need n)
{
	struct entry *e = api_open_space(rq, rs);

	return e == NULL || lacks_op(rq, rs, e, n) ? NULL : e;
}

/* The state of ?generation= with e open; answers and closes e on error. */
static int
state_at(struct http_req *rq, struct http_resp *rs, struct entry *e,
    const struct hstate **st)
{
	struct pts_err err;

	if (api_state_at(rq, e, st, &err) == 0)
		return 0;
	api_close_space(rq, e);
	http_error(rs, &err);
	return -1;
}

/* A reply of an old generation says which. */
static cJSON *
at_generation(cJSON *o, const struct hstate *st)
{
	if (st)
		json_set_generation(o, st->generation);
	return o;
}

/* The space's ranges (at st when not NULL), with e locked; answers and
   closes e on failure. */
static int
load_ranges_at(struct http_req *rq, struct http_resp *rs, struct entry *e,
    const struct hstate *st, struct pt_ranges *r)
{
	struct pts_err err;

	if (st) {
		if (hview_ranges(st, r, &err) == 0)
			return 0;
		api_close_space(rq, e);
		pt_ranges_release(r);
		http_error(rs, &err);
		return -1;
	}
	if (lacks_op(rq, rs, e, NEED_RANGES))
		return -1;
	if (e->space->ops->ranges(e->space, r, &err) == 0)
		return 0;
	api_close_space(rq, e);
	pt_ranges_release(r);
	http_error(rs, &err);
	return -1;
}

int
api_tree(struct http_req *rq, struct http_resp *rs)
{
	struct pts_err err;
	struct pt_node *node = NULL;
	const struct hstate *st;
	struct render_key key;
	struct render_val *v;
	bool hide, cacheable;
	enum pt_level lvl;
	unsigned depth;
	uint64_t va;
	struct entry *e;
	cJSON *o;

	if (request_parse_node(http_arg(rq, "node"), &lvl, &va, &err) < 0 ||
	    request_parse_depth(http_arg(rq, "depth"), &depth, &err) < 0)
		return http_error(rs, &err);
	if ((e = open_space_for(rq, rs, NEED_TREE)) == NULL ||
	    state_at(rq, rs, e, &st) < 0)
		return rs->status;
	hide = server_hide_physical(rq->srv, e->space);
	key = (struct render_key){ .kind = RENDER_HTTP_TREE,
	    .serial = e->serial, .generation = e->space->generation,
	    .va = va, .level = (unsigned)lvl, .depth = depth, .hide = hide };
	/* a live space's per-page detail is read at each request, so only
	   the other spaces' answers are fixed by their generation */
	cacheable = !e->space->live && http_arg(rq, "generation") == NULL;
	if (cacheable && (v = render_cache_get(&rq->srv->render, &key)) !=
	    NULL) {
		api_close_space(rq, e);
		http_json_text(rs, 200, v->text, v->len);
		render_val_put(&rq->srv->render, v);
		return 200;
	}
	if (rq->srv->stream_bytes != STREAM_OFF) {
		struct tree_ask ask = { .level = lvl, .va = va,
		    .depth = depth, .hide = hide };

		return api_stream_tree(rq, rs, e, st, &ask,
		    cacheable ? &key : NULL);
	}
	/* the answer built whole (PTSCOPE_STREAM_BYTES=off) */
	if ((st ? hview_tree(st, lvl, va, depth, &node, &err) :
	    e->space->ops->tree(e->space, lvl, va, depth, &node, &err)) < 0) {
		api_close_space(rq, e);
		return http_error(rs, &err);
	}
	o = at_generation(json_tree(e->id, e->space, node, hide), st);
	pt_node_free(node);
	if (!cacheable) {
		api_close_space(rq, e);
		return http_json(rs, 200, o);
	}
	v = render_cache_put_text(&rq->srv->render, &key, json_print(o));
	cJSON_Delete(o);
	api_close_space(rq, e);
	http_json_text(rs, 200, v->text, v->len);
	render_val_put(&rq->srv->render, v);
	return 200;
}

int
api_walk(struct http_req *rq, struct http_resp *rs)
{
	const char *vas = http_arg(rq, "va");
	struct pts_err err;
	struct pt_walk w;
	const struct hstate *st;
	struct entry *e;
	uint64_t va;
	cJSON *o;

	if (vas == NULL || request_parse_u64(vas, &va))
		return http_errorf(rs, PTS_EINVAL, "bad_va",
		    "walk needs ?va=0x... (a hex virtual address)");
	if ((e = open_space_for(rq, rs, NEED_WALK)) == NULL ||
	    state_at(rq, rs, e, &st) < 0)
		return rs->status;
	memset(&w, 0, sizeof w);
	if ((st ? hview_walk(st, va, &w, &err) :
	    e->space->ops->walk(e->space, va, &w, &err)) < 0) {
		api_close_space(rq, e);
		return http_error(rs, &err);
	}
	o = at_generation(json_walk(e->id, e->space, &w,
	    server_hide_physical(rq->srv, e->space)), st);
	api_close_space(rq, e);
	return http_json(rs, 200, o);
}

int
api_ranges(struct http_req *rq, struct http_resp *rs)
{
	const char *fmt = http_arg(rq, "format");
	struct pt_ranges r = { 0 };
	struct strbuf sb = STRBUF_INIT;
	const struct hstate *st;
	struct entry *e;
	cJSON *o;
	bool hide;

	if (fmt && strcmp(fmt, "json") && strcmp(fmt, "ptdump"))
		return http_errorf(rs, PTS_EINVAL, "bad_format",
		    "format must be json or ptdump");
	if ((e = api_open_space(rq, rs)) == NULL ||
	    state_at(rq, rs, e, &st) < 0 ||
	    load_ranges_at(rq, rs, e, st, &r) < 0)
		return rs->status;
	hide = server_hide_physical(rq->srv, e->space);
	if (fmt && !strcmp(fmt, "ptdump")) {
		if (hide)
			for (size_t i = 0; i < r.n; i++)
				r.v[i].pa = PT_UNKNOWN;
		if (rq->srv->stream_bytes != STREAM_OFF)
			return api_stream_ptdump(rq, rs, e, &r);
		ptdump_render(e->space->arch, &r, &sb);
		api_close_space(rq, e);
		pt_ranges_release(&r);
		rs->status = 200;
		rs->len = sb.len;
		rs->body = strbuf_detach(&sb, NULL);
		rs->ctype = "text/plain; charset=utf-8";
		return 200;
	}
	if (rq->srv->stream_bytes != STREAM_OFF)
		return api_stream_ranges(rq, rs, e, st, &r, hide);
	o = at_generation(json_ranges(e->id, e->space, &r, hide), st);
	api_close_space(rq, e);
	pt_ranges_release(&r);
	return http_json(rs, 200, o);
}

int
api_regions(struct http_req *rq, struct http_resp *rs)
{
	struct regions r = { 0 };
	struct pts_err err;
	struct entry *e;
	cJSON *o;

	if ((e = open_space_for(rq, rs, NEED_REGIONS)) == NULL)
		return rs->status;
	if (e->space->ops->regions(e->space, &r, &err) < 0) {
		api_close_space(rq, e);
		regions_release(&r);
		return http_error(rs, &err);
	}
	o = json_regions(e->id, e->space, &r);
	api_close_space(rq, e);
	regions_release(&r);
	return http_json(rs, 200, o);
}

int
api_cost(struct http_req *rq, struct http_resp *rs)
{
	struct whatif_config cur, c;
	struct whatif_result res, res_cur;
	struct regions r = { 0 };
	struct pts_err err;
	struct entry *e;
	cJSON *o;

	if ((e = open_space_for(rq, rs, NEED_REGIONS)) == NULL)
		return rs->status;
	if (request_parse_cost(e->space->arch, http_arg(rq, "arch"),
	    http_arg(rq, "thp"), http_arg(rq, "page_size"), &c, &err) < 0 ||
	    request_parse_cost(e->space->arch, NULL, NULL, NULL, &cur,
	    &err) < 0 ||
	    e->space->ops->regions(e->space, &r, &err) < 0) {
		api_close_space(rq, e);
		regions_release(&r);
		return http_error(rs, &err);
	}
	whatif_compute(&r, &c, &res);
	whatif_compute(&r, &cur, &res_cur);
	o = json_cost(e->id, e->space, &c, &res, &cur, &res_cur);
	api_close_space(rq, e);
	regions_release(&r);
	return http_json(rs, 200, o);
}

/* Register a forked space; its space object in *out. */
static int
add_forked(struct http_req *rq, struct space *s, cJSON **out,
    struct pts_err *err)
{
	struct entry *f;

	if (registry_add(&rq->srv->reg, s, "sim", 0, &f, err) < 0)
		return PTS_EBUSY;
	entry_lock(f);
	*out = json_space(f);
	entry_unlock(f);
	registry_put(&rq->srv->reg, f);
	return 0;
}

int
api_ops(struct http_req *rq, struct http_resp *rs)
{
	struct space_op_result res = { 0 };
	struct space_op op;
	struct pts_err err;
	struct entry *e;
	cJSON *body, *forked = NULL;
	int r;

	if (request_body_object(rq->body, rq->body_len, &body, &err) < 0)
		return http_error(rs, &err);
	r = request_parse_op(body, &op, &err);
	if (r < 0) {
		cJSON_Delete(body);
		return http_error(rs, &err);
	}
	if ((e = open_space_for(rq, rs, NEED_OP)) == NULL) {
		cJSON_Delete(body);
		return rs->status;
	}
	r = e->space->ops->op(e->space, &op, &res, &err);
	if (r == 0) {
		char cap[160];

		request_op_caption(&op, cap, sizeof cap);
		(void)entry_record(e, cap, NULL);
	}
	api_close_space(rq, e);
	cJSON_Delete(body);	/* op.page_size pointed into it */
	if (r < 0)
		return http_error(rs, &err);
	if (res.forked && add_forked(rq, res.forked, &forked, &err) < 0)
		return http_error(rs, &err);
	net_ws_notify(rq->srv);
	return http_json(rs, res.forked ? 201 : 200,
	    json_op_result(&res, forked));
}

int
api_space_zones(struct http_req *rq, struct http_resp *rs)
{
	struct zones_state zs = { 0 };
	const struct hstate *st;
	struct pts_err err;
	struct entry *e;
	int r;

	if ((e = open_space_for(rq, rs, NEED_ZONES)) == NULL ||
	    state_at(rq, rs, e, &st) < 0)
		return rs->status;
	r = st ? hview_zones(st, &zs, &err) :
	    e->space->ops->zones(e->space, &zs, &err);
	if (r == 0)
		snprintf(zs.source, sizeof zs.source, "%s", e->id);
	api_close_space(rq, e);
	if (r < 0) {
		zones_release(&zs);
		return http_error(rs, &err);
	}
	http_json(rs, 200, json_zones(&zs));
	zones_release(&zs);
	return 200;
}
