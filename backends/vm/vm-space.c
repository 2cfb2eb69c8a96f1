/* SPDX-License-Identifier: MIT */
/*
 * vm-space.c: a QEMU guest's page tables as a space.  A refresh stops the
 * guest, reads the paging registers and every table reachable from the
 * roots (guest-physical reads over the gdbstub), lets the guest run again
 * and keeps that snapshot; trees, walks and ranges are answered from it.
 */
#include "config.h"
#include "vm.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desc.h"
#include "gdbrsp.h"
#include "qmp.h"
#include "vm-regs.h"
#include "xalloc.h"

#define VM_TIMEOUT_MS	5000
#define VM_MAX_TABLES	65536	/* a bound against corrupt or cyclic tables */

struct vm_table {
	unsigned li;
	bool kernel;		/* the half whose VAs it maps */
	uint64_t pa, lin;	/* table address; first linear VA it spans */
	uint64_t *e;		/* entries as read */
	struct vm_table **kid;	/* NULL or a child per entry */
	uint32_t *deny;		/* DESC_DENY_* of the tables above, per entry */
	struct pt_stats st;
};

struct vm_snap {
	struct vm_regs regs;
	struct vm_table *root[2];
	unsigned ntables;
	uint64_t hash;
};

struct vm_space {
	struct space base;
	struct gdbrsp *g;
	struct qmp *q;
	struct vm_regmap map;
	enum desc_family fam;
	struct vm_snap snap;
	double read_ms;
	char gdb_addr[80], qmp_addr[120];
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
table_free(struct vm_table *t)
{
	free(t->e);
	free(t->kid);
	free(t->deny);
	free(t);
}

static void
tree_free(struct vm_table *t, unsigned entries_of_li[])
{
	if (t == NULL)
		return;
	if (t->kid)
		for (unsigned i = 0; i < entries_of_li[t->li]; i++)
			tree_free(t->kid[i], entries_of_li);
	table_free(t);
}

static void
snap_release(struct vm_space *vs, struct vm_snap *s)
{
	unsigned ent[PT_NLEVELS];
	const struct arch *a = s->regs.arch ? s->regs.arch : vs->base.arch;

	for (unsigned li = 0; a && li < a->nlevels; li++)
		ent[li] = a->levels[li].entries;
	for (int r = 0; r < 2; r++)
		if (s->root[r] && !(r == 1 && s->root[1] == s->root[0]))
			tree_free(s->root[r], ent);
	memset(s, 0, sizeof *s);
}

/* What entry e of a table at li is: table, leaf (block/page) or none. */
static enum pt_kind
entry_kind(enum desc_family f, const struct arch *a, unsigned li, uint64_t e)
{
	bool last = li + 1 == a->nlevels;
	bool can_block = a->levels[li].block_size != 0;

	switch (f) {
	case DF_X86_64:
		if (!(e & 1))
			return PT_KIND_NONE;
		if (last)
			return PT_KIND_PAGE;
		return (can_block && (e & 0x80)) ? PT_KIND_BLOCK :
		    PT_KIND_TABLE;
	case DF_RISCV:
		if (!(e & 1))
			return PT_KIND_NONE;
		if (e & 0xe)		/* R, W or X: a leaf */
			return last ? PT_KIND_PAGE : PT_KIND_BLOCK;
		return last ? PT_KIND_NONE : PT_KIND_TABLE;
	default:			/* arm64 */
		if ((e & 3) == 3)
			return last ? PT_KIND_PAGE : PT_KIND_TABLE;
		if ((e & 3) == 1 && !last && can_block)
			return PT_KIND_BLOCK;
		return PT_KIND_NONE;
	}
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Read the table at pa (level li) and everything under it. */
static int
read_table(struct vm_space *vs, struct vm_snap *s, uint64_t pa, unsigned li,
    uint64_t lin, bool kernel, uint32_t deny, struct vm_table **out,
    struct pts_err *err)
{
	const struct arch *a = s->regs.arch;
	const struct arch_level *al = &a->levels[li];
	struct vm_table *t;
	int r;

	if (++s->ntables > VM_MAX_TABLES)
		return pts_errf(err, PTS_EIO, "too_many_tables",
		    "The guest's tables reach more than %u tables; they are "
		    "corrupt or the registers were read mid-switch.",
		    VM_MAX_TABLES);
	t = xcalloc(1, sizeof *t);
	t->li = li;
	t->pa = pa;
	t->lin = lin;
	t->kernel = kernel;
	t->e = xcalloc(al->entries, sizeof *t->e);
	*out = t;
	if ((r = gdbrsp_read_mem(vs->g, pa, t->e,
	    (size_t)al->entries * 8, err)) < 0)
		return r;
	s->hash = fnv(s->hash, &pa, sizeof pa);
	s->hash = fnv(s->hash, t->e, (size_t)al->entries * 8);
	t->st.tables = 1;
	for (unsigned i = 0; i < al->entries; i++) {
		uint64_t e = t->e[i], clin = lin + ((uint64_t)i << al->shift);
		enum pt_kind k = entry_kind(vs->fam, a, li, e);

		if (k == PT_KIND_NONE)
			continue;
		if (k != PT_KIND_TABLE) {
			t->st.present_pages += (UINT64_C(1) << al->shift) >>
			    a->page_shift;
			if (k == PT_KIND_BLOCK)
				t->st.blocks++;
			continue;
		}
		if (t->kid == NULL) {
			t->kid = xcalloc(al->entries, sizeof *t->kid);
			t->deny = xcalloc(al->entries, sizeof *t->deny);
		}
		t->deny[i] = deny | desc_table_denies(vs->fam, e);
		r = read_table(vs, s, desc_table_pa(vs->fam, e, a->page_shift),
		    li + 1, clin, kernel, t->deny[i], &t->kid[i], err);
		if (r < 0)
			return r;
		t->st.present_pages += t->kid[i]->st.present_pages;
		t->st.tables += t->kid[i]->st.tables;
		t->st.blocks += t->kid[i]->st.blocks;
	}
	return 0;
}

/* Stop the guest, read registers and tables, let it run. */
static int
snap_read(struct vm_space *vs, struct vm_snap *s, struct pts_err *err)
{
	int r, rc;
	struct pts_err cerr;

	memset(s, 0, sizeof *s);
	s->hash = UINT64_C(0xcbf29ce484222325);
	if ((r = gdbrsp_stop(vs->g, err)) < 0)
		return r;
	r = vm_regs_read(vs->g, vs->q, &vs->map, &s->regs, err);
	if (r == 0 && vs->base.arch == NULL)
		vs->fam = desc_family_of(s->regs.arch);
	if (r == 0 && vs->base.arch && s->regs.arch != vs->base.arch)
		r = pts_errf(err, PTS_EIO, "vm_changed",
		    "The guest's paging mode changed (%s, was %s).",
		    s->regs.arch->id, vs->base.arch->id);
	if (r == 0)
		r = read_table(vs, s, s->regs.root_pa[0], 0, 0, false, 0,
		    &s->root[0], err);
	if (r == 0 && s->regs.arch->split_roots)
		r = read_table(vs, s, s->regs.root_pa[1], 0, 0, true, 0,
		    &s->root[1], err);
	else if (r == 0)
		s->root[1] = s->root[0];
	/* never leave the guest stopped, whatever happened */
	rc = gdbrsp_cont(vs->g, r < 0 ? &cerr : err);
	if (r == 0)
		r = rc;
	if (r < 0)
		snap_release(vs, s);
	return r;
}

/* ---- views ------------------------------------------------------------- */

static uint64_t
t_va(const struct vm_space *vs, const struct vm_table *t, uint64_t lin)
{
	return arch_lin_to_va(vs->base.arch, lin, t->kernel);
}

static unsigned
t_index(const struct vm_space *vs, const struct vm_table *t, uint64_t lin)
{
	const struct arch_level *al = &vs->base.arch->levels[t->li];

	return (unsigned)((lin >> al->shift) & (al->entries - 1));
}

static struct vm_table *
root_of(const struct vm_space *vs, uint64_t va)
{
	const struct arch *a = vs->base.arch;

	return a->split_roots && arch_va_is_kernel(a, va) ?
	    vs->snap.root[1] : vs->snap.root[0];
}

/* Effective flags of leaf i of t (the tables' denials applied). */
static uint32_t
leaf_flags(const struct vm_space *vs, const struct vm_table *t, unsigned i,
    uint32_t deny, char *attrs, size_t n)
{
	bool block = t->li + 1 < vs->base.arch->nlevels;

	return desc_apply_denies(desc_decode_flags(vs->fam, block, t->e[i], 0,
	    attrs, n), deny);
}

static uint64_t
leaf_pa(const struct vm_space *vs, const struct vm_table *t, unsigned i)
{
	const struct arch *a = vs->base.arch;
	bool block = t->li + 1 < a->nlevels;

	uint64_t pa = desc_leaf_pa(vs->fam, block, t->e[i], 0, a->page_shift);

	/* Svnapot: the codec gives the run's first page; entry i of a 64 KiB
	   run maps the page at its own offset in the run */
	if (vs->fam == DF_RISCV && (t->e[i] >> 63))
		pa |= (uint64_t)(i & 15) << a->page_shift;
	return pa;
}

static struct pt_node *node_build(const struct vm_space *,
    const struct vm_table *, uint32_t deny, unsigned depth);

static void
children(const struct vm_space *vs, const struct vm_table *t, uint32_t deny,
    struct pt_node *n, unsigned depth)
{
	const struct arch *a = vs->base.arch;
	const struct arch_level *al = &a->levels[t->li];

	for (unsigned i = 0; i < al->entries; i++) {
		enum pt_kind k = entry_kind(vs->fam, a, t->li, t->e[i]);
		struct pt_child *c;
		char attrs[64];

		if (k == PT_KIND_NONE)
			continue;
		c = pt_node_add_child(n);
		c->index = i;
		c->va = t_va(vs, t, t->lin + ((uint64_t)i << al->shift));
		c->entry = t->e[i];
		c->entry_pa = t->pa + (uint64_t)i * 8;
		c->kind = k;
		if (k == PT_KIND_TABLE) {
			c->flags = PTF_PRESENT;
			c->table = node_build(vs, t->kid[i], t->deny[i],
			    depth - 1);
			continue;
		}
		c->flags = leaf_flags(vs, t, i, deny, attrs, sizeof attrs);
		c->attrs = attrs[0] ? xstrdup(attrs) : NULL;
		c->size = UINT64_C(1) << al->shift;
		c->pa = leaf_pa(vs, t, i);
	}
}

static struct pt_node *
node_build(const struct vm_space *vs, const struct vm_table *t,
    uint32_t deny, unsigned depth)
{
	const struct arch_level *al = &vs->base.arch->levels[t->li];
	struct pt_node *n = pt_node_new(al->level, t_va(vs, t, t->lin),
	    (uint64_t)al->entries << al->shift, al->entries);

	n->table_pa = t->pa;
	n->stats = t->st;
	if (depth == 0)
		return n;
	n->expanded = true;
	children(vs, t, deny, n, depth);
	return n;
}

static int
vm_tree(struct space *s, enum pt_level level, uint64_t va, unsigned depth,
    struct pt_node **out, struct pts_err *err)
{
	struct vm_space *vs = (struct vm_space *)s;
	const struct arch *a = s->arch;
	int li = (unsigned)level < PT_NLEVELS ? arch_level_pos(a, level) : -1;
	const struct vm_table *t;
	uint32_t deny = 0;
	uint64_t lin;
	int rc;

	if (li < 0)
		return pts_errf(err, PTS_EINVAL, "bad_level",
		    "The level '%s' does not exist on %s (folded or unknown).",
		    (unsigned)level < PT_NLEVELS ? arch_level_name(level) : "?",
		    a->id);
	if ((rc = arch_check_va(a, va, err)) != 0)
		return rc;
	t = root_of(vs, va);
	lin = arch_va_to_lin(a, va);
	while ((int)t->li < li) {
		unsigned i = t_index(vs, t, lin);

		if (t->kid == NULL || t->kid[i] == NULL)
			return pts_errf(err, PTS_ENOENT, "no_such_table",
			    "No %s table covers 0x%" PRIx64 ": %s entry %u "
			    "is %s.", arch_level_name(level), va,
			    a->levels[t->li].name, i,
			    entry_kind(vs->fam, a, t->li, t->e[i]) ==
			    PT_KIND_NONE ? "empty" : "a leaf (a block mapping)");
		deny = t->deny[i];
		t = t->kid[i];
	}
	*out = node_build(vs, t, deny, depth);
	return 0;
}

static int
vm_walk(struct space *s, uint64_t va, struct pt_walk *w, struct pts_err *err)
{
	struct vm_space *vs = (struct vm_space *)s;
	const struct arch *a = s->arch;
	const struct vm_table *t;
	uint32_t deny = 0;
	uint64_t lin;
	int rc;

	if ((rc = arch_check_va(a, va, err)) != 0)
		return rc;
	memset(w, 0, sizeof *w);
	w->va = va;
	w->pa = PT_UNKNOWN;
	t = root_of(vs, va);
	lin = arch_va_to_lin(a, va);
	for (;;) {
		const struct arch_level *al = &a->levels[t->li];
		struct pt_walk_step *st = &w->steps[w->nsteps++];
		unsigned i = t_index(vs, t, lin);
		enum pt_kind k = entry_kind(vs->fam, a, t->li, t->e[i]);

		st->level = al->level;
		st->shift = al->shift;
		st->index = i;
		st->table_pa = t->pa;
		st->entry_pa = t->pa + (uint64_t)i * 8;
		st->entry = t->e[i];
		st->kind = k;
		if (k == PT_KIND_TABLE) {
			st->flags = PTF_PRESENT;
			deny = t->deny[i];
			t = t->kid[i];
			continue;
		}
		if (k == PT_KIND_NONE) {
			snprintf(w->reason, sizeof w->reason, "%s entry %u is "
			    "%s: nothing is mapped at this address.", al->name,
			    i, t->e[i] ? "not valid" : "empty");
			return 0;
		}
		st->flags = leaf_flags(vs, t, i, deny, NULL, 0);
		st->size = UINT64_C(1) << al->shift;
		w->mapped = true;
		w->pa = leaf_pa(vs, t, i) + (lin & (st->size - 1));
		w->page_size = st->size;
		snprintf(w->reason, sizeof w->reason, "%s entry %u maps 0x%"
		    PRIx64 " bytes (%s).", al->name, i, st->size,
		    k == PT_KIND_PAGE ? "a page" : "a block");
		return 0;
	}
}

static void
ranges_add(const struct vm_space *vs, struct pt_ranges *out,
    const struct vm_table *t, unsigned i, uint32_t deny)
{
	const struct arch *a = vs->base.arch;
	const struct arch_level *al = &a->levels[t->li];
	uint64_t size = UINT64_C(1) << al->shift;
	uint64_t start = t_va(vs, t, t->lin + (uint64_t)i * size);
	struct pt_range *p = out->n ? &out->v[out->n - 1] : NULL;
	char attrs[64];
	uint32_t fl = leaf_flags(vs, t, i, deny, attrs, sizeof attrs);

	if (p && p->end == start && p->level == al->level && p->flags == fl &&
	    strcmp(p->attrs ? p->attrs : "", attrs) == 0) {
		p->end = start + size;
		p->pages += size >> a->page_shift;
		return;
	}
	p = pt_ranges_add(out, attrs[0] ? attrs : NULL);
	p->start = start;
	p->end = start + size;
	p->level = al->level;
	p->pages = size >> a->page_shift;
	p->flags = fl;
	p->pa = leaf_pa(vs, t, i);
}

static void
ranges_table(const struct vm_space *vs, struct pt_ranges *out,
    const struct vm_table *t, uint32_t deny)
{
	const struct arch *a = vs->base.arch;

	for (unsigned i = 0; i < a->levels[t->li].entries; i++) {
		enum pt_kind k = entry_kind(vs->fam, a, t->li, t->e[i]);

		if (k == PT_KIND_TABLE)
			ranges_table(vs, out, t->kid[i], t->deny[i]);
		else if (k != PT_KIND_NONE)
			ranges_add(vs, out, t, i, deny);
	}
}

static int
vm_ranges(struct space *s, struct pt_ranges *out, struct pts_err *err)
{
	struct vm_space *vs = (struct vm_space *)s;

	(void)err;
	memset(out, 0, sizeof *out);
	ranges_table(vs, out, vs->snap.root[0], 0);
	if (vs->snap.root[1] != vs->snap.root[0])
		ranges_table(vs, out, vs->snap.root[1], 0);
	return 0;
}

static int
vm_refresh(struct space *s, struct pts_err *err)
{
	struct vm_space *vs = (struct vm_space *)s;
	struct vm_snap n;
	double t0 = now_s();
	int r;

	if ((r = snap_read(vs, &n, err)) < 0) {
		/* a guest that went away is gone */
		if (err->id[0] && (!strcmp(err->id, "vm_disconnected") ||
		    !strcmp(err->id, "qmp_failed")))
			return pts_errf(err, PTS_EGONE, "vm_gone",
			    "The guest at %s has gone: %s", vs->gdb_addr,
			    err->msg);
		return r;
	}
	vs->read_ms = (now_s() - t0) * 1e3;
	if (n.hash == vs->snap.hash) {
		snap_release(vs, &n);
		return 0;
	}
	snap_release(vs, &vs->snap);
	vs->snap = n;
	s->generation++;
	return 0;
}

static void
vm_info(struct space *s, struct space_info *si)
{
	struct vm_space *vs = (struct vm_space *)s;
	char key[40];

	space_info_str(si, "gdb", "%s", vs->gdb_addr);
	if (vs->qmp_addr[0])
		space_info_str(si, "qmp", "%s", vs->qmp_addr);
	else
		space_info_null(si, "qmp");
	space_info_bool(si, "inferred", false);
	space_info_bool(si, "real_tables", true);
	space_info_u64(si, "tables", vs->snap.ntables);
	space_info_hex(si, "roots.user", vs->snap.regs.root_pa[0]);
	space_info_hex(si, "roots.kernel", vs->snap.regs.root_pa[1]);
	for (unsigned i = 0; i < vs->snap.regs.nregs; i++) {
		snprintf(key, sizeof key, "registers.%s",
		    vs->snap.regs.reg[i].name);
		space_info_hex(si, key, vs->snap.regs.reg[i].v);
	}
	space_info_u64(si, "read_us", (uint64_t)(vs->read_ms * 1000));
}

static void
vm_free(struct space *s)
{
	struct vm_space *vs = (struct vm_space *)s;

	snap_release(vs, &vs->snap);
	gdbrsp_close(vs->g);	/* resumes the guest if it is stopped */
	qmp_close(vs->q);
	free(vs);
}

static const struct space_ops vm_ops = {
	.kind = "vm",
	.tree = vm_tree,
	.walk = vm_walk,
	.ranges = vm_ranges,
	.regions = space_regions_by_ranges,
	.refresh = vm_refresh,
	.info = vm_info,
	.free = vm_free,
};

int
vm_space_new(const char *gdb, const char *qmp, struct space **out,
    struct pts_err *err)
{
	struct vm_space *vs = xcalloc(1, sizeof *vs);
	double t0;
	int r;

	vs->base.ops = &vm_ops;
	snprintf(vs->gdb_addr, sizeof vs->gdb_addr, "%s", gdb);
	if (qmp)
		snprintf(vs->qmp_addr, sizeof vs->qmp_addr, "%s", qmp);
	if ((r = gdbrsp_open(gdb, VM_TIMEOUT_MS, &vs->g, err)) < 0)
		goto fail;
	if (qmp && (r = qmp_open(qmp, VM_TIMEOUT_MS, &vs->q, err)) < 0)
		goto fail;
	if ((r = vm_regmap_probe(vs->g, &vs->map, err)) < 0 ||
	    (r = gdbrsp_phys_mode(vs->g, true, err)) < 0)
		goto fail;
	if ((r = gdbrsp_cont(vs->g, err)) < 0)	/* it stopped on connect */
		goto fail;
	/* the first read names the arch */
	t0 = now_s();
	if ((r = snap_read(vs, &vs->snap, err)) < 0)
		goto fail;
	vs->read_ms = (now_s() - t0) * 1e3;
	vs->base.arch = vs->snap.regs.arch;
	vs->base.generation = 1;
	snprintf(vs->base.label, sizeof vs->base.label, "%s guest at %s",
	    vs->base.arch->id, gdb);
	*out = &vs->base;
	return 0;
fail:
	vm_free(&vs->base);
	return r;
}
