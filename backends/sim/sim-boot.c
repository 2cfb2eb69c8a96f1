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
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MB(x)	((uint64_t)(x) << 20)

enum boot_kind { BK_NOTE, BK_MAP, BK_PROTECT, BK_FREE_ALL };

/* One step of the plan. */
struct boot_step {
	enum boot_kind kind;
	uint64_t va, pa, size;	/* BK_MAP, BK_PROTECT (va, size) */
	unsigned at;		/* DA_*; BK_PROTECT: the new DA_R/W/X */
	bool no_cont;		/* NO_CONT_MAPPINGS (RISC-V: no NAPOT) */
	bool pages_only;	/* only the base page */
	bool no_root_leaf;	/* RISC-V best_map_size(): never PGDIR_SIZE */
	uint64_t max_leaf;	/* biggest leaf allowed (0: any) */
	char caption[SIM_BOOT_CAPTION_MAX];
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

/* Set the range and attributes of a step. */
static struct boot_step *
range(struct boot_step *s, uint64_t va, uint64_t pa, uint64_t size,
    unsigned at)
{
	s->va = va;
	s->pa = pa;
	s->size = size;
	s->at = at;
	return s;
}

static void
map_step(struct boot_plan *p, uint64_t va, uint64_t pa, uint64_t size,
    unsigned at, const char *caption)
{
	range(step(p, BK_MAP, "%s", caption), va, pa, size, at);
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

/* arm64 FIXADDR_TOP = VMEMMAP_START - SZ_32M (arch/arm64/include/asm/
   fixmap.h), VMEMMAP_START = -(1 << (VA_BITS - VMEMMAP_SHIFT)),
   VMEMMAP_SHIFT = PAGE_SHIFT - STRUCT_PAGE_MAX_SHIFT (6); __fix_to_virt(x)
   = FIXADDR_TOP - (x << PAGE_SHIFT); FIX_FDT = FIX_FDT_END (1) +
   DIV_ROUND_UP(MAX_FDT_SIZE (2M), PAGE_SIZE) + 1, FIX_EARLYCON_MEM_BASE
   the index after it. */
static uint64_t
arm64_fix_to_virt(const struct arch *a, unsigned fdt_plus)
{
	uint64_t top = (~UINT64_C(0) << (a->va_bits - (a->page_shift - 6))) -
	    MB(32);
	uint64_t fix_fdt = 2 + MB(2) / a->page_size;

	return top - ((fix_fdt + fdt_plus) << a->page_shift);
}

#define ARM64_DTB_SIZE	UINT64_C(0x10000)	/* a 64 KiB DTB at RAM base */

static void
plan_arm64_early(const struct sim_space *sp, struct boot_plan *p,
    uint64_t kva)
{
	const struct sim_machine *m = sp->m;
	const struct arch *a = sp->base.arch;
	uint64_t ks = m->kimage_pa, ke = ks + m->kimage_size;

	range(step(p, BK_MAP, "primary_entry (arch/arm64/kernel/head.S) -> "
	    "__primary_switch -> early_map_kernel() (arch/arm64/kernel/pi/"
	    "map_kernel.c): the image 0x%" PRIx64 "-0x%" PRIx64 " mapped in the "
	    "early tables (init_pg_dir) at KIMAGE_VADDR 0x%" PRIx64 ", writable "
	    "while relocations are applied; kimage_voffset = KIMAGE_VADDR - "
	    "__pa(_text) = 0x%" PRIx64, ks, ke, kva, kva - ks),
	    kva, ks, m->kimage_size, DA_W | DA_X);
	range(step(p, BK_MAP, "setup_arch() -> early_fixmap_init() "
	    "(arch/arm64/mm/fixmap.c) hooks bm_pud/bm_pmd/bm_pte under "
	    "FIXADDR_START; setup_machine_fdt() (arch/arm64/kernel/setup.c) -> "
	    "fixmap_remap_fdt(): the DTB at PA 0x%" PRIx64 " in pages at "
	    "FIX_FDT 0x%" PRIx64 " (PAGE_KERNEL, then PAGE_KERNEL_RO), "
	    "memblock_reserve(DTB)", m->ram_base, arm64_fix_to_virt(a, 0)),
	    arm64_fix_to_virt(a, 0), m->ram_base, ARM64_DTB_SIZE, 0)->pages_only =
	    true;
	range(step(p, BK_MAP, "setup_arch() -> parse_early_param(): "
	    "earlycon=pl011,0x9000000 (drivers/tty/serial/earlycon.c) maps the "
	    "UART with set_fixmap_io(FIX_EARLYCON_MEM_BASE) at 0x%" PRIx64
	    " (device memory)", arm64_fix_to_virt(a, 1)),
	    arm64_fix_to_virt(a, 1), UINT64_C(0x09000000), a->page_size,
	    DA_W | DA_MT_DEVICE << DA_MT_SHIFT)->pages_only = true;
	step(p, BK_NOTE, "arm64_memblock_init() (arch/arm64/mm/init.c): "
	    "memblock holds the RAM of the DT's memory node (0x%" PRIx64
	    "-0x%" PRIx64 ", early_init_dt_add_memory_arch()); memstart_addr "
	    "= PHYS_OFFSET = 0x%" PRIx64 "; memblock_reserve(_stext.._end = "
	    "0x%" PRIx64 "-0x%" PRIx64 "), the initrd's range if the loader "
	    "passed one, early_init_fdt_scan_reserved_mem()", m->ram_base,
	    m->ram_base + m->ram_size, m->ram_base, ks, ke);
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
	plan_arm64_early(sp, p, kva);
	range(step(p, BK_PROTECT, "paging_init() (arch/arm64/mm/mmu.c) -> "
	    "map_kernel(swapper_pg_dir) -> map_kernel_segment(_stext.._etext, "
	    "PAGE_KERNEL_ROX): text read-only and executable (the simulator "
	    "keeps one kernel root, so swapper_pg_dir is drawn over the early "
	    "tables)"), kva, ks, text, DA_R | DA_X);
	if (ro)
		range(step(p, BK_PROTECT, "map_kernel(): map_kernel_segment("
		    "__start_rodata..__inittext_begin, PAGE_KERNEL): read-only "
		    "after mark_rodata_ro(), never executable"), kva + text,
		    ks + text, ro, DA_R);
	range(step(p, BK_PROTECT, "map_kernel(): map_kernel_segment(_data.."
	    "_end, PAGE_KERNEL): .data and .bss writable, not executable; "
	    "fixmap_copy() links the fixmap's tables into swapper_pg_dir"),
	    kva + text + ro, ks + text + ro, m->kimage_size - text - ro,
	    DA_R | DA_W);
	if (ks > m->ram_base)
		map_step(p, lin, m->ram_base, ks - m->ram_base, DA_W,
		    "paging_init() -> map_mem() -> __map_memblock() -> "
		    "__create_pgd_mapping() for the RAM below the image: "
		    "alloc_init_pud() takes 1 GiB blocks where aligned, "
		    "alloc_init_cont_pmd() 32 MiB contiguous runs of 2 MiB "
		    "blocks, else alloc_init_cont_pte()");
	if (ke < end)
		map_step(p, lin + (ke - m->ram_base), ke, end - ke, DA_W,
		    "map_mem(): the RAM above the image (the image itself is "
		    "memblock_mark_nomap()ed so far): blocks where address and "
		    "size allow, else a table");
	s = step(p, BK_MAP, "map_mem(): the linear alias of the image, "
	    "__map_memblock(kernel_start, kernel_end, PAGE_KERNEL, "
	    "NO_CONT_MAPPINGS): no contiguous runs, so it can be made "
	    "read-only later; then cpu_replace_ttbr1(swapper_pg_dir)");
	range(s, lin + (ks - m->ram_base), ks, ke - ks, DA_W)->no_cont = true;
	step(p, BK_NOTE, "setup_arch() -> bootmem_init() (arch/arm64/mm/"
	    "init.c) -> zone_sizes_init() -> free_area_init(): ZONE_DMA and "
	    "ZONE_NORMAL exist, with no free pages yet (memblock still owns "
	    "the memory)");
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
	s = step(p, BK_MAP, "head_64.S: early_top_pgt -> level3_kernel_pgt -> "
	    "level2_kernel_pgt map the image with 2 MiB pages at "
	    "__START_KERNEL_map + phys_base (_KERNPG_TABLE entries); the "
	    "kernel's VA - PA offset is __START_KERNEL_map - phys_base");
	s->va = kva;
	s->pa = ks;
	s->size = (m->kimage_size + MB(2) - 1) & ~(MB(2) - 1);
	s->at = DA_W | DA_X;
	s->max_leaf = MB(2);
	step(p, BK_NOTE, "setup_arch() (arch/x86/kernel/setup.c) -> "
	    "early_reserve_memory(): memblock_reserve(_text.._end = 0x%" PRIx64
	    "-0x%" PRIx64 "), the first 64 KiB, early_reserve_initrd(); "
	    "e820__memblock_setup() (arch/x86/kernel/e820.c): memblock_add("
	    "the E820 RAM 0-0x%" PRIx64 ")", ks, ks + m->kimage_size, end);
	s = step(p, BK_MAP, "init_mem_mapping() -> kernel_physical_mapping_init() "
	    "(arch/x86/mm/init_64.c): the direct map at PAGE_OFFSET, "
	    "phys_pud_init() with 1 GiB pages (X86_FEATURE_GBPAGES) where "
	    "aligned, phys_pmd_init() 2 MiB pages, phys_pte_init() the rest");
	s->va = a->page_offset + m->ram_base;
	s->pa = m->ram_base;
	s->size = m->ram_size;
	s->at = DA_W;
	step(p, BK_NOTE, "paging_init() (arch/x86/mm/init_64.c) -> "
	    "zone_sizes_init() -> free_area_init(): ZONE_DMA, ZONE_DMA32 and "
	    "ZONE_NORMAL exist, with no free pages yet (memblock still owns "
	    "the memory)");
	/* FIX_APIC_BASE: the slot the kernel scenario uses too */
	range(step(p, BK_MAP, "setup_arch() -> init_apic_mappings() "
	    "(arch/x86/kernel/apic/apic.c) -> set_fixmap_nocache(FIX_APIC_BASE, "
	    "0xfee00000): the local APIC in the fixmap below FIXADDR_TOP, "
	    "uncached"), UINT64_C(0xffffffffff5fb000), UINT64_C(0xfee00000),
	    a->page_size, DA_W | DA_MT_NOCACHE << DA_MT_SHIFT)->pages_only =
	    true;
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
	    "0x%" PRIx64 "; memblock_reserve(_stext.._end = 0x%" PRIx64
	    "-0x%" PRIx64 "), the initrd (arm_initrd_init()) and the DTB "
	    "(early_init_fdt_reserve_self())", m->ram_base,
	    m->ram_base + m->ram_size, m->ram_base, ks, ks + m->kimage_size);
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
	/* the DTB: the boot loader's choice; here the section above the
	   image */
	s = step(p, BK_MAP, "paging_init() -> devicemaps_init() "
	    "(arch/arm/mm/mmu.c): the DTB's section (PA 0x%" PRIx64 ") mapped "
	    "read-only at FDT_FIXED_BASE 0xff800000, create_mapping("
	    "MT_MEMORY_RO); it was memblock_reserve()d by arm_memblock_init()",
	    (ks + m->kimage_size + MB(1) - 1) & ~(MB(1) - 1));
	s->va = UINT64_C(0xff800000);
	s->pa = (ks + m->kimage_size + MB(1) - 1) & ~(MB(1) - 1);
	s->size = MB(1);
	s->max_leaf = MB(1);
	s = step(p, BK_MAP, "devicemaps_init() -> early_trap_init(): the "
	    "vectors page at 0xffff0000 (high vectors), user-readable for "
	    "the kuser helpers");
	s->va = UINT64_C(0xffff0000);
	s->pa = ks + text - a->page_size;
	s->size = a->page_size;
	s->at = DA_X | DA_USER;
	s->pages_only = true;
	step(p, BK_NOTE, "paging_init() -> bootmem_init() (arch/arm/mm/"
	    "init.c) -> zone_sizes_init() -> free_area_init(): ZONE_NORMAL "
	    "(lowmem) and ZONE_HIGHMEM exist, with no free pages yet "
	    "(memblock still owns the memory)");
}

/*
 * RISC-V (arch/riscv/mm/init.c, Linux 6.4+): setup_vm() with the MMU off
 * maps the image (2 MiB PMD leaves) and the DTB (in the fixmap) in
 * early_pg_dir; paging_init() -> setup_bootmem() fills memblock,
 * setup_vm_final() builds swapper_pg_dir: the linear map through
 * best_map_size() (PMD_SIZE where PA and VA are aligned, PUD_SIZE only with
 * pgtable_l4_enabled, P4D_SIZE only with pgtable_l5_enabled: never a leaf
 * in the root table), the text and rodata alone afterwards
 * (STRICT_KERNEL_RWX: memblock_mark_nomap()ed first), then the image
 * again with pgprot_from_va().  OpenSBI's 2 MiB at the start of RAM is a
 * reserved-memory node without no-map (OpenSBI with PMP), so the linear
 * map covers it.  The DTB lies where QEMU's virt board puts it: the last
 * 2 MiB below min(end of RAM, 3 GiB).
 */
static uint64_t
riscv_dtb_pa(const struct sim_machine *m)
{
	uint64_t end = m->ram_base + m->ram_size, lim = UINT64_C(3) << 30;

	return ((end < lim ? end : lim) - MB(2)) & ~(MB(2) - 1);
}

/* FIXADDR_TOP = PCI_IO_START (16 MiB below VMEMMAP_START, which lies a
   sixteenth of the vmalloc size below it: Documentation/arch/riscv/
   vm-layout.rst); FIX_FDT_SIZE = MAX_FDT_SIZE (PMD_SIZE) + SZ_2M, so
   __fix_to_virt(FIX_FDT) = FIXADDR_TOP - 4 MiB, 2 MiB aligned. */
static uint64_t
riscv_fix_fdt(const struct arch *a)
{
	uint64_t vsize = a->va_bits == 39 ? UINT64_C(64) << 30 :
	    a->va_bits == 48 ? UINT64_C(32) << 40 : UINT64_C(16) << 50;
	uint64_t vmemmap = a->page_offset - vsize - vsize / 16;

	return vmemmap - MB(16) - MB(4);
}

#define RISCV_KERNEL_LINK_ADDR	UINT64_C(0xffffffff80000000)

/* A linear-map step: best_map_size()'s leaves. */
static void
riscv_linear(struct boot_plan *p, const struct sim_space *sp, uint64_t pa,
    uint64_t size, unsigned at, const char *caption)
{
	struct boot_step *s;

	if (size == 0)
		return;
	s = range(step(p, BK_MAP, "%s", caption), sp->base.arch->page_offset +
	    (pa - sp->m->ram_base), pa, size, at);
	s->no_root_leaf = true;
	s->no_cont = true;
}

static void
plan_riscv(const struct sim_space *sp, struct boot_plan *p)
{
	const struct sim_machine *m = sp->m;
	const struct arch *a = sp->base.arch;
	uint64_t kva = RISCV_KERNEL_LINK_ADDR, ks = m->kimage_pa, text, ro;
	uint64_t end = m->ram_base + m->ram_size;
	uint64_t ksz = (m->kimage_size + MB(2) - 1) & ~(MB(2) - 1);
	uint64_t dtb = riscv_dtb_pa(m);
	struct boot_step *s;

	image_split(m, &text, &ro);
	s = range(step(p, BK_MAP, "setup_vm() (arch/riscv/mm/init.c), MMU "
	    "off: kernel_map.virt_addr = KERNEL_LINK_ADDR 0x%" PRIx64 ", "
	    "phys_addr = _start 0x%" PRIx64 ", va_kernel_pa_offset 0x%" PRIx64
	    "; create_kernel_page_table(early_pg_dir, true): the image in "
	    "2 MiB PMD leaves, PAGE_KERNEL_EXEC", kva, ks, kva - ks),
	    kva, ks, ksz, DA_W | DA_X);
	s->max_leaf = MB(2);
	s = range(step(p, BK_MAP, "setup_vm() -> create_fdt_early_page_table()"
	    ": the DTB at PA 0x%" PRIx64 " in the fixmap at FIX_FDT 0x%" PRIx64
	    ", two 2 MiB PMD leaves of fixmap_pmd (PAGE_KERNEL); then "
	    "pt_ops_set_fixmap() and the MMU goes on with early_pg_dir", dtb,
	    riscv_fix_fdt(a)), riscv_fix_fdt(a), dtb, MB(4), DA_W);
	s->max_leaf = MB(2);
	step(p, BK_NOTE, "setup_arch() -> paging_init() -> setup_bootmem() "
	    "(arch/riscv/mm/init.c): memblock holds the DT's RAM 0x%" PRIx64
	    "-0x%" PRIx64 "; memblock_reserve(_start.._end rounded up to "
	    "PMD_SIZE = 0x%" PRIx64 "-0x%" PRIx64 "); phys_ram_base = 0x%"
	    PRIx64 ", va_pa_offset = PAGE_OFFSET - phys_ram_base; "
	    "reserve_initrd_mem(); early_init_fdt_scan_reserved_mem() "
	    "(OpenSBI's 0x%" PRIx64 "-0x%" PRIx64 "); memblock_reserve(DTB)",
	    m->ram_base, end, ks, ks + ksz, m->ram_base & ~(MB(2) - 1),
	    m->ram_base, ks);
	riscv_linear(p, sp, m->ram_base, ks - m->ram_base, DA_W,
	    "paging_init() -> setup_vm_final() -> "
	    "create_linear_mapping_page_table(): kernel text and rodata "
	    "memblock_mark_nomap()ed, every other range -> "
	    "create_linear_mapping_range() -> best_map_size() -> "
	    "create_pgd_mapping() in swapper_pg_dir: the RAM below the image "
	    "(OpenSBI's)");
	riscv_linear(p, sp, ks + text + ro, end - ks - text - ro, DA_W,
	    "create_linear_mapping_range(): the RAM above the image's text "
	    "and rodata, PAGE_KERNEL; best_map_size(): a PMD leaf (2 MiB) "
	    "where PA and VA are aligned and 2 MiB remain, PUD_SIZE only with "
	    "pgtable_l4_enabled, else PAGE_SIZE");
	riscv_linear(p, sp, ks, text, 0,
	    "create_linear_mapping_page_table(): the text alone, so no "
	    "bigger leaf spans it: its linear alias is PAGE_KERNEL_READ "
	    "(pgprot_from_va(): is_va_kernel_lm_alias_text())");
	riscv_linear(p, sp, ks + text, ro, DA_W,
	    "create_linear_mapping_page_table(): the rodata alone, "
	    "PAGE_KERNEL until mark_rodata_ro(); memblock_clear_nomap()");
	range(step(p, BK_PROTECT, "setup_vm_final() -> "
	    "create_kernel_page_table(swapper_pg_dir, false): the image at "
	    "KERNEL_LINK_ADDR again, text PAGE_KERNEL_READ_EXEC "
	    "(pgprot_from_va(): is_va_kernel_text()) (the simulator keeps one "
	    "root: early_pg_dir and swapper_pg_dir are drawn as one)"),
	    kva, ks, text, DA_R | DA_X);
	range(step(p, BK_PROTECT, "create_kernel_page_table(): the rest of "
	    "the image PAGE_KERNEL (writable, not executable); the fixmap's "
	    "pgd entry is copied, csr_write(CSR_SATP, swapper_pg_dir | "
	    "satp_mode) switches tables, pt_ops_set_late()"), kva + text,
	    ks + text, ksz - text, DA_R | DA_W);
	step(p, BK_NOTE, "setup_arch() -> misc_mem_init() (arch/riscv/mm/"
	    "init.c) -> zone_sizes_init() -> free_area_init(): ZONE_DMA32 up "
	    "to 4 GiB and ZONE_NORMAL exist, with no free pages yet "
	    "(memblock still owns the memory)");
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
	else if (f == DF_RISCV)
		plan_riscv(sp, p);
	else
		return 0;
	/* mm_core_init() (mm/mm_init.c) is Linux 6.4's name for mm_init();
	   it calls build_all_zonelists() first */
	step(p, BK_FREE_ALL, "start_kernel() (init/main.c), after setup_arch() "
	    "returned -> mm_core_init() (mm/mm_init.c; mm_init() before Linux "
	    "6.4): build_all_zonelists(), then mem_init() -> memblock_free_all() "
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
			    (s->no_root_leaf && li == 0) ||
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
	case DF_RISCV:
		return RISCV_KERNEL_LINK_ADDR;
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
		    "The boot replay exists for arm64 (not LPA2), x86_64, "
		    "armv7-2l and riscv; "
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
	else if (s->kind == BK_PROTECT)
		rc = simpt_protect(sp, simpt_root_of(sp, s->va),
		    arch_va_to_lin(sp->base.arch, s->va), s->size, s->at, err);
	else if (s->kind == BK_FREE_ALL)
		sp->memblock = false;
	if (rc != 0)
		return rc;
	snprintf(caption, n, "%s", s->caption);
	sp->base.generation++;
	return 0;
}
