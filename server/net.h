/* SPDX-License-Identifier: MIT */
/*
 * net.h: the network front ends (http.c, ws.c, static.c) live in a private
 * shared object, ptscope-net.so, that only `ptscope serve` loads.  Binding
 * libmicrohttpd, libwebsockets and the TLS libraries under them costs a
 * process 5-9 ms at start-up (23 objects, all bound at load), which
 * `ptscope dump` and the other one-shot commands never use
 * (docs/performance.md).  The module calls back into the binary (the binary
 * exports its symbols), so everything but these three files stays here.
 */
#ifndef PTS_NET_H
#define PTS_NET_H

#include "err.h"

struct server;
struct http;
struct ws;

/* What the module offers: http.h and ws.h, through one table. */
struct net_ops {
	const char *version;	/* the module's PACKAGE_VERSION */
	int (*http_start)(struct server *, struct http **, struct pts_err *);
	void (*http_stop)(struct http *);
	int (*ws_start)(struct server *, struct ws **, struct pts_err *);
	void (*ws_notify)(struct ws *);
	void (*ws_stop)(struct ws *);
};

/* The table's name in the module. */
#define NET_OPS_SYMBOL "ptscope_net_ops"
/* The module's file name. */
#define NET_MODULE_NAME "ptscope-net.so"

/*
 * Load the module once: the one next to the binary (a build directory),
 * else the installed one (PTS_PKGLIBDIR).  A module of another version is
 * refused.  0, or PTS_EIO "net_module" with dlopen's reason.
 */
int net_load(struct pts_err *);
/* The loaded table (net_load succeeded), or NULL. */
const struct net_ops *net_ops(void);

/* Tell the WebSocket clients that something changed (nothing if no ws). */
void net_ws_notify(struct server *);

#endif
