/* SPDX-License-Identifier: MIT */
/*
 * vm-space.c: a QEMU guest's page tables as a space.
 *
 * Memory: guest RAM is read from QEMU's own process (/proc/QEMU_PID/mem,
 * vm-mem.h) when QEMU runs on this host and ptscope may read it: the guest
 * keeps running.  Otherwise through the gdbstub: the guest is stopped for
 * as long as one request's reads take and let run at the end of it.
 * Registers: x86's CR3 comes from the monitor (QMP), which does not stop
 * the guest; arm64's TTBRs and RISC-V's satp only from the gdbstub, which
 * needs a stop of a few register reads.
 * Tables are read lazily (vm-tables.h); a refresh re-reads the registers
 * and the tables read so far.
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
#include "hstate.h"
#include "qmp.h"
#include "vm-mem.h"
#include "vm-regs.h"
#include "vm-tables.h"
#include "xalloc.h"

#define VM_TIMEOUT_MS	5000

struct vm_space {
	struct space base;
	struct gdbrsp *g;
	struct qmp *q;
	struct vm_hostmem *hm;	/* NULL: memory through the gdbstub */
	struct vm_regmap map;
	struct vm_tables vt;
	struct vm_regs regs;
	struct vm_table *root[2];	/* [0] user half, [1] kernel half */
	bool stopped;		/* by us, now */
	bool lost;		/* the gdbstub connection failed */
	bool told_change;	/* this refresh called before_change */
	uint64_t stops, stopped_ns, stub_reads, host_reads;
	struct timespec stop_t0;
	double read_ms;
	char gdb_addr[80], qmp_addr[120];
	char mem_note[240];	/* why guest RAM is not read from the host */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- stopping the guest ---------------------------------------------------- */

static int
guest_stop(struct vm_space *vs, struct pts_err *err)
{
	int r;

	if (vs->stopped)
		return 0;
	if ((r = gdbrsp_stop(vs->g, err)) < 0) {
		vs->lost = true;
		return r;
	}
	vs->stopped = true;
	vs->stops++;
	clock_gettime(CLOCK_MONOTONIC, &vs->stop_t0);
	return 0;
}

/* Let the guest run: through the gdbstub, or, when that connection has
   failed, the monitor (QEMU's gdbstub does not resume a guest whose
   debugger went away). */
static void
guest_resume(struct vm_space *vs)
{
	struct timespec t;
	struct pts_err e;

	if (!vs->stopped)
		return;
	if (vs->lost || gdbrsp_cont(vs->g, &e) < 0) {
		vs->lost = true;
		if (vs->q)
			(void)qmp_execute(vs->q, "cont", &e);
	}
	vs->stopped = false;
	clock_gettime(CLOCK_MONOTONIC, &t);
	vs->stopped_ns += (uint64_t)((t.tv_sec - vs->stop_t0.tv_sec) *
	    1000000000LL + (t.tv_nsec - vs->stop_t0.tv_nsec));
}

/* The end of every op that may have read tables: the guest runs again,
   and the history learns whether more has been read (space.h). */
static void
op_done(struct vm_space *vs)
{
	guest_resume(vs);
	vs->base.read_serial = vs->vt.clock;
}

/* Guest-physical memory: from the host when mapped, else the gdbstub. */
static int
mem_read(void *ctx, uint64_t pa, void *buf, size_t n, struct pts_err *err)
{
	struct vm_space *vs = ctx;
	int gone = 0, r;

	if (vs->hm && vm_hostmem_read(vs->hm, pa, buf, n, &gone) == 0) {
		vs->host_reads++;
		return 0;
	}
	if (gone)
		return pts_errf(err, PTS_EIO, "vm_disconnected",
		    "QEMU (pid %d) has exited.", (int)vm_hostmem_pid(vs->hm));
	if (vs->lost)
		return pts_errf(err, PTS_EIO, "vm_disconnected",
		    "The gdbstub at %s is no longer connected.", vs->gdb_addr);
	if ((r = guest_stop(vs, err)) < 0)
		return r;
	vs->stub_reads++;
	if ((r = gdbrsp_read_mem(vs->g, pa, buf, n, err)) < 0 &&
	    !strcmp(err->id, "vm_disconnected"))
		vs->lost = true;
	return r;
}

/* The paging registers; x86's (QMP) without a stop. */
static int
regs_read(struct vm_space *vs, struct vm_regs *o, struct pts_err *err)
{
	int r;

	if (vs->map.cpu != VM_X86_64 && (r = guest_stop(vs, err)) < 0)
		return r;
	r = vm_regs_read(vs->g, vs->q, &vs->map, o, err);
	if (r < 0 && !strcmp(err->id, "vm_disconnected"))
		vs->lost = true;
	/* with guest RAM from the host, the stop ends with the registers */
	if (vs->hm)
		guest_resume(vs);
	return r;
}

static void
roots_free(struct vm_space *vs)
{
	if (vs->root[1] != vs->root[0])
		vm_table_free(&vs->vt, vs->root[1]);
	vm_table_free(&vs->vt, vs->root[0]);
	vs->root[0] = vs->root[1] = NULL;
}

/* A refresh is about to change what was read: the server's hook (the
   history takes the generation that ends) runs first. */
static void
tables_changing(void *ctx)
{
	struct vm_space *vs = ctx;

	if (vs->told_change)	/* once per refresh, before anything moved */
		return;
	vs->told_change = true;
	vs->base.read_serial = vs->vt.clock;
	if (vs->base.before_change)
		vs->base.before_change(vs->base.before_change_arg);
}

/* Half h at the root the registers name: kept and rechecked when its root
   is the same, else a new root keeping the tables under equal entries. */
static int
half_refresh(struct vm_space *vs, int h, bool *changed, struct pts_err *err)
{
	uint64_t pa = vs->regs.root_pa[h];
	int r;

	if (h == 1 && !vs->base.arch->split_roots) {
		vs->root[1] = vs->root[0];	/* one root for both halves */
		return 0;
	}
	if (vs->root[h]->pa == pa)
		return vm_table_recheck(&vs->vt, vs->root[h], changed, err);
	*changed = true;
	r = vm_table_reroot(&vs->vt, &vs->root[h], pa, err);
	if (!vs->base.arch->split_roots)
		vs->root[1] = vs->root[0];
	return r;
}

/* A read that found the guest gone: PTS_EGONE (404 vm_gone). */
static int
gone_or(struct vm_space *vs, int r, struct pts_err *err)
{
	char why[sizeof err->msg];

	if (r < 0 && (!strcmp(err->id, "vm_disconnected") ||
	    !strcmp(err->id, "qmp_failed"))) {
		memcpy(why, err->msg, sizeof why);
		return pts_errf(err, PTS_EGONE, "vm_gone",
		    "The guest at %.60s has gone: %.160s", vs->gdb_addr, why);
	}
	return r;
}

/* ---- views --------------------------------------------------------------- */

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
	    vs->root[1] : vs->root[0];
}

static enum pt_kind
kind_of(const struct vm_space *vs, const struct vm_table *t, unsigned i)
{
	return vm_entry_kind(vs->vt.fam, vs->base.arch, t->li, t->e[i]);
}

/* Effective flags of leaf i of t (the tables' denials applied). */
static uint32_t
leaf_flags(const struct vm_space *vs, const struct vm_table *t, unsigned i,
    char *attrs, size_t n)
{
	bool block = t->li + 1 < vs->base.arch->nlevels;

	return desc_apply_denies(desc_decode_flags(vs->vt.fam, block, t->e[i],
	    0, attrs, n), t->deny);
}

static uint64_t
leaf_pa(const struct vm_space *vs, const struct vm_table *t, unsigned i)
{
	const struct arch *a = vs->base.arch;
	bool block = t->li + 1 < a->nlevels;
	uint64_t pa = desc_leaf_pa(vs->vt.fam, block, t->e[i], 0,
	    a->page_shift);

	/* Svnapot: the codec gives the run's first page; entry i of a 64 KiB
	   run maps the page at its own offset in the run */
	if (vs->vt.fam == DF_RISCV && (t->e[i] >> 63))
		pa |= (uint64_t)(i & 15) << a->page_shift;
	return pa;
}

/* Child c of a node from entry i of t (kind k); a table's node is the
   caller's. */
static void
child_fill(const struct vm_space *vs, const struct vm_table *t, unsigned i,
    enum pt_kind k, struct pt_child *c)
{
	const struct arch_level *al = &vs->base.arch->levels[t->li];
	char attrs[64];

	c->index = i;
	c->va = t_va(vs, t, t->lin + ((uint64_t)i << al->shift));
	c->entry = t->e[i];
	c->entry_pa = t->pa + (uint64_t)i * 8;
	c->kind = k;
	if (k == PT_KIND_TABLE) {
		c->flags = PTF_PRESENT;
		return;
	}
	c->flags = leaf_flags(vs, t, i, attrs, sizeof attrs);
	c->attrs = attrs[0] ? xstrdup(attrs) : NULL;
	c->size = UINT64_C(1) << al->shift;
	c->pa = leaf_pa(vs, t, i);
}

/* A node of t to depth levels; t is full (every table below it read). */
static struct pt_node *
node_build(const struct vm_space *vs, const struct vm_table *t,
    unsigned depth)
{
	const struct arch *a = vs->base.arch;
	const struct arch_level *al = &a->levels[t->li];
	struct pt_node *n = pt_node_new(al->level, t_va(vs, t, t->lin),
	    (uint64_t)al->entries << al->shift, al->entries);

	n->table_pa = t->pa;
	n->stats = t->st;
	if (depth == 0)
		return n;
	n->expanded = true;
	for (unsigned i = 0; i < al->entries; i++) {
		enum pt_kind k = kind_of(vs, t, i);
		struct pt_child *c;

		if (k == PT_KIND_NONE)
			continue;
		child_fill(vs, t, i, k, c = pt_node_add_child(n));
		if (k == PT_KIND_TABLE)
			c->table = node_build(vs, t->kid[i], depth - 1);
	}
	return n;
}

/* The head of t as far as it has been read: counts not known (t not
   full) have tables 0. */
static struct pt_node *
head_read(const struct vm_space *vs, const struct vm_table *t)
{
	struct pt_node *n = node_build(vs, t, 0);

	if (!t->full)
		memset(&n->stats, 0, sizeof n->stats);
	return n;
}

/* The item of entry i of t (kind k): a table entry carries the head of
   its table, of 0 entries when it was not read. */
static struct hitem *
entry_item(const struct vm_space *vs, const struct vm_table *t, unsigned i,
    enum pt_kind k)
{
	const struct arch *a = vs->base.arch;
	const struct arch_level *al = &a->levels[t->li];
	struct pt_child c;
	struct hitem *it;

	memset(&c, 0, sizeof c);
	child_fill(vs, t, i, k, &c);
	if (k == PT_KIND_TABLE && t->kid && t->kid[i]) {
		c.table = head_read(vs, t->kid[i]);
	} else if (k == PT_KIND_TABLE) {
		c.table = pt_node_new(a->levels[t->li + 1].level, c.va,
		    UINT64_C(1) << al->shift, 0);
		c.table->table_pa = desc_table_pa(vs->vt.fam, t->e[i],
		    a->page_shift);
	}
	it = hstate_entry_item(al->level, &c);
	free(c.attrs);
	pt_node_free(c.table);
	return it;
}

/*
 * The entries of t and of the tables held below it into st.  A table
 * (not a root: its VAs are one run) whose view has not changed since prev
 * was taken (stamp <= prev_serial) gives prev's items, shared.
 */
static void
capture_table(const struct vm_space *vs, const struct vm_table *t,
    bool root, const struct hstate *prev, uint64_t prev_serial,
    struct hstate *st)
{
	const struct arch *a = vs->base.arch;
	const struct arch_level *al = &a->levels[t->li];
	struct hlist *out = &st->l[HL_ENTRIES + al->level];

	if (!root && prev && t->stamp <= prev_serial) {
		const struct hlist *l = &prev->l[HL_ENTRIES + al->level];
		uint64_t va = t_va(vs, t, t->lin);
		uint64_t end = va + ((uint64_t)al->entries << al->shift);

		for (size_t j = hlist_lower(l, va); j < l->n &&
		    (end == 0 || l->v[j]->key < end); j++)
			hlist_push(out, hitem_ref(l->v[j]));
	} else {
		for (unsigned i = 0; i < al->entries; i++) {
			enum pt_kind k = kind_of(vs, t, i);

			if (k != PT_KIND_NONE)
				hlist_push(out, entry_item(vs, t, i, k));
		}
	}
	for (unsigned i = 0; t->kid && i < al->entries; i++)
		if (t->kid[i])
			capture_table(vs, t->kid[i], false, prev, prev_serial,
			    st);
}

static int
vm_capture_read(struct space *s, uint64_t va, const struct hstate *prev,
    uint64_t prev_serial, struct hstate *st, struct pts_err *err)
{
	struct vm_space *vs = (struct vm_space *)s;
	const struct vm_table *t = root_of(vs, va);
	struct pt_node *n = head_read(vs, t);

	(void)err;	/* nothing is read */
	if (hstate_find(st, HL_ROOT, n->va) == NULL) {
		hlist_push(&st->l[HL_ROOT], hstate_root_item(n));
		capture_table(vs, t, true, prev, prev_serial, st);
	}
	pt_node_free(n);
	return 0;
}

/* The table of level li covering va, reading the path to it. */
static int
table_at(struct vm_space *vs, int li, uint64_t va, struct vm_table **out,
    struct pts_err *err)
{
	const struct arch *a = vs->base.arch;
	struct vm_table *t = root_of(vs, va);
	uint64_t lin = arch_va_to_lin(a, va);
	int r;

	while ((int)t->li < li) {
		unsigned i = t_index(vs, t, lin);
		enum pt_kind k = kind_of(vs, t, i);

		if (k != PT_KIND_TABLE)
			return pts_errf(err, PTS_ENOENT, "no_such_table",
			    "No %s table covers 0x%" PRIx64 ": %s entry %u "
			    "is %s.", a->levels[li].name, va,
			    a->levels[t->li].name, i, k == PT_KIND_NONE ?
			    "empty" : "a leaf (a block mapping)");
		if ((r = vm_table_kid(&vs->vt, t, i, &t, err)) < 0)
			return r;
	}
	*out = t;
	return 0;
}

static int
vm_tree(struct space *s, enum pt_level level, uint64_t va, unsigned depth,
    struct pt_node **out, struct pts_err *err)
{
	struct pts_err own;
	struct vm_space *vs = (struct vm_space *)s;
	const struct arch *a = s->arch;
	int li = (unsigned)level < PT_NLEVELS ? arch_level_pos(a, level) : -1;
	struct vm_table *t = NULL;
	int r;

	if (err == NULL)	/* callers may pass none; reads look at it */
		err = &own;

	if (li < 0)
		return pts_errf(err, PTS_EINVAL, "bad_level",
		    "The level '%s' does not exist on %s (folded or unknown).",
		    (unsigned)level < PT_NLEVELS ? arch_level_name(level) : "?",
		    a->id);
	if ((r = arch_check_va(a, va, err)) != 0)
		return r;
	/* the node's counts need every table below it */
	r = table_at(vs, li, va, &t, err);
	if (r == 0)
		r = vm_table_fill(&vs->vt, t, err);
	op_done(vs);
	if (r == 0)
		*out = node_build(vs, t, depth);
	return gone_or(vs, r, err);
}

/* One step of a walk at table t; *next is the table it leads to. */
static bool
walk_step(struct vm_space *vs, struct vm_table *t, uint64_t lin,
    struct pt_walk *w, unsigned *idx)
{
	const struct arch_level *al = &vs->base.arch->levels[t->li];
	struct pt_walk_step *st = &w->steps[w->nsteps++];
	unsigned i = t_index(vs, t, lin);
	enum pt_kind k = kind_of(vs, t, i);

	st->level = al->level;
	st->shift = al->shift;
	st->index = i;
	st->table_pa = t->pa;
	st->entry_pa = t->pa + (uint64_t)i * 8;
	st->entry = t->e[i];
	st->kind = k;
	*idx = i;
	if (k == PT_KIND_TABLE) {
		st->flags = PTF_PRESENT;
		return true;
	}
	if (k == PT_KIND_NONE) {
		snprintf(w->reason, sizeof w->reason, "%s entry %u is %s: "
		    "nothing is mapped at this address.", al->name, i,
		    t->e[i] ? "not valid" : "empty");
		return false;
	}
	st->flags = leaf_flags(vs, t, i, NULL, 0);
	st->size = UINT64_C(1) << al->shift;
	w->mapped = true;
	w->pa = leaf_pa(vs, t, i) + (lin & (st->size - 1));
	w->page_size = st->size;
	snprintf(w->reason, sizeof w->reason, "%s entry %u maps 0x%" PRIx64
	    " bytes (%s).", al->name, i, st->size,
	    k == PT_KIND_PAGE ? "a page" : "a block");
	return false;
}

static int
vm_walk(struct space *s, uint64_t va, struct pt_walk *w, struct pts_err *err)
{
	struct pts_err own;
	struct vm_space *vs = (struct vm_space *)s;
	const struct arch *a = s->arch;
	struct vm_table *t;
	uint64_t lin;
	unsigned i;
	int r = 0;

	if (err == NULL)	/* callers may pass none; reads look at it */
		err = &own;

	if ((r = arch_check_va(a, va, err)) != 0)
		return r;
	memset(w, 0, sizeof *w);
	w->va = va;
	w->pa = PT_UNKNOWN;
	t = root_of(vs, va);
	lin = arch_va_to_lin(a, va);
	/* only the tables on the path are read */
	while (r == 0 && walk_step(vs, t, lin, w, &i))
		r = vm_table_kid(&vs->vt, t, i, &t, err);
	op_done(vs);
	return gone_or(vs, r, err);
}

static void
ranges_add(const struct vm_space *vs, struct pt_ranges *out,
    const struct vm_table *t, unsigned i)
{
	const struct arch *a = vs->base.arch;
	const struct arch_level *al = &a->levels[t->li];
	uint64_t size = UINT64_C(1) << al->shift;
	uint64_t start = t_va(vs, t, t->lin + (uint64_t)i * size);
	struct pt_range *p = out->n ? &out->v[out->n - 1] : NULL;
	char attrs[64];
	uint32_t fl = leaf_flags(vs, t, i, attrs, sizeof attrs);

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
    const struct vm_table *t)
{
	const struct arch *a = vs->base.arch;

	for (unsigned i = 0; i < a->levels[t->li].entries; i++) {
		enum pt_kind k = kind_of(vs, t, i);

		if (k == PT_KIND_TABLE)
			ranges_table(vs, out, t->kid[i]);
		else if (k != PT_KIND_NONE)
			ranges_add(vs, out, t, i);
	}
}

static int
vm_ranges(struct space *s, struct pt_ranges *out, struct pts_err *err)
{
	struct pts_err own;
	struct vm_space *vs = (struct vm_space *)s;
	int r;

	if (err == NULL)	/* callers may pass none; reads look at it */
		err = &own;

	memset(out, 0, sizeof *out);
	r = vm_table_fill(&vs->vt, vs->root[0], err);
	if (r == 0 && vs->root[1] != vs->root[0])
		r = vm_table_fill(&vs->vt, vs->root[1], err);
	op_done(vs);
	if (r < 0)
		return gone_or(vs, r, err);
	ranges_table(vs, out, vs->root[0]);
	if (vs->root[1] != vs->root[0])
		ranges_table(vs, out, vs->root[1]);
	return 0;
}

/* ---- refresh ---------------------------------------------------------------- */

/* Registers and the tables read so far, again; *changed when they differ. */
static int
reread(struct vm_space *vs, bool *changed, struct pts_err *err)
{
	struct vm_regs regs;
	int r;

	if (vs->lost)
		return pts_errf(err, PTS_EIO, "vm_disconnected",
		    "The gdbstub at %s is no longer connected.", vs->gdb_addr);
	if ((r = regs_read(vs, &regs, err)) < 0)
		return r;
	if (regs.arch != vs->base.arch)
		return pts_errf(err, PTS_EIO, "vm_changed",
		    "The guest's paging mode changed (%s, was %s).",
		    regs.arch->id, vs->base.arch->id);
	vs->regs = regs;
	if ((r = half_refresh(vs, 0, changed, err)) < 0)
		return r;
	return half_refresh(vs, 1, changed, err);
}

static int
vm_refresh(struct space *s, struct pts_err *err)
{
	struct pts_err own;
	struct vm_space *vs = (struct vm_space *)s;
	double t0 = now_s();
	bool changed = false;
	int r;

	if (err == NULL)	/* callers may pass none; reads look at it */
		err = &own;

	vs->told_change = false;
	r = reread(vs, &changed, err);
	op_done(vs);
	if (r < 0)
		return gone_or(vs, r, err);	/* a guest that went away */
	vs->read_ms = (now_s() - t0) * 1e3;
	if (changed)
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
	space_info_str(si, "memory.source", "%s", vs->hm ? "host" : "gdbstub");
	if (vs->hm)
		space_info_u64(si, "memory.qemu_pid",
		    (uint64_t)vm_hostmem_pid(vs->hm));
	else
		space_info_str(si, "memory.note", "%s", vs->mem_note);
	space_info_u64(si, "memory.host_reads", vs->host_reads);
	space_info_u64(si, "memory.gdbstub_reads", vs->stub_reads);
	space_info_u64(si, "stops", vs->stops);
	space_info_u64(si, "stopped_us", vs->stopped_ns / 1000);
	space_info_u64(si, "tables", vs->vt.ntables);
	space_info_u64(si, "tables_read", vs->vt.nread);
	space_info_hex(si, "roots.user", vs->regs.root_pa[0]);
	space_info_hex(si, "roots.kernel", vs->regs.root_pa[1]);
	for (unsigned i = 0; i < vs->regs.nregs; i++) {
		snprintf(key, sizeof key, "registers.%s", vs->regs.reg[i].name);
		space_info_hex(si, key, vs->regs.reg[i].v);
	}
	space_info_u64(si, "read_us", (uint64_t)(vs->read_ms * 1000));
}

static void
vm_free(struct space *s)
{
	struct vm_space *vs = (struct vm_space *)s;

	guest_resume(vs);
	if (vs->base.arch)
		roots_free(vs);
	vm_hostmem_close(vs->hm);
	gdbrsp_close(vs->g);	/* resumes the guest if it is stopped */
	qmp_close(vs->q);
	free(vs);
}

static const struct space_ops vm_ops = {
	.kind = "vm",
	.tree = vm_tree,
	.walk = vm_walk,
	.ranges = vm_ranges,
	.capture_read = vm_capture_read,
	.regions = space_regions_by_ranges,
	.refresh = vm_refresh,
	.info = vm_info,
	.free = vm_free,
};

/* ---- attach ----------------------------------------------------------------- */

/* A monitor command: over QMP when given, else the gdbstub's qRcmd. */
static int
monitor(struct vm_space *vs, const char *cmd, char **out, struct pts_err *err)
{
	return vs->q ? qmp_hmp(vs->q, cmd, out, err) :
	    gdbrsp_monitor(vs->g, cmd, out, err);
}

/* Guest RAM's segments and their host addresses, from the monitor. */
static int
ram_segments(struct vm_space *vs, struct vm_seg *seg, unsigned max,
    unsigned *n, struct pts_err *err)
{
	char *txt, cmd[48];
	int r;

	if ((r = monitor(vs, "info mtree -f", &txt, err)) < 0)
		return r;
	*n = vm_mtree_ram(txt, seg, max);
	free(txt);
	for (unsigned i = 0; i < *n; i++) {
		snprintf(cmd, sizeof cmd, "gpa2hva 0x%" PRIx64, seg[i].gpa);
		if ((r = monitor(vs, cmd, &txt, err)) < 0)
			return r;
		if (!vm_gpa2hva_parse(txt, &seg[i].hva))
			r = pts_errf(err, PTS_ENOTSUP, "no_gpa2hva",
			    "The monitor does not map guest RAM to host "
			    "addresses ('%.60s').", txt);
		free(txt);
		if (r < 0)
			return r;
	}
	if (*n == 0)
		return pts_errf(err, PTS_ENOTSUP, "no_mtree",
		    "The monitor's memory map lists no RAM.");
	return 0;
}

/*
 * Guest RAM from QEMU's process, verified against the root tables' pages
 * read through the gdbstub now (the guest is stopped).
 */
static int
host_memory(struct vm_space *vs, struct pts_err *err)
{
	enum { PG = 4096, NSEG = 32 };
	unsigned char *pages = xcalloc(2, PG);
	struct vm_probe pr[2];
	struct vm_seg seg[NSEG];
	unsigned np = 0, nseg = 0;
	int r = ram_segments(vs, seg, NSEG, &nseg, err);

	for (int h = 0; h < 2 && r == 0; h++) {
		uint64_t pa = vs->regs.root_pa[h] & ~(uint64_t)(PG - 1);

		if (h == 1 && pa == pr[0].gpa)
			break;
		pr[np] = (struct vm_probe){ pa, pages + np * PG, PG };
		r = gdbrsp_read_mem(vs->g, pa, pages + np * PG, PG, err);
		np++;
	}
	if (r == 0)
		r = vm_hostmem_open(vm_qemu_pid(vs->q ? qmp_fd(vs->q) : -1,
		    gdbrsp_fd(vs->g)), seg, nseg, pr, np, &vs->hm, err);
	free(pages);
	return r;
}

static int
attach(struct vm_space *vs, const char *gdb, const char *qmp,
    enum vm_memory mem, struct pts_err *err)
{
	struct pts_err herr;
	int r;

	if ((r = gdbrsp_open(gdb, VM_TIMEOUT_MS, &vs->g, err)) < 0)
		return r;
	vs->stopped = true;	/* QEMU stops the guest when gdb connects */
	vs->stops = 1;
	clock_gettime(CLOCK_MONOTONIC, &vs->stop_t0);
	if (qmp && (r = qmp_open(qmp, VM_TIMEOUT_MS, &vs->q, err)) < 0)
		return r;
	if ((r = vm_regmap_probe(vs->g, &vs->map, err)) < 0 ||
	    (r = gdbrsp_phys_mode(vs->g, true, err)) < 0 ||
	    (r = vm_regs_read(vs->g, vs->q, &vs->map, &vs->regs, err)) < 0)
		return r;
	vs->base.arch = vs->regs.arch;
	vs->vt = (struct vm_tables){ .arch = vs->regs.arch,
	    .fam = desc_family_of(vs->regs.arch), .read = mem_read, .ctx = vs,
	    .changing = tables_changing };
	if (mem == VM_MEMORY_GDBSTUB)
		snprintf(vs->mem_note, sizeof vs->mem_note, "asked for");
	else if (host_memory(vs, &herr) < 0) {
		if (mem == VM_MEMORY_HOST)
			return *err = herr, herr.code;
		snprintf(vs->mem_note, sizeof vs->mem_note, "%s", herr.msg);
	}
	r = vm_table_read(&vs->vt, vs->regs.root_pa[0], 0, 0, false, 0,
	    &vs->root[0], err);
	if (r == 0 && vs->base.arch->split_roots)
		r = vm_table_read(&vs->vt, vs->regs.root_pa[1], 0, 0, true, 0,
		    &vs->root[1], err);
	else
		vs->root[1] = vs->root[0];
	return r;
}

int
vm_memory_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return VM_MEMORY_AUTO;
	if (!strcmp(s, "host"))
		return VM_MEMORY_HOST;
	if (!strcmp(s, "gdbstub"))
		return VM_MEMORY_GDBSTUB;
	return -1;
}

int
vm_space_new(const char *gdb, const char *qmp, enum vm_memory mem,
    struct space **out, struct pts_err *err)
{
	struct vm_space *vs = xcalloc(1, sizeof *vs);
	double t0 = now_s();
	int r;

	vs->base.ops = &vm_ops;
	snprintf(vs->gdb_addr, sizeof vs->gdb_addr, "%s", gdb);
	if (qmp)
		snprintf(vs->qmp_addr, sizeof vs->qmp_addr, "%s", qmp);
	r = attach(vs, gdb, qmp, mem, err);
	if (r < 0 && !strcmp(err->id, "vm_disconnected"))
		vs->lost = true;
	op_done(vs);	/* never left stopped, whatever happened */
	if (r < 0) {
		vm_free(&vs->base);
		return r;
	}
	vs->read_ms = (now_s() - t0) * 1e3;
	vs->base.generation = 1;
	snprintf(vs->base.label, sizeof vs->base.label, "%s guest at %s",
	    vs->base.arch->id, gdb);
	*out = &vs->base;
	return 0;
}
