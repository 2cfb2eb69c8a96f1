/* SPDX-License-Identifier: MIT */
/*
 * kcompare.h: a kernel half's layout facts, from any space's ranges and
 * walk, and the differences between two such (a real guest's tables and
 * the simulator's kernel scenario for the same arch and RAM size):
 *   - the linear map: the kernel ranges at the commonest VA - PA offset
 *     (Linux's direct map: PAGE_OFFSET - PHYS_OFFSET), its first VA and PA,
 *     its bytes and how many of them each leaf level maps (blocks or pages)
 *   - the region bases: the first VA under each populated root entry of
 *     the kernel half
 *   - leaf attributes: the flag sets of the kernel's leaves, with bytes
 *     (accessed and dirty left out: they change as the guest runs)
 *   - table and leaf bits: each step's descriptor bits (address bits
 *     masked) of a walk of the linear map's first address
 * Each difference is named; where a known kernel config or command line
 * explains it (KASLR, RODATA_FULL on arm64, ...) the reason says so.
 */
#ifndef PTS_KCOMPARE_H
#define PTS_KCOMPARE_H

#include <stdint.h>

#include "pt.h"
#include "space.h"

#define KF_MAX_SLOTS	64
#define KF_MAX_SETS	32

struct kfacts {
	uint64_t linear_va, linear_pa, linear_bytes;
	uint64_t level_bytes[PT_NLEVELS];	/* of the linear map */
	unsigned nslots;
	uint64_t slot_va[KF_MAX_SLOTS];
	unsigned nsets;
	struct { uint32_t flags; uint64_t bytes; } set[KF_MAX_SETS];
	struct pt_walk walk;			/* of linear_va */
	uint64_t bits[PT_MAX_STEPS];		/* walk.steps' non-address bits */
};

int kfacts_of(struct space *, struct kfacts *, struct pts_err *);

/* One difference: what, the guest's and the simulator's value as text,
   and why where a known reason explains it (else ""). */
struct kdiff {
	char what[48];
	char guest[96], sim[96];
	char why[240];
};

#define KD_MAX	96
struct kdiffs {
	unsigned n;
	struct kdiff d[KD_MAX];
};

void kcompare(const struct arch *, const struct kfacts *guest,
    const struct kfacts *sim, struct kdiffs *out);

#endif
