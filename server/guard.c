/* SPDX-License-Identifier: MIT */
/* guard.c: the browser-safety policy (Host, Origin, body types). */
#include "config.h"
#include "guard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 256

/*
 * The name part of "name", "name:port" or "[v6]:port", lower-cased and
 * without a trailing dot ("localhost." is localhost).  False when it does
 * not fit or is malformed; *port gets the port or -1 when none is given.
 */
static bool
split_hostport(const char *s, size_t n, char *name, size_t len, long *port)
{
	const char *end = s + n, *colon = NULL;
	size_t hl;

	*port = -1;
	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (rb == NULL || (rb + 1 < end && rb[1] != ':'))
			return false;
		colon = rb + 1 < end ? rb + 1 : NULL;
		s++;
		hl = (size_t)(rb - s);
	} else {
		colon = memchr(s, ':', n);
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return false;	/* a bare v6 address is no Host */
		hl = colon ? (size_t)(colon - s) : n;
	}
	if (colon) {
		char *e;

		if (colon + 1 == end || !isdigit((unsigned char)colon[1]))
			return false;
		*port = strtol(colon + 1, &e, 10);
		if (e != end || *port > 65535)
			return false;
	}
	if (hl > 0 && s[hl - 1] == '.')
		hl--;
	if (hl == 0 || hl >= len)
		return false;
	for (size_t i = 0; i < hl; i++)
		name[i] = (char)tolower((unsigned char)s[i]);
	name[hl] = '\0';
	return true;
}

static bool
in_list(const char (*list)[OPT_ALLOW_LEN], unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return true;
	return false;
}

/* A name this daemon answers to (the Host allowlist). */
static bool
name_is_ours(const struct options *o, const char *name)
{
	return options_host_is_loopback(name) ||
	    strcasecmp(name, o->http_host) == 0 ||
	    strcasecmp(name, o->ws_host) == 0 ||
	    in_list(o->allow_hosts, o->nallow_hosts, name);
}

bool
guard_host_ok(const struct options *o, const char *host)
{
	char name[NAME_MAX_LEN];
	long port;

	if (host == NULL)
		return true;
	return split_hostport(host, strlen(host), name, sizeof name, &port) &&
	    name_is_ours(o, name);
}

/*
 * Is the Host the address literal the connection came in on?  Behind a
 * wildcard listen address that is how the machine is reached on a LAN
 * (http://192.168.1.5:8080/); DNS rebinding always uses a name, and the
 * address is this very socket's.
 */
static bool
host_is_local_addr(const char *host, const char *local)
{
	char name[NAME_MAX_LEN];
	long port;

	return host && local && split_hostport(host, strlen(host), name,
	    sizeof name, &port) && strcasecmp(name, local) == 0;
}

/*
 * A name under which a page of this daemon's own HTTP server can be
 * loaded.  Another loopback address is another socket (another program
 * may listen on 127.0.0.2:PORT), so only the listen address counts, and
 * loopback names that reach it: "localhost" always, any 127/8 or ::1
 * literal behind a wildcard listen address.
 */
static bool
origin_name_is_ours(const struct options *o, const char *name,
    const char *local)
{
	const char *lh = o->http_host;

	if (strcasecmp(name, lh) == 0 || strcmp(name, "localhost") == 0 ||
	    in_list(o->allow_hosts, o->nallow_hosts, name) ||
	    (local && strcasecmp(name, local) == 0))
		return true;
	if (!options_host_is_loopback(name))
		return false;
	if (strcmp(lh, "::") == 0)
		return true;
	if (strcmp(lh, "0.0.0.0") == 0)
		return strchr(name, ':') == NULL;
	if (strcmp(lh, "localhost") == 0)
		return strcmp(name, "127.0.0.1") == 0 || strcmp(name, "::1") == 0;
	return false;
}

bool
guard_origin_ok(const struct options *o, int http_port, const char *origin)
{
	return guard_origin_ok_at(o, http_port, origin, NULL);
}

bool
guard_origin_ok_at(const struct options *o, int http_port,
    const char *origin, const char *local)
{
	char name[NAME_MAX_LEN], trimmed[OPT_ALLOW_LEN];
	const char *rest;
	size_t n = origin ? strlen(origin) : 0;
	long port;

	if (origin == NULL)
		return true;
	/* --allow-origin entries match exactly (scheme, name and port) */
	if (n < sizeof trimmed) {
		memcpy(trimmed, origin, n + 1);
		if (n > 0 && trimmed[n - 1] == '/')
			trimmed[n - 1] = '\0';
		if (in_list(o->allow_origins, o->nallow_origins, trimmed))
			return true;
	}
	if (strncasecmp(origin, "http://", 7) != 0)
		return false;	/* "null", https (a proxy: --allow-origin) */
	rest = origin + 7;
	if (strchr(rest, '/') || strchr(rest, '@') ||
	    !split_hostport(rest, strlen(rest), name, sizeof name, &port))
		return false;
	if (port < 0)
		port = 80;
	return port == http_port && origin_name_is_ours(o, name, local);
}

/* Does this path carry data (the API and the metrics), not a file? */
static bool
is_api_path(const char *path)
{
	return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0 ||
	    strcmp(path, "/metrics") == 0;
}

int
guard_http(const struct options *o, int http_port, const struct guard_req *q,
    struct pts_err *err)
{
	if (!guard_host_ok(o, q->host) &&
	    !host_is_local_addr(q->host, q->local_addr))
		return pts_errf(err, PTS_EHOST, "misdirected_request",
		    "this daemon does not answer to the name '%.80s' (a name "
		    "other than its own: start it with --allow-host NAME if "
		    "that name is right)", q->host);
	if (is_api_path(q->path) && !guard_origin_ok_at(o, http_port,
	    q->origin, q->local_addr))
		return pts_errf(err, PTS_EPERM, "foreign_origin",
		    "requests from pages of %.80s are refused (only this "
		    "daemon's own pages, or --allow-origin ones, may use the "
		    "API)", q->origin);
	return 0;
}

/* Is the media type of a Content-Type value t (parameters ignored)? */
static bool
media_is(const char *ctype, const char *t)
{
	size_t n = strlen(t);

	if (ctype == NULL)
		return false;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	if (strncasecmp(ctype, t, n) != 0)
		return false;
	ctype += n;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	return *ctype == '\0' || *ctype == ';';
}

int
guard_body(const struct guard_req *q, struct pts_err *err)
{
	bool ptdump = strcmp(q->path, "/api/v1/ptdump") == 0;

	if (strcmp(q->method, "POST") != 0 && !q->has_body)
		return 0;
	if (media_is(q->ctype, "application/json"))
		return 0;
	if (ptdump && media_is(q->ctype, "text/plain")) {
		if (q->x_ptscope)
			return 0;
		return pts_errf(err, PTS_EMEDIA, "unsupported_media_type",
		    "a text/plain dump needs the header 'X-Ptscope: 1' too "
		    "(a web page of another site cannot send it)");
	}
	return pts_errf(err, PTS_EMEDIA, "unsupported_media_type",
	    "send the body as Content-Type: application/json%s, not '%.60s'",
	    ptdump ? " (or text/plain with 'X-Ptscope: 1')" : "",
	    q->ctype ? q->ctype : "none");
}

int
guard_ws(const struct options *o, int http_port, const char *host,
    const char *origin, const char *local_addr, struct pts_err *err)
{
	struct guard_req q = { .method = "GET", .path = "/api", .host = host,
	    .origin = origin, .local_addr = local_addr };

	return guard_http(o, http_port, &q, err);
}
