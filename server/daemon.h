/* SPDX-License-Identifier: MIT */
/*
 * daemon.h: the daemon's shared state, handed to the HTTP and WebSocket
 * modules.  Everything here is set up before the servers start; after that
 * only the registry (own locks) and the metrics (own lock) change.
 */
#ifndef PTS_DAEMON_H
#define PTS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "options.h"
#include "procfs.h"
#include "ptdump.h"
#include "registry.h"
#include "render-cache.h"
#include "zones.h"

#define SERVER_MAX_PTDUMP 4

struct http;
struct ws;

struct server {
	struct options opt;
	struct registry reg;
	struct metrics metrics;
	struct render_cache render;		/* shared rendered answers */
	struct live_caps caps;
	const struct arch *host_arch;
	int nptdump;				/* debugfs dumps offered */
	struct ptdump_source ptdump[SERVER_MAX_PTDUMP];
	char ptdump_why[200];
	bool auth;				/* a token is required */
	char token[256];
	char http_url[160];
	char ws_url[160];
	struct http *http;
	struct ws *ws;
};

/* Whether physical addresses of this space must be hidden. */
bool server_hide_physical(const struct server *, const struct space *);

/* Constant-time check of a presented token against the configured one. */
bool server_token_ok(const struct server *, const char *presented);

/* "scheme://HOST:PORT/" with brackets around IPv6 hosts. */
void server_format_url(char *buf, size_t len, const char *scheme,
    const char *host, int port);

/*
 * The live machine's zones from the zone files below proc_root (the
 * daemon's --proc-root, or the CLI's), source "live".  Every reader of
 * live zones (HTTP, WebSocket, /metrics, `ptscope zones`) calls this.
 * zs starts zeroed or filled by an earlier read (it is replaced).  0; or a
 * negative PTS_E* with zs empty and err (may be NULL) saying why.
 */
int server_live_zones(const char *proc_root, struct zones_state *zs,
    struct pts_err *err);

#endif
