/* SPDX-License-Identifier: MIT */
/*
 * zones.h: zone and buddy-allocator state, live (/proc) or simulated.
 *
 * free_area[k] counts free blocks of order k, as /proc/buddyinfo does.
 * migrate[m].free[k] is the same split by migrate type (pagetypeinfo).
 */
#ifndef PTS_ZONES_H
#define PTS_ZONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ZONES_MAX_ORDERS 16
#define ZONES_MAX_MIGRATE 8

struct zone_migrate {
	char name[16];			/* "Unmovable", "Movable", ... */
	uint64_t free[ZONES_MAX_ORDERS];
	uint32_t lower_bound;		/* bit k: free[k] was printed ">N",
					   the kernel stopped counting at N */
	uint64_t blocks;		/* pageblocks of this type */
};

struct zone_state {
	int node;
	char name[16];			/* "DMA", "DMA32", "Normal", "HighMem" */
	uint64_t free_pages;
	uint64_t managed_pages, present_pages, spanned_pages;
	uint64_t start_pfn;
	uint64_t wmark_min, wmark_low, wmark_high;
	/* zoneinfo's "boost" (zone->watermark_boost, already inside the
	   min/low/high it prints: min_wmark_pages() adds it) and "cma"
	   (zone_cma_pages(): pages of the zone's CMA areas) */
	uint64_t wmark_boost, cma_pages;
	bool has_details;		/* zoneinfo numbers above were read */
	uint64_t free_area[ZONES_MAX_ORDERS];
	unsigned nmigrate;		/* 0 when pagetypeinfo was unreadable */
	struct zone_migrate migrate[ZONES_MAX_MIGRATE];
	/* unusable free space index per order, 0..1 (see zones_fill_frag) */
	double unusable[ZONES_MAX_ORDERS];
	/* extfrag fragmentation index per order: -1 (enough free blocks of
	   that order: the kernel prints -1.000), else up to 1; it drops below
	   0 when the zone has fewer free pages than the request (one free
	   page, order 1: -0.5), see docs/kernel.md */
	double frag_index[ZONES_MAX_ORDERS];
};

struct zones_state {
	char source[48];		/* "live", "proc-root" (files below
					   another --proc-root) or the sim
					   space id */
	unsigned orders;		/* columns in buddyinfo */
	unsigned pageblock_order;	/* 0 when unknown */
	bool has_migrate;		/* pagetypeinfo was read */
	char note[1024];		/* why something is missing, or "" */
	size_t nzones;
	struct zone_state *zones;	/* owned; node order, then zone order */
};

void zones_release(struct zones_state *);

/*
 * Fill unusable[] and frag_index[] of every zone from free_area[], the way
 * the kernel's extfrag debugfs files do (mm/vmstat.c unusable_free_index()
 * and __fragmentation_index()).
 */
void zones_fill_frag(struct zones_state *);

#endif
