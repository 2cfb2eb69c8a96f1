/* SPDX-License-Identifier: MIT */
/*
 * history.h: a bounded history of a space's generations.
 *
 * Stored as the newest state in full (the checkpoint every generation is
 * rebuilt from) and, per generation, the delta from the generation before
 * it: the items that changed, with their before and after versions.  A
 * delta applies both ways, so a state at generation G is rebuilt by undoing
 * the deltas newer than G from the checkpoint, or by redoing deltas forward
 * from the last state rebuilt (stepping through a timeline costs one delta
 * per step).  Unchanged items are shared, never copied.
 *
 * Bounds: at most max_gens generations and about max_bytes bytes (items
 * held only by the history, the delta arrays, the checkpoint and the last
 * rebuilt state); the oldest generations are dropped first, the newest is
 * always kept.  0 means no bound (recordings, which the file bounds).  A
 * state whose estimate (from the root tables' counts, before it is taken)
 * exceeds max_bytes is not taken: its generation is listed with kept
 * false, and so are the older ones, whose deltas led to it.
 *
 * Locking: the caller holds the space's lock (as for every space op).
 */
#ifndef PTS_HISTORY_H
#define PTS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hdiff.h"
#include "hstate.h"
#include "space.h"

/* One changed item: before NULL = added, after NULL = removed. */
struct hchange {
	unsigned list;		/* enum hlist_id */
	struct hitem *before, *after;	/* referenced */
};

struct hgen {
	uint64_t generation;
	int64_t time_ms;	/* wall clock, ms since the epoch */
	char *caption;		/* owned, may be NULL */
	unsigned changes;	/* entries that changed (not ranges, zones) */
	size_t nch;
	struct hchange *ch;	/* from the generation before; sorted by
				   (list, key, sub) */
	size_t bytes;		/* what dropping this delta frees */
	bool kept;		/* its state can be rebuilt; false when a state
				   (this one or a newer one) was larger than
				   the byte bound: then only the generation,
				   its time and caption are known */
};

struct history {
	const struct arch *arch;
	unsigned max_gens;
	size_t max_bytes;
	size_t ngens, cap;
	struct hgen *gens;	/* oldest first */
	struct hstate *head;	/* state at gens[ngens-1] */
	size_t head_bytes;
	struct hstate *cache;	/* the last state rebuilt, or NULL */
	uint64_t dropped;	/* generations dropped so far */
	uint64_t last_seen;	/* space generation last recorded */
	/* A space that cannot change (no refresh, no op: a ptdump upload):
	   its one generation is captured only when a diff or ?generation=
	   asks for it, since the space itself answers for it otherwise (a
	   4 KiB dump of a page-mapped linear map is millions of entries). */
	struct space *deferred;
	/* A lazy space (space.h capture_read, vm): its states hold only the
	   tables it had read, and nothing is read for them.  A new
	   generation's state is pending (h->head is then the state of the one
	   before) until history_sync() takes it: when a state, a diff or the
	   history is asked for, and when the space is about to change what
	   it had read (space.h before_change).  A state taken is taken again
	   when more has been read (read_serial moved). */
	struct space *lazy;
	uint64_t lazy_serial;	/* read_serial the head was taken at */
	bool pending;		/* the newest generation's state not taken */
	bool head_based;	/* the newest's delta is from the one before */
};

struct history *history_new(const struct arch *, unsigned max_gens,
    size_t max_bytes);
void history_free(struct history *);

/*
 * Add a state (taken over) as a new generation, newer than the last one.
 * Items equal to the head's are replaced by the head's (shared).  Then
 * drops the oldest generations over the bounds.
 */
void history_push(struct history *, struct hstate *, const char *caption,
    int64_t time_ms);

/*
 * With the space locked: capture and push a generation when the space's
 * generation differs from the last one recorded (or nothing was recorded
 * yet).  Returns 0 (also when nothing moved) or the capture's error.  The
 * one generation of a space that cannot change is captured later, by
 * history_state(), from the space (which must outlive the history).
 */
int history_record(struct history *, struct space *, const char *caption,
    struct pts_err *);

/*
 * A lazy space's newest state taken, if it is pending, or taken again when
 * more of its tables has been read since (with the space locked: the
 * history's before_change hook, history_state(), the history listing).
 * 0 or the capture's error.
 */
int history_sync(struct history *, struct pts_err *);

/* Index of generation g in gens[], or -1. */
long history_find(const struct history *, uint64_t g);

/*
 * The state at generation g, shared with the history (valid until the next
 * call on h).  PTS_EGONE "generation_expired" when g is older than the
 * oldest kept, PTS_ENOENT "no_such_generation" when g never existed.
 */
int history_state(struct history *, uint64_t g, const struct hstate **out,
    struct pts_err *);
/* (PTS_EEXPIRED "generation_not_kept" when g's state was over the bound.) */

/*
 * What changed from generation from to generation to (model/hdiff.h), into
 * out (hdiff_release it).  Errors as history_state().
 */
int history_diff(struct history *, uint64_t from, uint64_t to,
    struct hdiff *out, struct pts_err *);

/* Bytes the history holds now. */
size_t history_bytes(const struct history *);

/* Wall-clock milliseconds since the epoch. */
int64_t history_now_ms(void);

#endif
