/* SPDX-License-Identifier: MIT */
/* api-tables.c: endpoints on one space: tree, walk, ranges, regions,
   simulator ops and simulated zones. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "procfs-maps.h"
#include "procfs.h"
#include "procfs-space.h"
#include "ptdump.h"
#include "request.h"
#include "routes.h"
#include "ws.h"
#include "daemon.h"

/*
 * The space named in the path, referenced and locked, re-read first when
 * it is live (at most every min_interval_ms).  NULL after answering with
 * the error.
 */
static struct entry *
open_space(struct http_req *rq, struct http_resp *rs)
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
			ws_notify(rq->srv->ws);
		http_error(rs, &err);
		return NULL;
	}
	return e;
}

static void
close_space(struct http_req *rq, struct entry *e)
{
	entry_unlock(e);
	registry_put(&rq->srv->reg, e);
}

/* A reply object with the space id, arch and generation. */
static cJSON *
reply_head(const struct entry *e)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "space", e->id);
	cJSON_AddStringToObject(o, "arch", e->space->arch->id);
	json_add_u64(o, "generation", e->space->generation);
	return o;
}

/*
 * open_space() for an op the space must have (NULL in its ops: the space
 * does not support it, and the request is answered with that).
 */
static struct entry *
open_space_for(struct http_req *rq, struct http_resp *rs, size_t op_off,
    const char *what)
{
	struct entry *e = open_space(rq, rs);
	void (*fn)(void);

	if (e == NULL)
		return NULL;
	memcpy(&fn, (const char *)e->space->ops + op_off, sizeof fn);
	if (fn == NULL) {
		http_errorf(rs, PTS_ENOTSUP, "not_supported",
		    "space '%s' (%s) has no %s", e->id, e->space->ops->kind,
		    what);
		close_space(rq, e);
		return NULL;
	}
	return e;
}

#define OPEN_SPACE_FOR(rq, rs, op, what) \
	open_space_for((rq), (rs), offsetof(struct space_ops, op), (what))

/* The space's ranges, with e locked; answers and closes e on failure. */
static int
load_ranges(struct http_req *rq, struct http_resp *rs, struct entry *e,
    struct pt_ranges *r)
{
	struct pts_err err;

	if (e->space->ops->ranges == NULL) {
		http_errorf(rs, PTS_ENOTSUP, "not_supported",
		    "space '%s' (%s) has no ranges", e->id,
		    e->space->ops->kind);
		close_space(rq, e);
		return -1;
	}
	if (e->space->ops->ranges(e->space, r, &err) == 0)
		return 0;
	close_space(rq, e);
	pt_ranges_release(r);
	http_error(rs, &err);
	return -1;
}

int
api_tree(struct http_req *rq, struct http_resp *rs)
{
	struct pts_err err;
	struct pt_node *node = NULL;
	enum pt_level lvl;
	unsigned depth;
	uint64_t va;
	struct entry *e;
	cJSON *o;

	if (parse_node_arg(http_arg(rq, "node"), &lvl, &va, &err) < 0 ||
	    parse_depth_arg(http_arg(rq, "depth"), &depth, &err) < 0)
		return http_error(rs, &err);
	if ((e = OPEN_SPACE_FOR(rq, rs, tree, "tables")) == NULL)
		return rs->status;
	if (e->space->ops->tree(e->space, lvl, va, depth, &node, &err) < 0) {
		close_space(rq, e);
		return http_error(rs, &err);
	}
	o = reply_head(e);
	cJSON_AddItemToObject(o, "node",
	    json_node(node, server_hide_physical(rq->srv, e->space)));
	pt_node_free(node);
	close_space(rq, e);
	return http_json(rs, 200, o);
}

int
api_walk(struct http_req *rq, struct http_resp *rs)
{
	const char *vas = http_arg(rq, "va");
	struct pts_err err;
	struct pt_walk w;
	struct entry *e;
	uint64_t va;
	cJSON *o, *wj, *it;

	if (vas == NULL || parse_u64(vas, &va))
		return http_errorf(rs, PTS_EINVAL, "bad_va",
		    "walk needs ?va=0x... (a hex virtual address)");
	if ((e = OPEN_SPACE_FOR(rq, rs, walk, "walk")) == NULL)
		return rs->status;
	memset(&w, 0, sizeof w);
	if (e->space->ops->walk(e->space, va, &w, &err) < 0) {
		close_space(rq, e);
		return http_error(rs, &err);
	}
	o = reply_head(e);
	wj = json_walk(&w, server_hide_physical(rq->srv, e->space));
	/* move the walk's fields up into the reply */
	while ((it = wj->child) != NULL)
		cJSON_AddItemToObject(o, it->string,
		    cJSON_DetachItemViaPointer(wj, it));
	cJSON_Delete(wj);
	close_space(rq, e);
	return http_json(rs, 200, o);
}

int
api_ranges(struct http_req *rq, struct http_resp *rs)
{
	const char *fmt = http_arg(rq, "format");
	struct pt_ranges r = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct entry *e;
	cJSON *o, *rj;
	bool hide;

	if (fmt && strcmp(fmt, "json") && strcmp(fmt, "ptdump"))
		return http_errorf(rs, PTS_EINVAL, "bad_format",
		    "format must be json or ptdump");
	if ((e = open_space(rq, rs)) == NULL || load_ranges(rq, rs, e, &r) < 0)
		return rs->status;
	hide = server_hide_physical(rq->srv, e->space);
	if (fmt && !strcmp(fmt, "ptdump")) {
		if (hide)
			for (size_t i = 0; i < r.n; i++)
				r.v[i].pa = PT_UNKNOWN;
		ptdump_render(e->space->arch, &r, &sb);
		close_space(rq, e);
		pt_ranges_release(&r);
		rs->status = 200;
		rs->len = sb.len;
		rs->body = strbuf_detach(&sb, NULL);
		rs->ctype = "text/plain; charset=utf-8";
		return 200;
	}
	o = reply_head(e);
	rj = json_ranges(&r, hide);
	cJSON_AddItemToObject(o, "ranges",
	    cJSON_DetachItemFromObject(rj, "ranges"));
	cJSON_Delete(rj);
	close_space(rq, e);
	pt_ranges_release(&r);
	return http_json(rs, 200, o);
}

/* Regions from ranges: the ptdump sections when the ranges carry markers,
   else runs of adjacent ranges. */
static void
regions_from_ranges(const struct pt_ranges *r, cJSON *a)
{
	cJSON *cur = NULL;
	uint64_t end = 0, pages = 0;
	bool markers = false;

	for (size_t i = 0; i < r->n; i++)
		markers |= r->v[i].marker != NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_range *x = &r->v[i];
		bool start = cur == NULL || (markers ? x->marker != NULL :
		    x->start != end);

		if (start) {
			if (cur)
				json_add_u64(cur, "present_pages", pages);
			cur = cJSON_CreateObject();
			cJSON_AddItemToArray(a, cur);
			json_add_hex(cur, "start", x->start);
			cJSON_AddStringToObject(cur, "name",
			    x->marker ? x->marker : "");
			pages = 0;
		}
		pages += x->pages;
		end = x->end;
		cJSON_DeleteItemFromObject(cur, "end");
		json_add_hex(cur, "end", end);
	}
	if (cur)
		json_add_u64(cur, "present_pages", pages);
}

/* A process's VMAs, with how much of each is present. */
static void
regions_from_vmas(const struct procfs_vmas *v, cJSON *a)
{
	for (size_t i = 0; i < v->n; i++) {
		const struct procfs_vma *m = &v->v[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToArray(a, o);
		json_add_hex(o, "start", m->start);
		json_add_hex(o, "end", m->end);
		cJSON_AddStringToObject(o, "name", m->name ? m->name : "");
		cJSON_AddStringToObject(o, "perms", m->perms);
		json_add_hex(o, "offset", m->offset);
		json_add_u64(o, "present_pages", m->present_pages);
		json_add_u64(o, "swapped_pages", m->swapped_pages);
		if (m->page_size)
			json_add_u64(o, "page_size", m->page_size);
	}
}

int
api_regions(struct http_req *rq, struct http_resp *rs)
{
	struct pt_ranges r = { 0 };
	struct pts_err err;
	struct entry *e;
	cJSON *o;

	if ((e = open_space(rq, rs)) == NULL)
		return rs->status;
	if (e->pid) {
		struct procfs_vmas v = { 0 };

		if (procfs_space_vmas(e->space, &v, &err) < 0) {
			close_space(rq, e);
			return http_error(rs, &err);
		}
		o = reply_head(e);
		regions_from_vmas(&v, cJSON_AddArrayToObject(o, "regions"));
		procfs_vmas_release(&v);
		close_space(rq, e);
		return http_json(rs, 200, o);
	}
	if (load_ranges(rq, rs, e, &r) < 0)
		return rs->status;
	o = reply_head(e);
	regions_from_ranges(&r, cJSON_AddArrayToObject(o, "regions"));
	close_space(rq, e);
	pt_ranges_release(&r);
	return http_json(rs, 200, o);
}

/* Register a forked space and describe it in the reply. */
static int
add_forked(struct http_req *rq, struct space *s, cJSON *o,
    struct pts_err *err)
{
	struct entry *f;

	if (registry_add(&rq->srv->reg, s, "sim", 0, &f, err) < 0)
		return PTS_EBUSY;
	entry_lock(f);
	cJSON_AddItemToObject(o, "forked", json_space(f));
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
	cJSON *body, *o;
	int r;

	if (json_parse_object(rq->body, rq->body_len, &body, &err) < 0)
		return http_error(rs, &err);
	r = request_parse_op(body, &op, &err);
	if (r < 0) {
		cJSON_Delete(body);
		return http_error(rs, &err);
	}
	if ((e = OPEN_SPACE_FOR(rq, rs, op,
	    "simulator operations (read-only)")) == NULL) {
		cJSON_Delete(body);
		return rs->status;
	}
	r = e->space->ops->op(e->space, &op, &res, &err);
	close_space(rq, e);
	cJSON_Delete(body);	/* op.page_size pointed into it */
	if (r < 0)
		return http_error(rs, &err);
	o = cJSON_CreateObject();
	json_add_u64(o, "generation", res.generation);
	json_add_u64(o, "tables_allocated", res.tables_allocated);
	json_add_u64(o, "tables_freed", res.tables_freed);
	json_add_u64(o, "pages_allocated", res.pages_allocated);
	json_add_u64(o, "pages_freed", res.pages_freed);
	if (res.forked && add_forked(rq, res.forked, o, &err) < 0) {
		cJSON_Delete(o);
		return http_error(rs, &err);
	}
	ws_notify(rq->srv->ws);
	return http_json(rs, res.forked ? 201 : 200, o);
}

int
api_space_zones(struct http_req *rq, struct http_resp *rs)
{
	struct zones_state zs = { 0 };
	struct pts_err err;
	struct entry *e;
	int r;

	if ((e = open_space(rq, rs)) == NULL)
		return rs->status;
	if (e->space->ops->zones == NULL) {
		close_space(rq, e);
		return http_errorf(rs, PTS_ENOTSUP, "no_zones",
		    "space '%s' has no simulated machine: the live machine's "
		    "zones are at /api/v1/zones", rq->seg[3]);
	}
	r = e->space->ops->zones(e->space, &zs, &err);
	if (r == 0)
		snprintf(zs.source, sizeof zs.source, "%s", e->id);
	close_space(rq, e);
	if (r < 0) {
		zones_release(&zs);
		return http_error(rs, &err);
	}
	http_json(rs, 200, json_zones(&zs));
	zones_release(&zs);
	return 200;
}
