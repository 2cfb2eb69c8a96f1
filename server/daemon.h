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
#include <stdint.h>

#include "metrics.h"
#include "options.h"
#include "procfs.h"
#include "ptdump.h"
#include "registry.h"
#include "render-cache.h"
#include "zones.h"
#include "zones-ring.h"

#define SERVER_MAX_PTDUMP 4

struct http;
struct ws;

struct server {
	struct options opt;
	struct registry reg;
	struct metrics metrics;
	struct render_cache render;		/* shared rendered answers */
	struct zones_ring zring;		/* the live zones over time */
	struct live_caps caps;
	const struct arch *host_arch;
	int nptdump;				/* debugfs dumps offered */
	struct ptdump_source ptdump[SERVER_MAX_PTDUMP];
	char ptdump_why[200];
	bool auth;				/* a token is required */
	char token[256];
	int http_port;				/* the one the daemon got */
	char http_url[160];
	char ws_url[160];
	struct http *http;
	struct ws *ws;
	size_t stream_bytes;			/* answers longer than this
						   are streamed (api-stream.c);
						   STREAM_OFF: built whole */
};

/* The default of stream_bytes: what the render cache still keeps. */
#define STREAM_BYTES_DEFAULT (RENDER_CACHE_BYTES / 4)
#define STREAM_OFF SIZE_MAX

/* Whether physical addresses of this space must be hidden. */
bool server_hide_physical(const struct server *, const struct space *);

struct procfs_creds;
/*
 * The --allow-pid and --allow-uid rules for a process with these
 * credentials (a procfs_space_check_fn; ctx is the server): every uid of
 * it (real, effective, saved, fs) must be allowed, so that a setuid exec
 * leaves the list.  0, or PTS_EPERM "not_allowed".
 */
int server_attach_allowed(void *srv, int pid, const struct procfs_creds *,
    struct pts_err *);

/*
 * May a client whose loopback peer (peer.h: its uid is looked up only
 * when needed) read space s?  For a process space only when that uid
 * could read the process itself (procfs_creds_readable_by): the daemon may
 * run as root or with CAP_SYS_PTRACE, and must not lend that to a client.
 * A token holder (--token-file) is trusted with the daemon's own access,
 * and --insecure-no-auth lets unknown peers have it.  A process that
 * exec'd into one the daemon's rules refuse is refused to everyone.
 * 0, or PTS_EPERM.
 */
struct peer_ref;
/* Whether the client may have the daemon open a file (a recording's
   path): the client's uid must be able to read it itself (owner or world
   read bit; root and token holders may open any). */
int server_peer_may_open(const struct server *, struct peer_ref *,
    const char *path, struct pts_err *);
int server_peer_may_read(const struct server *, struct peer_ref *,
    const struct space *, struct pts_err *);

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
