/* SPDX-License-Identifier: MIT */
/* request.c: what a request carries (query arguments, JSON bodies, their
   fields) parsed into C values and backend structs, kept apart from the
   handlers so that the fuzz harnesses can drive them. */
#include "config.h"
#include "request.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

int
request_body_object(const char *buf, size_t len, cJSON **out,
    struct pts_err *err)
{
	const char *end = NULL;
	cJSON *o;

	if (buf == NULL || len == 0)
		return pts_errf(err, PTS_EINVAL, "empty_body",
		    "the request needs a JSON object in its body");
	o = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (o == NULL) {
		size_t at = end && end >= buf ? (size_t)(end - buf) : 0;

		return pts_errf(err, PTS_EINVAL, "bad_json",
		    "the body is not valid JSON (error near byte %zu)", at);
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return pts_errf(err, PTS_EINVAL, "bad_json",
		    "the body must be a JSON object");
	}
	*out = o;
	return 0;
}

int
request_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno || *end || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    s[2] == '\0'))
		return -1;
	*out = v;
	return 0;
}

int
request_get_u64(const cJSON *obj, const char *key, bool required, uint64_t *out,
    struct pts_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL || cJSON_IsNull(v)) {
		if (required)
			return pts_errf(err, PTS_EINVAL, "missing_field",
			    "'%s' is required", key);
		return 1;
	}
	if (cJSON_IsString(v) && request_parse_u64(v->valuestring, out) == 0)
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= 9007199254740992.0 &&
	    v->valuedouble == (double)(uint64_t)v->valuedouble) {
		*out = (uint64_t)v->valuedouble;
		return 0;
	}
	return pts_errf(err, PTS_EINVAL, "bad_field",
	    "'%s' must be a hex string like \"0x1000\"", key);
}

int
request_parse_node(const char *s, enum pt_level *lvl, uint64_t *va,
    struct pts_err *err)
{
	char name[8];
	const char *colon = s ? strchr(s, ':') : NULL;
	int l;

	if (s == NULL) {
		*lvl = PT_PGD;
		*va = 0;
		return 0;
	}
	if (colon == NULL || colon - s >= (long)sizeof name)
		goto bad;
	memcpy(name, s, (size_t)(colon - s));
	name[colon - s] = '\0';
	if ((l = arch_level_from_name(name)) < 0 || request_parse_u64(colon + 1, va))
		goto bad;
	*lvl = (enum pt_level)l;
	return 0;
bad:
	return pts_errf(err, PTS_EINVAL, "bad_node",
	    "node must look like LEVEL:VA, e.g. pte:0x7f0000201000 "
	    "(level one of pgd, p4d, pud, pmd, pte)");
}

int
request_parse_depth(const char *s, unsigned *depth, struct pts_err *err)
{
	uint64_t d;

	if (s == NULL) {
		*depth = 1;
		return 0;
	}
	if (request_parse_u64(s, &d) || d > PT_NLEVELS)
		return pts_errf(err, PTS_EINVAL, "bad_depth",
		    "depth must be a number from 0 to %d", PT_NLEVELS);
	*depth = (unsigned)d;
	return 0;
}

/* One of the prot names of the ops API as SPACE_PROT_* bits. */
static int
parse_prot(const char *s, unsigned *prot, struct pts_err *err)
{
	static const struct { const char *name; unsigned prot; } prots[] = {
		{ "r", SPACE_PROT_R }, { "rw", SPACE_PROT_R | SPACE_PROT_W },
		{ "rx", SPACE_PROT_R | SPACE_PROT_X },
		{ "rwx", SPACE_PROT_R | SPACE_PROT_W | SPACE_PROT_X },
		{ "x", SPACE_PROT_X }, { "none", 0 },
	};

	for (size_t i = 0; i < sizeof prots / sizeof prots[0]; i++)
		if (s && strcmp(s, prots[i].name) == 0) {
			*prot = prots[i].prot;
			return 0;
		}
	return pts_errf(err, PTS_EINVAL, "bad_prot",
	    "prot must be one of r, rw, rx, rwx, x, none");
}

/* An optional JSON boolean member (def when absent). */
static int
get_bool(const cJSON *o, const char *key, bool def, bool *out,
    struct pts_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsBool(v))
		return pts_errf(err, PTS_EINVAL, "bad_field",
		    "'%s' must be true or false", key);
	*out = cJSON_IsTrue(v);
	return 0;
}

int
request_parse_op(const cJSON *b, struct space_op *op, struct pts_err *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "op");
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(b, "page_size");
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(b, "memtype");
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(b, "prot");
	const char *n = cJSON_IsString(name) ? name->valuestring : "";

	memset(op, 0, sizeof *op);
	if (!strcmp(n, "map"))
		op->kind = SPACE_OP_MAP;
	else if (!strcmp(n, "unmap"))
		op->kind = SPACE_OP_UNMAP;
	else if (!strcmp(n, "protect"))
		op->kind = SPACE_OP_PROTECT;
	else if (!strcmp(n, "fork"))
		return op->kind = SPACE_OP_FORK, 0;
	else
		return pts_errf(err, PTS_EINVAL, "unknown_op",
		    "op must be map, unmap, protect or fork, not '%.40s'", n);
	if (request_get_u64(b, "va", true, &op->va, err) < 0 ||
	    request_get_u64(b, "size", true, &op->size, err) < 0)
		return PTS_EINVAL;
	if (op->kind == SPACE_OP_UNMAP)
		return 0;
	if (op->kind == SPACE_OP_MAP && pr == NULL)
		op->prot = SPACE_PROT_R | SPACE_PROT_W;
	else if (parse_prot(cJSON_IsString(pr) ? pr->valuestring : NULL,
	    &op->prot, err) < 0)
		return PTS_EINVAL;
	if (get_bool(b, "user", true, &op->user, err) < 0 ||
	    get_bool(b, "global", !op->user, &op->global, err) < 0)
		return PTS_EINVAL;
	if (ps && !cJSON_IsString(ps))
		return pts_errf(err, PTS_EINVAL, "bad_page_size",
		    "page_size must be a string such as \"4k\", \"2m\" or "
		    "\"auto\"");
	if (mt && !cJSON_IsString(mt))
		return pts_errf(err, PTS_EINVAL, "bad_field",
		    "memtype must be normal, device or nocache");
	op->page_size = ps ? ps->valuestring : (op->kind == SPACE_OP_MAP ?
	    "auto" : NULL);
	op->memtype = mt ? mt->valuestring : "normal";
	return 0;
}

int
request_parse_cost(const struct arch *source, const char *arch,
    const char *thp, const char *page_size, struct whatif_config *out,
    struct pts_err *err)
{
	const struct arch *t = arch ? arch_find(arch) : source;
	const struct arch_leaf *lf;
	int th = thp ? whatif_thp_from_name(thp) : WHATIF_THP_ASIS;

	memset(out, 0, sizeof *out);
	if (t == NULL)
		return pts_errf(err, PTS_EINVAL, "bad_arch", "There is no arch "
		    "'%.40s' (see /api/v1/arches).", arch);
	if (th < 0)
		return pts_errf(err, PTS_EINVAL, "bad_thp",
		    "thp must be never, always or asis.");
	out->arch = t;
	out->thp = (enum whatif_thp)th;
	out->page_size = t->page_size;
	out->page_li = t->nlevels - 1;
	if (page_size == NULL)
		return 0;
	lf = arch_leaf_by_name(t, page_size, &out->page_li);
	if (lf == NULL || lf->nentries != 1)
		return pts_errf(err, PTS_EINVAL, "bad_page_size", "%s has no "
		    "page size '%.20s' of one entry (see its levels' leaves "
		    "in /api/v1/arches).", t->id, page_size);
	out->page_size = lf->size;
	return 0;
}

/* ?limit=: a count from 1 to 1000000. */
static int
parse_limit(const char *limit, unsigned long *out, struct pts_err *err)
{
	char *end;
	unsigned long n = strtoul(limit, &end, 10);

	if (limit[0] < '0' || limit[0] > '9' || *end || n < 1 ||
	    n > 1000000)
		return pts_errf(err, PTS_EINVAL, "bad_limit",
		    "limit must be a number from 1 to 1000000.");
	*out = n;
	return 0;
}

int
request_parse_proc_query(const char *sort, const char *limit,
    enum proc_sort *sort_out, size_t *limit_out, struct pts_err *err)
{
	static const char *const names[] = { "pid", "vm_pte", "rss" };
	unsigned long n;
	int r;

	*sort_out = PROC_SORT_PID;
	*limit_out = PROC_LIMIT_NONE;
	if (sort) {
		unsigned i;

		for (i = 0; i < 3 && strcmp(sort, names[i]); i++)
			;
		if (i == 3)
			return pts_errf(err, PTS_EINVAL, "bad_sort",
			    "sort must be pid, vm_pte or rss.");
		*sort_out = (enum proc_sort)i;
	}
	if (limit == NULL)
		return 0;
	if ((r = parse_limit(limit, &n, err)) < 0)
		return r;
	*limit_out = n;
	return 0;
}

int
request_parse_zones_history(const char *since, const char *limit,
    uint64_t *since_out, unsigned *limit_out, struct pts_err *err)
{
	char *end;
	unsigned long long s;
	unsigned long n;
	int r;

	*since_out = 0;
	*limit_out = 0;
	if (since) {
		errno = 0;
		s = strtoull(since, &end, 10);
		if (since[0] < '0' || since[0] > '9' || *end || errno)
			return pts_errf(err, PTS_EINVAL, "bad_since",
			    "since must be a sample number (seq), 0 or more.");
		*since_out = s;
	}
	if (limit == NULL)
		return 0;
	if ((r = parse_limit(limit, &n, err)) < 0)
		return r;
	*limit_out = (unsigned)n;
	return 0;
}

/* The op as the ops console would type it: "map 0x400000 0x1000 rw 4k". */
void
request_op_caption(const struct space_op *op, char *buf, size_t len)
{
	static const char *const names[] = { "map", "unmap", "protect",
	    "fork" };
	static const char *const prots[] = { "none", "r", "w", "rw", "x",
	    "rx", "wx", "rwx" };
	int n;

	if (op->kind == SPACE_OP_FORK) {
		snprintf(buf, len, "fork");
		return;
	}
	n = snprintf(buf, len, "%s 0x%" PRIx64 " 0x%" PRIx64, names[op->kind],
	    op->va, op->size);
	if (op->kind == SPACE_OP_UNMAP || n < 0 || (size_t)n >= len)
		return;
	n += snprintf(buf + n, len - (size_t)n, " %s", prots[op->prot & 7]);
	if (op->kind == SPACE_OP_MAP && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " %s%s%s%s",
		    op->page_size ? op->page_size : "auto",
		    op->user ? "" : " kernel",
		    op->memtype && strcmp(op->memtype, "normal") ? " " : "",
		    op->memtype && strcmp(op->memtype, "normal") ?
		    op->memtype : "");
}

int
request_parse_generation(const char *s, bool *given, uint64_t *g,
    struct pts_err *err)
{
	*given = s != NULL;
	if (s == NULL)
		return 0;
	if (request_parse_u64(s, g) < 0)
		return pts_errf(err, PTS_EINVAL, "bad_generation",
		    "generation must be a generation number (see .../history)");
	return 0;
}
