/* SPDX-License-Identifier: MIT */
/*
 * region.h: the regions of a space (a process's VMAs, a simulated space's
 * runs of mappings, a ptdump's sections) with what each one costs: the
 * memory it has present (rss, anon, file, swap, THP, hugetlb) and the
 * last-level page tables charged to it.
 *
 * A backend's regions op fills the regions and the spans (runs of leaves of
 * one kind and level, each inside one region, in VA order);
 * regions_account() then derives every total from the spans, so all spaces
 * count the same way.
 *
 * The charging rule (docs/api.md): a last-level (pte) table is charged to
 * the region that owns most of its non-empty entries; on a tie, to the
 * region at the lower address.  Every pte table with an entry is charged to
 * exactly one region, so the charged tables sum to the space's pte tables.
 * Upper-level tables (pgd .. pmd) are counted per space only.
 *
 * Ownership: regions_release() frees names, regions and spans.
 */
#ifndef PTS_REGION_H
#define PTS_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "pt.h"

enum region_span_kind {
	RSPAN_PRESENT,		/* pages or blocks that are mapped */
	RSPAN_SWAP,		/* swap-format entries (swap, migration) */
	RSPAN_MARKER		/* non-present entries that are not swap
				   (guard markers): they need a table only */
};

struct region_span {
	uint64_t start, end;	/* [start, end), inside one region */
	size_t region;		/* index into regions.v */
	unsigned li;		/* arch level position of the leaves
				   (nlevels - 1: base pages) */
	enum region_span_kind kind;
	bool file;		/* file page or shared anon (pagemap PM_FILE) */
	bool zero;		/* the zero page (not in smaps Rss) */
	bool deposit;		/* anonymous PMD-mapped THP: the kernel
				   deposits one pte table per block and counts
				   it in VmPTE (mm/huge_memory.c) */
};

struct region {
	uint64_t start, end;
	char *name;		/* path, "[heap]", a ptdump section, "" */
	char perms[5];		/* "rw-p"; "" when the space has no VMAs */
	uint64_t offset;	/* file offset */
	uint64_t page_size;	/* hugetlb page size, 0 when not hugetlb */
	bool anon;		/* private anonymous memory (THP may back it) */
	/* filled by regions_account(): */
	uint64_t present_pages, swapped_pages;
	uint64_t rss_bytes, anon_bytes, file_bytes, swap_bytes, thp_bytes,
	    hugetlb_bytes;
	uint64_t table_pages;	/* last-level tables charged to it */
	uint64_t deposited_tables;
};

struct regions {
	const struct arch *arch;
	size_t n, cap;
	struct region *v;
	size_t nspans, capspans;
	struct region_span *spans;
	/* filled by regions_account(): tables of the whole space per
	   levels[] position (root included), deposited pte tables */
	uint64_t tables[PT_NLEVELS];
	uint64_t deposited;
};

/* Append a region (name copied; NULL gives ""). */
struct region *regions_add(struct regions *, uint64_t start, uint64_t end,
    const char *name);
/* Append a span (merged into the last one when it continues it). */
void regions_add_span(struct regions *, const struct region_span *);
/* Per-region cost, charged tables and the space's table counts. */
void regions_account(struct regions *);
/* Regions of a space without VMAs, from its ranges: the ptdump sections
   when the ranges carry markers, else runs of adjacent ranges (then
   anonymous, as a simulated process's memory); blocks count as huge
   mappings (thp bytes), nothing is file-backed or deposited. */
void regions_from_ranges(struct regions *, const struct arch *,
    const struct pt_ranges *);
void regions_release(struct regions *);

/*
 * Page tables needed by leaves [start, end) at level li, segments sorted and
 * not overlapping: per levels[] position, root excluded (tables[0] is left
 * alone).  The rule of the live reconstruction: a table exists at a level
 * when some leaf lies under it at a lower level.  Shared with whatif.c.
 */
struct region_leafseg {
	uint64_t start, end;
	unsigned li;
};
void regions_count_tables(const struct arch *, const struct region_leafseg *,
    size_t n, uint64_t *tables);

#endif
