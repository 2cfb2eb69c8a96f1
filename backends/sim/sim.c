/* SPDX-License-Identifier: MIT */
/* sim.c: the simulated backend's space: creation, ops, info and zones. */
#include "config.h"
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-int.h"
#include "xalloc.h"

const char *const sim_scenarios[] = { "empty", "process", "kernel", "boot",
    NULL };

static const struct space_ops sim_ops;

/* The sim_space behind a space. */
static struct sim_space *
sim_of(struct space *s)
{
	return (struct sim_space *)s;
}

/* A space on machine m with empty root tables. */
static int
space_alloc(struct sim_machine *m, struct sim_space **out, struct pts_err *err)
{
	struct sim_space *sp = xcalloc(1, sizeof *sp);
	int rc;

	sp->base.ops = &sim_ops;
	sp->base.arch = m->a;
	sp->base.live = false;
	sp->base.linear_known = true;
	sp->base.phys_offset = m->ram_base;
	sp->m = m;
	m->refs++;		/* a new machine: no other thread sees it yet */
	if ((rc = simpt_space_init(sp, err)) != 0) {
		simpt_machine_put(m);
		free(sp);
		return rc;
	}
	*out = sp;
	return 0;
}

/* A new machine of that arch and one space laid out by the scenario. */
int
sim_space_new(const char *arch_id, const char *scenario, unsigned ram_mb,
    struct space **out, struct pts_err *err)
{
	const struct arch *a = arch_id ? arch_find(arch_id) : NULL;
	struct sim_machine *m;
	struct sim_space *sp;
	int rc;

	if (a == NULL)
		return pts_errf(err, PTS_EINVAL, "unknown_arch",
		    "There is no arch '%s'; GET /api/v1/arches lists them.",
		    arch_id ? arch_id : "");
	if (scenario == NULL)
		scenario = "empty";
	if (!simscen_known(scenario))
		return pts_errf(err, PTS_EINVAL, "unknown_scenario",
		    "There is no scenario '%s'; use empty, process or kernel.",
		    scenario);
	if ((rc = simpt_machine_new(a, ram_mb ? ram_mb : SIM_DEFAULT_RAM_MB,
	    &m, err)) != 0)
		return rc;
	rc = space_alloc(m, &sp, err);
	simpt_machine_put(m);		/* the space holds its own reference */
	if (rc != 0)
		return rc;
	snprintf(sp->scenario, sizeof sp->scenario, "%s", scenario);
	snprintf(sp->base.label, sizeof sp->base.label, "%s %s", a->id,
	    scenario);
	if ((rc = simscen_apply(sp, scenario, err)) != 0) {
		space_free(&sp->base);
		return rc;
	}
	sp->base.generation = 1;
	*out = &sp->base;
	return 0;
}

/* ---- op validation ------------------------------------------------------- */

/* Check va/size against alignment and the arch's ranges. */
static int
check_range(struct sim_space *sp, uint64_t va, uint64_t size, uint64_t unit,
    const char *unit_name, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	uint64_t last = va + size - 1;
	int rc;

	if (size == 0)
		return pts_errf(err, PTS_EINVAL, "bad_size",
		    "The size must not be 0.");
	if (va % unit || size % unit)
		return pts_errf(err, PTS_EINVAL, "unaligned",
		    "va 0x%" PRIx64 " and size 0x%" PRIx64 " must be multiples "
		    "of the %s page size (0x%" PRIx64 ").", va, size,
		    unit_name, unit);
	if (last < va)
		return pts_errf(err, PTS_EINVAL, "bad_va",
		    "The range 0x%" PRIx64 " + 0x%" PRIx64 " wraps past the "
		    "end of the address space.", va, size);
	if ((rc = arch_check_va(a, va, err)) != 0 ||
	    (rc = arch_check_va(a, last, err)) != 0)
		return rc;
	if (arch_va_is_user(a, va) != arch_va_is_user(a, last))
		return pts_errf(err, PTS_EINVAL, "bad_va",
		    "The range 0x%" PRIx64 "-0x%" PRIx64 " crosses from the "
		    "user into the kernel address range.", va, last);
	return 0;
}

/* The DA_* memory type for a name, or -1. */
static int
parse_memtype(const char *s)
{
	if (s == NULL || strcmp(s, "normal") == 0)
		return DA_MT_NORMAL;
	if (strcmp(s, "device") == 0)
		return DA_MT_DEVICE;
	if (strcmp(s, "nocache") == 0)
		return DA_MT_NOCACHE;
	return -1;
}

/* Validate a prot for map or protect. */
static int
check_prot(unsigned prot, struct pts_err *err)
{
	if ((prot & ~(SPACE_PROT_R | SPACE_PROT_W | SPACE_PROT_X)) ||
	    !(prot & SPACE_PROT_R))
		return pts_errf(err, PTS_EINVAL, "bad_prot",
		    "prot must be r, rw, rx or rwx.");
	return 0;
}

/* Write the names of every leaf of the arch into buf. */
static void
leaf_names(const struct arch *a, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned li = 0; li < a->nlevels; li++)
		for (unsigned k = 0; k < a->levels[li].nleaves; k++)
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
			    "%s%s", len ? ", " : "",
			    a->levels[li].leaves[k].name);
}

/* DA_* attributes of a map op. */
static unsigned
map_attrs(const struct space_op *op, int mt)
{
	unsigned at = op->prot & (DA_R | DA_W | DA_X);

	if (op->user)
		at |= DA_USER;
	if (op->global)
		at |= DA_GLOBAL;
	if ((op->prot & SPACE_PROT_W) || !op->user)
		at |= DA_DIRTY;		/* as if written once */
	return at | (unsigned)mt << DA_MT_SHIFT;
}

/* SPACE_OP_MAP. */
static int
op_map(struct sim_space *sp, const struct space_op *op, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	const struct arch_leaf *leaf = NULL;
	const char *ps = op->page_size ? op->page_size : "auto";
	int mt = parse_memtype(op->memtype), rc;
	uint64_t unit = a->page_size;
	char names[160];

	if (strcmp(ps, "auto") != 0 &&
	    (leaf = arch_leaf_by_name(a, ps, NULL)) == NULL) {
		leaf_names(a, names, sizeof names);
		return pts_errf(err, PTS_EINVAL, "bad_page_size",
		    "%s has no page size '%s'; it has %s and auto.", a->id, ps,
		    names);
	}
	if (leaf)
		unit = leaf->size;
	if (mt < 0)
		return pts_errf(err, PTS_EINVAL, "bad_memtype",
		    "memtype must be normal, device or nocache, not '%s'.",
		    op->memtype);
	if ((rc = check_prot(op->prot, err)) != 0 ||
	    (rc = check_range(sp, op->va, op->size, unit, leaf ? leaf->name :
	    "base", err)) != 0)
		return rc;
	if (op->user != arch_va_is_user(a, op->va))
		return pts_errf(err, PTS_EINVAL, "bad_va",
		    "A %s mapping must lie in the %s range 0x%" PRIx64 "-0x%"
		    PRIx64 "; 0x%" PRIx64 " is not in it.", op->user ? "user" :
		    "kernel", op->user ? "user" : "kernel", op->user ?
		    a->user_first : a->kernel_first, op->user ? a->user_last :
		    a->kernel_last, op->va);
	if (simpt_range_used(sp, simpt_root_of(sp, op->va),
	    arch_va_to_lin(a, op->va), op->size))
		return pts_errf(err, PTS_EINVAL, "overlap",
		    "Something is already mapped in 0x%" PRIx64 "-0x%" PRIx64
		    "; unmap it first.", op->va, op->va + op->size - 1);
	return simpt_map(sp, simpt_root_of(sp, op->va), arch_va_to_lin(a,
	    op->va), op->size, leaf, map_attrs(op, mt), PT_UNKNOWN, err);
}

/* SPACE_OP_UNMAP and SPACE_OP_PROTECT. */
static int
op_range(struct sim_space *sp, const struct space_op *op, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	unsigned r = simpt_root_of(sp, op->va);
	int rc;

	if ((rc = check_range(sp, op->va, op->size, a->page_size, "base",
	    err)) != 0)
		return rc;
	if (op->kind == SPACE_OP_UNMAP)
		return simpt_unmap(sp, r, arch_va_to_lin(a, op->va), op->size,
		    err);
	if ((rc = check_prot(op->prot, err)) != 0)
		return rc;
	return simpt_protect(sp, r, arch_va_to_lin(a, op->va), op->size,
	    op->prot & (DA_R | DA_W | DA_X), err);
}

/* SPACE_OP_FORK: a new space on the same machine sharing data pages. */
static int
op_fork(struct sim_space *sp, struct space_op_result *res, struct pts_err *err)
{
	struct sim_space *ch = xcalloc(1, sizeof *ch);
	int rc;

	ch->base.ops = &sim_ops;
	ch->base.arch = sp->base.arch;
	ch->base.linear_known = sp->base.linear_known;
	ch->base.phys_offset = sp->base.phys_offset;
	ch->m = sp->m;
	if ((rc = simpt_fork(sp, ch, err)) != 0) {
		free(ch);
		return rc;
	}
	sp->m->refs++;
	snprintf(ch->scenario, sizeof ch->scenario, "%s", sp->scenario);
	snprintf(ch->base.label, sizeof ch->base.label, "fork of %.50s",
	    sp->base.label);
	memcpy(ch->markers, sp->markers, sizeof ch->markers);
	ch->nmarkers = sp->nmarkers;
	ch->kimage_va = sp->kimage_va;
	ch->memblock = sp->memblock;
	ch->linux_layout = sp->linux_layout;
	ch->base.generation = 1;
	sp->cnt.tables_allocated = ch->cnt.tables_allocated;
	res->forked = &ch->base;
	return 0;
}

/* The op entry point. */
static int
sim_op(struct space *s, const struct space_op *op, struct space_op_result *res,
    struct pts_err *err)
{
	struct sim_space *sp = sim_of(s);
	int rc;

	memset(&sp->cnt, 0, sizeof sp->cnt);
	memset(res, 0, sizeof *res);
	pthread_mutex_lock(&sp->m->lock);
	switch (op->kind) {
	case SPACE_OP_MAP:
		rc = op_map(sp, op, err);
		break;
	case SPACE_OP_UNMAP:
	case SPACE_OP_PROTECT:
		rc = op_range(sp, op, err);
		break;
	case SPACE_OP_FORK:
		rc = op_fork(sp, res, err);
		break;
	default:
		rc = pts_errf(err, PTS_EINVAL, "bad_op",
		    "The op must be map, unmap, protect or fork.");
	}
	pthread_mutex_unlock(&sp->m->lock);
	if (rc != 0)
		return rc;
	s->generation++;
	res->generation = s->generation;
	res->tables_allocated = sp->cnt.tables_allocated;
	res->tables_freed = sp->cnt.tables_freed;
	res->pages_allocated = sp->cnt.pages_allocated;
	res->pages_freed = sp->cnt.pages_freed;
	return 0;
}

/* ---- other ops ---------------------------------------------------------- */

/* Tree op: the table at (level, va) to depth levels. */
static int
sim_tree(struct space *s, enum pt_level level, uint64_t va, unsigned depth,
    struct pt_node **out, struct pts_err *err)
{
	return simview_tree(sim_of(s), level, va, depth, out, err);
}

/* Walk op: the entries a hardware walk of va reads. */
static int
sim_walk(struct space *s, uint64_t va, struct pt_walk *out,
    struct pts_err *err)
{
	return simview_walk(sim_of(s), va, out, err);
}

/* Ranges op: leaves merged as ptdump prints them. */
static int
sim_ranges(struct space *s, struct pt_ranges *out, struct pts_err *err)
{
	return simview_ranges(sim_of(s), out, err);
}

/* Zones of the simulated machine (source "sim"; the server puts the id). */
static void zones_memblock(struct zones_state *);

static int
sim_zones(struct space *s, struct zones_state *out, struct pts_err *err)
{
	struct sim_machine *m = sim_of(s)->m;

	pthread_mutex_lock(&m->lock);
	buddy_fill_zones(&m->buddy, out);
	pthread_mutex_unlock(&m->lock);
	if (sim_of(s)->memblock)
		zones_memblock(out);
	zones_fill_frag(out);
	return 0;
}

/* Boot replay before memblock_free_all(): memblock owns the memory, so no
   zone has free pages or managed pages yet. */
static void
zones_memblock(struct zones_state *zs)
{
	for (size_t i = 0; i < zs->nzones; i++) {
		struct zone_state *z = &zs->zones[i];

		z->free_pages = 0;
		z->managed_pages = 0;
		memset(z->free_area, 0, sizeof z->free_area);
		for (unsigned k = 0; k < z->nmigrate; k++)
			memset(z->migrate[k].free, 0, sizeof z->migrate[k].free);
	}
	snprintf(zs->note, sizeof zs->note, "Boot replay: memblock still owns "
	    "the memory; memblock_free_all() hands it to the buddy allocator.");
}

/* Kind-specific fields of the space object. */
static void
sim_info(struct space *s, struct space_info *si)
{
	struct sim_space *sp = sim_of(s);
	const struct arch *a = s->arch;
	uint64_t tables = sp->root[0]->tables + (sp->root[1] ?
	    sp->root[1]->tables : 0);

	space_info_u64(si, "ram_mb", sp->m->ram_mb);
	space_info_hex(si, "ram_base", sp->m->ram_base);
	/* the numbers the kernel's __va()/__pa() and __pa_symbol() use */
	if (sp->linux_layout)
		space_info_str(si, "layout.linux", "%s", sp->linux_layout);
	space_info_hex(si, "layout.page_offset", a->page_offset);
	space_info_hex(si, "layout.phys_offset", sp->base.phys_offset);
	if (sp->kimage_va) {
		space_info_hex(si, "layout.kimage_vaddr", sp->kimage_va);
		space_info_hex(si, "layout.kimage_pa", sp->m->kimage_pa);
		space_info_hex(si, "layout.kimage_size", sp->m->kimage_size);
		space_info_hex(si, "layout.kimage_voffset", sp->kimage_va -
		    sp->m->kimage_pa);
	}
	space_info_str(si, "scenario", "%s", sp->scenario);
	space_info_str(si, "root_user", "pgd:0x0");
	space_info_str(si, "root_kernel", "pgd:0x%" PRIx64,
	    a->split_roots ? a->kernel_first : 0);
	space_info_hex(si, "root_pa", sp->root[0]->pa);
	if (sp->root[1])
		space_info_hex(si, "root_kernel_pa", sp->root[1]->pa);
	space_info_u64(si, "tables", tables);
	space_info_u64(si, "table_pages", sp->table_pages);
	space_info_u64(si, "page_table_bytes", sp->table_pages * a->page_size);
	space_info_u64(si, "data_pages", sp->data_pages);
	pthread_mutex_lock(&sp->m->lock);
	space_info_u64(si, "free_pages", buddy_free_pages(&sp->m->buddy));
	space_info_u64(si, "shared_pages", sp->m->shared.n);
	pthread_mutex_unlock(&sp->m->lock);
}

/* Free the space's tables and pages; the machine goes with its last space. */
static void
sim_free(struct space *s)
{
	struct sim_space *sp = sim_of(s);

	pthread_mutex_lock(&sp->m->lock);
	simpt_space_teardown(sp);
	pthread_mutex_unlock(&sp->m->lock);
	simpt_machine_put(sp->m);
	free(sp);
}

static const struct space_ops sim_ops = {
	.kind = "sim",
	.tree = sim_tree,
	.walk = sim_walk,
	.ranges = sim_ranges,
	.regions = space_regions_by_ranges,
	.zones = sim_zones,
	.refresh = NULL,
	.op = sim_op,
	.info = sim_info,
	.free = sim_free,
};

unsigned
sim_boot_steps(struct space *s)
{
	struct sim_space *sp = sim_of(s);

	return strcmp(sp->scenario, "boot") == 0 ? simboot_steps(sp) : 0;
}

int
sim_boot_step(struct space *s, unsigned k, char *caption, size_t n,
    struct pts_err *err)
{
	struct sim_space *sp = sim_of(s);
	int rc;

	pthread_mutex_lock(&sp->m->lock);
	rc = simboot_apply(sp, k, caption, n, err);
	pthread_mutex_unlock(&sp->m->lock);
	return rc;
}
