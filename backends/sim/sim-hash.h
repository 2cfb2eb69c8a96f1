/* SPDX-License-Identifier: MIT */
/*
 * sim-hash.h: a small open-addressing map from uint64_t keys to uint64_t
 * values, used by the simulator for free buddy blocks and shared data pages.
 *
 * Linear probing with backward-shift deletion; UINT64_MAX is not a valid key.
 * The map owns only its slot array: simhash_release() frees it.
 */
#ifndef PTS_SIM_HASH_H
#define PTS_SIM_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct simhash {
	size_t n, cap;		/* used slots, slots (a power of two or 0) */
	uint64_t *keys;
	uint64_t *vals;
};

#define SIMHASH_INIT { 0, 0, NULL, NULL }

/* Value of key into *val; false when absent (val may be NULL). */
bool	simhash_get(const struct simhash *, uint64_t key, uint64_t *val);
/* Insert or replace. */
void	simhash_put(struct simhash *, uint64_t key, uint64_t val);
/* Remove key; false when it was absent. */
bool	simhash_del(struct simhash *, uint64_t key);
void	simhash_release(struct simhash *);
/* Deep copy of src into dst (dst is overwritten, not released). */
void	simhash_copy(struct simhash *dst, const struct simhash *src);

#endif
