/* SPDX-License-Identifier: MIT */
/* check_guard.c: unit tests of the browser-safety policy (server/guard.h):
   Host allowlist, own origins, --allow-host/--allow-origin, body types. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "options.h"

static struct options
opts(const char *listen)
{
	struct options o;
	struct pts_err err;

	options_defaults(&o);
	ck_assert_int_eq(options_parse_hostport(listen, o.http_host,
	    sizeof o.http_host, &o.http_port, &err), 0);
	memcpy(o.ws_host, o.http_host, sizeof o.ws_host);
	return o;
}

START_TEST(host_allowlist)
{
	struct options o = opts("127.0.0.1:8080");
	struct pts_err err;

	/* loopback literals, localhost, the listen address, with any port */
	ck_assert(guard_host_ok(&o, "127.0.0.1:8080"));
	ck_assert(guard_host_ok(&o, "127.0.0.1"));
	ck_assert(guard_host_ok(&o, "127.1.2.3:9"));
	ck_assert(guard_host_ok(&o, "localhost:8080"));
	ck_assert(guard_host_ok(&o, "LocalHost."));
	ck_assert(guard_host_ok(&o, "[::1]:8080"));
	ck_assert(guard_host_ok(&o, NULL));	/* HTTP/1.0 */
	/* DNS rebinding: a name of the attacker's */
	ck_assert(!guard_host_ok(&o, "evil.example:8080"));
	ck_assert(!guard_host_ok(&o, "evil.example"));
	ck_assert(!guard_host_ok(&o, "127.0.0.1.evil.example"));
	ck_assert(!guard_host_ok(&o, "localhost.evil.example"));
	ck_assert(!guard_host_ok(&o, "x"));
	ck_assert(!guard_host_ok(&o, ""));
	ck_assert(!guard_host_ok(&o, "127.0.0.1:"));
	ck_assert(!guard_host_ok(&o, "127.0.0.1:80x"));
	ck_assert(!guard_host_ok(&o, "::1"));	/* v6 needs brackets */
	ck_assert(!guard_host_ok(&o, "[::1"));
	ck_assert(!guard_host_ok(&o, "10.0.0.1:8080"));
	/* --allow-host adds names, case-insensitively */
	ck_assert_int_eq(options_set(&o, "allow-host", "ptscope.lan", &err), 0);
	ck_assert(guard_host_ok(&o, "PTSCOPE.lan:443"));
	ck_assert(!guard_host_ok(&o, "x.ptscope.lan"));
	/* the listen address of a LAN daemon */
	o = opts("192.168.1.5:8080");
	ck_assert(guard_host_ok(&o, "192.168.1.5:8080"));
	ck_assert(!guard_host_ok(&o, "192.168.1.6:8080"));
}
END_TEST

START_TEST(own_origins)
{
	struct options o = opts("127.0.0.1:0");
	struct pts_err err;

	/* the daemon got port 40000 */
	ck_assert(guard_origin_ok(&o, 40000, NULL));
	ck_assert(guard_origin_ok(&o, 40000, "http://127.0.0.1:40000"));
	ck_assert(guard_origin_ok(&o, 40000, "http://localhost:40000"));
	ck_assert(guard_origin_ok(&o, 40000, "HTTP://LOCALHOST:40000"));
	/* another port, another loopback address, another scheme */
	ck_assert(!guard_origin_ok(&o, 40000, "http://127.0.0.1:9999"));
	ck_assert(!guard_origin_ok(&o, 40000, "http://127.0.0.2:40000"));
	ck_assert(!guard_origin_ok(&o, 40000, "http://127.0.0.1"));
	ck_assert(!guard_origin_ok(&o, 40000, "https://127.0.0.1:40000"));
	ck_assert(!guard_origin_ok(&o, 40000, "null"));
	ck_assert(!guard_origin_ok(&o, 40000, ""));
	ck_assert(!guard_origin_ok(&o, 40000, "http://evil.example:40000"));
	ck_assert(!guard_origin_ok(&o, 40000, "http://127.0.0.1:40000/x"));
	ck_assert(!guard_origin_ok(&o, 40000,
	    "http://127.0.0.1:40000@evil.example"));
	ck_assert(!guard_origin_ok(&o, 40000, "file://"));
	/* port 80 is implied */
	o = opts("127.0.0.1:80");
	ck_assert(guard_origin_ok(&o, 80, "http://127.0.0.1"));
	ck_assert(guard_origin_ok(&o, 80, "http://127.0.0.1:80"));
	/* a wildcard listen address: any v4 loopback literal; :: any */
	o = opts("0.0.0.0:8080");
	ck_assert(guard_origin_ok(&o, 8080, "http://127.0.0.5:8080"));
	ck_assert(!guard_origin_ok(&o, 8080, "http://[::1]:8080"));
	o = opts("[::]:8080");
	ck_assert(guard_origin_ok(&o, 8080, "http://[::1]:8080"));
	o = opts("[::1]:8080");
	ck_assert(guard_origin_ok(&o, 8080, "http://[::1]:8080"));
	ck_assert(!guard_origin_ok(&o, 8080, "http://127.0.0.1:8080"));
	/* a reverse proxy: its origin exactly, a trailing slash forgiven */
	o = opts("127.0.0.1:8080");
	ck_assert_int_eq(options_set(&o, "allow-origin",
	    "https://ptscope.example.com/", &err), 0);
	ck_assert(guard_origin_ok(&o, 8080, "https://ptscope.example.com"));
	ck_assert(!guard_origin_ok(&o, 8080,
	    "https://ptscope.example.com:8443"));
	ck_assert(!guard_origin_ok(&o, 8080, "http://ptscope.example.com"));
	ck_assert_int_lt(options_set(&o, "allow-origin", "ptscope.example",
	    &err), 0);
	ck_assert_int_lt(options_set(&o, "allow-host", "", &err), 0);
	ck_assert_int_lt(options_set(&o, "allow-host", "a b", &err), 0);
	/* --allow-host names are own origins on the daemon's port */
	ck_assert_int_eq(options_set(&o, "allow-host", "box.lan", &err), 0);
	ck_assert(guard_origin_ok(&o, 8080, "http://box.lan:8080"));
	ck_assert(!guard_origin_ok(&o, 8080, "http://box.lan:8081"));
}
END_TEST

START_TEST(http_checks)
{
	struct options o = opts("127.0.0.1:8080");
	struct pts_err err;
	struct guard_req q = { .method = "GET", .path = "/api/v1/spaces",
	    .host = "127.0.0.1:8080" };

	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), 0);
	q.origin = "http://127.0.0.1:8080";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), 0);
	q.origin = "http://127.0.0.2:9999";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EPERM);
	ck_assert_str_eq(err.id, "foreign_origin");
	q.origin = "null";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EPERM);
	q.path = "/metrics";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EPERM);
	/* files: a foreign page may load them (it cannot read them) */
	q.path = "/js/app.js";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), 0);
	/* but not by a name of its own */
	q.host = "evil.example:8080";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EHOST);
	ck_assert_str_eq(err.id, "misdirected_request");
	ck_assert_int_eq(guard_ws(&o, 8080, "evil.example:8081", NULL, &err),
	    PTS_EHOST);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081",
	    "http://127.0.0.1:8080", &err), 0);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081",
	    "http://127.0.0.2:9999", &err), PTS_EPERM);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081", "null", &err),
	    PTS_EPERM);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081", NULL, &err), 0);
}
END_TEST

static int
body(const char *method, const char *path, const char *ctype, bool has_body,
    bool x)
{
	struct guard_req q = { .method = method, .path = path, .ctype = ctype,
	    .has_body = has_body, .x_ptscope = x };
	struct pts_err err;

	return guard_body(&q, &err);
}

START_TEST(body_types)
{
	const char *sp = "/api/v1/spaces", *pd = "/api/v1/ptdump";

	ck_assert_int_eq(body("POST", sp, "application/json", true, false), 0);
	ck_assert_int_eq(body("POST", sp, "Application/JSON; charset=utf-8",
	    true, false), 0);
	/* the three "simple" types a cross-site page may send, and none */
	ck_assert_int_eq(body("POST", sp, "text/plain", true, false),
	    PTS_EMEDIA);
	ck_assert_int_eq(body("POST", sp, "text/plain;charset=UTF-8", true,
	    true), PTS_EMEDIA);
	ck_assert_int_eq(body("POST", sp, "application/x-www-form-urlencoded",
	    true, false), PTS_EMEDIA);
	ck_assert_int_eq(body("POST", sp, "multipart/form-data; boundary=x",
	    true, false), PTS_EMEDIA);
	ck_assert_int_eq(body("POST", sp, NULL, true, false), PTS_EMEDIA);
	ck_assert_int_eq(body("POST", sp, NULL, false, false), PTS_EMEDIA);
	ck_assert_int_eq(body("POST", sp, "application/jsonx", true, false),
	    PTS_EMEDIA);
	/* a raw dump: text/plain with the non-simple header */
	ck_assert_int_eq(body("POST", pd, "text/plain", true, true), 0);
	ck_assert_int_eq(body("POST", pd, "text/plain", true, false),
	    PTS_EMEDIA);
	ck_assert_int_eq(body("POST", pd, "application/x-www-form-urlencoded",
	    true, true), PTS_EMEDIA);
	/* DELETE and GET without a body need no type; with one, JSON */
	ck_assert_int_eq(body("DELETE", "/api/v1/spaces/sim-1", NULL, false,
	    false), 0);
	ck_assert_int_eq(body("DELETE", "/api/v1/spaces/sim-1", "text/plain",
	    true, false), PTS_EMEDIA);
	ck_assert_int_eq(body("GET", sp, NULL, false, false), 0);
}
END_TEST

static Suite *
guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *t = tcase_create("policy");

	tcase_add_test(t, host_allowlist);
	tcase_add_test(t, own_origins);
	tcase_add_test(t, http_checks);
	tcase_add_test(t, body_types);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(guard_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
