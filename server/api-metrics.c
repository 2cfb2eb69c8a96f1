/* SPDX-License-Identifier: MIT */
/* api-metrics.c: GET /metrics, the Prometheus text page. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "metrics.h"
#include "registry.h"
#include "routes.h"
#include "strbuf.h"

static void
render_zones(struct server *srv, struct strbuf *sb)
{
	struct zones_state zs = { 0 };

	if (server_live_zones(srv->opt.proc_root, &zs, NULL) < 0)
		return;
	metrics_help(sb, "ptscope_zone_free_blocks", "gauge",
	    "Free blocks of each order in the buddy allocator "
	    "(/proc/buddyinfo).");
	for (size_t i = 0; i < zs.nzones; i++)
		for (unsigned k = 0; k < zs.orders; k++)
			strbuf_addf(sb, "ptscope_zone_free_blocks{node=\"%d\","
			    "zone=\"%s\",order=\"%u\"} %" PRIu64 "\n",
			    zs.zones[i].node, zs.zones[i].name, k,
			    zs.zones[i].free_area[k]);
	metrics_help(sb, "ptscope_zone_free_pages", "gauge",
	    "Free pages of each order (blocks times 2^order).");
	for (size_t i = 0; i < zs.nzones; i++)
		for (unsigned k = 0; k < zs.orders; k++)
			strbuf_addf(sb, "ptscope_zone_free_pages{node=\"%d\","
			    "zone=\"%s\",order=\"%u\"} %" PRIu64 "\n",
			    zs.zones[i].node, zs.zones[i].name, k,
			    zs.zones[i].free_area[k] << k);
	metrics_help(sb, "ptscope_zone_fragmentation_index", "gauge",
	    "Kernel extfrag fragmentation index per order (-1: a free block "
	    "of that order exists).");
	for (size_t i = 0; i < zs.nzones; i++)
		for (unsigned k = 0; k < zs.orders; k++)
			strbuf_addf(sb, "ptscope_zone_fragmentation_index{"
			    "node=\"%d\",zone=\"%s\",order=\"%u\"} %.3f\n",
			    zs.zones[i].node, zs.zones[i].name, k,
			    zs.zones[i].frag_index[k]);
	metrics_help(sb, "ptscope_zone_unusable_index", "gauge",
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
	metrics_help(sb, "ptscope_space_table_bytes", "gauge",
	    "Bytes of page-table pages of each hosted space (inferred for "
	    "live processes).");
	metrics_help(sb, "ptscope_space_present_pages", "gauge",
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

static void
metrics_page(struct server *srv, struct strbuf *sb)
{
	strbuf_adds(sb, "");
	metrics_render_counters(&srv->metrics, sb);
	render_zones(srv, sb);
	render_spaces(srv, sb);
}

int
api_metrics(struct http_req *rq, struct http_resp *rs)
{
	struct strbuf sb = STRBUF_INIT;

	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
		rs->allow = "GET";
		return http_errorf(rs, PTS_EMETHOD, "method_not_allowed",
		    "/metrics only answers GET");
	}
	metrics_page(rq->srv, &sb);
	rs->status = 200;
	rs->len = sb.len;
	rs->body = strbuf_detach(&sb, NULL);
	rs->ctype = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}

