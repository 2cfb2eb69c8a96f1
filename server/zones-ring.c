/* SPDX-License-Identifier: MIT */
/* zones-ring.c: the sampler thread and the ring of live zone samples. */
#include "config.h"
#include "zones-ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sample_release(struct zring_sample *s)
{
	free(s->zones);
	memset(s, 0, sizeof *s);
}

/* A deep copy of sample src into dst. */
static void
sample_copy(struct zring_sample *dst, const struct zring_sample *src)
{
	*dst = *src;
	dst->zones = xcalloc(src->nzones ? src->nzones : 1, sizeof *dst->zones);
	memcpy(dst->zones, src->zones, src->nzones * sizeof *dst->zones);
}

void
zones_ring_add(struct zones_ring *r, const struct zones_state *zs,
    int64_t time_ms)
{
	struct zring_sample s = { 0 };
	unsigned orders = zs->orders > ZONES_MAX_ORDERS ? ZONES_MAX_ORDERS :
	    zs->orders;

	s.time_ms = time_ms;
	s.orders = orders;
	s.nzones = zs->nzones > ZRING_MAX_ZONES ? ZRING_MAX_ZONES :
	    (unsigned)zs->nzones;
	s.zones = xcalloc(s.nzones ? s.nzones : 1, sizeof *s.zones);
	for (unsigned i = 0; i < s.nzones; i++) {
		s.zones[i].node = zs->zones[i].node;
		snprintf(s.zones[i].name, sizeof s.zones[i].name, "%s",
		    zs->zones[i].name);
		memcpy(s.zones[i].free_area, zs->zones[i].free_area,
		    orders * sizeof s.zones[i].free_area[0]);
	}
	pthread_mutex_lock(&r->lock);
	s.seq = ++r->next_seq;
	snprintf(r->source, sizeof r->source, "%s", zs->source);
	r->note[0] = '\0';
	if (r->n == r->cap) {	/* full: the oldest goes */
		sample_release(&r->v[r->head]);
		r->v[r->head] = s;
		r->head = (r->head + 1) % r->cap;
	} else {
		r->v[(r->head + r->n) % r->cap] = s;
		r->n++;
	}
	pthread_mutex_unlock(&r->lock);
}

/* One read of the zones into the ring (a failed read leaves its reason). */
static void
take_sample(struct zones_ring *r)
{
	struct zones_state zs = { 0 };
	struct pts_err err = { 0 };

	if (r->read(r->proc_root, &zs, &err) < 0) {
		pthread_mutex_lock(&r->lock);
		snprintf(r->note, sizeof r->note, "%s", err.msg);
		pthread_mutex_unlock(&r->lock);
		return;
	}
	zones_ring_add(r, &zs, wall_ms());
	zones_release(&zs);
}

static void *
sampler_main(void *arg)
{
	struct zones_ring *r = arg;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	for (;;) {
		take_sample(r);
		until.tv_sec += r->interval_ms / 1000;
		until.tv_nsec += (long)(r->interval_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&r->lock);
		while (!r->stop && pthread_cond_timedwait(&r->cond, &r->lock,
		    &until) == 0)
			;
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		pthread_mutex_unlock(&r->lock);
	}
}

int
zones_ring_start(struct zones_ring *r, const char *proc_root,
    zring_read_fn *read, unsigned cap, unsigned interval_ms,
    struct pts_err *err)
{
	pthread_condattr_t ca;

	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	r->proc_root = proc_root;
	/* what the samples will say, before the first: as zones_read_proc */
	snprintf(r->source, sizeof r->source, "%s", proc_root &&
	    strcmp(proc_root, "/proc") != 0 ? "proc-root" : "live");
	r->read = read;
	r->interval_ms = interval_ms;
	r->cap = cap > ZRING_MAX_SAMPLES ? ZRING_MAX_SAMPLES : cap;
	if (r->cap == 0)
		return 0;
	r->v = xcalloc(r->cap, sizeof *r->v);
	if (pthread_create(&r->thread, NULL, sampler_main, r) != 0)
		return pts_errf(err, PTS_EIO, "thread",
		    "cannot start the zones sampler");
	r->running = true;
	return 0;
}

void
zones_ring_stop(struct zones_ring *r)
{
	if (r->interval_ms == 0)	/* never started */
		return;
	if (r->running) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		r->running = false;
	}
	for (unsigned i = 0; i < r->n; i++)
		sample_release(&r->v[(r->head + i) % r->cap]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
}

void
zones_ring_copy(struct zones_ring *r, uint64_t since, unsigned limit,
    struct zones_history *out)
{
	size_t first, want = 0;

	memset(out, 0, sizeof *out);
	out->interval_ms = r->interval_ms;
	out->capacity = r->cap;
	if (r->cap == 0) {
		/* (no sampler: set once at start, never written again) */
		snprintf(out->source, sizeof out->source, "%s", r->source);
		return;
	}
	pthread_mutex_lock(&r->lock);
	snprintf(out->source, sizeof out->source, "%s", r->source);
	snprintf(out->note, sizeof out->note, "%s", r->note);
	if (r->n) {
		out->first_seq = r->v[r->head].seq;
		out->last_seq = r->v[(r->head + r->n - 1) % r->cap].seq;
	}
	/* seq grows by one per sample: the ones after since are the last */
	for (first = 0; first < r->n; first++)
		if (r->v[(r->head + first) % r->cap].seq > since)
			break;
	want = r->n - first;
	if (limit && want > limit) {
		first += want - limit;
		want = limit;
	}
	out->samples = xcalloc(want ? want : 1, sizeof *out->samples);
	for (size_t i = 0; i < want; i++)
		sample_copy(&out->samples[i],
		    &r->v[(r->head + first + i) % r->cap]);
	out->n = want;
	pthread_mutex_unlock(&r->lock);
}

void
zones_history_release(struct zones_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		sample_release(&h->samples[i]);
	free(h->samples);
	memset(h, 0, sizeof *h);
}
