/* SPDX-License-Identifier: MIT */
/*
 * http.h: the HTTP server (libmicrohttpd): request bodies with limits, the
 * API routes, /metrics and the static viewer files.  What a handler sees
 * of a request and how it answers is reply.h.
 */
#ifndef PTS_HTTP_H
#define PTS_HTTP_H

#include <stddef.h>

#include "err.h"

struct server;

struct http;
/* Start listening; fills srv->http_url with the bound port. */
int http_start(struct server *, struct http **out, struct pts_err *);
void http_stop(struct http *);

#endif
