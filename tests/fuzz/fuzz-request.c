/* SPDX-License-Identifier: MIT */
/*
 * fuzz-request.c: libFuzzer harness for the API's request parsing: the
 * JSON body parser, the ops body (request_parse_op) and the field readers
 * used by POST /api/v1/spaces; the raw input is also tried as a query
 * value (?node=, ?depth=, ?va=).  Whatever parses must be in range.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "request.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed op must be one the backends know, with sane fields. */
static void
check_op(const struct space_op *op)
{
	if (op->kind != SPACE_OP_MAP && op->kind != SPACE_OP_UNMAP &&
	    op->kind != SPACE_OP_PROTECT && op->kind != SPACE_OP_FORK)
		abort();
	if (op->prot & ~(unsigned)(SPACE_PROT_R | SPACE_PROT_W |
	    SPACE_PROT_X))
		abort();
	if (op->kind == SPACE_OP_MAP && (op->page_size == NULL ||
	    op->memtype == NULL))
		abort();
	if (op->page_size)
		(void)strlen(op->page_size);
	if (op->memtype)
		(void)strlen(op->memtype);
}

/* The raw text as ?node=, ?depth= and ?va= values. */
static void
query_values(const char *text)
{
	enum pt_level lvl;
	unsigned depth;
	uint64_t va;

	if (request_parse_node(text, &lvl, &va, NULL) == 0 &&
	    (unsigned)lvl >= PT_NLEVELS)
		abort();
	if (request_parse_depth(text, &depth, NULL) == 0 && depth > PT_NLEVELS)
		abort();
	(void)request_parse_u64(text, &va);
}

/* The body of POST /api/v1/spaces and of .../ops. */
static void
body_fields(const cJSON *b)
{
	struct space_op op;
	struct pts_err err;
	uint64_t v;
	char *s;

	if (request_parse_op(b, &op, &err) == 0)
		check_op(&op);
	else if (err.code >= 0 || err.msg[0] == '\0')
		abort();
	(void)request_get_u64(b, "pid", true, &v, NULL);
	(void)request_get_u64(b, "ram_mb", false, &v, NULL);
	s = json_print(b);
	free(s);
}

/* One input: a request body, then the same bytes as a query value. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1);
	struct pts_err err;
	cJSON *b;

	memcpy(text, data, size);
	text[size] = '\0';
	if (request_body_object((const char *)data, size, &b, &err) == 0) {
		if (!cJSON_IsObject(b))
			abort();
		body_fields(b);
		cJSON_Delete(b);
	}
	query_values(text);
	free(text);
	return 0;
}
