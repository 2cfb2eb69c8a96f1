/* SPDX-License-Identifier: MIT */
/*
 * fuzz-simops.c: libFuzzer harness for the simulator's operations.  Byte 0
 * picks the arch, byte 1 the scenario and RAM size; then each 16-byte
 * record is one op (map, unmap, protect, fork) with its VA, size, prot and
 * page size.  Checked after each op: a failed op changes nothing (same
 * generation, same root stats), a mapped VA walks to a leaf, an unmapped
 * one does not, and ranges stay sorted.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC 16

static const char *const page_sizes[] = {
	"auto", "4k", "16k", "64k", "2m", "1g", "32m", "512m", "1m", "16m",
	"4m", "512g", "bogus", "",
};
static const char *const memtypes[] = { "normal", "device", "nocache",
	"x" };
static const char *const scenarios[] = { "empty", "process", "kernel" };

/* Little-endian u64 from 8 bytes. */
static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The root's stats (user half), or zeroes when the tree fails. */
static struct pt_stats
root_stats(struct space *s)
{
	struct pt_stats st = { 0 };
	struct pt_node *n = NULL;

	if (s->ops->tree(s, PT_PGD, 0, 0, &n, NULL) == 0) {
		st = n->stats;
		pt_node_free(n);
	}
	return st;
}

/* Whether va walks to a present leaf. */
static int
walk_mapped(struct space *s, uint64_t va)
{
	struct pt_walk w;

	memset(&w, 0, sizeof w);
	if (s->ops->walk(s, va, &w, NULL) < 0)
		return -1;
	return w.mapped;
}

/* An op from one record, VAs mostly page-aligned inside the user half. */
static void
decode_op(const struct arch *a, const uint8_t *r, struct space_op *op)
{
	uint64_t span = a->user_last - a->user_first + 1;
	uint64_t va = get64(r + 1), sz = (uint64_t)(r[9] | r[10] << 8 |
	    r[11] << 16) << a->page_shift;

	memset(op, 0, sizeof *op);
	op->kind = (enum space_op_kind)(r[0] % 8 < 3 ? SPACE_OP_MAP :
	    r[0] % 8 < 5 ? SPACE_OP_UNMAP : r[0] % 8 < 7 ? SPACE_OP_PROTECT :
	    SPACE_OP_FORK);
	if (!(r[0] & 0x80)) {		/* most ops: a sane VA */
		va = a->user_first + (span ? va % span : va);
		va &= ~(a->page_size - 1);
	}
	if (r[0] & 0x40)		/* some: a raw size */
		sz = get64(r + 4);
	op->va = va;
	op->size = sz;
	op->prot = r[12] & 7;
	op->user = !(r[13] & 1);
	op->global = r[13] & 2;
	op->page_size = page_sizes[r[14] % (sizeof page_sizes /
	    sizeof page_sizes[0])];
	op->memtype = memtypes[r[15] % 4];
}

/* Apply one op and check what it did. */
static void
apply(struct space *s, const uint8_t *r)
{
	struct space_op op;
	struct space_op_result res = { 0 };
	struct pt_stats before = root_stats(s), after;
	uint64_t gen = s->generation;

	decode_op(s->arch, r, &op);
	if (s->ops->op(s, &op, &res, NULL) < 0) {
		after = root_stats(s);
		if (s->generation != gen || memcmp(&before, &after,
		    sizeof before) != 0)
			abort();	/* a failed op changed the space */
		return;
	}
	if (res.forked)
		space_free(res.forked);
	if (op.kind == SPACE_OP_UNMAP && op.size &&
	    walk_mapped(s, op.va) == 1)
		abort();
	if (op.kind == SPACE_OP_MAP && op.size && (op.prot & SPACE_PROT_R) &&
	    walk_mapped(s, op.va) == 0)
		abort();
}

/* Ranges must come out sorted and non-overlapping. */
static void
check_ranges(struct space *s)
{
	struct pt_ranges r = { 0 };

	if (s->ops->ranges(s, &r, NULL) == 0)
		for (size_t i = 1; i < r.n; i++)
			if (r.v[i].start < r.v[i - 1].end &&
			    r.v[i - 1].end != 0)
				abort();
	pt_ranges_release(&r);
}

/* One input: arch, scenario and RAM, then op records. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct arch *a;
	struct space *s;
	struct pt_node *n = NULL;

	if (size < 2)
		return 0;
	a = arch_get(data[0] % arch_count());
	if (sim_space_new(a->id, scenarios[data[1] % 3], data[1] & 0x80 ?
	    16 : 64, &s, NULL) < 0)
		return 0;
	for (size_t off = 2; off + REC <= size && off < 2 + 64 * REC;
	    off += REC)
		apply(s, data + off);
	check_ranges(s);
	if (s->ops->tree(s, PT_PGD, 0, PT_NLEVELS, &n, NULL) == 0)
		pt_node_free(n);
	space_free(s);
	return 0;
}
