/* SPDX-License-Identifier: MIT */
/* request.c: request bodies of the API parsed into backend structs (kept
   apart from the handlers so that the fuzz harnesses can drive them). */
#include "config.h"
#include "request.h"

#include <string.h>

#include "json.h"

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
	if (json_get_u64(b, "va", true, &op->va, err) < 0 ||
	    json_get_u64(b, "size", true, &op->size, err) < 0)
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
