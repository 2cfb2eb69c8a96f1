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
	sp->linux_layout = "Linux 6.12 process layout: an ELF image at 2/3 of "
	    "TASK_SIZE (ELF_ET_DYN_BASE), mmap_base 128 MiB below the stack";
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

/* Kernel VAs of one arch's layout, and the section names its ptdump
   prints (the arch's address_markers[], see docs/simulator.md). */
#define KL_MAX_MARKS	20
struct klayout {
	const char *version;	/* the kernel version and config followed */
	uint64_t lowmem;	/* bytes of RAM in the linear map */
	const struct arch_leaf *linear_leaf;	/* NULL: largest that fits */
	uint64_t image;		/* 0: the image lives in the linear map */
	uint64_t modules, vmalloc, fixmap, device_pa;
	uint64_t vsyscall;	/* x86_64 vsyscall page, or 0 */
	uint64_t vectors;	/* ARM high vectors page, or 0 */
	unsigned nmarks;
	struct { uint64_t va; const char *name; } mark[KL_MAX_MARKS];
};

/* Remember one address_markers[] entry. */
static void
kl_mark(struct klayout *k, uint64_t va, const char *name)
{
	if (k->nmarks < KL_MAX_MARKS) {
		k->mark[k->nmarks].va = va;
		k->mark[k->nmarks].name = name;
		k->nmarks++;
	}
}

/* The leaf of that API name on the arch (for linear maps Linux builds
   with one size). */
static const struct arch_leaf *
leaf_named(const struct arch *a, const char *name)
{
	return arch_leaf_by_name(a, name, NULL);
}

/*
 * x86_64, Documentation/arch/x86/x86_64/mm.rst (4- and 5-level) and the
 * address_markers[] of arch/x86/mm/dump_pagetables.c, without KASLR.
 */
static void
layout_x86_64(const struct arch *a, struct klayout *k)
{
	bool l5 = a->va_bits == 57;
	unsigned pgdir_shift = l5 ? 48 : 39;

	k->version = l5 ? "Linux 6.12, x86_64_defconfig + CONFIG_X86_5LEVEL "
	    "(la57), no KASLR, vsyscall=emulate" : "Linux 6.12, "
	    "x86_64_defconfig, no KASLR, vsyscall=emulate";
	k->image = UINT64_C(0xffffffff81000000);	/* __START_KERNEL */
	k->modules = UINT64_C(0xffffffffa0000000);
	k->vmalloc = l5 ? UINT64_C(0xffa0000000000000) :
	    UINT64_C(0xffffc90000000000);
	k->fixmap = UINT64_C(0xffffffffff5fb000);	/* a fixmap slot */
	k->device_pa = UINT64_C(0xfee00000);		/* local APIC */
	k->vsyscall = UINT64_C(0xffffffffff600000);	/* VSYSCALL_ADDR */
	kl_mark(k, 0, "User Space");
	kl_mark(k, UINT64_C(1) << 63, "Kernel Space");
	/* LDT_BASE_ADDR = LDT_PGD_ENTRY (-240) << PGDIR_SHIFT */
	kl_mark(k, (uint64_t)-240 << pgdir_shift, "LDT remap");
	kl_mark(k, a->page_offset, "Low Kernel Mapping");
	kl_mark(k, k->vmalloc, "vmalloc() Area");
	kl_mark(k, l5 ? UINT64_C(0xffd4000000000000) :
	    UINT64_C(0xffffea0000000000), "Vmemmap");
	kl_mark(k, UINT64_C(0xfffffe0000000000), "CPU entry Area");
	kl_mark(k, UINT64_C(0xffffff0000000000), "ESPfix Area");
	kl_mark(k, UINT64_C(0xffffffef00000000), "EFI Runtime Services");
	kl_mark(k, UINT64_C(0xffffffff80000000), "High Kernel Mapping");
	kl_mark(k, k->modules, "Modules");
	kl_mark(k, UINT64_C(0xffffffffff000000), "End Modules");
	kl_mark(k, UINT64_C(0xffffffffff579000), "Fixmap Area");
}

/*
 * arm64, arch/arm64/include/asm/memory.h as of 6.6 and the
 * address_markers[] of arch/arm64/mm/ptdump.c.  The regions below the
 * linear map are sized from VA_BITS_MIN (48 when VA_BITS is 52), so a
 * 52-bit kernel keeps its modules, image and vmalloc at -(1 << 47).
 */
static void
layout_arm64(const struct arch *a, struct klayout *k)
{
	unsigned va_min = a->va_bits > 48 ? 48 : a->va_bits;
	uint64_t half = ~UINT64_C(0) << (va_min - 1);	/* _PAGE_END() */
	/* VMEMMAP_START = -(1 << (VA_BITS - VMEMMAP_SHIFT)), VMEMMAP_SHIFT
	   = PAGE_SHIFT - STRUCT_PAGE_MAX_SHIFT (6) */
	uint64_t vmemmap = ~UINT64_C(0) << (a->va_bits - (a->page_shift - 6));
	uint64_t vmemmap_size = (half - a->page_offset) >> (a->page_shift - 6);

	k->version = a->pa_bits == 52 && a->page_shift != 16 ?
	    "Linux 6.9, defconfig + ARM64_VA_BITS_52 (FEAT_LPA2), region "
	    "layout of 6.6, no KASLR" : "Linux 6.6, defconfig, no KASLR";
	k->modules = half;				/* MODULES_VADDR */
	k->image = half + GB(2);			/* KIMAGE_VADDR */
	k->vmalloc = half + GB(4);
	k->fixmap = vmemmap - MB(32) - 2 * a->page_size;
	k->device_pa = UINT64_C(0x09000000);		/* QEMU virt UART */
	kl_mark(k, a->page_offset, "Linear Mapping start");
	kl_mark(k, half, "Linear Mapping end");
	kl_mark(k, half, "Modules start");
	kl_mark(k, half + GB(2), "Modules end");	/* MODULES_VSIZE 2G */
	kl_mark(k, half + GB(2), "vmalloc() area");
	kl_mark(k, vmemmap - MB(256), "vmalloc() end");
	kl_mark(k, k->fixmap, "Fixmap start");
	kl_mark(k, vmemmap - MB(32), "Fixmap end");	/* FIXADDR_TOP */
	kl_mark(k, vmemmap - MB(24), "PCI I/O start");
	kl_mark(k, vmemmap - MB(8), "PCI I/O end");
	kl_mark(k, vmemmap, "vmemmap start");
	kl_mark(k, vmemmap + vmemmap_size, "vmemmap end");
}

/*
 * RISC-V, Documentation/arch/riscv/vm-layout.rst: below the linear map
 * the vmalloc area (64G / 32T / 16P for Sv39 / Sv48 / Sv57), vmemmap (a
 * sixteenth of that), 16M of PCI I/O and 6M of fixmap; modules and the
 * kernel in the top 4G.  Since 6.4 best_map_size() (arch/riscv/mm/init.c)
 * maps the linear map with PUD leaves only when pgtable_l4_enabled, so
 * Sv39 gets 2 MiB leaves.
 */
static void
layout_riscv(const struct arch *a, struct klayout *k)
{
	uint64_t vsize = a->va_bits == 39 ? GB(64) : a->va_bits == 48 ?
	    UINT64_C(32) << 40 : UINT64_C(16) << 50;
	uint64_t vmemmap = a->page_offset - vsize - vsize / 16;

	k->version = "Linux 6.12, defconfig (Documentation/arch/riscv/"
	    "vm-layout.rst), no KASLR";
	if (a->va_bits == 39)
		k->linear_leaf = leaf_named(a, "2m");
	k->image = UINT64_C(0xffffffff80000000);
	k->modules = UINT64_C(0xffffffff00000000);
	k->vmalloc = a->page_offset - vsize;
	k->fixmap = vmemmap - MB(16) - MB(6);
	k->device_pa = UINT64_C(0x10000000);		/* QEMU virt UART */
	kl_mark(k, k->fixmap, "Fixmap start");
	kl_mark(k, vmemmap - MB(16), "Fixmap end");
	kl_mark(k, vmemmap - MB(16), "PCI I/O start");
	kl_mark(k, vmemmap, "PCI I/O end");
	kl_mark(k, vmemmap, "vmemmap start");
	kl_mark(k, k->vmalloc, "vmemmap end");
	kl_mark(k, k->vmalloc, "vmalloc() area");
	kl_mark(k, a->page_offset, "vmalloc() end");
	kl_mark(k, a->page_offset, "Linear mapping");
	kl_mark(k, k->modules, "Modules/BPF mapping");
	kl_mark(k, k->image, "Kernel mapping");
}

/*
 * The 32-bit arches: lowmem from PAGE_OFFSET, vmalloc 8 MiB above it.
 * ARM (arch/arm/include/asm/memory.h, arch/arm/mm/mmu.c): modules just
 * below PAGE_OFFSET, lowmem in 1 MiB sections (2 MiB on LPAE;
 * supersections only map physical addresses above 4 GiB), the FDT at
 * 0xff800000, the fixmap at 0xffc80000, the vectors page at 0xffff0000.
 * x86-32 (arch/x86/include/asm/pgtable_32_areas.h): the persistent kmap,
 * LDT, CPU entry area and fixmap below 4 GiB, at this config's places.
 */
static void
layout_32(struct sim_space *sp, struct klayout *k)
{
	const struct arch *a = sp->base.arch;
	bool arm = sp->m->fam == DF_ARMV7 || sp->m->fam == DF_LPAE;
	uint64_t limit = arm ? MB(760) : MB(896);
	uint64_t pmd = sp->m->fam == DF_X86_32 ? MB(4) : MB(2);

	k->lowmem = sp->m->ram_size < limit ? sp->m->ram_size : limit;
	k->vmalloc = (a->page_offset + k->lowmem + MB(16) - 1) & ~(MB(8) - 1);
	k->device_pa = arm ? UINT64_C(0x1c090000) : UINT64_C(0xfee00000);
	if (arm) {
		bool lpae = sp->m->fam == DF_LPAE;

		k->version = lpae ? "Linux 6.12, multi_v7_defconfig + ARM_LPAE, "
		    "VMSPLIT_3G, STRICT_KERNEL_RWX, KUSER_HELPERS" :
		    "Linux 6.12, multi_v7_defconfig, VMSPLIT_3G, "
		    "STRICT_KERNEL_RWX, KUSER_HELPERS";
		k->linear_leaf = leaf_named(a, lpae ? "2m" : "1m");
		k->modules = a->kernel_first;		/* PAGE_OFFSET - 16M */
		k->fixmap = UINT64_C(0xffc80000);	/* FIXADDR_START */
		k->vectors = UINT64_C(0xffff0000);	/* VECTORS_BASE */
		kl_mark(k, k->modules, "Modules");
		kl_mark(k, a->page_offset, "Kernel Mapping");
		kl_mark(k, k->vmalloc, "vmalloc() Area");
		kl_mark(k, UINT64_C(0xff800000), "FDT Area");
		kl_mark(k, k->fixmap, "Fixmap Area");
		kl_mark(k, k->vectors, "Vectors");
		kl_mark(k, k->vectors + 2 * a->page_size, "Vectors End");
		return;
	}
	k->version = sp->m->fam == DF_X86_PAE ? "Linux 6.12, i386_defconfig + "
	    "HIGHMEM64G (PAE), VMSPLIT_3G" : "Linux 6.12, i386_defconfig "
	    "(HIGHMEM4G), VMSPLIT_3G";
	k->modules = k->vmalloc + MB(64);
	k->fixmap = UINT64_C(0xffffd000);
	kl_mark(k, 0, "User Space");
	kl_mark(k, a->page_offset, "Kernel Mapping");
	kl_mark(k, k->vmalloc, "vmalloc() Area");
	/* VMALLOC_END = PKMAP_BASE - 2 pages; PKMAP_BASE, LDT_BASE_ADDR and
	   CPU_ENTRY_AREA_BASE one PMD apart below the fixmap */
	kl_mark(k, UINT64_C(0xffc00000) - 4 * pmd - 2 * a->page_size,
	    "vmalloc() End");
	kl_mark(k, UINT64_C(0xffc00000) - 4 * pmd, "Persistent kmap() Area");
	kl_mark(k, UINT64_C(0xffc00000) - 2 * pmd, "LDT remap");
	kl_mark(k, UINT64_C(0xffc00000) - pmd, "CPU entry area");
	kl_mark(k, UINT64_C(0xffc00000), "Fixmap area");
}

/* Map the kernel image: text read-only executable, the rest writable. */
static int
map_image(struct sim_space *sp, uint64_t va, const struct arch_leaf *leaf,
    struct pts_err *err)
{
	uint64_t pa = sp->m->kimage_pa, size = sp->m->kimage_size;
	uint64_t text = (size / 2) & ~(MB(2) - 1);
	int rc;

	if (text == 0)
		text = size / 2;
	if ((rc = scen_map(sp, va, text, DA_X, leaf, pa, err)) != 0)
		return rc;
	return scen_map(sp, va + text, size - text, DA_W, leaf, pa + text, err);
}

/* The linear map; a 32-bit kernel's image lies inside it and gets its own
   permissions (text RX, data RW+NX) in the same leaf size. */
static int
map_linear(struct sim_space *sp, const struct klayout *k,
    struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	uint64_t ram = sp->m->ram_base, img = sp->m->kimage_pa - ram;
	uint64_t img_end = img + sp->m->kimage_size;
	int rc;

	if (k->image != 0 || img_end > k->lowmem)
		return scen_map(sp, a->page_offset, k->lowmem, DA_W,
		    k->linear_leaf, ram, err);
	if (img > 0 && (rc = scen_map(sp, a->page_offset, img, DA_W,
	    k->linear_leaf, ram, err)) != 0)
		return rc;
	if ((rc = map_image(sp, a->page_offset + img, k->linear_leaf,
	    err)) != 0)
		return rc;
	if (img_end == k->lowmem)
		return 0;
	return scen_map(sp, a->page_offset + img_end, k->lowmem - img_end,
	    DA_W, k->linear_leaf, ram + img_end, err);
}

/* The vectors page (MT_HIGH_VECTORS: user read-only executable, the kuser
   helpers) and the stubs page above it (MT_LOW_VECTORS: kernel only),
   arch/arm/mm/mmu.c devicemaps_init(). */
static int
map_vectors(struct sim_space *sp, uint64_t va, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	int rc;

	if ((rc = scen_map(sp, va, a->page_size, DA_X | DA_USER | DA_GLOBAL,
	    base_leaf(a), PT_UNKNOWN, err)) != 0)
		return rc;
	return scen_map(sp, va + a->page_size, a->page_size, DA_X,
	    base_leaf(a), PT_UNKNOWN, err);
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

	if (a->va_bits <= 32)
		layout_32(sp, &k);
	else if (sp->m->fam == DF_X86_64)
		layout_x86_64(a, &k);
	else if (desc_is_arm64(sp->m->fam))
		layout_arm64(a, &k);
	else
		layout_riscv(a, &k);
	sp->linux_layout = k.version;
	for (unsigned i = 0; i < k.nmarks; i++)
		marker_add(sp, k.mark[i].va, k.mark[i].name);
	if ((rc = map_linear(sp, &k, err)) != 0)
		return rc;
	/* KIMAGE_VADDR: its own mapping, or inside the linear map */
	sp->kimage_va = k.image ? k.image : a->page_offset +
	    (sp->m->kimage_pa - sp->m->ram_base);
	if (k.image && (rc = map_image(sp, k.image, NULL, err)) != 0)
		return rc;
	if ((rc = map_regions(sp, k.vmalloc, vm, 2, 0, err)) != 0 ||
	    (rc = map_regions(sp, k.modules, mod, 2, 0, err)) != 0 ||
	    (rc = scen_map(sp, k.fixmap, 2 * a->page_size, DA_W |
	    DA_MT_DEVICE << DA_MT_SHIFT, base_leaf(a), k.device_pa, err)) != 0)
		return rc;
	/* vsyscall=emulate: map_vsyscall() (arch/x86/entry/vsyscall/
	   vsyscall_64.c) maps it PAGE_KERNEL_VVAR = __PAGE_KERNEL_RO |
	   _PAGE_USER: P, US, A, D, G, NX */
	if (k.vsyscall && (rc = scen_map(sp, k.vsyscall, a->page_size,
	    DA_USER | DA_GLOBAL | DA_DIRTY, base_leaf(a), PT_UNKNOWN,
	    err)) != 0)
		return rc;
	if (k.vectors)
		rc = map_vectors(sp, k.vectors, err);
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
