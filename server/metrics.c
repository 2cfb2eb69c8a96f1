/* SPDX-License-Identifier: MIT */
/* metrics.c: counters and the Prometheus text page at /metrics. */
#include "config.h"
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>


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

/* Count one request; route is a static string (pattern or "static"). */
void
metrics_http(struct metrics *m, const char *route, int status)
{
	struct metrics_route *r = NULL;
	unsigned i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nroutes; i++)
		if (strcmp(m->routes[i].name, route) == 0) {
			r = &m->routes[i];
			break;
		}
	if (r == NULL && m->nroutes < METRICS_MAX_ROUTES) {
		r = &m->routes[m->nroutes++];
		r->name = route;
	}
	if (r) {
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
	render_ws(m, sb);
}
