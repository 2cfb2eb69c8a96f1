/* SPDX-License-Identifier: MIT */
/*
 * ws.h: the WebSocket stream (libwebsockets, subprotocol "ptscope.v1").
 *
 * Two threads: the lws service thread owns the sockets (it reads client
 * messages and writes queued ones); the streamer thread renders snapshots
 * and deltas for every subscription and queues them, then wakes the service
 * thread with lws_cancel_service().  Each client's queue is bounded: a
 * client that falls behind loses its backlog and gets a fresh snapshot.
 */
#ifndef PTS_WS_H
#define PTS_WS_H

#include "err.h"

struct server;
struct ws;

/* Start listening; fills srv->ws_url with the bound port. */
int ws_start(struct server *, struct ws **out, struct pts_err *);
/* Wake the streamer now (a space changed). */
void ws_notify(struct ws *);
void ws_stop(struct ws *);

#endif
