/* SPDX-License-Identifier: MIT */
/*
 * sim-attrs.c: per-slot DA_* attributes as palette indices in bit planes
 * (see sim-attrs.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim-attrs.h"
#include "xalloc.h"

#define PAL_FREE 0xffffu	/* a palette entry no leaf uses (never DA_*) */

static unsigned
words_of(const struct sim_attrs *a)
{
	return (a->entries + 63u) / 64u;
}

/* Values the palette holds. */
static unsigned
pal_size(const struct sim_attrs *a)
{
	return 1u << a->nplanes;
}

/* The palette, after the planes in the same block (nplanes > 0). */
static uint16_t *
pal_of(struct sim_attrs *a)
{
	return (uint16_t *)(a->plane + (size_t)a->nplanes * words_of(a));
}

static void
index_put(struct sim_attrs *a, unsigned i, unsigned idx)
{
	unsigned words = words_of(a);
	uint64_t bit = UINT64_C(1) << (i % 64);

	for (unsigned p = 0; p < a->nplanes; p++) {
		uint64_t *w = &a->plane[p * words + i / 64];

		if ((idx >> p) & 1u)
			*w |= bit;
		else
			*w &= ~bit;
	}
}

/* Whether a leaf other than slot i exists. */
static bool
other_leaf(const struct sim_attrs *a, unsigned i, sim_attrs_live_fn live,
    const void *ctx)
{
	for (unsigned k = 0; k < a->entries; k++)
		if (k != i && live(ctx, k))
			return true;
	return false;
}

/* Add a plane: the indices keep their values, the palette doubles. */
static void
add_plane(struct sim_attrs *a)
{
	unsigned words = words_of(a), n = a->nplanes, old = pal_size(a);
	uint16_t pal[1u << SIM_ATTRS_MAX_PLANES];

	if (n == 0)
		pal[0] = a->only;
	else
		memcpy(pal, pal_of(a), old * sizeof *pal);
	for (unsigned k = old; k < 2 * old; k++)
		pal[k] = PAL_FREE;
	a->plane = xrealloc(a->plane, (size_t)(n + 1) * words *
	    sizeof *a->plane + 2 * old * sizeof *pal);
	memset(a->plane + (size_t)n * words, 0, words * sizeof *a->plane);
	a->nplanes++;
	memcpy(pal_of(a), pal, 2 * old * sizeof *pal);
}

/* Free the palette entries no leaf but slot i uses; whether any is. */
static bool
compact(struct sim_attrs *a, unsigned i, sim_attrs_live_fn live,
    const void *ctx)
{
	bool used[1u << SIM_ATTRS_MAX_PLANES] = { false }, any = false;
	uint16_t *pal = pal_of(a);

	for (unsigned k = 0; k < a->entries; k++)
		if (k != i && live(ctx, k))
			used[sim_attrs_index(a, k)] = true;
	for (unsigned k = 0; k < pal_size(a); k++)
		if (!used[k]) {
			pal[k] = PAL_FREE;
			any = true;
		}
	return any;
}

/* More than 16 values: one per slot from now on. */
static void
to_raw(struct sim_attrs *a)
{
	uint16_t *raw = xcalloc(a->entries, sizeof *raw);

	for (unsigned k = 0; k < a->entries; k++)
		raw[k] = (uint16_t)sim_attrs_get(a, k);
	sim_attrs_clear(a);
	a->raw = raw;
}

/* The palette index of v, made when missing; -1: the store went raw. */
static int
pal_find(struct sim_attrs *a, unsigned v, unsigned i, sim_attrs_live_fn live,
    const void *ctx)
{
	for (bool compacted = false;;) {
		unsigned n = pal_size(a);
		uint16_t *pal = pal_of(a);

		for (unsigned k = 0; k < n; k++)
			if (pal[k] == v)
				return (int)k;
		for (unsigned k = 0; k < n; k++)
			if (pal[k] == PAL_FREE) {
				pal[k] = (uint16_t)v;
				return (int)k;
			}
		if (!compacted) {
			compacted = true;
			if (compact(a, i, live, ctx))
				continue;
		}
		if (a->nplanes == SIM_ATTRS_MAX_PLANES) {
			to_raw(a);
			return -1;
		}
		add_plane(a);
	}
}

void
sim_attrs_set(struct sim_attrs *a, unsigned i, unsigned v,
    sim_attrs_live_fn live, const void *ctx)
{
	int k;

	if (a->raw) {
		a->raw[i] = (uint16_t)v;
		return;
	}
	if (a->nplanes == 0) {
		if (v == a->only || !other_leaf(a, i, live, ctx)) {
			a->only = (uint16_t)v;
			return;
		}
		add_plane(a);
	}
	k = pal_find(a, v, i, live, ctx);
	if (k < 0)
		a->raw[i] = (uint16_t)v;
	else
		index_put(a, i, (unsigned)k);
}

void
sim_attrs_clear(struct sim_attrs *a)
{
	free(a->plane);
	free(a->raw);
	a->plane = NULL;
	a->raw = NULL;
	a->nplanes = 0;
	a->only = 0;
}
