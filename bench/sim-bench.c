/* SPDX-License-Identifier: MIT */
/*
 * sim-bench.c: how fast the simulator maps and unmaps 1,000,000 base pages,
 * and how much host memory a simulated table page and a space cost: while
 * every leaf of a table has the same attributes, and after every other
 * page is made read-only (two values per table).
 *
 *   ./bench/sim-bench scenarios
 * prints, for every arch, the host bytes of the process and kernel
 * scenarios' tables against their simulated bytes (this mode reads the
 * simulator's internal structures: sim-int.h).
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

#include "sim-int.h"
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

#define RW (SPACE_PROT_R | SPACE_PROT_W)

/* Run one op or exit. */
static void
do_op(struct space *s, enum space_op_kind kind, uint64_t va, uint64_t size,
    unsigned prot)
{
	const struct arch_level *pte = &s->arch->levels[s->arch->nlevels - 1];
	struct space_op op = { .kind = kind, .va = va, .size = size,
	    .prot = prot, .user = true,
	    .page_size = pte->leaves[0].name };
	struct space_op_result r;
	struct pts_err err;

	if (s->ops->op(s, &op, &r, &err) != 0) {
		fprintf(stderr, "sim-bench: %s\n", err.msg);
		exit(1);
	}
}

/* Heap bytes of one allocation, malloc's chunk header included. */
static size_t
chunk(const void *p)
{
	return p ? malloc_usable_size((void *)p) + sizeof(size_t) : 0;
}

/* Heap bytes of t and the tables under it (an armv7-2l pte page once)
   into *host, their own size (entries, Linux PTEs) into *sim. */
static void
table_heap(const struct sim_table *t, size_t *host, uint64_t *sim)
{
	*host += chunk(t) + chunk(t->e.e64) + chunk(t->lx) +
	    chunk(t->attrs.plane) + chunk(t->attrs.raw) +
	    chunk(t->kids.full) + chunk(t->kids.list);
	*sim += (uint64_t)t->entries * (t->e_is32 ? 4 : 8) +
	    (t->lx ? t->entries * sizeof *t->lx : 0);
	for (unsigned i = 0; i < t->entries; i++) {
		const struct sim_table *c = sim_kid(t, i);

		if (c && !(i > 0 && sim_kid(t, i - 1) == c))
			table_heap(c, host, sim);
	}
}

/* Host bytes of scenario sc's tables (read from the tables themselves:
   a scenario space also holds its machine and markers) against their
   simulated bytes (a root smaller than a page, as x86-pae's 32-byte
   pgd, counts its entries). */
static void
scenario_row(const struct arch *a, const char *sc)
{
	struct space *s;
	struct sim_space *sp;
	struct pts_err err;
	size_t host = 0;
	uint64_t sim = 0;

	if (sim_space_new(a->id, sc, 1024, &s, &err) != 0)
		return;
	sp = (struct sim_space *)s;
	for (unsigned r = 0; r < 2; r++)
		if (sp->root[r])
			table_heap(sp->root[r], &host, &sim);
	printf("| %s | %s | %" PRIu64 " | %zu | %" PRIu64 " | %.3f |\n",
	    a->id, sc, info_u64(s, "tables"), host, sim,
	    (double)host / (double)sim);
	space_free(s);
}

static int
scenarios(void)
{
	printf("| arch | scenario | tables | host bytes | simulated bytes | "
	    "ratio |\n|---|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < arch_count(); i++) {
		scenario_row(arch_get(i), "process");
		scenario_row(arch_get(i), "kernel");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *arch = argc > 1 ? argv[1] : "x86_64-4l";
	uint64_t pages = argc > 2 ? strtoull(argv[2], NULL, 0) : 1000000;
	uint64_t va, tables, tables0;
	size_t h0, h1, h2, h3;
	struct space *s;
	struct pts_err err;
	double t0, t1, t1p, t2, t3, t4;
	uint64_t P;
	unsigned ram_mb;

	if (strcmp(arch, "scenarios") == 0)
		return scenarios();
	if (arch_find(arch) == NULL) {
		fprintf(stderr, "sim-bench: no arch '%s'\n", arch);
		return 1;
	}
	P = arch_find(arch)->page_size;
	ram_mb = (unsigned)((pages * P * 2) >> 20) + 64;
	h0 = heap_used();
	if (sim_space_new(arch, "empty", ram_mb, &s, &err) != 0) {
		fprintf(stderr, "sim-bench: %s\n", err.msg);
		return 1;
	}
	h1 = heap_used();
	tables0 = info_u64(s, "tables");	/* the roots */
	va = s->arch->va_bits > 32 ? 0x100000000ull : 0x1000000ull;
	t0 = now();
	do_op(s, SPACE_OP_MAP, va, pages * P, RW);
	t1 = now();
	tables = info_u64(s, "tables");
	h2 = heap_used();
	for (uint64_t i = 0; i < pages; i += 2)
		do_op(s, SPACE_OP_PROTECT, va + i * P, P, SPACE_PROT_R);
	h3 = heap_used();
	t1p = now();
	do_op(s, SPACE_OP_UNMAP, va, pages * P, RW);
	t2 = now();
	for (uint64_t i = 0; i < pages; i++)
		do_op(s, SPACE_OP_MAP, va + i * P, P, RW);
	t3 = now();
	for (uint64_t i = 0; i < pages; i++)
		do_op(s, SPACE_OP_UNMAP, va + i * P, P, RW);
	t4 = now();
	printf("arch %s, %" PRIu64 " pages of %" PRIu64 " KiB, simulated RAM "
	    "%u MiB\n", arch, pages, P >> 10, ram_mb);
	printf("%-44s %12s\n", "measure", "value");
	printf("%-44s %12.3f\n", "map, one op (s)", t1 - t0);
	printf("%-44s %12.3f\n", "unmap, one op (s)", t2 - t1p);
	printf("%-44s %12.3f\n", "map, one op per page (s)", t3 - t2);
	printf("%-44s %12.3f\n", "unmap, one op per page (s)", t4 - t3);
	printf("%-44s %12.0f\n", "ns per page, one op per page (map)",
	    (t3 - t2) * 1e9 / (double)pages);
	printf("%-44s %12" PRIu64 "\n", "tables while mapped", tables);
	printf("%-44s %12zu\n", "host bytes, empty space + machine", h1 - h0);
	printf("%-44s %12zu\n", "host bytes, tables of the mapping", h2 - h1);
	printf("%-44s %12.0f\n", "host bytes per simulated table page",
	    (double)(h2 - h1) / (double)(tables - tables0));
	printf("%-44s %12.1f\n", "host bytes per mapped base page",
	    (double)(h2 - h1) / (double)pages);
	printf("%-44s %12.0f\n", "the same, every other page read-only",
	    (double)(h3 - h1) / (double)(tables - tables0));
	printf("%-44s %12u\n", "simulated bytes per table page",
	    (unsigned)s->arch->page_size);
	space_free(s);
	return 0;
}
