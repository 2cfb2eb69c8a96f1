/* SPDX-License-Identifier: MIT */
/* sim-hash.c: uint64_t -> uint64_t open-addressing map. */
#include "config.h"
#include "sim-hash.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define EMPTY UINT64_MAX

/* Slot where a key hashes to (a 64-bit mix, then masked). */
static size_t
slot_of(const struct simhash *h, uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (h->cap - 1);
}

/* Index of key, or SIZE_MAX. */
static size_t
find(const struct simhash *h, uint64_t key)
{
	size_t i;

	if (h->cap == 0)
		return SIZE_MAX;
	for (i = slot_of(h, key); h->keys[i] != EMPTY; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key)
			return i;
	return SIZE_MAX;
}

/* Look a key up. */
bool
simhash_get(const struct simhash *h, uint64_t key, uint64_t *val)
{
	size_t i = find(h, key);

	if (i == SIZE_MAX)
		return false;
	if (val)
		*val = h->vals[i];
	return true;
}

/* Double the slot array (or create it) and reinsert everything. */
static void
grow(struct simhash *h)
{
	struct simhash old = *h;

	h->cap = old.cap ? old.cap * 2 : 64;
	h->n = 0;
	h->keys = xmalloc(h->cap * sizeof *h->keys);
	h->vals = xmalloc(h->cap * sizeof *h->vals);
	memset(h->keys, 0xff, h->cap * sizeof *h->keys);
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i] != EMPTY)
			simhash_put(h, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* Insert or replace a key. */
void
simhash_put(struct simhash *h, uint64_t key, uint64_t val)
{
	size_t i;

	if ((h->n + 1) * 4 > h->cap * 3)
		grow(h);
	for (i = slot_of(h, key); h->keys[i] != EMPTY; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key) {
			h->vals[i] = val;
			return;
		}
	h->keys[i] = key;
	h->vals[i] = val;
	h->n++;
}

/* Remove a key. */
bool
simhash_del(struct simhash *h, uint64_t key)
{
	size_t i = find(h, key), j, mask = h->cap - 1;

	if (i == SIZE_MAX)
		return false;
	/* backward-shift: move later members of the run into the hole */
	for (j = (i + 1) & mask; h->keys[j] != EMPTY; j = (j + 1) & mask) {
		size_t home = slot_of(h, h->keys[j]);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			h->keys[i] = h->keys[j];
			h->vals[i] = h->vals[j];
			i = j;
		}
	}
	h->keys[i] = EMPTY;
	h->n--;
	return true;
}

/* Free the slot arrays. */
void
simhash_release(struct simhash *h)
{
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof *h);
}

/* Duplicate a map. */
void
simhash_copy(struct simhash *dst, const struct simhash *src)
{
	*dst = *src;
	if (src->cap == 0)
		return;
	dst->keys = xmalloc(src->cap * sizeof *src->keys);
	dst->vals = xmalloc(src->cap * sizeof *src->vals);
	memcpy(dst->keys, src->keys, src->cap * sizeof *src->keys);
	memcpy(dst->vals, src->vals, src->cap * sizeof *src->vals);
}
