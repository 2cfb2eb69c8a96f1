/* SPDX-License-Identifier: MIT */
/* ws-msg.c: parse and validate the WebSocket client messages. */
#include "config.h"
#include "ws-msg.h"

#include <stdio.h>
#include <string.h>

#include "request.h"
#include "registry.h"
#include "daemon.h"

/* interval_ms: default 500, at most an hour, at least min. */
static int
parse_interval(const cJSON *msg, unsigned min, unsigned *out,
    struct pts_err *err)
{
	uint64_t v = 500;
	int r = request_get_u64(msg, "interval_ms", false, &v, err);

	if (r < 0 || v > 3600000)
		return pts_errf(err, PTS_EINVAL, "bad_interval",
		    "interval_ms must be a number of milliseconds up to "
		    "3600000");
	*out = v < min ? min : (unsigned)v;
	return 0;
}

/* Copy a string member of at most dstlen-1 bytes; false otherwise. */
static bool
copy_str(const cJSON *v, char *dst, size_t dstlen)
{
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= dstlen)
		return false;
	snprintf(dst, dstlen, "%s", v->valuestring);
	return true;
}

/* The "space" member: a non-empty id (a NUL inside counts as the end). */
static bool
copy_space(const cJSON *msg, struct ws_req *rq)
{
	return copy_str(cJSON_GetObjectItemCaseSensitive(msg, "space"),
	    rq->space, sizeof rq->space) && rq->space[0] != '\0';
}

/* The node and depth of a subscription to a space, checked against it. */
static int
parse_tree_sub(struct server *srv, const cJSON *msg, struct ws_req *rq,
    struct pts_err *err)
{
	const cJSON *node = cJSON_GetObjectItemCaseSensitive(msg, "node");
	const cJSON *depth = cJSON_GetObjectItemCaseSensitive(msg, "depth");
	struct entry *e;
	char dbuf[24];
	int r;

	if (node && !cJSON_IsString(node))
		return pts_errf(err, PTS_EINVAL, "bad_node",
		    "\"node\" must be a string like \"pgd:0x0\"");
	if (request_parse_node(node ? node->valuestring : NULL, &rq->level,
	    &rq->va, err) < 0)
		return PTS_EINVAL;
	if (depth && !cJSON_IsNumber(depth))
		return pts_errf(err, PTS_EINVAL, "bad_depth",
		    "\"depth\" must be a number");
	snprintf(dbuf, sizeof dbuf, "%d", depth ? depth->valueint : 1);
	if (request_parse_depth(dbuf, &rq->depth, err) < 0)
		return PTS_EINVAL;
	if ((e = registry_get(&srv->reg, rq->space, err)) == NULL)
		return PTS_ENOENT;
	r = arch_level_pos(e->space->arch, rq->level) < 0 ?
	    pts_errf(err, PTS_EINVAL, "bad_level", "%s is folded on %s: "
	    "its tables are the level above", arch_level_name(rq->level),
	    e->space->arch->id) : arch_check_va(e->space->arch, rq->va, err);
	registry_put(&srv->reg, e);
	return r;
}

/* "stream": "tree" (the default) or "diff". */
static int
parse_stream(const cJSON *msg, struct ws_req *rq, struct pts_err *err)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(msg, "stream");

	rq->stream = WS_FEED_TREE;
	if (st == NULL)
		return 0;
	if (cJSON_IsString(st) && !strcmp(st->valuestring, "diff"))
		rq->stream = WS_FEED_DIFF;
	else if (!cJSON_IsString(st) || strcmp(st->valuestring, "tree"))
		return pts_errf(err, PTS_EINVAL, "bad_stream",
		    "\"stream\" must be \"tree\" or \"diff\"");
	return 0;
}

/* A subscription to a space's diff stream: the space exists; "from", when
   given, is a generation number (checked against the history when the
   stream starts). */
static int
parse_diff_sub(struct server *srv, const cJSON *msg, struct ws_req *rq,
    struct pts_err *err)
{
	struct entry *e;
	int r = request_get_u64(msg, "from", false, &rq->from, err);

	if (r < 0)
		return pts_errf(err, PTS_EINVAL, "bad_generation",
		    "\"from\" must be a generation number (see .../history)");
	rq->has_from = r == 0;
	if ((e = registry_get(&srv->reg, rq->space, err)) == NULL)
		return PTS_ENOENT;
	registry_put(&srv->reg, e);
	return 0;
}

/* A subscribe message: zones (live or of a sim space), a space's tree or
   its diff stream. */
static int
parse_subscribe(struct server *srv, const cJSON *msg, struct ws_req *rq,
    struct pts_err *err)
{
	const cJSON *sim = cJSON_GetObjectItemCaseSensitive(msg, "sim");

	if (!copy_space(msg, rq))
		return pts_errf(err, PTS_EINVAL, "bad_subscribe",
		    "subscribe needs \"space\": a space id or \"zones\"");
	if (parse_interval(msg, srv->opt.min_interval_ms, &rq->interval_ms,
	    err) < 0 || parse_stream(msg, rq, err) < 0)
		return PTS_EINVAL;
	if (strcmp(rq->space, "zones"))
		return rq->stream == WS_FEED_DIFF ?
		    parse_diff_sub(srv, msg, rq, err) :
		    parse_tree_sub(srv, msg, rq, err);
	if (rq->stream == WS_FEED_DIFF)
		return pts_errf(err, PTS_EINVAL, "bad_stream",
		    "zones have no diff stream: subscribe to a space's");
	if (sim && !copy_str(sim, rq->sim, sizeof rq->sim))
		return pts_errf(err, PTS_EINVAL, "bad_subscribe",
		    "\"sim\" must be a sim space id");
	return 0;
}

/* An unsubscribe message: the space (and sim, for zones). */
static int
parse_unsubscribe(const cJSON *msg, struct ws_req *rq, struct pts_err *err)
{
	const cJSON *sim = cJSON_GetObjectItemCaseSensitive(msg, "sim");

	if (!copy_space(msg, rq))
		return pts_errf(err, PTS_EINVAL, "bad_unsubscribe",
		    "unsubscribe needs \"space\"");
	if (parse_stream(msg, rq, err) < 0)
		return PTS_EINVAL;
	if (cJSON_IsString(sim) && !copy_str(sim, rq->sim, sizeof rq->sim))
		return pts_errf(err, PTS_EINVAL, "bad_unsubscribe",
		    "\"sim\" must be a sim space id");
	return 0;
}

/* The message's type and its fields, by type. */
static int
parse_typed(struct server *srv, const cJSON *msg, struct ws_req *rq,
    struct pts_err *err)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
	const char *t = cJSON_IsString(type) ? type->valuestring : "";

	if (!strcmp(t, "subscribe")) {
		rq->type = WS_REQ_SUBSCRIBE;
		return parse_subscribe(srv, msg, rq, err);
	}
	if (!strcmp(t, "unsubscribe")) {
		rq->type = WS_REQ_UNSUBSCRIBE;
		return parse_unsubscribe(msg, rq, err);
	}
	if (!strcmp(t, "ping")) {
		rq->type = WS_REQ_PING;
		return 0;
	}
	return pts_errf(err, PTS_EINVAL, "unknown_type",
	    "message type must be subscribe, unsubscribe or ping");
}

int
ws_msg_parse(struct server *srv, const char *text, size_t len,
    struct ws_req *rq, struct pts_err *err)
{
	cJSON *msg;
	int r;

	memset(rq, 0, sizeof *rq);
	if (request_body_object(text, len, &msg, err) < 0)
		return PTS_EINVAL;
	r = parse_typed(srv, msg, rq, err);
	cJSON_Delete(msg);
	return r;
}
