/* SPDX-License-Identifier: MIT */
/* routes.c: the table of API endpoints and path matching. */
#include "config.h"
#include "routes.h"

#include <stdio.h>
#include <string.h>

static const struct route routes[] = {
	{ "GET", "info", api_info },
	{ "GET", "arches", api_arches },
	{ "GET", "arches/*", api_arch },
	{ "GET", "arches/*/decode", api_arch_decode },
	{ "GET", "processes", api_processes },
	{ "GET", "machine", api_machine },
	{ "GET", "zones", api_live_zones },
	{ "GET", "zones/history", api_zones_history },
	{ "GET", "spaces", api_spaces_list },
	{ "POST", "spaces", api_spaces_create },
	{ "GET", "spaces/*", api_space_get },
	{ "DELETE", "spaces/*", api_space_delete },
	{ "GET", "spaces/*/tree", api_tree },
	{ "GET", "spaces/*/walk", api_walk },
	{ "GET", "spaces/*/ranges", api_ranges },
	{ "GET", "spaces/*/regions", api_regions },
	{ "GET", "spaces/*/cost", api_cost },
	{ "GET", "spaces/*/compare", api_compare },
	{ "POST", "spaces/*/ops", api_ops },
	{ "GET", "spaces/*/zones", api_space_zones },
	{ "GET", "spaces/*/history", api_history },
	{ "GET", "spaces/*/diff", api_diff },
	{ "POST", "ptdump", api_ptdump_upload },
	{ "POST", "login", api_login },
	{ NULL, NULL, NULL }
};

/* Does the pattern match the request's segments (after api/v1)? */
static int
pattern_matches(const char *pat, const struct http_req *rq)
{
	unsigned i = 2;		/* seg[0] = "api", seg[1] = "v1" */
	const char *p = pat;

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (i >= rq->nseg)
			return 0;
		if (!(n == 1 && *p == '*') &&
		    (strlen(rq->seg[i]) != n || strncmp(rq->seg[i], p, n)))
			return 0;
		i++;
		p += n;
		if (*p == '/')
			p++;
	}
	return i == rq->nseg;
}

const struct route *
routes_match(const struct http_req *rq, const char **allow)
{
	static __thread char allowbuf[64];

	*allow = NULL;
	allowbuf[0] = '\0';
	if (rq->nseg < 2 || strcmp(rq->seg[0], "api") ||
	    strcmp(rq->seg[1], "v1"))
		return NULL;
	for (const struct route *r = routes; r->method; r++) {
		if (!pattern_matches(r->pattern, rq))
			continue;
		if (strcmp(r->method, rq->method) == 0 ||
		    (strcmp(r->method, "GET") == 0 &&
		    strcmp(rq->method, "HEAD") == 0))
			return r;
		snprintf(allowbuf + strlen(allowbuf),
		    sizeof allowbuf - strlen(allowbuf), "%s%s",
		    allowbuf[0] ? ", " : "", r->method);
	}
	if (allowbuf[0])
		*allow = allowbuf;
	return NULL;
}
