/* SPDX-License-Identifier: MIT */
/*
 * live-bench-expand.c: time one PTE-table expansion on an attached space
 * (after the attach scan), as the server does between refreshes.
 *   live-bench-expand PID VA N
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "procfs.h"
#include "procfs-space.h"

/* Milliseconds on the monotonic clock. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct space *s;
	struct pts_err err;
	struct pt_node *n;
	double t, tr;
	int k;

	if (argc != 4)
		return fprintf(stderr, "usage: %s PID VA N\n", argv[0]), 2;
	if (procfs_space_new("/proc", atoi(argv[1]), &s, &err) < 0)
		return fprintf(stderr, "%s\n", err.msg), 1;
	k = atoi(argv[3]);
	t = now_ms();
	for (int i = 0; i < k; i++) {
		if (s->ops->tree(s, PT_PTE, strtoull(argv[2], NULL, 0), 1, &n,
		    &err) < 0)
			return fprintf(stderr, "%s\n", err.msg), 1;
		pt_node_free(n);
	}
	t = (now_ms() - t) / k;
	tr = now_ms();
	for (int i = 0; i < k; i++)
		s->ops->refresh(s, NULL);
	tr = (now_ms() - tr) / k;
	printf("%.4f %.3f\n", t, tr);
	space_free(s);
	return 0;
}
