/* SPDX-License-Identifier: MIT */
/* desc-arm64.c: long descriptors: arm64 (4K/16K/64K granules) and ARMv7 LPAE. */
#include "config.h"
#include "desc-int.h"

#include <string.h>

#include "pt.h"

/* arm64 (and LPAE, which shares the long-descriptor layout) */
#define A64_AF		BIT(10)
#define A64_NG		BIT(11)
#define A64_USER	BIT(6)
#define A64_RDONLY	BIT(7)
#define A64_SH		(3u << 8)
#define A64_WRITE	BIT(51)
#define A64_CONT	BIT(52)
#define A64_PXN		BIT(53)
#define A64_UXN		BIT(54)
#define A64_DIRTY	BIT(55)
#define L_PTE_RDONLY	BIT(58)		/* LPAE software read-only */
/* table descriptors: PXNTable / UXNTable (pgtable-hwdef.h PMD_TABLE_PXN,
   PMD_TABLE_UXN); p?d_populate() sets UXNTable on init_mm's tables and
   PXNTable on user tables since v5.13 (asm/pgalloc.h) */
#define A64_TABLE_PXN	BIT(59)
#define A64_TABLE_UXN	BIT(60)
/* FEAT_LPA2 (TCR_EL1.DS = 1): OA[49:PAGE_SHIFT] stay in place, OA[51:50]
   move to bits 9:8 where SH was (pgtable-hwdef.h PTE_ADDR_HIGH 0x3 << 8,
   PTE_ADDR_HIGH_SHIFT 42); shareability comes from TCR_EL1.SH1/SH0, so
   PTE_MAYBE_SHARED is 0 (pgtable-prot.h) */
#define LPA2_ADDR_LOW	(BIT(50) - 1)
#define LPA2_ADDR_HIGH_SHIFT	42

/* An output or table address in the LPA2 layout. */
static uint64_t
lpa2_addr(uint64_t pa)
{
	return (pa & LPA2_ADDR_LOW) | ((pa >> LPA2_ADDR_HIGH_SHIFT) & (3u << 8));
}

/* The address an LPA2 descriptor holds. */
static uint64_t
lpa2_pa(uint64_t e, unsigned page_shift)
{
	return (e & LPA2_ADDR_LOW & ~((UINT64_C(1) << page_shift) - 1)) |
	    ((e & (3u << 8)) << LPA2_ADDR_HIGH_SHIFT);
}

/*
 * ARMv7 LPAE permissions, arch/arm/include/asm/pgtable-3level.h and
 * cpu_v7_set_pte_ext (arch/arm/mm/proc-v7-3level.S): Linux keeps
 * L_PTE_DIRTY (bit 55) and L_PTE_RDONLY (bit 58, L_PMD_SECT_RDONLY for
 * sections) in software bits and sets AP[2] (bit 7) when the entry is
 * !DIRTY || RDONLY.  Kernel mappings (pgprot_kernel) are always dirty;
 * read-only ones (set_memory_ro(), STRICT_KERNEL_RWX's section_perm
 * "L_PMD_SECT_RDONLY | PMD_SECT_AP2") add RDONLY; XN is bit 54.
 */
static uint64_t
lpae_perm_bits(const struct desc_leaf *l)
{
	bool dirty = (l->at & DA_DIRTY) || !(l->at & DA_USER);
	uint64_t v = 0;

	if (!desc_hw_writable(l->at))
		v |= L_PTE_RDONLY | A64_RDONLY;
	if (dirty)
		v |= A64_DIRTY;
	else
		v |= A64_RDONLY;	/* clean: the first write faults */
	if (!(l->at & DA_X))
		v |= A64_UXN;		/* L_PTE_XN, bit 54 */
	return v;
}

/* arm64 and LPAE leaf: type, AttrIndx, AP, SH, AF, nG, DBM, PXN/UXN, dirty. */
uint64_t
desc_long_leaf(enum desc_family f, const struct desc_leaf *l)
{
	unsigned mt = (l->at & DA_MT_MASK) >> DA_MT_SHIFT;
	bool user = l->at & DA_USER;
	bool a64 = desc_is_arm64(f);
	uint64_t v = (l->block ? 0x1 : 0x3) | A64_AF;

	if (f == DF_ARM64_LPA2)
		v |= lpa2_addr(l->pa);
	else
		v |= l->pa | A64_SH;
	if (a64)		/* MT_NORMAL 0, MT_NORMAL_NC 2, MT_DEVICE_nGnRE 4 */
		v |= (uint64_t)(mt == DA_MT_DEVICE ? 4 : mt == DA_MT_NOCACHE ?
		    2 : 0) << 2;
	else			/* LPAE: WRITEALLOC 7, BUFFERABLE 1, DEV_SHARED 4 */
		v |= (uint64_t)(mt == DA_MT_DEVICE ? 4 : mt == DA_MT_NOCACHE ?
		    1 : 7) << 2;
	if (user)
		v |= A64_USER;
	if (!(l->at & DA_GLOBAL))
		v |= A64_NG;
	if (!a64)
		return v | lpae_perm_bits(l);
	if (desc_hw_writable(l->at)) {
		v |= A64_WRITE;
		if (user && !(l->at & DA_DIRTY))
			v |= A64_RDONLY;	/* clean: first write faults */
		else if (user)
			v |= A64_DIRTY;
	} else {
		v |= A64_RDONLY;
		if ((l->at & DA_DIRTY) && user)
			v |= A64_DIRTY;		/* wrprotect keeps it in sw */
	}
	if (user || !(l->at & DA_X))
		v |= A64_PXN;
	if (!user || !(l->at & DA_X))
		v |= A64_UXN;
	if (l->at & DA_GRP)
		v |= A64_CONT;
	return v;
}

/* arm64 and LPAE table descriptor: type 0b11 and, on arm64, the XN
   table bit p?d_populate() sets for the half (see A64_TABLE_PXN). */
uint64_t
desc_long_table(enum desc_family f, uint64_t child_pa, bool user)
{
	uint64_t v = 0x3;

	if (f == DF_LPAE)
		return child_pa | v;
	v |= user ? A64_TABLE_PXN : A64_TABLE_UXN;
	return v | (f == DF_ARM64_LPA2 ? lpa2_addr(child_pa) : child_pa);
}

/*
 * map_mem() (arch/arm64/mm/mmu.c) maps the linear map with flags =
 * NO_EXEC_MAPPINGS, and alloc_init_pud(), alloc_init_cont_pmd() and
 * alloc_init_cont_pte() add P?D_TABLE_PXN to every table entry they write
 * under that flag (since v5.13, "use XN table mapping attributes for the
 * linear region"); the kernel image, fixmap and vmemmap tables carry
 * UXNTable only.  The linear map is [PAGE_OFFSET, PAGE_END), PAGE_END =
 * -(1 << (VA_BITS_MIN - 1)) with VA_BITS_MIN = min(VA_BITS, 48)
 * (arch/arm64/include/asm/memory.h).  An entry whose span reaches past
 * PAGE_END (52-bit VA: the pgd entry of 0xffff000000000000, 2^48 bytes)
 * was first written for the kernel image, which is mapped before the
 * linear map (map_kernel() then map_mem() in paging_init(); since 6.9 the
 * early map_range() of arch/arm64/kernel/pi), and keeps its UXNTable-only
 * descriptor.
 */
bool
desc_arm64_linear_table(const struct arch *a, uint64_t va, uint64_t span)
{
	unsigned min_bits = a->va_bits > 48 ? 48 : a->va_bits;
	uint64_t page_end = -(UINT64_C(1) << (min_bits - 1));

	return strcmp(a->family, "arm64") == 0 && va >= a->page_offset &&
	    va < page_end && span <= page_end - va;
}

uint32_t
desc_long_flags(enum desc_family f, uint64_t e, char *attrs, size_t n)
{
	uint32_t fl = PTF_PRESENT | PTF_READ;
	unsigned idx = (unsigned)(e >> 2) & 7;
	bool user = e & A64_USER;
	bool a64 = desc_is_arm64(f);

	if (a64 ? (e & A64_WRITE) != 0 : !(e & A64_RDONLY))
		fl |= PTF_WRITE;
	if (user)
		fl |= PTF_USER;
	if (user ? !(e & A64_UXN) : (a64 ? !(e & A64_PXN) :
	    !(e & A64_UXN)))
		fl |= PTF_EXEC;
	if (!(e & A64_NG))
		fl |= PTF_GLOBAL;
	if (e & A64_AF)
		fl |= PTF_ACCESSED;
	if ((e & A64_DIRTY) || ((e & A64_WRITE) && !(e & A64_RDONLY)))
		fl |= PTF_DIRTY;
	if (a64) {
		if (idx == 2)
			fl |= PTF_NOCACHE;
		if (idx == 3 || idx == 4)
			fl |= PTF_DEVICE;
		if (e & A64_CONT)
			fl |= PTF_CONT;
		if (e & A64_PXN)
			fl |= PTF_PXN;
	} else {
		if (idx == 1)
			fl |= PTF_NOCACHE;
		if (idx == 4)
			fl |= PTF_DEVICE;
	}
	desc_attr_add(attrs, n, "AttrIndx=%u", idx);
	if (f != DF_ARM64_LPA2)		/* LPA2: bits 9:8 are OA[51:50] */
		desc_attr_add(attrs, n, "SH=%u", (unsigned)(e >> 8) & 3);
	desc_attr_add(attrs, n, "AP=%u", (unsigned)((e >> 7) & 1) * 10 +
	    (unsigned)((e >> 6) & 1));
	return fl;
}


/* The output address a long-descriptor leaf holds. */
uint64_t
desc_long_leaf_pa(enum desc_family f, uint64_t e, unsigned page_shift)
{
	uint64_t pa;

	if (f == DF_ARM64_LPA2)
		return lpa2_pa(e, page_shift);
	pa = e & UINT64_C(0x0000ffffffffffff) &
	    ~((UINT64_C(1) << page_shift) - 1);

	if (page_shift == 16)	/* 52-bit PA: OA[51:48] in 15:12 */
		pa |= ((e >> 12) & 0xf) << 48;
	return pa;
}

/* The table address a long-descriptor table entry holds. */
uint64_t
desc_long_table_pa(enum desc_family f, uint64_t e, unsigned page_shift)
{
	if (f == DF_ARM64_LPA2)
		return lpa2_pa(e, page_shift);
	return e & UINT64_C(0x0000fffffffff000) &
	    ~((UINT64_C(1) << page_shift) - 1);
}
