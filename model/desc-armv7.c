/* SPDX-License-Identifier: MIT */
/* desc-armv7.c: ARMv7 short descriptors and the Linux PTE beside each hardware PTE. */
#include "config.h"
#include "desc-int.h"

#include <string.h>

#include "pt.h"

/* ARMv7 Linux PTE bits (arch/arm/include/asm/pgtable-2level.h) */
#define LP_VALID	0x001u
#define LP_YOUNG	0x002u
#define LP_MT_MASK	0x03cu
#define LP_MT_BUFFERABLE 0x004u
#define LP_MT_DEV_SHARED 0x010u
#define LP_MT_WRITEALLOC 0x01cu
#define LP_DIRTY	0x040u
#define LP_RDONLY	0x080u
#define LP_USER		0x100u
#define LP_XN		0x200u
#define LP_SHARED	0x400u

/* ARMv7 first-level section or supersection (TEX remap indices). */
uint64_t
desc_armv7_section(const struct desc_leaf *l)
{
	unsigned mt = (l->at & DA_MT_MASK) >> DA_MT_SHIFT;
	bool user = l->at & DA_USER;
	uint64_t v = 0x2 | BIT(16);	/* section, S */

	v |= mt == DA_MT_DEVICE ? 0x1000 : mt == DA_MT_NOCACHE ? 0x4 : 0x100c;
	if (!(l->at & DA_X))
		v |= BIT(4);			/* XN */
	if (desc_hw_writable(l->at))
		v |= user ? 0xc00 : 0x400;	/* AP = 11 / 01 */
	else
		v |= BIT(15) | (user ? 0xc00 : 0x400);	/* APX */
	if (!(l->at & DA_GLOBAL))
		v |= BIT(17);			/* nG */
	if (l->at & DA_GRP)
		return v | BIT(18) | (l->grp_pa & 0xff000000u);
	return v | (l->pa & 0xfff00000u);
}

/* ARMv7 Linux PTE of a page. */
uint32_t
desc_armv7_linux_pte(const struct desc_leaf *l)
{
	unsigned mt = (l->at & DA_MT_MASK) >> DA_MT_SHIFT;
	uint32_t v = LP_VALID | LP_YOUNG | LP_SHARED | (uint32_t)l->pa;

	v |= mt == DA_MT_DEVICE ? LP_MT_DEV_SHARED : mt == DA_MT_NOCACHE ?
	    LP_MT_BUFFERABLE : LP_MT_WRITEALLOC;
	if ((l->at & DA_DIRTY) || !(l->at & DA_USER))
		v |= LP_DIRTY;
	if (!desc_hw_writable(l->at))
		v |= LP_RDONLY;
	if (l->at & DA_USER)
		v |= LP_USER;
	if (!(l->at & DA_X))
		v |= LP_XN;
	return v;
}

/* The hardware small-page PTE cpu_v7_set_pte_ext() derives from a Linux PTE. */
uint32_t
desc_armv7_hw_pte(uint32_t lx, bool ng)
{
	uint32_t hw = lx & ~0x3f0u & ~0x3u;

	hw |= 0x10 | 0x2;			/* AP0, small page */
	if (ng)
		hw |= 0x800;
	if (lx & 0x10)
		hw |= 0x40;			/* TEX[0] */
	if ((lx & LP_RDONLY) || !(lx & LP_DIRTY))
		hw |= 0x200;			/* APX */
	if (lx & LP_USER)
		hw |= 0x20;			/* AP1 */
	if (lx & LP_XN)
		hw |= 0x1;
	if (!(lx & LP_YOUNG) || !(lx & LP_VALID))
		hw = 0;
	return hw;
}

/* The large-page (64 KiB) form of a small-page hardware PTE. */
uint32_t
desc_armv7_hw_large(uint32_t small, uint64_t grp_pa)
{
	uint32_t v = (small & 0xe3cu) | 0x1 | (uint32_t)(grp_pa & 0xffff0000u);

	if (small & 0x40)
		v |= 0x1000;			/* TEX[0] at 12 */
	if (small & 0x1)
		v |= 0x8000;			/* XN at 15 */
	return v;
}

static uint32_t
armv7_mt_flags(unsigned idx)
{
	if (idx == 4)
		return PTF_DEVICE | PTF_NOCACHE;
	if (idx == 1 || idx == 0)
		return PTF_NOCACHE;
	return 0;
}

/* Flags of an ARMv7 section or (from the Linux PTE) page. */
uint32_t
desc_armv7_flags(bool block, uint64_t e, uint32_t lx, char *attrs, size_t n)
{
	uint32_t fl = PTF_PRESENT | PTF_READ;
	unsigned idx;

	if (block) {
		unsigned ap = (unsigned)(e >> 10) & 3;

		idx = (((unsigned)(e >> 12) & 1) << 2) | (((unsigned)e >> 2) & 3);
		fl |= PTF_SECTION | PTF_ACCESSED | armv7_mt_flags(idx);
		if (!(e & BIT(15)) && ap != 0)
			fl |= PTF_WRITE;
		if (ap == 3)
			fl |= PTF_USER;
		if (!(e & BIT(4)))
			fl |= PTF_EXEC;
		if (!(e & BIT(17)))
			fl |= PTF_GLOBAL;
		if (e & BIT(18))
			fl |= PTF_CONT;
		desc_attr_add(attrs, n, e & BIT(18) ? "supersection" : "section", 0);
		return fl;
	}
	idx = (lx & LP_MT_MASK) >> 2;
	fl |= armv7_mt_flags(((idx >> 2) & 1) << 2 | (idx & 3));
	if (!(lx & LP_RDONLY))
		fl |= PTF_WRITE;
	if (lx & LP_USER)
		fl |= PTF_USER;
	if (!(lx & LP_XN))
		fl |= PTF_EXEC;
	if (lx & LP_YOUNG)
		fl |= PTF_ACCESSED;
	if (lx & LP_DIRTY)
		fl |= PTF_DIRTY;
	if (!(e & 0x800))
		fl |= PTF_GLOBAL;
	if ((e & 3) == 1)
		fl |= PTF_CONT;
	desc_attr_add(attrs, n, (e & 3) == 1 ? "large" : "small", 0);
	return fl;
}


/* The output address an ARMv7 leaf holds (pages: from the Linux PTE). */
uint64_t
desc_armv7_leaf_pa(bool block, uint64_t e, uint32_t lx)
{
	if (!block)
		return lx & 0xfffff000u;
	return e & BIT(18) ? e & 0xff000000u : e & 0xfff00000u;
}
