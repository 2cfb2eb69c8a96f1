/* SPDX-License-Identifier: MIT */
/*
 * sim-kids.h: the child tables of a simulated table, by slot.
 *
 * Most tables above the last level have few children (a process's pgd
 * points at one or two puds, a pud at a few pmds), so a pointer per slot
 * would cost an upper table twice its simulated size.  The children are
 * kept as a list sorted by slot while they are few (up to entries / 16),
 * and as a pointer per slot once there are more, when that array costs
 * at most a few per cent of the children's own size.
 */
#ifndef PTS_SIM_KIDS_H
#define PTS_SIM_KIDS_H

#include <stdint.h>

struct sim_table;

struct sim_kid {
	uint16_t slot;
	struct sim_table *t;
};

struct sim_kids {
	struct sim_table **full;	/* a child per slot, once dense */
	struct sim_kid *list;		/* n children sorted by slot, before */
	uint16_t n, cap;
	uint16_t entries;
};

/* Position of slot i in the sparse list, or where it would go. */
static inline unsigned
sim_kids_pos(const struct sim_kids *k, unsigned i)
{
	unsigned lo = 0, hi = k->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (k->list[mid].slot < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The child table of slot i, or NULL. */
static inline struct sim_table *
sim_kids_get(const struct sim_kids *k, unsigned i)
{
	unsigned p;

	if (k->full)
		return k->full[i];
	p = sim_kids_pos(k, i);
	return p < k->n && k->list[p].slot == i ? k->list[p].t : NULL;
}

/* Make c the child of slot i (NULL: slot i has none). */
void sim_kids_set(struct sim_kids *, unsigned i, struct sim_table *c);
void sim_kids_free(struct sim_kids *);

#endif
