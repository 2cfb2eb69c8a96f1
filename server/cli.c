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
#include "options.h"
#include "request.h"
#include "procfs.h"
#include "procfs-space.h"
#include "ptdump.h"
#include "sim.h"
#include "vm.h"
#include "strbuf.h"

/* Where a command's space comes from and how to show it. */
struct cli_args {
	int pid;
	const char *sim, *scenario, *node, *depth, *format, *proc_root;
	const char *gdb, *qmp;
	unsigned ram_mb;
	int optind;
};

static const char dump_usage[] =
"usage: ptscope dump (--pid N | --sim ARCH [--scenario S] [--ram-mb MB] |\n"
"                     --gdb HOST:PORT [--qmp PATH|HOST:PORT])\n"
"                    [--node LEVEL:VA] [--depth D] [--format json|ptdump]\n"
"                    [--proc-root DIR]\n";
static const char walk_usage[] =
"usage: ptscope walk (--pid N | --sim ARCH [--scenario S] [--ram-mb MB] |\n"
"                     --gdb HOST:PORT [--qmp PATH|HOST:PORT])\n"
"                    [--proc-root DIR] VA\n";
static const char zones_usage[] = "usage: ptscope zones [--proc-root DIR]\n";
static const char arches_usage[] = "usage: ptscope arches\n";

/* The commands, as bits of cli_opt.cmds. */
#define CMD_DUMP	1u
#define CMD_WALK	2u
#define CMD_ZONES	4u
#define CMD_ARCHES	8u

/* The options of the commands: getopt and each command's --help are made
   from this table. */
static const struct cli_opt {
	struct opt_doc doc;
	int val;		/* getopt_long's value */
	unsigned cmds;		/* the commands that take it */
} cli_opts[] = {
	{ { "pid", 0, "N", NULL,
	    "Attach to process <N> through </proc>. Reading another user's "
	    "process needs CAP_SYS_PTRACE; physical addresses need "
	    "CAP_SYS_ADMIN. Give exactly one of --pid, --sim and --gdb." },
	  'p', CMD_DUMP | CMD_WALK },
	{ { "sim", 0, "ARCH", NULL,
	    "Build a simulated space of architecture <ARCH> (one of the ids "
	    "*ptscope arches* prints)." },
	  's', CMD_DUMP | CMD_WALK },
	{ { "gdb", 0, "HOST:PORT", NULL,
	    "Read the real page tables of a QEMU guest through its gdbstub "
	    "(QEMU -gdb tcp:HOST:PORT); the guest is stopped only while its "
	    "tables are read. See docs/vm.md." },
	  'g', CMD_DUMP | CMD_WALK },
	{ { "qmp", 0, "PATH|HOST:PORT", NULL,
	    "The guest's QMP socket (QEMU -qmp unix:PATH,server,nowait): "
	    "needed for x86_64 guests, whose CR3 only the monitor shows." },
	  'q', CMD_DUMP | CMD_WALK },
	{ { "scenario", 0, "S", "process",
	    "What the simulated space holds: *empty* (only the root table), "
	    "*process* (a typical process: text, data, heap, libraries, "
	    "stack) or *kernel* (a kernel's direct map, text and vmalloc "
	    "area)." },
	  'c', CMD_DUMP | CMD_WALK },
	{ { "ram-mb", 0, "MB", NULL,
	    "Size of the simulated machine's memory, in MiB (0 or absent: "
	    "the simulator's default)." },
	  'r', CMD_DUMP | CMD_WALK },
	{ { "node", 0, "LEVEL:VA", NULL,
	    "Start at the table of level <LEVEL> (pgd, p4d, pud, pmd, pte) "
	    "that covers <VA>. Default: the root, pgd:0x0." },
	  'n', CMD_DUMP },
	{ { "depth", 0, "D", "1",
	    "How many levels below the node to list: 0 gives the node with "
	    "its statistics only, 1 lists its entries, 2 also the entries of "
	    "the tables they point to, and so on up to 5." },
	  'd', CMD_DUMP },
	{ { "format", 0, "json|ptdump", "json",
	    "The tree as JSON, or the space's mapped ranges as text in the "
	    "style of the kernel's ptdump files." },
	  'f', CMD_DUMP },
	{ { "proc-root", 0, "DIR", "/proc",
	    "Read <DIR> instead of </proc>." },
	  'P', CMD_DUMP | CMD_WALK | CMD_ZONES },
	{ { "help", 'h', NULL, NULL, "Print this help and exit." },
	  'h', CMD_DUMP | CMD_WALK | CMD_ZONES | CMD_ARCHES },
};

#define CLI_NOPTS (sizeof cli_opts / sizeof cli_opts[0])

/* getopt_long's table of the options of any command in cmds (--help is
   only taken alone, by wants_help()). */
static void
getopt_table(struct option *lo, unsigned cmds)
{
	size_t n = 0;

	for (size_t i = 0; i < CLI_NOPTS; i++)
		if ((cli_opts[i].cmds & cmds) && cli_opts[i].val != 'h')
			lo[n++] = (struct option){ cli_opts[i].doc.name,
			    cli_opts[i].doc.arg ? required_argument :
			    no_argument, NULL, cli_opts[i].val };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

/* Print a command's usage to stderr with the reason; exit status 2. */
static int
usage(const char *text, const char *why)
{
	if (why)
		fprintf(stderr, "ptscope: %s\n", why);
	fputs(text, stderr);
	return 2;
}

/* `ptscope CMD --help` (or -h) alone: the usage, what the command does and
   its options, to stdout. */
static bool
wants_help(int argc, char **argv, const char *text, const char *what,
    unsigned cmd)
{
	if (argc != 2 || (strcmp(argv[1], "--help") && strcmp(argv[1], "-h")))
		return false;
	fputs(text, stdout);
	fputc('\n', stdout);
	fputs(what, stdout);
	fputs("\noptions:\n", stdout);
	for (size_t i = 0; i < CLI_NOPTS; i++)
		if (cli_opts[i].cmds & cmd)
			options_doc_help(stdout, &cli_opts[i].doc);
	return true;
}

/*
 * `ptscope dump --help-man` (hidden): the man page's OPTIONS OF DUMP AND
 * WALK entries, as roff, each noting the commands that take it unless
 * those are just dump and walk.
 */
static bool
wants_help_man(int argc, char **argv)
{
	static const char *const names[] = { "dump", "walk", "zones",
	    "arches" };

	if (argc != 2 || strcmp(argv[1], "--help-man"))
		return false;
	for (size_t i = 0; i < CLI_NOPTS; i++) {
		unsigned cmds = cli_opts[i].cmds;
		char note[40] = "";

		if (cli_opts[i].val == 'h')
			continue;
		for (unsigned k = 0; cmds != (CMD_DUMP | CMD_WALK) && k < 4;
		    k++)
			if (cmds & (1u << k))
				snprintf(note + strlen(note),
				    sizeof note - strlen(note), "%s%s",
				    note[0] ? ", " : "", names[k]);
		options_doc_man(stdout, &cli_opts[i].doc,
		    note[0] ? note : NULL);
	}
	return true;
}

static int
parse_args(int argc, char **argv, struct cli_args *a, const char **why)
{
	struct option opts[CLI_NOPTS + 1];
	uint64_t v;
	int c;

	getopt_table(opts, CMD_DUMP | CMD_WALK);
	memset(a, 0, sizeof *a);
	a->scenario = "process";
	a->proc_root = "/proc";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (request_parse_u64(optarg, &v) || v == 0 ||
			    v > 0x7fffffff)
				return *why = "--pid wants a process id", -1;
			a->pid = (int)v;
			break;
		case 's': a->sim = optarg; break;
		case 'g': a->gdb = optarg; break;
		case 'q': a->qmp = optarg; break;
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
	if ((a->pid != 0) + (a->sim != NULL) + (a->gdb != NULL) != 1)
		return *why = "give exactly one of --pid, --sim or --gdb", -1;
	if (a->qmp && !a->gdb)
		return *why = "--qmp goes with --gdb", -1;
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
	if (a->gdb)
		return vm_space_new(a->gdb, a->qmp, VM_MEMORY_AUTO, s, err);
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
	else if (a->gdb)
		snprintf(buf, len, "vm");
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

	if (wants_help_man(argc, argv))
		return 0;
	if (wants_help(argc, argv, dump_usage,
	    "Print the page-table tree of one space as JSON, as\n"
	    "GET /api/v1/spaces/ID/tree answers (or, with --format ptdump, its "
	    "mapped\nranges as ptdump text).\n", CMD_DUMP))
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

	if (wants_help(argc, argv, walk_usage,
	    "Walk the virtual address VA (0x... or decimal) through a space's "
	    "tables and\nprint the steps as JSON, as "
	    "GET /api/v1/spaces/ID/walk?va=VA answers.\n", CMD_WALK))
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
	struct option opts[CLI_NOPTS + 1];
	const char *root = "/proc";
	struct zones_state zs = { 0 };
	struct pts_err err = { 0 };
	int c;

	if (wants_help(argc, argv, zones_usage,
	    "Print the machine's NUMA nodes, zones, watermarks and buddy free "
	    "lists as\nJSON, as GET /api/v1/zones answers.\n", CMD_ZONES))
		return 0;
	getopt_table(opts, CMD_ZONES);
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
	if (wants_help(argc, argv, arches_usage,
	    "Print the page-table geometry of every architecture as JSON, as\n"
	    "GET /api/v1/arches answers.\n", CMD_ARCHES))
		return 0;
	if (argc != 1)
		return usage(arches_usage, "unexpected argument");
	print_json(json_arches());
	return 0;
}
