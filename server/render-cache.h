/* SPDX-License-Identifier: MIT */
/*
 * render-cache.h: rendered answers shared by every HTTP request and
 * WebSocket client that wants the same bytes.
 *
 * A value is immutable once put: the text of an answer, or a built tree
 * (what WebSocket clients diff against).  It is keyed by what decides its
 * bytes: the space (its registry serial, never reused), the node (level,
 * va), the depth, the generation (and, for a delta, the generation it
 * starts from) and whether physical addresses are hidden.  Values are
 * reference-counted: a client holding the tree it last got keeps it alive
 * after the cache evicted it.  The cache keeps at most RENDER_SLOTS values
 * and a byte budget; the least recently used go first.  Thread-safe.
 */
#ifndef PTS_RENDER_CACHE_H
#define PTS_RENDER_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt.h"

#define RENDER_SLOTS 256
#define RENDER_CACHE_BYTES (32u << 20)	/* the daemon's budget */

enum render_kind {
	RENDER_HTTP_TREE = 1,	/* GET .../tree answer */
	RENDER_TREE,		/* a built pt_node tree (WebSocket) */
	RENDER_WS_SNAPSHOT,	/* a "snapshot" message, or, longer than its
				   estimate said and too big to keep, its
				   length (an obj: it is streamed) */
	RENDER_WS_DELTA,	/* a "delta" message between two trees
				   (from_gen and generation hold their ids;
				   "" when nothing changed), or, too big to
				   render, its changes (an obj) */
	RENDER_ZONES,		/* a "zones" message */
	RENDER_WS_DIFF,		/* a "diff" message between two generations
				   (from_gen, generation; va holds the oldest
				   generation kept, pass 1 for a resync) */
};

struct render_key {
	enum render_kind kind;
	uint64_t serial;	/* the space's registry serial (0: live zones) */
	uint64_t generation;	/* or, for live zones, a time slot; for
				   snapshots and deltas a tree's id */
	uint64_t from_gen;	/* deltas */
	uint64_t va;
	uint64_t pass;		/* live trees: the streamer pass that built it
				   (per-page detail is read at build time);
				   messages: the generation they carry */
	unsigned level, depth;
	bool hide;
};

struct render_val {
	uint64_t id;		/* unique for the daemon's life (a delta is
				   keyed by the ids of the trees it joins) */
	int refs;		/* guarded by the cache's lock */
	size_t bytes;		/* what it costs (for the budget) */
	char *text;		/* NUL-terminated, or NULL */
	size_t len;
	struct pt_node *node;	/* or NULL */
	void *obj;		/* or NULL: anything else immutable */
	void (*obj_free)(void *);
};

struct render_cache {
	pthread_mutex_t lock;
	size_t max_bytes, bytes;
	uint64_t clock;		/* LRU stamps */
	uint64_t next_id;
	uint64_t hits, misses;
	struct {
		struct render_key key;
		uint64_t hash;		/* of key: most slots fail on it */
		struct render_val *val;
		uint64_t used;
	} slot[RENDER_SLOTS];
};

void render_cache_init(struct render_cache *, size_t max_bytes);
void render_cache_release(struct render_cache *);

/* The value for key, referenced (render_val_put it), or NULL (a miss). */
struct render_val *render_cache_get(struct render_cache *,
    const struct render_key *);

/* Store text (malloc'ed; taken) under key; returns the value referenced.
   When another thread put the same key first, text is freed and that value
   returned. */
struct render_val *render_cache_put_text(struct render_cache *,
    const struct render_key *, char *text);

/* The same for a tree (taken; may be NULL: no such table). */
struct render_val *render_cache_put_tree(struct render_cache *,
    const struct render_key *, struct pt_node *node);

/* The same for another object (taken; freed by obj_free), of bytes. */
struct render_val *render_cache_put_obj(struct render_cache *,
    const struct render_key *, void *obj, void (*obj_free)(void *),
    size_t bytes);

/* Roughly the heap bytes of a tree (what a tree value costs). */
size_t render_tree_bytes(const struct pt_node *);

/* Another reference to v (NULL-safe). */
struct render_val *render_val_ref(struct render_cache *, struct render_val *);

/* Drop a reference (NULL-safe); the last one frees the value. */
void render_val_put(struct render_cache *, struct render_val *);

#endif
