/* SPDX-License-Identifier: MIT */
/*
 * api-stream.c: tree, ranges (JSON and ptdump text), history and diff
 * answers written as they are produced (json-stream.h, ptdump.h's
 * writer), so that an answer of any size costs the daemon one table's (or
 * one piece's) worth of text, not the answer's.
 *
 * The first srv->stream_bytes of an answer are made at once, under the
 * space's lock like any answer; an answer that ends within them goes out
 * (and into the render cache) whole, as before.  A longer one is streamed:
 * libmicrohttpd calls for more in the connection's thread, and each call
 * takes the space's lock for the tables it writes.  A tree is written from
 * the generation it started at: should the space change meanwhile, the
 * answer is cut off (the client sees an incomplete chunked body, never a
 * document mixing two generations).  An answer of an old generation
 * (?generation=) is read from the history, which keeps it while it lasts;
 * so is the rest of one that named the newest generation once the space
 * has moved on.
 * Ranges and diffs are the stream's own (worked out when it starts) and
 * need no lock; a history list is read under the lock and cut off like a
 * tree should the history move.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "hview.h"
#include "json-stream.h"
#include "json.h"
#include "log.h"
#include "ptdump.h"
#include "routes.h"
#include "xalloc.h"

#define STREAM_PIECE (64 * 1024)	/* bytes written per call */

struct tree_stream {
	struct server *srv;
	struct entry *e;	/* referenced */
	uint64_t gen;		/* the space's, or the old one asked for */
	bool old;		/* gen is an old generation (history) */
	bool asked;		/* gen was asked for (?generation=) */
	struct jstream_tree *js;
};

/* The next table to expand (the caller holds the space's lock). */
static int
tree_fetch(void *ctx, enum pt_level level, uint64_t va, struct pt_node **out,
    struct pts_err *err)
{
	struct tree_stream *ts = ctx;
	struct space *s = ts->e->space;
	const struct hstate *st;

	/* ?generation=G of the newest generation is the space's own until
	   the space moves on, then the history's: cut off only when G
	   leaves it (docs/api.md, Big answers are streamed) */
	if (ts->asked && s->generation != ts->gen)
		ts->old = true;
	if (ts->old)
		return history_state(entry_history(ts->e), ts->gen, &st,
		    err) < 0 ? -1 : hview_tree(st, level, va, 1, out, err);
	if (s->generation != ts->gen)
		return pts_errf(err, PTS_EBUSY, "space_changed",
		    "space '%s' changed (generation %llu to %llu) while its "
		    "tree was written", ts->e->id,
		    (unsigned long long)ts->gen,
		    (unsigned long long)s->generation);
	return s->ops->tree(s, level, va, 1, out, err);
}

static int
tree_stream_fill(void *ctx, struct strbuf *out)
{
	struct tree_stream *ts = ctx;
	struct pts_err err;
	int r;

	entry_lock(ts->e);
	r = jstream_tree_fill(ts->js, out, STREAM_PIECE, tree_fetch, ts, &err);
	entry_unlock(ts->e);
	if (r < 0)
		log_warn("a streamed tree answer was cut off: %s", err.msg);
	return r;
}

static void
tree_stream_free(void *ctx)
{
	struct tree_stream *ts = ctx;

	jstream_tree_free(ts->js);
	registry_put(&ts->srv->reg, ts->e);
	free(ts);
}

#define CTYPE_JSON "application/json; charset=utf-8"
#define CTYPE_TEXT "text/plain; charset=utf-8"

/* A 200 answer of the text made (taken) and of the type. */
static int
answer_text(struct http_resp *rs, struct strbuf *sb, const char *ctype)
{
	rs->status = 200;
	rs->len = sb->len;
	rs->body = strbuf_detach(sb, NULL);
	rs->ctype = ctype;
	return 200;
}

/* Answer with what was made (text, NUL-terminated, taken): whole, through
   the render cache when key is not NULL. */
static int
answer_whole(struct http_req *rq, struct http_resp *rs,
    const struct render_key *key, struct strbuf *sb)
{
	struct render_val *v;

	if (key == NULL)
		return answer_text(rs, sb, CTYPE_JSON);
	v = render_cache_put_text(&rq->srv->render, key,
	    strbuf_detach(sb, NULL));
	http_json_text(rs, 200, v->text, v->len);
	render_val_put(&rq->srv->render, v);
	return 200;
}

/* Answer with the bytes made so far (of the type), then the stream. */
static int
answer_stream(struct http_resp *rs, struct strbuf *sb, const char *ctype,
    void *ctx, int (*fill)(void *, struct strbuf *), void (*fr)(void *))
{
	answer_text(rs, sb, ctype);
	rs->stream = (struct http_stream){ .ctx = ctx, .fill = fill,
	    .free = fr };
	return 200;
}

int
api_stream_tree(struct http_req *rq, struct http_resp *rs, struct entry *e,
    const struct hstate *st, const struct tree_ask *ask,
    const struct render_key *key)
{
	struct tree_stream *ts;
	struct strbuf sb = STRBUF_INIT;
	struct pt_node *root = NULL;
	struct pts_err err;
	unsigned d1 = ask->depth ? 1 : 0;
	cJSON *head;
	int r;

	if ((st ? hview_tree(st, ask->level, ask->va, d1, &root, &err) :
	    e->space->ops->tree(e->space, ask->level, ask->va, d1, &root,
	    &err)) < 0) {
		api_close_space(rq, e);
		return http_error(rs, &err);
	}
	head = json_table_head(e->id, e->space);
	if (st)
		json_set_generation(head, st->generation);
	ts = xcalloc(1, sizeof *ts);
	*ts = (struct tree_stream){ .srv = rq->srv, .e = e, .old = st != NULL,
	    .asked = http_arg(rq, "generation") != NULL,
	    .gen = st ? st->generation : e->space->generation,
	    .js = jstream_tree_new(head, root, ask->depth, ask->hide) };
	r = jstream_tree_fill(ts->js, &sb, rq->srv->stream_bytes, tree_fetch,
	    ts, &err);
	entry_unlock(e);
	if (r == 1)
		return answer_stream(rs, &sb, CTYPE_JSON, ts, tree_stream_fill,
		    tree_stream_free);
	tree_stream_free(ts);
	if (r < 0) {
		strbuf_release(&sb);
		return http_error(rs, &err);
	}
	return answer_whole(rq, rs, key, &sb);
}

/* A document that owns what it is written from (no lock). */
static int
doc_stream_fill(void *ctx, struct strbuf *out)
{
	return jstream_doc_fill(ctx, out, STREAM_PIECE);
}

static void
doc_stream_free(void *ctx)
{
	jstream_doc_free(ctx);
}

/* Answer with the document js (taken): whole or streamed. */
static int
answer_doc(struct http_req *rq, struct http_resp *rs, struct jstream_doc *js)
{
	struct strbuf sb = STRBUF_INIT;

	if (jstream_doc_fill(js, &sb, rq->srv->stream_bytes) == 1)
		return answer_stream(rs, &sb, CTYPE_JSON, js, doc_stream_fill,
		    doc_stream_free);
	jstream_doc_free(js);
	return answer_text(rs, &sb, CTYPE_JSON);
}

int
api_stream_ranges(struct http_req *rq, struct http_resp *rs, struct entry *e,
    const struct hstate *st, struct pt_ranges *r, bool hide)
{
	cJSON *head = json_table_head(e->id, e->space);

	if (st)
		json_set_generation(head, st->generation);
	api_close_space(rq, e);
	/* the ranges are the stream's own: no lock from here on */
	return answer_doc(rq, rs, jstream_ranges_new(head, r, hide));
}

/* A ptdump text: the ranges it is written from, which it owns. */
struct ptdump_stream {
	struct pt_ranges r;
	struct ptdump_writer *w;
};

static int
ptdump_stream_fill(void *ctx, struct strbuf *out)
{
	struct ptdump_stream *ps = ctx;

	return ptdump_writer_fill(ps->w, out, STREAM_PIECE);
}

static void
ptdump_stream_free(void *ctx)
{
	struct ptdump_stream *ps = ctx;

	ptdump_writer_free(ps->w);
	pt_ranges_release(&ps->r);
	free(ps);
}

int
api_stream_ptdump(struct http_req *rq, struct http_resp *rs, struct entry *e,
    struct pt_ranges *r)
{
	struct ptdump_stream *ps = xcalloc(1, sizeof *ps);
	struct strbuf sb = STRBUF_INIT;

	ps->r = *r;
	memset(r, 0, sizeof *r);
	/* (arches are static: the writer's outlives the space) */
	ps->w = ptdump_writer_new(e->space->arch, &ps->r);
	api_close_space(rq, e);
	if (ptdump_writer_fill(ps->w, &sb, rq->srv->stream_bytes) == 1)
		return answer_stream(rs, &sb, CTYPE_TEXT, ps,
		    ptdump_stream_fill, ptdump_stream_free);
	ptdump_stream_free(ps);
	return answer_text(rs, &sb, CTYPE_TEXT);
}

/*
 * A history list, written from the history itself (under the space's
 * lock, item by item): what it was when the answer started, cut off like
 * a tree should the history move meanwhile (a generation added or
 * dropped, the newest state taken again).
 */
struct history_stream {
	struct server *srv;
	struct entry *e;	/* referenced */
	struct jstream_doc *js;
	/* the history as the answer started */
	uint64_t gen, dropped, serial;
	size_t ngens;
	const struct hstate *head;
	bool pending;
};

static bool
history_moved(const struct history_stream *hs)
{
	const struct history *h = entry_history(hs->e);

	return hs->e->space->generation != hs->gen || h->ngens != hs->ngens ||
	    h->dropped != hs->dropped || h->head != hs->head ||
	    h->pending != hs->pending || h->lazy_serial != hs->serial;
}

static int
history_stream_fill(void *ctx, struct strbuf *out)
{
	struct history_stream *hs = ctx;
	int r = -1;

	entry_lock(hs->e);
	if (!history_moved(hs))
		r = jstream_doc_fill(hs->js, out, STREAM_PIECE);
	else
		log_warn("a streamed history of space '%s' was cut off: it "
		    "changed (generation %llu to %llu) while it was written",
		    hs->e->id, (unsigned long long)hs->gen,
		    (unsigned long long)hs->e->space->generation);
	entry_unlock(hs->e);
	return r;
}

static void
history_stream_free(void *ctx)
{
	struct history_stream *hs = ctx;

	jstream_doc_free(hs->js);
	registry_put(&hs->srv->reg, hs->e);
	free(hs);
}

int
api_stream_history(struct http_req *rq, struct http_resp *rs,
    struct entry *e)
{
	const struct history *h = entry_history(e);
	struct history_stream *hs = xcalloc(1, sizeof *hs);
	struct strbuf sb = STRBUF_INIT;
	int r;

	*hs = (struct history_stream){ .srv = rq->srv, .e = e,
	    .gen = e->space->generation, .dropped = h->dropped,
	    .serial = h->lazy_serial, .ngens = h->ngens, .head = h->head,
	    .pending = h->pending,
	    .js = jstream_history_new(e->id, e->space->generation, h) };
	r = jstream_doc_fill(hs->js, &sb, rq->srv->stream_bytes);
	entry_unlock(e);
	if (r == 1)
		return answer_stream(rs, &sb, CTYPE_JSON, hs,
		    history_stream_fill, history_stream_free);
	history_stream_free(hs);
	return answer_text(rs, &sb, CTYPE_JSON);
}

int
api_stream_diff(struct http_req *rq, struct http_resp *rs, struct entry *e,
    const struct diff_ask *ask, struct hdiff *d)
{
	struct jstream_doc *js = jstream_diff_new(e->id, ask->from, ask->to,
	    d, ask->hide);

	/* the diff is the stream's own: no lock from here on */
	api_close_space(rq, e);
	return answer_doc(rq, rs, js);
}
