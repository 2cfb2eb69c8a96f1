/* SPDX-License-Identifier: MIT */
/* reply.c: request accessors and answers for route handlers. */
#include "config.h"
#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xalloc.h"

const char *
http_arg(const struct http_req *rq, const char *name)
{
	return rq->lookup(rq, HTTP_QUERY_ARG, name);
}

const char *
http_header(const struct http_req *rq, const char *name)
{
	return rq->lookup(rq, HTTP_HEADER, name);
}

int
http_json(struct http_resp *rs, int status, cJSON *o)
{
	rs->status = status;
	rs->body = json_print(o);
	rs->len = strlen(rs->body);
	rs->ctype = "application/json; charset=utf-8";
	cJSON_Delete(o);
	return status;
}

int
http_json_text(struct http_resp *rs, int status, const char *text,
    size_t len)
{
	return http_text(rs, status, "application/json; charset=utf-8", text,
	    len);
}

int
http_error(struct http_resp *rs, const struct pts_err *err)
{
	return http_json(rs, pts_http_status(err->code), json_error(err));
}

int
http_errorf(struct http_resp *rs, int code, const char *id,
    const char *fmt, ...)
{
	struct pts_err err;
	va_list ap;

	err.code = code;
	snprintf(err.id, sizeof err.id, "%s", id);
	va_start(ap, fmt);
	vsnprintf(err.msg, sizeof err.msg, fmt, ap);
	va_end(ap);
	return http_error(rs, &err);
}

int
http_text(struct http_resp *rs, int status, const char *ctype,
    const char *text, size_t len)
{
	rs->status = status;
	rs->body = xstrndup(text, len);
	rs->len = len;
	rs->ctype = ctype;
	return status;
}
