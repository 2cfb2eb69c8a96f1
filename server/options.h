/* SPDX-License-Identifier: MIT */
/*
 * options.h: every setting of `ptscope serve`, from defaults, the config
 * file (/etc/ptscope.conf or --config) and the command line, in that order
 * (flags win).
 */
#ifndef PTS_OPTIONS_H
#define PTS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define OPT_MAX_PIDS 32
#define OPT_MAX_ALLOW 16	/* --allow-host / --allow-origin entries */
#define OPT_ALLOW_LEN 256
#define OPT_MAX_OPEN 8

struct options {
	char http_host[64];
	int http_port;
	char ws_host[64];
	int ws_port;		/* -1: http_port + 1 (0 stays 0) */
	char web_root[512];
	char proc_root[512];
	char token_file[512];
	char access_log[512];	/* "" none, "-" stdout, else a file */
	char config[512];	/* "" default, or --config FILE */
	bool insecure_no_auth;
	bool show_physical;
	int pids[OPT_MAX_PIDS];
	int npids;
	char allow_uid[256];	/* comma list, "" = any */
	char allow_pid[256];
	/* browser safety (guard.h): more names and origins, for proxies */
	char allow_hosts[OPT_MAX_ALLOW][OPT_ALLOW_LEN];
	unsigned nallow_hosts;
	char allow_origins[OPT_MAX_ALLOW][OPT_ALLOW_LEN];
	unsigned nallow_origins;
	int verbosity;		/* 0 quiet, 1 normal, 2 verbose */
	/* limits */
	size_t max_body;	/* bytes of a request body */
	unsigned max_conns;	/* HTTP connections in total */
	unsigned max_conns_per_ip;
	unsigned conn_timeout;	/* seconds an idle HTTP connection may live */
	unsigned max_subs;	/* subscriptions per WebSocket client */
	size_t max_ws_msg;	/* bytes of one incoming WebSocket message */
	unsigned max_ws_clients;
	unsigned max_spaces;
	unsigned ws_queue;	/* outgoing messages queued per client */
	size_t ws_queue_bytes;	/* and their bytes */
	unsigned ws_drain_ms;	/* a client over them that has not drained
				   after this long is closed */
	unsigned min_interval_ms;
	unsigned metrics_top;	/* top page-table consumers in /metrics */
	unsigned zones_interval_ms;	/* the zones sampler's period */
	unsigned zones_history;	/* zone samples kept (zones-ring.h) */
	/* history (docs/api.md, History) */
	unsigned history;	/* generations kept per space */
	size_t history_bytes;	/* bytes kept per space */
	char open[OPT_MAX_OPEN][512];	/* --open FILE: recordings served */
	int nopen;
};

/* --metrics-top bounds the cardinality of the top-consumer series. */
#define METRICS_TOP_MAX 100

/* How one option is documented; --help and the man page are made from
   this. */
struct opt_doc {
	const char *name;	/* long name without dashes: --NAME */
	char short_name;	/* -X, or 0 */
	const char *arg;	/* "HOST:PORT"; NULL for a switch */
	const char *def;	/* the default as a value; NULL when help says */
	/* Plain sentences; in the man page --NAME is bold, <X> italic and
	   *X* bold (--help drops the marks). */
	const char *help;
};

struct opt_spec;
typedef int opt_setter(struct options *, const struct opt_spec *,
    const char *value, struct pts_err *);

/* One row of the options table of `serve` (options.c). */
struct opt_spec {
	struct opt_doc doc;
	opt_setter *set;	/* NULL: handled by options_parse */
	size_t off, size;	/* the field a generic setter fills */
	unsigned flags;
};
#define OPT_CMDLINE	1u	/* a flag only, not a config-file key */
#define OPT_HIDDEN	2u	/* not in --help nor the man page */

/* Defaults (the table's, and those the help text describes). */
void options_defaults(struct options *);

#define OPTIONS_HELP		1
#define OPTIONS_HELP_MAN	2
/*
 * Parse `serve` arguments (argv[0] is "serve").  Reads the config file first
 * (the --config named one, or /etc/ptscope.conf when it exists), then the
 * flags.  Returns 0, OPTIONS_HELP for --help, OPTIONS_HELP_MAN for the
 * hidden --help-man, or PTS_EINVAL with a message.
 */
int options_parse(struct options *, int argc, char **argv, struct pts_err *);

/* Apply one config-file line's key and value. */
int options_set(struct options *, const char *key, const char *value,
    struct pts_err *);


/* Split "HOST:PORT" ("[::1]:80" too) into host and port. */
int options_parse_hostport(const char *s, char *host, size_t hostlen,
    int *port, struct pts_err *);

/* True for 127.0.0.0/8, ::1 and "localhost". */
bool options_host_is_loopback(const char *host);

/* Is v in a comma-separated list of numbers ("1000,1001")? */
bool options_list_contains(const char *list, long v);

/* `ptscope serve --help`: usage and every option. */
void options_help(FILE *);
/* The man page's SERVE OPTIONS entries, as roff (--help-man). */
void options_man(FILE *);
/* One option's entry in --help, and in the man page (roff; note, such as
   the commands that take it, may be NULL); also for the CLI's commands. */
void options_doc_help(FILE *, const struct opt_doc *);
void options_doc_man(FILE *, const struct opt_doc *, const char *note);

#endif
