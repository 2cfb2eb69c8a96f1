/* SPDX-License-Identifier: MIT */
/*
 * sim-kids.c: child tables by slot, a sorted list while few (sim-kids.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim-kids.h"
#include "xalloc.h"

/* Children beyond which a pointer per slot is kept. */
static unsigned
dense_at(const struct sim_kids *k)
{
	return k->entries / 16u;
}

/* The list becomes a pointer per slot. */
static void
to_full(struct sim_kids *k)
{
	k->full = xcalloc(k->entries, sizeof *k->full);
	for (unsigned p = 0; p < k->n; p++)
		k->full[k->list[p].slot] = k->list[p].t;
	free(k->list);
	k->list = NULL;
	k->n = k->cap = 0;
}

static void
list_insert(struct sim_kids *k, unsigned p, unsigned i, struct sim_table *c)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? (uint16_t)(2 * k->cap) : 4;
		k->list = xrealloc(k->list, k->cap * sizeof *k->list);
	}
	memmove(&k->list[p + 1], &k->list[p], (k->n - p) * sizeof *k->list);
	k->list[p].slot = (uint16_t)i;
	k->list[p].t = c;
	k->n++;
}

void
sim_kids_set(struct sim_kids *k, unsigned i, struct sim_table *c)
{
	unsigned p;

	if (k->full) {
		k->full[i] = c;
		return;
	}
	p = sim_kids_pos(k, i);
	if (p < k->n && k->list[p].slot == i) {
		if (c) {
			k->list[p].t = c;
			return;
		}
		memmove(&k->list[p], &k->list[p + 1], (k->n - p - 1) *
		    sizeof *k->list);
		k->n--;
		return;
	}
	if (c == NULL)
		return;
	if (k->n + 1u > dense_at(k) && dense_at(k) > 0) {
		to_full(k);
		k->full[i] = c;
		return;
	}
	list_insert(k, p, i, c);
}

void
sim_kids_free(struct sim_kids *k)
{
	free(k->full);
	free(k->list);
	k->full = NULL;
	k->list = NULL;
	k->n = k->cap = 0;
}
