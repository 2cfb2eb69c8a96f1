/* SPDX-License-Identifier: MIT */
/* api-metrics.c: GET /metrics, the Prometheus text page. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "metrics.h"
#include "procfs.h"
#include "procfs-space.h"
#include "procfs-stat.h"
#include "registry.h"
#include "routes.h"
#include "strbuf.h"
#include "net.h"
#include "xalloc.h"

/* Free bytes in blocks big enough for a PMD-mapped THP (order >=
   PMD_SHIFT - PAGE_SHIFT of the host: 9 on 4K x86 and arm64). */
static void
render_zone_thp(struct server *srv, const struct zones_state *zs,
    struct strbuf *sb)
{
	const struct arch *a = srv->host_arch;
	unsigned order;

	if (a == NULL || a->nlevels < 2)
		return;
	order = a->levels[a->nlevels - 2].shift - a->page_shift;
	metrics_help(sb, "ptscope_zone_free_thp_bytes", "gauge",
	    "Free memory in blocks of at least the PMD order (THP-able), "
	    "by zone.");
	for (size_t i = 0; i < zs->nzones; i++) {
		uint64_t pages = 0;

		for (unsigned k = order; k < zs->orders; k++)
			pages += zs->zones[i].free_area[k] << k;
		strbuf_addf(sb, "ptscope_zone_free_thp_bytes{node=\"%d\","
		    "zone=\"%s\"} %" PRIu64 "\n", zs->zones[i].node,
		    zs->zones[i].name, pages * a->page_size);
	}
}

/* The per-order value of a zone a metric shows. */
enum zone_value { ZV_FREE_BLOCKS, ZV_FREE_PAGES, ZV_FRAG, ZV_UNUSABLE };

/* One gauge with a sample per zone and order; a fragmentation index of -1
   (a free block of that order exists) is left out, as the help says. */
static void
render_zone_orders(struct strbuf *sb, const struct zones_state *zs,
    const char *name, const char *help, enum zone_value v)
{
	metrics_help(sb, name, "gauge", help);
	for (size_t i = 0; i < zs->nzones; i++) {
		const struct zone_state *z = &zs->zones[i];

		for (unsigned k = 0; k < zs->orders; k++) {
			if (v == ZV_FRAG && z->frag_index[k] < 0)
				continue;
			strbuf_addf(sb, "%s{node=\"%d\",zone=\"%s\","
			    "order=\"%u\"} ", name, z->node, z->name, k);
			if (v == ZV_FREE_BLOCKS || v == ZV_FREE_PAGES)
				strbuf_addf(sb, "%" PRIu64 "\n",
				    v == ZV_FREE_PAGES ? z->free_area[k] << k :
				    z->free_area[k]);
			else
				strbuf_addf(sb, "%.3f\n", v == ZV_FRAG ?
				    z->frag_index[k] : z->unusable[k]);
		}
	}
}

static void
render_zones(struct server *srv, struct strbuf *sb)
{
	struct zones_state zs = { 0 };

	if (server_live_zones(srv->opt.proc_root, &zs, NULL) < 0)
		return;
	render_zone_orders(sb, &zs, "ptscope_zone_free_blocks",
	    "Free blocks of each order in the buddy allocator "
	    "(/proc/buddyinfo).", ZV_FREE_BLOCKS);
	render_zone_orders(sb, &zs, "ptscope_zone_free_pages",
	    "Free pages of each order (blocks times 2^order).", ZV_FREE_PAGES);
	render_zone_orders(sb, &zs, "ptscope_zone_fragmentation_index",
	    "Kernel extfrag fragmentation index per order, 0 (failure would "
	    "be lack of memory) to 1 (fragmentation); absent where a free "
	    "block of that order exists (the kernel prints -1 there).",
	    ZV_FRAG);
	render_zone_orders(sb, &zs, "ptscope_zone_unusable_index",
	    "Unusable free space index per order (0..1).", ZV_UNUSABLE);
	render_zone_thp(srv, &zs, sb);
	zones_release(&zs);
}

/* The u64 info field key of a space, or false. */
static bool
info_u64(struct space *s, const char *key, uint64_t *out)
{
	struct space_info si = { 0 };

	if (s->ops->info == NULL)
		return false;
	s->ops->info(s, &si);
	for (unsigned i = 0; i < si.n; i++)
		if (!strcmp(si.f[i].key, key) && si.f[i].type == INFO_U64) {
			*out = si.f[i].u;
			return true;
		}
	return false;
}

/* Re-read live spaces whose reconstruction is older than this at a
   scrape (the VmPTE series are read fresh at every scrape anyway). */
#define METRICS_REFRESH_MS 5000

/* How old the reconstruction of e may be at a scrape: a process that has
   exited is re-read now (which marks it gone: its series go at once). */
static unsigned
metrics_refresh_ms(struct entry *e)
{
	struct procfs_status_now st;

	if (e->pid > 0 && !procfs_space_status_now(e->space, &st))
		return 0;
	return METRICS_REFRESH_MS;
}

/* Page-table bytes (the number the API's space object gives as
   page_table_bytes) and present pages of every hosted space. */
static void
render_spaces(struct server *srv, struct strbuf *sb)
{
	struct entry **v;
	bool gone = false;
	size_t n;

	v = registry_list(&srv->reg, &n);
	metrics_help(sb, "ptscope_space_table_bytes", "gauge",
	    "Bytes of page-table pages of each hosted space, as the API's "
	    "page_table_bytes (inferred for live processes, re-read at most "
	    "every 5 s).");
	metrics_help(sb, "ptscope_space_present_pages", "gauge",
	    "Base pages mapped in each hosted space.");
	for (size_t i = 0; i < n; i++) {
		struct pt_node *root = NULL;
		struct space *s = v[i]->space;
		uint64_t bytes;

		entry_lock(v[i]);
		if (s->live && !v[i]->gone &&
		    entry_refresh(v[i], metrics_refresh_ms(v[i]), NULL) < 0)
			gone |= v[i]->gone;
		if (!v[i]->gone && info_u64(s, "page_table_bytes", &bytes)) {
			strbuf_addf(sb, "ptscope_space_table_bytes{space=\"%s\","
			    "kind=\"%s\"} %" PRIu64 "\n", v[i]->id,
			    s->ops->kind, bytes);
		}
		if (!v[i]->gone && s->ops->tree &&
		    s->ops->tree(s, PT_PGD, 0, 0, &root, NULL) == 0)
			strbuf_addf(sb, "ptscope_space_present_pages{space="
			    "\"%s\",kind=\"%s\"} %" PRIu64 "\n", v[i]->id,
			    s->ops->kind, root->stats.present_pages);
		pt_node_free(root);
		entry_unlock(v[i]);
	}
	registry_put_all(&srv->reg, v, n);
	if (gone)
		net_ws_notify(srv);
}

/* One {pid,comm} series line. */
static void
pid_series(struct strbuf *sb, const char *name, int pid, const char *comm,
    uint64_t v)
{
	strbuf_addf(sb, "%s{pid=\"%d\",comm=\"", name, pid);
	metrics_label_value(sb, comm);
	strbuf_addf(sb, "\"} %" PRIu64 "\n", v);
}

/* VmPTE and VmRSS of every attached process, read now: a process that
   exited has no series. */
static void
render_processes(struct server *srv, struct strbuf *sb)
{
	struct procfs_status_now *st;
	struct entry **v;
	bool *ok;
	size_t n;

	v = registry_list(&srv->reg, &n);
	st = xcalloc(n + 1, sizeof *st);
	ok = xcalloc(n + 1, sizeof *ok);
	for (size_t i = 0; i < n; i++)
		ok[i] = v[i]->pid > 0 && !v[i]->gone &&
		    procfs_space_status_now(v[i]->space, &st[i]);
	metrics_help(sb, "ptscope_process_page_table_bytes", "gauge",
	    "Page-table bytes of each attached process: the kernel's VmPTE "
	    "(/proc/PID/status), read at every scrape.");
	for (size_t i = 0; i < n; i++)
		if (ok[i])
			pid_series(sb, "ptscope_process_page_table_bytes",
			    v[i]->pid, st[i].comm, st[i].vm_pte_kb * 1024);
	metrics_help(sb, "ptscope_process_rss_bytes", "gauge",
	    "Resident memory of each attached process: VmRSS, read at every "
	    "scrape.");
	for (size_t i = 0; i < n; i++)
		if (ok[i])
			pid_series(sb, "ptscope_process_rss_bytes", v[i]->pid,
			    st[i].comm, st[i].rss_kb * 1024);
	registry_put_all(&srv->reg, v, n);
	free(st);
	free(ok);
}

/* Descending VmPTE, then pid. */
static int
by_vm_pte(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	if (x->vm_pte_kb != y->vm_pte_kb)
		return x->vm_pte_kb < y->vm_pte_kb ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Machine-wide page tables and, with --metrics-top N, the N biggest
   consumers among all processes (N series at most). */
static void
render_machine(struct server *srv, struct strbuf *sb)
{
	struct proc_entry *v = NULL;
	struct machine_tables m;
	size_t n = 0;

	if (procfs_list(srv->opt.proc_root, &v, &n, NULL) < 0)
		return;
	procfs_machine_tables(srv->opt.proc_root, v, n, &m);
	if (m.has_page_tables) {
		metrics_help(sb, "ptscope_page_tables_bytes", "gauge",
		    "Page tables of the whole machine (/proc/meminfo "
		    "PageTables).");
		strbuf_addf(sb, "ptscope_page_tables_bytes %" PRIu64 "\n",
		    m.page_tables_kb * 1024);
	}
	if (m.has_sec) {
		metrics_help(sb, "ptscope_secondary_page_tables_bytes", "gauge",
		    "Secondary page tables such as KVM's (/proc/meminfo "
		    "SecPageTables).");
		strbuf_addf(sb, "ptscope_secondary_page_tables_bytes %" PRIu64
		    "\n", m.sec_page_tables_kb * 1024);
	}
	metrics_help(sb, "ptscope_processes_page_table_bytes", "gauge",
	    "Sum of VmPTE over all processes.");
	strbuf_addf(sb, "ptscope_processes_page_table_bytes %" PRIu64 "\n",
	    m.vm_pte_sum_kb * 1024);
	if (srv->opt.metrics_top > 0) {
		size_t k = n < srv->opt.metrics_top ? n : srv->opt.metrics_top;

		if (n > 1)
			qsort(v, n, sizeof *v, by_vm_pte);
		metrics_help(sb, "ptscope_top_process_page_table_bytes",
		    "gauge", "VmPTE of the machine's biggest page-table "
		    "consumers (--metrics-top N of them).");
		for (size_t i = 0; i < k; i++)
			pid_series(sb, "ptscope_top_process_page_table_bytes",
			    v[i].pid, v[i].comm, v[i].vm_pte_kb * 1024);
		metrics_help(sb, "ptscope_top_process_rss_bytes", "gauge",
		    "VmRSS of the same processes.");
		for (size_t i = 0; i < k; i++)
			pid_series(sb, "ptscope_top_process_rss_bytes",
			    v[i].pid, v[i].comm, v[i].rss_kb * 1024);
	}
	free(v);
}

/* Machine-wide memory the dashboard relates page tables and THP to. */
static void
render_meminfo(struct server *srv, struct strbuf *sb)
{
	static const char *const keys[] = { "MemTotal", "MemFree",
	    "MemAvailable", "AnonPages", "AnonHugePages", "ShmemPmdMapped",
	    "FilePmdMapped" };
	char path[sizeof srv->opt.proc_root + 16];
	bool any = false;

	snprintf(path, sizeof path, "%s/meminfo", srv->opt.proc_root);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		uint64_t kb;

		if (!procfs_status_kb(path, keys[i], &kb))
			continue;
		if (!any)
			metrics_help(sb, "ptscope_meminfo_bytes", "gauge",
			    "Fields of /proc/meminfo (AnonHugePages / AnonPages "
			    "is the THP coverage of anonymous memory).");
		any = true;
		strbuf_addf(sb, "ptscope_meminfo_bytes{field=\"%s\"} %" PRIu64
		    "\n", keys[i], kb * 1024);
	}
}

static void
render_build(struct strbuf *sb)
{
	metrics_help(sb, "ptscope_build_info", "gauge",
	    "Always 1; the labels name the build.");
	strbuf_addf(sb, "ptscope_build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
}

/* The shared rendered answers (render-cache.h). */
static void
render_cache_metrics(struct server *srv, struct strbuf *sb)
{
	struct render_cache *c = &srv->render;
	uint64_t hits, misses, bytes;

	pthread_mutex_lock(&c->lock);
	hits = c->hits;
	misses = c->misses;
	bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
	metrics_help(sb, "ptscope_render_cache_hits_total", "counter",
	    "Answers, trees and WebSocket messages served from a shared "
	    "rendering.");
	strbuf_addf(sb, "ptscope_render_cache_hits_total %" PRIu64 "\n", hits);
	metrics_help(sb, "ptscope_render_cache_misses_total", "counter",
	    "Lookups that had to build and render.");
	strbuf_addf(sb, "ptscope_render_cache_misses_total %" PRIu64 "\n",
	    misses);
	metrics_help(sb, "ptscope_render_cache_bytes", "gauge",
	    "Bytes held by the shared renderings.");
	strbuf_addf(sb, "ptscope_render_cache_bytes %" PRIu64 "\n", bytes);
}

static void
metrics_page(struct server *srv, struct strbuf *sb)
{
	strbuf_adds(sb, "");
	render_build(sb);
	metrics_render_counters(&srv->metrics, sb);
	render_cache_metrics(srv, sb);
	render_zones(srv, sb);
	render_spaces(srv, sb);
	render_processes(srv, sb);
	render_machine(srv, sb);
	render_meminfo(srv, sb);
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

