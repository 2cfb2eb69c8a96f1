/* SPDX-License-Identifier: MIT */
/*
 * guard.h: browser safety: which requests a web page may not make.
 *
 * A page from another site can make the browser send requests to
 * 127.0.0.1 (CSRF, cross-site WebSocket hijacking) or, by DNS rebinding, to
 * a name of its own that resolves to 127.0.0.1.  The browser always says
 * where a request comes from (Origin) and which name it meant (Host); a
 * "simple" cross-origin request (no preflight) can only carry text/plain,
 * form or multipart bodies and no custom headers.  So:
 *
 *  - Host must be a name of this daemon: a loopback literal, "localhost",
 *    the listen address, or an --allow-host name (else 421, DNS rebinding);
 *  - Origin, when present, must be the daemon's own HTTP origin or an
 *    --allow-origin one ("null" is foreign) (else 403 on the API, and the
 *    WebSocket handshake is refused);
 *  - POST bodies must be application/json (text/plain only for
 *    POST /api/v1/ptdump together with an X-Ptscope header, which no simple
 *    request can carry) (else 415).
 *
 * Requests without Origin (curl, scripts) are unaffected.  Everything here
 * is a pure function of the request's method, path and headers and of the
 * options, so that tests/check_guard.c checks the policy directly; http.c
 * and ws.c call it before any handler.
 */
#ifndef PTS_GUARD_H
#define PTS_GUARD_H

#include <stdbool.h>

#include "err.h"
#include "options.h"

/* What the guard needs to know about one request. */
struct guard_req {
	const char *method;	/* "GET", ... */
	const char *path;	/* decoded path, "/api/v1/spaces" */
	const char *host;	/* Host header or NULL */
	const char *origin;	/* Origin header or NULL */
	const char *ctype;	/* Content-Type header or NULL */
	bool has_body;		/* Content-Length > 0 or chunked */
	bool x_ptscope;		/* an X-Ptscope header is present */
	/* the address the connection came in on, as a literal without
	   brackets ("192.168.1.5", "::1"), or NULL */
	const char *local_addr;
};

/*
 * Is the host part of a Host header ("name", "name:port", "[v6]:port")
 * one of this daemon's names?  NULL (HTTP/1.0 without Host) is allowed:
 * browsers always send one.
 */
bool guard_host_ok(const struct options *, const char *host_header);

/*
 * Is an Origin header the daemon's own HTTP origin (http://NAME:PORT with
 * NAME the listen address, "localhost" or an --allow-host name, PORT the
 * HTTP port the daemon got) or an --allow-origin one?  NULL (no Origin) is
 * allowed; "null" and anything unparsable is foreign.
 */
bool guard_origin_ok(const struct options *, int http_port,
    const char *origin);
/* The same, where http://LOCAL:PORT (the connection's own address) is own
   too (local NULL: not known). */
bool guard_origin_ok_at(const struct options *, int http_port,
    const char *origin, const char *local);

/*
 * The checks every HTTP request passes before any handler (API or file):
 * 421 misdirected_request for a foreign Host (the address literal the
 * connection came in on counts as the daemon's: its LAN address behind a
 * wildcard listen address); for /api/ and /metrics also 403
 * foreign_origin.  0 when the request may go on.
 */
int guard_http(const struct options *, int http_port,
    const struct guard_req *, struct pts_err *);

/*
 * The body check of a routed API request: POST, and any request that has
 * a body, must send application/json (text/plain + X-Ptscope for
 * POST /api/v1/ptdump).  0, or PTS_EMEDIA (415 unsupported_media_type).
 */
int guard_body(const struct guard_req *, struct pts_err *);

/* The WebSocket handshake: Host and Origin as above; 0 or the error. */
int guard_ws(const struct options *, int http_port, const char *host,
    const char *origin, const char *local_addr, struct pts_err *);

#endif
