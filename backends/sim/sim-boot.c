/* SPDX-License-Identifier: MIT */
/*
 * sim-boot.c: the "boot" scenario: the kernel's early memory setup replayed
 * step by step, each step one generation captioned with the kernel function
 * and file it models.  The server applies the steps one by one after the
 * space is created, so the history (and the viewer's timeline) holds every
 * intermediate state.
 *
 * Block sizes follow the kernel's rule, derived from alignment as on
 * hardware: at each address the biggest leaf whose size divides the VA and
 * the PA and fits in what is left (arm64 alloc_init_pud(), then
 * alloc_init_cont_pmd(), init_pmd(), alloc_init_cont_pte(); x86
 * phys_pud_init()/phys_pmd_init() with GB pages; ARMv7 map_lowmem() with 1
 * MiB sections).  arm64 is modelled as with rodata=off (Linux 6.x with
 * RODATA_FULL_DEFAULT_ENABLED=n): with rodata=full, the default on Debian,
 * can_set_direct_map() adds NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS and the
 * linear map uses pages only.
 *
 * Until memblock_free_all() the zones show no free memory: memblock, not
 * the buddy allocator, owns it (the simulator takes its table pages from
 * the same RAM either way).
 */
#include "config.h"
#include "sim-int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MB(x)	((uint64_t)(x) << 20)

enum boot_kind { BK_NOTE, BK_MAP, BK_FREE_ALL };

/* One step of the plan. */
struct boot_step {
	enum boot_kind kind;
	uint64_t va, pa, size;	/* BK_MAP */
	unsigned at;		/* DA_* */
	bool no_cont;		/* NO_CONT_MAPPINGS */
	bool pages_only;	/* only the base page */
	uint64_t max_leaf;	/* biggest leaf allowed (0: any) */
	char caption[200];
};

#define BOOT_MAX_STEPS 16

struct boot_plan {
	unsigned n;
	struct boot_step s[BOOT_MAX_STEPS];
};

static struct boot_step *
step(struct boot_plan *p, enum boot_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct boot_step *
step(struct boot_plan *p, enum boot_kind k, const char *fmt, ...)
{
	struct boot_step *s = &p->s[p->n < BOOT_MAX_STEPS ? p->n++ : p->n - 1];
	va_list ap;

	memset(s, 0, sizeof *s);
	s->kind = k;
	va_start(ap, fmt);
	vsnprintf(s->caption, sizeof s->caption, fmt, ap);
	va_end(ap);
	return s;
}

static void
map_step(struct boot_plan *p, uint64_t va, uint64_t pa, uint64_t size,
    unsigned at, const char *caption)
{
	struct boot_step *s = step(p, BK_MAP, "%s", caption);

	s->va = va;
	s->pa = pa;
	s->size = size;
	s->at = at;
}

/* The image: text RX, rodata R, data RW (halves and quarters, 2 MiB
   aligned where the image allows, as the linker script aligns segments). */
static void
image_split(const struct sim_machine *m, uint64_t *text, uint64_t *ro)
{
	*text = (m->kimage_size / 2) & ~(MB(2) - 1);
	if (*text == 0)
		*text = m->kimage_size / 2;
	*ro = (m->kimage_size / 4) & ~(MB(2) - 1);
	if (*ro == 0 || *text + *ro >= m->kimage_size)
		*ro = 0;
}

static void
plan_arm64(const struct sim_space *sp, struct boot_plan *p)
{
	const struct sim_machine *m = sp->m;
	const struct arch *a = sp->base.arch;
	uint64_t half = ~UINT64_C(0) << (a->va_bits - 1);
	uint64_t kva = half + (UINT64_C(2) << 30), text, ro;
	uint64_t ks = m->kimage_pa, ke = m->kimage_pa + m->kimage_size;
	uint64_t end = m->ram_base + m->ram_size, lin = a->page_offset;
	struct boot_step *s;

	image_split(m, &text, &ro);
	step(p, BK_NOTE, "arm64_memblock_init() (arch/arm64/mm/init.c): "
	    "memblock_add(RAM 0x%" PRIx64 "-0x%" PRIx64 "), memstart_addr = "
	    "PHYS_OFFSET = 0x%" PRIx64 "; memblock_reserve(kernel image "
	    "0x%" PRIx64 "-0x%" PRIx64 ")", m->ram_base, end, m->ram_base, ks, ke);
	step(p, BK_NOTE, "early_init_fdt_reserve_self() / "
	    "memblock_reserve(DTB) (drivers/of/fdt.c): the device tree stays "
	    "reserved; nothing is mapped yet in swapper_pg_dir");
	map_step(p, kva, ks, text, DA_X, "paging_init() -> map_kernel() "
	    "(arch/arm64/mm/mmu.c): map_kernel_segment(_stext.._etext, "
	    "PAGE_KERNEL_ROX) at KIMAGE_VADDR");
	if (ro)
		map_step(p, kva + text, ks + text, ro, 0, "map_kernel(): "
		    "map_kernel_segment(__start_rodata..__inittext_begin, "
		    "PAGE_KERNEL): read-only after mark_rodata_ro()");
	map_step(p, kva + text + ro, ks + text + ro, m->kimage_size - text -
	    ro, DA_W, "map_kernel(): map_kernel_segment(_data.._end, "
	    "PAGE_KERNEL): .data and .bss");
	if (ks > m->ram_base)
		map_step(p, lin, m->ram_base, ks - m->ram_base, DA_W,
		    "map_mem() -> __map_memblock() -> __create_pgd_mapping() "
		    "for the RAM below the image: alloc_init_pud() takes 1 GiB "
		    "blocks where aligned, alloc_init_cont_pmd() 32 MiB "
		    "contiguous runs of 2 MiB blocks, else alloc_init_cont_pte()");
	if (ke < end)
		map_step(p, lin + (ke - m->ram_base), ke, end - ke, DA_W,
		    "map_mem(): the RAM above the image (the image itself is "
		    "memblock_mark_nomap()ed so far): blocks where address and "
		    "size allow, else a table");
	s = step(p, BK_MAP, "map_mem(): the linear alias of the image, "
	    "__map_memblock(kernel_start, kernel_end, PAGE_KERNEL, "
	    "NO_CONT_MAPPINGS): no contiguous runs, so it can be made "
	    "read-only later");
	s->va = lin + (ks - m->ram_base);
	s->pa = ks;
	s->size = ke - ks;
	s->at = DA_W;
	s->no_cont = true;
	s = step(p, BK_MAP, "early_fixmap_init() (arch/arm64/mm/mmu.c): "
	    "fixmap pages below FIXADDR_TOP for early ioremap and the "
	    "earlycon");
	s->va = (~UINT64_C(0) << (a->va_bits - (a->page_shift - 6))) - MB(32) -
	    2 * a->page_size;
	s->pa = UINT64_C(0x09000000);
	s->size = a->page_size;
	s->at = DA_W | DA_MT_DEVICE << DA_MT_SHIFT;
	s->pages_only = true;
}

static void
plan_x86_64(const struct sim_space *sp, struct boot_plan *p)
{
	const struct sim_machine *m = sp->m;
	const struct arch *a = sp->base.arch;
	uint64_t kva = UINT64_C(0xffffffff81000000), text, ro;
	uint64_t ks = m->kimage_pa, end = m->ram_base + m->ram_size;
	struct boot_step *s;

	image_split(m, &text, &ro);
	step(p, BK_NOTE, "setup_arch() -> e820__memblock_setup() "
	    "(arch/x86/kernel/e820.c): memblock_add(RAM 0-0x%" PRIx64 "); "
	    "memblock_reserve(kernel image 0x%" PRIx64 "-0x%" PRIx64 ")",
	    end, ks, ks + m->kimage_size);
	s = step(p, BK_MAP, "head_64.S: early_top_pgt -> level3_kernel_pgt -> "
	    "level2_kernel_pgt map the image with 2 MiB pages at "
	    "__START_KERNEL_map + phys_base (_KERNPG_TABLE entries)");
	s->va = kva;
	s->pa = ks;
	s->size = (m->kimage_size + MB(2) - 1) & ~(MB(2) - 1);
	s->at = DA_W | DA_X;
	s->max_leaf = MB(2);
	s = step(p, BK_MAP, "init_mem_mapping() -> kernel_physical_mapping_init() "
	    "(arch/x86/mm/init_64.c): the direct map at PAGE_OFFSET, "
	    "phys_pud_init() with 1 GiB pages (X86_FEATURE_GBPAGES) where "
	    "aligned, phys_pmd_init() 2 MiB pages, phys_pte_init() the rest");
	s->va = a->page_offset + m->ram_base;
	s->pa = m->ram_base;
	s->size = m->ram_size;
	s->at = DA_W;
}

static void
plan_armv7(const struct sim_space *sp, struct boot_plan *p)
{
	const struct sim_machine *m = sp->m;
	const struct arch *a = sp->base.arch;
	uint64_t lowmem = m->ram_size < MB(760) ? m->ram_size : MB(760);
	uint64_t ks = m->kimage_pa, text, ro;
	struct boot_step *s;

	image_split(m, &text, &ro);
	text = (text + MB(1) - 1) & ~(MB(1) - 1);
	step(p, BK_NOTE, "arm_memblock_init() (arch/arm/mm/init.c): "
	    "memblock_add(RAM 0x%" PRIx64 "-0x%" PRIx64 "), PHYS_OFFSET = "
	    "0x%" PRIx64 "; memblock_reserve(kernel image)", m->ram_base,
	    m->ram_base + m->ram_size, m->ram_base);
	if (ks > m->ram_base) {
		s = step(p, BK_MAP, "paging_init() -> map_lowmem() "
		    "(arch/arm/mm/mmu.c): create_mapping(MT_MEMORY_RW) of the "
		    "lowmem below the kernel with 1 MiB sections, two per "
		    "Linux pgd entry");
		s->va = a->page_offset;
		s->pa = m->ram_base;
		s->size = ks - m->ram_base;
		s->at = DA_W;
		s->max_leaf = MB(1);
	}
	s = step(p, BK_MAP, "map_lowmem(): the kernel's text, "
	    "create_mapping(MT_MEMORY_RWX) of [kernel_x_start, kernel_x_end) "
	    "in sections");
	s->va = a->page_offset + (ks - m->ram_base);
	s->pa = ks;
	s->size = text;
	s->at = DA_W | DA_X;
	s->max_leaf = MB(1);
	s = step(p, BK_MAP, "map_lowmem(): the rest of lowmem, "
	    "create_mapping(MT_MEMORY_RW) in 1 MiB sections up to "
	    "arm_lowmem_limit");
	s->va = a->page_offset + (ks - m->ram_base) + text;
	s->pa = ks + text;
	s->size = lowmem - (ks - m->ram_base) - text;
	s->at = DA_W;
	s->max_leaf = MB(1);
	s = step(p, BK_MAP, "devicemaps_init() -> early_trap_init(): the "
	    "vectors page at 0xffff0000 (high vectors), user-readable for "
	    "the kuser helpers");
	s->va = UINT64_C(0xffff0000);
	s->pa = ks + text - a->page_size;
	s->size = a->page_size;
	s->at = DA_X | DA_USER;
	s->pages_only = true;
}

/* The steps for this machine; 0 when the arch has no boot replay. */
static unsigned
boot_plan(const struct sim_space *sp, struct boot_plan *p)
{
	enum desc_family f = sp->m->fam;
	const struct arch *a = sp->base.arch;

	memset(p, 0, sizeof *p);
	if (f == DF_ARM64)
		plan_arm64(sp, p);
	else if (f == DF_X86_64)
		plan_x86_64(sp, p);
	else if (f == DF_ARMV7 && a->entry_bytes == 4)
		plan_armv7(sp, p);
	else
		return 0;
	step(p, BK_FREE_ALL, "mm_core_init() -> memblock_free_all() "
	    "(mm/memblock.c): every free memblock page goes to the buddy "
	    "allocator; the zones fill up");
	return p->n;
}

/* The leaf boot maps at (va, pa) with left bytes to go: the biggest one the
   step allows whose size divides both addresses and fits. */
static const struct arch_leaf *
boot_leaf(const struct arch *a, const struct boot_step *s, uint64_t va,
    uint64_t pa, uint64_t left)
{
	const struct arch_leaf *best = NULL;

	for (unsigned li = 0; li < a->nlevels; li++)
		for (unsigned k = 0; k < a->levels[li].nleaves; k++) {
			const struct arch_leaf *lf = &a->levels[li].leaves[k];

			if ((s->pages_only && lf != &a->levels[a->nlevels - 1].leaves[0]) ||
			    (s->no_cont && lf->nentries > 1 &&
			    strcmp(lf->hw, "supersection") != 0) ||
			    (s->max_leaf && lf->size > s->max_leaf) ||
			    va % lf->size || pa % lf->size || left < lf->size)
				continue;
			if (best == NULL || lf->size > best->size)
				best = lf;
		}
	return best;
}

static int
boot_map(struct sim_space *sp, const struct boot_step *s, struct pts_err *err)
{
	const struct arch *a = sp->base.arch;
	unsigned at = s->at | DA_R | DA_GLOBAL | DA_DIRTY;
	uint64_t off = 0;

	while (off < s->size) {
		const struct arch_leaf *lf = boot_leaf(a, s, s->va + off,
		    s->pa + off, s->size - off);
		int rc;

		if (lf == NULL)
			return pts_errf(err, PTS_EINVAL, "bad_boot_step",
			    "No leaf fits 0x%" PRIx64 " at VA 0x%" PRIx64 ".",
			    s->size - off, s->va + off);
		rc = simpt_map(sp, simpt_root_of(sp, s->va + off),
		    arch_va_to_lin(a, s->va + off), lf->size, lf, at,
		    s->pa + off, err);
		if (rc != 0)
			return rc;
		off += lf->size;
	}
	return 0;
}

/* KIMAGE_VADDR of the boot replay's image, per family. */
static uint64_t
boot_image_va(const struct sim_space *sp)
{
	const struct arch *a = sp->base.arch;

	switch (sp->m->fam) {
	case DF_ARM64:
		return (~UINT64_C(0) << (a->va_bits - 1)) + (UINT64_C(2) << 30);
	case DF_X86_64:
		return UINT64_C(0xffffffff81000000);
	default:
		return a->page_offset + (sp->m->kimage_pa - sp->m->ram_base);
	}
}

int
simboot_begin(struct sim_space *sp, struct pts_err *err)
{
	struct boot_plan p;

	if (boot_plan(sp, &p) == 0)
		return pts_errf(err, PTS_EINVAL, "unknown_scenario",
		    "The boot replay exists for arm64, x86_64 and armv7-2l; "
		    "%s has the empty, process and kernel scenarios.",
		    sp->base.arch->id);
	sp->memblock = true;
	sp->kimage_va = boot_image_va(sp);
	simscen_marker(sp, sp->base.arch->page_offset, "Linear Mapping");
	if (sp->kimage_va >= sp->base.arch->page_offset + sp->m->ram_size)
		simscen_marker(sp, sp->kimage_va, "Kernel Mapping");
	return 0;
}

unsigned
simboot_steps(struct sim_space *sp)
{
	struct boot_plan p;

	return boot_plan(sp, &p);
}

int
simboot_apply(struct sim_space *sp, unsigned k, char *caption, size_t n,
    struct pts_err *err)
{
	struct boot_plan p;
	const struct boot_step *s;
	int rc = 0;

	if (k >= boot_plan(sp, &p))
		return pts_errf(err, PTS_EINVAL, "bad_boot_step",
		    "The boot replay has no step %u.", k);
	s = &p.s[k];
	if (s->kind == BK_MAP)
		rc = boot_map(sp, s, err);
	else if (s->kind == BK_FREE_ALL)
		sp->memblock = false;
	if (rc != 0)
		return rc;
	snprintf(caption, n, "%s", s->caption);
	sp->base.generation++;
	return 0;
}
