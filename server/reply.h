/* SPDX-License-Identifier: MIT */
/*
 * reply.h: one HTTP request as a route handler sees it, and the helpers a
 * handler answers with (JSON, errors, text).
 */
#ifndef PTS_REPLY_H
#define PTS_REPLY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "peer.h"
#include "strbuf.h"

struct server;
struct MHD_Connection;

/* Which of a request's values http_req.lookup reads. */
enum http_value { HTTP_QUERY_ARG, HTTP_HEADER };

/* One request as the route handlers see it. */
struct http_req {
	struct server *srv;
	struct MHD_Connection *conn;
	/*
	 * A value of the request, or NULL: set by http.c, because only the
	 * network module (net.h) may call libmicrohttpd, and the handlers
	 * and this file are in the binary.
	 */
	const char *(*lookup)(const struct http_req *, enum http_value,
	    const char *name);
	const char *method;
	const char *path;	/* decoded by libmicrohttpd */
	const char *seg[8];	/* path segments (pointers into segbuf) */
	unsigned nseg;
	char segbuf[512];
	const char *body;
	size_t body_len;
	struct peer_ref peer;	/* the local client's uid, on demand */
};

/*
 * A body written as it is produced (chunked): after the bytes in body (if
 * any), fill appends the next ones to out: 1 more to come, 0 the end, -1 a
 * failure (the connection is cut: the client sees an incomplete answer,
 * never a wrong one).  fill runs in the connection's thread, one call at a
 * time; free runs once, when the answer is done or the client is gone.
 */
struct http_stream {
	void *ctx;
	int (*fill)(void *ctx, struct strbuf *out);
	void (*free)(void *ctx);
};

/* What a handler answers. */
struct http_resp {
	int status;
	char *body;		/* malloc'ed, freed by the server */
	size_t len;
	const char *ctype;
	const char *allow;	/* Allow header for 405 */
	const char *location;
	char *set_cookie;	/* Set-Cookie value, malloc'ed, or NULL */
	struct http_stream stream;	/* fill set: the rest of the body */
};

/* A query-string argument, or NULL. */
const char *http_arg(const struct http_req *, const char *name);
/* A request header, or NULL. */
const char *http_header(const struct http_req *, const char *name);

/* Answer with a JSON tree (consumed). */
int http_json(struct http_resp *, int status, cJSON *);
/* Answer with JSON text already printed (copied). */
int http_json_text(struct http_resp *, int status, const char *text,
    size_t len);
/* Answer with the error JSON for err (status from its code). */
int http_error(struct http_resp *, const struct pts_err *);
/* Answer with an error built on the spot. */
int http_errorf(struct http_resp *, int code, const char *id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answer with text of a content type (the text is copied). */
int http_text(struct http_resp *, int status, const char *ctype,
    const char *text, size_t len);

#endif
