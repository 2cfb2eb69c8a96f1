/* SPDX-License-Identifier: MIT */
/*
 * ws-msg.h: client messages of the WebSocket protocol (ptscope.v1) parsed
 * and validated, with no socket around them: server/ws.c acts on the
 * result, tests/fuzz/fuzz-wsmsg.c drives it directly.
 */
#ifndef PTS_WS_MSG_H
#define PTS_WS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pt.h"

struct server;

enum ws_req_type {
	WS_REQ_SUBSCRIBE,
	WS_REQ_UNSUBSCRIBE,
	WS_REQ_PING,
};

/* What a subscription to a space streams. */
enum ws_feed {
	WS_FEED_TREE,		/* "tree": snapshot, then deltas of a subtree */
	WS_FEED_DIFF,		/* "diff": one diff per new generation */
};

/* One parsed client message. */
struct ws_req {
	enum ws_req_type type;
	char space[40];		/* space id, or "zones" */
	char sim[40];		/* zones: a sim space id, or "" for live */
	enum ws_feed stream;
	bool has_from;		/* diff: "from" given (catch up from it) */
	uint64_t from;
	enum pt_level level;	/* subscribe to a space: the node */
	uint64_t va;
	unsigned depth;
	unsigned interval_ms;	/* at least srv->opt.min_interval_ms */
};

/*
 * Parse one text message (not NUL-terminated) into rq.  A subscription to
 * a space is checked against the registry (the space exists, the node is a
 * level and VA of its arch).  Returns 0, or a negative PTS_E* with err
 * filled (what the client gets as {"type":"error",...}).
 */
int ws_msg_parse(struct server *srv, const char *text, size_t len,
    struct ws_req *rq, struct pts_err *err);

#endif
