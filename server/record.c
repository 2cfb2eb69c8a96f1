/* SPDX-License-Identifier: MIT */
/*
 * record.c: `ptscope record (--pid N | -- CMD [ARG...]) -o FILE`.
 *
 * Every --interval the process is re-read and captured whole (the tree with
 * its pagemap details, and the ranges); a capture that differs from the last
 * one is a new generation, written as its delta in one transaction.  With
 * CMD the child is started under PTRACE_TRACEME, so it stops right after its
 * execve(): the first generation is the address space the kernel built for
 * the new program (ELF and ld.so mappings, stack, vdso, no heap yet), then
 * it is detached and runs.  Recording ends when the process exits, after
 * --duration, or on SIGINT/SIGTERM.
 */
#include "config.h"
#include "record.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "options.h"
#include "procfs-space.h"
#include "recording.h"
#include "registry.h"
#include "strbuf.h"

static const char record_usage[] =
"usage: ptscope record (--pid N | -- CMD [ARG...]) --output FILE\n"
"                      [--interval MS] [--duration S] [--show-physical]\n"
"                      [--proc-root DIR]\n";

static const char record_what[] =
"Record a process's page tables over time into FILE, an SQLite database\n"
"(docs/recording.md) that `ptscope serve --open FILE` serves as a space\n"
"whose history is the recording.  With -- CMD the command is started\n"
"stopped at its execve(), so the recording begins with the address space\n"
"the kernel built for it.\n";

/* The options of record: getopt and --help are made from this table. */
static const struct rec_opt {
	struct opt_doc doc;
	int val;
} rec_opts[] = {
	{ { "pid", 0, "N", NULL,
	    "Record process <N> (already running). Give exactly one of --pid "
	    "and -- CMD." }, 'p' },
	{ { "output", 'o', "FILE", NULL,
	    "Write the recording to <FILE>, which must not exist yet." }, 'o' },
	{ { "interval", 0, "MS", "100",
	    "Re-read the process every <MS> milliseconds (10 or more); a "
	    "reading that differs from the last one is a new generation." },
	  'i' },
	{ { "duration", 0, "S", "0",
	    "Stop after <S> seconds (0: when the process exits)." }, 'd' },
	{ { "show-physical", 0, NULL, NULL,
	    "Keep physical addresses and descriptor values in the file (they "
	    "are a kernel secret; off by default)." }, 'S' },
	{ { "proc-root", 0, "DIR", "/proc",
	    "Read <DIR> instead of </proc>." }, 'P' },
	{ { "help", 'h', NULL, NULL, "Print this help and exit." }, 'h' },
};

#define REC_NOPTS (sizeof rec_opts / sizeof rec_opts[0])

static void
print_help(void)
{
	fputs(record_usage, stdout);
	fputc('\n', stdout);
	fputs(record_what, stdout);
	fputs("\noptions:\n", stdout);
	for (size_t i = 0; i < REC_NOPTS; i++)
		options_doc_help(stdout, &rec_opts[i].doc);
}

struct rec_args {
	int pid;
	const char *out, *proc_root;
	unsigned interval_ms;
	unsigned duration_s;	/* 0: until the process exits */
	bool show_physical;
	char **cmd;		/* after "--", or NULL */
};

static volatile sig_atomic_t stop_asked;

static void
on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static int
usage(const char *why)
{
	if (why)
		fprintf(stderr, "ptscope record: %s\n", why);
	fputs(record_usage, stderr);
	return 2;
}

static bool
parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return false;
	*out = v;
	return true;
}

/* Returns 0, 1 for --help, or 2 after printing the usage error. */
static int
parse_args(int argc, char **argv, struct rec_args *a)
{
	struct option opts[REC_NOPTS + 1];
	unsigned long v;
	int c;

	for (size_t i = 0; i < REC_NOPTS; i++)
		opts[i] = (struct option){ rec_opts[i].doc.name,
		    rec_opts[i].doc.arg ? required_argument : no_argument, NULL,
		    rec_opts[i].val };
	opts[REC_NOPTS] = (struct option){ NULL, 0, NULL, 0 };
	memset(a, 0, sizeof *a);
	a->proc_root = "/proc";
	a->interval_ms = 100;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_num(optarg, 0x7fffffff, &v) || v == 0)
				return usage("--pid wants a process id");
			a->pid = (int)v;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'i':
			if (!parse_num(optarg, 3600000, &v) || v < 10)
				return usage("--interval wants milliseconds, "
				    "10 or more");
			a->interval_ms = (unsigned)v;
			break;
		case 'd':
			if (!parse_num(optarg, 31 * 86400, &v))
				return usage("--duration wants seconds");
			a->duration_s = (unsigned)v;
			break;
		case 'S':
			a->show_physical = true;
			break;
		case 'P':
			a->proc_root = optarg;
			break;
		case 'h':
			print_help();
			return 1;
		default:
			return usage("unknown or incomplete option");
		}
	}
	if (optind < argc)
		a->cmd = argv + optind;	/* getopt_long stopped at "--" */
	if (a->out == NULL)
		return usage("--output FILE is required");
	if ((a->pid != 0) == (a->cmd != NULL))
		return usage("give either --pid N or -- CMD [ARG...]");
	return 0;
}

/* Fork CMD under PTRACE_TRACEME; returns its pid stopped after execve(). */
static int
start_cmd(char **cmd, int *pid_out, struct pts_err *err)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return pts_errf(err, PTS_EIO, "fork_failed", "fork: %s",
		    strerror(errno));
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		execvp(cmd[0], cmd);
		fprintf(stderr, "ptscope record: %s: %s\n", cmd[0],
		    strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st) ||
	    WSTOPSIG(st) != SIGTRAP) {
		if (!WIFEXITED(st) && !WIFSIGNALED(st))
			kill(pid, SIGKILL);
		return pts_errf(err, PTS_EINVAL, "cannot_run",
		    "%s did not start (exit status %d).", cmd[0],
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	*pid_out = pid;
	return 0;
}

struct recorder {
	const struct rec_args *a;
	struct space *s;
	struct history *h;
	struct rec_writer *w;
	uint64_t gens;
	bool child;		/* we started it: reap it */
	int pid;
};

/* Re-read, capture and write a generation when anything changed. */
static int
record_once(struct recorder *x, const char *caption, struct pts_err *err)
{
	struct hstate *st;
	int r;

	if ((r = x->s->ops->refresh(x->s, err)) < 0 ||
	    (r = hstate_capture(x->s, &st, err)) < 0)
		return r;
	if (!x->a->show_physical)
		hstate_strip_physical(st);
	if (x->h->head && hstate_equal(x->h->head, st)) {
		hstate_free(st);
		return 0;
	}
	st->generation = ++x->gens;
	history_push(x->h, st, caption, history_now_ms());
	return rec_write_generation(x->w, x->h, err);
}

/* Whether our child has exited (reaped). */
static bool
child_exited(struct recorder *x)
{
	int st;

	return x->child && waitpid(x->pid, &st, WNOHANG) == x->pid &&
	    (WIFEXITED(st) || WIFSIGNALED(st));
}

static void
nap(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_asked)
		;
}

/* The first generation, then one per change until the end. */
static int
record_loop(struct recorder *x, const char *first, struct pts_err *err)
{
	uint64_t t0 = now_ms();
	int r = record_once(x, first, err);

	if (x->child)
		ptrace(PTRACE_DETACH, x->pid, NULL, NULL);
	while (r == 0 && !stop_asked && (x->a->duration_s == 0 ||
	    now_ms() - t0 < (uint64_t)x->a->duration_s * 1000)) {
		nap(x->a->interval_ms);
		if (child_exited(x))
			break;
		r = record_once(x, NULL, err);
		if (r == PTS_EGONE)
			return 0;	/* the process ended: done */
	}
	return r;
}

static void
describe(const struct rec_args *a, struct strbuf *cmd)
{
	for (char **p = a->cmd; p && *p; p++)
		strbuf_addf(cmd, "%s%s", cmd->len ? " " : "", *p);
}

static int
run(const struct rec_args *a, struct pts_err *err)
{
	struct recorder x = { a, NULL, NULL, NULL, 0, a->cmd != NULL, a->pid };
	struct strbuf cmd = STRBUF_INIT, first = STRBUF_INIT;
	struct rec_meta m;
	int r;

	if (a->cmd && (r = start_cmd(a->cmd, &x.pid, err)) < 0)
		return r;
	describe(a, &cmd);
	if ((r = procfs_space_new(a->proc_root, x.pid, &x.s, err)) == 0) {
		memset(&m, 0, sizeof m);
		m.arch = x.s->arch->id;
		m.kind = "process";
		m.label = x.s->label;
		m.command = a->cmd ? cmd.buf : NULL;
		m.pid = x.pid;
		m.interval_ms = a->interval_ms;
		r = rec_create(a->out, &m, &x.w, err);
	}
	if (r == 0) {
		x.h = history_new(x.s->arch, 2, 0);
		if (a->cmd)
			strbuf_addf(&first, "exec %s", cmd.buf);
		else
			strbuf_addf(&first, "attach pid %d", x.pid);
		r = record_loop(&x, first.buf, err);
	}
	if (r == 0)
		fprintf(stderr, "ptscope record: %" PRIu64 " generations of "
		    "pid %d in %s\n", x.gens, x.pid, a->out);
	if (x.child && r < 0)
		kill(x.pid, SIGKILL);
	if (x.child)
		waitpid(x.pid, NULL, 0);
	rec_close(x.w, r == 0 ? err : NULL);
	history_free(x.h);
	space_free(x.s);
	strbuf_release(&cmd);
	strbuf_release(&first);
	return r;
}

int
cli_record(int argc, char **argv)
{
	struct sigaction sa;
	struct rec_args a;
	struct pts_err err;
	int r = parse_args(argc, argv, &a);

	if (r)
		return r == 1 ? 0 : r;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (run(&a, &err) < 0) {
		fprintf(stderr, "ptscope record: %s\n", err.msg);
		return 1;
	}
	return 0;
}
