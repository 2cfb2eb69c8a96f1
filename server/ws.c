/* SPDX-License-Identifier: MIT */
/* ws.c: WebSocket clients, subscriptions, snapshots and deltas. */
#include "config.h"
#include "ws.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ev.h>
#include <libwebsockets.h>

#include "delta-stream.h"
#include "diff.h"
#include "hdiff.h"
#include "history.h"
#include "guard.h"
#include "json-stream.h"
#include "peer.h"
#include "json.h"
#include "log.h"
#include "daemon.h"
#include "render-cache.h"
#include "strbuf.h"
#include "ws-msg.h"
#include "xalloc.h"

#define WS_SNDBUF (256 * 1024)	/* bounded kernel buffer per client */
#define WS_FRAG (16 * 1024)	/* largest frame written at once */
#define WS_MAX_HEADERS 32768	/* bytes of handshake headers */
/* What one write costs the socket's send buffer beyond its bytes, at
   most: the frame header and the kernel's skb (sk_wmem_queued counts its
   truesize, about 1.3 KB for a small write); a bound, not an estimate */
#define WS_WRITE_COST 4096

/*
 * A snapshot or delta too big to render whole (srv->stream_bytes): written
 * from the shared tree (and a delta's shared plan) as it is sent, a few
 * fragments ahead, in the service thread.
 */
struct ws_stream {
	struct jstream_tree *js;	/* a snapshot's writer, or */
	struct delta_stream *ds;	/* a delta's */
	struct render_val *tree;	/* what they read (referenced) */
	struct render_val *plan;	/* a delta's big_delta (referenced) */
	struct strbuf out;	/* written, not sent from off on */
	size_t off;
	bool started, ended;
	unsigned char frag[];	/* LWS_PRE + WS_FRAG */
};

/* A delta too big to render whole: its plan, and its text's estimate (as
   a snapshot's, twice the bytes of the whole tables it holds), shared in
   the render cache by every client that is sent it. */
struct big_delta {
	struct delta_plan plan;
	size_t est;
};

struct ws_msg {
	struct ws_msg *next;
	size_t len;		/* bytes (a stream's: its estimate) */
	struct ws_stream *stream;	/* or NULL: the text is in buf */
	struct render_val *shared;	/* or NULL; else its text, shared by
					   every client, is sent through
					   ws->frame a frame at a time
					   (referenced) */
	unsigned char buf[];	/* (not shared) LWS_PRE bytes of headroom,
				   then the text */
};

struct ws_sub {
	char space[40];		/* space id, or "zones" */
	char sim[40];		/* zones: a sim space id, or "" for live */
	enum ws_feed stream;
	/*
	 * Diff streams: last_gen is the generation the last diff queued went
	 * to (the one to diff from next); delivered the last_gen of a moment
	 * the client's queue was empty (all it was sent has been written), so
	 * a dropped backlog is made up for by one diff from there.
	 */
	bool has_from, started;
	uint64_t from, delivered;
	uint64_t newest_at_sub;	/* without "from": the newest generation
				   when the subscribe was read (0: none) */
	enum pt_level level;
	uint64_t va;
	unsigned depth;
	unsigned interval_ms;
	uint64_t last_gen;
	uint64_t last_poll;
	bool need_snapshot;
	bool timed;		/* its space is re-read (live): every round,
				   not only when a change was notified */
	bool done;		/* gone sent, nothing more to do */
	bool zones_failed;	/* live zones: the last read failed (its error
				   was sent once; polling goes on) */
	struct render_val *last;	/* the tree the client holds (shared) */
	struct render_val *last_zones;	/* the zones message last sent */
};

struct ws_client {
	struct ws_client *next;
	struct lws *wsi;
	struct ws *ws;
	int refs;		/* guarded by ws->lock */
	bool dead;
	pthread_mutex_t lock;	/* subs */
	struct ws_sub *subs;
	unsigned nsubs;
	pthread_mutex_t qlock;	/* the queue and the flags below */
	struct ws_msg *qhead, *qtail;
	unsigned qlen;
	size_t qbytes;		/* of the queue and of cur */
	bool stalled;		/* backlog dropped; waiting to drain */
	uint64_t stalled_ms;	/* since when */
	bool kick;		/* never drained: the service thread closes it */
	bool kicked;		/* (once) */
	bool resync;		/* drained: resend snapshots */
	bool resyncing;		/* the streamer is queueing them */
	bool want_writable;
	struct ws_msg *cur;	/* being sent (service thread only) */
	size_t cur_off;		/* bytes of cur already sent */
	/* service thread only: */
	int sndbuf;		/* the socket's send buffer (SO_SNDBUF) */
	size_t room;		/* what it is known to have free: a third
				   of it at the last POLLOUT, less what
				   was written since (write_direct()) */
	bool closing;		/* a close is under way: no direct writes */
	struct peer_ref peer;	/* the local client's uid (peer.h) */
	struct strbuf rx;	/* a message being reassembled */
	bool rx_too_big;
	uint64_t rx_skipped;	/* bytes of an oversized message thrown away */
};

struct ws {
	struct server *srv;
	struct lws_context *ctx;
	struct ev_loop *loop;	/* the epoll loop lws runs on, or NULL:
				   lws's own poll() loop */
	pthread_t service_thread, stream_thread;
	pthread_mutex_t lock;	/* clients list, stopping, notified */
	pthread_cond_t cond;
	bool stopping, notified;
	bool timed;		/* a client needs its rounds every 25 ms, not
				   only on a change (streamer thread only) */
	atomic_bool poke;	/* something to write: wake the service
				   thread */
	uint64_t pass;		/* streamer passes (keys live trees) */
	unsigned char *frame;	/* LWS_PRE + WS_FRAG: a shared text's frame
				   is copied here to be written (service
				   thread only) */
	struct ws_client *clients;
	unsigned nclients;
};

static void
msg_free(struct ws *ws, struct ws_msg *m)
{
	if (m == NULL)
		return;
	if (m->stream) {
		jstream_tree_free(m->stream->js);
		delta_stream_free(m->stream->ds);
		render_val_put(&ws->srv->render, m->stream->tree);
		render_val_put(&ws->srv->render, m->stream->plan);
		strbuf_release(&m->stream->out);
		free(m->stream);
	}
	render_val_put(&ws->srv->render, m->shared);
	free(m);
}

/* Free c, whose last reference is gone. */
static void
client_free(struct ws *ws, struct ws_client *c)
{
	for (unsigned i = 0; i < c->nsubs; i++) {
		render_val_put(&ws->srv->render, c->subs[i].last);
		render_val_put(&ws->srv->render, c->subs[i].last_zones);
	}
	free(c->subs);
	while (c->qhead) {
		struct ws_msg *m = c->qhead;

		c->qhead = m->next;
		msg_free(ws, m);
	}
	msg_free(ws, c->cur);
	strbuf_release(&c->rx);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->qlock);
	free(c);
}

/* Drop a reference to each of the n clients of v (one lock for all: the
   streamer's pass holds one to every client); frees the last ones. */
static void
clients_put(struct ws *ws, struct ws_client **v, size_t n)
{
	size_t nlast = 0;

	pthread_mutex_lock(&ws->lock);
	for (size_t i = 0; i < n; i++)
		if (--v[i]->refs == 0)
			v[nlast++] = v[i];
	pthread_mutex_unlock(&ws->lock);
	for (size_t i = 0; i < nlast; i++)
		client_free(ws, v[i]);
}

static void
client_put(struct ws *ws, struct ws_client *c)
{
	clients_put(ws, &c, 1);
}

/* Whether one more message of len bytes would overflow c's queue (a
   message alone is always taken, whatever its size, and so are the fresh
   snapshots of a resync, one per subscription: were they dropped for
   their bytes, every resync would drop the next).  Holds c->qlock. */
static bool
queue_full(const struct ws_client *c, size_t len)
{
	const struct options *o = &c->ws->srv->opt;

	return c->qlen >= o->ws_queue || (c->qlen > 0 && !c->resyncing &&
	    c->qbytes + len > o->ws_queue_bytes);
}

static void wake_streamer(struct ws *);

/*
 * Queue a message (taken).  When the queue is full (--ws-queue messages or
 * --ws-queue-bytes) the backlog is dropped and the client marked stalled:
 * once it drains it gets fresh snapshots; if it never does, it is closed.
 * Never waits on the client.
 */
static void
enqueue_msg(struct ws_client *c, struct ws_msg *m)
{
	struct ws_msg *x;
	uint64_t dropped = 0;

	pthread_mutex_lock(&c->qlock);
	if (c->stalled) {
		pthread_mutex_unlock(&c->qlock);
		msg_free(c->ws, m);
		return;
	}
	if (queue_full(c, m->len)) {
		while (c->qhead) {
			x = c->qhead;
			c->qhead = x->next;
			c->qbytes -= x->len;
			msg_free(c->ws, x);
			dropped++;
		}
		c->qtail = NULL;
		c->qlen = 0;
		c->stalled = true;
		c->stalled_ms = now_ms();
		c->want_writable = true;
		pthread_mutex_unlock(&c->qlock);
		msg_free(c->ws, m);
		atomic_store(&c->ws->poke, true);
		/* (its drain timeout needs the streamer's timed rounds) */
		wake_streamer(c->ws);
		metrics_ws_add(&c->ws->srv->metrics, 0, 0, dropped + 1, 0, 0);
		return;
	}
	if (c->qtail)
		c->qtail->next = m;
	else
		c->qhead = m;
	c->qtail = m;
	c->qlen++;
	c->qbytes += m->len;
	c->want_writable = true;
	pthread_mutex_unlock(&c->qlock);
	atomic_store(&c->ws->poke, true);
}

/* Append to out at least want bytes of the message js or ds writes (or
   the rest of it); whether it is complete. */
static bool
writer_fill(struct jstream_tree *js, struct delta_stream *ds,
    struct strbuf *out, size_t want)
{
	/* (a tree of its own: no fetch, no failure) */
	return (js ? jstream_tree_fill(js, out, want, NULL, NULL, NULL) :
	    delta_stream_fill(ds, out, want)) == 0;
}

/*
 * The whole text of the message js or ds writes (freed): the bytes cJSON
 * would print, without the message's cJSON, which costs about ten times
 * its text (some 2.5 KB a pte).
 */
static char *
writer_text(struct jstream_tree *js, struct delta_stream *ds)
{
	struct strbuf sb = STRBUF_INIT;

	(void)writer_fill(js, ds, &sb, SIZE_MAX);
	jstream_tree_free(js);
	delta_stream_free(ds);
	return strbuf_detach(&sb, NULL);
}

/* Queue a text message (copied). */
static void
enqueue(struct ws_client *c, const char *text)
{
	size_t len = strlen(text);
	struct ws_msg *m = xmalloc(sizeof *m + LWS_PRE + len);

	m->next = NULL;
	m->len = len;
	m->stream = NULL;
	m->shared = NULL;
	memcpy(m->buf + LWS_PRE, text, len);
	enqueue_msg(c, m);
}

/* Queue the text of v, a message rendered once for every client: it is
   referenced, not copied into each client's queue (a thousand copies of
   a delta, freed by the other thread, made the streamer's heap shrink and
   grow again, page faults included, at every change), and each frame of
   it is copied into the service thread's frame buffer as it is sent. */
static void
enqueue_val(struct ws_client *c, struct render_val *v)
{
	struct ws_msg *m = xmalloc(sizeof *m);

	m->next = NULL;
	m->len = v->len;
	m->stream = NULL;
	m->shared = render_val_ref(&c->ws->srv->render, v);
	enqueue_msg(c, m);
}

/* A message written as it is sent, from tree t (referenced here); est is
   what it counts in the queue's bytes.  Its writer is the caller's. */
static struct ws_msg *
stream_msg(struct ws_client *c, struct render_val *t, size_t est)
{
	struct ws_msg *m = xmalloc(sizeof *m);
	struct ws_stream *st = xcalloc(1, sizeof *st + LWS_PRE + WS_FRAG);

	st->tree = render_val_ref(&c->ws->srv->render, t);
	m->next = NULL;
	m->len = est;
	m->stream = st;
	m->shared = NULL;
	return m;
}

/* Queue a message of head's fields and "node": tree t to depth. */
static void
enqueue_stream(struct ws_client *c, cJSON *head, struct render_val *t,
    unsigned depth, bool hide, size_t est)
{
	struct ws_msg *m = stream_msg(c, t, est);

	m->stream->js = jstream_tree_of(head, t->node, depth, hide);
	enqueue_msg(c, m);
}

/* Queue a delta of head's fields and the changes of plan (a big_delta
   value) into tree t. */
static void
enqueue_delta_stream(struct ws_client *c, cJSON *head, struct render_val *t,
    struct render_val *plan, bool hide)
{
	const struct big_delta *d = plan->obj;
	struct ws_msg *m = stream_msg(c, t, d->est);

	m->stream->plan = render_val_ref(&c->ws->srv->render, plan);
	m->stream->ds = delta_stream_new(head, &d->plan, hide);
	enqueue_msg(c, m);
}

static void
enqueue_json(struct ws_client *c, cJSON *o)
{
	char *s = json_print(o);

	enqueue(c, s);
	free(s);
	cJSON_Delete(o);
}

static void
send_error(struct ws_client *c, const struct pts_err *err)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *e = json_error(err);

	cJSON_AddStringToObject(o, "type", "error");
	cJSON_AddItemToObject(o, "error", cJSON_DetachItemFromObject(e,
	    "error"));
	cJSON_Delete(e);
	enqueue_json(c, o);
	metrics_ws_add(&c->ws->srv->metrics, 0, 0, 0, 0, 1);
}

static void
wake_streamer(struct ws *ws)
{
	pthread_mutex_lock(&ws->lock);
	ws->notified = true;
	pthread_cond_signal(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
}

void
ws_notify(struct ws *ws)
{
	if (ws)
		wake_streamer(ws);
}

/* ---- messages from clients (service thread) ---------------------------- */

static struct ws_sub *
find_sub(struct ws_client *c, const char *space, const char *sim,
    enum ws_feed stream)
{
	for (unsigned i = 0; i < c->nsubs; i++)
		if (!strcmp(c->subs[i].space, space) &&
		    !strcmp(c->subs[i].sim, sim) && c->subs[i].stream == stream)
			return &c->subs[i];
	return NULL;
}

static void
drop_sub(struct ws_client *c, struct ws_sub *s)
{
	render_val_put(&c->ws->srv->render, s->last);
	render_val_put(&c->ws->srv->render, s->last_zones);
	*s = c->subs[--c->nsubs];
}

/*
 * The newest generation of a space's history now (0 when there is no such
 * space), without its lock: the service thread must not wait on a space
 * (a guest's refresh can hold it for half a second).
 */
static uint64_t
newest_generation(struct ws *ws, const char *id)
{
	struct pts_err err;
	struct entry *e = registry_get(&ws->srv->reg, id, &err);
	uint64_t g;

	if (e == NULL)
		return 0;
	g = atomic_load(&e->newest_gen);
	registry_put(&ws->srv->reg, e);
	return g;
}

/* Add (or replace) a subscription, within --max-subs. */
static void
on_subscribe(struct ws_client *c, const struct ws_req *rq)
{
	struct ws_sub sub, *old;
	struct pts_err err;

	memset(&sub, 0, sizeof sub);
	snprintf(sub.space, sizeof sub.space, "%s", rq->space);
	snprintf(sub.sim, sizeof sub.sim, "%s", rq->sim);
	sub.level = rq->level;
	sub.va = rq->va;
	sub.depth = rq->depth;
	sub.interval_ms = rq->interval_ms;
	sub.stream = rq->stream;
	sub.has_from = rq->has_from;
	sub.from = rq->from;
	if (sub.stream == WS_FEED_DIFF && !sub.has_from)
		sub.newest_at_sub = newest_generation(c->ws, sub.space);
	sub.need_snapshot = true;
	pthread_mutex_lock(&c->lock);
	if ((old = find_sub(c, sub.space, sub.sim, sub.stream)) != NULL) {
		render_val_put(&c->ws->srv->render, old->last);
		render_val_put(&c->ws->srv->render, old->last_zones);
		*old = sub;	/* a new subscribe replaces the old one */
	} else if (c->nsubs >= c->ws->srv->opt.max_subs) {
		pthread_mutex_unlock(&c->lock);
		pts_errf(&err, PTS_EBUSY, "too_many_subscriptions",
		    "at most %u subscriptions per connection",
		    c->ws->srv->opt.max_subs);
		send_error(c, &err);
		return;
	} else {
		c->subs = xrealloc(c->subs, (c->nsubs + 1) * sizeof *c->subs);
		c->subs[c->nsubs++] = sub;
	}
	pthread_mutex_unlock(&c->lock);
	wake_streamer(c->ws);
}

/* Drop a subscription; an error when there was none. */
static void
on_unsubscribe(struct ws_client *c, const struct ws_req *rq)
{
	struct ws_sub *s;
	struct pts_err err;

	pthread_mutex_lock(&c->lock);
	s = find_sub(c, rq->space, rq->sim, rq->stream);
	if (s)
		drop_sub(c, s);
	pthread_mutex_unlock(&c->lock);
	if (s == NULL) {
		pts_errf(&err, PTS_ENOENT, "not_subscribed",
		    "this connection has no subscription to '%.40s'",
		    rq->space);
		send_error(c, &err);
	}
}

/* One whole text message from the client. */
static void
on_message(struct ws_client *c, const char *text, size_t len)
{
	struct ws_req rq;
	struct pts_err err;

	if (ws_msg_parse(c->ws->srv, text, len, &rq, &err) < 0) {
		send_error(c, &err);
		return;
	}
	switch (rq.type) {
	case WS_REQ_SUBSCRIBE:
		on_subscribe(c, &rq);
		break;
	case WS_REQ_UNSUBSCRIBE:
		on_unsubscribe(c, &rq);
		break;
	case WS_REQ_PING:
		enqueue(c, "{\"type\":\"pong\"}");
		break;
	}
}

/*
 * Most bytes of one oversized message the daemon reads and throws away so
 * that it can answer message_too_large and keep the connection; past this
 * (a frame announcing 2^62 bytes, say) it closes with 1009 at once rather
 * than read for ever.
 */
static uint64_t
skip_allowance(size_t max)
{
	uint64_t floor = 16u << 20;

	return (uint64_t)max * 16 > floor ? (uint64_t)max * 16 : floor;
}

/*
 * Reassemble fragments; oversized messages are refused, not buffered.
 * Returns -1 when the connection is to be closed.
 */
static int
on_receive(struct ws_client *c, struct lws *wsi, const void *in, size_t len)
{
	size_t max = c->ws->srv->opt.max_ws_msg;
	struct pts_err err;

	if (!c->rx_too_big && c->rx.len + len <= max) {
		strbuf_add(&c->rx, in, len);
	} else {
		c->rx_too_big = true;
		c->rx_skipped += len;
		if (c->rx_skipped + lws_remaining_packet_payload(wsi) >
		    skip_allowance(max)) {
			static const char why[] = "message too large";

			lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
			    (unsigned char *)why, sizeof why - 1);
			return -1;
		}
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (c->rx_too_big) {
		pts_errf(&err, PTS_E2BIG, "message_too_large",
		    "messages are limited to %zu bytes", max);
		send_error(c, &err);
	} else if (lws_frame_is_binary(wsi)) {
		pts_errf(&err, PTS_EINVAL, "binary_message",
		    "send JSON text messages, not binary");
		send_error(c, &err);
	} else {
		on_message(c, c->rx.buf ? c->rx.buf : "", c->rx.len);
	}
	strbuf_reset(&c->rx);
	c->rx_too_big = false;
	c->rx_skipped = 0;
	/*
	 * A reply (pong, error) goes out now, not after the stream thread's
	 * round, which may be rendering a big snapshot for another client.
	 */
	lws_callback_on_writable(wsi);
	return 0;
}

/* ---- writing (service thread) ------------------------------------------ */

/* The next queued message (NULL when none), resyncing a drained stall. */
static struct ws_msg *
dequeue(struct ws_client *c)
{
	struct ws_msg *m;
	bool resync = false;

	pthread_mutex_lock(&c->qlock);
	m = c->qhead;
	if (m) {
		c->qhead = m->next;
		if (c->qhead == NULL)
			c->qtail = NULL;
		c->qlen--;
	} else if (c->stalled) {
		c->stalled = false;	/* drained: resend snapshots */
		c->resync = resync = true;
	}
	pthread_mutex_unlock(&c->qlock);
	if (resync)
		wake_streamer(c->ws);
	return m;
}

/*
 * Send the next fragment of the current message, only when the socket has
 * room for all of it.  lws must never hold a partly written frame: if the
 * peer then half-closes, lws 4.1 spins forever in its service loop
 * flushing it (no new connections, no shutdown).  Fragments of WS_FRAG
 * bytes fit whenever poll() says writable (TCP then has a third of its
 * send buffer free, and the buffer is WS_SNDBUF).
 */
/* The next fragment of a streamed message: the text is written up to a
   few fragments ahead, so that the last fragment (FIN) is known. */
static int
write_stream(struct lws *wsi, struct ws_stream *st, bool *last)
{
	size_t n, left = st->out.len - st->off;

	if (!st->ended && left <= WS_FRAG) {
		if (st->off) {
			memmove(st->out.buf, st->out.buf + st->off, left);
			st->out.len = left;
			st->out.buf[left] = '\0';
			st->off = 0;
		}
		st->ended = writer_fill(st->js, st->ds, &st->out,
		    4 * WS_FRAG);
		left = st->out.len;
	}
	n = left < WS_FRAG ? left : WS_FRAG;
	*last = st->ended && n == left;
	memcpy(st->frag + LWS_PRE, st->out.buf + st->off, n);
	if (lws_write(wsi, st->frag + LWS_PRE, n, (enum lws_write_protocol)
	    lws_write_ws_flags(LWS_WRITE_TEXT, !st->started, *last)) < (int)n)
		return -1;
	st->off += n;
	st->started = true;
	return 0;
}

/* The n bytes of m's text from off, with LWS_PRE bytes before them that
   lws may write its frame header into (a shared text's are copied into
   the service thread's frame buffer first: the text before them is
   another client's too; lws copies what it does not send at once). */
static unsigned char *
frame_at(struct ws *ws, struct ws_msg *m, size_t off, size_t n)
{
	if (m->shared == NULL)
		return m->buf + LWS_PRE + off;
	memcpy(ws->frame + LWS_PRE, m->shared->text + off, n);
	return ws->frame + LWS_PRE;
}

/*
 * Write the next frame of c's current message; whether that was its last
 * (c->cur is then the caller's to finish: msg_done()), or -1 on a write
 * error.  The caller knows the socket has room for the frame.
 */
static int
write_frame(struct ws_client *c, struct lws *wsi)
{
	struct ws_msg *m = c->cur;
	size_t off, n;
	bool last;

	if (m->stream) {
		if (write_stream(wsi, m->stream, &last) < 0)
			return -1;
		n = WS_FRAG;
	} else {
		off = c->cur_off;
		n = m->len - off < WS_FRAG ? m->len - off : WS_FRAG;
		last = off + n == m->len;
		if (lws_write(wsi, frame_at(c->ws, m, off, n), n,
		    (enum lws_write_protocol)lws_write_ws_flags(
		    LWS_WRITE_TEXT, off == 0, last)) < (int)n)
			return -1;
		c->cur_off += n;
	}
	c->room = c->room > n + WS_WRITE_COST ? c->room - n - WS_WRITE_COST : 0;
	return last;
}

/* c->cur was sent whole: freed.  Its bytes leave c->qbytes (under qlock,
   by the caller). */
static void
msg_done(struct ws_client *c)
{
	msg_free(c->ws, c->cur);
	c->cur = NULL;
	c->cur_off = 0;
}

static int
on_writeable(struct ws_client *c, struct lws *wsi)
{
	bool more = true;
	int last;

	if (c->cur == NULL && (c->cur = dequeue(c)) == NULL)
		return 0;
	/* WRITEABLE comes from poll()'s POLLOUT (room for a fragment, see
	   above), so only lws's own buffer needs a look: lws_send_pipe_choked
	   would poll() the socket again, once per message and client */
	if (lws_partial_buffered(wsi)) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	/* POLLOUT: at least a third of the send buffer is free */
	c->room = (size_t)c->sndbuf / 3;
	if ((last = write_frame(c, wsi)) < 0)
		return -1;
	if (last) {
		pthread_mutex_lock(&c->qlock);
		c->qbytes -= c->cur->len;
		/* stalled: the next WRITEABLE finds the queue drained and
		   resyncs (dequeue()) */
		more = c->qhead != NULL || c->stalled;
		pthread_mutex_unlock(&c->qlock);
		msg_done(c);
		metrics_ws_add(&c->ws->srv->metrics, 0, 1, 0, 0, 0);
	}
	if (more)
		lws_callback_on_writable(wsi);
	return 0;
}

/*
 * With done bytes of c's queue just sent (0: none): the queue's head,
 * dequeued, if it is a message of one frame that the socket is known to
 * take whole (c->room), else NULL with *more telling whether anything is
 * left for WRITEABLE (a message, or a stall to resync: dequeue()).
 */
static struct ws_msg *
dequeue_small(struct ws_client *c, size_t done, bool *more)
{
	struct ws_msg *m;

	pthread_mutex_lock(&c->qlock);
	c->qbytes -= done;
	m = c->qhead;
	if (m && !m->stream && m->len <= WS_FRAG &&
	    m->len + WS_WRITE_COST <= c->room) {
		c->qhead = m->next;
		if (c->qhead == NULL)
			c->qtail = NULL;
		c->qlen--;
	} else {
		*more = m != NULL || c->stalled;
		m = NULL;
	}
	pthread_mutex_unlock(&c->qlock);
	return m;
}

/*
 * Write what c has queued now, from the service thread's wake-up, without
 * a poll() round and a WRITEABLE callback per client: while each message
 * is one frame and the socket has room for it (c->room: what was free at
 * the last POLLOUT less what was written since; ACKs only add to it, so
 * lws never holds a partly written frame).  Anything else (a big or
 * streamed message, a socket that may be full, a stall to resync) is left
 * to WRITEABLE.  Returns whether that is needed; counts what it sent.
 */
static bool
write_direct(struct ws_client *c, unsigned *sent)
{
	size_t done = 0;
	bool more = true;

	if (c->cur || c->closing || lws_partial_buffered(c->wsi))
		return true;
	while ((c->cur = dequeue_small(c, done, &more)) != NULL) {
		if (write_frame(c, c->wsi) < 0) {
			/* (the socket is unusable: lws closes it) */
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND,
			    LWS_TO_KILL_ASYNC);
			c->closing = true;
			return false;
		}
		done = c->cur->len;
		msg_done(c);
		(*sent)++;
	}
	return more;
}

/*
 * Close a client that never drained: the close frame (1008) is queued, but
 * its socket is full, so the connection is dropped at once rather than
 * waiting for it.  Service thread.
 */
static void
kick_client(struct ws_client *c)
{
	static const char why[] = "too slow: send queue over its limit";

	log_debug("websocket: closing a client that did not drain its queue "
	    "in %u ms", c->ws->srv->opt.ws_drain_ms);
	lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
	    (unsigned char *)why, sizeof why - 1);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
	c->closing = true;
}

/*
 * Write (or ask lws for WRITEABLE on) every client that has something
 * queued.  The client list is only changed by this thread (ESTABLISHED,
 * CLOSED), so it is read here without ws->lock, which the streamer and
 * ws_notify() would otherwise wait for while a thousand sends go out.
 */
static void
on_cancelled(struct ws *ws)
{
	unsigned sent = 0;

	for (struct ws_client *c = ws->clients; c; c = c->next) {
		bool want, kick;

		pthread_mutex_lock(&c->qlock);
		want = c->want_writable;
		c->want_writable = false;
		kick = c->kick == true;
		if (kick)
			c->kick = false;
		pthread_mutex_unlock(&c->qlock);
		if (kick && !c->dead)
			kick_client(c);
		else if (want && !c->dead && write_direct(c, &sent))
			lws_callback_on_writable(c->wsi);
	}
	if (sent)
		metrics_ws_add(&ws->srv->metrics, 0, sent, 0, 0, 0);
}

/* ---- connection lifecycle (service thread) ----------------------------- */

/* A copy of a handshake header of any length (malloc'ed), or NULL. */
static char *
hdr_dup(struct lws *wsi, enum lws_token_indexes h)
{
	int n = lws_hdr_total_length(wsi, h);
	char *buf;

	if (n <= 0)
		return NULL;
	buf = xmalloc((size_t)n + 1);
	if (lws_hdr_copy(wsi, buf, n + 1, h) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The value of cookie name in a Cookie header, copied, or NULL. */
static char *
cookie_value(const char *cookies, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = cookies; p && *p; p = strchr(p, ';'),
	    p = p ? p + 1 : NULL) {
		while (*p == ' ')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=')
			return xstrndup(p + nl + 1, strcspn(p + nl + 1, "; "));
	}
	return NULL;
}

/* The token of "Authorization: Bearer" or the ptscope_token cookie. */
static bool
ws_authorized(struct ws *ws, struct lws *wsi)
{
	char *auth, *cookies, *tok = NULL;
	bool ok;

	if (!ws->srv->auth)
		return true;
	auth = hdr_dup(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	if (auth && strncmp(auth, "Bearer ", 7) == 0) {
		ok = server_token_ok(ws->srv, auth + 7);
		free(auth);
		return ok;
	}
	free(auth);
	if ((cookies = hdr_dup(wsi, WSI_TOKEN_HTTP_COOKIE)) != NULL)
		tok = cookie_value(cookies, "ptscope_token");
	ok = tok && server_token_ok(ws->srv, tok);
	free(tok);
	free(cookies);
	return ok;
}

/* Host and Origin of the handshake (guard.h): a foreign page is refused. */
static bool
ws_guard_ok(struct ws *ws, struct lws *wsi)
{
	char *host = hdr_dup(wsi, WSI_TOKEN_HOST);
	char *origin = hdr_dup(wsi, WSI_TOKEN_ORIGIN);
	char local[INET6_ADDRSTRLEN];
	struct pts_err err;
	/* the HTTP server is started after this thread: its bound port is
	   stored atomically (http.c) */
	bool ok = guard_ws(&ws->srv->opt, __atomic_load_n(&ws->srv->http_port,
	    __ATOMIC_ACQUIRE), host, origin,
	    peer_local_literal(lws_get_socket_fd(wsi), local, sizeof local),
	    &err) == 0;

	if (!ok)
		log_info("websocket handshake refused: %s", err.msg);
	free(host);
	free(origin);
	return ok;
}

static struct ws_client *
client_new(struct ws *ws, struct lws *wsi)
{
	struct ws_client *c = xcalloc(1, sizeof *c);
	int fd = lws_get_socket_fd(wsi), sz = WS_SNDBUF;
	char hello[128];

	c->wsi = wsi;
	c->ws = ws;
	c->refs = 1;
	c->peer = PEER_REF(fd);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->qlock, NULL);
	if (fd >= 0) {
		socklen_t len = sizeof c->sndbuf;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		/* (the kernel's value: doubled, capped by wmem_max) */
		if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &c->sndbuf,
		    &len) < 0)
			c->sndbuf = 0;
	}
	pthread_mutex_lock(&ws->lock);
	c->next = ws->clients;
	ws->clients = c;
	ws->nclients++;
	pthread_mutex_unlock(&ws->lock);
	snprintf(hello, sizeof hello,
	    "{\"type\":\"hello\",\"version\":\"%s\",\"protocol\":"
	    "\"ptscope.v1\"}", PACKAGE_VERSION);
	enqueue(c, hello);
	lws_callback_on_writable(wsi);
	metrics_ws_add(&ws->srv->metrics, 1, 0, 0, 0, 0);
	return c;
}

static void
client_closed(struct ws *ws, struct ws_client *c)
{
	struct ws_client **pp;

	pthread_mutex_lock(&ws->lock);
	for (pp = &ws->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			ws->nclients--;
			break;
		}
	c->dead = true;
	pthread_mutex_unlock(&ws->lock);
	metrics_ws_add(&ws->srv->metrics, -1, 0, 0, 0, 0);
	client_put(ws, c);
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct ws *ws = ctx ? lws_context_user(ctx) : NULL;
	struct ws_client **pc = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (!ws_guard_ok(ws, wsi) || !ws_authorized(ws, wsi))
			return -1;
		return ws->nclients >= ws->srv->opt.max_ws_clients ? -1 : 0;
	case LWS_CALLBACK_ESTABLISHED:
		*pc = client_new(ws, wsi);
		break;
	case LWS_CALLBACK_RECEIVE:
		if (*pc)
			return on_receive(*pc, wsi, in, len);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (*pc)
			return on_writeable(*pc, wsi);
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (*pc)
			(*pc)->closing = true;
		break;
	case LWS_CALLBACK_CLOSED:
		if (*pc)
			client_closed(ws, *pc);
		*pc = NULL;
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (ws)
			on_cancelled(ws);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	/* tx_packet_size: lws sends at most this (plus a frame header) per
	   write and buffers the rest; a whole fragment must go at once */
	{ "ptscope.v1", ws_callback, sizeof(struct ws_client *), 4096, 0,
	    NULL, WS_FRAG },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* ---- the streamer thread ----------------------------------------------- */

/* The "zones" message of zs (released). */
static char *
zones_text(struct zones_state *zs)
{
	cJSON *o = json_zones(zs);
	char *text;

	zones_release(zs);
	cJSON_AddStringToObject(o, "type", "zones");
	text = json_print(o);
	cJSON_Delete(o);
	return text;
}

/*
 * Zones of the live machine or of a sim space, as a "zones" message shared
 * by every subscriber: a sim space's is rendered once per generation, the
 * live machine's at most once per --min-interval.
 */
static struct render_val *
render_zones(struct ws *ws, const struct ws_sub *s, uint64_t now,
    struct pts_err *err)
{
	struct render_cache *rc = &ws->srv->render;
	struct render_key k = { .kind = RENDER_ZONES };
	struct zones_state zs = { 0 };
	struct render_val *v;
	struct entry *e = NULL;
	int r;

	if (s->sim[0]) {
		if ((e = registry_get(&ws->srv->reg, s->sim, err)) == NULL)
			return NULL;
		entry_lock(e);
		k.serial = e->serial;
		k.generation = e->space->generation;
		if ((v = render_cache_get(rc, &k)) == NULL) {
			r = e->space->ops->zones ? e->space->ops->zones(
			    e->space, &zs, err) : pts_errf(err, PTS_ENOTSUP,
			    "no_zones", "space '%s' has no simulated machine",
			    s->sim);
			snprintf(zs.source, sizeof zs.source, "%s", s->sim);
			v = r < 0 ? NULL : render_cache_put_text(rc, &k,
			    zones_text(&zs));
			if (r < 0)
				zones_release(&zs);
		}
		entry_unlock(e);
		registry_put(&ws->srv->reg, e);
		return v;
	}
	k.generation = now / (ws->srv->opt.min_interval_ms ?
	    ws->srv->opt.min_interval_ms : 1);
	if ((v = render_cache_get(rc, &k)) != NULL)
		return v;
	if (server_live_zones(ws->srv->opt.proc_root, &zs, err) < 0) {
		zones_release(&zs);
		return NULL;
	}
	return render_cache_put_text(rc, &k, zones_text(&zs));
}

static void
stream_zones(struct ws_client *c, struct ws_sub *s, uint64_t now)
{
	struct render_cache *rc = &c->ws->srv->render;
	struct pts_err err;
	struct render_val *v;

	if (!s->need_snapshot && now - s->last_poll < s->interval_ms)
		return;
	s->last_poll = now;
	if ((v = render_zones(c->ws, s, now, &err)) == NULL) {
		/*
		 * A sim space that went away ends the subscription.  The live
		 * files can fail for a moment (a --proc-root tree rewritten
		 * file by file, buddyinfo naming a zone pagetypeinfo does not
		 * yet): the error is sent once and the files read again at
		 * the next interval.
		 */
		if (s->sim[0] || !s->zones_failed)
			send_error(c, &err);
		s->zones_failed = true;
		s->done = s->sim[0] != '\0';
		return;
	}
	s->zones_failed = false;
	if (s->need_snapshot || s->last_zones == NULL ||
	    (v != s->last_zones && strcmp(v->text, s->last_zones->text))) {
		enqueue_val(c, v);
		render_val_put(rc, s->last_zones);
		s->last_zones = v;
	} else {
		render_val_put(rc, v);
	}
	s->need_snapshot = false;
}

static void
send_gone(struct ws_client *c, struct ws_sub *s, const char *why)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "gone");
	cJSON_AddStringToObject(o, "space", s->space);
	cJSON_AddStringToObject(o, "reason", why);
	enqueue_json(c, o);
	s->done = true;
}

static cJSON *
message(const char *type, const struct ws_sub *s, uint64_t gen)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "space", s->space);
	json_add_u64(o, "generation", gen);
	return o;
}

/*
 * With e locked: the subscribed tree at the space's generation, built once
 * and shared by every client with the same subscription (a live space's
 * once per streamer pass: its per-page detail is read when it is built).
 * NULL with *rc < 0 and err filled when the tree op failed.
 */
static struct render_val *
sub_tree(struct ws *ws, const struct ws_sub *s, struct entry *e,
    struct pts_err *err, int *rc)
{
	struct render_key k = { .kind = RENDER_TREE, .serial = e->serial,
	    .generation = e->space->generation, .va = s->va,
	    .level = (unsigned)s->level, .depth = s->depth,
	    .pass = e->space->live ? ws->pass : 0 };
	struct render_val *v = render_cache_get(&ws->srv->render, &k);
	struct pt_node *node = NULL;

	*rc = 0;
	if (v)
		return v;
	if ((*rc = e->space->ops->tree(e->space, s->level, s->va, s->depth,
	    &node, err)) < 0)
		return NULL;
	return render_cache_put_tree(&ws->srv->render, &k, node);
}

/*
 * Whether a message estimated at est bytes is written as it is sent rather
 * than rendered whole (a snapshot's JSON is about twice its tree's bytes).
 * Each client then writes its own from the shared tree: for answers too
 * big to keep rendered (the render cache would not keep them either).
 */
static bool
streamed(const struct ws *ws, size_t est)
{
	return ws->srv->stream_bytes != STREAM_OFF &&
	    est > ws->srv->stream_bytes;
}

/* The length of a snapshot each client streams (a render cache obj). */
struct snapshot_len {
	size_t len;
};

/* A snapshot estimated under the streaming threshold whose text came out
   over it: the cache would not keep the text, so every client would
   render its own (and queue a copy over its byte budget).  Its length is
   kept instead, and each client streams it from the shared tree. */
static struct render_val *
big_snapshot_val(struct render_cache *rc, const struct render_key *k,
    char *text)
{
	struct snapshot_len *sl = xmalloc(sizeof *sl);

	sl->len = strlen(text);
	free(text);
	return render_cache_put_obj(rc, k, sl, free, sizeof *sl);
}

/* The snapshot message of tree t, rendered once per (tree, hide): by the
   tree writer, or (PTSCOPE_STREAM_BYTES=off) as cJSON, as before. */
static struct render_val *
snapshot_text(struct ws *ws, const struct ws_sub *s, struct entry *e,
    struct render_val *t, bool hide)
{
	struct render_key k = { .kind = RENDER_WS_SNAPSHOT,
	    .serial = e->serial, .generation = t->id,
	    .pass = e->space->generation, .hide = hide };
	struct render_val *v = render_cache_get(&ws->srv->render, &k);
	cJSON *o;
	char *text;

	if (v)
		return v;
	o = message("snapshot", s, e->space->generation);
	if (ws->srv->stream_bytes != STREAM_OFF) {
		text = writer_text(jstream_tree_of(o, t->node, s->depth, hide),
		    NULL);
		if (streamed(ws, strlen(text)))
			return big_snapshot_val(&ws->srv->render, &k, text);
		return render_cache_put_text(&ws->srv->render, &k, text);
	}
	cJSON_AddItemToObject(o, "node", json_node(t->node, hide));
	text = json_print(o);
	cJSON_Delete(o);
	return render_cache_put_text(&ws->srv->render, &k, text);
}

static void
big_delta_free(void *p)
{
	struct big_delta *d = p;

	delta_plan_release(&d->plan);
	free(d);
}

/* What the text of plan's delta is estimated at. */
static size_t
delta_estimate(const struct delta_plan *p)
{
	size_t est = 0;

	for (size_t i = 0; i < p->n; i++)
		est += p->v[i].what == DELTA_WHOLE ?
		    2 * render_tree_bytes(p->v[i].node) : 256;
	return est;
}

/* The delta message of plan, rendered whole ("" when nothing changed): by
   its writer, or (PTSCOPE_STREAM_BYTES=off) as cJSON, as before. */
static char *
delta_render(const struct ws *ws, const struct ws_sub *s, uint64_t gen,
    const struct delta_plan *p, bool hide)
{
	cJSON *o, *changes;
	char *text;

	if (p->n == 0)
		return xstrdup("");
	o = message("delta", s, gen);
	if (ws->srv->stream_bytes != STREAM_OFF)
		return writer_text(NULL, delta_stream_new(o, p, hide));
	changes = cJSON_AddArrayToObject(o, "changes");
	for (size_t i = 0; i < p->n; i++)
		cJSON_AddItemToArray(changes, diff_change_json(&p->v[i], hide));
	text = json_print(o);
	cJSON_Delete(o);
	return text;
}

/*
 * The delta from tree old (NULL: none) to t, found once per (old, t,
 * hide): its text ("" when nothing changed), or, when that would be big, a
 * big_delta every client writes its own text from as it is sent.  (A plan
 * left in the cache after t was freed is never read again: only a client
 * holding t asks for its key.)
 */
static struct render_val *
delta_val(struct ws *ws, const struct ws_sub *s, struct entry *e,
    struct render_val *old, struct render_val *t, bool hide)
{
	struct render_cache *rc = &ws->srv->render;
	struct render_key k = { .kind = RENDER_WS_DELTA,
	    .serial = e->serial, .from_gen = old ? old->id : 0,
	    .generation = t ? t->id : 0, .pass = e->space->generation,
	    .hide = hide };
	struct render_val *v = render_cache_get(rc, &k);
	struct big_delta *d;
	char *text = NULL;

	if (v)
		return v;
	d = xcalloc(1, sizeof *d);
	diff_plan(old ? old->node : NULL, t ? t->node : NULL, &d->plan);
	d->est = delta_estimate(&d->plan);
	if (!streamed(ws, d->est)) {
		text = delta_render(ws, s, e->space->generation, &d->plan,
		    hide);
		/* the estimate was short (a text the cache would not keep,
		   rendered again for each client): streamed after all */
		if (streamed(ws, strlen(text))) {
			d->est = strlen(text);
			free(text);
			text = NULL;
		}
	}
	if (text == NULL)
		return render_cache_put_obj(rc, &k, d, big_delta_free,
		    d->plan.n * sizeof *d->plan.v);
	big_delta_free(d);
	return render_cache_put_text(rc, &k, text);
}

/* With e locked: a snapshot, or a delta when the generation moved. */
static void
stream_tree(struct ws_client *c, struct ws_sub *s, struct entry *e)
{
	struct ws *ws = c->ws;
	struct render_cache *rc = &ws->srv->render;
	struct render_val *t, *msg;
	struct pts_err err;
	bool hide = server_hide_physical(ws->srv, e->space);
	uint64_t gen = e->space->generation;
	int r;

	if (!s->need_snapshot && gen == s->last_gen)
		return;
	t = sub_tree(ws, s, e, &err, &r);
	if (r < 0 && (s->need_snapshot || err.code != PTS_ENOENT)) {
		send_error(c, &err);
		s->done = true;
		return;
	}
	if (s->need_snapshot && streamed(ws, 2 * t->bytes)) {
		enqueue_stream(c, message("snapshot", s, gen), t, s->depth,
		    hide, 2 * t->bytes);
	} else {
		msg = s->need_snapshot ? snapshot_text(ws, s, e, t, hide) :
		    delta_val(ws, s, e, s->last, t, hide);
		if (msg->obj && s->need_snapshot)
			enqueue_stream(c, message("snapshot", s, gen), t,
			    s->depth, hide,
			    ((struct snapshot_len *)msg->obj)->len);
		else if (msg->obj)
			enqueue_delta_stream(c, message("delta", s, gen), t,
			    msg, hide);
		else if (msg->len)
			enqueue_val(c, msg);
		render_val_put(rc, msg);
	}
	render_val_put(rc, s->last);
	s->last = t;
	s->last_gen = gen;
	s->need_snapshot = false;
}

/* The "diff" message from generation from to h->gens[i], rendered once
   and shared by every client of the space's diff stream. */
static struct render_val *
diff_text(struct ws *ws, const struct ws_sub *s, struct entry *e,
    struct history *h, uint64_t from, size_t i, bool resync,
    struct pts_err *err)
{
	bool hide = server_hide_physical(ws->srv, e->space);
	struct render_key k = { .kind = RENDER_WS_DIFF, .serial = e->serial,
	    .from_gen = from, .generation = h->gens[i].generation,
	    .va = h->gens[0].generation, .pass = resync, .hide = hide };
	struct render_val *v = render_cache_get(&ws->srv->render, &k);
	struct hdiff d;
	cJSON *o;

	if (v)
		return v;
	if (history_diff(h, from, h->gens[i].generation, &d, err) < 0)
		return NULL;
	o = json_ws_diff(s->space, from, &h->gens[i], h->gens[0].generation,
	    &d, hide, resync);
	hdiff_release(&d);
	v = render_cache_put_text(&ws->srv->render, &k, json_print(o));
	cJSON_Delete(o);
	return v;
}

/* Queue the diff from s->last_gen to h->gens[i]; false on error (err). */
static bool
queue_diff(struct ws_client *c, struct ws_sub *s, struct entry *e,
    struct history *h, size_t i, bool resync, struct pts_err *err)
{
	struct render_val *v = diff_text(c->ws, s, e, h, s->last_gen, i,
	    resync, err);

	if (v == NULL)
		return false;
	enqueue_val(c, v);
	render_val_put(&c->ws->srv->render, v);
	s->last_gen = h->gens[i].generation;
	return true;
}

/*
 * With e locked: a diff stream.  It starts at "from" (catching up one diff
 * per generation) or at the newest generation, then sends one diff per new
 * generation.  After a dropped backlog, one diff ("resync") from the last
 * generation the client is known to have.
 */
static void
stream_diff(struct ws_client *c, struct ws_sub *s, struct entry *e)
{
	struct history *h = entry_history(e);
	const struct hstate *unused;
	struct pts_err err;
	bool resync = false;
	long i;

	if (h == NULL || h->ngens == 0) {
		pts_errf(&err, PTS_ENOTSUP, "no_history",
		    "space '%s' keeps no history", s->space);
		goto fail;
	}
	if (!s->started) {
		/* without "from": from the newest generation when the
		   subscribe was read, so an op made right after it is sent
		   (or, if that one has left the history already, from the
		   newest now) */
		s->started = true;
		s->last_gen = s->has_from ? s->from :
		    s->newest_at_sub && history_find(h, s->newest_at_sub) >= 0 ?
		    s->newest_at_sub : h->gens[h->ngens - 1].generation;
		s->delivered = s->last_gen;
	} else if (s->need_snapshot) {
		resync = s->delivered != s->last_gen;
		s->last_gen = s->delivered;
	}
	s->need_snapshot = false;
	if ((i = history_find(h, s->last_gen)) < 0) {
		/* says why: left the history, or never was */
		(void)history_state(h, s->last_gen, &unused, &err);
		goto fail;
	}
	if (resync && (size_t)i + 1 < h->ngens) {
		if (!queue_diff(c, s, e, h, h->ngens - 1, true, &err))
			goto fail;
		return;
	}
	for (size_t j = (size_t)i + 1; j < h->ngens; j++)
		if (!queue_diff(c, s, e, h, j, false, &err))
			goto fail;
	return;
fail:
	send_error(c, &err);
	s->done = true;
}

static void
stream_space(struct ws_client *c, struct ws_sub *s, uint64_t now)
{
	struct ws *ws = c->ws;
	struct pts_err err;
	struct entry *e;

	if ((e = registry_get(&ws->srv->reg, s->space, &err)) == NULL) {
		send_gone(c, s, "the space was deleted");
		return;
	}
	entry_lock(e);
	s->timed = e->space->ops->refresh != NULL;
	if (e->space->ops->refresh &&
	    (s->need_snapshot || now - s->last_poll >= s->interval_ms)) {
		s->last_poll = now;
		if (entry_refresh(e, ws->srv->opt.min_interval_ms, &err) ==
		    PTS_EGONE) {
			send_gone(c, s, "the process exited");
			goto out;
		}
	} else if (e->gone) {
		send_gone(c, s, "the process exited");
		goto out;
	}
	/* every time: an exec may have made the process another user's */
	if (server_peer_may_read(ws->srv, &c->peer, e->space, &err) < 0) {
		send_error(c, &err);
		s->done = true;
		goto out;
	}
	if (s->stream == WS_FEED_DIFF)
		stream_diff(c, s, e);
	else
		stream_tree(c, s, e);
out:
	entry_unlock(e);
	registry_put(&ws->srv->reg, e);
}

/*
 * One client's round.  A round that is not full (no change was notified)
 * only serves what time drives: live spaces, zones, new subscriptions,
 * drain timeouts.  Returns whether the client needs timed rounds.
 */
static bool
stream_client(struct ws_client *c, uint64_t now, bool full)
{
	bool resync, drained, timed = false;

	pthread_mutex_lock(&c->qlock);
	resync = c->resync;
	c->resync = false;
	/* nothing queued or being written: the client has all it was sent */
	drained = c->qbytes == 0 && !c->stalled;
	if (c->stalled) {
		/* still over its limit: after --ws-drain-timeout, closed */
		if (!c->kicked && now - c->stalled_ms >=
		    c->ws->srv->opt.ws_drain_ms) {
			c->kick = c->kicked = true;
			atomic_store(&c->ws->poke, true);
		}
		pthread_mutex_unlock(&c->qlock);
		return !c->kicked;
	}
	c->resyncing = resync;
	pthread_mutex_unlock(&c->qlock);
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->nsubs; i++) {
		struct ws_sub *s = &c->subs[i];

		if (resync) {
			s->need_snapshot = true;
			metrics_ws_add(&c->ws->srv->metrics, 0, 0, 0, 1, 0);
		}
		/* (a resync's drained queue lost what was queued since) */
		if (drained && !resync && s->started)
			s->delivered = s->last_gen;
		if (s->done)
			continue;
		if (!strcmp(s->space, "zones"))
			stream_zones(c, s, now);
		else if (full || s->need_snapshot || s->timed)
			stream_space(c, s, now);
		timed |= !s->done && (s->timed || !strcmp(s->space, "zones"));
	}
	pthread_mutex_unlock(&c->lock);
	if (resync) {
		pthread_mutex_lock(&c->qlock);
		c->resyncing = false;
		pthread_mutex_unlock(&c->qlock);
	}
	return timed;
}

static void *
stream_main(void *arg)
{
	struct ws *ws = arg;

	for (;;) {
		struct ws_client **v;
		struct timespec ts;
		size_t n = 0, i = 0;

		bool full, timed = false;

		pthread_mutex_lock(&ws->lock);
		if (!ws->notified && !ws->stopping) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 25 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&ws->cond, &ws->lock, &ts);
		}
		full = ws->notified;
		ws->notified = false;
		if (ws->stopping) {
			pthread_mutex_unlock(&ws->lock);
			break;
		}
		if (!full && !ws->timed) {
			/* nothing changed, nothing time-driven: no client is
			   visited; only what others queued (a hello, a reply)
			   gets the service thread woken */
			pthread_mutex_unlock(&ws->lock);
			if (atomic_exchange(&ws->poke, false))
				lws_cancel_service(ws->ctx);
			continue;
		}
		v = xcalloc(ws->nclients + 1, sizeof *v);
		for (struct ws_client *c = ws->clients; c; c = c->next) {
			c->refs++;
			v[n++] = c;
		}
		ws->pass++;
		pthread_mutex_unlock(&ws->lock);
		for (i = 0; i < n; i++)
			timed |= stream_client(v[i], now_ms(), full);
		clients_put(ws, v, n);
		free(v);
		ws->timed = timed;
		/* the service thread asks lws to write what was queued */
		if (atomic_exchange(&ws->poke, false))
			lws_cancel_service(ws->ctx);
	}
	return NULL;
}

static void *
service_main(void *arg)
{
	struct ws *ws = arg;

	for (;;) {
		bool stop;

		pthread_mutex_lock(&ws->lock);
		stop = ws->stopping;
		pthread_mutex_unlock(&ws->lock);
		if (stop)
			break;
		/* (ws_stop()'s lws_cancel_service() ends either wait) */
		if (ws->loop)
			ev_run(ws->loop, EVRUN_ONCE);
		else
			lws_service(ws->ctx, 0);
	}
	return NULL;
}

/*
 * lws's errors while create_context() tries the libev loop, which it may
 * not have: debug lines, since the poll() loop is tried next and says the
 * same (a port in use) or nothing.  Written before the threads start.
 */
static bool lws_errors_quiet;

static void
lws_log_to_ours(int level, const char *line)
{
	char buf[512];
	size_t n;

	snprintf(buf, sizeof buf, "%s", line);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if ((level & LLL_ERR) && !lws_errors_quiet)
		log_warn("websocket: %s", buf);
	else
		log_debug("websocket: %s", buf);
}

/*
 * The lws context of info, on an epoll loop of libev's when lws has its
 * libev plugin (libwebsockets-evlib-ev): lws's own loop poll()s every
 * socket each time it wakes, about 1.5 ms for a thousand clients, once per
 * change streamed.  Without the plugin (lws_create_context() then fails
 * before it listens), on lws's poll() loop.
 */
static struct lws_context *
create_context(struct ws *ws, struct lws_context_creation_info *info)
{
	struct lws_context *ctx;

	ws->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
	if (ws->loop) {
		info->options |= LWS_SERVER_OPTION_LIBEV;
		info->foreign_loops = (void **)&ws->loop;
		lws_errors_quiet = true;
		ctx = lws_create_context(info);
		lws_errors_quiet = false;
		if (ctx != NULL)
			return ctx;
		log_debug("websocket: no libev event loop, polling");
		ev_loop_destroy(ws->loop);
		ws->loop = NULL;
		info->options &= ~(uint64_t)LWS_SERVER_OPTION_LIBEV;
		info->foreign_loops = NULL;
	}
	return lws_create_context(info);
}

int
ws_start(struct server *srv, struct ws **out, struct pts_err *err)
{
	struct lws_context_creation_info info;
	struct ws *ws = xcalloc(1, sizeof *ws);
	struct lws_vhost *vh;
	int port;

	ws->srv = srv;
	ws->frame = xmalloc(LWS_PRE + WS_FRAG);
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->cond, NULL);
	lws_set_log_level(LLL_ERR | (srv->opt.verbosity > 1 ? LLL_WARN : 0),
	    lws_log_to_ours);
	memset(&info, 0, sizeof info);
	info.port = srv->opt.ws_port;
	info.iface = srv->opt.ws_host;
	info.protocols = protocols;
	info.user = ws;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	info.timeout_secs = srv->opt.conn_timeout;
	/* room for the headers the HTTP side accepts too (a long Cookie
	   header of other sites' cookies on the same host must not break the
	   login); lws's default is 4096 bytes for all of them */
	info.max_http_header_data = WS_MAX_HEADERS;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (strchr(srv->opt.ws_host, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	ws->ctx = create_context(ws, &info);
	if (ws->ctx == NULL || (vh = lws_get_vhost_by_name(ws->ctx,
	    "default")) == NULL || (port = lws_get_vhost_listen_port(vh)) <= 0) {
		if (ws->ctx)
			lws_context_destroy(ws->ctx);
		if (ws->loop)
			ev_loop_destroy(ws->loop);
		free(ws->frame);
		free(ws);
		return pts_errf(err, PTS_EIO, "listen_failed",
		    "cannot listen for WebSocket on %s:%d", srv->opt.ws_host,
		    srv->opt.ws_port);
	}
	server_format_url(srv->ws_url, sizeof srv->ws_url, "ws",
	    srv->opt.ws_host, port);
	pthread_create(&ws->service_thread, NULL, service_main, ws);
	pthread_create(&ws->stream_thread, NULL, stream_main, ws);
	*out = ws;
	return 0;
}

void
ws_stop(struct ws *ws)
{
	if (ws == NULL)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->stopping = true;
	pthread_cond_signal(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
	pthread_join(ws->stream_thread, NULL);
	lws_cancel_service(ws->ctx);
	pthread_join(ws->service_thread, NULL);
	lws_context_destroy(ws->ctx);	/* closes clients: CLOSED frees them */
	if (ws->loop)
		ev_loop_destroy(ws->loop);
	while (ws->clients)
		client_closed(ws, ws->clients);
	pthread_cond_destroy(&ws->cond);
	pthread_mutex_destroy(&ws->lock);
	free(ws->frame);
	free(ws);
}
