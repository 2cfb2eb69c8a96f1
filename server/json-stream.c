/* SPDX-License-Identifier: MIT */
/* json-stream.c: trees and ranges written piece by piece (see the header). */
#include "config.h"
#include "json-stream.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xalloc.h"

/* o printed whole (consumed). */
static void
add_whole(struct strbuf *sb, cJSON *o)
{
	char *t = json_print(o);

	strbuf_adds(sb, t);
	free(t);
	cJSON_Delete(o);
}

/* o printed without its closing brace, so that more members can follow
   (consumed; o has at least one member). */
static void
add_open(struct strbuf *sb, cJSON *o)
{
	char *t = json_print(o);
	size_t len = strlen(t);

	strbuf_add(sb, t, len - 1);
	free(t);
	cJSON_Delete(o);
}

struct frame {
	struct pt_node *n;	/* owned */
	size_t next;		/* the next child to write */
	unsigned depth;		/* n was asked for to this depth */
};

struct jstream_tree {
	bool hide, started, done;
	bool borrowed;		/* the tree is the caller's, whole: never
				   fetched, never freed */
	cJSON *head;
	unsigned depth;
	unsigned nf;
	struct frame f[PT_NLEVELS + 2];
};

struct jstream_tree *
jstream_tree_new(cJSON *head, struct pt_node *root, unsigned depth,
    bool hide)
{
	struct jstream_tree *t = xcalloc(1, sizeof *t);

	t->head = head;
	t->hide = hide;
	t->depth = depth;
	t->f[0] = (struct frame){ .n = root, .depth = depth };
	return t;
}

struct jstream_tree *
jstream_tree_of(cJSON *head, const struct pt_node *root, unsigned depth,
    bool hide)
{
	/* (the nodes are only read: see borrowed) */
	struct jstream_tree *t = jstream_tree_new(head, (struct pt_node *)root,
	    depth, hide);

	t->borrowed = true;
	return t;
}

/* Free a node the writer owns. */
static void
node_done(const struct jstream_tree *t, struct pt_node *n)
{
	if (!t->borrowed)
		pt_node_free(n);
}

void
jstream_tree_free(struct jstream_tree *t)
{
	if (t == NULL)
		return;
	cJSON_Delete(t->head);
	for (unsigned i = 0; i < t->nf; i++)
		node_done(t, t->f[i].n);
	if (!t->started)
		node_done(t, t->f[0].n);
	free(t);
}

/* Open node n (its head, then its children's array when it has one). */
static void
open_node(struct strbuf *out, cJSON *head_of_n, const struct pt_node *n)
{
	add_open(out, head_of_n);
	if (n->expanded)
		strbuf_adds(out, ",\"children\":[");
}

/* The document's head and the root node's. */
static void
start(struct jstream_tree *t, struct strbuf *out)
{
	add_open(out, t->head);
	t->head = NULL;
	strbuf_adds(out, ",\"node\":");
	open_node(out, json_node_head(t->f[0].n, t->hide), t->f[0].n);
	t->nf = 1;
	t->started = true;
}

/* Close the innermost table (and the document after the root). */
static void
close_frame(struct jstream_tree *t, struct strbuf *out)
{
	struct frame *f = &t->f[--t->nf];

	strbuf_adds(out, f->n->expanded ? "]}" : "}");
	node_done(t, f->n);
	f->n = NULL;
	if (t->nf == 0) {
		strbuf_addc(out, '}');
		t->done = true;
	}
}

/* Write the next child of the innermost table: whole, or its head when
   its table is expanded next (fetched to depth 1). */
static int
step(struct jstream_tree *t, struct strbuf *out, jstream_fetch_fn fetch,
    void *ctx, struct pts_err *err)
{
	struct frame *f = &t->f[t->nf - 1];
	const struct pt_child *c;
	struct pt_node *m = NULL;

	if (!f->n->expanded || f->next == f->n->nchildren) {
		close_frame(t, out);
		return 0;
	}
	c = &f->n->children[f->next];
	if (c->kind != PT_KIND_TABLE || c->table == NULL || f->depth < 2)
		;	/* written whole */
	else if (t->borrowed)
		m = c->table;
	else if (fetch(ctx, c->table->level, c->table->va, &m, err) < 0)
		return -1;
	if (f->next++ > 0)
		strbuf_addc(out, ',');
	if (m == NULL) {
		add_whole(out, json_child_head(c, t->hide));
		return 0;
	}
	open_node(out, json_child_head(c, t->hide), m);
	t->f[t->nf++] = (struct frame){ .n = m, .depth = f->depth - 1 };
	return 0;
}

int
jstream_tree_fill(struct jstream_tree *t, struct strbuf *out, size_t want,
    jstream_fetch_fn fetch, void *ctx, struct pts_err *err)
{
	if (!t->started)
		start(t, out);
	while (!t->done && out->len < want)
		if (step(t, out, fetch, ctx, err) < 0)
			return -1;
	return t->done ? 0 : 1;
}

/* One step of a document: a text piece, or a list of n items. */
struct doc_step {
	char *text;		/* owned; NULL for a list */
	size_t n;
	cJSON *(*item)(const struct jstream_doc *, size_t i);
};

#define DOC_STEPS 12	/* a diff takes 10 */

struct jstream_doc {
	struct doc_step s[DOC_STEPS];
	unsigned nsteps;
	unsigned at;		/* the step being written */
	size_t next;		/* its next item */
	/* what the items are built from */
	const struct history *h;
	struct hdiff d;		/* owned */
	struct pt_ranges r;	/* owned */
	bool hide;
};

/* Add a text piece (taken). */
static void
doc_text(struct jstream_doc *doc, char *text)
{
	assert(doc->nsteps < DOC_STEPS);
	doc->s[doc->nsteps++] = (struct doc_step){ .text = text };
}

/* Add o printed without its closing brace (consumed), then more text. */
static void
doc_open(struct jstream_doc *doc, cJSON *o, const char *more)
{
	struct strbuf sb = STRBUF_INIT;

	add_open(&sb, o);
	strbuf_adds(&sb, more);
	doc_text(doc, strbuf_detach(&sb, NULL));
}

/* Add o's members after a comma, then more (o consumed, not empty). */
static void
doc_members(struct jstream_doc *doc, cJSON *o, const char *more)
{
	struct strbuf sb = STRBUF_INIT;
	char *t = json_print(o);

	strbuf_addc(&sb, ',');
	strbuf_add(&sb, t + 1, strlen(t) - 2);
	strbuf_adds(&sb, more);
	free(t);
	cJSON_Delete(o);
	doc_text(doc, strbuf_detach(&sb, NULL));
}

static void
doc_list(struct jstream_doc *doc, size_t n,
    cJSON *(*item)(const struct jstream_doc *, size_t))
{
	assert(doc->nsteps < DOC_STEPS);
	doc->s[doc->nsteps++] = (struct doc_step){ .n = n, .item = item };
}

static void
doc_literal(struct jstream_doc *doc, const char *text)
{
	doc_text(doc, xstrdup(text));
}

int
jstream_doc_fill(struct jstream_doc *doc, struct strbuf *out, size_t want)
{
	while (doc->at < doc->nsteps && out->len < want) {
		const struct doc_step *st = &doc->s[doc->at];

		if (st->text != NULL) {
			strbuf_adds(out, st->text);
			doc->at++;
		} else if (doc->next == st->n) {
			doc->next = 0;
			doc->at++;
		} else {
			if (doc->next > 0)
				strbuf_addc(out, ',');
			add_whole(out, st->item(doc, doc->next++));
		}
	}
	return doc->at < doc->nsteps ? 1 : 0;
}

void
jstream_doc_free(struct jstream_doc *doc)
{
	if (doc == NULL)
		return;
	for (unsigned i = 0; i < doc->nsteps; i++)
		free(doc->s[i].text);
	hdiff_release(&doc->d);
	pt_ranges_release(&doc->r);
	free(doc);
}

static cJSON *
range_item(const struct jstream_doc *doc, size_t i)
{
	return json_range(&doc->r.v[i], doc->hide);
}

struct jstream_doc *
jstream_ranges_new(cJSON *head, struct pt_ranges *r, bool hide)
{
	struct jstream_doc *doc = xcalloc(1, sizeof *doc);

	doc->r = *r;
	memset(r, 0, sizeof *r);
	doc->hide = hide;
	doc_open(doc, head, ",\"ranges\":[");
	doc_list(doc, doc->r.n, range_item);
	doc_literal(doc, "]}");
	return doc;
}

static cJSON *
history_item(const struct jstream_doc *doc, size_t i)
{
	return json_history_gen(&doc->h->gens[i]);
}

struct jstream_doc *
jstream_history_new(const char *id, uint64_t generation,
    const struct history *h)
{
	struct jstream_doc *doc = xcalloc(1, sizeof *doc);

	doc->h = h;
	doc_open(doc, json_history_head(id, generation), ",\"generations\":[");
	doc_list(doc, h->ngens, history_item);
	doc_literal(doc, "]");
	doc_members(doc, json_history_tail(h), "}");
	return doc;
}

static cJSON *
change_item(const struct jstream_doc *doc, size_t i)
{
	return json_diff_change(&doc->d.v[i], doc->hide);
}

static cJSON *
table_item(const struct jstream_doc *doc, size_t i)
{
	return json_diff_table(&doc->d.t[i]);
}

static cJSON *
unread_item(const struct jstream_doc *doc, size_t i)
{
	return json_diff_unread(&doc->d.u[i]);
}

struct jstream_doc *
jstream_diff_new(const char *id, uint64_t from, uint64_t to, struct hdiff *d,
    bool hide)
{
	struct jstream_doc *doc = xcalloc(1, sizeof *doc);

	doc->d = *d;
	memset(d, 0, sizeof *d);
	doc->hide = hide;
	doc_open(doc, json_diff_head(id, from, to), ",\"changes\":[");
	doc_list(doc, doc->d.n, change_item);
	doc_literal(doc, "],\"tables\":");
	doc_open(doc, json_diff_tables_head(&doc->d), ",\"list\":[");
	doc_list(doc, doc->d.nt, table_item);
	doc_literal(doc, "]}");
	if (doc->d.partial) {
		doc_literal(doc, ",\"not_read\":[");
		doc_list(doc, doc->d.nu, unread_item);
		doc_literal(doc, "]");
	}
	doc_literal(doc, "}");
	return doc;
}

/* (for writers elsewhere that join json.c pieces: server/delta-stream.c) */
void
jstream_add(struct strbuf *sb, cJSON *o, bool open)
{
	if (open)
		add_open(sb, o);
	else
		add_whole(sb, o);
}
