/* SPDX-License-Identifier: MIT */
/*
 * fuzz-maps.c: libFuzzer harness for the /proc/PID/maps parser and the
 * page-table reconstruction built on it.  The input is maps text; when it
 * parses, the VMAs must be sorted, non-empty and findable, and a model
 * built from them (with runs made from the input's bytes) must answer
 * tree, walk and ranges queries without crashing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "procfs-maps.h"
#include "procfs-scan.h"
#include "procfs-tree.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless the list keeps procfs_maps_parse's promises. */
static void
check_vmas(const struct procfs_vmas *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->v[i].start >= v->v[i].end)
			abort();
		if (i > 0 && v->v[i].start < v->v[i - 1].end)
			abort();
		if (procfs_vmas_find(v, v->v[i].start) != (long)i ||
		    procfs_vmas_find(v, v->v[i].end - 1) != (long)i)
			abort();
	}
}

/* Runs inside the first VMAs: up to 64 pages each, categories from seed. */
static void
make_runs(const struct procfs_vmas *v, const uint8_t *seed, size_t n,
    struct procfs_runs *runs)
{
	uint64_t last = 0;

	for (size_t i = 0; i < v->n && i < 256; i++) {
		uint64_t s = v->v[i].start & ~(uint64_t)0xfff;
		uint64_t e = s + ((uint64_t)64 << 12);
		uint32_t cats = n ? seed[i % n] | (uint32_t)(seed[(i + 1) % n]
		    & 1) << 8 : PSC_PRESENT;

		if (e > v->v[i].end || e < s)
			e = v->v[i].end & ~(uint64_t)0xfff;
		if (s < last || e <= s)
			continue;
		procfs_runs_add(runs, s, e, cats | PSC_PRESENT);
		last = e;
	}
}

/* Build a model and query it the way the daemon does. */
static void
query_model(struct procfs_vmas *v, const uint8_t *data, size_t size)
{
	const struct arch *a = arch_find("x86_64-4l");
	struct procfs_runs runs = { 0, 0, NULL };
	struct procfs_model m;
	struct pt_node *node = NULL;
	struct pt_ranges r = { 0 };
	struct pt_walk w;

	while (v->n > 0 && v->v[v->n - 1].end - 1 > a->user_last)
		free(v->v[--v->n].name);
	make_runs(v, data, size, &runs);
	procfs_model_build(&m, a, v, &runs);
	procfs_runs_release(&runs);
	if (procfs_model_tree(&m, NULL, PT_PGD, 0, 4, &node, NULL) == 0)
		pt_node_free(node);
	for (size_t i = 0; i < m.vmas.n && i < 8; i++) {
		memset(&w, 0, sizeof w);
		procfs_model_walk(&m, NULL, m.vmas.v[i].start, &w, NULL);
		node = NULL;
		if (procfs_model_tree(&m, NULL, PT_PTE, m.vmas.v[i].start, 1,
		    &node, NULL) == 0)
			pt_node_free(node);
	}
	if (procfs_model_ranges(&m, NULL, &r, NULL) == 0)
		for (size_t i = 1; i < r.n; i++)
			if (r.v[i].start < r.v[i - 1].end)
				abort();
	pt_ranges_release(&r);
	procfs_model_release(&m);
}

/* One input: maps text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1);
	struct procfs_vmas v = { 0, 0, NULL };
	struct procfs_vma one;

	memcpy(text, data, size);
	text[size] = '\0';
	if (procfs_maps_parse_line(text, &one, NULL) == 0)
		free(one.name);
	if (procfs_maps_parse(text, &v, NULL) == 0) {
		check_vmas(&v);
		query_model(&v, data, size);
	} else if (v.n != 0 || v.v != NULL) {
		abort();	/* "on failure *out is left empty" */
	}
	procfs_vmas_release(&v);
	free(text);
	return 0;
}
