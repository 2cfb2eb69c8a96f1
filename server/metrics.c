/* SPDX-License-Identifier: MIT */
/* metrics.c: counters and the Prometheus text page at /metrics. */
#include "config.h"
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const double metrics_buckets[METRICS_NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5
};

void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof *m);
	pthread_mutex_init(&m->lock, NULL);
}

void
metrics_release(struct metrics *m)
{
	pthread_mutex_destroy(&m->lock);
}

/* The counters of route, added when new; NULL when the table is full.
   With the lock held. */
static struct metrics_route *
route_of(struct metrics *m, const char *route)
{
	struct metrics_route *r;

	for (unsigned i = 0; i < m->nroutes; i++)
		if (strcmp(m->routes[i].name, route) == 0)
			return &m->routes[i];
	if (m->nroutes >= METRICS_MAX_ROUTES)
		return NULL;
	r = &m->routes[m->nroutes++];
	r->name = route;
	return r;
}

void
metrics_http_done(struct metrics *m, const char *route, double seconds)
{
	struct metrics_route *r;
	unsigned k = 0;

	while (k < METRICS_NBUCKETS && seconds > metrics_buckets[k])
		k++;
	pthread_mutex_lock(&m->lock);
	if ((r = route_of(m, route)) != NULL) {
		if (k < METRICS_NBUCKETS)
			r->le[k]++;
		r->done++;
		r->seconds += seconds;
	}
	pthread_mutex_unlock(&m->lock);
}

void
metrics_label_value(struct strbuf *sb, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			strbuf_addf(sb, "\\%c", *v);
		else if (*v == '\n')
			strbuf_adds(sb, "\\n");
		else
			strbuf_addc(sb, *v);
	}
}

/* Count one request; route is a static string (pattern or "static"). */
void
metrics_http(struct metrics *m, const char *route, int status)
{
	struct metrics_route *r;
	unsigned i;

	pthread_mutex_lock(&m->lock);
	if ((r = route_of(m, route)) != NULL) {
		for (i = 0; i < 8; i++)
			if (r->statuses[i][0] == (uint64_t)status ||
			    r->statuses[i][0] == 0) {
				r->statuses[i][0] = (uint64_t)status;
				r->statuses[i][1]++;
				break;
			}
		if (status >= 100 && status < 600)
			r->by_status[status / 100]++;
	}
	pthread_mutex_unlock(&m->lock);
}

void
metrics_ws_add(struct metrics *m, int64_t clients, uint64_t sent,
    uint64_t dropped, uint64_t resent, uint64_t bad)
{
	pthread_mutex_lock(&m->lock);
	m->ws_clients = (uint64_t)((int64_t)m->ws_clients + clients);
	m->ws_messages_sent += sent;
	m->ws_messages_dropped += dropped;
	m->ws_snapshots_resent += resent;
	m->ws_bad_messages += bad;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_help(struct strbuf *sb, const char *name, const char *type,
    const char *text)
{
	strbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, text, name,
	    type);
}

static void
render_http(struct metrics *m, struct strbuf *sb)
{
	metrics_help(sb, "ptscope_http_requests_total", "counter",
	    "HTTP requests answered, by route and status.");
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->nroutes; i++)
		for (unsigned k = 0; k < 8 && m->routes[i].statuses[k][0]; k++)
			strbuf_addf(sb, "ptscope_http_requests_total{route=\""
			    "%s\",status=\"%" PRIu64 "\"} %" PRIu64 "\n",
			    m->routes[i].name, m->routes[i].statuses[k][0],
			    m->routes[i].statuses[k][1]);
	pthread_mutex_unlock(&m->lock);
}

/* The request duration histogram, one per route. */
static void
render_durations(struct metrics *m, struct strbuf *sb)
{
	metrics_help(sb, "ptscope_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival to its response sent, by route.");
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->nroutes; i++) {
		const struct metrics_route *r = &m->routes[i];
		uint64_t cum = 0;

		if (r->done == 0)
			continue;
		for (unsigned k = 0; k < METRICS_NBUCKETS; k++) {
			cum += r->le[k];
			strbuf_addf(sb, "ptscope_http_request_duration_seconds_"
			    "bucket{route=\"%s\",le=\"%g\"} %" PRIu64 "\n",
			    r->name, metrics_buckets[k], cum);
		}
		strbuf_addf(sb, "ptscope_http_request_duration_seconds_bucket{"
		    "route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", r->name, r->done);
		strbuf_addf(sb, "ptscope_http_request_duration_seconds_sum{"
		    "route=\"%s\"} %.6f\n", r->name, r->seconds);
		strbuf_addf(sb, "ptscope_http_request_duration_seconds_count{"
		    "route=\"%s\"} %" PRIu64 "\n", r->name, r->done);
	}
	pthread_mutex_unlock(&m->lock);
}

static void
render_ws(struct metrics *m, struct strbuf *sb)
{
	pthread_mutex_lock(&m->lock);
	metrics_help(sb, "ptscope_ws_clients", "gauge",
	    "WebSocket clients connected.");
	strbuf_addf(sb, "ptscope_ws_clients %" PRIu64 "\n", m->ws_clients);
	metrics_help(sb, "ptscope_ws_messages_sent_total", "counter",
	    "WebSocket messages sent.");
	strbuf_addf(sb, "ptscope_ws_messages_sent_total %" PRIu64 "\n",
	    m->ws_messages_sent);
	metrics_help(sb, "ptscope_ws_messages_dropped_total", "counter",
	    "Queued WebSocket messages dropped because a client fell behind "
	    "(it gets a fresh snapshot instead).");
	strbuf_addf(sb, "ptscope_ws_messages_dropped_total %" PRIu64 "\n",
	    m->ws_messages_dropped);
	metrics_help(sb, "ptscope_ws_snapshots_resent_total", "counter",
	    "Fresh snapshots sent to clients that fell behind.");
	strbuf_addf(sb, "ptscope_ws_snapshots_resent_total %" PRIu64 "\n",
	    m->ws_snapshots_resent);
	metrics_help(sb, "ptscope_ws_bad_messages_total", "counter",
	    "WebSocket messages answered with an error.");
	strbuf_addf(sb, "ptscope_ws_bad_messages_total %" PRIu64 "\n",
	    m->ws_bad_messages);
	pthread_mutex_unlock(&m->lock);
}

void
metrics_render_counters(struct metrics *m, struct strbuf *sb)
{
	render_http(m, sb);
	render_durations(m, sb);
	render_ws(m, sb);
}
