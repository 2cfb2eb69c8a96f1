/* SPDX-License-Identifier: MIT */
/*
 * zones-ring.h: the live machine's zones over time.  A thread of the
 * daemon reads the zones every --zones-interval milliseconds and keeps the
 * last --zones-history samples (free blocks per order of every zone) in a
 * ring: GET /api/v1/zones/history (docs/api.md) answers from a copy.
 */
#ifndef PTS_ZONES_RING_H
#define PTS_ZONES_RING_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "zones.h"

/* Limits: the ring's memory is at most ZRING_MAX_SAMPLES samples of at
   most ZRING_MAX_ZONES zones. */
#define ZRING_MAX_SAMPLES 100000
#define ZRING_MAX_ZONES 64

struct zring_zone {
	int node;
	char name[16];
	uint64_t free_area[ZONES_MAX_ORDERS];	/* free blocks per order */
};

struct zring_sample {
	uint64_t seq;			/* 1, 2, … in the order taken */
	int64_t time_ms;		/* wall clock, ms since the epoch */
	unsigned orders;
	unsigned nzones;
	struct zring_zone *zones;	/* owned */
};

/* The reader of the live zones (zones_read_buddyinfo). */
typedef int zring_read_fn(const char *proc_root, struct zones_state *,
    struct pts_err *);

struct zones_ring {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* wakes the sampler to stop */
	pthread_t thread;
	bool running, stop;
	const char *proc_root;
	zring_read_fn *read;
	unsigned interval_ms;
	unsigned cap;			/* 0: no ring, no thread */
	unsigned n, head;		/* samples held; index of the oldest */
	uint64_t next_seq;
	char source[48];		/* of the last sample */
	char note[256];			/* why the last read failed, or "" */
	struct zring_sample *v;		/* cap slots */
};

/* A copy of some samples, oldest first (zones_ring_copy). */
struct zones_history {
	char source[48];
	char note[256];
	unsigned interval_ms, capacity;
	uint64_t first_seq, last_seq;	/* of all samples held; 0 when none */
	size_t n;
	struct zring_sample *samples;	/* owned */
};

/* Start sampling (nothing when cap is 0).  0 or a negative PTS_E*. */
int zones_ring_start(struct zones_ring *, const char *proc_root,
    zring_read_fn *, unsigned cap, unsigned interval_ms, struct pts_err *);

/* Stop the sampler and free the ring (safe on a ring never started). */
void zones_ring_stop(struct zones_ring *);

/* Add one sample of zs taken at time_ms (the sampler's step; tests). */
void zones_ring_add(struct zones_ring *, const struct zones_state *,
    int64_t time_ms);

/* The samples with seq > since, the newest limit of them (0: all). */
void zones_ring_copy(struct zones_ring *, uint64_t since, unsigned limit,
    struct zones_history *out);
void zones_history_release(struct zones_history *);

#endif
