/* SPDX-License-Identifier: MIT */
/* daemon.c: small questions every server module asks of the shared state,
   and the one reader of the live machine's zones. */
#include "config.h"
#include "daemon.h"

#include <stdio.h>
#include <string.h>

#include "zones-proc.h"

bool
server_hide_physical(const struct server *srv, const struct space *s)
{
	return s->live && !srv->opt.show_physical;
}

bool
server_token_ok(const struct server *srv, const char *presented)
{
	size_t n = strlen(srv->token), m;
	unsigned char diff = 0;

	if (presented == NULL)
		return false;
	m = strlen(presented);
	/* compare every byte of the configured token whatever the input */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)srv->token[i] ^
		    (unsigned char)(i < m ? presented[i] : 0);
	return diff == 0 && m == n && n > 0;
}

void
server_format_url(char *buf, size_t len, const char *scheme,
    const char *host, int port)
{
	snprintf(buf, len, strchr(host, ':') ? "%s://[%s]:%d/" :
	    "%s://%s:%d/", scheme, host, port);
}

int
server_live_zones(const char *proc_root, struct zones_state *zs,
    struct pts_err *err)
{
	int r = zones_read_proc(proc_root, zs, err);

	if (r < 0)
		zones_release(zs);
	return r;
}
