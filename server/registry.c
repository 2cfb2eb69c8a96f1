/* SPDX-License-Identifier: MIT */
/* registry.c: spaces by id, with references and per-space locks. */
#include "config.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
registry_init(struct registry *r, unsigned max_spaces)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->lock, NULL);
	r->next_sim = r->next_dump = r->next_rec = r->next_vm = 1;
	r->max_spaces = max_spaces;
	r->hist_gens = 256;
	r->hist_bytes = (size_t)64 << 20;
}

static void
entry_free(struct entry *e)
{
	history_free(e->hist);
	space_free(e->space);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void
registry_release(struct registry *r)
{
	for (size_t i = 0; i < r->n; i++)
		entry_free(r->v[i]);
	free(r->v);
	pthread_mutex_destroy(&r->lock);
	memset(r, 0, sizeof *r);
}

/* Index of id in r->v, or -1.  Caller holds r->lock. */
static long
find_locked(struct registry *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->id, id) == 0)
			return (long)i;
	return -1;
}

/* A lazy space's refresh is about to change what it had read: the
   history takes the ending generation first (the space is locked). */
static void
history_before_change(void *h)
{
	(void)history_sync(h, NULL);
}

/* A new space's history with its first generation (none when the space
   brings its own).  Made before the space is published: no lock needed. */
static struct history *
new_history(struct registry *r, struct space *s)
{
	struct history *h;
	char cap[80];

	if (s->history)
		return NULL;
	h = history_new(s->arch, r->hist_gens, r->hist_bytes);
	snprintf(cap, sizeof cap, "start: %.64s", s->label);
	(void)history_record(h, s, cap, NULL);
	if (s->ops->capture_read) {
		s->before_change = history_before_change;
		s->before_change_arg = h;
	}
	return h;
}

/* e->newest_gen from its history (the entry is locked, or not published). */
static void
note_newest(struct entry *e)
{
	struct history *h = entry_history(e);

	if (h && h->ngens)
		atomic_store(&e->newest_gen, h->gens[h->ngens - 1].generation);
}

int
registry_add(struct registry *r, struct space *s, const char *prefix, int pid,
    struct entry **out, struct pts_err *err)
{
	struct history *hist = new_history(r, s);
	struct entry *e;

	pthread_mutex_lock(&r->lock);
	if (r->max_spaces && r->n >= r->max_spaces) {
		pthread_mutex_unlock(&r->lock);
		history_free(hist);
		space_free(s);
		return pts_errf(err, PTS_EBUSY, "too_many_spaces",
		    "the daemon already hosts %u spaces (--max-spaces); "
		    "delete some first", r->max_spaces);
	}
	e = xcalloc(1, sizeof *e);
	if (!strcmp(prefix, "sim"))
		snprintf(e->id, sizeof e->id, "sim-%u", r->next_sim++);
	else if (!strcmp(prefix, "dump"))
		snprintf(e->id, sizeof e->id, "dump-%u", r->next_dump++);
	else if (!strcmp(prefix, "rec"))
		snprintf(e->id, sizeof e->id, "rec-%u", r->next_rec++);
	else if (!strcmp(prefix, "vm"))	/* several guests at once */
		snprintf(e->id, sizeof e->id, "vm-%u", r->next_vm++);
	else
		snprintf(e->id, sizeof e->id, "%s", prefix);
	if (find_locked(r, e->id) >= 0) {
		pthread_mutex_unlock(&r->lock);
		history_free(hist);
		space_free(s);
		free(e);
		return pts_errf(err, PTS_EEXIST, "space_exists",
		    "a space '%s' already exists", prefix);
	}
	e->space = s;
	e->hist = hist;
	note_newest(e);
	e->pid = pid;
	e->serial = ++r->next_serial;
	e->refs = 2;	/* the registry's and the caller's */
	e->last_refresh_ms = now_ms();
	pthread_mutex_init(&e->lock, NULL);
	r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof *r->v);
	r->v[r->n++] = e;
	pthread_mutex_unlock(&r->lock);
	*out = e;
	return 0;
}

struct entry *
registry_get(struct registry *r, const char *id, struct pts_err *err)
{
	struct entry *e = NULL;
	long i;

	pthread_mutex_lock(&r->lock);
	if ((i = find_locked(r, id)) >= 0) {
		e = r->v[i];
		e->refs++;
	}
	pthread_mutex_unlock(&r->lock);
	if (e == NULL)
		pts_errf(err, PTS_ENOENT, "no_such_space",
		    "there is no space '%.60s'", id);
	return e;
}

struct entry *
registry_find_pid(struct registry *r, int pid)
{
	struct entry *e = NULL;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i]->pid == pid && !r->v[i]->gone) {
			e = r->v[i];
			e->refs++;
			break;
		}
	pthread_mutex_unlock(&r->lock);
	return e;
}

void
registry_put(struct registry *r, struct entry *e)
{
	bool last;

	if (e == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (last)
		entry_free(e);
}

int
registry_remove(struct registry *r, const char *id, struct pts_err *err)
{
	struct entry *e;
	long i;

	pthread_mutex_lock(&r->lock);
	if ((i = find_locked(r, id)) < 0) {
		pthread_mutex_unlock(&r->lock);
		return pts_errf(err, PTS_ENOENT, "no_such_space",
		    "there is no space '%.60s'", id);
	}
	e = r->v[i];
	memmove(&r->v[i], &r->v[i + 1], (r->n - (size_t)i - 1) * sizeof *r->v);
	r->n--;
	e->removed = true;
	pthread_mutex_unlock(&r->lock);
	registry_put(r, e);
	return 0;
}

struct entry **
registry_list(struct registry *r, size_t *n)
{
	struct entry **v;

	pthread_mutex_lock(&r->lock);
	v = xcalloc(r->n ? r->n : 1, sizeof *v);
	for (size_t i = 0; i < r->n; i++) {
		v[i] = r->v[i];
		v[i]->refs++;
	}
	*n = r->n;
	pthread_mutex_unlock(&r->lock);
	return v;
}

void
registry_put_all(struct registry *r, struct entry **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		registry_put(r, v[i]);
	free(v);
}

void
entry_lock(struct entry *e)
{
	pthread_mutex_lock(&e->lock);
}

void
entry_unlock(struct entry *e)
{
	pthread_mutex_unlock(&e->lock);
}

int
entry_refresh(struct entry *e, unsigned min_ms, struct pts_err *err)
{
	uint64_t now = now_ms();
	int r;

	if (e->gone)
		return pts_errf(err, PTS_EGONE, "process_exited",
		    "the process of space '%s' has exited", e->id);
	if (e->space->ops->refresh == NULL ||
	    (min_ms && now - e->last_refresh_ms < min_ms))
		return 0;
	r = e->space->ops->refresh(e->space, err);
	/* timed from the end of the scan: when a scan takes longer than
	   min_ms, requests still get min_ms between scans, not a rescan each */
	e->last_refresh_ms = now_ms();
	if (r == PTS_EGONE)
		e->gone = true;
	if (r == 0)
		(void)entry_record(e, NULL, NULL);
	return r;
}

struct history *
entry_history(struct entry *e)
{
	return e->space->history ? e->space->history : e->hist;
}

int
entry_record(struct entry *e, const char *caption, struct pts_err *err)
{
	int r;

	if (e->hist == NULL)
		return 0;
	r = history_record(e->hist, e->space, caption, err);
	note_newest(e);
	return r;
}
