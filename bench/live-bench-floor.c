/* SPDX-License-Identifier: MIT */
/*
 * live-bench-floor.c: the baselines for the live backend benchmark.
 *   live-bench-floor scan PID START LEN N   the floor: the cheapest
 *       PAGEMAP_SCAN loop that gives the tree summary's present ranges
 *       (category_mask = PRESENT, return_mask = PRESENT|HUGE)
 *   live-bench-floor full PID START LEN N   the one-pass scanner's call
 *       (anyof PRESENT|SWAPPED, return FILE|PRESENT|SWAPPED|PFNZERO|HUGE|
 *       SOFT_DIRTY|GUARD): what ptscope asked before the two-pass scan
 *   live-bench-floor read PID START LEN N   plain full pread of pagemap
 * Each opens pagemap and runs N times; prints the mean milliseconds per run.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct region { uint64_t start, end, categories; };
struct scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages,
	    category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define SCAN _IOWR('f', 16, struct scan_arg)

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define IS_PRESENT 0x08
#define IS_SWAPPED 0x10
#define IS_HUGE 0x40

static long
do_scan(int fd, uint64_t s, uint64_t e, int full)
{
	static struct region vec[1024];
	struct scan_arg a;
	long n = 0;

	while (s < e) {
		int r;

		memset(&a, 0, sizeof a);
		a.size = sizeof a;
		a.start = s;
		a.end = e;
		a.vec = (uintptr_t)vec;
		a.vec_len = 1024;
		if (full) {
			a.category_anyof_mask = IS_PRESENT | IS_SWAPPED;
			a.return_mask = 0x1fc;
		} else {
			a.category_mask = IS_PRESENT;
			a.return_mask = IS_PRESENT | IS_HUGE;
		}
		if ((r = ioctl(fd, SCAN, &a)) < 0) {
			perror("PAGEMAP_SCAN");
			exit(1);
		}
		n += r;
		s = a.walk_end;
	}
	return n;
}

static long
do_read(int fd, uint64_t s, uint64_t e)
{
	static uint64_t buf[1 << 16];
	long n = 0;

	for (uint64_t pg = s >> 12; pg < e >> 12; pg += 1 << 16) {
		ssize_t k = pread(fd, buf, sizeof buf, (off_t)(pg * 8));

		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k / 8; i++)
			n += buf[i] >> 63;
	}
	return n;
}

int
main(int argc, char **argv)
{
	char path[64];
	uint64_t s, len;
	int fd, n;
	double t;
	long x = 0;

	if (argc != 6)
		return fprintf(stderr, "usage: %s scan|full|read PID START "
		    "LEN N\n",
		    argv[0]), 2;
	snprintf(path, sizeof path, "/proc/%s/pagemap", argv[2]);
	s = strtoull(argv[3], NULL, 0);
	len = strtoull(argv[4], NULL, 0);
	n = atoi(argv[5]);
	t = now_ms();
	for (int i = 0; i < n; i++) {
		if ((fd = open(path, O_RDONLY)) < 0)
			return perror(path), 1;
		if (strcmp(argv[1], "read") == 0)
			x += do_read(fd, s, s + len);
		else
			x += do_scan(fd, s, s + len,
			    strcmp(argv[1], "full") == 0);
		close(fd);
	}
	printf("%.3f\n", (now_ms() - t) / n);
	return x < 0;
}
