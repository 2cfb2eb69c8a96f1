/* SPDX-License-Identifier: MIT */
/*
 * api-login.c: POST /api/v1/login: the viewer trades the token for an
 * HttpOnly cookie, so that no page script (of this daemon or of another
 * port of the same host, which shares cookies) can read it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "request.h"
#include "routes.h"
#include "daemon.h"
#include "xalloc.h"

/* Can t be a cookie value as it is (RFC 6265 cookie-octet)? */
static bool
cookie_safe(const char *t)
{
	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' ||
		    c == ';' || c == '\\')
			return false;
	}
	return true;
}

int
api_login(struct http_req *rq, struct http_resp *rs)
{
	struct server *srv = rq->srv;
	const cJSON *tok;
	struct pts_err err;
	cJSON *body;
	size_t n;
	int st;

	if (request_body_object(rq->body, rq->body_len, &body, &err) < 0)
		return http_error(rs, &err);
	tok = cJSON_GetObjectItemCaseSensitive(body, "token");
	if (!cJSON_IsString(tok))
		st = http_errorf(rs, PTS_EINVAL, "missing_field",
		    "send {\"token\": \"...\"}");
	else if (!srv->auth)
		st = http_text(rs, 204, NULL, "", 0);	/* nothing to log into */
	else if (!server_token_ok(srv, tok->valuestring))
		st = http_errorf(rs, PTS_EAUTH, "unauthorized",
		    "that is not this daemon's token");
	else if (!cookie_safe(srv->token))
		st = http_errorf(rs, PTS_EINVAL, "token_not_cookie_safe",
		    "the token has characters a cookie cannot carry (space, "
		    "quote, comma, semicolon, backslash): use 'Authorization: "
		    "Bearer' or a token of letters, digits and -._~");
	else {
		n = strlen(srv->token) + 64;
		rs->set_cookie = xmalloc(n);
		snprintf(rs->set_cookie, n, "ptscope_token=%s; HttpOnly; "
		    "SameSite=Strict; Path=/", srv->token);
		st = http_text(rs, 204, NULL, "", 0);
	}
	cJSON_Delete(body);
	return st;
}
