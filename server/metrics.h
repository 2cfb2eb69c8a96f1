/* SPDX-License-Identifier: MIT */
/* metrics.h: counters for /metrics (Prometheus text format). */
#ifndef PTS_METRICS_H
#define PTS_METRICS_H

#include <pthread.h>
#include <stdint.h>

#include "strbuf.h"

#define METRICS_MAX_ROUTES 32

/* Upper bounds (seconds) of the request duration histogram's buckets. */
#define METRICS_NBUCKETS 12
extern const double metrics_buckets[METRICS_NBUCKETS];

struct metrics_route {
	const char *name;		/* static route pattern */
	uint64_t le[METRICS_NBUCKETS];	/* requests done within bucket k
					   (not cumulative) */
	uint64_t done;			/* requests completed */
	double seconds;			/* their total duration */
	uint64_t by_status[6];		/* 1xx..5xx, index status/100 */
	uint64_t statuses[8][2];	/* exact statuses seen: {code, count} */
};

struct metrics {
	pthread_mutex_t lock;
	unsigned nroutes;
	struct metrics_route routes[METRICS_MAX_ROUTES];
	uint64_t ws_clients;		/* gauge */
	uint64_t ws_messages_sent;
	uint64_t ws_messages_dropped;	/* backlog dropped for backpressure */
	uint64_t ws_snapshots_resent;
	uint64_t ws_bad_messages;
};

void metrics_init(struct metrics *);
void metrics_release(struct metrics *);
void metrics_http(struct metrics *, const char *route, int status);
/* A request on route completed (its response sent or given up) after
   seconds. */
void metrics_http_done(struct metrics *, const char *route, double seconds);
/* A Prometheus label value with \\, " and newline escaped. */
void metrics_label_value(struct strbuf *, const char *v);
void metrics_ws_add(struct metrics *, int64_t clients, uint64_t sent,
    uint64_t dropped, uint64_t resent, uint64_t bad);

/* The # HELP and # TYPE lines of a metric. */
void metrics_help(struct strbuf *, const char *name, const char *type,
    const char *text);

/* The HTTP and WebSocket counters in the Prometheus text format (the
   whole page is api-metrics.c). */
void metrics_render_counters(struct metrics *, struct strbuf *out);

#endif
