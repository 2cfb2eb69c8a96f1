/* SPDX-License-Identifier: MIT */
/* api-meta.c: endpoints about the daemon and machine: info, arches,
   processes, live zones. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc-fields.h"
#include "json.h"
#include "procfs.h"
#include "request.h"
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

/* GET arches/ID/decode?level=L&entry=0x..[&word=hw|linux]: one descriptor
   word split into the manual's fields; no space needed. */
int
api_arch_decode(struct http_req *rq, struct http_resp *rs)
{
	const struct arch *a = arch_find(rq->seg[3]);
	const char *lv = http_arg(rq, "level"), *ev = http_arg(rq, "entry");
	const char *wv = http_arg(rq, "word");
	struct desc_fields d;
	enum desc_word which = DESC_WORD_HW;
	uint64_t entry;
	int level, li;

	if (a == NULL)
		return http_errorf(rs, PTS_ENOENT, "unknown_arch",
		    "there is no arch '%.40s' (see /api/v1/arches)",
		    rq->seg[3]);
	level = lv ? arch_level_from_name(lv) : -1;
	li = level < 0 ? -1 : arch_level_pos(a, (enum pt_level)level);
	if (li < 0)
		return http_errorf(rs, PTS_EINVAL, "bad_level", "decode needs "
		    "?level= naming a level %s has (folded levels have no "
		    "entries)", a->id);
	if (ev == NULL || request_parse_u64(ev, &entry) < 0 ||
	    (a->entry_bytes == 4 && entry > 0xffffffffu))
		return http_errorf(rs, PTS_EINVAL, "bad_entry", "decode needs "
		    "?entry=0x... (a %u-bit descriptor value)",
		    a->entry_bytes * 8);
	if (wv && strcmp(wv, "linux") == 0 && strcmp(a->id, "armv7-2l") == 0 &&
	    li == (int)a->nlevels - 1)
		which = DESC_WORD_LINUX;
	else if (wv && strcmp(wv, "hw") != 0)
		return http_errorf(rs, PTS_EINVAL, "bad_word", "?word= is hw, "
		    "or linux for an armv7-2l pte (the Linux copy)");
	desc_fields_decode(a, (unsigned)li, entry, which, &d);
	return http_json(rs, 200, json_desc_fields(&d));
}

/* qsort orders of GET /api/v1/processes?sort= */
static int
by_pid(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int
by_vm_pte(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	if (x->vm_pte_kb != y->vm_pte_kb)
		return x->vm_pte_kb < y->vm_pte_kb ? 1 : -1;
	return by_pid(a, b);
}

static int
by_rss(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	if (x->rss_kb != y->rss_kb)
		return x->rss_kb < y->rss_kb ? 1 : -1;
	return by_pid(a, b);
}

int
api_processes(struct http_req *rq, struct http_resp *rs)
{
	static int (*const cmp[])(const void *, const void *) = {
		[PROC_SORT_PID] = by_pid, [PROC_SORT_VM_PTE] = by_vm_pte,
		[PROC_SORT_RSS] = by_rss,
	};
	struct proc_entry *v = NULL;
	struct pts_err err;
	enum proc_sort sort;
	size_t n = 0, limit;
	cJSON *o;

	if (request_parse_proc_query(http_arg(rq, "sort"),
	    http_arg(rq, "limit"), &sort, &limit, &err) < 0 ||
	    procfs_list(rq->srv->opt.proc_root, &v, &n, &err) < 0)
		return http_error(rs, &err);
	if (n > 1)
		qsort(v, n, sizeof *v, cmp[sort]);
	if (limit != PROC_LIMIT_NONE && n > limit)
		n = limit;
	o = json_processes(v, n);
	free(v);
	return http_json(rs, 200, o);
}

int
api_machine(struct http_req *rq, struct http_resp *rs)
{
	struct machine_tables m;
	struct proc_entry *v = NULL;
	struct pts_err err;
	enum proc_sort sort;
	size_t n = 0, limit;
	cJSON *o;

	if (request_parse_proc_query(NULL, http_arg(rq, "top"), &sort,
	    &limit, &err) < 0 ||
	    procfs_list(rq->srv->opt.proc_root, &v, &n, &err) < 0)
		return http_error(rs, &err);
	procfs_machine_tables(rq->srv->opt.proc_root, v, n, &m);
	if (n > 1)
		qsort(v, n, sizeof *v, by_vm_pte);
	if (limit == PROC_LIMIT_NONE)
		limit = 10;
	o = json_machine(&m, v, n < limit ? n : limit);
	free(v);
	return http_json(rs, 200, o);
}

/* The live zones over time, from the sampler's ring (zones-ring.h). */
int
api_zones_history(struct http_req *rq, struct http_resp *rs)
{
	struct zones_history h;
	struct pts_err err;
	uint64_t since;
	unsigned limit;

	if (request_parse_zones_history(http_arg(rq, "since"),
	    http_arg(rq, "limit"), &since, &limit, &err) < 0)
		return http_error(rs, &err);
	zones_ring_copy(&rq->srv->zring, since, limit, &h);
	http_json(rs, 200, json_zones_history(&h));
	zones_history_release(&h);
	return 200;
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
