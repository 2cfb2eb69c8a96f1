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

int
api_info(struct http_req *rq, struct http_resp *rs)
{
	return http_json(rs, 200, json_info(rq->srv));
}

int
api_arches(struct http_req *rq, struct http_resp *rs)
{
	(void)rq;
	return http_json(rs, 200, json_arches());
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
	cJSON *o;

	if (procfs_list(rq->srv->opt.proc_root, &v, &n, &err) < 0)
		return http_error(rs, &err);
	o = json_processes(v, n);
	free(v);
	return http_json(rs, 200, o);
}

int
api_live_zones(struct http_req *rq, struct http_resp *rs)
{
	struct zones_state zs = { 0 };
	struct pts_err err;

	if (server_live_zones(rq->srv->opt.proc_root, &zs, &err) < 0)
		return http_error(rs, &err);
	http_json(rs, 200, json_zones(&zs));
	zones_release(&zs);
	return 200;
}
