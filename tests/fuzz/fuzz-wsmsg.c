/* SPDX-License-Identifier: MIT */
/*
 * fuzz-wsmsg.c: libFuzzer harness for the WebSocket client messages.  The
 * input is one text message as a client would send it; ws_msg_parse reads
 * it against a registry holding two sim spaces (x86_64 "sim-1", arm64
 * "sim-2"), and a subscription it accepts is then rendered as the streamer
 * would (tree at the node and depth, as JSON).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "options.h"
#include "registry.h"
#include "daemon.h"
#include "sim.h"
#include "ws-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server srv;

/* A daemon's state with default options and two sim spaces. */
static void
setup(void)
{
	static const char *const arches[] = { "x86_64-4l", "arm64-4k-39" };
	struct space *s;
	struct entry *e;

	options_defaults(&srv.opt);
	registry_init(&srv.reg, 8);
	for (int i = 0; i < 2; i++) {
		if (sim_space_new(arches[i], "process", 64, &s, NULL) < 0 ||
		    registry_add(&srv.reg, s, "sim", 0, &e, NULL) < 0)
			abort();
		registry_put(&srv.reg, e);
	}
}

/* Render an accepted subscription the way the streamer does. */
static void
render(const struct ws_req *rq)
{
	struct entry *e = registry_get(&srv.reg, rq->space, NULL);
	struct pt_node *node = NULL;
	cJSON *o;
	char *text;

	if (e == NULL)
		abort();	/* the parser said the space exists */
	entry_lock(e);
	if (e->space->ops->tree(e->space, rq->level, rq->va, rq->depth,
	    &node, NULL) == 0) {
		o = json_node(node, false);
		text = json_print(o);
		free(text);
		cJSON_Delete(o);
		pt_node_free(node);
	}
	entry_unlock(e);
	registry_put(&srv.reg, e);
}

/* Abort unless an accepted message is within the protocol's ranges. */
static void
check(const struct ws_req *rq)
{
	if (rq->type == WS_REQ_PING)
		return;
	if (rq->space[0] == '\0' || memchr(rq->space, 0, sizeof rq->space) ==
	    NULL || memchr(rq->sim, 0, sizeof rq->sim) == NULL)
		abort();
	if (rq->type != WS_REQ_SUBSCRIBE)
		return;
	if (rq->interval_ms < srv.opt.min_interval_ms ||
	    rq->interval_ms > 3600000)
		abort();
	if (strcmp(rq->space, "zones") == 0)
		return;
	if ((unsigned)rq->level >= PT_NLEVELS || rq->depth > PT_NLEVELS)
		abort();
	render(rq);
}

/* One input: one client text message. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct ws_req rq;
	struct pts_err err;

	if (!ready) {
		setup();
		ready = 1;
	}
	memset(&err, 0, sizeof err);
	if (ws_msg_parse(&srv, (const char *)data, size, &rq, &err) == 0)
		check(&rq);
	else if (err.code >= 0 || err.id[0] == '\0' || err.msg[0] == '\0')
		abort();
	return 0;
}
