/* SPDX-License-Identifier: MIT */
/*
 * sim-attrs.h: the DA_* attributes of a table's leaf slots, stored in a
 * few bits per slot.
 *
 * A table's leaves take few distinct values (one mapping fills a table with
 * one value; a protect of part of it makes two; a fork's COW a few more),
 * so a slot keeps an index into a small palette of the table's values,
 * written as bit planes: plane p holds bit p of every slot's index.  While
 * the leaves share one value there is no plane at all; each plane added
 * doubles the palette, up to 16 values in 4 planes; a table whose leaves
 * take more values than that keeps 16 bits per slot.
 *
 * Which slots are leaves is not stored here: the table knows (a leaf has a
 * non-zero descriptor and no child table), and says so through a
 * sim_attrs_live_fn when the store needs to know which values are still
 * in use.  The value of a slot that is no leaf is whatever it was last.
 *
 * This is what keeps a simulated table's host memory near its simulated
 * size (docs/performance.md, "Simulator").
 */
#ifndef PTS_SIM_ATTRS_H
#define PTS_SIM_ATTRS_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_ATTRS_MAX_PLANES 4

struct sim_attrs {
	uint64_t *plane;	/* nplanes planes of (entries + 63) / 64
				   words each, then the palette: 1 << nplanes
				   values; NULL while nplanes == 0 */
	uint16_t *raw;		/* a value per slot: more than 16 differ */
	uint16_t only;		/* nplanes == 0: every slot's value */
	uint8_t nplanes;
	uint16_t entries;
};

/* Whether slot i of the table ctx is a leaf, whose value counts. */
typedef bool (*sim_attrs_live_fn)(const void *ctx, unsigned i);

/* The palette index of slot i (nplanes > 0). */
static inline unsigned
sim_attrs_index(const struct sim_attrs *a, unsigned i)
{
	unsigned words = (a->entries + 63u) / 64u, idx = 0;

	for (unsigned p = 0; p < a->nplanes; p++)
		idx |= (unsigned)((a->plane[p * words + i / 64] >> (i % 64)) &
		    1u) << p;
	return idx;
}

/* The value kept for slot i. */
static inline unsigned
sim_attrs_get(const struct sim_attrs *a, unsigned i)
{
	if (a->raw)
		return a->raw[i];
	if (a->nplanes == 0)
		return a->only;
	return ((const uint16_t *)(a->plane + a->nplanes *
	    ((a->entries + 63u) / 64u)))[sim_attrs_index(a, i)];
}

/* Keep v (16 bits) for slot i, which is about to be a leaf. */
void sim_attrs_set(struct sim_attrs *, unsigned i, unsigned v,
    sim_attrs_live_fn, const void *ctx);
/* Free what the store holds; every slot reads 0 afterwards. */
void sim_attrs_clear(struct sim_attrs *);

#endif
