/* SPDX-License-Identifier: MIT */
/*
 * registry.h: the spaces the daemon hosts, by id.
 *
 * The HTTP threads and the WebSocket threads share spaces through this
 * registry.  Each entry has a reference count (registry_get/registry_put)
 * and a mutex held around every backend op (entry_lock/entry_unlock), so
 * backends need no locking of their own and a DELETE never frees a space
 * that another thread is using.
 */
#ifndef PTS_REGISTRY_H
#define PTS_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "history.h"
#include "space.h"

struct entry {
	char id[40];
	struct space *space;
	pthread_mutex_t lock;	/* held around ops on space */
	int refs;		/* guarded by the registry lock */
	bool removed;
	/*
	 * Live process exited.  Atomic: set under the entry lock by
	 * entry_refresh, read under the registry lock (registry_find_pid)
	 * and by readers that hold neither (metrics).
	 */
	atomic_bool gone;
	int pid;		/* process spaces, else 0 */
	uint64_t last_refresh_ms;	/* when the last refresh ended */
	uint64_t serial;	/* unique for the daemon's life, never reused
				   (keys rendered answers: render-cache.h) */
	struct history *hist;	/* generations (NULL when the space keeps
				   its own: space->history) */
	/*
	 * The newest generation its history holds, set under the entry lock
	 * where a generation is recorded; read without it (a WebSocket diff
	 * subscription without "from" starts there: ws.c).
	 */
	_Atomic uint64_t newest_gen;
};

struct registry {
	pthread_mutex_t lock;
	struct entry **v;
	size_t n, cap;
	unsigned next_sim, next_dump, next_rec, next_vm;
	unsigned max_spaces;
	uint64_t next_serial;
	unsigned hist_gens;	/* --history */
	size_t hist_bytes;	/* --history-bytes */
};

void registry_init(struct registry *, unsigned max_spaces);
void registry_release(struct registry *);

/*
 * Add a space under an id: prefix "sim", "dump" or "rec" gets a number appended
 * ("sim-3"); any other id is used as it is ("pid-42", "kernel").  Takes
 * ownership of space (freed on error).  *out gets a reference.
 */
int registry_add(struct registry *, struct space *, const char *prefix,
    int pid, struct entry **out, struct pts_err *);

/* A referenced entry, or NULL (PTS_ENOENT "no_such_space" in err). */
struct entry *registry_get(struct registry *, const char *id,
    struct pts_err *);
/* The attached process space of pid, referenced, or NULL. */
struct entry *registry_find_pid(struct registry *, int pid);
void registry_put(struct registry *, struct entry *);
int registry_remove(struct registry *, const char *id, struct pts_err *);

/* References to all entries in id order; release with registry_put_all. */
struct entry **registry_list(struct registry *, size_t *n);
void registry_put_all(struct registry *, struct entry **, size_t n);

void entry_lock(struct entry *);
void entry_unlock(struct entry *);

/*
 * With the entry locked: re-read a live space when the last read is older
 * than min_ms (0: always).  Marks the entry gone on PTS_EGONE.
 */
int entry_refresh(struct entry *, unsigned min_ms, struct pts_err *);

/* The space's history: its own (recordings) or the one the registry
   keeps.  Use with the entry locked. */
struct history *entry_history(struct entry *);

/* With the entry locked: record a generation when the space's generation
   moved (caption may be NULL).  Errors are only logged by the caller. */
int entry_record(struct entry *, const char *caption, struct pts_err *);

uint64_t now_ms(void);

#endif
