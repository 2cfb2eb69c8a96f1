/* SPDX-License-Identifier: MIT */
/*
 * hdiff.h: what changed between two states of a space (model/hstate.h):
 * the leaves that changed, merged into ranges the way `ranges` merges
 * leaves (adjacent, same level, same before and after kind and flags), and
 * how many tables were added and freed.
 */
#ifndef PTS_HDIFF_H
#define PTS_HDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hstate.h"

/* One side of a change: the leaf there, or none (present false). */
struct hdiff_side {
	bool present;
	enum pt_kind kind;
	uint32_t flags;
	uint64_t pa;		/* of the first leaf, or PT_UNKNOWN */
};

struct hdiff_change {
	uint64_t va, end;	/* end exclusive; 0 when it reaches 2^64 */
	enum pt_level level;
	uint64_t entries;	/* leaves merged into this change */
	uint64_t pages;		/* base pages they span */
	struct hdiff_side before, after;
};

/* One page-table page allocated or freed (a table entry that appeared,
   went, or points to another table). */
struct hdiff_table {
	enum pt_level level;	/* the table's own level */
	uint64_t va;		/* the first VA it maps */
	bool added;		/* else freed */
};

/* A table whose entries were not compared: one of the states (of a lazy
   backend, HS_PARTIAL) had not read it.  Nothing below it is listed. */
struct hdiff_unread {
	enum pt_level level;	/* the table's own level */
	uint64_t va, span;	/* the VAs it maps */
};

struct hdiff {
	size_t n, cap;
	struct hdiff_change *v;	/* by va, then level (root first) */
	uint64_t tables_added, tables_freed;
	size_t nt, tcap;
	struct hdiff_table *t;	/* the tables counted, by va then level;
				   freed before added at one place */
	bool partial;		/* a state was HS_PARTIAL: u lists what was
				   not compared (the changes are only of
				   tables both states had read) */
	size_t nu, ucap;
	struct hdiff_unread *u;	/* by va then level */
};

/* Whether the entry at (list, key) is compared in a diff of a and b: the
   table holding it was read in both, or does not exist in one of them. */
bool hdiff_compared(const struct hstate *a, const struct hstate *b,
    unsigned list, uint64_t key);

/* The changes from a to b (states of the same space). */
void hdiff_states(const struct hstate *a, const struct hstate *b,
    struct hdiff *out);
void hdiff_release(struct hdiff *);

#endif
