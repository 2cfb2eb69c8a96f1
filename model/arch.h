/* SPDX-License-Identifier: MIT */
/*
 * arch.h: page-table geometry of every architecture ptscope knows.
 *
 * Each arch id of the API contract is one constant struct arch: the levels
 * that exist (root first), the levels Linux folds away, the leaf sizes each
 * level may hold, and the valid user and kernel VA ranges.  The values are
 * the kernel's own (PGDIR_SHIFT, P4D_SHIFT, PUD_SHIFT, PMD_SHIFT, PTRS_PER_*)
 * and the architecture manuals'; see docs/architecture.md.
 *
 * Indices: levels[] holds only the levels that exist (nlevels of them), so
 * "li" below is a position in levels[], 0 = root (always named pgd).
 *
 * Linear VAs: to index tables the upper (sign-extension or TTBR-select) bits
 * are dropped: lin = va & ((1 << va_bits) - 1).  arch_lin_to_va() puts them
 * back for the half (user or kernel) a table belongs to.
 */
#ifndef PTS_ARCH_H
#define PTS_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum pt_level { PT_PGD = 0, PT_P4D, PT_PUD, PT_PMD, PT_PTE, PT_NLEVELS };

#define ARCH_MAX_LEAVES 4

/* One size of mapping a level can hold as a leaf. */
struct arch_leaf {
	uint64_t size;		/* bytes mapped by the leaf */
	const char *name;	/* page_size name in the API: "4k", "2m", "1g" */
	unsigned nentries;	/* entries it occupies: 1, or 16/32/128 for
				   arm64 contiguous, ARM supersections and large
				   pages, RISC-V NAPOT */
	const char *hw;		/* "page", "block", "section", "supersection",
				   "large page", "contiguous", "napot", "pse" */
};

struct arch_level {
	enum pt_level level;
	const char *name;	/* "pgd", "p4d", "pud", "pmd", "pte" */
	unsigned shift;		/* VA bits below this level's index */
	unsigned bits;		/* width of the index field */
	unsigned entries;	/* 1 << bits */
	unsigned entry_bytes;	/* size of one entry as Linux sees it */
	uint64_t block_size;	/* main leaf size other than the base page,
				   0 where the level holds none (and on pte) */
	const char *hw_name;	/* hardware name: "PML4", "L0", "first-level" */
	const char *offset_fn;	/* kernel helper: "pgd_offset" ... "pte_offset_kernel" */
	unsigned nleaves;
	struct arch_leaf leaves[ARCH_MAX_LEAVES]; /* smallest first; on pte
				   the base page comes first */
};

struct arch {
	const char *id;		/* contract id, e.g. "x86_64-4l" */
	const char *family;	/* "x86_64", "x86", "arm64", "armv7", "riscv" */
	const char *desc;	/* one line for people */
	unsigned page_shift;
	uint64_t page_size;
	unsigned va_bits;	/* bits translated by the tables */
	unsigned pa_bits;	/* output address bits the format can hold */
	unsigned entry_bytes;	/* hardware descriptor size */
	unsigned nlevels;
	struct arch_level levels[PT_NLEVELS];	/* existing levels, root first */
	unsigned folded;	/* mask of 1u << enum pt_level */
	bool sign_extend;	/* VAs sign-extend from bit va_bits-1 (x86_64,
				   riscv); false: arm64 (TTBR select) and
				   32-bit arches (whole 4 GiB in one table) */
	bool split_roots;	/* arm64: user and kernel halves have separate
				   root tables (TTBR0_EL1 / TTBR1_EL1) */
	uint64_t user_first, user_last;		/* inclusive */
	uint64_t kernel_first, kernel_last;	/* inclusive */
	uint64_t page_offset;	/* PAGE_OFFSET: start of the linear map */
};

/* Number of arches and the i-th one, in contract order. */
size_t arch_count(void);
const struct arch *arch_get(size_t i);
/* The arch with that id, or NULL. */
const struct arch *arch_find(const char *id);

/* Position of a Linux level in a->levels[], or -1 when it is folded. */
int arch_level_pos(const struct arch *a, enum pt_level lvl);
/* Level by name ("pgd"...), or -1 when the name is unknown. */
int arch_level_from_name(const char *name);
const char *arch_level_name(enum pt_level lvl);
bool arch_is_folded(const struct arch *a, enum pt_level lvl);

/* 0 when va is canonical and inside the user or kernel range, else
   PTS_EINVAL with a sentence naming the valid ranges. */
int arch_check_va(const struct arch *a, uint64_t va, struct pts_err *err);
/* The position of level in a->levels[] for a table request at va: the
   level must exist on a (PTS_EINVAL "bad_level" when folded or unknown)
   and va pass arch_check_va(); else the negative error code. */
int arch_table_pos(const struct arch *a, enum pt_level level, uint64_t va,
    struct pts_err *err);
bool arch_va_is_user(const struct arch *a, uint64_t va);
bool arch_va_is_kernel(const struct arch *a, uint64_t va);

/* Index of va at levels[li]. */
unsigned arch_index(const struct arch *a, unsigned li, uint64_t va);
/* Write the index of va at every existing level into idx[0..nlevels). */
void arch_split_va(const struct arch *a, uint64_t va, unsigned *idx);

/* The VA range one table at levels[li] spans (entries << shift). */
uint64_t arch_table_span(const struct arch *a, unsigned li);
/* Bytes one entry at levels[li] maps (1 << shift). */
uint64_t arch_entry_span(const struct arch *a, unsigned li);

uint64_t arch_va_to_lin(const struct arch *a, uint64_t va);
/* Back to a real VA; kernel_half selects sign extension / TTBR1 bits. */
uint64_t arch_lin_to_va(const struct arch *a, uint64_t lin, bool kernel_half);
/* Start VA of the table at levels[li] that covers va. */
uint64_t arch_table_base(const struct arch *a, unsigned li, uint64_t va);
/* VA mapped by entry idx of the table at levels[li] starting at table_va. */
uint64_t arch_entry_va(const struct arch *a, unsigned li, uint64_t table_va,
    unsigned idx);

/* The leaf of levels[li] with that API name ("2m"), or NULL. */
const struct arch_leaf *arch_leaf_by_name(const struct arch *a, const char *name,
    unsigned *li_out);
/* The leaf of any level with that size in bytes, or NULL. */
const struct arch_leaf *arch_leaf_by_size(const struct arch *a, uint64_t size,
    unsigned *li_out);

#endif
