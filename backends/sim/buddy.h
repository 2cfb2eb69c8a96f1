/* SPDX-License-Identifier: MIT */
/*
 * buddy.h: a buddy allocator with zones, migrate types and watermarks, the
 * way mm/page_alloc.c keeps free memory: per zone, per order 0..max, per
 * migrate type, a list of free naturally aligned blocks; freeing merges a
 * block with its free buddy; allocation splits the smallest fitting block.
 *
 * Memory is simulated: only the free blocks are kept (as list nodes), never
 * one byte per page.  Each pageblock (1 << pageblock_order pages) has a
 * migrate type; a free block is listed under the type of the pageblock its
 * first page lies in.  An allocation that finds nothing of its own type takes
 * the largest block of a fallback type and, for Unmovable and Reclaimable
 * requests, claims the whole pageblock (as __rmqueue_fallback() does).
 *
 * A journal records pageblock type changes between buddy_mark() and
 * buddy_rollback(), so a failed operation leaves the allocator exactly as it
 * was once its pages are freed again.
 */
#ifndef PTS_BUDDY_H
#define PTS_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim-hash.h"
#include "zones.h"

enum buddy_mt { BUDDY_UNMOVABLE, BUDDY_MOVABLE, BUDDY_RECLAIMABLE, BUDDY_NMT };

#define BUDDY_MAX_ZONES 4
#define BUDDY_MAX_ORDERS ZONES_MAX_ORDERS

struct buddy_blk;

struct buddy_zone {
	char name[16];			/* "DMA", "DMA32", "Normal", "HighMem" */
	bool highmem;			/* only Movable allocations prefer it */
	uint64_t start_pfn, end_pfn;	/* span, end exclusive */
	uint64_t present, managed;	/* pages in RAM / given to the buddy */
	uint64_t free_pages;
	uint64_t wmark_min, wmark_low, wmark_high;
	uint64_t nfree[BUDDY_MAX_ORDERS][BUDDY_NMT];
	struct buddy_blk *list[BUDDY_MAX_ORDERS][BUDDY_NMT];
	uint8_t *pbtype;		/* per pageblock of the span */
};

struct buddy_journal_ent {
	unsigned zone;
	uint64_t pb;
	uint8_t old;
};

struct buddy {
	unsigned norders;		/* orders 0..norders-1 (MAX_PAGE_ORDER+1) */
	unsigned pageblock_order;
	unsigned nzones;		/* zone order: DMA first, HighMem last */
	struct buddy_zone zones[BUDDY_MAX_ZONES];
	struct simhash freeblk;		/* head pfn -> struct buddy_blk * */
	struct buddy_blk *spare;	/* recycled list nodes */
	bool journaling;
	size_t njournal, capjournal;
	struct buddy_journal_ent *journal;
};

/* An empty allocator; add zones with buddy_add_zone(), then free memory
   into it with buddy_free_range(). */
void	buddy_init(struct buddy *, unsigned norders, unsigned pageblock_order);
/* A zone spanning [start_pfn, end_pfn); every pageblock starts Movable. */
void	buddy_add_zone(struct buddy *, const char *name, uint64_t start_pfn,
	    uint64_t end_pfn, bool highmem);
/* Give [pfn, pfn+n) to the allocator at boot (counts as present+managed). */
void	buddy_add_memory(struct buddy *, uint64_t pfn, uint64_t n);
/* Mark [pfn, pfn+n) present but reserved (firmware, kernel image). */
void	buddy_add_reserved(struct buddy *, uint64_t pfn, uint64_t n);
/* Set the migrate type of the pageblocks covering [pfn, pfn+n). */
void	buddy_set_type(struct buddy *, uint64_t pfn, uint64_t n, enum buddy_mt);
/* Compute watermarks as mm/page_alloc.c does from min_free_kbytes. */
void	buddy_set_watermarks(struct buddy *, unsigned page_shift);
void	buddy_release(struct buddy *);

/* Allocate 1 << order pages of that migrate type; -1 when nothing fits. */
int	buddy_alloc(struct buddy *, unsigned order, enum buddy_mt,
	    uint64_t *pfn);
/* Allocate npages (a power of two, any size) naturally aligned, taking whole
   max-order blocks when npages exceeds them (gigantic pages); -1 if none. */
int	buddy_alloc_pages(struct buddy *, uint64_t npages, enum buddy_mt,
	    uint64_t *pfn);
/* Free [pfn, pfn+n) (any alignment), merging with free buddies. */
void	buddy_free_range(struct buddy *, uint64_t pfn, uint64_t n);

uint64_t buddy_free_pages(const struct buddy *);
/* The zone a pfn lies in, or -1. */
int	buddy_zone_of(const struct buddy *, uint64_t pfn);
/* True when the page is inside a free block. */
bool	buddy_is_free(const struct buddy *, uint64_t pfn);

/* Start recording pageblock type changes; rollback undoes them, commit
   forgets them. */
void	buddy_mark(struct buddy *);
void	buddy_rollback(struct buddy *);
void	buddy_commit(struct buddy *);

/* Fill a zones_state (zones, free_area, migrate lists, watermarks). */
void	buddy_fill_zones(const struct buddy *, struct zones_state *);

const char *buddy_mt_name(enum buddy_mt);

#endif
