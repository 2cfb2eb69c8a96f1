/* SPDX-License-Identifier: MIT */
/* server.c: `ptscope serve`: set-up, the two servers, signals, shutdown. */
#include "config.h"
#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "net.h"
#include "procfs-space.h"
#include "recording.h"
#include "strbuf.h"
#include "zones-proc.h"

/* The web root: --web-root, the installed one, or next to the binary. */
static void
find_web_root(struct options *o)
{
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	if (o->web_root[0])
		return;
	snprintf(o->web_root, sizeof o->web_root, "%s", PTS_WEB_ROOT);
	if (access(PTS_WEB_ROOT "/index.html", R_OK) == 0)
		return;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(cand, sizeof cand, "%s/web/index.html", exe);
	if (strlen(exe) + 5 < sizeof o->web_root && access(cand, R_OK) == 0) {
		memcpy(o->web_root, exe, strlen(exe));
		memcpy(o->web_root + strlen(exe), "/web", 5);
	}
}

/* Warn when others may read the token file (the token is the only lock). */
static void
warn_token_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077))
		log_warn("the token file %s can be read by other users (mode "
		    "%03o): chmod 600 it", path, (unsigned)(st.st_mode & 0777));
}

/* Read the token; refuse non-loopback binds without one. */
static int
setup_auth(struct server *srv, struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	bool exposed = !options_host_is_loopback(srv->opt.http_host) ||
	    !options_host_is_loopback(srv->opt.ws_host);
	char *t, *e;

	if (srv->opt.token_file[0] == '\0') {
		if (exposed && !srv->opt.insecure_no_auth)
			return pts_errf(err, PTS_EPERM, "needs_token",
			    "refusing to listen on a non-loopback address "
			    "without --token-file FILE (or say "
			    "--insecure-no-auth)");
		return 0;
	}
	if (strbuf_read_file(&sb, srv->opt.token_file, 4096, err) < 0)
		return PTS_EINVAL;
	for (t = sb.buf; isspace((unsigned char)*t); t++)
		;
	for (e = t + strlen(t); e > t && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	if (*t == '\0' || strlen(t) >= sizeof srv->token) {
		strbuf_release(&sb);
		return pts_errf(err, PTS_EINVAL, "bad_token",
		    "the token file %s must hold one token of 1..255 "
		    "characters", srv->opt.token_file);
	}
	snprintf(srv->token, sizeof srv->token, "%s", t);
	srv->auth = true;
	warn_token_mode(srv->opt.token_file);
	strbuf_release(&sb);
	return 0;
}

/* Offer the kernel's own tables when debugfs has them. */
static void
setup_kernel_spaces(struct server *srv)
{
	srv->nptdump = ptdump_debugfs_probe(srv->ptdump, SERVER_MAX_PTDUMP,
	    srv->ptdump_why, sizeof srv->ptdump_why);
	for (int i = 0; i < srv->nptdump; i++) {
		struct space *s;
		struct entry *e;
		struct pts_err err;

		if (ptdump_debugfs_space(&srv->ptdump[i], &s, &err) < 0 ||
		    registry_add(&srv->reg, s, srv->ptdump[i].id, 0, &e,
		    &err) < 0) {
			log_warn("kernel tables %s: %s", srv->ptdump[i].path,
			    err.msg);
			continue;
		}
		registry_put(&srv->reg, e);
	}
}

/* --pid N: attach at start; a failure is fatal (the user asked for it). */
static int
setup_pids(struct server *srv, struct pts_err *err)
{
	for (int i = 0; i < srv->opt.npids; i++) {
		struct space *s;
		struct entry *e;
		char id[40];

		if (procfs_space_new_checked(srv->opt.proc_root,
		    srv->opt.pids[i], server_attach_allowed, srv, &s, err) < 0)
			return PTS_EINVAL;
		snprintf(id, sizeof id, "pid-%d", srv->opt.pids[i]);
		if (registry_add(&srv->reg, s, id, srv->opt.pids[i], &e,
		    err) < 0)
			return PTS_EINVAL;
		registry_put(&srv->reg, e);
	}
	return 0;
}

/* --open FILE: serve recordings; a failure is fatal (the user asked). */
static int
setup_recordings(struct server *srv, struct pts_err *err)
{
	for (int i = 0; i < srv->opt.nopen; i++) {
		struct space *s;
		struct entry *e;

		if (recording_open(srv->opt.open[i], &s, err) < 0 ||
		    registry_add(&srv->reg, s, "rec", 0, &e, err) < 0)
			return PTS_EINVAL;
		registry_put(&srv->reg, e);
	}
	return 0;
}

/*
 * PTSCOPE_STREAM_BYTES: answers longer than this many bytes are streamed
 * (0: every one); "off" builds every answer whole, as before streaming
 * existed (tests compare both; docs/performance.md).
 */
static void
setup_streaming(struct server *srv)
{
	const char *v = getenv("PTSCOPE_STREAM_BYTES");
	char *end;
	unsigned long long n;

	srv->stream_bytes = STREAM_BYTES_DEFAULT;
	if (v == NULL || *v == '\0')
		return;
	if (strcmp(v, "off") == 0) {
		srv->stream_bytes = STREAM_OFF;
		return;
	}
	n = strtoull(v, &end, 10);
	if (*end == '\0' && n < STREAM_OFF)
		srv->stream_bytes = (size_t)n;
	else
		log_warn("PTSCOPE_STREAM_BYTES=%s is not a number or \"off\": "
		    "ignored", v);
}

static int
setup(struct server *srv, struct pts_err *err)
{
	find_web_root(&srv->opt);
	log_set_verbosity(srv->opt.verbosity);
	if (setup_auth(srv, err) < 0)
		return PTS_EINVAL;
	if (log_access_open(srv->opt.access_log) < 0)
		return pts_errf(err, PTS_EIO, "access_log",
		    "cannot open the access log %s: %s", srv->opt.access_log,
		    strerror(errno));
	registry_init(&srv->reg, srv->opt.max_spaces);
	srv->reg.hist_gens = srv->opt.history;
	srv->reg.hist_bytes = srv->opt.history_bytes;
	metrics_init(&srv->metrics);
	render_cache_init(&srv->render, RENDER_CACHE_BYTES);
	setup_streaming(srv);
	procfs_probe(srv->opt.proc_root, &srv->caps);
	srv->host_arch = procfs_host_arch();
	setup_kernel_spaces(srv);
	if (setup_recordings(srv, err) < 0)
		return PTS_EINVAL;
	/* the ring keeps free blocks per order: buddyinfo alone (reading
	   pagetypeinfo every few seconds would hold each zone's lock with
	   interrupts off while it counts the free lists) */
	if (zones_ring_start(&srv->zring, srv->opt.proc_root,
	    zones_read_buddyinfo, srv->opt.zones_history,
	    srv->opt.zones_interval_ms, err) < 0)
		return PTS_EIO;
	return setup_pids(srv, err);
}

static void
teardown(struct server *srv)
{
	const struct net_ops *net = net_ops();

	if (net) {
		net->http_stop(srv->http);  /* requests call net_ws_notify */
		net->ws_stop(srv->ws);
	}
	zones_ring_stop(&srv->zring);
	registry_release(&srv->reg);
	metrics_release(&srv->metrics);
	render_cache_release(&srv->render);
	log_access_close();
}

/* Block the stop signals in every thread; main waits for them. */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Wait for SIGINT or SIGTERM.  Every few seconds meanwhile, hand memory
 * that big answers freed back to the kernel: glibc keeps it in per-thread
 * arenas otherwise, and RSS would stay at the largest answer's peak.
 */
static void
wait_for_stop(const sigset_t *set, int *sig)
{
	const struct timespec tick = { .tv_sec = 5, .tv_nsec = 0 };

	*sig = 0;
	while (*sig != SIGINT && *sig != SIGTERM) {
		*sig = sigtimedwait(set, NULL, &tick);
		if (*sig < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (*sig < 0)
			malloc_trim(0);
	}
}

int
server_main(int argc, char **argv)
{
	static struct server srv;
	struct pts_err err = { 0 };
	sigset_t set;
	int sig = 0, r;

	options_defaults(&srv.opt);
	if ((r = options_parse(&srv.opt, argc, argv, &err)) != 0) {
		if (r == OPTIONS_HELP || r == OPTIONS_HELP_MAN) {
			(r == OPTIONS_HELP ? options_help : options_man)(stdout);
			return 0;
		}
		fprintf(stderr, "ptscope: %s\nusage: ptscope serve [OPTIONS] "
		    "(ptscope serve --help lists them)\n", err.msg);
		return 2;
	}
	block_signals(&set);
	/*
	 * WebSocket first: HTTP requests read srv.ws and srv.ws_url, so both
	 * are written before the first HTTP thread exists.
	 */
	if (net_load(&err) < 0 || setup(&srv, &err) < 0 ||
	    net_ops()->ws_start(&srv, &srv.ws, &err) < 0 ||
	    net_ops()->http_start(&srv, &srv.http, &err) < 0) {
		log_error("%s", err.msg);
		teardown(&srv);
		return err.code == PTS_EPERM ? 2 : 1;
	}
	/* the log line first: whoever read the URLs may read the log next */
	log_info("serving %s (web root %s), WebSocket %s", srv.http_url,
	    srv.opt.web_root, srv.ws_url);
	printf("http: %s\nws: %s\n", srv.http_url, srv.ws_url);
	fflush(stdout);
	wait_for_stop(&set, &sig);
	log_info("stopping on signal %d", sig);
	teardown(&srv);
	return 0;
}
