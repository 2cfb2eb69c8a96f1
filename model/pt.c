/* SPDX-License-Identifier: MIT */
/* pt.c: tree, walk and range results shared by all backends. */
#include "config.h"
#include "pt.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char *const flag_names[PTF_NR] = {
	"present", "read", "write", "exec", "user", "global", "accessed",
	"dirty", "nocache", "device", "cont", "file", "anon", "shared",
	"exclusive", "soft_dirty", "uffd_wp", "thp", "hugetlb", "zero_page",
	"guard", "cow", "pxn", "swapped", "invalid", "section",
};

const char *
pt_kind_name(enum pt_kind k)
{
	switch (k) {
	case PT_KIND_TABLE:	return "table";
	case PT_KIND_BLOCK:	return "block";
	case PT_KIND_PAGE:	return "page";
	case PT_KIND_SWAP:	return "swap";
	default:		return "none";
	}
}

const char *
pt_flag_name(uint32_t bit)
{
	for (unsigned i = 0; i < PTF_NR; i++)
		if (bit == (1u << i))
			return flag_names[i];
	return NULL;
}

struct pt_node *
pt_node_new(enum pt_level level, uint64_t va, uint64_t span, unsigned entries)
{
	struct pt_node *n = xcalloc(1, sizeof *n);

	n->level = level;
	n->va = va;
	n->span = span;
	n->entries = entries;
	n->table_pa = PT_UNKNOWN;
	return n;
}

struct pt_child *
pt_node_add_child(struct pt_node *n)
{
	size_t k = n->nchildren;
	struct pt_child *c;

	/* capacity is implicit: 8, then doubled whenever k is a power of two */
	if (k == 0 || (k >= 8 && (k & (k - 1)) == 0))
		n->children = xrealloc(n->children,
		    (k ? 2 * k : 8) * sizeof *n->children);
	c = &n->children[n->nchildren++];
	memset(c, 0, sizeof *c);
	c->entry = c->entry_pa = c->pa = PT_UNKNOWN;
	return c;
}

void
pt_node_free(struct pt_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nchildren; i++) {
		free(n->children[i].attrs);
		pt_node_free(n->children[i].table);
	}
	free(n->children);
	free(n);
}

struct pt_range *
pt_ranges_add(struct pt_ranges *r, const char *attrs)
{
	struct pt_range *x;

	r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof *r->v);
	x = &r->v[r->n++];
	memset(x, 0, sizeof *x);
	x->pa = PT_UNKNOWN;
	x->attrs = attrs ? xstrdup(attrs) : NULL;
	return x;
}

void
pt_ranges_release(struct pt_ranges *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].attrs);
		free(r->v[i].marker);
	}
	for (size_t i = 0; i < r->nmarkers; i++)
		free(r->markers[i].name);
	free(r->markers);
	free(r->v);
	memset(r, 0, sizeof *r);
}

void
pt_ranges_add_marker(struct pt_ranges *r, uint64_t va, const char *name)
{
	size_t i;

	r->markers = xgrow(r->markers, &r->markers_cap, r->nmarkers + 1,
	    sizeof *r->markers);
	for (i = r->nmarkers; i > 0 && r->markers[i - 1].va > va; i--)
		r->markers[i] = r->markers[i - 1];
	r->markers[i].va = va;
	r->markers[i].name = xstrdup(name ? name : "");
	r->nmarkers++;
}
