/* SPDX-License-Identifier: MIT */
/*
 * child-layout.c: a process with an address space the live tests control.
 *
 * It maps the regions below, prints their addresses as one JSON line, then
 * waits: SIGUSR1 touches more pages and prints "ok"; SIGTERM ends it.
 *   anon   4 MiB, 2 MiB-aligned, MADV_NOHUGEPAGE; pages 0 1 7 100 511
 *          written (SIGUSR1: also 200 300 and 512, the first page of the
 *          second 2 MiB span)
 *   thp    2 MiB, 2 MiB-aligned, MADV_HUGEPAGE, written (thp_ok: the
 *          kernel gave it a PMD-mapped THP, per smaps AnonHugePages)
 *   file   a 3-page temporary file mapped shared read-only, all pages read
 *   prot_none  4 pages PROT_NONE
 *   guard  4 pages rw, page 0 written, page 2 a MADV_GUARD_INSTALL marker
 *   high   one page at 0x500000000000 (above 2^46), written
 * With the argument "more-kinds" it also maps (for the two-pass scan test):
 *   zero   16 pages in their own 2 MiB span, MADV_NOHUGEPAGE: pages 0-7
 *          read only (the shared zero page), 8-11 written
 *   cow    a 4-page temporary file mapped private read-write, all pages
 *          read, pages 1 and 3 written (copied on write: anonymous)
 *   hzero  2 MiB, 2 MiB-aligned, MADV_HUGEPAGE, read only (the huge zero
 *          page when the kernel uses it)
 *   swap   8 written pages given to MADV_PAGEOUT (swapped only when the
 *          machine has swap: "swap_ok" says whether page 0 was)
 *   and then clears the soft-dirty bits (/proc/self/clear_refs "4") and
 *   writes zero page 8 and cow page 1 again, so only they are soft-dirty.
 * With a further argument "report" (child-layout more-kinds report) it
 * prints a second JSON line, {"kernel":{...}}: what the kernel itself says
 * of each region, for a test that cannot read our /proc from outside (the
 * in-guest test, t-610): per region the page indices ([first, last] runs)
 * pagemap shows present, PM_FILE and (by /proc/kpageflags KPF_ZERO_PAGE)
 * zero pages, whether the PFNs run on one by one from a region-aligned
 * PFN, the first page's kpageflags, the VMA's AnonHugePages from smaps,
 * and VmPTE last.
 *
 * With --commands it maps nothing, prints {"pid":N} and runs the commands
 * it reads from stdin, one a line, answering each with one line ("ok ..."
 * or "error ..."):
 *   region           map a 2 MiB-aligned 4 MiB anonymous region (private,
 *                    MADV_NOHUGEPAGE); "ok 0x..." is its address
 *   touch N          write the first N pages of the region (4 KiB ptes)
 *   collapse         MADV_HUGEPAGE then MADV_COLLAPSE the first 2 MiB:
 *                    "ok" when the kernel collapsed it, "error ..." if not
 *   fork             fork a child that waits for write commands
 *   childwrite K     the child writes page K of the region ("ok" when done)
 *   churn MS         for MS milliseconds map, write and unmap 512 pages
 *                    over and over (a process that changes constantly)
 *   stripes N        map 2N pages (2 MiB-aligned, MADV_NOHUGEPAGE) and
 *                    write every other one: N present pages none of
 *                    which touches another ("ok 0x..." the address)
 *   exit             end (the forked child ends too: its pipe closes)
 *
 * With --vmas N it maps N pages (between two PROT_NONE pages), writes
 * each, gives every odd one
 * PROT_READ (so the kernel keeps N VMAs: neighbours differ), prints
 * {"pid":P,"base":"0x...","count":N} and waits for SIGTERM.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)
#define PG 4096
#define CL_MADV_PAGEOUT 21
#define CL_MADV_COLLAPSE 25
#define CL_MADV_GUARD_INSTALL 102
#define CL_PM_PFN ((UINT64_C(1) << 55) - 1)
#define CL_PM_FILE (UINT64_C(1) << 61)
#define CL_PM_PRESENT (UINT64_C(1) << 63)
#define CL_KPF_ZERO_PAGE 24

/* The regions the report describes (name, start, pages). */
static struct cl_region {
	const char *name;
	char *p;
	size_t pages;
} regions[16];
static int nregions;

static void
note_region(const char *name, char *p, size_t pages)
{
	if (p && p != MAP_FAILED && nregions < 16)
		regions[nregions++] = (struct cl_region){ name, p, pages };
}

static volatile sig_atomic_t got_usr1;

/* SIGUSR1 handler: note it. */
static void
on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/* An anonymous region of size bytes aligned to align. */
static char *
map_aligned(size_t size, size_t align)
{
	char *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
}

/* The "KEY: N kB" line of one of our own /proc/self files, in kB. */
static long
self_kb(const char *file, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/self/%s", file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = atol(line + klen + 1);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

/* AnonHugePages of ourselves in kB. */
static long
anon_huge_kb(void)
{
	return self_kb("smaps_rollup", "AnonHugePages");
}

/* Try to get a THP for the 2 MiB at p. */
static int
make_thp(char *p)
{
	madvise(p, 2 * MiB, MADV_HUGEPAGE);
	p[0] = 1;
	if (anon_huge_kb() >= 2048)
		return 1;
	for (int i = 0; i < 2 * (int)MiB; i += PG)
		p[i] = 1;
	madvise(p, 2 * MiB, CL_MADV_COLLAPSE);
	return anon_huge_kb() >= 2048;
}

/* A 3-page temporary file mapped shared read-only, all pages read. */
static char *
map_file(void)
{
	char path[] = "/tmp/ptscope-child-XXXXXX", buf[PG];
	int fd = mkstemp(path);
	char *p;
	volatile char sink;

	if (fd < 0)
		return NULL;
	unlink(path);
	memset(buf, 'x', sizeof buf);
	for (int i = 0; i < 3; i++)
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
			return NULL;
	p = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	for (int i = 0; i < 3; i++)
		sink = p[i * PG];
	(void)sink;
	return p;
}

/* A 4-page temporary file mapped private rw; pages read, 1 and 3 written. */
static char *
map_cow(void)
{
	char path[] = "/tmp/ptscope-child-XXXXXX", buf[PG];
	int fd = mkstemp(path);
	volatile char sink;
	char *p;

	if (fd < 0)
		return NULL;
	unlink(path);
	memset(buf, 'y', sizeof buf);
	for (int i = 0; i < 4; i++)
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
			return NULL;
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	for (int i = 0; i < 4; i++)
		sink = ((volatile char *)p)[i * PG];
	(void)sink;
	p[1 * PG] = p[3 * PG] = 1;
	return p;
}

/* Whether our own page at p is a swap entry now (pagemap bit 62). */
static int
is_swapped(const char *p)
{
	uint64_t w = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &w, 8, (off_t)((uintptr_t)p / PG * 8)) != 8)
		w = 0;
	close(fd);
	return (int)((w >> 62) & 1);
}

/* The more-kinds regions; prints their part of the JSON line into buf. */
static void
more_kinds(char *buf, size_t len)
{
	char *z = map_aligned(2 * MiB, 2 * MiB), *cow = map_cow(), *hz, *sw;
	volatile char sink = 0;
	int fd, swap_ok;

	madvise(z, 2 * MiB, MADV_NOHUGEPAGE);
	for (int i = 0; i < 8; i++)
		sink += z[i * PG];
	for (int i = 8; i < 12; i++)
		z[i * PG] = 1;
	hz = map_aligned(2 * MiB, 2 * MiB);
	madvise(hz, 2 * MiB, MADV_HUGEPAGE);
	sink += hz[0];
	sw = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 8; i++)
		sw[i * PG] = 1;
	madvise(sw, 8 * PG, CL_MADV_PAGEOUT);
	swap_ok = is_swapped(sw);
	(void)sink;
	if ((fd = open("/proc/self/clear_refs", O_WRONLY)) >= 0) {
		if (write(fd, "4", 1) != 1)
			perror("clear_refs");
		close(fd);
	}
	z[8 * PG] = 2;
	if (cow)
		cow[1 * PG] = 2;
	note_region("zero", z, 512);
	note_region("cow", cow, 4);
	note_region("hzero", hz, 512);
	note_region("swap", sw, 8);
	snprintf(buf, len, ",\"zero\":\"%p\",\"cow\":\"%p\",\"hzero\":"
	    "\"%p\",\"swap\":\"%p\",\"swap_ok\":%s", (void *)z,
	    (void *)cow, (void *)hz, (void *)sw, swap_ok ? "true" : "false");
}

/* kpageflags of pfn (0 when unreadable). */
static uint64_t
kpageflags(int fd, uint64_t pfn)
{
	uint64_t f = 0;

	if (fd < 0 || pread(fd, &f, 8, (off_t)(pfn * 8)) != 8)
		f = 0;
	return f;
}

/* smaps' KEY: value (kB) of the VMA holding va; -1 when not found. */
static long
smaps_kb(const char *va, const char *key)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long a, b;
	size_t klen = strlen(key);
	long v = -1;
	int in = 0;

	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') == line + strspn(line, "0123456789abcdef"))
			in = (uintptr_t)va >= a && (uintptr_t)va < b;
		else if (in && !strncmp(line, key, klen) && line[klen] == ':')
			v = atol(line + klen + 1);
	}
	if (f)
		fclose(f);
	return v;
}


/* Print the indices of w[0..n) for which keep() holds as a JSON list of
 * [first, last] runs. */
static void
print_list(const char *key, const uint64_t *w, size_t n, int kf,
    int (*keep)(uint64_t, int))
{
	const char *sep = "";

	printf("\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		if (!keep(w[i], kf))
			continue;
		while (j + 1 < n && keep(w[j + 1], kf))
			j++;
		printf("%s[%zu,%zu]", sep, i, j);
		sep = ",";
		i = j;
	}
	printf("],");
}

static int
is_present(uint64_t w, int kf)
{
	(void)kf;
	return (w & CL_PM_PRESENT) != 0;
}

static int
is_file(uint64_t w, int kf)
{
	(void)kf;
	return (w & CL_PM_PRESENT) && (w & CL_PM_FILE);
}

static int
is_zero(uint64_t w, int kf)
{
	return (w & CL_PM_PRESENT) && (w & CL_PM_PFN) &&
	    (kpageflags(kf, w & CL_PM_PFN) >> CL_KPF_ZERO_PAGE & 1);
}

/* Whether the n words hold PFNs pfn0, pfn0+1, ... from an n-aligned pfn0. */
static int
pfn_run(const uint64_t *w, size_t n)
{
	uint64_t pfn0 = w[0] & CL_PM_PFN;

	if (!(w[0] & CL_PM_PRESENT) || pfn0 == 0 || pfn0 % n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(w[i] & CL_PM_PRESENT) || (w[i] & CL_PM_PFN) != pfn0 + i)
			return 0;
	return 1;
}

/* One region's part of the report line. */
static void
report_region(int pm, int kf, const struct cl_region *r)
{
	uint64_t *w = calloc(r->pages, 8);

	if (w == NULL || pread(pm, w, r->pages * 8,
	    (off_t)((uintptr_t)r->p / PG * 8)) != (ssize_t)(r->pages * 8)) {
		free(w);
		return;
	}
	printf("\"%s\":{", r->name);
	print_list("present", w, r->pages, kf, is_present);
	print_list("file", w, r->pages, kf, is_file);
	print_list("zero", w, r->pages, kf, is_zero);
	printf("\"pfn_run\":%s,\"kpageflags0\":\"0x%" PRIx64 "\","
	    "\"anon_huge_kb\":%ld},", pfn_run(w, r->pages) ? "true" : "false",
	    (w[0] & CL_PM_PRESENT) ? kpageflags(kf, w[0] & CL_PM_PFN) : 0,
	    smaps_kb(r->p, "AnonHugePages"));
	free(w);
}

/* The "report" line: the kernel's own view of every noted region. */
static void
kernel_report(void)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);

	printf("{\"kernel\":{\"kpageflags\":%s,", kf >= 0 ? "true" : "false");
	for (int i = 0; pm >= 0 && i < nregions; i++)
		report_region(pm, kf, &regions[i]);
	printf("\"vm_pte_kb\":%ld}}\n", self_kb("status", "VmPTE"));
	fflush(stdout);
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
}

static char *cmd_region;
static int to_child[2] = { -1, -1 }, from_child[2] = { -1, -1 };

/* The forked child: write the pages it is told, answer each. */
static void
cmd_child_loop(void)
{
	long k;
	char c = 1;

	for (;;) {
		if (read(to_child[0], &k, sizeof k) != (ssize_t)sizeof k)
			_exit(0);
		cmd_region[k * PG] = 2;
		if (write(from_child[1], &c, 1) != 1)
			_exit(1);
	}
}

static void
cmd_fork(void)
{
	pid_t pid;

	if (pipe(to_child) < 0 || pipe(from_child) < 0) {
		printf("error pipe\n");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* only the pipes: the test reads our parent's stdout to EOF */
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		close(to_child[1]);
		close(from_child[0]);
		cmd_child_loop();
	}
	close(to_child[0]);
	close(from_child[1]);
	printf(pid < 0 ? "error fork\n" : "ok %d\n", (int)pid);
}

static void
cmd_childwrite(long k)
{
	char c;

	if (write(to_child[1], &k, sizeof k) != (ssize_t)sizeof k ||
	    read(from_child[0], &c, 1) != 1)
		printf("error child\n");
	else
		printf("ok\n");
}

/* Map, write and unmap 512 pages over and over for ms milliseconds. */
static void
cmd_churn(long ms)
{
	struct timespec t0, t;
	long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		char *p = mmap(NULL, 512 * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		for (int i = 0; i < 512; i++)
			p[i * PG] = (char)n;
		munmap(p, 512 * PG);
		n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
	    (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	printf("ok %ld\n", n);
}

/* One command line; false to end. */
static bool
cmd_run(const char *line)
{
	long v = 0;

	if (sscanf(line, "stripes %ld", &v) == 1 && v > 0) {
		char *p = map_aligned((size_t)v * 2 * PG, 2 * MiB);

		madvise(p, (size_t)v * 2 * PG, MADV_NOHUGEPAGE);
		for (long i = 0; i < v; i++)
			p[i * 2 * PG] = 1;
		printf("ok %p\n", (void *)p);
	} else if (!strncmp(line, "region", 6)) {
		cmd_region = map_aligned(4 * MiB, 2 * MiB);
		madvise(cmd_region, 4 * MiB, MADV_NOHUGEPAGE);
		printf("ok %p\n", (void *)cmd_region);
	} else if (sscanf(line, "touch %ld", &v) == 1 && cmd_region) {
		for (long i = 0; i < v; i++)
			cmd_region[i * PG] = 1;
		printf("ok\n");
	} else if (!strncmp(line, "collapse", 8) && cmd_region) {
		madvise(cmd_region, 2 * MiB, MADV_HUGEPAGE);
		if (madvise(cmd_region, 2 * MiB, CL_MADV_COLLAPSE) == 0)
			printf("ok\n");
		else
			printf("error %s\n", strerror(errno));
	} else if (!strncmp(line, "fork", 4) && cmd_region) {
		cmd_fork();
	} else if (sscanf(line, "childwrite %ld", &v) == 1 && to_child[1] >= 0
	    && v >= 0 && v < 1024) {
		cmd_childwrite(v);
	} else if (sscanf(line, "churn %ld", &v) == 1) {
		cmd_churn(v);
	} else if (!strncmp(line, "exit", 4)) {
		return false;
	} else {
		printf("error unknown command\n");
	}
	return true;
}

static int
commands(void)
{
	char line[128];

	printf("{\"pid\":%d}\n", (int)getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) && cmd_run(line))
		fflush(stdout);
	return 0;
}

/* --vmas N: N one-page VMAs of alternating protection. */
static int
many_vmas(long n)
{
	char *base;

	if (n < 1 || n > 60000)
		return 2;
	/* a PROT_NONE page each side: the first and last VMAs cannot merge
	 * with a neighbouring mapping */
	base = mmap(NULL, (size_t)(n + 2) * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED || mprotect(base, PG, PROT_NONE) < 0 ||
	    mprotect(base + (n + 1) * PG, PG, PROT_NONE) < 0)
		return 1;
	base += PG;
	for (long i = 0; i < n; i++)
		base[i * PG] = 1;
	for (long i = 1; i < n; i += 2)
		if (mprotect(base + i * PG, PG, PROT_READ) < 0)
			return 1;
	printf("{\"pid\":%d,\"base\":\"%p\",\"count\":%ld}\n", (int)getpid(),
	    (void *)base, n);
	fflush(stdout);
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	char *anon, *thp, *file, *pn, *g, *hi;
	static const int touch[] = { 0, 1, 7, 100, 511 };
	int thp_ok, guard_ok;
	char high[40], more[400] = "";
	sigset_t block, old;

	if (argc > 1 && !strcmp(argv[1], "--commands"))
		return commands();
	if (argc > 2 && !strcmp(argv[1], "--vmas"))
		return many_vmas(strtol(argv[2], NULL, 10));
	anon = map_aligned(4 * MiB, 2 * MiB);
	madvise(anon, 4 * MiB, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < sizeof touch / sizeof touch[0]; i++)
		anon[touch[i] * PG] = 1;
	thp = map_aligned(2 * MiB, 2 * MiB);
	thp_ok = make_thp(thp);
	file = map_file();
	pn = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	note_region("anon", anon, 1024);
	note_region("thp", thp, 512);
	note_region("file", file, 3);
	/* 4-page aligned: the four pages share one page table (t-200 looks
	 * up entries i..i+2 in the table of page 0) */
	g = map_aligned(4 * PG, 4 * PG);
	g[0] = 1;
	guard_ok = madvise(g + 2 * PG, PG, CL_MADV_GUARD_INSTALL) == 0;
	hi = mmap((void *)(uintptr_t)0x500000000000, PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	snprintf(high, sizeof high, "null");
	note_region("guard", g, 4);
	if (hi != MAP_FAILED) {
		hi[0] = 1;
		note_region("high", hi, 1);
		snprintf(high, sizeof high, "\"%p\"", (void *)hi);
	}
	if (argc > 1 && strcmp(argv[1], "more-kinds") == 0)
		more_kinds(more, sizeof more);
	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("{\"pid\":%d,\"anon\":\"%p\",\"thp\":\"%p\",\"thp_ok\":%s,"
	    "\"file\":\"%p\",\"prot_none\":\"%p\",\"guard\":\"%p\","
	    "\"guard_ok\":%s,\"high\":%s%s}\n", (int)getpid(), (void *)anon,
	    (void *)thp, thp_ok ? "true" : "false", (void *)file, (void *)pn,
	    (void *)g, guard_ok ? "true" : "false", high, more);
	fflush(stdout);
	if (argc > 2 && strcmp(argv[2], "report") == 0)
		kernel_report();
	for (;;) {
		sigsuspend(&old);
		if (got_usr1) {
			got_usr1 = 0;
			anon[200 * PG] = anon[300 * PG] = anon[512 * PG] = 1;
			printf("ok\n");
			fflush(stdout);
		}
	}
}
