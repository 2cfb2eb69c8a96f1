/* metrics.c: counters and the Prometheus text page at /metrics. */
#include "config.h"
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "server.h"
#include "zones.h"

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

static void
help(struct strbuf *sb, const char *name, const char *type, const char *text)
{
	strbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, text, name,
	    type);
}

static void
render_http(struct metrics *m, struct strbuf *sb)
{
	help(sb, "ptscope_http_requests_total", "counter",
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
	help(sb, "ptscope_ws_clients", "gauge",
	    "WebSocket clients connected.");
	strbuf_addf(sb, "ptscope_ws_clients %" PRIu64 "\n", m->ws_clients);
	help(sb, "ptscope_ws_messages_sent_total", "counter",
	    "WebSocket messages sent.");
	strbuf_addf(sb, "ptscope_ws_messages_sent_total %" PRIu64 "\n",
	    m->ws_messages_sent);
	help(sb, "ptscope_ws_messages_dropped_total", "counter",
	    "Queued WebSocket messages dropped because a client fell behind "
	    "(it gets a fresh snapshot instead).");
	strbuf_addf(sb, "ptscope_ws_messages_dropped_total %" PRIu64 "\n",
	    m->ws_messages_dropped);
	help(sb, "ptscope_ws_snapshots_resent_total", "counter",
	    "Fresh snapshots sent to clients that fell behind.");
	strbuf_addf(sb, "ptscope_ws_snapshots_resent_total %" PRIu64 "\n",
	    m->ws_snapshots_resent);
	help(sb, "ptscope_ws_bad_messages_total", "counter",
	    "WebSocket messages answered with an error.");
	strbuf_addf(sb, "ptscope_ws_bad_messages_total %" PRIu64 "\n",
	    m->ws_bad_messages);
	pthread_mutex_unlock(&m->lock);
}

static void
render_zones(struct server *srv, struct strbuf *sb)
{
	struct zones_state zs = { 0 };

	if (zones_read_proc(srv->opt.proc_root, &zs, NULL) < 0) {
		zones_release(&zs);
		return;
	}
	help(sb, "ptscope_zone_free_blocks", "gauge",
	    "Free blocks of each order in the buddy allocator "
	    "(/proc/buddyinfo).");
	for (size_t i = 0; i < zs.nzones; i++)
		for (unsigned k = 0; k < zs.orders; k++)
			strbuf_addf(sb, "ptscope_zone_free_blocks{node=\"%d\","
			    "zone=\"%s\",order=\"%u\"} %" PRIu64 "\n",
			    zs.zones[i].node, zs.zones[i].name, k,
			    zs.zones[i].free_area[k]);
	help(sb, "ptscope_zone_free_pages", "gauge",
	    "Free pages of each order (blocks times 2^order).");
	for (size_t i = 0; i < zs.nzones; i++)
		for (unsigned k = 0; k < zs.orders; k++)
			strbuf_addf(sb, "ptscope_zone_free_pages{node=\"%d\","
			    "zone=\"%s\",order=\"%u\"} %" PRIu64 "\n",
			    zs.zones[i].node, zs.zones[i].name, k,
			    zs.zones[i].free_area[k] << k);
	help(sb, "ptscope_zone_fragmentation_index", "gauge",
	    "Kernel extfrag fragmentation index per order (-1: a free block "
	    "of that order exists).");
	for (size_t i = 0; i < zs.nzones; i++)
		for (unsigned k = 0; k < zs.orders; k++)
			strbuf_addf(sb, "ptscope_zone_fragmentation_index{"
			    "node=\"%d\",zone=\"%s\",order=\"%u\"} %.3f\n",
			    zs.zones[i].node, zs.zones[i].name, k,
			    zs.zones[i].frag_index[k]);
	help(sb, "ptscope_zone_unusable_index", "gauge",
	    "Unusable free space index per order (0..1).");
	for (size_t i = 0; i < zs.nzones; i++)
		for (unsigned k = 0; k < zs.orders; k++)
			strbuf_addf(sb, "ptscope_zone_unusable_index{"
			    "node=\"%d\",zone=\"%s\",order=\"%u\"} %.3f\n",
			    zs.zones[i].node, zs.zones[i].name, k,
			    zs.zones[i].unusable[k]);
	zones_release(&zs);
}

/* Page-table bytes and present pages of every attached process. */
static void
render_spaces(struct server *srv, struct strbuf *sb)
{
	struct entry **v;
	size_t n;

	v = registry_list(&srv->reg, &n);
	help(sb, "ptscope_space_table_bytes", "gauge",
	    "Bytes of page-table pages of each hosted space (inferred for "
	    "live processes).");
	help(sb, "ptscope_space_present_pages", "gauge",
	    "Base pages mapped in each hosted space.");
	for (size_t i = 0; i < n; i++) {
		struct pt_node *root = NULL;
		struct space *s = v[i]->space;

		entry_lock(v[i]);
		if (!v[i]->gone && s->ops->tree &&
		    s->ops->tree(s, PT_PGD, 0, 0, &root, NULL) == 0) {
			strbuf_addf(sb, "ptscope_space_table_bytes{space=\"%s\","
			    "kind=\"%s\",pid=\"%d\"} %" PRIu64 "\n", v[i]->id,
			    s->ops->kind, v[i]->pid,
			    root->stats.tables * s->arch->page_size);
			strbuf_addf(sb, "ptscope_space_present_pages{space="
			    "\"%s\",kind=\"%s\",pid=\"%d\"} %" PRIu64 "\n",
			    v[i]->id, s->ops->kind, v[i]->pid,
			    root->stats.present_pages);
		}
		pt_node_free(root);
		entry_unlock(v[i]);
	}
	registry_put_all(&srv->reg, v, n);
}

void
metrics_render(struct server *srv, struct strbuf *sb)
{
	strbuf_adds(sb, "");
	render_http(&srv->metrics, sb);
	render_ws(&srv->metrics, sb);
	render_zones(srv, sb);
	render_spaces(srv, sb);
}
