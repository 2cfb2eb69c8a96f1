/* SPDX-License-Identifier: MIT */
/* delta-stream.c: a delta message written piece by piece (see the header). */
#include "config.h"
#include "delta-stream.h"

#include <stdlib.h>

#include "json-stream.h"
#include "json.h"
#include "xalloc.h"

/* Deep enough for any table: a whole change is written to its leaves, as
   json_node() prints it. */
#define WHOLE_DEPTH (PT_NLEVELS + 1)

struct delta_stream {
	cJSON *head;		/* until started */
	const struct delta_plan *p;
	size_t next;		/* the next change to write */
	struct jstream_tree *cur;	/* the whole table being written */
	bool hide, started, done;
};

struct delta_stream *
delta_stream_new(cJSON *head, const struct delta_plan *p, bool hide)
{
	struct delta_stream *d = xcalloc(1, sizeof *d);

	d->head = head;
	d->p = p;
	d->hide = hide;
	return d;
}

void
delta_stream_free(struct delta_stream *d)
{
	if (d == NULL)
		return;
	cJSON_Delete(d->head);
	jstream_tree_free(d->cur);
	free(d);
}

/* Start the next change: printed whole, or its tree writer set up. */
static void
next_change(struct delta_stream *d, struct strbuf *out)
{
	const struct delta_change *c = &d->p->v[d->next];

	if (d->next++ > 0)
		strbuf_addc(out, ',');
	if (c->what == DELTA_WHOLE)
		d->cur = jstream_tree_of(json_delta_ref(c->level, c->va),
		    c->node, WHOLE_DEPTH, d->hide);
	else
		jstream_add(out, diff_change_json(c, d->hide), false);
}

int
delta_stream_fill(struct delta_stream *d, struct strbuf *out, size_t want)
{
	if (!d->started) {
		jstream_add(out, d->head, true);
		d->head = NULL;
		strbuf_adds(out, ",\"changes\":[");
		d->started = true;
	}
	while (!d->done && out->len < want) {
		if (d->cur) {
			/* (a tree of its own: no fetch, no failure) */
			if (jstream_tree_fill(d->cur, out, want, NULL, NULL,
			    NULL) == 0) {
				jstream_tree_free(d->cur);
				d->cur = NULL;
			}
		} else if (d->next < d->p->n) {
			next_change(d, out);
		} else {
			strbuf_adds(out, "]}");
			d->done = true;
		}
	}
	return d->done ? 0 : 1;
}
