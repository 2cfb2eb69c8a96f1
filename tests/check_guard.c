/* SPDX-License-Identifier: MIT */
/* check_guard.c: unit tests of the browser-safety policy (server/guard.h):
   Host allowlist, own origins, --allow-host/--allow-origin, body types; and
   of the peer model: finding the client's socket in /proc/net/tcp
   (server/peer.h) and who may read a process (procfs-stat.h). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "guard.h"
#include "options.h"
#include "peer.h"
#include "procfs-stat.h"

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
	ck_assert_int_eq(guard_ws(&o, 8080, "evil.example:8081", NULL, NULL, &err),
	    PTS_EHOST);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081",
	    "http://127.0.0.1:8080", NULL, &err), 0);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081",
	    "http://127.0.0.2:9999", NULL, &err), PTS_EPERM);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081", "null", NULL, &err),
	    PTS_EPERM);
	ck_assert_int_eq(guard_ws(&o, 8080, "127.0.0.1:8081", NULL, NULL, &err), 0);
	/* behind a wildcard address, the LAN address the connection came in
	   on is a name of the daemon's, and its pages' origin its own */
	o = opts("0.0.0.0:8080");
	q.path = "/api/v1/info";
	q.host = "192.168.1.5:8080";
	q.origin = "http://192.168.1.5:8080";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EHOST);
	q.local_addr = "192.168.1.5";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), 0);
	q.origin = "http://192.168.1.5:9999";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EPERM);
	q.host = "192.168.1.6:8080";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EHOST);
	q.host = "evil.example:8080";
	ck_assert_int_eq(guard_http(&o, 8080, &q, &err), PTS_EHOST);
	ck_assert_int_eq(guard_ws(&o, 8080, "192.168.1.5:8081",
	    "http://192.168.1.5:8080", "192.168.1.5", &err), 0);
	ck_assert_int_eq(guard_ws(&o, 8080, "192.168.1.5:8081",
	    "http://192.168.1.5:8080", NULL, &err), PTS_EHOST);
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

/* A socket address from text. */
static struct sockaddr_storage
sa(const char *ip, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

/*
 * Rows as the kernel prints them (net/ipv4/tcp_ipv4.c get_tcp4_sock:
 * "%08X:%04X" of the address word as it lies in memory, so 127.0.0.1 is
 * 0100007F on a little-endian machine; the uid is the 8th field).
 */
START_TEST(peer_in_table)
{
	struct sockaddr_storage cl = sa("127.0.0.1", 51000),
	    srv = sa("127.0.0.1", 8080), other = sa("127.0.0.2", 51000),
	    cl6 = sa("::1", 51000), srv6 = sa("::1", 8080),
	    mapped = sa("::ffff:127.0.0.1", 51000);
	char table[1024];
	uint32_t lo;

	inet_pton(AF_INET, "127.0.0.1", &lo);
	snprintf(table, sizeof table,
	    "  sl  local_address rem_address   st tx_queue rx_queue tr "
	    "tm->when retrnsmt   uid  timeout inode\n"
	    "   0: %08X:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
	    "00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n"
	    "   1: %08X:1F90 %08X:C738 01 00000000:00000000 00:00000000 "
	    "00000000     0        0 2 1 0000000000000000 20 4 30 10 -1\n"
	    "   2: %08X:C738 %08X:1F90 01 00000000:00000000 00:00000000 "
	    "00000000  1000        0 3 1 0000000000000000 20 4 30 10 -1\n",
	    lo, lo, lo, lo, lo);
	/* the client's row: local = its end, remote = ours */
	ck_assert_int_eq(peer_uid_in_table(table, (struct sockaddr *)&cl,
	    (struct sockaddr *)&srv), 1000);
	/* our own accepted socket is the daemon's (uid 0), not the peer */
	ck_assert_int_eq(peer_uid_in_table(table, (struct sockaddr *)&srv,
	    (struct sockaddr *)&cl), 0);
	ck_assert_int_eq(peer_uid_in_table(table, (struct sockaddr *)&other,
	    (struct sockaddr *)&srv), PEER_UNKNOWN);
	/* a v4-mapped address is the v4 one */
	ck_assert_int_eq(peer_uid_in_table(table, (struct sockaddr *)&mapped,
	    (struct sockaddr *)&srv), 1000);
	/* tcp6: four words; ::1 is 00000000 00000000 00000000 01000000 */
	snprintf(table, sizeof table,
	    "  sl  local_address                         remote_address\n"
	    "   0: 00000000000000000000000001000000:C738 "
	    "00000000000000000000000001000000:1F90 01 00000000:00000000 "
	    "00:00000000 00000000  1001        0 4 1\n");
	ck_assert_int_eq(peer_uid_in_table(table, (struct sockaddr *)&cl6,
	    (struct sockaddr *)&srv6), 1001);
	ck_assert_int_eq(peer_uid_in_table("", (struct sockaddr *)&cl6,
	    (struct sockaddr *)&srv6), PEER_UNKNOWN);
}
END_TEST

/* The kernel's ptrace read rule (kernel/ptrace.c __ptrace_may_access). */
START_TEST(who_may_read)
{
	struct procfs_creds c = { { 1000, 1000, 1000, 1000 },
	    { 100, 100, 100, 100 }, 1000 };

	ck_assert(procfs_creds_readable_by(&c, 1000));
	ck_assert(procfs_creds_readable_by(&c, 0));
	ck_assert(!procfs_creds_readable_by(&c, 65534));
	/* a setuid-root exec: euid and saved uid 0 */
	c.uid[1] = c.uid[2] = c.uid[3] = 0;
	ck_assert(!procfs_creds_readable_by(&c, 1000));
	ck_assert(procfs_creds_readable_by(&c, 0));
	/* a setgid exec */
	c = (struct procfs_creds){ { 1000, 1000, 1000, 1000 },
	    { 100, 5, 5, 5 }, 1000 };
	ck_assert(!procfs_creds_readable_by(&c, 1000));
	/* not dumpable: /proc/PID belongs to root */
	c = (struct procfs_creds){ { 1000, 1000, 1000, 1000 },
	    { 100, 100, 100, 100 }, 0 };
	ck_assert(!procfs_creds_readable_by(&c, 1000));
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
	tcase_add_test(t, peer_in_table);
	tcase_add_test(t, who_may_read);
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
