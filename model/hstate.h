/* SPDX-License-Identifier: MIT */
/*
 * hstate.h: one generation of a space, flattened so that it can be stored,
 * compared and answered from later (model/history.c keeps many of them as
 * deltas; backends/recording/ reads them from SQLite).
 *
 * A state is a set of lists of immutable, reference-counted items, each
 * sorted by (key, sub):
 *   HL_ENTRIES + level  the non-empty entries of every table at that level,
 *                       keyed by the VA the entry maps (one list per Linux
 *                       level: the VA and level name an entry uniquely);
 *                       a table entry also carries the head of the table it
 *                       points to (level, va, span, entries, table_pa,
 *                       stats);
 *   HL_ROOT             the root table heads (two on arm64: TTBR0, TTBR1);
 *   HL_RANGES           the space's ranges as its backend merged them;
 *   HL_ZONES            the simulated machine's zones (sim spaces).
 * Everything a tree, walk, ranges or zones answer shows is in the items, so
 * an answer built from a state equals the backend's answer at that
 * generation (walk reasons are worded by this module).
 *
 * Items are shared between states and deltas (unchanged items are one
 * allocation however many generations hold them); their reference counts
 * are guarded by the space's lock like everything else of a space.
 */
#ifndef PTS_HSTATE_H
#define PTS_HSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "pt.h"
#include "space.h"
#include "zones.h"

enum hlist_id { HL_ENTRIES = 0, HL_ROOT = PT_NLEVELS, HL_RANGES, HL_ZONES,
    HL_N };

struct hitem {
	uint64_t key;
	unsigned refs;
	uint32_t len;		/* bytes of data[] */
	uint32_t sub;
	uint32_t spare;		/* keeps data[] 8-byte aligned */
	unsigned char data[];	/* struct hrec_entry / hrec_range / zones */
};

/* The data of an entry item (HL_ENTRIES + level) and of a root item. */
struct hrec_entry {
	uint64_t va, entry, entry_pa, size, pa, hw[2];
	uint32_t flags, index;
	uint8_t level, kind, nhw, tlevel;	/* tlevel: the table pointed to */
	uint32_t tentries;
	uint64_t tva, tspan, table_pa;
	uint64_t present_pages, tables, blocks, swapped_pages;
	/* followed by the attrs string and its NUL when len > sizeof */
};

/* The data of a range item: followed by attrs\0 and marker\0. */
struct hrec_range {
	uint64_t start, end, pages, pa;
	uint32_t flags, level, attrs_len, marker_len;	/* lens: 0 = NULL */
};

struct hlist {
	size_t n, cap;
	struct hitem **v;
};

#define HS_HAS_RANGES 1u
#define HS_HAS_ZONES 2u
/* A lazy backend's state (vm spaces, space.h capture_read): only the tables
   the backend had read.  There a table entry item whose table was not read
   has tentries 0 (its table_pa and span are known, its entries are not),
   and a table whose counts are not known (a table below it not read) has
   tables 0.  Ranges are in it only when every table was read. */
#define HS_PARTIAL 4u

struct hstate {
	const struct arch *arch;
	uint64_t generation;
	unsigned has;		/* HS_HAS_* */
	struct hlist l[HL_N];
};

struct hitem *hitem_new(uint64_t key, uint32_t sub, const void *data,
    uint32_t len);
struct hitem *hitem_ref(struct hitem *);
void hitem_unref(struct hitem *);
/* Order of two items by (key, sub); equal data is hitem_same(). */
int hitem_cmp_key(const struct hitem *, const struct hitem *);
bool hitem_same(const struct hitem *, const struct hitem *);
const struct hrec_entry *hitem_entry(const struct hitem *);
const char *hitem_entry_attrs(const struct hitem *);
/* Bytes an item costs (header and data). */
size_t hitem_bytes(const struct hitem *);

struct hstate *hstate_new(const struct arch *);
void hstate_free(struct hstate *);
/* A copy sharing every item. */
struct hstate *hstate_dup(const struct hstate *);
/* Append an item (the list must stay sorted: callers add in key order). */
void hlist_push(struct hlist *, struct hitem *);
/* Whether two states hold equal items in every list. */
bool hstate_equal(const struct hstate *, const struct hstate *);
/* Bytes of the state's arrays and items. */
size_t hstate_bytes(const struct hstate *);

/* Items of the state from the backend's own answers (full tree, ranges,
   zones).  The state's generation is the space's. */
int hstate_capture(struct space *, struct hstate **out, struct pts_err *);
/* The same for a lazy backend (space.h capture_read) with a state of it
   taken at read_serial prev_serial (or NULL), whose unchanged items are
   shared. */
int hstate_capture_lazy(struct space *, const struct hstate *prev,
    uint64_t prev_serial, struct hstate **out, struct pts_err *);

/* Forget every physical address and descriptor value (they hold PFNs) of
   a state just captured (its items not shared yet): recordings keep them
   only when asked. */
void hstate_strip_physical(struct hstate *);

/* Build items from C results (captures and recordings use these). */
struct hitem *hstate_entry_item(enum pt_level level, const struct pt_child *);
struct hitem *hstate_root_item(const struct pt_node *);
struct hitem *hstate_range_item(const struct pt_range *, uint32_t sub);
/* Sort every list and merge nothing: for states filled out of order. */
void hstate_sort(struct hstate *);

/* The table at levels[li] covering va in a state: its entries are in
   the state (read), it does not exist (the entry above is empty or a leaf),
   or it exists but was not read (HS_PARTIAL states only). */
enum htable_status { HT_READ, HT_ABSENT, HT_NOT_READ };
enum htable_status hstate_table_status(const struct hstate *, unsigned li,
    uint64_t va);

/* Whether every root's counts are known (tables != 0): in a partial
   state, whether every table was read, and so its ranges are in it (the
   HL_RANGES list: `has` is not part of a history's deltas). */
bool hstate_all_read(const struct hstate *);

/* The item of a list with that key (sub 0), or NULL. */
const struct hitem *hstate_find(const struct hstate *, unsigned list,
    uint64_t key);
/* Index of the first item of a list with key >= key. */
size_t hlist_lower(const struct hlist *, uint64_t key);

#endif
