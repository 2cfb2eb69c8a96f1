/* SPDX-License-Identifier: MIT */
/* json.c: every JSON shape of the API (info, arches, processes, spaces,
   trees, walks, ranges, regions, op results, zones, errors). */
#include "config.h"
#include "json.h"
#include "kcompare.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "desc-fields.h"
#include "desc-linux.h"
#include "procfs.h"
#include "region.h"
#include "hdiff.h"
#include "history.h"
#include "registry.h"
#include "sim.h"
#include "space.h"
#include "whatif.h"
#include "xalloc.h"

void
json_add_hex(cJSON *obj, const char *key, uint64_t v)
{
	char buf[24];

	if (v == PT_UNKNOWN) {
		cJSON_AddNullToObject(obj, key);
		return;
	}
	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	cJSON_AddStringToObject(obj, key, buf);
}

/* A hex string even for ~0 (which PT_UNKNOWN would turn into null). */
static void
add_hex_raw(cJSON *obj, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	cJSON_AddStringToObject(obj, key, buf);
}

/* Counts go out as numbers: exact in a double up to 2^53. */
void
json_add_u64(cJSON *obj, const char *key, uint64_t v)
{
	cJSON_AddNumberToObject(obj, key, (double)v);
}

static void
json_add_flags(cJSON *obj, const char *key, uint32_t flags)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);

	for (unsigned i = 0; i < PTF_NR; i++)
		if (flags & (1u << i))
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(pt_flag_name(1u << i)));
}

/* Space-separated tokens as an array of strings. */
static void
add_tokens(cJSON *obj, const char *key, const char *s)
{
	cJSON *a;
	const char *p = s, *q;

	if (s == NULL)
		return;
	a = cJSON_AddArrayToObject(obj, key);
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		q = strchr(p, ' ');
		if (q == NULL)
			q = p + strlen(p);
		char *tok = xstrndup(p, (size_t)(q - p));
		cJSON_AddItemToArray(a, cJSON_CreateString(tok));
		free(tok);
		p = q;
	}
}

static void
add_hw(cJSON *obj, unsigned nhw, const uint64_t *hw, bool hide)
{
	cJSON *a;
	char buf[24];

	if (nhw == 0)
		return;
	if (hide) {
		cJSON_AddNullToObject(obj, "hw");
		return;
	}
	a = cJSON_AddArrayToObject(obj, "hw");
	for (unsigned i = 0; i < nhw; i++) {
		snprintf(buf, sizeof buf, "0x%" PRIx64, hw[i]);
		cJSON_AddItemToArray(a, cJSON_CreateString(buf));
	}
}

static uint64_t
phys(uint64_t v, bool hide)
{
	return hide ? PT_UNKNOWN : v;
}

cJSON *
json_arch(const struct arch *a)
{
	cJSON *o = cJSON_CreateObject(), *lv, *fo;
	static const char *const all[] = { "pgd", "p4d", "pud", "pmd", "pte" };

	cJSON_AddStringToObject(o, "id", a->id);
	cJSON_AddStringToObject(o, "family", a->family);
	cJSON_AddStringToObject(o, "description", a->desc);
	json_add_u64(o, "page_size", a->page_size);
	json_add_u64(o, "va_bits", a->va_bits);
	json_add_u64(o, "pa_bits", a->pa_bits);
	json_add_u64(o, "entry_bytes", a->entry_bytes);
	lv = cJSON_AddArrayToObject(o, "levels");
	for (unsigned i = 0; i < a->nlevels; i++) {
		const struct arch_level *l = &a->levels[i];
		cJSON *x = cJSON_CreateObject(), *lf;

		cJSON_AddItemToArray(lv, x);
		cJSON_AddStringToObject(x, "name", l->name);
		json_add_u64(x, "shift", l->shift);
		json_add_u64(x, "bits", l->bits);
		json_add_u64(x, "entries", l->entries);
		json_add_u64(x, "entry_bytes", l->entry_bytes);
		if (l->block_size)
			json_add_hex(x, "block_size", l->block_size);
		else
			cJSON_AddNullToObject(x, "block_size");
		cJSON_AddStringToObject(x, "hw_name", l->hw_name);
		cJSON_AddStringToObject(x, "offset_fn", l->offset_fn);
		lf = cJSON_AddArrayToObject(x, "leaves");
		for (unsigned k = 0; k < l->nleaves; k++) {
			cJSON *y = cJSON_CreateObject();

			cJSON_AddItemToArray(lf, y);
			json_add_hex(y, "size", l->leaves[k].size);
			cJSON_AddStringToObject(y, "name", l->leaves[k].name);
			json_add_u64(y, "nentries", l->leaves[k].nentries);
			cJSON_AddStringToObject(y, "hw", l->leaves[k].hw);
		}
	}
	fo = cJSON_AddArrayToObject(o, "folded");
	for (unsigned i = 0; i < PT_NLEVELS; i++)
		if (a->folded & (1u << i))
			cJSON_AddItemToArray(fo, cJSON_CreateString(all[i]));
	cJSON_AddBoolToObject(o, "sign_extend", a->sign_extend);
	cJSON_AddBoolToObject(o, "split_roots", a->split_roots);
	add_hex_raw(o, "user_first", a->user_first);
	add_hex_raw(o, "user_last", a->user_last);
	add_hex_raw(o, "kernel_first", a->kernel_first);
	add_hex_raw(o, "kernel_last", a->kernel_last);
	add_hex_raw(o, "page_offset", a->page_offset);
	return o;
}

cJSON *
json_info(const struct server *srv)
{
	cJSON *o = cJSON_CreateObject(), *live, *sc, *lim;

	cJSON_AddStringToObject(o, "name", PACKAGE_NAME);
	cJSON_AddStringToObject(o, "version", PACKAGE_VERSION);
	cJSON_AddStringToObject(o, "ws_url", srv->ws_url);
	cJSON_AddStringToObject(o, "ws_protocol", "ptscope.v1");
	if (srv->host_arch)
		cJSON_AddStringToObject(o, "host_arch", srv->host_arch->id);
	else
		cJSON_AddNullToObject(o, "host_arch");
	live = cJSON_AddObjectToObject(o, "live");
	cJSON_AddBoolToObject(live, "pagemap", srv->caps.pagemap);
	cJSON_AddBoolToObject(live, "pfn", srv->caps.pfn);
	cJSON_AddBoolToObject(live, "pagemap_scan", srv->caps.pagemap_scan);
	cJSON_AddBoolToObject(live, "kpageflags", srv->caps.kpageflags);
	cJSON_AddBoolToObject(live, "ptdump", srv->nptdump > 0);
	cJSON_AddBoolToObject(live, "zones", srv->caps.zones);
	if (srv->nptdump == 0)
		cJSON_AddStringToObject(live, "ptdump_reason", srv->ptdump_why);
	cJSON_AddBoolToObject(o, "physical_hidden", !srv->opt.show_physical);
	cJSON_AddBoolToObject(o, "auth", srv->auth);
	cJSON_AddStringToObject(o, "proc_root", srv->opt.proc_root);
	sc = cJSON_AddArrayToObject(o, "scenarios");
	for (const char *const *p = sim_scenarios; *p; p++)
		cJSON_AddItemToArray(sc, cJSON_CreateString(*p));
	lim = cJSON_AddObjectToObject(o, "limits");
	json_add_u64(lim, "max_body", srv->opt.max_body);
	json_add_u64(lim, "max_subscriptions", srv->opt.max_subs);
	json_add_u64(lim, "max_ws_message", srv->opt.max_ws_msg);
	json_add_u64(lim, "min_interval_ms", srv->opt.min_interval_ms);
	return o;
}

cJSON *
json_arches(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "arches");

	for (size_t i = 0; i < arch_count(); i++)
		cJSON_AddItemToArray(a, json_arch(arch_get(i)));
	return o;
}

cJSON *
json_processes(const struct proc_entry *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "processes");

	for (size_t i = 0; i < n; i++) {
		cJSON *p = cJSON_CreateObject();

		cJSON_AddItemToArray(a, p);
		json_add_u64(p, "pid", (uint64_t)v[i].pid);
		cJSON_AddStringToObject(p, "comm", v[i].comm);
		json_add_u64(p, "rss_kb", v[i].rss_kb);
		json_add_u64(p, "vm_pte_kb", v[i].vm_pte_kb);
		cJSON_AddBoolToObject(p, "attachable", v[i].attachable);
		cJSON_AddBoolToObject(p, "kernel_thread", v[i].kernel_thread);
	}
	return o;
}

static void
add_stats(cJSON *o, const struct pt_stats *s)
{
	cJSON *st = cJSON_AddObjectToObject(o, "stats");

	json_add_u64(st, "present_pages", s->present_pages);
	json_add_u64(st, "tables", s->tables);
	json_add_u64(st, "blocks", s->blocks);
	json_add_u64(st, "swapped_pages", s->swapped_pages);
}

/* The node's own fields into o. */
static void
add_node_head(cJSON *o, const struct pt_node *n, bool hide)
{
	cJSON_AddStringToObject(o, "level", arch_level_name(n->level));
	json_add_hex(o, "va", n->va);
	json_add_hex(o, "span", n->span);
	json_add_u64(o, "entries", n->entries);
	json_add_hex(o, "table_pa", phys(n->table_pa, hide));
	add_stats(o, &n->stats);
}

static void add_node_children(cJSON *, const struct pt_node *, bool);

cJSON *
json_child_head(const struct pt_child *c, bool hide)
{
	cJSON *o = cJSON_CreateObject();

	json_add_u64(o, "index", c->index);
	json_add_hex(o, "va", c->va);
	cJSON_AddStringToObject(o, "kind", pt_kind_name(c->kind));
	json_add_hex(o, "entry", phys(c->entry, hide));
	if (c->entry_pa != PT_UNKNOWN)
		json_add_hex(o, "entry_pa", phys(c->entry_pa, hide));
	json_add_flags(o, "flags", c->flags);
	add_tokens(o, "attrs", c->attrs);
	add_hw(o, c->nhw, c->hw, hide);
	if (c->kind == PT_KIND_BLOCK || c->kind == PT_KIND_PAGE) {
		if (c->size)
			json_add_hex(o, "size", c->size);
		json_add_hex(o, "pa", phys(c->pa, hide));
	} else if (c->kind == PT_KIND_SWAP && c->size) {
		json_add_hex(o, "size", c->size);
	}
	if (c->kind == PT_KIND_TABLE && c->table) {
		/* the child is the next table: its head fields join the child */
		cJSON_DeleteItemFromObject(o, "va");
		add_node_head(o, c->table, hide);
	}
	return o;
}

static cJSON *
json_child(const struct pt_child *c, bool hide)
{
	cJSON *o = json_child_head(c, hide);

	if (c->kind == PT_KIND_TABLE && c->table)
		add_node_children(o, c->table, hide);
	return o;
}

static void
add_node_children(cJSON *o, const struct pt_node *n, bool hide)
{
	cJSON *a;

	if (!n->expanded)
		return;
	a = cJSON_AddArrayToObject(o, "children");
	for (size_t i = 0; i < n->nchildren; i++)
		cJSON_AddItemToArray(a, json_child(&n->children[i], hide));
}

cJSON *
json_node_head(const struct pt_node *n, bool hide)
{
	cJSON *o = cJSON_CreateObject();

	add_node_head(o, n, hide);
	return o;
}

cJSON *
json_node(const struct pt_node *n, bool hide)
{
	cJSON *o = json_node_head(n, hide);

	add_node_children(o, n, hide);
	return o;
}

/* One descriptor word split into its fields (model/desc-fields.h). */
cJSON *
json_desc_fields(const struct desc_fields *d)
{
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "format", d->format ? d->format : "");
	json_add_u64(o, "bits", d->bits);
	cJSON_AddBoolToObject(o, "valid", d->valid);
	cJSON_AddBoolToObject(o, "table", d->table);
	json_add_hex(o, d->table ? "next_table_pa" : "output_pa", d->next_pa);
	a = cJSON_AddArrayToObject(o, "fields");
	for (unsigned i = 0; i < d->n; i++) {
		const struct desc_field *f = &d->f[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddItemToArray(a, x);
		cJSON_AddStringToObject(x, "name", f->name);
		json_add_u64(x, "lo", f->lo);
		json_add_u64(x, "hi", f->lo + f->width - 1);
		json_add_hex(x, "value", f->value);
		cJSON_AddStringToObject(x, "meaning", f->meaning);
		if (f->pa_lo >= 0)
			json_add_u64(x, "pa_lo", (uint64_t)f->pa_lo);
	}
	return o;
}

/* The decoded fields of one word, with __va() of a next table's PA. */
static cJSON *
decoded_word(const struct space *s, unsigned li, uint64_t w,
    enum desc_word which)
{
	struct desc_fields d;
	cJSON *o;
	uint64_t va;

	desc_fields_decode(s->arch, li, w, which, &d);
	o = json_desc_fields(&d);
	if (d.table && space_linear_va(s, d.next_pa, &va))
		json_add_hex(o, "next_table_va", va);
	return o;
}

/* "linear_map" of a walk that lands where __va() puts its PA: the formula
   with the numbers filled in (PA = VA - PAGE_OFFSET + PHYS_OFFSET). */
static void
add_linear_map(cJSON *o, const struct space *s, const struct pt_walk *w,
    bool hide)
{
	uint64_t lva;
	cJSON *lm;
	char f[160];

	if (hide || !w->mapped || !space_linear_va(s, w->pa, &lva) ||
	    lva != w->va)
		return;
	lm = cJSON_AddObjectToObject(o, "linear_map");
	json_add_hex(lm, "page_offset", s->arch->page_offset);
	json_add_hex(lm, "phys_offset", s->phys_offset);
	snprintf(f, sizeof f, "PA = VA - PAGE_OFFSET + PHYS_OFFSET = 0x%" PRIx64
	    " - 0x%" PRIx64 " + 0x%" PRIx64 " = 0x%" PRIx64, w->va,
	    s->arch->page_offset, s->phys_offset, w->pa);
	cJSON_AddStringToObject(lm, "formula", f);
}

/* "linux" of a walk step: what p?d_none/present/bad/leaf say of the entry
   and the populate call that wrote a table entry (model/desc-linux.h). */
static cJSON *
linux_helpers(const struct space *s, unsigned li, uint64_t w, bool user)
{
	struct desc_linux dl;
	cJSON *o = cJSON_CreateObject(), *a;

	desc_linux_eval(s->arch, li, w, user, &dl);
	a = cJSON_AddArrayToObject(o, "tests");
	for (unsigned i = 0; i < dl.n; i++) {
		cJSON *t = cJSON_CreateObject();

		cJSON_AddItemToArray(a, t);
		cJSON_AddStringToObject(t, "name", dl.t[i].name);
		cJSON_AddBoolToObject(t, "value", dl.t[i].value);
		cJSON_AddStringToObject(t, "rule", dl.t[i].rule);
	}
	if (dl.populate[0])
		cJSON_AddStringToObject(o, "populate", dl.populate);
	cJSON_AddStringToObject(o, "source", dl.source ? dl.source : "");
	return o;
}

/* "decoded" of a walk step: the entry split into fields; on armv7-2l the
   hardware words get "hw_decoded" (pgd: both first-level descriptors;
   pte: the hardware pte beside the Linux pte in "decoded"). */
static void
add_step_fields(cJSON *x, const struct space *s,
    const struct pt_walk_step *st, bool user)
{
	int li = arch_level_pos(s->arch, st->level);
	bool v7 = strcmp(s->arch->id, "armv7-2l") == 0;
	cJSON *hw;

	if (li < 0 || st->entry == PT_UNKNOWN)
		return;
	cJSON_AddItemToObject(x, "linux", linux_helpers(s, (unsigned)li,
	    v7 && st->nhw && li == 0 ? st->hw[0] : st->entry, user));
	if (!v7 || st->nhw == 0) {
		cJSON_AddItemToObject(x, "decoded", decoded_word(s, (unsigned)li,
		    st->entry, DESC_WORD_HW));
		return;
	}
	if (li > 0)
		cJSON_AddItemToObject(x, "decoded", decoded_word(s,
		    (unsigned)li, st->entry, DESC_WORD_LINUX));
	hw = cJSON_AddArrayToObject(x, "hw_decoded");
	for (unsigned i = 0; i < st->nhw; i++)
		cJSON_AddItemToArray(hw, decoded_word(s, (unsigned)li,
		    st->hw[i], DESC_WORD_HW));
}

/* The walk's fields into o. */
static void
add_walk(cJSON *o, const struct space *sp, const struct pt_walk *w, bool hide)
{
	cJSON *steps;

	json_add_hex(o, "va", w->va);
	cJSON_AddBoolToObject(o, "mapped", w->mapped);
	json_add_hex(o, "pa", phys(w->pa, hide));
	json_add_u64(o, "page_size", w->page_size);
	if (w->reason[0])
		cJSON_AddStringToObject(o, "reason", w->reason);
	if (w->region[0])
		cJSON_AddStringToObject(o, "region", w->region);
	add_linear_map(o, sp, w, hide);
	steps = cJSON_AddArrayToObject(o, "steps");
	for (unsigned i = 0; i < w->nsteps; i++) {
		const struct pt_walk_step *s = &w->steps[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddItemToArray(steps, x);
		cJSON_AddStringToObject(x, "level", arch_level_name(s->level));
		json_add_u64(x, "index", s->index);
		json_add_u64(x, "shift", s->shift);
		json_add_hex(x, "table_pa", phys(s->table_pa, hide));
		json_add_hex(x, "entry_pa", phys(s->entry_pa, hide));
		json_add_hex(x, "entry", phys(s->entry, hide));
		cJSON_AddStringToObject(x, "kind", pt_kind_name(s->kind));
		json_add_flags(x, "flags", s->flags);
		add_hw(x, s->nhw, s->hw, hide);
		if (s->size)
			json_add_hex(x, "size", s->size);
		if (!hide)
			add_step_fields(x, sp, s, arch_va_is_user(sp->arch,
			    w->va));
	}
}

cJSON *
json_range(const struct pt_range *x, bool hide)
{
	cJSON *y = cJSON_CreateObject();

	json_add_hex(y, "start", x->start);
	json_add_hex(y, "end", x->end);
	cJSON_AddStringToObject(y, "level", arch_level_name(x->level));
	json_add_u64(y, "pages", x->pages);
	json_add_flags(y, "flags", x->flags);
	add_tokens(y, "attrs", x->attrs);
	if (x->pa != PT_UNKNOWN)
		json_add_hex(y, "pa", phys(x->pa, hide));
	if (x->marker)
		cJSON_AddStringToObject(y, "marker", x->marker);
	return y;
}

/* {"ranges":[...]} into o. */
static void
add_ranges(cJSON *o, const struct pt_ranges *r, bool hide)
{
	cJSON *a = cJSON_AddArrayToObject(o, "ranges");

	for (size_t i = 0; i < r->n; i++)
		cJSON_AddItemToArray(a, json_range(&r->v[i], hide));
}

cJSON *
json_delta_ref(enum pt_level level, uint64_t va)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "level", arch_level_name(level));
	json_add_hex(c, "va", va);
	return c;
}

cJSON *
json_delta_change(enum pt_level level, uint64_t va, cJSON *node)
{
	cJSON *c = json_delta_ref(level, va);

	if (node)
		cJSON_AddItemToObject(c, "node", node);
	else
		cJSON_AddNullToObject(c, "node");
	return c;
}

/* A reply about one space's tables starts with its id, arch and
   generation. */
cJSON *
json_table_head(const char *id, const struct space *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "space", id);
	cJSON_AddStringToObject(o, "arch", s->arch->id);
	json_add_u64(o, "generation", s->generation);
	return o;
}

cJSON *
json_tree(const char *id, const struct space *s, const struct pt_node *n,
    bool hide)
{
	cJSON *o = json_table_head(id, s);

	cJSON_AddItemToObject(o, "node", json_node(n, hide));
	return o;
}

cJSON *
json_walk(const char *id, const struct space *s, const struct pt_walk *w,
    bool hide)
{
	cJSON *o = json_table_head(id, s);

	add_walk(o, s, w, hide);
	return o;
}

cJSON *
json_ranges(const char *id, const struct space *s, const struct pt_ranges *r,
    bool hide)
{
	cJSON *o = json_table_head(id, s);

	add_ranges(o, r, hide);
	return o;
}

cJSON *
json_op_result(const struct space_op_result *res, cJSON *forked)
{
	cJSON *o = cJSON_CreateObject();

	json_add_u64(o, "generation", res->generation);
	json_add_u64(o, "tables_allocated", res->tables_allocated);
	json_add_u64(o, "tables_freed", res->tables_freed);
	json_add_u64(o, "pages_allocated", res->pages_allocated);
	json_add_u64(o, "pages_freed", res->pages_freed);
	if (forked)
		cJSON_AddItemToObject(o, "forked", forked);
	return o;
}

static cJSON *
u64_array(const uint64_t *v, unsigned n)
{
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
	return a;
}

static cJSON *
double_array(const double *v, unsigned n)
{
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

/* "migrate_lower_bound": {"Movable": [9, 10]}: the orders whose count
   pagetypeinfo printed as ">100000" (only when there are some). */
static void
json_zone_lower_bounds(cJSON *o, const struct zone_state *z, unsigned orders)
{
	cJSON *lb = NULL;

	for (unsigned i = 0; i < z->nmigrate; i++) {
		cJSON *a;

		if (z->migrate[i].lower_bound == 0)
			continue;
		if (lb == NULL)
			lb = cJSON_AddObjectToObject(o, "migrate_lower_bound");
		a = cJSON_AddArrayToObject(lb, z->migrate[i].name);
		for (unsigned k = 0; k < orders; k++)
			if (z->migrate[i].lower_bound & (1u << k))
				cJSON_AddItemToArray(a, cJSON_CreateNumber(k));
	}
}

static cJSON *
json_zone(const struct zone_state *z, unsigned orders)
{
	cJSON *o = cJSON_CreateObject(), *w, *m;

	cJSON_AddStringToObject(o, "name", z->name);
	json_add_u64(o, "free_pages", z->free_pages);
	json_add_u64(o, "managed_pages", z->managed_pages);
	json_add_u64(o, "present_pages", z->present_pages);
	json_add_u64(o, "spanned_pages", z->spanned_pages);
	json_add_u64(o, "start_pfn", z->start_pfn);
	w = cJSON_AddObjectToObject(o, "watermarks");
	json_add_u64(w, "min", z->wmark_min);
	json_add_u64(w, "low", z->wmark_low);
	json_add_u64(w, "high", z->wmark_high);
	json_add_u64(w, "boost", z->wmark_boost);
	json_add_u64(o, "cma_pages", z->cma_pages);
	cJSON_AddItemToObject(o, "free_area", u64_array(z->free_area, orders));
	m = cJSON_AddObjectToObject(o, "migrate");
	for (unsigned i = 0; i < z->nmigrate; i++)
		cJSON_AddItemToObject(m, z->migrate[i].name,
		    u64_array(z->migrate[i].free, orders));
	json_zone_lower_bounds(o, z, orders);
	if (z->nmigrate) {
		cJSON *b = cJSON_AddObjectToObject(o, "pageblocks");

		for (unsigned i = 0; i < z->nmigrate; i++)
			json_add_u64(b, z->migrate[i].name,
			    z->migrate[i].blocks);
	}
	cJSON_AddItemToObject(o, "unusable_index",
	    double_array(z->unusable, orders));
	cJSON_AddItemToObject(o, "fragmentation_index",
	    double_array(z->frag_index, orders));
	return o;
}

cJSON *
json_zones(const struct zones_state *zs)
{
	cJSON *o = cJSON_CreateObject(), *nodes, *node = NULL, *zones = NULL;
	int cur = -1;

	cJSON_AddStringToObject(o, "source", zs->source);
	json_add_u64(o, "orders", zs->orders);
	if (zs->pageblock_order)
		json_add_u64(o, "pageblock_order", zs->pageblock_order);
	cJSON_AddBoolToObject(o, "migrate_types", zs->has_migrate);
	if (zs->note[0])
		cJSON_AddStringToObject(o, "note", zs->note);
	nodes = cJSON_AddArrayToObject(o, "nodes");
	for (size_t i = 0; i < zs->nzones; i++) {
		const struct zone_state *z = &zs->zones[i];

		if (node == NULL || z->node != cur) {
			node = cJSON_CreateObject();
			cJSON_AddItemToArray(nodes, node);
			json_add_u64(node, "node", (uint64_t)z->node);
			zones = cJSON_AddArrayToObject(node, "zones");
			cur = z->node;
		}
		cJSON_AddItemToArray(zones, json_zone(z, zs->orders));
	}
	return o;
}

/* One zone of a zones-history sample: blocks and pages per order. */
static cJSON *
json_zring_zone(const struct zring_zone *z, unsigned orders)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *blocks = cJSON_AddArrayToObject(o, "free_area");
	cJSON *pages = cJSON_AddArrayToObject(o, "free_pages_by_order");
	uint64_t total = 0;

	json_add_u64(o, "node", (uint64_t)z->node);
	cJSON_AddStringToObject(o, "zone", z->name);
	for (unsigned k = 0; k < orders; k++) {
		cJSON_AddItemToArray(blocks,
		    cJSON_CreateNumber((double)z->free_area[k]));
		cJSON_AddItemToArray(pages,
		    cJSON_CreateNumber((double)(z->free_area[k] << k)));
		total += z->free_area[k] << k;
	}
	json_add_u64(o, "free_pages", total);
	return o;
}

cJSON *
json_zones_history(const struct zones_history *h)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char when[64];

	cJSON_AddStringToObject(o, "source", h->source[0] ? h->source : "live");
	json_add_u64(o, "interval_ms", h->interval_ms);
	json_add_u64(o, "capacity", h->capacity);
	json_add_u64(o, "first_seq", h->first_seq);
	json_add_u64(o, "last_seq", h->last_seq);
	if (h->capacity == 0)
		cJSON_AddStringToObject(o, "note",
		    "the zones sampler is off (--zones-history 0)");
	else if (h->note[0])
		cJSON_AddStringToObject(o, "note", h->note);
	a = cJSON_AddArrayToObject(o, "samples");
	for (size_t i = 0; i < h->n; i++) {
		const struct zring_sample *s = &h->samples[i];
		cJSON *x = cJSON_CreateObject(), *zs;

		cJSON_AddItemToArray(a, x);
		json_add_u64(x, "seq", s->seq);
		json_iso_time(s->time_ms, when, sizeof when);
		cJSON_AddStringToObject(x, "time", when);
		json_add_u64(x, "orders", s->orders);
		zs = cJSON_AddArrayToObject(x, "zones");
		for (unsigned j = 0; j < s->nzones; j++)
			cJSON_AddItemToArray(zs,
			    json_zring_zone(&s->zones[j], s->orders));
	}
	return o;
}

/* Set path "a.b.c" in o, creating objects on the way; returns the parent
   object and the last key. */
static cJSON *
dotted_parent(cJSON *o, const char *key, const char **last)
{
	char part[40];
	const char *dot;

	while ((dot = strchr(key, '.')) != NULL) {
		size_t n = (size_t)(dot - key);
		cJSON *c;

		if (n >= sizeof part)
			n = sizeof part - 1;
		memcpy(part, key, n);
		part[n] = '\0';
		c = cJSON_GetObjectItemCaseSensitive(o, part);
		if (!cJSON_IsObject(c)) {
			cJSON_DeleteItemFromObjectCaseSensitive(o, part);
			c = cJSON_AddObjectToObject(o, part);
		}
		o = c;
		key = dot + 1;
	}
	*last = key;
	return o;
}

static void
add_info(cJSON *o, const struct space_info *si)
{
	for (unsigned i = 0; i < si->n; i++) {
		const struct info_field *f = &si->f[i];
		const char *k;
		cJSON *p = dotted_parent(o, f->key, &k);

		cJSON_DeleteItemFromObjectCaseSensitive(p, k);
		switch (f->type) {
		case INFO_STR:	cJSON_AddStringToObject(p, k, f->s); break;
		case INFO_U64:	json_add_u64(p, k, f->u); break;
		case INFO_HEX:	json_add_hex(p, k, f->u); break;
		case INFO_BOOL:	cJSON_AddBoolToObject(p, k, f->u != 0); break;
		case INFO_NULL:	cJSON_AddNullToObject(p, k); break;
		}
	}
}

cJSON *
json_space(const struct entry *e)
{
	const struct space *s = e->space;
	cJSON *o = cJSON_CreateObject();
	struct space_info si = { 0 };

	cJSON_AddStringToObject(o, "id", e->id);
	cJSON_AddStringToObject(o, "kind", s->ops->kind);
	cJSON_AddStringToObject(o, "arch", s->arch->id);
	cJSON_AddStringToObject(o, "label", s->label);
	json_add_u64(o, "generation", s->generation);
	cJSON_AddBoolToObject(o, "live", s->live);
	if (e->gone)
		cJSON_AddBoolToObject(o, "exited", true);
	if (s->ops->info)
		s->ops->info((struct space *)s, &si);
	add_info(o, &si);
	return o;
}

cJSON *
json_spaces(struct entry *const *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "spaces");

	for (size_t i = 0; i < n; i++) {
		entry_lock(v[i]);
		cJSON_AddItemToArray(a, json_space(v[i]));
		entry_unlock(v[i]);
	}
	return o;
}

cJSON *
json_error(const struct pts_err *err)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *e = cJSON_AddObjectToObject(o, "error");

	cJSON_AddStringToObject(e, "code", err->id[0] ? err->id :
	    pts_code_id(err->code));
	cJSON_AddStringToObject(e, "message", err->msg[0] ? err->msg :
	    "something went wrong");
	return o;
}

char *
json_print(const cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s == NULL) {
		fputs("ptscope: fatal: out of memory printing JSON\n", stderr);
		abort();
	}
	return s;
}

/* Counts per existing level of a: {"pgd":N,...}. */
static void
json_add_level_counts(cJSON *o, const char *key, const struct arch *a,
    const uint64_t *per_li)
{
	cJSON *t = cJSON_AddObjectToObject(o, key);

	for (unsigned li = 0; li < a->nlevels; li++)
		json_add_u64(t, a->levels[li].name, per_li[li]);
}

/* One region with its cost. */
static cJSON *
json_region(const struct region *r)
{
	cJSON *o = cJSON_CreateObject();

	json_add_hex(o, "start", r->start);
	json_add_hex(o, "end", r->end);
	cJSON_AddStringToObject(o, "name", r->name);
	if (r->perms[0]) {
		cJSON_AddStringToObject(o, "perms", r->perms);
		json_add_hex(o, "offset", r->offset);
	}
	json_add_u64(o, "present_pages", r->present_pages);
	json_add_u64(o, "swapped_pages", r->swapped_pages);
	if (r->page_size)
		json_add_u64(o, "page_size", r->page_size);
	json_add_u64(o, "rss_kb", r->rss_bytes / 1024);
	json_add_u64(o, "anon_kb", r->anon_bytes / 1024);
	json_add_u64(o, "file_kb", r->file_bytes / 1024);
	json_add_u64(o, "swap_kb", r->swap_bytes / 1024);
	json_add_u64(o, "thp_kb", r->thp_bytes / 1024);
	json_add_u64(o, "hugetlb_kb", r->hugetlb_bytes / 1024);
	json_add_u64(o, "table_pages", r->table_pages);
	json_add_u64(o, "deposited_tables", r->deposited_tables);
	return o;
}

cJSON *
json_regions(const char *id, const struct space *s, const struct regions *rs)
{
	cJSON *o = json_table_head(id, s);
	cJSON *a = cJSON_AddArrayToObject(o, "regions");
	uint64_t charged = 0;

	for (size_t i = 0; i < rs->n; i++) {
		cJSON_AddItemToArray(a, json_region(&rs->v[i]));
		charged += rs->v[i].table_pages;
	}
	json_add_level_counts(o, "tables", rs->arch, rs->tables);
	json_add_u64(o, "charged_table_pages", charged);
	json_add_u64(o, "deposited_tables", rs->deposited);
	return o;
}

static cJSON *
json_whatif(const struct whatif_config *c, const struct whatif_result *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "arch", c->arch->id);
	cJSON_AddStringToObject(o, "thp", whatif_thp_name(c->thp));
	json_add_u64(o, "page_size", c->page_size);
	json_add_level_counts(o, "tables", c->arch, r->tables);
	json_add_u64(o, "table_pages", r->table_pages);
	json_add_u64(o, "table_bytes", r->table_bytes);
	json_add_u64(o, "deposited_tables", r->deposited);
	json_add_u64(o, "vm_pte_bytes", r->vm_pte_bytes);
	json_add_u64(o, "present_bytes", r->present_bytes);
	json_add_u64(o, "blocks", r->blocks);
	json_add_u64(o, "thp_blocks", r->thp_blocks);
	json_add_u64(o, "unplaced_pages", r->unplaced_pages);
	return o;
}

cJSON *
json_cost(const char *id, const struct space *s,
    const struct whatif_config *c, const struct whatif_result *r,
    const struct whatif_config *cur, const struct whatif_result *rcur)
{
	cJSON *o = json_whatif(c, r);

	cJSON_AddStringToObject(o, "space", id);
	cJSON_AddStringToObject(o, "source_arch", s->arch->id);
	json_add_u64(o, "generation", s->generation);
	cJSON_AddItemToObject(o, "current", json_whatif(cur, rcur));
	return o;
}

/* n kB as bytes, or null when the kernel does not report it. */
static void
json_add_kb_bytes(cJSON *o, const char *key, bool has, uint64_t kb)
{
	if (has)
		json_add_u64(o, key, kb * 1024);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *
json_machine(const struct machine_tables *m, const struct proc_entry *top,
    size_t ntop)
{
	cJSON *o = cJSON_CreateObject(), *t;

	json_add_kb_bytes(o, "page_tables_bytes", m->has_page_tables,
	    m->page_tables_kb);
	json_add_kb_bytes(o, "sec_page_tables_bytes", m->has_sec,
	    m->sec_page_tables_kb);
	json_add_u64(o, "vm_pte_sum_bytes", m->vm_pte_sum_kb * 1024);
	json_add_u64(o, "rss_sum_bytes", m->rss_sum_kb * 1024);
	json_add_u64(o, "processes", m->processes);
	t = json_processes(top, ntop);
	cJSON_AddItemToObject(o, "top", cJSON_DetachItemFromObject(t,
	    "processes"));
	cJSON_Delete(t);
	return o;
}

void
json_iso_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char day[40];

	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", day, (int)(ms % 1000));
}

cJSON *
json_history_head(const char *id, uint64_t generation)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "space", id);
	json_add_u64(o, "generation", generation);
	return o;
}

cJSON *
json_history_gen(const struct hgen *g)
{
	cJSON *x = cJSON_CreateObject();
	char when[64];

	json_add_u64(x, "generation", g->generation);
	json_iso_time(g->time_ms, when, sizeof when);
	cJSON_AddStringToObject(x, "time", when);
	json_add_u64(x, "changes", g->changes);
	cJSON_AddBoolToObject(x, "kept", g->kept);
	if (g->caption)
		cJSON_AddStringToObject(x, "caption", g->caption);
	else
		cJSON_AddNullToObject(x, "caption");
	return x;
}

/* The members after the generations list. */
static void
history_tail_fill(cJSON *o, const struct history *h)
{
	json_add_u64(o, "dropped", h->dropped);
	json_add_u64(o, "bytes", history_bytes(h));
}

cJSON *
json_history_tail(const struct history *h)
{
	cJSON *o = cJSON_CreateObject();

	history_tail_fill(o, h);
	return o;
}

cJSON *
json_history(const char *id, uint64_t generation, const struct history *h)
{
	cJSON *o = json_history_head(id, generation);
	cJSON *a = cJSON_AddArrayToObject(o, "generations");

	for (size_t i = 0; i < h->ngens; i++)
		cJSON_AddItemToArray(a, json_history_gen(&h->gens[i]));
	history_tail_fill(o, h);
	return o;
}

static cJSON *
diff_side(const struct hdiff_side *s, bool hide)
{
	cJSON *o;

	if (!s->present)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", pt_kind_name(s->kind));
	json_add_flags(o, "flags", s->flags);
	if (s->pa != PT_UNKNOWN)
		json_add_hex(o, "pa", phys(s->pa, hide));
	return o;
}

cJSON *
json_diff_unread(const struct hdiff_unread *u)
{
	cJSON *x = cJSON_CreateObject();

	cJSON_AddStringToObject(x, "level", arch_level_name(u->level));
	json_add_hex(x, "va", u->va);
	json_add_hex(x, "end", u->va + u->span);
	return x;
}

cJSON *
json_diff_change(const struct hdiff_change *c, bool hide)
{
	cJSON *x = cJSON_CreateObject();

	json_add_hex(x, "va", c->va);
	json_add_hex(x, "end", c->end);
	cJSON_AddStringToObject(x, "level", arch_level_name(c->level));
	json_add_u64(x, "entries", c->entries);
	json_add_u64(x, "pages", c->pages);
	cJSON_AddItemToObject(x, "before", diff_side(&c->before, hide));
	cJSON_AddItemToObject(x, "after", diff_side(&c->after, hide));
	return x;
}

cJSON *
json_diff_table(const struct hdiff_table *t)
{
	cJSON *x = cJSON_CreateObject();

	cJSON_AddStringToObject(x, "level", arch_level_name(t->level));
	json_add_hex(x, "va", t->va);
	cJSON_AddStringToObject(x, "change", t->added ? "added" : "freed");
	return x;
}

/* The diff's first members: space, from, to. */
static void
diff_head_fill(cJSON *o, const char *id, uint64_t from, uint64_t to)
{
	cJSON_AddStringToObject(o, "space", id);
	json_add_u64(o, "from", from);
	json_add_u64(o, "to", to);
}

cJSON *
json_diff_head(const char *id, uint64_t from, uint64_t to)
{
	cJSON *o = cJSON_CreateObject();

	diff_head_fill(o, id, from, to);
	return o;
}

/* The counts of the diff's "tables" (before its list). */
static void
diff_tables_fill(cJSON *t, const struct hdiff *d)
{
	json_add_u64(t, "added", d->tables_added);
	json_add_u64(t, "freed", d->tables_freed);
}

cJSON *
json_diff_tables_head(const struct hdiff *d)
{
	cJSON *t = cJSON_CreateObject();

	diff_tables_fill(t, d);
	return t;
}

/* The members of a diff answer (GET .../diff, the WebSocket "diff"). */
static void
diff_fill(cJSON *o, const char *id, uint64_t from, uint64_t to,
    const struct hdiff *d, bool hide)
{
	cJSON *a, *t;

	diff_head_fill(o, id, from, to);
	a = cJSON_AddArrayToObject(o, "changes");
	for (size_t i = 0; i < d->n; i++)
		cJSON_AddItemToArray(a, json_diff_change(&d->v[i], hide));
	t = cJSON_AddObjectToObject(o, "tables");
	diff_tables_fill(t, d);
	a = cJSON_AddArrayToObject(t, "list");
	for (size_t i = 0; i < d->nt; i++)
		cJSON_AddItemToArray(a, json_diff_table(&d->t[i]));
	if (d->partial) {
		/* a lazy space's diff: the tables one side had not read */
		a = cJSON_AddArrayToObject(o, "not_read");
		for (size_t i = 0; i < d->nu; i++)
			cJSON_AddItemToArray(a, json_diff_unread(&d->u[i]));
	}
}

cJSON *
json_diff(const char *id, uint64_t from, uint64_t to, const struct hdiff *d,
    bool hide)
{
	cJSON *o = cJSON_CreateObject();

	diff_fill(o, id, from, to, d, hide);
	return o;
}

cJSON *
json_ws_diff(const char *id, uint64_t from, const struct hgen *to,
    uint64_t oldest, const struct hdiff *d, bool hide, bool resync)
{
	cJSON *o = cJSON_CreateObject();
	char when[64];

	cJSON_AddStringToObject(o, "type", "diff");
	diff_fill(o, id, from, to->generation, d, hide);
	json_add_u64(o, "generation", to->generation);
	json_iso_time(to->time_ms, when, sizeof when);
	cJSON_AddStringToObject(o, "time", when);
	if (to->caption)
		cJSON_AddStringToObject(o, "caption", to->caption);
	else
		cJSON_AddNullToObject(o, "caption");
	json_add_u64(o, "oldest", oldest);
	if (resync)
		cJSON_AddTrueToObject(o, "resync");
	return o;
}

void
json_set_generation(cJSON *o, uint64_t g)
{
	cJSON_ReplaceItemInObjectCaseSensitive(o, "generation",
	    cJSON_CreateNumber((double)g));
}

/* ---- compare ---------------------------------------------------------- */

static cJSON *
kfacts_json(const struct arch *a, const struct kfacts *f)
{
	cJSON *o = cJSON_CreateObject(), *lm, *lb, *arr;

	lm = cJSON_AddObjectToObject(o, "linear_map");
	json_add_hex(lm, "va", f->linear_va);
	json_add_hex(lm, "pa", f->linear_pa);
	json_add_hex(lm, "bytes", f->linear_bytes);
	lb = cJSON_AddObjectToObject(lm, "level_bytes");
	for (unsigned li = 0; li < a->nlevels; li++)
		json_add_hex(lb, arch_level_name(a->levels[li].level),
		    f->level_bytes[a->levels[li].level]);
	arr = cJSON_AddArrayToObject(o, "region_bases");
	for (unsigned i = 0; i < f->nslots; i++) {
		char va[24];

		snprintf(va, sizeof va, "0x%" PRIx64, f->slot_va[i]);
		cJSON_AddItemToArray(arr, cJSON_CreateString(va));
	}
	arr = cJSON_AddArrayToObject(o, "leaf_flags");
	for (unsigned i = 0; i < f->nsets; i++) {
		cJSON *x = cJSON_CreateObject();

		json_add_flags(x, "flags", f->set[i].flags);
		json_add_hex(x, "bytes", f->set[i].bytes);
		cJSON_AddItemToArray(arr, x);
	}
	arr = cJSON_AddArrayToObject(o, "walk");
	for (unsigned i = 0; i < f->walk.nsteps; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "level",
		    arch_level_name(f->walk.steps[i].level));
		json_add_hex(x, "entry", f->walk.steps[i].entry);
		json_add_hex(x, "bits", f->bits[i]);
		cJSON_AddItemToArray(arr, x);
	}
	return o;
}

cJSON *
json_compare(const char *id, const struct arch *a, unsigned ram_mb,
    const struct kfacts *g, const struct kfacts *s, const struct kdiffs *d)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "space", id);
	cJSON_AddStringToObject(o, "with", "sim");
	cJSON_AddStringToObject(o, "arch", a->id);
	cJSON_AddStringToObject(o, "scenario", "kernel");
	json_add_u64(o, "ram_mb", ram_mb);
	cJSON_AddItemToObject(o, "guest", kfacts_json(a, g));
	cJSON_AddItemToObject(o, "sim", kfacts_json(a, s));
	arr = cJSON_AddArrayToObject(o, "differences");
	for (unsigned i = 0; i < d->n; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "what", d->d[i].what);
		cJSON_AddStringToObject(x, "guest", d->d[i].guest);
		cJSON_AddStringToObject(x, "sim", d->d[i].sim);
		if (d->d[i].why[0])
			cJSON_AddStringToObject(x, "why", d->d[i].why);
		else
			cJSON_AddNullToObject(x, "why");
		cJSON_AddItemToArray(arr, x);
	}
	return o;
}
