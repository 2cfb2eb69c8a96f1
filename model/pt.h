/* SPDX-License-Identifier: MIT */
/*
 * pt.h: the C results every backend returns (trees, walks, ranges), and the
 * common flag vocabulary.  JSON is built from these in server/json.c.
 *
 * Ownership: pt_node_free() frees a node, its children and their subtrees;
 * pt_ranges_release() frees the array inside a struct pt_ranges.
 */
#ifndef PTS_PT_H
#define PTS_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

/* A value that is not known (live spaces cannot see physical addresses). */
#define PT_UNKNOWN UINT64_MAX

enum pt_kind { PT_KIND_NONE = 0, PT_KIND_TABLE, PT_KIND_BLOCK, PT_KIND_PAGE,
    PT_KIND_SWAP };
const char *pt_kind_name(enum pt_kind);

/*
 * Common flags, decoded from whatever the backend saw (descriptor bits,
 * pagemap bits, VMA permissions, ptdump tokens).  Names in pt_flag_names().
 */
enum pt_flag {
	PTF_PRESENT	= 1u << 0,	/* "present" */
	PTF_READ	= 1u << 1,	/* "read" */
	PTF_WRITE	= 1u << 2,	/* "write" */
	PTF_EXEC	= 1u << 3,	/* "exec" */
	PTF_USER	= 1u << 4,	/* "user": EL0 / U/S / U */
	PTF_GLOBAL	= 1u << 5,	/* "global" */
	PTF_ACCESSED	= 1u << 6,	/* "accessed": A / AF / young */
	PTF_DIRTY	= 1u << 7,	/* "dirty" */
	PTF_NOCACHE	= 1u << 8,	/* "nocache": PCD/PWT, NC */
	PTF_DEVICE	= 1u << 9,	/* "device": arm64 device memory, Svpbmt IO */
	PTF_CONT	= 1u << 10,	/* "cont": arm64 contiguous hint, NAPOT */
	PTF_FILE	= 1u << 11,	/* "file": file-backed or shared anon */
	PTF_ANON	= 1u << 12,	/* "anon" */
	PTF_SHARED	= 1u << 13,	/* "shared": MAP_SHARED vma */
	PTF_EXCLUSIVE	= 1u << 14,	/* "exclusive": mapped once */
	PTF_SOFT_DIRTY	= 1u << 15,	/* "soft_dirty" */
	PTF_UFFD_WP	= 1u << 16,	/* "uffd_wp" */
	PTF_THP		= 1u << 17,	/* "thp" */
	PTF_HUGETLB	= 1u << 18,	/* "hugetlb" */
	PTF_ZERO	= 1u << 19,	/* "zero_page" */
	PTF_GUARD	= 1u << 20,	/* "guard" */
	PTF_COW		= 1u << 21,	/* "cow": write-protected after fork */
	PTF_PXN		= 1u << 22,	/* "pxn": arm64 privileged execute-never */
	PTF_SWAPPED	= 1u << 23,	/* "swapped" */
	PTF_INVALID	= 1u << 24,	/* "invalid": non-zero but not valid */
	PTF_SECTION	= 1u << 25,	/* "section": ARMv7 section descriptor */
	PTF_NR		= 26
};
/* Name of one flag bit (a single PTF_* value), or NULL. */
const char *pt_flag_name(uint32_t bit);

struct pt_stats {
	uint64_t present_pages;	/* base pages mapped (a 2M block on 4K = 512) */
	uint64_t tables;	/* table pages at and under the node */
	uint64_t blocks;	/* leaves above the pte level */
	uint64_t swapped_pages;
};

struct pt_node;

/* One non-empty entry of a table. */
struct pt_child {
	unsigned index;
	uint64_t va;		/* first VA it maps (canonical) */
	enum pt_kind kind;
	uint64_t entry;		/* descriptor value, or PT_UNKNOWN */
	uint64_t entry_pa;	/* physical address of the entry, or PT_UNKNOWN */
	uint32_t flags;		/* PTF_* */
	char *attrs;		/* extra tokens (ptdump attributes, VMA name),
				   space-separated, owned; may be NULL */
	uint64_t size;		/* bytes mapped (block, page) */
	uint64_t pa;		/* output address, or PT_UNKNOWN */
	unsigned nhw;		/* ARMv7 2-level: hardware descriptors of the */
	uint64_t hw[2];		/* Linux entry (two first-level or the hw pte) */
	struct pt_node *table;	/* kind TABLE: the next table (always set, with
				   children only when the depth allowed) */
};

/* One table. */
struct pt_node {
	enum pt_level level;
	uint64_t va;		/* first VA the table spans */
	uint64_t span;		/* bytes it spans */
	unsigned entries;
	uint64_t table_pa;	/* or PT_UNKNOWN */
	struct pt_stats stats;
	bool expanded;		/* children[] filled (depth reached this node) */
	size_t nchildren;
	struct pt_child *children;	/* non-empty entries, index order */
};

struct pt_node *pt_node_new(enum pt_level, uint64_t va, uint64_t span,
    unsigned entries);
/* Append a zeroed child (entry, entry_pa and pa set to PT_UNKNOWN). */
struct pt_child *pt_node_add_child(struct pt_node *);
void pt_node_free(struct pt_node *);

#define PT_MAX_STEPS PT_NLEVELS

struct pt_walk_step {
	enum pt_level level;
	unsigned index;
	unsigned shift;
	uint64_t table_pa;	/* or PT_UNKNOWN */
	uint64_t entry_pa;	/* table_pa + index * entry_bytes, or PT_UNKNOWN */
	uint64_t entry;		/* or PT_UNKNOWN */
	enum pt_kind kind;	/* PT_KIND_NONE stops the walk */
	uint32_t flags;
	unsigned nhw;
	uint64_t hw[2];
	uint64_t size;		/* block/page: bytes the leaf maps */
};

struct pt_walk {
	uint64_t va;
	bool mapped;
	uint64_t pa;		/* or PT_UNKNOWN */
	uint64_t page_size;	/* size of the leaf reached (0 if none) */
	unsigned nsteps;
	struct pt_walk_step steps[PT_MAX_STEPS];
	char reason[200];	/* why the walk stopped, for people */
	char region[48];	/* the kernel region va is in ("vmalloc() Area"),
				   where the backend knows its layout, or "" */
};

/* A run of leaves with equal level and flags, as ptdump prints them. */
struct pt_range {
	uint64_t start;
	uint64_t end;		/* exclusive; 0 when the range reaches 2^64 */
	enum pt_level level;
	uint64_t pages;		/* base pages */
	uint32_t flags;
	char *attrs;		/* owned, may be NULL */
	uint64_t pa;		/* PA of the first page, or PT_UNKNOWN */
	char *marker;		/* ptdump section header printed before this
				   range ("vmalloc() Area"), owned, may be NULL */
	bool attrs_ptdump;	/* attrs are the tokens of a kernel ptdump in
				   the arch's own layout: render them as they
				   are (MEM/NORMAL-TAGGED, domains, ...) */
};

/* A ptdump section header ("---[ vmalloc() Area ]---") at the VA where the
   kernel printed it: markers live apart from ranges so that a dump of
   holes and markers only keeps them. */
struct pt_marker {
	uint64_t va;
	char *name;		/* owned */
};

struct pt_ranges {
	size_t n, cap;
	struct pt_range *v;
	size_t nmarkers, markers_cap;
	struct pt_marker *markers;	/* ascending va */
};

/* Append a zeroed range (pa PT_UNKNOWN); attrs is copied when non-NULL. */
struct pt_range *pt_ranges_add(struct pt_ranges *, const char *attrs);
void pt_ranges_release(struct pt_ranges *);
/* Add a marker at va, keeping the list in ascending va (stable). */
void pt_ranges_add_marker(struct pt_ranges *, uint64_t va, const char *name);

#endif
