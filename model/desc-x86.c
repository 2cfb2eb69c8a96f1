/* SPDX-License-Identifier: MIT */
/* desc-x86.c: x86 descriptors (32-bit, PAE, x86_64 4/5-level). */
#include "config.h"
#include "desc-int.h"

#include <string.h>

#include "pt.h"

/* x86: arch/x86/include/asm/pgtable_types.h */
#define X86_P	0x001u
#define X86_RW	0x002u
#define X86_US	0x004u
#define X86_PWT	0x008u
#define X86_PCD	0x010u
#define X86_A	0x020u
#define X86_D	0x040u
#define X86_PS	0x080u
#define X86_G	0x100u
#define X86_NX	BIT(63)

/* x86 leaf: P, RW, US, PWT/PCD, A, D, PS, G, NX and the PFN field. */
uint64_t
desc_x86_leaf(enum desc_family f, const struct desc_leaf *l)
{
	unsigned mt = (l->at & DA_MT_MASK) >> DA_MT_SHIFT;
	uint64_t v = X86_P | X86_A | l->pa;

	if (desc_hw_writable(l->at))
		v |= X86_RW;
	if (l->at & DA_USER)
		v |= X86_US;
	if ((l->at & DA_DIRTY) || !(l->at & DA_USER))
		v |= X86_D;
	if (l->block)
		v |= X86_PS;
	if (l->at & DA_GLOBAL)
		v |= X86_G;
	if (mt == DA_MT_DEVICE)
		v |= X86_PCD | X86_PWT;		/* UC */
	else if (mt == DA_MT_NOCACHE)
		v |= X86_PCD;			/* UC- */
	if (!(l->at & DA_X) && f != DF_X86_32)
		v |= X86_NX;
	return v;
}

/* An x86 entry pointing at a table: _PAGE_TABLE (P|RW|US|A|D), what
   pmd_populate(_kernel)(), pud_populate(), p4d_populate() and
   pgd_populate() write for user and kernel tables alike
   (arch/x86/include/asm/pgalloc.h; the direct map too, through
   init_64.c's p?d_populate_init()); PAE's PDPTEs hold P only.  The one
   _KERNPG_TABLE entry is desc_x86_kernpg_table()'s. */
uint64_t
desc_x86_table(enum desc_family f, unsigned li, uint64_t child_pa, bool user)
{
	(void)user;
	if (f == DF_X86_PAE && li == 0)
		return child_pa | X86_P;
	return child_pa | 0x067;
}

/* Flags of an x86 leaf. */
uint32_t
desc_x86_flags(enum desc_family f, uint64_t e, char *attrs, size_t n)
{
	uint32_t fl = PTF_PRESENT | PTF_READ;

	if (e & X86_RW)
		fl |= PTF_WRITE;
	if (f == DF_X86_32 || !(e & X86_NX))
		fl |= PTF_EXEC;
	if (e & X86_US)
		fl |= PTF_USER;
	if (e & X86_G)
		fl |= PTF_GLOBAL;
	if (e & X86_A)
		fl |= PTF_ACCESSED;
	if (e & X86_D)
		fl |= PTF_DIRTY;
	if (e & (X86_PCD | X86_PWT))
		fl |= PTF_NOCACHE;
	if ((e & (X86_PCD | X86_PWT)) == (X86_PCD | X86_PWT))
		fl |= PTF_DEVICE;
	desc_attr_add(attrs, n, "PCD=%u", (unsigned)(e >> 4) & 1);
	desc_attr_add(attrs, n, "PWT=%u", (unsigned)(e >> 3) & 1);
	return fl;
}


/* The output address an x86 leaf holds. */
uint64_t
desc_x86_leaf_pa(enum desc_family f, bool block, uint64_t e)
{
	if (f == DF_X86_32)
		return e & (block ? 0xffc00000u : 0xfffff000u);
	return e & UINT64_C(0x000ffffffffff000) &
	    ~(block ? UINT64_C(0x1fffff) : 0);
}

/* The table address an x86 table entry holds. */
uint64_t
desc_x86_table_pa(enum desc_family f, uint64_t e)
{
	if (f == DF_X86_32)
		return e & 0xfffff000u;
	return e & UINT64_C(0x0000fffffffff000);
}

/* Whether the table entry at levels[li] covering va is the static
   level3_kernel_pgt[510] -> level2_kernel_pgt link of head_64.S, written
   _KERNPG_TABLE (0x063, no US): the pud entry of the 1 GiB from
   __START_KERNEL_map (0xffffffff80000000), kernel image and modules. */
bool
desc_x86_kernpg_table(const struct arch *a, unsigned li, uint64_t va)
{
	return strcmp(a->family, "x86_64") == 0 && li < a->nlevels &&
	    a->levels[li].level == PT_PUD &&
	    va >= UINT64_C(0xffffffff80000000) &&
	    va < UINT64_C(0xffffffffc0000000);
}
