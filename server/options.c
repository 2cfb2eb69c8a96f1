/* SPDX-License-Identifier: MIT */
/* options.c: defaults, config file and command-line flags of `serve`. */
#include "config.h"
#include "options.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

const char options_usage[] =
"usage: ptscope serve [--listen HOST:PORT] [--ws-listen HOST:PORT]\n"
"                     [--web-root DIR] [--proc-root DIR] [--pid N]...\n"
"                     [--config FILE] [--token-file FILE | --insecure-no-auth]\n"
"                     [--show-physical] [--allow-uid LIST] [--allow-pid LIST]\n"
"                     [--access-log FILE|-] [--quiet | --verbose]\n"
"                     [--max-body BYTES] [--max-conns N] [--max-conns-per-ip N]\n"
"                     [--conn-timeout SECONDS] [--max-subs N] [--max-ws-msg BYTES]\n"
"                     [--max-ws-clients N] [--max-spaces N] [--ws-queue N]\n";

void
options_defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	snprintf(o->http_host, sizeof o->http_host, "127.0.0.1");
	o->http_port = 8080;
	o->ws_port = -1;
	snprintf(o->proc_root, sizeof o->proc_root, "/proc");
	o->verbosity = 1;
	o->max_body = 64u << 20;
	o->max_conns = 1024;
	o->max_conns_per_ip = 512;
	o->conn_timeout = 30;
	o->max_subs = 16;
	o->max_ws_msg = 64u << 10;
	o->max_ws_clients = 512;
	o->max_spaces = 256;
	o->ws_queue = 64;
	o->min_interval_ms = 100;
}

/*
 * Only literal loopback addresses count: a name such as
 * "127.0.0.1.example.com" starts like one but resolves anywhere.
 */
bool
options_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return a6.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&a6);
}

int
options_parse_hostport(const char *s, char *host, size_t hostlen, int *port,
    struct pts_err *err)
{
	const char *colon;
	char *end;
	long p;
	size_t hl;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			goto bad;
		hl = (size_t)(rb - s - 1);
		s++;
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen)
		goto bad;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
bad:
	return pts_errf(err, PTS_EINVAL, "bad_listen",
	    "'%s' is not HOST:PORT (port 0..65535)", s);
}

/* Parse an unsigned number with an optional k/M/G suffix. */
static int
parse_size(const char *key, const char *v, size_t *out, struct pts_err *err)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || v[0] == '-')
		goto bad;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	if (*end)
		goto bad;
	*out = (size_t)n;
	return 0;
bad:
	return pts_errf(err, PTS_EINVAL, "bad_option",
	    "--%s wants a number, not '%s'", key, v);
}

static int
parse_uint(const char *key, const char *v, unsigned *out, struct pts_err *err)
{
	size_t n;

	if (parse_size(key, v, &n, err) < 0)
		return PTS_EINVAL;
	if (n > UINT_MAX)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--%s %s is too large", key, v);
	*out = (unsigned)n;
	return 0;
}

static int
set_path(char *dst, size_t len, const char *key, const char *v,
    struct pts_err *err)
{
	if (strlen(v) >= len)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--%s: path too long", key);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int
add_pid(struct options *o, const char *v, struct pts_err *err)
{
	char *end;
	long p;

	errno = 0;
	p = strtol(v, &end, 10);
	if (errno || *end || p <= 0 || p > INT_MAX)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--pid wants a process id, not '%s'", v);
	if (o->npids >= OPT_MAX_PIDS)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "at most %d --pid options", OPT_MAX_PIDS);
	o->pids[o->npids++] = (int)p;
	return 0;
}

/* Boolean options take "", "true/yes/1" or "false/no/0". */
static int
parse_bool(const char *key, const char *v, bool *out, struct pts_err *err)
{
	if (!*v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out = false;
	else
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "%s wants true or false, not '%s'", key, v);
	return 0;
}

int
options_set(struct options *o, const char *k, const char *v,
    struct pts_err *err)
{
	bool b;

	if (!strcmp(k, "listen"))
		return options_parse_hostport(v, o->http_host,
		    sizeof o->http_host, &o->http_port, err);
	if (!strcmp(k, "ws-listen"))
		return options_parse_hostport(v, o->ws_host, sizeof o->ws_host,
		    &o->ws_port, err);
	if (!strcmp(k, "web-root"))
		return set_path(o->web_root, sizeof o->web_root, k, v, err);
	if (!strcmp(k, "proc-root"))
		return set_path(o->proc_root, sizeof o->proc_root, k, v, err);
	if (!strcmp(k, "token-file"))
		return set_path(o->token_file, sizeof o->token_file, k, v, err);
	if (!strcmp(k, "access-log"))
		return set_path(o->access_log, sizeof o->access_log, k, v, err);
	if (!strcmp(k, "allow-uid"))
		return set_path(o->allow_uid, sizeof o->allow_uid, k, v, err);
	if (!strcmp(k, "allow-pid"))
		return set_path(o->allow_pid, sizeof o->allow_pid, k, v, err);
	if (!strcmp(k, "pid"))
		return add_pid(o, v, err);
	if (!strcmp(k, "insecure-no-auth"))
		return parse_bool(k, v, &o->insecure_no_auth, err);
	if (!strcmp(k, "show-physical"))
		return parse_bool(k, v, &o->show_physical, err);
	if (!strcmp(k, "quiet") || !strcmp(k, "verbose")) {
		if (parse_bool(k, v, &b, err) < 0)
			return PTS_EINVAL;
		if (b)
			o->verbosity = k[0] == 'q' ? 0 : 2;
		return 0;
	}
	if (!strcmp(k, "max-body"))
		return parse_size(k, v, &o->max_body, err);
	if (!strcmp(k, "max-ws-msg"))
		return parse_size(k, v, &o->max_ws_msg, err);
	if (!strcmp(k, "max-conns"))
		return parse_uint(k, v, &o->max_conns, err);
	if (!strcmp(k, "max-conns-per-ip"))
		return parse_uint(k, v, &o->max_conns_per_ip, err);
	if (!strcmp(k, "conn-timeout"))
		return parse_uint(k, v, &o->conn_timeout, err);
	if (!strcmp(k, "max-subs"))
		return parse_uint(k, v, &o->max_subs, err);
	if (!strcmp(k, "max-ws-clients"))
		return parse_uint(k, v, &o->max_ws_clients, err);
	if (!strcmp(k, "max-spaces"))
		return parse_uint(k, v, &o->max_spaces, err);
	if (!strcmp(k, "ws-queue"))
		return parse_uint(k, v, &o->ws_queue, err);
	return pts_errf(err, PTS_EINVAL, "unknown_option",
	    "unknown option '%s'", k);
}

/* Trim leading and trailing white space in place. */
static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
options_read_file(struct options *o, const char *path, struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	char *line, *save = NULL, *p;
	int lineno = 0, r = 0;

	if ((r = strbuf_read_file(&sb, path, 1 << 20, err)) < 0)
		return r;
	/* strtok_r would skip empty lines and break the numbering */
	for (p = sb.buf; p && *p; p = save) {
		char *eq, *key, *val;

		save = strchr(p, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		line = trim(p);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			r = pts_errf(err, PTS_EINVAL, "bad_config",
			    "%s:%d: expected key = value", path, lineno);
			break;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (!strcmp(key, "config") ||
		    (r = options_set(o, key, val, err)) < 0) {
			if (!strcmp(key, "config"))
				pts_errf(err, PTS_EINVAL, "unknown_option",
				    "unknown option 'config'");
			r = PTS_EINVAL;
			if (err) {
				char tmp[sizeof err->msg + 600];

				snprintf(tmp, sizeof tmp, "%s:%d: %s", path,
				    lineno, err->msg);
				memcpy(err->msg, tmp, sizeof err->msg - 1);
				err->msg[sizeof err->msg - 1] = '\0';
				snprintf(err->id, sizeof err->id, "bad_config");
			}
			break;
		}
	}
	strbuf_release(&sb);
	return r;
}

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, 0 },
	{ "ws-listen", required_argument, NULL, 0 },
	{ "web-root", required_argument, NULL, 0 },
	{ "proc-root", required_argument, NULL, 0 },
	{ "pid", required_argument, NULL, 0 },
	{ "config", required_argument, NULL, 0 },
	{ "token-file", required_argument, NULL, 0 },
	{ "insecure-no-auth", no_argument, NULL, 0 },
	{ "show-physical", no_argument, NULL, 0 },
	{ "allow-uid", required_argument, NULL, 0 },
	{ "allow-pid", required_argument, NULL, 0 },
	{ "access-log", required_argument, NULL, 0 },
	{ "quiet", no_argument, NULL, 0 },
	{ "verbose", no_argument, NULL, 0 },
	{ "max-body", required_argument, NULL, 0 },
	{ "max-conns", required_argument, NULL, 0 },
	{ "max-conns-per-ip", required_argument, NULL, 0 },
	{ "conn-timeout", required_argument, NULL, 0 },
	{ "max-subs", required_argument, NULL, 0 },
	{ "max-ws-msg", required_argument, NULL, 0 },
	{ "max-ws-clients", required_argument, NULL, 0 },
	{ "max-spaces", required_argument, NULL, 0 },
	{ "ws-queue", required_argument, NULL, 0 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Find --config among the flags without consuming anything. */
static const char *
find_config_flag(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}

int
options_parse(struct options *o, int argc, char **argv, struct pts_err *err)
{
	const char *cfg = find_config_flag(argc, argv);
	int c, idx, r;

	if (cfg) {
		snprintf(o->config, sizeof o->config, "%s", cfg);
		if ((r = options_read_file(o, cfg, err)) < 0)
			return PTS_EINVAL;
	} else if (access(SYSCONFDIR "/ptscope.conf", F_OK) == 0) {
		/*
		 * Not R_OK: access() drops capabilities for a non-root user,
		 * so the unit's CAP_DAC_READ_SEARCH would not count and a
		 * root-only file would be skipped in silence.  An existing
		 * file that cannot be read is an error.
		 */
		if ((r = options_read_file(o, SYSCONFDIR "/ptscope.conf",
		    err)) < 0)
			return PTS_EINVAL;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", long_opts, &idx)) != -1) {
		if (c == 'h')
			return 1;
		if (c != 0)
			return pts_errf(err, PTS_EINVAL, "usage",
			    "unknown or incomplete option '%s'",
			    argv[optind - 1]);
		if (!strcmp(long_opts[idx].name, "config"))
			continue;
		if (options_set(o, long_opts[idx].name, optarg ? optarg : "",
		    err) < 0)
			return PTS_EINVAL;
	}
	if (optind < argc)
		return pts_errf(err, PTS_EINVAL, "usage",
		    "unexpected argument '%s'", argv[optind]);
	if (o->ws_port == -1) {
		snprintf(o->ws_host, sizeof o->ws_host, "%s", o->http_host);
		o->ws_port = o->http_port ? o->http_port + 1 : 0;
	}
	if (o->min_interval_ms < 100)
		o->min_interval_ms = 100;
	return 0;
}

bool
options_list_contains(const char *list, long v)
{
	const char *p = list;
	char *end;

	while (*p) {
		long x = strtol(p, &end, 10);

		if (end == p)
			return false;
		if (x == v)
			return true;
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}
