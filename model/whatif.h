/* SPDX-License-Identifier: MIT */
/*
 * whatif.h: the page tables the present memory of a space would need on
 * another configuration (GET /api/v1/spaces/{id}/cost).
 *
 * The input is a space's accounted regions (region.h).  Every present or
 * swapped base page is replayed on the target: it makes the target page
 * that contains it present (a bigger granule rounds out), and then:
 *   page_size  a leaf bigger than the base page ("2m", "1g", "32m"...):
 *              every aligned span of that size lying wholly inside a
 *              private anonymous or hugetlb region, with something present,
 *              is one leaf of that size (hugetlb-like: nothing deposited);
 *   thp        never: THPs are split into base pages;
 *              always: every PMD-size aligned span wholly inside a private
 *              anonymous region, with something present, is a THP;
 *              asis: the source's blocks stay blocks where the target has a
 *              leaf of the same size, else base pages;
 *   deposits   each anonymous PMD-mapped THP on the target holds one
 *              deposited pte table, as the kernel keeps it
 *              (mm/huge_memory.c __do_huge_pmd_anonymous_page:
 *              pgtable_trans_huge_deposit + mm_inc_nr_ptes); hugetlb leaves
 *              and file THPs deposit none on x86, arm64 and RISC-V
 *              (arch_needs_pgtable_deposit() is false there).
 * Tables exist by the rule of the live reconstruction (a table at a level
 * where some leaf lies under it; the root always; arm64's kernel half has
 * its own root).  Pages outside the target's VA ranges are not placed and
 * are counted in unplaced_pages.
 */
#ifndef PTS_WHATIF_H
#define PTS_WHATIF_H

#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "region.h"

enum whatif_thp { WHATIF_THP_ASIS, WHATIF_THP_NEVER, WHATIF_THP_ALWAYS };

struct whatif_config {
	const struct arch *arch;	/* target */
	enum whatif_thp thp;
	uint64_t page_size;		/* leaf size for hugetlb-like mappings,
					   or the target's base page size */
	unsigned page_li;		/* level position of that leaf */
};

struct whatif_result {
	uint64_t tables[PT_NLEVELS];	/* per target levels[] position */
	uint64_t deposited;		/* pte tables deposited under THPs */
	uint64_t table_pages;		/* sum of tables[] + deposited */
	uint64_t table_bytes;		/* each table its entries x entry size */
	uint64_t vm_pte_bytes;		/* what VmPTE would show: pud, pmd and
					   pte tables and the deposited ones */
	uint64_t present_bytes;		/* memory mapped on the target */
	uint64_t blocks;		/* leaves above the pte level */
	uint64_t thp_blocks;		/* of which PMD-mapped THPs */
	uint64_t unplaced_pages;	/* source base pages outside the
					   target's VA ranges */
};

/* "asis", "never", "always"; and back (-1 for an unknown name). */
const char *whatif_thp_name(enum whatif_thp);
int whatif_thp_from_name(const char *);

/* Replay rs on the configuration. */
void whatif_compute(const struct regions *rs, const struct whatif_config *,
    struct whatif_result *out);

#endif
