/* SPDX-License-Identifier: MIT */
/* check_hard.c: unit tests for the hardening fixes: empty file reads,
   what counts as loopback, token comparison, WebSocket message checks. */
#include "config.h"

#include <check.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "procfs-maps.h"
#include "registry.h"
#include "daemon.h"
#include "sim.h"
#include "strbuf.h"
#include "ws-msg.h"

/* Regression: an empty file (maps of an exiting process) read into a
   fresh strbuf gave an unterminated buffer; parsing it ran off the end. */
START_TEST(read_empty_file_is_terminated)
{
	char path[] = "/tmp/ptscope-check-hard-XXXXXX";
	struct strbuf sb = STRBUF_INIT;
	struct procfs_vmas v = { 0, 0, NULL };
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	mallopt(M_PERTURB, 0x5a);	/* fresh memory is never 0 bytes */
	ck_assert_int_eq(strbuf_read_file(&sb, path, 0, NULL), 0);
	mallopt(M_PERTURB, 0);
	unlink(path);
	ck_assert_ptr_nonnull(sb.buf);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_int_eq(sb.buf[0], '\0');
	ck_assert_int_eq(procfs_maps_parse(sb.buf, &v, NULL), 0);
	ck_assert_uint_eq(v.n, 0);
	strbuf_release(&sb);
}
END_TEST

/* Only literal loopback addresses and "localhost" are loopback. */
START_TEST(loopback_hosts)
{
	static const char *const yes[] = { "127.0.0.1", "127.0.0.2",
	    "127.255.255.254", "::1", "localhost", "::ffff:127.0.0.1" };
	static const char *const no[] = { "0.0.0.0", "::", "10.0.0.1",
	    "127.0.0.1.example.com", "127.evil", "128.0.0.1", "1.127.0.0",
	    "::2", "::ffff:10.0.0.1", "localhost.example.com", "",
	    "127.0.0.1 " };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		ck_assert_msg(options_host_is_loopback(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!options_host_is_loopback(no[i]), "%s", no[i]);
}
END_TEST

/* The token must match exactly; an unset token matches nothing. */
START_TEST(token_compare)
{
	static struct server srv;

	ck_assert(!server_token_ok(&srv, ""));
	ck_assert(!server_token_ok(&srv, "x"));
	snprintf(srv.token, sizeof srv.token, "abc123");
	ck_assert(server_token_ok(&srv, "abc123"));
	ck_assert(!server_token_ok(&srv, NULL));
	ck_assert(!server_token_ok(&srv, ""));
	ck_assert(!server_token_ok(&srv, "abc12"));
	ck_assert(!server_token_ok(&srv, "abc1234"));
	ck_assert(!server_token_ok(&srv, "ABC123"));
	ck_assert(!server_token_ok(&srv, "abc123\n"));
	ck_assert(!server_token_ok(&srv, "bbc123"));
}
END_TEST

static struct server wsrv;

/* A server state with one x86_64 sim space, "sim-1". */
static void
ws_setup(void)
{
	struct space *s;
	struct entry *e;

	options_defaults(&wsrv.opt);
	registry_init(&wsrv.reg, 4);
	ck_assert_int_eq(sim_space_new("x86_64-4l", "empty", 16, &s, NULL), 0);
	ck_assert_int_eq(registry_add(&wsrv.reg, s, "sim", 0, &e, NULL), 0);
	ck_assert_str_eq(e->id, "sim-1");
	registry_put(&wsrv.reg, e);
}

/* Parse msg; returns the result and leaves the error id in id. */
static int
ws_parse(const char *msg, struct ws_req *rq, char *id)
{
	struct pts_err err = { 0 };
	int r = ws_msg_parse(&wsrv, msg, strlen(msg), rq, &err);

	strcpy(id, r < 0 ? err.id : "");
	return r;
}

/* Subscriptions: checked fields, empty ids refused (fuzz-wsmsg found a
   NUL-led id accepted as ""). */
START_TEST(ws_messages)
{
	struct ws_req rq;
	char id[64];

	ws_setup();
	ck_assert_int_eq(ws_parse("{\"type\":\"ping\"}", &rq, id), 0);
	ck_assert_int_eq(rq.type, WS_REQ_PING);
	ck_assert_int_eq(ws_parse("{\"type\":\"subscribe\",\"space\":\"sim-1\","
	    "\"node\":\"pmd:0x40000000\",\"depth\":2,\"interval_ms\":5}", &rq,
	    id), 0);
	ck_assert_int_eq(rq.type, WS_REQ_SUBSCRIBE);
	ck_assert_int_eq(rq.level, PT_PMD);
	ck_assert_uint_eq(rq.va, 0x40000000);
	ck_assert_uint_eq(rq.depth, 2);
	ck_assert_uint_eq(rq.interval_ms, 100);	/* raised to the minimum */
	ck_assert_int_lt(ws_parse("{\"type\":\"subscribe\",\"space\":\"\"}",
	    &rq, id), 0);
	ck_assert_str_eq(id, "bad_subscribe");
	ck_assert_int_lt(ws_parse("{\"type\":\"unsubscribe\",\"space\":"
	    "\"\\u0000sim-1\"}", &rq, id), 0);
	ck_assert_str_eq(id, "bad_unsubscribe");
	ck_assert_int_lt(ws_parse("{\"type\":\"subscribe\",\"space\":\"nope\"}",
	    &rq, id), 0);
	ck_assert_str_eq(id, "no_such_space");
	ck_assert_int_lt(ws_parse("{\"type\":\"subscribe\",\"space\":\"sim-1\","
	    "\"node\":\"p4d:0x0\"}", &rq, id), 0);
	ck_assert_str_eq(id, "bad_level");	/* p4d is folded on 4-level */
	ck_assert_int_lt(ws_parse("{\"type\":\"subscribe\",\"space\":\"zones\","
	    "\"interval_ms\":3600001}", &rq, id), 0);
	ck_assert_str_eq(id, "bad_interval");
	ck_assert_int_lt(ws_parse("[1]", &rq, id), 0);
	ck_assert_int_lt(ws_parse("{\"type\":\"nope\"}", &rq, id), 0);
	ck_assert_str_eq(id, "unknown_type");
	registry_release(&wsrv.reg);
}
END_TEST

/* The suite: one test case per fix. */
static Suite *
hard_suite(void)
{
	Suite *s = suite_create("hard");
	TCase *t = tcase_create("hard");

	tcase_add_test(t, read_empty_file_is_terminated);
	tcase_add_test(t, loopback_hosts);
	tcase_add_test(t, token_compare);
	tcase_add_test(t, ws_messages);
	suite_add_tcase(s, t);
	return s;
}

/* Run the suite; exit status for make check. */
int
main(void)
{
	SRunner *sr = srunner_create(hard_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
