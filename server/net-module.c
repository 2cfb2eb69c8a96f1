/* SPDX-License-Identifier: MIT */
/* net-module.c: the table ptscope-net.so offers the binary (net.h). */
#include "config.h"

#include "http.h"
#include "net.h"
#include "ws.h"

/* exported by name: dlsym(NET_OPS_SYMBOL) finds it */
extern const struct net_ops ptscope_net_ops;
const struct net_ops ptscope_net_ops = {
	.version = PACKAGE_VERSION,
	.http_start = http_start,
	.http_stop = http_stop,
	.ws_start = ws_start,
	.ws_notify = ws_notify,
	.ws_stop = ws_stop,
};
