/* SPDX-License-Identifier: MIT */
/* history.c: generations as deltas from a checkpoint, within bounds. */
#include "config.h"
#include "history.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

int64_t
history_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct history *
history_new(const struct arch *a, unsigned max_gens, size_t max_bytes)
{
	struct history *h = xcalloc(1, sizeof *h);

	h->arch = a;
	h->max_gens = max_gens;
	h->max_bytes = max_bytes;
	return h;
}

static void
gen_release_delta(struct hgen *g)
{
	for (size_t i = 0; i < g->nch; i++) {
		hitem_unref(g->ch[i].before);
		hitem_unref(g->ch[i].after);
	}
	free(g->ch);
	g->ch = NULL;
	g->nch = 0;
	g->bytes = 0;
}

static void
drop_cache(struct history *h)
{
	hstate_free(h->cache);
	h->cache = NULL;
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->ngens; i++) {
		gen_release_delta(&h->gens[i]);
		free(h->gens[i].caption);
	}
	free(h->gens);
	hstate_free(h->head);
	drop_cache(h);
	free(h);
}

size_t
history_bytes(const struct history *h)
{
	size_t b = sizeof *h + h->cap * sizeof *h->gens + h->head_bytes;

	for (size_t i = 0; i < h->ngens; i++)
		b += h->gens[i].bytes + (h->gens[i].caption ?
		    strlen(h->gens[i].caption) + 1 : 0);
	if (h->cache)
		for (unsigned l = 0; l < HL_N; l++)
			b += h->cache->l[l].cap * sizeof(struct hitem *);
	return b;
}

/* A changed entry counts when it is (or was) a leaf, or a table came or
   went; a table entry whose only change is the stats below it does not. */
static bool
counts_as_change(const struct hitem *before, const struct hitem *after)
{
	bool tb = before && hitem_entry(before)->kind == PT_KIND_TABLE;
	bool ta = after && hitem_entry(after)->kind == PT_KIND_TABLE;

	if (!tb || !ta)
		return true;
	return hitem_entry(before)->table_pa != hitem_entry(after)->table_pa;
}

/* An entry that changed counts when both states had read its table (a
   lazy space's entry that was only read, or only dropped, does not). */
static void
add_change(struct hgen *g, size_t *cap, unsigned list, struct hitem *before,
    struct hitem *after, const struct hstate *old, const struct hstate *new)
{
	g->ch = xgrow(g->ch, cap, g->nch + 1, sizeof *g->ch);
	g->ch[g->nch++] = (struct hchange){ list, hitem_ref(before),
	    hitem_ref(after) };
	g->bytes += sizeof *g->ch + (before ? hitem_bytes(before) : 0);
	if (list < HL_ROOT && counts_as_change(before, after) &&
	    hdiff_compared(old, new, list, (before ? before : after)->key))
		g->changes++;
}

/* The delta old -> new into g; equal items of new become old's. */
static void
make_delta(struct hgen *g, const struct hstate *old, struct hstate *new)
{
	size_t cap = 0;

	for (unsigned l = 0; l < HL_N; l++) {
		const struct hlist *a = &old->l[l];
		struct hlist *b = &new->l[l];
		size_t i = 0, j = 0;

		while (i < a->n || j < b->n) {
			int c = i == a->n ? 1 : j == b->n ? -1 :
			    hitem_cmp_key(a->v[i], b->v[j]);

			if (c < 0) {
				add_change(g, &cap, l, a->v[i++], NULL, old,
				    new);
			} else if (c > 0) {
				add_change(g, &cap, l, NULL, b->v[j++], old,
				    new);
			} else if (hitem_same(a->v[i], b->v[j])) {
				hitem_unref(b->v[j]);
				b->v[j++] = hitem_ref(a->v[i++]);
			} else {
				add_change(g, &cap, l, a->v[i++], b->v[j++], old,
				    new);
			}
		}
	}
}

/* Drop the oldest generation; the next one's delta is no longer needed. */
static void
drop_oldest(struct history *h)
{
	free(h->gens[0].caption);
	gen_release_delta(&h->gens[0]);
	memmove(&h->gens[0], &h->gens[1], (h->ngens - 1) * sizeof *h->gens);
	h->ngens--;
	gen_release_delta(&h->gens[0]);
	h->dropped++;
	drop_cache(h);
}

static bool
over_bounds(const struct history *h)
{
	return h->ngens > 1 && ((h->max_gens && h->ngens > h->max_gens) ||
	    (h->max_bytes && history_bytes(h) > h->max_bytes));
}

/* A new newest generation (its state kept unless the caller says). */
static struct hgen *
append_gen(struct history *h, uint64_t generation, int64_t time_ms,
    const char *caption)
{
	struct hgen *g;

	h->gens = xgrow(h->gens, &h->cap, h->ngens + 1, sizeof *h->gens);
	g = &h->gens[h->ngens++];
	memset(g, 0, sizeof *g);
	g->generation = generation;
	g->time_ms = time_ms;
	g->caption = caption ? xstrdup(caption) : NULL;
	g->kept = true;
	return g;
}

void
history_push(struct history *h, struct hstate *st, const char *caption,
    int64_t time_ms)
{
	struct hgen *g;

	drop_cache(h);
	g = append_gen(h, st->generation, time_ms, caption);
	if (h->head) {
		make_delta(g, h->head, st);
		hstate_free(h->head);
	} else {
		for (unsigned l = 0; l < HL_ROOT; l++)
			g->changes += (unsigned)st->l[l].n;
	}
	h->head = st;
	h->head_bytes = hstate_bytes(st);
	while (over_bounds(h))
		drop_oldest(h);
}

static bool
space_cannot_change(const struct space *s)
{
	return s->ops->refresh == NULL && s->ops->op == NULL;
}

/* A new newest generation of s, its state not taken (yet). */
static struct hgen *
push_gen(struct history *h, struct space *s, const char *caption)
{
	h->last_seen = s->generation;
	return append_gen(h, s->generation, history_now_ms(), caption);
}

/* The first generation of a space that cannot change, without its state. */
static void
push_deferred(struct history *h, struct space *s, const char *caption)
{
	push_gen(h, s, caption);
	h->deferred = s;
}

/* The deferred generation's state, captured now from the space. */
static int
capture_deferred(struct history *h, struct pts_err *err)
{
	struct hstate *st;
	int r;

	if ((r = hstate_capture(h->deferred, &st, err)) < 0)
		return r;
	for (unsigned l = 0; l < HL_ROOT; l++)
		h->gens[0].changes += (unsigned)st->l[l].n;
	h->head = st;
	h->head_bytes = hstate_bytes(st);
	h->deferred = NULL;
	return 0;
}

/* Bytes a state of s would take, from its root tables' counts: at most
   every table full, at most one entry per mapped page. */
static size_t
estimate_state_bytes(struct space *s)
{
	uint64_t roots[2] = { 0, s->arch->kernel_first };
	unsigned nroots = s->arch->split_roots ? 2 : 1;
	uint64_t entries = 0, per_table = s->arch->levels[0].entries;
	size_t item = sizeof(struct hitem) + sizeof(struct hrec_entry) +
	    sizeof(struct hitem *);

	for (unsigned i = 1; i < s->arch->nlevels; i++)
		if (s->arch->levels[i].entries > per_table)
			per_table = s->arch->levels[i].entries;
	for (unsigned i = 0; i < nroots; i++) {
		struct pt_node *n = NULL;
		uint64_t pages, slots;

		if (s->ops->tree(s, s->arch->levels[0].level, roots[i], 0, &n,
		    NULL) < 0)
			continue;
		pages = n->stats.present_pages + n->stats.swapped_pages;
		slots = n->stats.tables * per_table;
		entries += (pages < slots ? pages : slots) + n->stats.tables;
		pt_node_free(n);
	}
	return entries > SIZE_MAX / item ? SIZE_MAX : (size_t)entries * item;
}

/* A generation whose state is over the bound: listed, not kept, and the
   older ones lose their deltas (they led to a state no longer held). */
static void
forget_states(struct history *h)
{
	drop_cache(h);
	for (size_t i = 0; i < h->ngens; i++) {
		gen_release_delta(&h->gens[i]);
		h->gens[i].kept = false;
	}
	hstate_free(h->head);
	h->head = NULL;
	h->head_bytes = 0;
	h->deferred = NULL;
}

static void
push_not_kept(struct history *h, struct space *s, const char *caption)
{
	forget_states(h);
	push_gen(h, s, caption)->kept = false;
	while (over_bounds(h))
		drop_oldest(h);
}

static void apply(struct hstate *, const struct hgen *, bool undo);

static bool
over_byte_bound(const struct history *h, const struct hstate *st)
{
	return h->max_bytes && hstate_bytes(st) > h->max_bytes;
}

/* The newest state of a lazy space taken: from the state before it (its
   delta), or the first. */
static void
set_head(struct history *h, struct hstate *st, const struct hstate *prev)
{
	struct hgen *g = &h->gens[h->ngens - 1];

	drop_cache(h);
	gen_release_delta(g);
	g->changes = 0;
	if (prev)
		make_delta(g, prev, st);
	else
		for (unsigned l = 0; l < HL_ROOT; l++)
			g->changes += (unsigned)st->l[l].n;
	h->head_based = prev != NULL;
	h->head = st;
	h->head_bytes = hstate_bytes(st);
	h->pending = false;
	while (over_bounds(h))
		drop_oldest(h);
}

int
history_sync(struct history *h, struct pts_err *err)
{
	struct space *s = h->lazy;
	struct hstate *st, *prev = NULL, *old = h->head;
	int r;

	if (s == NULL || h->ngens == 0 || !h->gens[h->ngens - 1].kept ||
	    (!h->pending && s->read_serial == h->lazy_serial))
		return 0;
	if ((r = hstate_capture_lazy(s, old, h->lazy_serial, &st, err)) < 0)
		return r;
	h->lazy_serial = s->read_serial;
	if (over_byte_bound(h, st)) {
		hstate_free(st);
		forget_states(h);
		h->pending = false;
		return 0;
	}
	if (h->pending) {		/* the newest, first taken */
		h->head = NULL;
		set_head(h, st, old);
	} else {			/* taken again, more read */
		if (h->head_based) {
			prev = hstate_dup(old);
			apply(prev, &h->gens[h->ngens - 1], true);
		}
		h->head = NULL;
		set_head(h, st, prev);
		hstate_free(prev);
	}
	hstate_free(old);
	return 0;
}

/* A lazy space's new generation, its state taken when first needed
   (history_sync: before the space changes what it had read, or when a
   state is asked for). */
static void
push_pending(struct history *h, struct space *s, const char *caption)
{
	if (h->pending)		/* nothing took it before the change */
		h->gens[h->ngens - 1].kept = false;
	drop_cache(h);
	push_gen(h, s, caption);
	h->pending = true;
	while (over_bounds(h))
		drop_oldest(h);
}

int
history_record(struct history *h, struct space *s, const char *caption,
    struct pts_err *err)
{
	struct hstate *st;
	int r;

	if (s->ops->capture_read) {	/* lazy: reads nothing now */
		h->lazy = s;
		if (h->ngens == 0 || s->generation != h->last_seen)
			push_pending(h, s, caption);
		return 0;
	}
	if (h->ngens && s->generation == h->last_seen)
		return 0;
	if (h->max_bytes && s->ops->tree &&
	    estimate_state_bytes(s) > h->max_bytes) {
		push_not_kept(h, s, caption);
		return 0;
	}
	if (h->ngens == 0 && space_cannot_change(s)) {
		push_deferred(h, s, caption);
		return 0;
	}
	if ((r = hstate_capture(s, &st, err)) < 0)
		return r;
	h->last_seen = s->generation;
	history_push(h, st, caption, history_now_ms());
	return 0;
}

long
history_find(const struct history *h, uint64_t g)
{
	size_t lo = 0, hi = h->ngens;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->gens[mid].generation < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->ngens && h->gens[lo].generation == g ? (long)lo : -1;
}

/* Apply the delta of g to st: forward (redo) or backward (undo). */
static void
apply(struct hstate *st, const struct hgen *g, bool undo)
{
	size_t k = 0;

	for (unsigned l = 0; l < HL_N; l++) {
		struct hlist *a = &st->l[l], out = { 0, 0, NULL };
		size_t i = 0;

		if (k == g->nch || g->ch[k].list != l)
			continue;
		out.cap = a->n + g->nch;
		out.v = xcalloc(out.cap ? out.cap : 1, sizeof *out.v);
		while (i < a->n || (k < g->nch && g->ch[k].list == l)) {
			const struct hchange *c = k < g->nch &&
			    g->ch[k].list == l ? &g->ch[k] : NULL;
			struct hitem *want = c ? (undo ? c->before : c->after) :
			    NULL;
			struct hitem *key = c ? (c->before ? c->before :
			    c->after) : NULL;
			int cmp = c == NULL ? -1 : i == a->n ? 1 :
			    hitem_cmp_key(a->v[i], key);

			if (cmp < 0) {
				out.v[out.n++] = a->v[i++];
				continue;
			}
			if (cmp == 0)
				hitem_unref(a->v[i++]);
			if (want)
				out.v[out.n++] = hitem_ref(want);
			k++;
		}
		free(a->v);
		*a = out;
	}
	st->generation = undo ? 0 : g->generation;
}

int
history_state(struct history *h, uint64_t g, const struct hstate **out,
    struct pts_err *err)
{
	long i, from;
	struct hstate *st;
	int r;

	if ((r = history_sync(h, err)) < 0)	/* a lazy space's newest */
		return r;
	i = history_find(h, g);
	if (i < 0) {
		if (h->ngens && g < h->gens[0].generation)
			return pts_errf(err, PTS_EEXPIRED, "generation_expired",
			    "generation %" PRIu64 " has left the history (the "
			    "oldest kept is %" PRIu64 ").", g,
			    h->gens[0].generation);
		return pts_errf(err, PTS_ENOENT, "no_such_generation",
		    "this space has no generation %" PRIu64 ".", g);
	}
	if (!h->gens[i].kept)
		return pts_errf(err, PTS_EEXPIRED, "generation_not_kept",
		    "the state at generation %" PRIu64 " (or a newer one) was "
		    "larger than the history's byte bound (--history-bytes) "
		    "and was not kept.", g);
	if ((size_t)i == h->ngens - 1) {
		r = h->head ? 0 : capture_deferred(h, err);

		if (r < 0)
			return r;
		*out = h->head;
		return 0;
	}
	if (h->cache && h->cache->generation == g) {
		*out = h->cache;
		return 0;
	}
	from = (long)h->ngens - 1;
	if (h->cache) {
		long c = history_find(h, h->cache->generation);

		if (c >= 0 && labs(c - i) < from - i)
			from = c;
	}
	if (from == (long)h->ngens - 1) {
		drop_cache(h);		/* rebuilt from the head: the old cache goes */
		st = hstate_dup(h->head);
	} else {
		st = h->cache;		/* stepped from the cache, taken over */
		h->cache = NULL;
	}
	for (long k = from; k > i; k--)
		apply(st, &h->gens[k], true);
	for (long k = from + 1; k <= i; k++)
		apply(st, &h->gens[k], false);
	st->generation = g;
	h->cache = st;
	*out = st;
	return 0;
}

int
history_diff(struct history *h, uint64_t from, uint64_t to, struct hdiff *out,
    struct pts_err *err)
{
	const struct hstate *a, *b;
	struct hstate *ac;
	int r;

	memset(out, 0, sizeof *out);
	if ((r = history_state(h, from, &a, err)) < 0)
		return r;
	ac = hstate_dup(a);	/* the next history_state() may reuse it */
	if ((r = history_state(h, to, &b, err)) < 0) {
		hstate_free(ac);
		return r;
	}
	hdiff_states(ac, b, out);
	hstate_free(ac);
	return 0;
}
