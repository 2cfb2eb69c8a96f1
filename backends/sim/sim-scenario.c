/* SPDX-License-Identifier: MIT */
/* sim-scenario.c: the starting layouts of a simulated space. */
#include "config.h"
#include "sim-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB(x)	((uint64_t)(x) << 20)
#define GB(x)	((uint64_t)(x) << 30)

/* Whether a scenario name exists. */
bool
simscen_known(const char *name)
{
	return strcmp(name, "empty") == 0 || strcmp(name, "process") == 0 ||
	    strcmp(name, "kernel") == 0 || strcmp(name, "boot") == 0;
}

/* The arch's base page leaf. */
static const struct arch_leaf *
base_leaf(const struct arch *a)
{
	return &a->levels[a->nlevels - 1].leaves[0];
}

/* Map for a scenario: leaf NULL picks sizes automatically; pa PT_UNKNOWN
   allocates pages. */
static int
scen_map(struct sim_space *sp, uint64_t va, uint64_t size, unsigned at,
    const struct arch_leaf *leaf, uint64_t pa, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;

	if (at & DA_W)
		at |= DA_DIRTY;
	if (!(at & DA_USER))
		at |= DA_GLOBAL | DA_DIRTY;
	return simpt_map(sp, simpt_root_of(sp, va), arch_va_to_lin(a, va),
	    size, leaf, at | DA_R, pa, err);
}

/* Remember where a region of the kernel layout starts (for ranges). */
static void
marker_add(struct sim_space *sp, uint64_t va, const char *name)
{
	struct sim_marker *mk;
	unsigned i;

	if (sp->nmarkers >= SIM_MAX_MARKERS)
		return;
	for (i = sp->nmarkers; i > 0 && sp->markers[i - 1].va > va; i--)
		sp->markers[i] = sp->markers[i - 1];
	mk = &sp->markers[i];
	mk->va = va;
	snprintf(mk->name, sizeof mk->name, "%s", name);
	sp->nmarkers++;
}

/* The smallest single-entry block of the level above the pte level. */
static const struct arch_leaf *
thp_leaf(const struct arch *a)
{
	const struct arch_level *l;

	if (a->nlevels < 2)
		return NULL;
	l = &a->levels[a->nlevels - 2];
	for (unsigned k = 0; k < l->nleaves; k++)
		if (l->leaves[k].nentries == 1)
			return &l->leaves[k];
	return NULL;
}

struct scen_region {
	uint64_t off;		/* in pages from the region base */
	uint64_t pages;
	unsigned prot;
};

/* Map a list of regions of base pages at base. */
static int
map_regions(struct sim_space *sp, uint64_t base, const struct scen_region *r,
    size_t n, unsigned at, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = scen_map(sp, base + r[i].off * a->page_size,
		    r[i].pages * a->page_size, at | r[i].prot, base_leaf(a),
		    PT_UNKNOWN, err)) != 0)
			return rc;
	return 0;
}

/* A user process: ELF image, heap, two libraries, a THP block, a stack. */
static int
scen_process(struct sim_space *sp, struct pts_err *err)
{
	static const struct scen_region exe[] = {
		{ 0, 8, DA_X }, { 8, 4, 0 }, { 12, 2, DA_W }, { 14, 3, DA_W },
		{ 96, 33, DA_W },			/* heap */
	};
	static const struct scen_region libs[] = {
		{ 0, 8, DA_X }, { 8, 2, DA_W },		/* ld.so */
		{ 16, 4, 0 }, { 20, 40, DA_X }, { 60, 4, 0 }, { 64, 2, DA_W },
	};
	const struct arch *a = sp->base.arch;
	const struct arch_leaf *thp = thp_leaf(a);
	uint64_t P = a->page_size, top = a->user_last + 1;
	uint64_t exe_base = (top / 3 * 2) & ~(MB(2) - 1);
	uint64_t stack_end = (top - 2 * P) & ~(P - 1);
	uint64_t mmap_base = (stack_end - MB(128)) & ~(MB(2) - 1);
	uint64_t lib_base = mmap_base - 128 * P;
	int rc;

	if ((rc = map_regions(sp, exe_base, exe, 5, DA_USER, err)) != 0 ||
	    (rc = map_regions(sp, lib_base, libs, 6, DA_USER, err)) != 0)
		return rc;
	if (thp && thp->size <= sp->m->ram_size / 8) {
		uint64_t va = ((lib_base - thp->size) & ~(thp->size - 1)) -
		    thp->size;

		if ((rc = scen_map(sp, va, thp->size, DA_USER | DA_W, thp,
		    PT_UNKNOWN, err)) != 0)
			return rc;
	}
	/* the stack; the guard gap below it stays unmapped */
	return scen_map(sp, stack_end - 32 * P, 32 * P, DA_USER | DA_W,
	    base_leaf(a), PT_UNKNOWN, err);
}

/* Kernel VAs of one arch's layout. */
struct klayout {
	uint64_t lowmem;	/* bytes of RAM in the linear map */
	uint64_t image;		/* 0: the image lives in the linear map */
	uint64_t modules, vmalloc, fixmap, device_pa;
	uint64_t vectors;	/* ARM high vectors page, or 0 */
};

/* The layout of the 64-bit arches (see docs/simulator.md). */
static void
layout_64(struct sim_space *sp, struct klayout *k)
{
	const struct arch *a = sp->base.arch;
	enum desc_family f = sp->m->fam;
	uint64_t half = ~UINT64_C(0) << (a->va_bits - 1);

	if (f == DF_X86_64) {
		k->image = UINT64_C(0xffffffff81000000);
		k->modules = UINT64_C(0xffffffffa0000000);
		k->vmalloc = a->va_bits == 57 ? UINT64_C(0xffa0000000000000) :
		    UINT64_C(0xffffc90000000000);
		k->fixmap = UINT64_C(0xffffffffff7fd000);
		k->device_pa = UINT64_C(0xfee00000);
	} else if (desc_is_arm64(f)) {
		uint64_t vmemmap = ~UINT64_C(0) << (a->va_bits -
		    (a->page_shift - 6));

		k->modules = half;
		k->image = half + GB(2);
		k->vmalloc = half + GB(4);
		k->fixmap = vmemmap - MB(32) - 2 * a->page_size;
		k->device_pa = UINT64_C(0x09000000);
	} else {
		k->image = UINT64_C(0xffffffff80000000);
		k->modules = UINT64_C(0xffffffff00000000);
		k->vmalloc = a->page_offset - GB(64);
		k->fixmap = k->vmalloc - UINT64_C(0x101600000);
		k->device_pa = UINT64_C(0x10000000);
	}
}

/* The layout of the 32-bit arches: lowmem, then vmalloc 8 MiB above it. */
static void
layout_32(struct sim_space *sp, struct klayout *k)
{
	const struct arch *a = sp->base.arch;
	bool arm = sp->m->fam == DF_ARMV7 || sp->m->fam == DF_LPAE;
	uint64_t limit = arm ? MB(760) : MB(896);

	k->lowmem = sp->m->ram_size < limit ? sp->m->ram_size : limit;
	k->vmalloc = (a->page_offset + k->lowmem + MB(16) - 1) & ~(MB(8) - 1);
	k->modules = arm ? a->kernel_first : k->vmalloc + MB(64);
	k->fixmap = arm ? UINT64_C(0xffc80000) : UINT64_C(0xffffd000);
	k->device_pa = arm ? UINT64_C(0x1c090000) : UINT64_C(0xfee00000);
	k->vectors = arm ? UINT64_C(0xffff0000) : 0;
}

/* Map the kernel image: text read-only executable, the rest writable. */
static int
map_image(struct sim_space *sp, uint64_t va, struct pts_err *err)
{
	uint64_t pa = sp->m->kimage_pa, size = sp->m->kimage_size;
	uint64_t text = (size / 2) & ~(MB(2) - 1);
	int rc;

	if (text == 0)
		text = size / 2;
	if ((rc = scen_map(sp, va, text, DA_X, NULL, pa, err)) != 0)
		return rc;
	return scen_map(sp, va + text, size - text, DA_W, NULL, pa + text, err);
}

/* The kernel's own layout on the arch. */
static int
scen_kernel(struct sim_space *sp, struct pts_err *err)
{
	static const struct scen_region vm[] = {
		{ 0, 4, DA_W }, { 5, 16, DA_W },	/* a guard page between */
	};
	static const struct scen_region mod[] = { { 0, 8, DA_X }, { 8, 4, DA_W } };
	const struct arch *a = sp->base.arch;
	struct klayout k = { .lowmem = sp->m->ram_size };
	int rc;

	if (a->va_bits > 32)
		layout_64(sp, &k);
	else
		layout_32(sp, &k);
	marker_add(sp, a->page_offset, "Linear Mapping");
	marker_add(sp, k.vmalloc, "vmalloc() Area");
	marker_add(sp, k.modules, "Modules");
	marker_add(sp, k.fixmap, "Fixmap Area");
	if ((rc = scen_map(sp, a->page_offset, k.lowmem, DA_W, NULL,
	    sp->m->ram_base, err)) != 0)
		return rc;
	/* KIMAGE_VADDR: its own mapping, or inside the linear map */
	sp->kimage_va = k.image ? k.image : a->page_offset +
	    (sp->m->kimage_pa - sp->m->ram_base);
	if (k.image) {
		marker_add(sp, k.image, "Kernel Mapping");
		if ((rc = map_image(sp, k.image, err)) != 0)
			return rc;
	}
	if ((rc = map_regions(sp, k.vmalloc, vm, 2, 0, err)) != 0 ||
	    (rc = map_regions(sp, k.modules, mod, 2, 0, err)) != 0 ||
	    (rc = scen_map(sp, k.fixmap, 2 * a->page_size, DA_W |
	    DA_MT_DEVICE << DA_MT_SHIFT, base_leaf(a), k.device_pa, err)) != 0)
		return rc;
	if (k.vectors) {
		marker_add(sp, k.vectors, "vectors");
		rc = scen_map(sp, k.vectors, a->page_size, DA_X, base_leaf(a),
		    PT_UNKNOWN, err);
	}
	return rc;
}

/* Lay out a new space as the named scenario. */
int
simscen_apply(struct sim_space *sp, const char *name, struct pts_err *err)
{
	if (strcmp(name, "process") == 0)
		return scen_process(sp, err);
	if (strcmp(name, "kernel") == 0)
		return scen_kernel(sp, err);
	if (strcmp(name, "boot") == 0)
		return simboot_begin(sp, err);
	return 0;
}

int
simscen_map(struct sim_space *sp, uint64_t va, uint64_t size, unsigned at,
    const struct arch_leaf *leaf, uint64_t pa, struct pts_err *err)
{
	return scen_map(sp, va, size, at, leaf, pa, err);
}

void
simscen_marker(struct sim_space *sp, uint64_t va, const char *name)
{
	marker_add(sp, va, name);
}
