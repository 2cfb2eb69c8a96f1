/* SPDX-License-Identifier: MIT */
/* options.c: the options of `serve` in one table (opt_table), which
   drives defaults, the config file, the flags, --help and the man page. */
#include "config.h"
#include "options.h"
#include "zones-ring.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

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

/*
 * The setters of the table's rows.  A generic one stores into the field
 * of struct options at the row's offset (a string: its size); the others
 * know their fields.
 */
#define FIELD(f) offsetof(struct options, f), sizeof(((struct options *)0)->f)

static void *
field(struct options *o, const struct opt_spec *r)
{
	return (char *)o + r->off;
}

static int
set_string(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	if (strlen(v) >= r->size)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--%s: path too long", r->doc.name);
	snprintf(field(o, r), r->size, "%s", v);
	return 0;
}

static int
set_size(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	return parse_size(r->doc.name, v, field(o, r), err);
}

static int
set_unsigned(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	return parse_uint(r->doc.name, v, field(o, r), err);
}

static int
set_bool(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	return parse_bool(r->doc.name, v, field(o, r), err);
}

static int
set_listen(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	return options_parse_hostport(v, o->http_host, sizeof o->http_host,
	    &o->http_port, err);
}

static int
set_ws_listen(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	return options_parse_hostport(v, o->ws_host, sizeof o->ws_host,
	    &o->ws_port, err);
}

static int
set_pid(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
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

/*
 * --allow-host NAME and --allow-origin SCHEME://NAME[:PORT], repeatable
 * (each adds one; a config file line adds one too).  An origin is kept
 * without a trailing slash: browsers never send one.
 */
static int
add_allow(char (*list)[OPT_ALLOW_LEN], unsigned *n, const char *key,
    const char *v, struct pts_err *err)
{
	size_t len = strlen(v);

	if (len > 0 && !strcmp(key, "allow-origin") && v[len - 1] == '/')
		len--;
	if (len == 0 || len >= OPT_ALLOW_LEN || strpbrk(v, " \t,"))
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--%s wants one %s, not '%.100s'", key,
		    key[6] == 'h' ? "host name" : "origin (http://NAME:PORT)",
		    v);
	if (!strcmp(key, "allow-origin") && !strstr(v, "://"))
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--allow-origin wants SCHEME://NAME[:PORT] as browsers send "
		    "it, not '%.100s'", v);
	if (*n >= OPT_MAX_ALLOW)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "at most %d --%s options", OPT_MAX_ALLOW, key);
	memcpy(list[*n], v, len);
	list[*n][len] = '\0';
	(*n)++;
	return 0;
}

static int
set_allow_host(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	return add_allow(o->allow_hosts, &o->nallow_hosts, r->doc.name, v,
	    err);
}

static int
set_allow_origin(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	return add_allow(o->allow_origins, &o->nallow_origins, r->doc.name, v,
	    err);
}

/* --metrics-top: bounded, each process is a series. */
static int
set_metrics_top(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	if (parse_uint(r->doc.name, v, field(o, r), err) < 0)
		return PTS_EINVAL;
	if (o->metrics_top > METRICS_TOP_MAX)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--metrics-top is at most %d (each process is a series)",
		    METRICS_TOP_MAX);
	return 0;
}

/* --zones-history: bounded memory (zones-ring.h). */
static int
set_zones_history(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	if (parse_uint(r->doc.name, v, field(o, r), err) < 0)
		return PTS_EINVAL;
	if (o->zones_history > ZRING_MAX_SAMPLES)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--zones-history is at most %d samples", ZRING_MAX_SAMPLES);
	return 0;
}

/* --open FILE (repeatable). */
static int
set_open(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	if (o->nopen >= OPT_MAX_OPEN)
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "at most %d --open options", OPT_MAX_OPEN);
	if (v[0] == '\0' || strlen(v) >= sizeof o->open[0])
		return pts_errf(err, PTS_EINVAL, "bad_option",
		    "--open wants a file name (under %zu bytes)",
		    sizeof o->open[0]);
	snprintf(o->open[o->nopen++], sizeof o->open[0], "%s", v);
	return 0;
}

/* --quiet and --verbose: a true value sets the verbosity of the row. */
static int
set_verbosity(struct options *o, const struct opt_spec *r, const char *v,
    struct pts_err *err)
{
	bool b;

	if (parse_bool(r->doc.name, v, &b, err) < 0)
		return PTS_EINVAL;
	if (b)
		o->verbosity = (int)r->off;
	return 0;
}

/*
 * Every option of `ptscope serve`, in the order of --help and the man
 * page.  One row drives getopt, the config file (the same name without
 * dashes, unless OPT_CMDLINE), --help, the man page's SERVE OPTIONS
 * (`ptscope serve --help-man`) and the default.  Adding an option is adding
 * a row here (and its field in struct options); docs/architecture.md.
 */
static const struct opt_spec opt_table[] = {
	{ { "listen", 0, "HOST:PORT", "127.0.0.1:8080",
	    "Address of the HTTP API, the viewer and /metrics. An IPv6 host "
	    "is written in brackets, [::1]:8080. Port 0 picks a free port." },
	  set_listen, 0, 0, 0 },
	{ { "ws-listen", 0, "HOST:PORT", NULL,
	    "Address of the WebSocket stream. Default: the --listen host and "
	    "its port + 1 (port 0 stays 0)." },
	  set_ws_listen, 0, 0, 0 },
	{ { "config", 0, "FILE", NULL,
	    "Read settings from <FILE> instead of </etc/ptscope.conf> (under "
	    "the installation's sysconfdir). A missing <FILE> is an error; a "
	    "missing </etc/ptscope.conf> is not. Not a config-file key." },
	  NULL, 0, 0, OPT_CMDLINE },
	{ { "web-root", 0, "DIR", NULL,
	    "Serve the viewer from <DIR>. Default: the installed files "
	    "(<PREFIX/share/ptscope/web>), or <web/> next to the binary when "
	    "those are missing." },
	  set_string, FIELD(web_root), 0 },
	{ { "proc-root", 0, "DIR", "/proc",
	    "Read <DIR> instead of </proc> (processes, zones, capabilities)." },
	  set_string, FIELD(proc_root), 0 },
	{ { "pid", 0, "N", NULL,
	    "Attach to process <N> at start, as space *pid-N*. May be given up "
	    "to 32 times (in the config file: one line each). A pid that "
	    "cannot be attached stops the daemon." },
	  set_pid, 0, 0, 0 },
	{ { "token-file", 0, "FILE", NULL,
	    "Require the token held in <FILE> (one line, 1 to 255 "
	    "characters) from every API, metrics and WebSocket client, as "
	    "the header *Authorization: Bearer* <TOKEN> or the cookie "
	    "*ptscope_token=*<TOKEN>. The viewer's own files are served without "
	    "it." },
	  set_string, FIELD(token_file), 0 },
	{ { "insecure-no-auth", 0, NULL, NULL,
	    "Allow a non-loopback --listen or --ws-listen address without "
	    "--token-file. Without either, such an address is refused (exit "
	    "status 2)." },
	  set_bool, FIELD(insecure_no_auth), 0 },
	{ { "show-physical", 0, NULL, NULL,
	    "Send physical addresses (physical frame numbers) of live "
	    "processes to clients. Off by default: they are a kernel secret "
	    "that helps attacks such as Rowhammer. Simulated and uploaded "
	    "spaces always show theirs." },
	  set_bool, FIELD(show_physical), 0 },
	{ { "allow-uid", 0, "LIST", NULL,
	    "Only attach to processes whose real uid is in the "
	    "comma-separated <LIST>. Default: any process the daemon may "
	    "read." },
	  set_string, FIELD(allow_uid), 0 },
	{ { "allow-pid", 0, "LIST", NULL,
	    "Only attach to the pids in the comma-separated <LIST>." },
	  set_string, FIELD(allow_pid), 0 },
	{ { "allow-host", 0, "NAME", NULL,
	    "One more host name the daemon answers to (repeatable, up to 16; "
	    "in the config file one line each). Requests whose Host header "
	    "is not a loopback address, localhost, the listen address or such "
	    "a name are refused with 421, against DNS rebinding: name the "
	    "host a reverse proxy forwards, or the machine's LAN name." },
	  set_allow_host, 0, 0, 0 },
	{ { "allow-origin", 0, "ORIGIN", NULL,
	    "One more origin, exactly as browsers send it "
	    "(*https://ptscope.example.com*), whose pages may use the API and "
	    "the WebSocket (repeatable, up to 16). Requests from other "
	    "origins' pages are refused with 403." },
	  set_allow_origin, 0, 0, 0 },
	{ { "access-log", 0, "FILE|-", NULL,
	    "Append one line per HTTP request to <FILE> (or write it to "
	    "standard output for -): client address, time (UTC), method and "
	    "path, status, bytes and milliseconds." },
	  set_string, FIELD(access_log), 0 },
	{ { "quiet", 0, NULL, NULL, "Log errors only." },
	  set_verbosity, 0, 0, 0 },
	{ { "verbose", 0, NULL, NULL, "Also log debug messages." },
	  set_verbosity, 2, 0, 0 },
	{ { "max-body", 0, "BYTES", "64M",
	    "Largest request body, for example a ptdump upload (413 beyond). "
	    "Sizes take a k, M or G suffix." },
	  set_size, FIELD(max_body), 0 },
	{ { "max-conns", 0, "N", "1024", "HTTP connections at once." },
	  set_unsigned, FIELD(max_conns), 0 },
	{ { "max-conns-per-ip", 0, "N", "512",
	    "HTTP connections at once from one address." },
	  set_unsigned, FIELD(max_conns_per_ip), 0 },
	{ { "conn-timeout", 0, "SECONDS", "30",
	    "Close an idle HTTP connection after this long." },
	  set_unsigned, FIELD(conn_timeout), 0 },
	{ { "max-subs", 0, "N", "16", "Subscriptions per WebSocket client." },
	  set_unsigned, FIELD(max_subs), 0 },
	{ { "max-ws-msg", 0, "BYTES", "64k",
	    "Largest incoming WebSocket message." },
	  set_size, FIELD(max_ws_msg), 0 },
	{ { "max-ws-clients", 0, "N", "512", "WebSocket clients at once." },
	  set_unsigned, FIELD(max_ws_clients), 0 },
	{ { "max-spaces", 0, "N", "256", "Spaces hosted at once." },
	  set_unsigned, FIELD(max_spaces), 0 },
	{ { "ws-queue", 0, "N", "64",
	    "Messages queued for one WebSocket client; a client that falls "
	    "further behind is sent a fresh snapshot instead." },
	  set_unsigned, FIELD(ws_queue), 0 },
	{ { "ws-queue-bytes", 0, "BYTES", "4M",
	    "Bytes queued for one WebSocket client (a single message bigger "
	    "than that is still sent whole); a client that falls further "
	    "behind loses its backlog and is sent a fresh snapshot once it "
	    "has drained. Sizes take a k, M or G suffix." },
	  set_size, FIELD(ws_queue_bytes), 0 },
	{ { "ws-drain-timeout", 0, "MS", "10000",
	    "Close (status 1008) a WebSocket client that went over "
	    "--ws-queue or --ws-queue-bytes and has not drained its socket "
	    "after <MS> milliseconds." },
	  set_unsigned, FIELD(ws_drain_ms), 0 },
	{ { "metrics-top", 0, "N", "0",
	    "Also export in /metrics the <N> processes of the machine with the "
	    "most page-table memory (VmPTE), attached or not; 0 to 100 (each "
	    "one is a series)." },
	  set_metrics_top, FIELD(metrics_top), 0 },
	{ { "zones-interval", 0, "MS", "5000",
	    "Read the live machine's zones every <MS> milliseconds (at least "
	    "100) into the zones history (GET /api/v1/zones/history)." },
	  set_unsigned, FIELD(zones_interval_ms), 0 },
	{ { "zones-history", 0, "N", "720",
	    "Zone samples kept in the zones history, the oldest dropped "
	    "first; 0 turns the sampler off, at most 100000." },
	  set_zones_history, FIELD(zones_history), 0 },
	{ { "history", 0, "N", "256",
	    "Generations of history kept per space (GET "
	    "/api/v1/spaces/ID/history); the oldest are dropped first." },
	  set_unsigned, FIELD(history), 0 },
	{ { "history-bytes", 0, "BYTES", "64M",
	    "Bytes of history kept per space; the newest generation is "
	    "always listed, but a state larger than BYTES is not kept." },
	  set_size, FIELD(history_bytes), 0 },
	{ { "open", 0, "FILE", NULL,
	    "Serve the recording <FILE> (made by *ptscope record*) as a space "
	    "*rec-N* whose history is the recording. May be given up to 8 "
	    "times (in the config file: one line each). A file that cannot be "
	    "opened stops the daemon." },
	  set_open, 0, 0, 0 },
	{ { "help", 'h', NULL, NULL,
	    "Print the options of *serve* and exit." },
	  NULL, 0, 0, OPT_CMDLINE },
	{ { "help-man", 0, NULL, NULL,
	    "Print the man page's SERVE OPTIONS entries (roff) and exit." },
	  NULL, 0, 0, OPT_CMDLINE | OPT_HIDDEN },
};

#define OPT_NROWS (sizeof opt_table / sizeof opt_table[0])

/* The row of a config-file key or long option, or NULL. */
static const struct opt_spec *
find_row(const char *name)
{
	for (size_t i = 0; i < OPT_NROWS; i++)
		if (!strcmp(opt_table[i].doc.name, name))
			return &opt_table[i];
	return NULL;
}

int
options_set(struct options *o, const char *k, const char *v,
    struct pts_err *err)
{
	const struct opt_spec *r = find_row(k);

	if (r == NULL || r->set == NULL || (r->flags & OPT_CMDLINE))
		return pts_errf(err, PTS_EINVAL, "unknown_option",
		    "unknown option '%s'", k);
	return r->set(o, r, v, err);
}

void
options_defaults(struct options *o)
{
	struct pts_err err;

	memset(o, 0, sizeof *o);
	o->ws_port = -1;
	o->verbosity = 1;
	o->min_interval_ms = 100;
	for (size_t i = 0; i < OPT_NROWS; i++) {
		const struct opt_spec *r = &opt_table[i];

		if (r->doc.def && r->set(o, r, r->doc.def, &err) < 0) {
			/* a bad default in the table: a bug, found by any run */
			fprintf(stderr, "ptscope: bad default: %s\n", err.msg);
			abort();
		}
	}
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

/* Read a config file; an unknown key is an error naming the line. */
static int
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

/* The config file: --config FILE, else SYSCONFDIR/ptscope.conf if any. */
static int
read_config(struct options *o, int argc, char **argv, struct pts_err *err)
{
	const char *cfg = find_config_flag(argc, argv);

	if (cfg) {
		snprintf(o->config, sizeof o->config, "%s", cfg);
		return options_read_file(o, cfg, err) < 0 ? PTS_EINVAL : 0;
	}
	/*
	 * Not R_OK: access() drops capabilities for a non-root user, so the
	 * unit's CAP_DAC_READ_SEARCH would not count and a root-only file
	 * would be skipped in silence.  An existing file that cannot be read
	 * is an error.
	 */
	if (access(SYSCONFDIR "/ptscope.conf", F_OK) == 0 &&
	    options_read_file(o, SYSCONFDIR "/ptscope.conf", err) < 0)
		return PTS_EINVAL;
	return 0;
}

/* getopt_long's view of the table: option i has val 256 + i. */
static void
getopt_table(struct option *lo, char *shorts)
{
	size_t ns = 0;

	shorts[ns++] = '+';
	for (size_t i = 0; i < OPT_NROWS; i++) {
		const struct opt_doc *d = &opt_table[i].doc;

		lo[i] = (struct option){ d->name, d->arg ? required_argument :
		    no_argument, NULL, (int)(256 + i) };
		if (d->short_name) {
			shorts[ns++] = d->short_name;
			if (d->arg)
				shorts[ns++] = ':';
		}
	}
	lo[OPT_NROWS] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';
}

/* The row getopt_long returned c for, or NULL. */
static const struct opt_spec *
row_of(int c)
{
	if (c >= 256 && (size_t)(c - 256) < OPT_NROWS)
		return &opt_table[c - 256];
	for (size_t i = 0; c > 0 && i < OPT_NROWS; i++)
		if (opt_table[i].doc.short_name == c)
			return &opt_table[i];
	return NULL;
}

int
options_parse(struct options *o, int argc, char **argv, struct pts_err *err)
{
	struct option lo[OPT_NROWS + 1];
	char shorts[2 * OPT_NROWS + 2];
	const struct opt_spec *r;
	int c;

	if (read_config(o, argc, argv, err) < 0)
		return PTS_EINVAL;
	getopt_table(lo, shorts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if ((r = row_of(c)) == NULL)
			return pts_errf(err, PTS_EINVAL, "usage",
			    "unknown or incomplete option '%s'",
			    argv[optind - 1]);
		if (!strcmp(r->doc.name, "help"))
			return OPTIONS_HELP;
		if (!strcmp(r->doc.name, "help-man"))
			return OPTIONS_HELP_MAN;
		if (r->set && r->set(o, r, optarg ? optarg : "", err) < 0)
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
	if (o->zones_interval_ms < 100)
		o->zones_interval_ms = 100;
	return 0;
}

/* Text with <X> and *X* marks as --help shows it: marks dropped. */
static void
put_plain(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		if (*s != '<' && *s != '>' && *s != '*')
			strbuf_addc(sb, *s);
}

/* Print text wrapped at 79 columns, each line indented by ind. */
static void
put_wrapped(FILE *f, const char *text, int ind)
{
	const char *p = text;
	int col = 0;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (col > ind && col + 1 + (int)n > 79) {
			fputc('\n', f);
			col = 0;
		}
		if (col == 0)
			col = fprintf(f, "%*s", ind, "");
		else
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	if (col)
		fputc('\n', f);
}

void
options_doc_help(FILE *f, const struct opt_doc *d)
{
	struct strbuf sb = STRBUF_INIT;

	fprintf(f, "  --%s", d->name);
	if (d->short_name)
		fprintf(f, ", -%c", d->short_name);
	if (d->arg)
		fprintf(f, " %s", d->arg);
	fputc('\n', f);
	put_plain(&sb, d->help);
	if (d->def)
		strbuf_addf(&sb, " Default: %s.", d->def);
	put_wrapped(f, sb.buf, 8);
	strbuf_release(&sb);
}

/* roff for plain text: \- for every hyphen, --NAME bold, <X> italic, *X*
   bold, quotes and backslashes escaped. */
static void
put_roff(FILE *f, const char *s)
{
	bool bold = false;

	for (; *s; s++) {
		if (s[0] == '-' && s[1] == '-' && !bold &&
		    (s[2] >= 'a' && s[2] <= 'z')) {
			fputs("\\fB\\-\\-", f);
			for (s += 2; (*s >= 'a' && *s <= 'z') || *s == '-'; s++)
				if (*s == '-')
					fputs("\\-", f);
				else
					fputc(*s, f);
			fputs("\\fR", f);
			s--;
		} else if (*s == '<')
			fputs("\\fI", f);
		else if (*s == '>')
			fputs("\\fR", f);
		else if (*s == '*')
			fputs((bold = !bold) ? "\\fB" : "\\fR", f);
		else if (s[0] == '.' && s[1] == ' ' && s[2] >= 'A' &&
		    s[2] <= 'Z') {
			fputs(".\n", f);	/* a sentence per line */
			s++;
		} else if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '"')
			fputs("\\(dq", f);
		else if (*s == '\'')
			fputs("\\(aq", f);
		else
			fputc(*s, f);
	}
}

void
options_doc_man(FILE *f, const struct opt_doc *d, const char *note)
{
	fputs(".TP\n", f);
	fputs(d->arg ? ".BI " : d->short_name ? ".BR " : ".B ", f);
	fputs("\\-\\-", f);
	put_roff(f, d->name);
	if (d->arg) {
		fputs(" \" ", f);
		put_roff(f, d->arg);
		fputc('"', f);
	}
	if (d->short_name)
		fprintf(f, " \", \" \\-%c", d->short_name);
	fputc('\n', f);
	if (note)
		fprintf(f, ".RB ( \"%s\" )\n", note);
	put_roff(f, d->help);
	if (d->def) {
		fputs("\nDefault: \\fB", f);
		put_roff(f, d->def);
		fputs("\\fR.", f);
	}
	fputc('\n', f);
}

void
options_help(FILE *f)
{
	fputs("usage: ptscope serve [OPTIONS]\n"
	    "\n"
	    "Run the daemon until SIGINT or SIGTERM.  Every option but --config "
	    "and --help\ncan also be a line \"NAME = VALUE\" of the config "
	    "file.\n\noptions:\n", f);
	for (size_t i = 0; i < OPT_NROWS; i++)
		if (!(opt_table[i].flags & OPT_HIDDEN))
			options_doc_help(f, &opt_table[i].doc);
}

void
options_man(FILE *f)
{
	for (size_t i = 0; i < OPT_NROWS; i++)
		if (!(opt_table[i].flags & OPT_HIDDEN))
			options_doc_man(f, &opt_table[i].doc, NULL);
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
