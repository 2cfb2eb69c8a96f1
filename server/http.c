/* SPDX-License-Identifier: MIT */
/* http.c: the libmicrohttpd server: bodies, limits, auth, dispatch. */
#include "config.h"
#include "http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guard.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "reply.h"
#include "routes.h"
#include "daemon.h"
#include "static.h"
#include "strbuf.h"
#include "xalloc.h"

struct http {
	struct MHD_Daemon *daemon;
	struct server *srv;
};

/* More query arguments than any endpoint takes (see on_uri). */
#define MAX_QUERY_ARGS 256

/* Per-connection request state, from the first call to completion. */
struct conn_state {
	struct strbuf body;
	int too_big;
	bool refused;		/* by the guard: answer err, run no handler */
	struct pts_err err;
	int status;		/* of the refusal when not err's own, or 0 */
	uint64_t t0;
	double t0_s;		/* arrival, monotonic seconds */
	const char *route;	/* the route answered, for the histogram */
};

/* Monotonic seconds with sub-millisecond resolution. */
static double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Split the decoded path into segments. */
static void
split_path(struct http_req *rq)
{
	char *p, *save = NULL, *tok;

	snprintf(rq->segbuf, sizeof rq->segbuf, "%s", rq->path);
	rq->nseg = 0;
	for (p = rq->segbuf; (tok = strtok_r(p, "/", &save)) != NULL;
	    p = NULL) {
		if (rq->nseg == sizeof rq->seg / sizeof rq->seg[0]) {
			rq->nseg++;	/* too deep: matches no route */
			break;
		}
		rq->seg[rq->nseg++] = tok;
	}
}

/* The token from "Authorization: Bearer T" or the ptscope_token cookie. */
static const char *
presented_token(struct http_req *rq)
{
	const char *h = http_header(rq, "Authorization");

	if (h && strncmp(h, "Bearer ", 7) == 0)
		return h + 7;
	return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND,
	    "ptscope_token");
}

/* Is this an API or metrics path (needs the token) rather than a file? */
/* http_req.lookup: the handlers' way to libmicrohttpd's values. */
static const char *
conn_lookup(const struct http_req *rq, enum http_value which,
    const char *name)
{
	return MHD_lookup_connection_value(rq->conn, which == HTTP_HEADER ?
	    MHD_HEADER_KIND : MHD_GET_ARGUMENT_KIND, name);
}

static int
is_api_path(const char *path)
{
	return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0 ||
	    strcmp(path, "/metrics") == 0;
}

/* The socket of a connection (for the peer's uid), or -1. */
static int
conn_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci ? ci->connect_fd : -1;
}

/* A guard_req of the request's method, path and headers. */
static struct guard_req
guard_req_of(struct MHD_Connection *conn, const char *method,
    const char *path, size_t body_len)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Content-Length");
	struct guard_req q = {
		.method = method, .path = path,
		.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Host"),
		.origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Origin"),
		.ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Type"),
		.x_ptscope = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "X-Ptscope") != NULL,
	};

	q.has_body = body_len > 0 || (cl && strtoull(cl, NULL, 10) > 0) ||
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Transfer-Encoding") != NULL;
	return q;
}

/* Route an API request; *name gets the route pattern for metrics. */
static int
dispatch_api(struct http_req *rq, struct http_resp *rs, const char **name)
{
	const struct route *r;
	const char *allow;
	struct guard_req q;
	struct pts_err err;

	r = routes_match(rq, &allow);
	/* the login route is how a browser gets the token cookie */
	if (rq->srv->auth && !(r && r->handle == api_login) &&
	    !server_token_ok(rq->srv, presented_token(rq)))
		return http_errorf(rs, PTS_EAUTH, "unauthorized",
		    "this daemon needs a token: send 'Authorization: Bearer "
		    "TOKEN' (the viewer asks for it)");
	if (strcmp(rq->path, "/metrics") == 0) {
		*name = "/metrics";
		return api_metrics(rq, rs);
	}
	if (r != NULL) {
		*name = r->pattern;
		q = guard_req_of(rq->conn, rq->method, rq->path, rq->body_len);
		if (guard_body(&q, &err) < 0)
			return http_error(rs, &err);
		return r->handle(rq, rs);
	}
	if (allow) {
		rs->allow = allow;
		return http_errorf(rs, PTS_EMETHOD, "method_not_allowed",
		    "%s is not allowed on %s (allowed: %s)", rq->method,
		    rq->path, allow);
	}
	return http_errorf(rs, PTS_ENOENT, "no_such_endpoint",
	    "there is no API endpoint %s", rq->path);
}

/* A streamed body: the bytes produced and not yet sent. */
struct stream_state {
	struct http_stream s;
	struct strbuf buf;
	size_t off;
	bool ended;
};

#define STREAM_BLOCK (64 * 1024)	/* bytes asked of fill at once */

/* libmicrohttpd asks for the next bytes of a streamed body. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream_state *st = cls;
	size_t n;

	(void)pos;
	if (st->off == st->buf.len) {
		int r;

		if (st->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		strbuf_reset(&st->buf);
		st->off = 0;
		if ((r = st->s.fill(st->s.ctx, &st->buf)) < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		st->ended = r == 0;
		if (st->buf.len == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = st->buf.len - st->off;
	if (n > max)
		n = max;
	memcpy(out, st->buf.buf + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream_state *st = cls;

	st->s.free(st->s.ctx);
	strbuf_release(&st->buf);
	free(st);
}

/* The response of rs: its body, or its body then its stream. */
static struct MHD_Response *
make_response(struct http_resp *rs)
{
	struct stream_state *st;
	struct MHD_Response *r;

	if (rs->stream.fill == NULL)
		return MHD_create_response_from_buffer(rs->len, rs->body,
		    MHD_RESPMEM_MUST_FREE);
	st = xcalloc(1, sizeof *st);
	st->s = rs->stream;
	if (rs->body) {
		st->buf.buf = rs->body;
		st->buf.len = rs->len;
		st->buf.cap = rs->len + 1;	/* bodies end in a NUL */
	}
	rs->body = NULL;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
	    stream_read, st, stream_free);
	if (r == NULL)
		stream_free(st);
	return r;
}

/* Queue a filled response and free what it owns. */
static enum MHD_Result
send_resp(struct MHD_Connection *conn, struct http_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = make_response(rs);
	if (r == NULL) {
		free(rs->body);
		free(rs->set_cookie);
		return MHD_NO;
	}
	if (rs->ctype)
		MHD_add_response_header(r, "Content-Type", rs->ctype);
	if (rs->allow)
		MHD_add_response_header(r, "Allow", rs->allow);
	if (rs->location)
		MHD_add_response_header(r, "Location", rs->location);
	if (rs->set_cookie)
		MHD_add_response_header(r, "Set-Cookie", rs->set_cookie);
	free(rs->set_cookie);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
serve_static(struct http_req *rq, struct http_resp *rs, const char **name)
{
	uint64_t size;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int status;

	*name = "static";
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
		rs->allow = "GET, HEAD";
		http_errorf(rs, PTS_EMETHOD, "method_not_allowed",
		    "%s is not allowed on files", rq->method);
		return send_resp(rq->conn, rs);
	}
	r = static_response(rq->srv->opt.web_root, rq->path, &status, &size);
	if (r == NULL) {
		http_errorf(rs, status == 403 ? PTS_EPERM : PTS_ENOENT,
		    status == 403 ? "forbidden" : "not_found",
		    status == 403 ? "that path is outside the web root" :
		    "there is no file %.100s", rq->path);
		rs->status = status;
		return send_resp(rq->conn, rs);
	}
	rs->status = 200;
	rs->len = (size_t)size;
	ret = MHD_queue_response(rq->conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static void
log_request(struct http *h, struct http_req *rq, int status, size_t bytes,
    uint64_t t0, const char *route)
{
	const union MHD_ConnectionInfo *ci;
	char client[64] = "-";

	metrics_http(&h->srv->metrics, route, status);
	ci = MHD_get_connection_info(rq->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->
			    sin_addr, client, sizeof client);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->
			    sin6_addr, client, sizeof client);
	}
	log_access(client, rq->method, rq->path, status, bytes,
	    (double)(now_ms() - t0));
}

/*
 * Called with the request line, before libmicrohttpd parses the query.
 * libmicrohttpd 0.9.75 keeps every query argument in the connection's
 * memory pool; some 900 arguments fill it, and then it cannot even build
 * its own 431 answer: the client waits for the connection timeout.  So
 * count them here and, past MAX_QUERY_ARGS, answer 414 on the socket at
 * once and shut it (libmicrohttpd then finds it closed and drops it).
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
#define TOO_MANY_BODY "{\"error\":{\"code\":\"too_many_arguments\"," \
    "\"message\":\"a request may have at most 256 query arguments\"}}\n"
	static const char answer[] = "HTTP/1.1 414 URI Too Long\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Connection: close\r\nContent-Length: 99\r\n\r\n"
	    TOO_MANY_BODY;
	const union MHD_ConnectionInfo *ci;
	const char *q = strchr(uri, '?');
	struct conn_state *cs;
	unsigned n = 1;

	_Static_assert(sizeof TOO_MANY_BODY - 1 == 99, "Content-Length");
	_Static_assert(MAX_QUERY_ARGS == 256, "the message says 256");
	(void)cls;
	if (q == NULL)
		return NULL;
	for (; *q; q++)
		n += *q == '&';
	if (n <= MAX_QUERY_ARGS)
		return NULL;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci) {
		(void)!send(ci->connect_fd, answer, sizeof answer - 1,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(ci->connect_fd, SHUT_RDWR);
	}
	/* should libmicrohttpd still call on_request: no handler either */
	cs = xcalloc(1, sizeof *cs);
	cs->t0 = now_ms();
	cs->refused = true;
	cs->status = 414;
	pts_errf(&cs->err, PTS_EINVAL, "too_many_arguments",
	    "a request may have at most %d query arguments", MAX_QUERY_ARGS);
	return cs;
}

/* The first call: check the declared size before reading any body. */
static enum MHD_Result
on_first_call(struct http *h, struct MHD_Connection *conn, const char *url,
    const char *method, void **con_cls)
{
	struct conn_state *cs = xcalloc(1, sizeof *cs);
	const char *cl;
	struct http_resp rs = { 0 };
	struct http_req rq = { .srv = h->srv, .conn = conn,
	    .lookup = conn_lookup, .method = method, .path = url };

	struct guard_req q = guard_req_of(conn, method, url, 0);
	char local[INET6_ADDRSTRLEN];

	q.local_addr = peer_local_literal(conn_fd(conn), local, sizeof local);
	cs->t0 = now_ms();
	cs->t0_s = mono_seconds();
	*con_cls = cs;
	/* Host and Origin before anything else (a body is read and dropped,
	   as for 413 below, so that the client sees the answer) */
	if (guard_http(&h->srv->opt, __atomic_load_n(&h->srv->http_port,
	    __ATOMIC_ACQUIRE), &q, &cs->err) < 0)
		cs->refused = true;
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Content-Length");
	if (cl && strtoull(cl, NULL, 10) > h->srv->opt.max_body)
		cs->too_big = 1;
	/*
	 * A client that sent "Expect: 100-continue" (curl does for large
	 * bodies) is waiting: answer now and it never sends the body.  Others
	 * are already sending it; closing on them would lose the answer, so
	 * the body is read and dropped, then 413 goes out.
	 */
	if (cs->refused && MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Expect")) {
		http_error(&rs, &cs->err);
		log_request(h, &rq, rs.status, rs.len, cs->t0, "guard");
		return send_resp(conn, &rs);
	}
	if (cs->too_big && MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Expect")) {
		http_errorf(&rs, PTS_E2BIG, "body_too_large",
		    "the request body is larger than the limit of %zu bytes "
		    "(--max-body)", h->srv->opt.max_body);
		log_request(h, &rq, rs.status, rs.len, cs->t0, "body");
		cs->route = "body";
		return send_resp(conn, &rs);
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct conn_state *cs = *con_cls;
	struct http_req rq = { .srv = h->srv, .conn = conn,
	    .lookup = conn_lookup, .method = method, .path = url };
	struct http_resp rs = { 0 };
	const char *route = "none";
	enum MHD_Result ret;

	(void)version;
	if (cs == NULL)
		return on_first_call(h, conn, url, method, con_cls);
	if (*upload_size) {
		if (cs->refused)
			;	/* read and dropped */
		else if (!cs->too_big && cs->body.len + *upload_size <=
		    h->srv->opt.max_body)
			strbuf_add(&cs->body, upload_data, *upload_size);
		else
			cs->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (cs->refused) {
		http_error(&rs, &cs->err);
		if (cs->status)
			rs.status = cs->status;
		log_request(h, &rq, rs.status, rs.len, cs->t0, "guard");
		return send_resp(conn, &rs);
	}
	if (cs->too_big) {
		http_errorf(&rs, PTS_E2BIG, "body_too_large",
		    "the request body is larger than the limit of %zu bytes "
		    "(--max-body)", h->srv->opt.max_body);
		log_request(h, &rq, rs.status, rs.len, cs->t0, "body");
		cs->route = "body";
		return send_resp(conn, &rs);
	}
	rq.body = cs->body.buf;
	rq.body_len = cs->body.len;
	rq.peer = PEER_REF(conn_fd(conn));
	split_path(&rq);
	if (!is_api_path(url)) {
		ret = serve_static(&rq, &rs, &route);
		log_request(h, &rq, rs.status, rs.len, cs->t0, route);
		cs->route = route;
		return ret;
	}
	dispatch_api(&rq, &rs, &route);
	log_request(h, &rq, rs.status, rs.len, cs->t0, route);
	cs->route = route;
	return send_resp(conn, &rs);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	struct http *h = cls;

	(void)conn; (void)toe;
	if (cs == NULL)
		return;
	/* the whole response has gone out (or the client went away) */
	if (cs->route)
		metrics_http_done(&h->srv->metrics, cs->route,
		    mono_seconds() - cs->t0_s);
	strbuf_release(&cs->body);
	free(cs);
	*con_cls = NULL;
}

/* Resolve host:port into a socket address. */
static int
resolve(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len, struct pts_err *err)
{
	struct addrinfo hints = { 0 }, *ai;
	char ps[16];
	int r;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof ps, "%d", port);
	if ((r = getaddrinfo(host, ps, &hints, &ai)) != 0)
		return pts_errf(err, PTS_EINVAL, "bad_listen",
		    "cannot resolve '%s': %s", host, gai_strerror(r));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int
http_start(struct server *srv, struct http **out, struct pts_err *err)
{
	struct http *h = xcalloc(1, sizeof *h);
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	socklen_t sl;
	unsigned flags;

	if (resolve(srv->opt.http_host, srv->opt.http_port, &ss, &sl, err) < 0) {
		free(h);
		return PTS_EINVAL;
	}
	h->srv = srv;
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, 4u,
	    MHD_OPTION_CONNECTION_LIMIT, srv->opt.max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->opt.max_conns_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, srv->opt.conn_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		free(h);
		return pts_errf(err, PTS_EIO, "listen_failed",
		    "cannot listen on %s:%d (in use, or not an address of "
		    "this machine)", srv->opt.http_host, srv->opt.http_port);
	}
	di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	/* the workers already run (and read it): an atomic store */
	__atomic_store_n(&srv->http_port, di ? di->port : srv->opt.http_port,
	    __ATOMIC_RELEASE);
	server_format_url(srv->http_url, sizeof srv->http_url, "http",
	    srv->opt.http_host, di ? di->port : srv->opt.http_port);
	*out = h;
	return 0;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
