/* SPDX-License-Identifier: MIT */
/*
 * ws-fanout: WebSocket fan-out benchmark for `ptscope serve`.
 *
 * usage: ws-fanout --http URL --ws URL --space ID [-n CLIENTS] [-r RATE]
 *                  [-d SECONDS] [--node LEVEL:VA] [--depth N] [--va BASE]
 *                  [--daemon-pid PID] [--idle SECONDS]
 *
 * One process opens CLIENTS WebSocket connections (libwebsockets, one
 * service thread) and subscribes each to the same space.  Once every client
 * holds its first snapshot, a driver thread posts `map` ops (one 4 KiB page
 * each, at BASE + i * 4 KiB) over plain HTTP at RATE per second for SECONDS,
 * noting the time each request was written.  Each op's response names the
 * generation it made; every client notes when the first message carrying
 * that generation (or a later one) arrives.  The delivery latency of one
 * (client, op) pair is that arrival time minus the op's send time, both
 * from CLOCK_MONOTONIC in this one process.  A delta with exactly the op's
 * generation counts as delivered; a later message covering it counts as
 * coalesced; neither counts as lost.  Coalesced and lost deltas and clients
 * that never got a snapshot are failures (exit status 1).
 *
 * With --daemon-pid, the daemon's CPU time (/proc/PID/stat) is read over
 * the ops (first op sent to the last delta in: per delivered delta) and,
 * with --idle, over SECONDS of subscribed clients and no ops before them.
 *
 * The last line is machine-readable for bench/ws-bench.sh:
 * RESULT clients=N rate=R ops=K p50_ms=… p90_ms=… p99_ms=… max_ms=…
 *        expected=… exact=… coalesced=… lost=… failed_clients=…
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#define PAGE 0x1000u
#define READY_TIMEOUT_NS (30ull * 1000000000ull)
#define GRACE_NS (5ull * 1000000000ull)

enum ev_kind { EV_DELTA, EV_SNAPSHOT };

struct event {
	uint64_t gen;
	uint64_t t_ns;
	enum ev_kind kind;
};

struct conn {
	unsigned idx;
	struct lws *wsi;
	bool sent_sub, failed;
	atomic_bool ready, closed;	/* also read by the driver */
	_Atomic uint64_t last_gen;	/* newest generation received */
	char *rx;
	size_t rxlen, rxcap;
	struct event *ev;
	size_t nev, evcap;
	unsigned errors, resyncs;
};

struct op {
	uint64_t sent_ns, done_ns;
	uint64_t gen;		/* 0: the op failed */
	double first_ms, last_ms;	/* earliest and latest client */
};

struct config {
	char http_host[256], ws_host[256];
	int http_port, ws_port;
	const char *space, *node;
	unsigned clients, rate, duration, depth;
	uint64_t va_base;
	int daemon_pid;		/* --daemon-pid: its CPU per phase, or 0 */
	unsigned idle;		/* --idle: seconds held idle before the ops */
};

static struct config cfg = {
	.node = "pgd:0x0", .clients = 200, .rate = 10, .duration = 30,
	.depth = 1, .va_base = 0x100000000000ull,
};
static struct conn *conns;
static struct op *ops;
static unsigned nops, nops_sent;
static atomic_uint nready, nfailed, nclosed_early;
static atomic_bool stopping;
static struct lws_context *ctx;
static char sub_msg[512];
/* the daemon's CPU (ms) over the idle phase and over the ops phase (first
   op sent to the last delta in), with --daemon-pid */
static uint64_t idle_cpu_ms, idle_ms, ops_cpu_ms;

/* User + system CPU milliseconds of the daemon (--daemon-pid), or 0. */
static uint64_t
daemon_cpu_ms(void)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	if (cfg.daemon_pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", cfg.daemon_pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields 14 and 15 (utime, stime), after the ")" of the comm */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	    &st) != 2)
		return 0;
	return (ut + st) * 1000 / (uint64_t)sysconf(_SC_CLK_TCK);
}

/* Monotonic time in nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleep until the monotonic time t (ns). */
static void
sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000ull),
		.tv_nsec = (long)(t % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* malloc/realloc that exit on failure (a benchmark has no way back). */
static void *
grow(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		fprintf(stderr, "ws-fanout: out of memory\n");
		exit(2);
	}
	return q;
}

/* ---- WebSocket clients (lws service thread) ----------------------------- */

/* A client that will never be ready: count it once. */
static void
conn_fail(struct conn *c, const char *why, const void *in, size_t len)
{
	if (c->failed || atomic_load(&c->ready))
		return;
	c->failed = true;
	atomic_fetch_add(&nfailed, 1);
	if (atomic_load(&nfailed) <= 3)
		fprintf(stderr, "ws-fanout: client %u %s: %.*s\n", c->idx, why,
		    (int)(in ? len : 0), in ? (const char *)in : "");
}

/* Remember one message with a generation that a client received at t. */
static void
conn_record(struct conn *c, uint64_t gen, uint64_t t, enum ev_kind kind)
{
	if (c->nev == c->evcap) {
		c->evcap = c->evcap ? 2 * c->evcap : 64;
		c->ev = grow(c->ev, c->evcap * sizeof *c->ev);
	}
	c->ev[c->nev++] = (struct event){ .gen = gen, .t_ns = t, .kind = kind };
	if (gen > atomic_load(&c->last_gen))
		atomic_store(&c->last_gen, gen);
}

/* Handle one whole text message that arrived at time t. */
static void
conn_message(struct conn *c, const char *text, size_t len, uint64_t t)
{
	cJSON *m = cJSON_ParseWithLength(text, len);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(m, "generation");
	uint64_t gen = cJSON_IsNumber(g) ? (uint64_t)g->valuedouble : 0;

	if (!cJSON_IsString(type)) {
		c->errors++;
	} else if (!strcmp(type->valuestring, "snapshot")) {
		if (!atomic_load(&c->ready)) {
			atomic_store(&c->ready, true);
			atomic_fetch_add(&nready, 1);
		} else {
			c->resyncs++;
			conn_record(c, gen, t, EV_SNAPSHOT);
		}
	} else if (!strcmp(type->valuestring, "delta")) {
		conn_record(c, gen, t, EV_DELTA);
	} else if (strcmp(type->valuestring, "hello") != 0) {
		if (c->errors++ == 0 && atomic_load(&c->ready))
			fprintf(stderr, "ws-fanout: client %u got %.*s\n",
			    c->idx, (int)(len > 300 ? 300 : len), text);
		conn_fail(c, "was refused", text,
		    len > 300 ? 300 : len);
	}
	cJSON_Delete(m);
}

/* Reassemble fragments; hand whole messages to conn_message. */
static void
conn_receive(struct conn *c, struct lws *wsi, const void *in, size_t len)
{
	uint64_t t = now_ns();

	if (c->rxlen + len > c->rxcap) {
		c->rxcap = 2 * (c->rxlen + len);
		c->rx = grow(c->rx, c->rxcap);
	}
	memcpy(c->rx + c->rxlen, in, len);
	c->rxlen += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	conn_message(c, c->rx, c->rxlen, t);
	c->rxlen = 0;
}

/* Send the subscribe message once the connection is writable. */
static int
conn_writeable(struct conn *c, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + sizeof sub_msg];
	size_t n = strlen(sub_msg);

	if (c->sent_sub)
		return 0;
	memcpy(buf + LWS_PRE, sub_msg, n);
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
		return -1;
	c->sent_sub = true;
	return 0;
}

/* The lws callback for every client connection. */
static int
client_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct conn *c = lws_get_opaque_user_data(wsi);

	(void)user;
	if (c == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return conn_writeable(c, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		conn_receive(c, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		conn_fail(c, "could not connect", in, len);
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!atomic_load(&stopping)) {
			atomic_fetch_add(&nclosed_early, 1);
			conn_fail(c, "was closed before its snapshot", NULL, 0);
		}
		atomic_store(&c->closed, true);
		c->wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "ptscope.v1", client_callback, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Start connecting every client; lws finishes the handshakes. */
static void
clients_connect(void)
{
	/* the viewer's own origin, http://HOST:HTTPPORT: the guard refuses
	   any other (server/guard.h); lws writes the "http://" itself */
	static char origin[300];

	snprintf(origin, sizeof origin, "%s:%d", cfg.http_host,
	    cfg.http_port);
	for (unsigned i = 0; i < cfg.clients; i++) {
		struct lws_client_connect_info ci;

		conns[i].idx = i;
		memset(&ci, 0, sizeof ci);
		ci.context = ctx;
		ci.address = cfg.ws_host;
		ci.port = cfg.ws_port;
		ci.path = "/";
		ci.host = cfg.ws_host;
		ci.origin = origin;
		ci.protocol = "ptscope.v1";
		ci.opaque_user_data = &conns[i];
		ci.pwsi = &conns[i].wsi;
		if (lws_client_connect_via_info(&ci) == NULL)
			conn_fail(&conns[i], "could not start connecting",
			    NULL, 0);
	}
}

/* ---- the driver: map ops over HTTP -------------------------------------- */

/* A connected TCP socket to host:port, or -1. */
static int
tcp_connect(const char *host, int port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *a;
	struct timeval tv = { .tv_sec = 10 };
	char serv[16];
	int fd = -1;

	snprintf(serv, sizeof serv, "%d", port);
	if (getaddrinfo(host, serv, &hints, &res) != 0)
		return -1;
	for (a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Write all of buf. */
static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* The generation in a 200 response to an op, or 0. */
static uint64_t
response_generation(const char *resp)
{
	const char *p;

	if (strncmp(resp, "HTTP/1.1 200", 12) != 0 &&
	    strncmp(resp, "HTTP/1.0 200", 12) != 0)
		return 0;
	if ((p = strstr(resp, "\"generation\":")) == NULL)
		return 0;
	return strtoull(p + 13, NULL, 10);
}

/* POST one map op for the page at va; fill op with times and generation. */
static void
post_map(uint64_t va, struct op *op)
{
	char body[256], req[1024], resp[4096];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(body, sizeof body, "{\"op\":\"map\",\"va\":\"0x%" PRIx64
	    "\",\"size\":\"0x%x\",\"prot\":\"rw\",\"page_size\":\"4k\"}",
	    va, PAGE);
	snprintf(req, sizeof req, "POST /api/v1/spaces/%s/ops HTTP/1.1\r\n"
	    "Host: %s:%d\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", cfg.space,
	    cfg.http_host, cfg.http_port, strlen(body), body);
	op->gen = 0;
	op->sent_ns = now_ns();
	if ((fd = tcp_connect(cfg.http_host, cfg.http_port)) < 0)
		return;
	if (write_all(fd, req, strlen(req)))
		while (got < sizeof resp - 1 &&
		    (n = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
			got += (size_t)n;
	op->done_ns = now_ns();
	close(fd);
	resp[got] = '\0';
	op->gen = response_generation(resp);
	if (op->gen == 0)
		fprintf(stderr, "ws-fanout: op at 0x%" PRIx64 " failed: %.200s\n",
		    va, resp);
}

/* True when every connected client has seen the newest op's generation. */
static bool
all_caught_up(void)
{
	uint64_t last = 0;

	for (unsigned i = 0; i < nops_sent; i++)
		if (ops[i].gen > last)
			last = ops[i].gen;
	for (unsigned i = 0; i < cfg.clients; i++) {
		struct conn *c = &conns[i];

		if (!atomic_load(&c->ready) || atomic_load(&c->closed))
			continue;
		if (atomic_load(&c->last_gen) < last)
			return false;
	}
	return true;
}

/* Wait for the snapshots, post the ops on schedule, then let deltas land. */
static void *
driver_main(void *arg)
{
	uint64_t t0 = now_ns(), step = 1000000000ull / cfg.rate;

	(void)arg;
	while (atomic_load(&nready) + atomic_load(&nfailed) < cfg.clients &&
	    now_ns() - t0 < READY_TIMEOUT_NS)
		usleep(10000);
	usleep(200000);		/* let the server settle after snapshots */
	if (cfg.idle) {
		uint64_t c0 = daemon_cpu_ms();

		t0 = now_ns();
		sleep_until(t0 + cfg.idle * 1000000000ull);
		idle_cpu_ms = daemon_cpu_ms() - c0;
		idle_ms = (now_ns() - t0) / 1000000;
	}
	ops_cpu_ms = daemon_cpu_ms();
	t0 = now_ns();
	for (unsigned i = 0; i < nops && atomic_load(&nready); i++) {
		sleep_until(t0 + i * step);
		ops[i].first_ms = -1;
		post_map(cfg.va_base + (uint64_t)i * PAGE, &ops[i]);
		nops_sent = i + 1;
	}
	t0 = now_ns();
	while (now_ns() - t0 < GRACE_NS && !all_caught_up())
		usleep(2000);
	ops_cpu_ms = daemon_cpu_ms() - ops_cpu_ms;
	usleep(100000);
	atomic_store(&stopping, true);
	lws_cancel_service(ctx);
	return NULL;
}

/* ---- results -------------------------------------------------------------- */

struct results {
	double *lat_ms;
	size_t nlat;
	uint64_t expected, exact, coalesced, lost;
	uint64_t min_exact, max_exact;
};

/* Compare two doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile p (0..100) of sorted v[0..n). */
static double
percentile(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	return v[k ? k - 1 : 0];
}

/* Widen an op's earliest/latest delivery with one client's latency. */
static void
op_note(struct op *op, double ms)
{
	if (op->first_ms < 0 || ms < op->first_ms)
		op->first_ms = ms;
	if (ms > op->last_ms)
		op->last_ms = ms;
}

/* Print p50/p99 over ops of the first and the last client's latency. */
static void
report_spread(void)
{
	double *first = grow(NULL, (nops_sent + 1) * sizeof *first);
	double *last = grow(NULL, (nops_sent + 1) * sizeof *last);
	size_t n = 0;

	for (unsigned i = 0; i < nops_sent; i++)
		if (ops[i].gen && ops[i].first_ms >= 0) {
			first[n] = ops[i].first_ms;
			last[n++] = ops[i].last_ms;
		}
	qsort(first, n, sizeof *first, cmp_double);
	qsort(last, n, sizeof *last, cmp_double);
	printf("  per op, first client: p50 %.3f ms, p99 %.3f ms; last client:"
	    " p50 %.3f ms, p99 %.3f ms\n", percentile(first, n, 50),
	    percentile(first, n, 99), percentile(last, n, 50),
	    percentile(last, n, 99));
	free(first);
	free(last);
}

/* Score one client against every op. */
static void
score_client(const struct conn *c, struct results *r)
{
	uint64_t exact = 0;

	for (unsigned i = 0; i < nops_sent; i++) {
		const struct op *op = &ops[i];
		const struct event *first = NULL;
		bool hit = false;

		if (op->gen == 0)
			continue;
		r->expected++;
		for (size_t k = 0; k < c->nev; k++) {
			if (c->ev[k].gen >= op->gen && first == NULL)
				first = &c->ev[k];
			if (c->ev[k].gen == op->gen &&
			    c->ev[k].kind == EV_DELTA)
				hit = true;
		}
		if (first)
			op_note(&ops[i], r->lat_ms[r->nlat++] =
			    (double)(first->t_ns - op->sent_ns) / 1e6);
		if (hit)
			exact++;
		else if (first)
			r->coalesced++;
		else
			r->lost++;
	}
	r->exact += exact;
	if (exact < r->min_exact)
		r->min_exact = exact;
	if (exact > r->max_exact)
		r->max_exact = exact;
}

/* Print the report and the RESULT line; return the exit status. */
static int
report(uint64_t run_ns)
{
	struct results r = { .min_exact = UINT64_MAX };
	double *rtt = grow(NULL, (nops_sent + 1) * sizeof *rtt);
	size_t nrtt = 0;
	unsigned resyncs = 0, errors = 0, nok = 0;

	r.lat_ms = grow(NULL, ((size_t)cfg.clients * nops_sent + 1) *
	    sizeof *r.lat_ms);
	for (unsigned i = 0; i < nops_sent; i++)
		if (ops[i].gen) {
			rtt[nrtt++] = (double)(ops[i].done_ns -
			    ops[i].sent_ns) / 1e6;
			nok++;
		}
	for (unsigned i = 0; i < cfg.clients; i++) {
		score_client(&conns[i], &r);
		resyncs += conns[i].resyncs;
		errors += conns[i].errors;
	}
	if (r.min_exact == UINT64_MAX)
		r.min_exact = 0;
	qsort(rtt, nrtt, sizeof *rtt, cmp_double);
	qsort(r.lat_ms, r.nlat, sizeof *r.lat_ms, cmp_double);
	printf("ws-fanout: %u clients on %s (node %s, depth %u), %u map ops "
	    "at %u/s (%u ok, achieved %.2f/s)\n", cfg.clients, cfg.space,
	    cfg.node, cfg.depth, nops_sent, cfg.rate, nok,
	    run_ns ? nops_sent / ((double)run_ns / 1e9) : 0.0);
	printf("  op round trip (connect, POST, response): p50 %.3f ms, "
	    "p99 %.3f ms\n", percentile(rtt, nrtt, 50), percentile(rtt, nrtt,
	    99));
	printf("  delivery latency (POST written -> message with that "
	    "generation received), %zu samples:\n    p50 %.3f ms, p90 %.3f ms,"
	    " p99 %.3f ms, max %.3f ms\n", r.nlat, percentile(r.lat_ms, r.nlat,
	    50), percentile(r.lat_ms, r.nlat, 90), percentile(r.lat_ms, r.nlat,
	    99), r.nlat ? r.lat_ms[r.nlat - 1] : 0.0);
	report_spread();
	printf("  deltas: expected %" PRIu64 ", exact %" PRIu64 ", coalesced %"
	    PRIu64 ", lost %" PRIu64 "; exact per client %" PRIu64 "..%" PRIu64
	    " of %u\n", r.expected, r.exact, r.coalesced, r.lost, r.min_exact,
	    r.max_exact, nok);
	printf("  clients: %u ready, %u failed, %u closed early, %u resync "
	    "snapshots, %u unexpected messages\n", atomic_load(&nready),
	    atomic_load(&nfailed), atomic_load(&nclosed_early), resyncs,
	    errors);
	if (cfg.daemon_pid > 0)
		printf("  daemon CPU: %" PRIu64 " ms over the ops (%.2f us per "
		    "delta delivered); idle %" PRIu64 " ms over %" PRIu64
		    " ms (%.2f %% of a CPU)\n", ops_cpu_ms, r.exact ?
		    (double)ops_cpu_ms * 1000 / (double)r.exact : 0.0,
		    idle_cpu_ms, idle_ms, idle_ms ? 100.0 *
		    (double)idle_cpu_ms / (double)idle_ms : 0.0);
	printf("RESULT clients=%u rate=%u ops=%u p50_ms=%.3f p90_ms=%.3f "
	    "p99_ms=%.3f max_ms=%.3f expected=%" PRIu64 " exact=%" PRIu64
	    " coalesced=%" PRIu64 " lost=%" PRIu64 " failed_clients=%u"
	    " ops_cpu_ms=%" PRIu64 " idle_cpu_ms=%" PRIu64 " idle_ms=%" PRIu64
	    "\n",
	    cfg.clients, cfg.rate, nops_sent, percentile(r.lat_ms, r.nlat, 50),
	    percentile(r.lat_ms, r.nlat, 90), percentile(r.lat_ms, r.nlat, 99),
	    r.nlat ? r.lat_ms[r.nlat - 1] : 0.0, r.expected, r.exact,
	    r.coalesced, r.lost, atomic_load(&nfailed), ops_cpu_ms,
	    idle_cpu_ms, idle_ms);
	free(rtt);
	free(r.lat_ms);
	return (r.coalesced || r.lost || atomic_load(&nfailed) ||
	    nok < nops_sent) ? 1 : 0;
}

/* ---- options and main ---------------------------------------------------- */

/* Split "scheme://host:port/..." into host and port; false if malformed. */
static bool
parse_url(const char *url, char *host, size_t hostlen, int *port)
{
	const char *p = strstr(url, "://"), *colon, *end;
	char *e;
	long v;

	if (p == NULL)
		return false;
	p += 3;
	if (*p == '[') {
		end = strchr(++p, ']');
		colon = end && end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strchr(p, ':');
		end = colon;
	}
	if (colon == NULL || (size_t)(end - p) >= hostlen || end == p)
		return false;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	v = strtol(colon + 1, &e, 10);
	if (v <= 0 || v > 65535 || (*e != '/' && *e != '\0'))
		return false;
	*port = (int)v;
	return true;
}

/* Parse a positive count option; exit 2 on bad input. */
static unsigned
parse_count(const char *name, const char *s, unsigned max)
{
	char *e;
	unsigned long v = strtoul(s, &e, 10);

	if (*s == '\0' || *e != '\0' || v == 0 || v > max) {
		fprintf(stderr, "ws-fanout: %s must be a number from 1 to %u\n",
		    name, max);
		exit(2);
	}
	return (unsigned)v;
}

/* Print usage and exit with status. */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: ws-fanout --http URL --ws URL --space ID [-n CLIENTS] "
	    "[-r RATE] [-d SECONDS]\n"
	    "                 [--node LEVEL:VA] [--depth N] [--va BASE]\n"
	    "                 [--daemon-pid PID] [--idle SECONDS]\n"
	    "defaults: 200 clients, 10 ops/s, 30 s, node pgd:0x0, depth 1, "
	    "va 0x100000000000\n");
	exit(status);
}

/* Fill cfg from the command line; exit 2 on bad input. */
static void
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "http", required_argument, NULL, 'H' },
		{ "ws", required_argument, NULL, 'W' },
		{ "space", required_argument, NULL, 's' },
		{ "clients", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "node", required_argument, NULL, 'N' },
		{ "depth", required_argument, NULL, 'D' },
		{ "va", required_argument, NULL, 'V' },
		{ "daemon-pid", required_argument, NULL, 'P' },
		{ "idle", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool http = false, ws = false;
	char *e;
	int ch;

	while ((ch = getopt_long(argc, argv, "n:r:d:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'H':
			http = parse_url(optarg, cfg.http_host,
			    sizeof cfg.http_host, &cfg.http_port);
			if (!http)
				usage(2);
			break;
		case 'W':
			ws = parse_url(optarg, cfg.ws_host, sizeof cfg.ws_host,
			    &cfg.ws_port);
			if (!ws)
				usage(2);
			break;
		case 's': cfg.space = optarg; break;
		case 'n': cfg.clients = parse_count("-n", optarg, 5000); break;
		case 'r': cfg.rate = parse_count("-r", optarg, 1000); break;
		case 'd': cfg.duration = parse_count("-d", optarg, 3600); break;
		case 'N': cfg.node = optarg; break;
		case 'D': cfg.depth = parse_count("--depth", optarg, 8); break;
		case 'V':
			cfg.va_base = strtoull(optarg, &e, 0);
			if (*optarg == '\0' || *e != '\0' ||
			    cfg.va_base % PAGE)
				usage(2);
			break;
		case 'P':
			cfg.daemon_pid = (int)parse_count("--daemon-pid",
			    optarg, 1u << 22);
			break;
		case 'I': cfg.idle = parse_count("--idle", optarg, 3600); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!http || !ws || cfg.space == NULL || optind != argc ||
	    strlen(cfg.space) > 64 || strlen(cfg.node) > 64)
		usage(2);
}

/* Connect the clients, run the driver, service lws until done, report. */
int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	pthread_t driver;
	uint64_t t0;
	int status;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	snprintf(sub_msg, sizeof sub_msg, "{\"type\":\"subscribe\",\"space\":"
	    "\"%s\",\"node\":\"%s\",\"depth\":%u}", cfg.space, cfg.node,
	    cfg.depth);
	nops = cfg.rate * cfg.duration;
	conns = grow(NULL, cfg.clients * sizeof *conns);
	memset(conns, 0, cfg.clients * sizeof *conns);
	ops = grow(NULL, nops * sizeof *ops);
	memset(ops, 0, nops * sizeof *ops);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	if ((ctx = lws_create_context(&info)) == NULL) {
		fprintf(stderr, "ws-fanout: cannot create the lws context\n");
		return 2;
	}
	clients_connect();
	t0 = now_ns();
	pthread_create(&driver, NULL, driver_main, NULL);
	while (!atomic_load(&stopping))
		lws_service(ctx, 0);
	pthread_join(driver, NULL);
	t0 = now_ns() - t0;
	lws_context_destroy(ctx);
	if (atomic_load(&nready) == 0)
		fprintf(stderr, "ws-fanout: no client got a snapshot; no ops "
		    "were sent\n");
	status = report(nops_sent && ops[0].sent_ns ?
	    ops[nops_sent - 1].sent_ns - ops[0].sent_ns +
	    1000000000ull / cfg.rate : t0);
	for (unsigned i = 0; i < cfg.clients; i++) {
		free(conns[i].rx);
		free(conns[i].ev);
	}
	free(conns);
	free(ops);
	return status;
}
