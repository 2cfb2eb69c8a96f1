/* SPDX-License-Identifier: MIT */
/* api-meta.c: endpoints about the daemon and machine: info, arches,
   processes, live zones. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "procfs.h"
#include "routes.h"
#include "daemon.h"
#include "sim.h"
#include "zones-proc.h"

int
api_info(struct http_req *rq, struct http_resp *rs)
{
	struct server *srv = rq->srv;
	cJSON *o = cJSON_CreateObject(), *live, *sc, *lim;

	cJSON_AddStringToObject(o, "name", PACKAGE_NAME);
	cJSON_AddStringToObject(o, "version", PACKAGE_VERSION);
	cJSON_AddStringToObject(o, "ws_url", srv->ws_url);
	cJSON_AddStringToObject(o, "ws_protocol", "ptscope.v1");
	if (srv->host_arch)
		cJSON_AddStringToObject(o, "host_arch", srv->host_arch->id);
	else
		cJSON_AddNullToObject(o, "host_arch");
	live = cJSON_AddObjectToObject(o, "live");
	cJSON_AddBoolToObject(live, "pagemap", srv->caps.pagemap);
	cJSON_AddBoolToObject(live, "pfn", srv->caps.pfn);
	cJSON_AddBoolToObject(live, "pagemap_scan", srv->caps.pagemap_scan);
	cJSON_AddBoolToObject(live, "kpageflags", srv->caps.kpageflags);
	cJSON_AddBoolToObject(live, "ptdump", srv->nptdump > 0);
	cJSON_AddBoolToObject(live, "zones", srv->caps.zones);
	if (srv->nptdump == 0)
		cJSON_AddStringToObject(live, "ptdump_reason", srv->ptdump_why);
	cJSON_AddBoolToObject(o, "physical_hidden", !srv->opt.show_physical);
	cJSON_AddBoolToObject(o, "auth", srv->auth);
	cJSON_AddStringToObject(o, "proc_root", srv->opt.proc_root);
	sc = cJSON_AddArrayToObject(o, "scenarios");
	for (const char *const *s = sim_scenarios; *s; s++)
		cJSON_AddItemToArray(sc, cJSON_CreateString(*s));
	lim = cJSON_AddObjectToObject(o, "limits");
	json_add_u64(lim, "max_body", srv->opt.max_body);
	json_add_u64(lim, "max_subscriptions", srv->opt.max_subs);
	json_add_u64(lim, "max_ws_message", srv->opt.max_ws_msg);
	json_add_u64(lim, "min_interval_ms", srv->opt.min_interval_ms);
	return http_json(rs, 200, o);
}

int
api_arches(struct http_req *rq, struct http_resp *rs)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "arches");

	(void)rq;
	for (size_t i = 0; i < arch_count(); i++)
		cJSON_AddItemToArray(a, json_arch(arch_get(i)));
	return http_json(rs, 200, o);
}

int
api_arch(struct http_req *rq, struct http_resp *rs)
{
	const struct arch *a = arch_find(rq->seg[3]);

	if (a == NULL)
		return http_errorf(rs, PTS_ENOENT, "unknown_arch",
		    "there is no arch '%.40s' (see /api/v1/arches)",
		    rq->seg[3]);
	return http_json(rs, 200, json_arch(a));
}

int
api_processes(struct http_req *rq, struct http_resp *rs)
{
	struct proc_entry *v = NULL;
	struct pts_err err;
	size_t n = 0;
	cJSON *o, *a;

	if (procfs_list(rq->srv->opt.proc_root, &v, &n, &err) < 0)
		return http_error(rs, &err);
	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "processes");
	for (size_t i = 0; i < n; i++) {
		cJSON *p = cJSON_CreateObject();

		cJSON_AddItemToArray(a, p);
		json_add_u64(p, "pid", (uint64_t)v[i].pid);
		cJSON_AddStringToObject(p, "comm", v[i].comm);
		json_add_u64(p, "rss_kb", v[i].rss_kb);
		json_add_u64(p, "vm_pte_kb", v[i].vm_pte_kb);
		cJSON_AddBoolToObject(p, "attachable", v[i].attachable);
		cJSON_AddBoolToObject(p, "kernel_thread", v[i].kernel_thread);
	}
	free(v);
	return http_json(rs, 200, o);
}

int
api_live_zones(struct http_req *rq, struct http_resp *rs)
{
	struct zones_state zs = { 0 };
	struct pts_err err;

	if (zones_read_proc(rq->srv->opt.proc_root, &zs, &err) < 0) {
		zones_release(&zs);
		return http_error(rs, &err);
	}
	snprintf(zs.source, sizeof zs.source, "live");
	http_json(rs, 200, json_zones(&zs));
	zones_release(&zs);
	return 200;
}
