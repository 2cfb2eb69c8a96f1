/* SPDX-License-Identifier: MIT */
/* json-stream.c: trees and ranges written piece by piece (see the header). */
#include "config.h"
#include "json-stream.h"

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

struct jstream_ranges {
	bool hide, started, done;
	cJSON *head;
	struct pt_ranges r;
	size_t next;
};

struct jstream_ranges *
jstream_ranges_new(cJSON *head, struct pt_ranges *r, bool hide)
{
	struct jstream_ranges *s = xcalloc(1, sizeof *s);

	s->head = head;
	s->r = *r;
	memset(r, 0, sizeof *r);
	s->hide = hide;
	return s;
}

void
jstream_ranges_free(struct jstream_ranges *s)
{
	if (s == NULL)
		return;
	cJSON_Delete(s->head);
	pt_ranges_release(&s->r);
	free(s);
}

int
jstream_ranges_fill(struct jstream_ranges *s, struct strbuf *out,
    size_t want)
{
	if (!s->started) {
		add_open(out, s->head);
		s->head = NULL;
		strbuf_adds(out, ",\"ranges\":[");
		s->started = true;
	}
	while (!s->done && out->len < want) {
		if (s->next == s->r.n) {
			strbuf_adds(out, "]}");
			s->done = true;
			break;
		}
		if (s->next > 0)
			strbuf_addc(out, ',');
		add_whole(out, json_range(&s->r.v[s->next++], s->hide));
	}
	return s->done ? 0 : 1;
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
