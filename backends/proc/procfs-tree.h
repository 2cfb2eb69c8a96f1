/* SPDX-License-Identifier: MIT */
/*
 * procfs-tree.h: reconstructing a process's page tables from what user
 * space sees (VMAs and pagemap page ranges).  Pure functions: a model is
 * built from a VMA list and scan runs, then answers tree, walk and range
 * queries; tests feed it synthetic runs.
 *
 * The rule (docs/live.md): a pte table exists for every pte-table span that
 * holds a page or swap-format entry that is not part of a block; a table at
 * any higher level exists when some table or block lies under it; the root
 * always exists.  PMD-mapped THP and hugetlb (PAGE_IS_HUGE, aligned) are
 * blocks at the level whose entry maps their size (pmd for 2 MiB, pud for
 * 1 GiB hugetlb).  Guard markers are kind "swap" with flag "guard".
 */
#ifndef PTS_PROCFS_TREE_H
#define PTS_PROCFS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "procfs-maps.h"
#include "procfs-scan.h"
#include "pt.h"
#include "region.h"

/* A run of leaves of one level inside one VMA. */
struct procfs_seg {
	uint64_t start, end;
	uint32_t cats;		/* PSC_* */
	unsigned li;		/* position in arch->levels[] of its leaves */
	long vma;		/* index into the model's VMAs, or -1 */
};

/*
 * Per-page detail supplier (pagemap words, kpageflags); may be absent.
 * cats, when set, reads the full categories (PSC_RETURN) of [lo, hi) now:
 * the model was then built from a summary scan (PSC_SUMMARY) and the tree,
 * walk and ranges ops take FILE, PFNZERO and SOFT_DIRTY of the leaves they
 * list from it.  Left NULL, the model's own categories are used as they are.
 */
struct procfs_detail {
	void *ctx;
	int (*words)(void *ctx, uint64_t va, size_t n, uint64_t *w,
	    struct pts_err *);
	bool (*kpageflags)(void *ctx, uint64_t pfn, uint64_t *flags);
	bool pfn_visible;	/* PFNs in the words are real */
	int (*cats)(void *ctx, uint64_t lo, uint64_t hi,
	    struct procfs_runs *out, struct pts_err *);
};

struct procfs_model {
	const struct arch *arch;
	struct procfs_vmas vmas;	/* owned */
	size_t nsegs, capsegs;
	struct procfs_seg *segs;
	uint64_t tables[PT_NLEVELS];	/* inferred tables per levels[] pos */
	uint64_t thp_bytes;		/* anonymous PMD-mapped THP (what
					   smaps counts as AnonHugePages) */
	uint64_t deposits;		/* pte tables the kernel deposits under
					   anonymous PMD-mapped THPs and huge
					   zero pages (counted in VmPTE) */
	uint64_t hash;			/* of VMAs and runs: change detection */
};

/*
 * Build a model; takes ownership of *vmas (emptied).  Runs must be sorted
 * and non-overlapping; parts outside every VMA are dropped.
 */
void procfs_model_build(struct procfs_model *m, const struct arch *a,
    struct procfs_vmas *vmas, const struct procfs_runs *runs);
void procfs_model_release(struct procfs_model *m);

/* Tables the kernel's VmPTE counts: pte, pmd and pud tables (the
   mm_inc_nr_ptes/pmds/puds accounting; never the pgd or p4d), plus one
   deposited pte table per anonymous PMD-mapped THP or huge zero page
   (mm/huge_memory.c: pgtable_trans_huge_deposit + mm_inc_nr_ptes). */
uint64_t procfs_model_vmpte_tables(const struct procfs_model *m);

/* The regions op: one region per VMA, spans from the model's segments,
   accounted (region.h); d may be NULL (with d->cats the leaves' file and
   zero-page categories are read now, a full scan). */
int procfs_model_regions(const struct procfs_model *m,
    const struct procfs_detail *d, struct regions *out, struct pts_err *err);

/* The tree op (see space.h); d may be NULL. */
int procfs_model_tree(const struct procfs_model *m,
    const struct procfs_detail *d, enum pt_level level, uint64_t va,
    unsigned depth, struct pt_node **out, struct pts_err *err);

/* The walk op. */
int procfs_model_walk(const struct procfs_model *m,
    const struct procfs_detail *d, uint64_t va, struct pt_walk *out,
    struct pts_err *err);

/* The ranges op; d may be NULL. */
int procfs_model_ranges(const struct procfs_model *m,
    const struct procfs_detail *d, struct pt_ranges *out,
    struct pts_err *err);

#endif
