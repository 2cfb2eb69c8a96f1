/* SPDX-License-Identifier: MIT */
/* cli.c: `ptscope dump|walk|zones|arches`, the API's JSON without a server. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "json.h"
#include "request.h"
#include "procfs.h"
#include "procfs-space.h"
#include "ptdump.h"
#include "sim.h"
#include "strbuf.h"

/* Where a command's space comes from and how to show it. */
struct cli_args {
	int pid;
	const char *sim, *scenario, *node, *depth, *format, *proc_root;
	unsigned ram_mb;
	int optind;
};

static const char dump_usage[] =
"usage: ptscope dump (--pid N | --sim ARCH [--scenario S] [--ram-mb MB])\n"
"                    [--node LEVEL:VA] [--depth D] [--format json|ptdump]\n"
"                    [--proc-root DIR]\n";
static const char walk_usage[] =
"usage: ptscope walk (--pid N | --sim ARCH [--scenario S] [--ram-mb MB])\n"
"                    [--proc-root DIR] VA\n";
static const char zones_usage[] = "usage: ptscope zones [--proc-root DIR]\n";
static const char arches_usage[] = "usage: ptscope arches\n";

/* Print a command's usage to stderr with the reason; exit status 2. */
static int
usage(const char *text, const char *why)
{
	if (why)
		fprintf(stderr, "ptscope: %s\n", why);
	fputs(text, stderr);
	return 2;
}

/* `ptscope CMD --help` (or -h) alone: print the usage to stdout. */
static bool
wants_help(int argc, char **argv, const char *text)
{
	if (argc != 2 || (strcmp(argv[1], "--help") && strcmp(argv[1], "-h")))
		return false;
	fputs(text, stdout);
	return true;
}

static int
parse_args(int argc, char **argv, struct cli_args *a, const char **why)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "sim", required_argument, NULL, 's' },
		{ "scenario", required_argument, NULL, 'c' },
		{ "ram-mb", required_argument, NULL, 'r' },
		{ "node", required_argument, NULL, 'n' },
		{ "depth", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "proc-root", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int c;

	memset(a, 0, sizeof *a);
	a->scenario = "process";
	a->proc_root = "/proc";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (request_parse_u64(optarg, &v) || v == 0 || v > 0x7fffffff)
				return *why = "--pid wants a process id", -1;
			a->pid = (int)v;
			break;
		case 's': a->sim = optarg; break;
		case 'c': a->scenario = optarg; break;
		case 'r':
			if (request_parse_u64(optarg, &v) || v > 1u << 20)
				return *why = "--ram-mb wants a number", -1;
			a->ram_mb = (unsigned)v;
			break;
		case 'n': a->node = optarg; break;
		case 'd': a->depth = optarg; break;
		case 'f': a->format = optarg; break;
		case 'P': a->proc_root = optarg; break;
		default:
			return *why = "unknown or incomplete option", -1;
		}
	}
	if ((a->pid != 0) == (a->sim != NULL))
		return *why = "give exactly one of --pid or --sim", -1;
	if (a->format && strcmp(a->format, "json") &&
	    strcmp(a->format, "ptdump"))
		return *why = "--format is json or ptdump", -1;
	a->optind = optind;
	return 0;
}

static int
open_space(const struct cli_args *a, struct space **s, struct pts_err *err)
{
	if (a->pid)
		return procfs_space_new(a->proc_root, a->pid, s, err);
	return sim_space_new(a->sim, a->scenario, a->ram_mb, s, err);
}

static int
fail(const struct pts_err *err)
{
	fprintf(stderr, "ptscope: %s\n", err->msg);
	return err->code == PTS_EINVAL && !strcmp(err->id, "usage") ? 2 : 1;
}

/* An error about what the command line asked for (an unknown arch or
   scenario, a VA outside the arch, a level the arch folds) is a usage
   error, 2; anything else is a runtime error, 1. */
static int
fail_arg(const struct pts_err *err)
{
	fprintf(stderr, "ptscope: %s\n", err->msg);
	return err->code == PTS_EINVAL ? 2 : 1;
}

/* Open the space; a bad --sim/--scenario is the user's, not the machine's. */
static int
open_or_fail(const struct cli_args *a, struct space **s)
{
	struct pts_err err = { 0 };

	if (open_space(a, s, &err) == 0)
		return 0;
	return a->sim ? fail_arg(&err) : fail(&err);
}

static void
print_json(cJSON *o)
{
	char *s = cJSON_Print(o);

	puts(s);
	free(s);
	cJSON_Delete(o);
}

/* The space id the API would give: pid-N or sim. */
static const char *
space_id(const struct cli_args *a, char *buf, size_t len)
{
	if (a->pid)
		snprintf(buf, len, "pid-%d", a->pid);
	else
		snprintf(buf, len, "sim");
	return buf;
}

static int
dump_ptdump(struct space *s, struct pts_err *err)
{
	struct pt_ranges r = { 0 };
	struct strbuf sb = STRBUF_INIT;

	if (s->ops->ranges(s, &r, err) < 0) {
		pt_ranges_release(&r);
		return PTS_EIO;
	}
	ptdump_render(s->arch, &r, &sb);
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, stdout);
	strbuf_release(&sb);
	pt_ranges_release(&r);
	return 0;
}

int
cli_dump(int argc, char **argv)
{
	struct cli_args a;
	struct pts_err err = { 0 };
	struct pt_node *node = NULL;
	struct space *s = NULL;
	const char *why;
	enum pt_level lvl;
	unsigned depth;
	uint64_t va;
	char id[40];
	int r;

	if (wants_help(argc, argv, dump_usage))
		return 0;
	if (parse_args(argc, argv, &a, &why) < 0)
		return usage(dump_usage, why);
	if (a.optind != argc)
		return usage(dump_usage, "unexpected argument");
	if (request_parse_node(a.node, &lvl, &va, &err) < 0 ||
	    request_parse_depth(a.depth, &depth, &err) < 0)
		return usage(dump_usage, err.msg);
	if ((r = open_or_fail(&a, &s)) != 0)
		return r;
	if (a.format && !strcmp(a.format, "ptdump"))
		r = dump_ptdump(s, &err);
	else if ((r = s->ops->tree(s, lvl, va, depth, &node, &err)) == 0) {
		print_json(json_tree(space_id(&a, id, sizeof id), s, node,
		    false));
		pt_node_free(node);
	}
	space_free(s);
	return r < 0 ? fail_arg(&err) : 0;
}

int
cli_walk(int argc, char **argv)
{
	struct cli_args a;
	struct pts_err err = { 0 };
	struct space *s = NULL;
	struct pt_walk w;
	const char *why;
	uint64_t va;
	char id[40];
	int r;

	if (wants_help(argc, argv, walk_usage))
		return 0;
	if (parse_args(argc, argv, &a, &why) < 0)
		return usage(walk_usage, why);
	if (a.optind != argc - 1 || request_parse_u64(argv[a.optind], &va))
		return usage(walk_usage, "give one virtual address, e.g. "
		    "0x7f0000001000");
	if ((r = open_or_fail(&a, &s)) != 0)
		return r;
	memset(&w, 0, sizeof w);
	if (s->ops->walk(s, va, &w, &err) < 0) {
		space_free(s);
		return fail_arg(&err);
	}
	print_json(json_walk(space_id(&a, id, sizeof id), s, &w, false));
	space_free(s);
	return 0;
}

int
cli_zones(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "proc-root", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char *root = "/proc";
	struct zones_state zs = { 0 };
	struct pts_err err = { 0 };
	int c;

	if (wants_help(argc, argv, zones_usage))
		return 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'P')
			return usage(zones_usage, "unknown or incomplete option");
		root = optarg;
	}
	if (optind != argc)
		return usage(zones_usage, "unexpected argument");
	if (server_live_zones(root, &zs, &err) < 0)
		return fail(&err);
	print_json(json_zones(&zs));
	zones_release(&zs);
	return 0;
}

int
cli_arches(int argc, char **argv)
{
	if (wants_help(argc, argv, arches_usage))
		return 0;
	if (argc != 1)
		return usage(arches_usage, "unexpected argument");
	print_json(json_arches());
	return 0;
}
