/* SPDX-License-Identifier: MIT */
/*
 * api-compare.c: GET /api/v1/spaces/{id}/compare?with=sim — a space's
 * kernel half beside the simulator's kernel scenario for the same arch and
 * RAM size (model/kcompare.h).  The RAM size is the space's linear map
 * rounded up to 16 MiB: Linux's direct map covers the RAM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "json.h"
#include "kcompare.h"
#include "registry.h"
#include "request.h"
#include "routes.h"
#include "sim.h"
#include "xalloc.h"

static unsigned
ram_mb_of(const struct kfacts *f)
{
	uint64_t mb = (f->linear_bytes + (UINT64_C(16) << 20) - 1) >> 24 << 4;

	return mb > (UINT64_C(1) << 20) ? 1u << 20 : (unsigned)mb;
}

int
api_compare(struct http_req *rq, struct http_resp *rs)
{
	struct kfacts *g = xcalloc(1, sizeof *g), *sf = xcalloc(1, sizeof *sf);
	struct kdiffs *d = xcalloc(1, sizeof *d);
	const char *with = http_arg(rq, "with");
	const struct arch *a;
	struct space *sim = NULL;
	struct pts_err err;
	struct entry *e;
	char id[64];
	unsigned ram_mb = 0;
	int r = 0, st;

	if (with == NULL || strcmp(with, "sim") != 0) {
		st = http_errorf(rs, PTS_EINVAL, "bad_param",
		    "compare needs with=sim (the simulator's kernel scenario)");
		goto out;
	}
	if ((e = api_open_space(rq, rs)) == NULL) {
		st = rs->status;
		goto out;
	}
	a = e->space->arch;
	snprintf(id, sizeof id, "%s", e->id);
	r = kfacts_of(e->space, g, &err);
	api_close_space(rq, e);
	if (r == 0) {
		ram_mb = ram_mb_of(g);
		r = sim_space_new(a->id, "kernel", ram_mb, &sim, &err);
	}
	if (r == 0)
		r = kfacts_of(sim, sf, &err);
	if (r < 0) {
		st = http_error(rs, &err);
		goto out;
	}
	kcompare(a, g, sf, d);
	st = http_json(rs, 200, json_compare(id, a, ram_mb, g, sf, d));
out:
	if (sim)
		space_free(sim);
	free(g);
	free(sf);
	free(d);
	return st;
}
