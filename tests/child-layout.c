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
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)
#define PG 4096
#define CL_MADV_COLLAPSE 25
#define CL_MADV_GUARD_INSTALL 102

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

/* AnonHugePages of ourselves in kB. */
static long
anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long v = 0;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "AnonHugePages: %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
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

int
main(void)
{
	char *anon = map_aligned(4 * MiB, 2 * MiB), *thp, *file, *pn, *g, *hi;
	static const int touch[] = { 0, 1, 7, 100, 511 };
	int thp_ok, guard_ok;
	char high[40];
	sigset_t block, old;

	madvise(anon, 4 * MiB, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < sizeof touch / sizeof touch[0]; i++)
		anon[touch[i] * PG] = 1;
	thp = map_aligned(2 * MiB, 2 * MiB);
	thp_ok = make_thp(thp);
	file = map_file();
	pn = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* 4-page aligned: the four pages share one page table (t-200 looks
	 * up entries i..i+2 in the table of page 0) */
	g = map_aligned(4 * PG, 4 * PG);
	g[0] = 1;
	guard_ok = madvise(g + 2 * PG, PG, CL_MADV_GUARD_INSTALL) == 0;
	hi = mmap((void *)(uintptr_t)0x500000000000, PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	snprintf(high, sizeof high, "null");
	if (hi != MAP_FAILED) {
		hi[0] = 1;
		snprintf(high, sizeof high, "\"%p\"", (void *)hi);
	}
	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("{\"pid\":%d,\"anon\":\"%p\",\"thp\":\"%p\",\"thp_ok\":%s,"
	    "\"file\":\"%p\",\"prot_none\":\"%p\",\"guard\":\"%p\","
	    "\"guard_ok\":%s,\"high\":%s}\n", (int)getpid(), (void *)anon,
	    (void *)thp, thp_ok ? "true" : "false", (void *)file, (void *)pn,
	    (void *)g, guard_ok ? "true" : "false", high);
	fflush(stdout);
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
