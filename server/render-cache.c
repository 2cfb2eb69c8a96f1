/* SPDX-License-Identifier: MIT */
/* render-cache.c: shared rendered answers (LRU over a fixed slot array). */
#include "config.h"
#include "render-cache.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
render_cache_init(struct render_cache *c, size_t max_bytes)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
}

/* Free v once its last reference is gone.  Caller holds c->lock. */
static void
val_put_locked(struct render_val *v)
{
	if (v == NULL || --v->refs > 0)
		return;
	free(v->text);
	pt_node_free(v->node);
	if (v->obj)
		v->obj_free(v->obj);
	free(v);
}

void
render_cache_release(struct render_cache *c)
{
	for (unsigned i = 0; i < RENDER_SLOTS; i++)
		val_put_locked(c->slot[i].val);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof *c);
}

static bool
key_eq(const struct render_key *a, const struct render_key *b)
{
	return a->kind == b->kind && a->serial == b->serial &&
	    a->generation == b->generation && a->from_gen == b->from_gen &&
	    a->va == b->va && a->pass == b->pass && a->level == b->level &&
	    a->depth == b->depth && a->hide == b->hide;
}

/* A hash of every field of a key (FNV-1a over the fields). */
static uint64_t
key_hash(const struct render_key *k)
{
	const uint64_t f[] = { (uint64_t)k->kind, k->serial, k->generation,
	    k->from_gen, k->va, k->pass, k->level, k->depth, k->hide };
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		h ^= f[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Slot holding key (of hash h), or -1.  Caller holds c->lock.  (Every
   WebSocket client looks up its tree and message each round: the hash
   keeps the 256-slot scan to one compare per slot.) */
static int
find_locked(struct render_cache *c, const struct render_key *k, uint64_t h)
{
	for (unsigned i = 0; i < RENDER_SLOTS; i++)
		if (c->slot[i].hash == h && c->slot[i].val &&
		    key_eq(&c->slot[i].key, k))
			return (int)i;
	return -1;
}

/* Empty slot i.  Caller holds c->lock. */
static void
evict_locked(struct render_cache *c, unsigned i)
{
	c->bytes -= c->slot[i].val->bytes;
	val_put_locked(c->slot[i].val);
	c->slot[i].val = NULL;
}

/* A free slot, evicting the least recently used ones until the new
   value's bytes fit the budget.  Caller holds c->lock. */
static unsigned
make_room_locked(struct render_cache *c, size_t bytes)
{
	for (;;) {
		int free_slot = -1, lru = -1;

		for (unsigned i = 0; i < RENDER_SLOTS; i++) {
			if (c->slot[i].val == NULL) {
				if (free_slot < 0)
					free_slot = (int)i;
			} else if (lru < 0 ||
			    c->slot[i].used < c->slot[lru].used)
				lru = (int)i;
		}
		if (free_slot >= 0 && (c->bytes + bytes <= c->max_bytes ||
		    lru < 0))
			return (unsigned)free_slot;
		evict_locked(c, (unsigned)lru);
	}
}

struct render_val *
render_cache_get(struct render_cache *c, const struct render_key *k)
{
	struct render_val *v = NULL;
	int i;

	pthread_mutex_lock(&c->lock);
	if ((i = find_locked(c, k, key_hash(k))) >= 0) {
		v = c->slot[i].val;
		v->refs++;
		c->slot[i].used = ++c->clock;
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return v;
}

/* Insert v (refs 1 on entry) under k; returns v or the value already
   there, referenced for the caller. */
static struct render_val *
put(struct render_cache *c, const struct render_key *k, struct render_val *v)
{
	uint64_t h = key_hash(k);
	int i;

	pthread_mutex_lock(&c->lock);
	if ((i = find_locked(c, k, h)) >= 0) {
		val_put_locked(v);
		v = c->slot[i].val;
	} else if (v->bytes <= c->max_bytes / 4) {
		/* (an answer larger than a quarter of the budget is not kept:
		   it would push out everything else) */
		unsigned s = make_room_locked(c, v->bytes);

		c->slot[s].key = *k;
		c->slot[s].hash = h;
		c->slot[s].val = v;
		c->slot[s].used = ++c->clock;
		c->bytes += v->bytes;
		v->refs++;	/* the cache's */
		pthread_mutex_unlock(&c->lock);
		return v;
	} else {
		pthread_mutex_unlock(&c->lock);
		return v;
	}
	v->refs++;
	pthread_mutex_unlock(&c->lock);
	return v;
}

/* A new value (refs 1) with its id. */
static struct render_val *
val_new(struct render_cache *c)
{
	struct render_val *v = xcalloc(1, sizeof *v);

	pthread_mutex_lock(&c->lock);
	v->id = ++c->next_id;
	pthread_mutex_unlock(&c->lock);
	v->refs = 1;
	return v;
}

static struct render_val *
val_text(struct render_cache *c, char *text)
{
	struct render_val *v = val_new(c);

	v->text = text;
	v->len = strlen(text);
	v->bytes = v->len + sizeof *v;
	return v;
}

struct render_val *
render_cache_put_text(struct render_cache *c, const struct render_key *k,
    char *text)
{
	return put(c, k, val_text(c, text));
}

size_t
render_tree_bytes(const struct pt_node *n)
{
	size_t b;

	if (n == NULL)
		return 0;
	b = sizeof *n + n->nchildren * sizeof *n->children;
	for (size_t i = 0; i < n->nchildren; i++) {
		if (n->children[i].attrs)
			b += strlen(n->children[i].attrs) + 1;
		b += render_tree_bytes(n->children[i].table);
	}
	return b;
}

struct render_val *
render_cache_put_tree(struct render_cache *c, const struct render_key *k,
    struct pt_node *node)
{
	size_t bytes = render_tree_bytes(node);
	struct render_val *v = val_new(c);

	v->node = node;
	v->bytes = bytes + sizeof *v;
	return put(c, k, v);
}

struct render_val *
render_cache_put_obj(struct render_cache *c, const struct render_key *k,
    void *obj, void (*obj_free)(void *), size_t bytes)
{
	struct render_val *v = val_new(c);

	v->obj = obj;
	v->obj_free = obj_free;
	v->bytes = bytes + sizeof *v;
	return put(c, k, v);
}

struct render_val *
render_val_ref(struct render_cache *c, struct render_val *v)
{
	if (v == NULL)
		return NULL;
	pthread_mutex_lock(&c->lock);
	v->refs++;
	pthread_mutex_unlock(&c->lock);
	return v;
}

void
render_val_put(struct render_cache *c, struct render_val *v)
{
	if (v == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	val_put_locked(v);
	pthread_mutex_unlock(&c->lock);
}
