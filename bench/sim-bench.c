/* SPDX-License-Identifier: MIT */
/*
 * sim-bench.c: how fast the simulator maps and unmaps 1,000,000 4K pages,
 * and how much host memory a simulated table page and a space cost.
 *
 *   make bench/sim-bench && ./bench/sim-bench [arch] [pages]
 */
#include "config.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

/* Seconds since an arbitrary point. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Bytes the C heap holds right now. */
static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* One info field of a space, or 0. */
static uint64_t
info_u64(struct space *s, const char *key)
{
	struct space_info si = { 0 };

	s->ops->info(s, &si);
	for (unsigned i = 0; i < si.n; i++)
		if (strcmp(si.f[i].key, key) == 0)
			return si.f[i].u;
	return 0;
}

/* Run one op or exit. */
static void
do_op(struct space *s, enum space_op_kind kind, uint64_t va, uint64_t size)
{
	struct space_op op = { .kind = kind, .va = va, .size = size,
	    .prot = SPACE_PROT_R | SPACE_PROT_W, .user = true,
	    .page_size = "4k" };
	struct space_op_result r;
	struct pts_err err;

	if (s->ops->op(s, &op, &r, &err) != 0) {
		fprintf(stderr, "sim-bench: %s\n", err.msg);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	const char *arch = argc > 1 ? argv[1] : "x86_64-4l";
	uint64_t pages = argc > 2 ? strtoull(argv[2], NULL, 0) : 1000000;
	uint64_t va, tables;
	size_t h0, h1, h2;
	struct space *s;
	struct pts_err err;
	double t0, t1, t2, t3, t4;
	unsigned ram_mb = (unsigned)((pages * 4096 * 2) >> 20) + 64;

	h0 = heap_used();
	if (sim_space_new(arch, "empty", ram_mb, &s, &err) != 0) {
		fprintf(stderr, "sim-bench: %s\n", err.msg);
		return 1;
	}
	h1 = heap_used();
	va = s->arch->va_bits > 32 ? 0x100000000ull : 0x1000000ull;
	t0 = now();
	do_op(s, SPACE_OP_MAP, va, pages * 4096);
	t1 = now();
	tables = info_u64(s, "tables");
	h2 = heap_used();
	do_op(s, SPACE_OP_UNMAP, va, pages * 4096);
	t2 = now();
	for (uint64_t i = 0; i < pages; i++)
		do_op(s, SPACE_OP_MAP, va + i * 4096, 4096);
	t3 = now();
	for (uint64_t i = 0; i < pages; i++)
		do_op(s, SPACE_OP_UNMAP, va + i * 4096, 4096);
	t4 = now();
	printf("arch %s, %" PRIu64 " pages of 4 KiB, simulated RAM %u MiB\n",
	    arch, pages, ram_mb);
	printf("%-44s %12s\n", "measure", "value");
	printf("%-44s %12.3f\n", "map, one op (s)", t1 - t0);
	printf("%-44s %12.3f\n", "unmap, one op (s)", t2 - t1);
	printf("%-44s %12.3f\n", "map, one op per page (s)", t3 - t2);
	printf("%-44s %12.3f\n", "unmap, one op per page (s)", t4 - t3);
	printf("%-44s %12.0f\n", "ns per page, one op per page (map)",
	    (t3 - t2) * 1e9 / (double)pages);
	printf("%-44s %12" PRIu64 "\n", "tables while mapped", tables);
	printf("%-44s %12zu\n", "host bytes, empty space + machine", h1 - h0);
	printf("%-44s %12zu\n", "host bytes, tables of the mapping", h2 - h1);
	printf("%-44s %12.0f\n", "host bytes per simulated table page",
	    (double)(h2 - h1) / (double)(tables - 1));
	printf("%-44s %12.1f\n", "host bytes per mapped 4K page",
	    (double)(h2 - h1) / (double)pages);
	space_free(s);
	return 0;
}
