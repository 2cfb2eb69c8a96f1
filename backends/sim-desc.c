/* sim-desc.c: descriptor encoding and decoding per arch family. */
#include "config.h"
#include "sim-desc.h"

#include <stdio.h>
#include <string.h>

#include "pt.h"

#define BIT(n)	(UINT64_C(1) << (n))

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

/* RISC-V */
#define RV_V	0x01u
#define RV_R	0x02u
#define RV_W	0x04u
#define RV_X	0x08u
#define RV_U	0x10u
#define RV_G	0x20u
#define RV_A	0x40u
#define RV_D	0x80u
#define RV_NC	BIT(61)
#define RV_IO	BIT(62)
#define RV_N	BIT(63)

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

/* The descriptor family of an arch. */
enum sim_fam
simdesc_family(const struct arch *a)
{
	if (strcmp(a->family, "x86_64") == 0)
		return SF_X86_64;
	if (strcmp(a->family, "x86") == 0)
		return a->entry_bytes == 4 ? SF_X86_32 : SF_X86_PAE;
	if (strcmp(a->family, "arm64") == 0)
		return SF_ARM64;
	if (strcmp(a->family, "armv7") == 0)
		return a->entry_bytes == 4 ? SF_ARMV7 : SF_LPAE;
	return SF_RISCV;
}

/* Whether the hardware entry is writable now (W and not write-protected). */
static bool
hw_writable(unsigned at)
{
	return (at & SA_W) && !(at & SA_COW);
}

/* x86 leaf: P, RW, US, PWT/PCD, A, D, PS, G, NX and the PFN field. */
static uint64_t
leaf_x86(enum sim_fam f, const struct simdesc_leaf *l)
{
	unsigned mt = (l->at & SA_MT_MASK) >> SA_MT_SHIFT;
	uint64_t v = X86_P | X86_A | l->pa;

	if (hw_writable(l->at))
		v |= X86_RW;
	if (l->at & SA_USER)
		v |= X86_US;
	if ((l->at & SA_DIRTY) || !(l->at & SA_USER))
		v |= X86_D;
	if (l->block)
		v |= X86_PS;
	if (l->at & SA_GLOBAL)
		v |= X86_G;
	if (mt == SA_MT_DEVICE)
		v |= X86_PCD | X86_PWT;		/* UC */
	else if (mt == SA_MT_NOCACHE)
		v |= X86_PCD;			/* UC- */
	if (!(l->at & SA_X) && f != SF_X86_32)
		v |= X86_NX;
	return v;
}

/* arm64 and LPAE leaf: type, AttrIndx, AP, SH, AF, nG, DBM, PXN/UXN, dirty. */
static uint64_t
leaf_long(enum sim_fam f, const struct simdesc_leaf *l)
{
	unsigned mt = (l->at & SA_MT_MASK) >> SA_MT_SHIFT;
	bool user = l->at & SA_USER;
	uint64_t v = l->pa | (l->block ? 0x1 : 0x3) | A64_AF | A64_SH;

	if (f == SF_ARM64)	/* MT_NORMAL 0, MT_NORMAL_NC 2, MT_DEVICE_nGnRE 4 */
		v |= (uint64_t)(mt == SA_MT_DEVICE ? 4 : mt == SA_MT_NOCACHE ?
		    2 : 0) << 2;
	else			/* LPAE: WRITEALLOC 7, BUFFERABLE 1, DEV_SHARED 4 */
		v |= (uint64_t)(mt == SA_MT_DEVICE ? 4 : mt == SA_MT_NOCACHE ?
		    1 : 7) << 2;
	if (user)
		v |= A64_USER;
	if (!(l->at & SA_GLOBAL))
		v |= A64_NG;
	if (hw_writable(l->at)) {
		if (f == SF_ARM64)
			v |= A64_WRITE;
		if (user && !(l->at & SA_DIRTY))
			v |= A64_RDONLY;	/* clean: first write faults */
		else if (user)
			v |= A64_DIRTY;
	} else {
		v |= A64_RDONLY;
		if ((l->at & SA_DIRTY) && user)
			v |= A64_DIRTY;		/* wrprotect keeps it in sw */
	}
	if (f == SF_ARM64) {
		if (user || !(l->at & SA_X))
			v |= A64_PXN;
		if (!user || !(l->at & SA_X))
			v |= A64_UXN;
	} else if (!(l->at & SA_X)) {
		v |= A64_UXN;			/* L_PTE_XN, bit 54 */
	}
	if ((l->at & SA_GRP) && f == SF_ARM64)
		v |= A64_CONT;
	return v;
}

/* RISC-V leaf: V R W X U G A D, PBMT, NAPOT and the PPN. */
static uint64_t
leaf_riscv(const struct simdesc_leaf *l)
{
	unsigned mt = (l->at & SA_MT_MASK) >> SA_MT_SHIFT;
	uint64_t ppn = l->pa >> 12;
	uint64_t v = RV_V | RV_A | RV_R;

	if (hw_writable(l->at))
		v |= RV_W;
	if (l->at & SA_X)
		v |= RV_X;
	if (l->at & SA_USER)
		v |= RV_U;
	if (l->at & SA_GLOBAL)
		v |= RV_G;
	if ((l->at & SA_DIRTY) || !(l->at & SA_USER))
		v |= RV_D;
	if (mt == SA_MT_DEVICE)
		v |= RV_IO;
	else if (mt == SA_MT_NOCACHE)
		v |= RV_NC;
	if (l->at & SA_GRP) {		/* 64 KiB NAPOT: ppn[3:0] = 1000 */
		ppn = ((l->grp_pa >> 12) & ~UINT64_C(0xf)) | 0x8;
		v |= RV_N;
	}
	return v | ppn << 10;
}

/* ARMv7 first-level section or supersection (TEX remap indices). */
static uint64_t
leaf_armv7_section(const struct simdesc_leaf *l)
{
	unsigned mt = (l->at & SA_MT_MASK) >> SA_MT_SHIFT;
	bool user = l->at & SA_USER;
	uint64_t v = 0x2 | BIT(16);	/* section, S */

	v |= mt == SA_MT_DEVICE ? 0x1000 : mt == SA_MT_NOCACHE ? 0x4 : 0x100c;
	if (!(l->at & SA_X))
		v |= BIT(4);			/* XN */
	if (hw_writable(l->at))
		v |= user ? 0xc00 : 0x400;	/* AP = 11 / 01 */
	else
		v |= BIT(15) | (user ? 0xc00 : 0x400);	/* APX */
	if (!(l->at & SA_GLOBAL))
		v |= BIT(17);			/* nG */
	if (l->at & SA_GRP)
		return v | BIT(18) | (l->grp_pa & 0xff000000u);
	return v | (l->pa & 0xfff00000u);
}

/* ARMv7 Linux PTE of a page. */
static uint32_t
linux_pte_armv7(const struct simdesc_leaf *l)
{
	unsigned mt = (l->at & SA_MT_MASK) >> SA_MT_SHIFT;
	uint32_t v = LP_VALID | LP_YOUNG | LP_SHARED | (uint32_t)l->pa;

	v |= mt == SA_MT_DEVICE ? LP_MT_DEV_SHARED : mt == SA_MT_NOCACHE ?
	    LP_MT_BUFFERABLE : LP_MT_WRITEALLOC;
	if ((l->at & SA_DIRTY) || !(l->at & SA_USER))
		v |= LP_DIRTY;
	if (!hw_writable(l->at))
		v |= LP_RDONLY;
	if (l->at & SA_USER)
		v |= LP_USER;
	if (!(l->at & SA_X))
		v |= LP_XN;
	return v;
}

/* The hardware small-page PTE cpu_v7_set_pte_ext() derives from a Linux PTE. */
static uint32_t
hw_pte_armv7(uint32_t lx, bool ng)
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
static uint32_t
hw_large_armv7(uint32_t small, uint64_t grp_pa)
{
	uint32_t v = (small & 0xe3cu) | 0x1 | (uint32_t)(grp_pa & 0xffff0000u);

	if (small & 0x40)
		v |= 0x1000;			/* TEX[0] at 12 */
	if (small & 0x1)
		v |= 0x8000;			/* XN at 15 */
	return v;
}

/* The descriptor of a leaf entry. */
uint64_t
simdesc_leaf(enum sim_fam f, const struct simdesc_leaf *l, uint32_t *linux_pte)
{
	uint32_t lx, hw;

	switch (f) {
	case SF_X86_64:
	case SF_X86_32:
	case SF_X86_PAE:
		return leaf_x86(f, l);
	case SF_ARM64:
	case SF_LPAE:
		return leaf_long(f, l);
	case SF_RISCV:
		return leaf_riscv(l);
	case SF_ARMV7:
		break;
	}
	if (l->block)
		return leaf_armv7_section(l);
	lx = linux_pte_armv7(l);
	if (linux_pte)
		*linux_pte = lx;
	hw = hw_pte_armv7(lx, !(l->at & SA_GLOBAL));
	return (l->at & SA_GRP) ? hw_large_armv7(hw, l->grp_pa) : hw;
}

/* The descriptor of an entry pointing at a table. */
uint64_t
simdesc_table(enum sim_fam f, unsigned li, uint64_t child_pa, bool user,
    unsigned half)
{
	switch (f) {
	case SF_X86_PAE:
		if (li == 0)
			return child_pa | X86_P;	/* PDPTE: P only */
		/* fall through */
	case SF_X86_64:
	case SF_X86_32:			/* _PAGE_TABLE / _KERNPG_TABLE */
		return child_pa | (user ? 0x067 : 0x063);
	case SF_ARM64:
	case SF_LPAE:
		return child_pa | 0x3;
	case SF_RISCV:
		return (child_pa >> 12) << 10 | RV_V;
	case SF_ARMV7:			/* _PAGE_USER_TABLE / _KERNEL_TABLE */
		return (child_pa + 2048 + 1024 * half) | (user ? 0x31 : 0x11);
	}
	return 0;
}

/* Append a word to attrs. */
static void
attr_add(char *attrs, size_t n, const char *fmt, unsigned v)
{
	size_t len;

	if (attrs == NULL || n == 0)
		return;
	len = strlen(attrs);
	if (len && len + 1 < n)
		attrs[len++] = ' ';
	if (len < n)
		snprintf(attrs + len, n - len, fmt, v);
}

/* Flags of an x86 leaf. */
static uint32_t
flags_x86(enum sim_fam f, uint64_t e, char *attrs, size_t n)
{
	uint32_t fl = PTF_PRESENT | PTF_READ;

	if (e & X86_RW)
		fl |= PTF_WRITE;
	if (f == SF_X86_32 || !(e & X86_NX))
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
	attr_add(attrs, n, "PCD=%u", (unsigned)(e >> 4) & 1);
	attr_add(attrs, n, "PWT=%u", (unsigned)(e >> 3) & 1);
	return fl;
}

/* Flags of an arm64 or LPAE leaf. */
static uint32_t
flags_long(enum sim_fam f, uint64_t e, char *attrs, size_t n)
{
	uint32_t fl = PTF_PRESENT | PTF_READ;
	unsigned idx = (unsigned)(e >> 2) & 7;
	bool user = e & A64_USER;

	if (f == SF_ARM64 ? (e & A64_WRITE) != 0 : !(e & A64_RDONLY))
		fl |= PTF_WRITE;
	if (user)
		fl |= PTF_USER;
	if (user ? !(e & A64_UXN) : (f == SF_ARM64 ? !(e & A64_PXN) :
	    !(e & A64_UXN)))
		fl |= PTF_EXEC;
	if (!(e & A64_NG))
		fl |= PTF_GLOBAL;
	if (e & A64_AF)
		fl |= PTF_ACCESSED;
	if ((e & A64_DIRTY) || ((e & A64_WRITE) && !(e & A64_RDONLY)))
		fl |= PTF_DIRTY;
	if (f == SF_ARM64) {
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
	attr_add(attrs, n, "AttrIndx=%u", idx);
	attr_add(attrs, n, "SH=%u", (unsigned)(e >> 8) & 3);
	attr_add(attrs, n, "AP=%u", (unsigned)((e >> 7) & 1) * 10 +
	    (unsigned)((e >> 6) & 1));
	return fl;
}

/* Flags of a RISC-V leaf. */
static uint32_t
flags_riscv(uint64_t e, char *attrs, size_t n)
{
	uint32_t fl = PTF_PRESENT;

	if (e & RV_R)
		fl |= PTF_READ;
	if (e & RV_W)
		fl |= PTF_WRITE;
	if (e & RV_X)
		fl |= PTF_EXEC;
	if (e & RV_U)
		fl |= PTF_USER;
	if (e & RV_G)
		fl |= PTF_GLOBAL;
	if (e & RV_A)
		fl |= PTF_ACCESSED;
	if (e & RV_D)
		fl |= PTF_DIRTY;
	if (e & RV_NC)
		fl |= PTF_NOCACHE;
	if (e & RV_IO)
		fl |= PTF_DEVICE | PTF_NOCACHE;
	if (e & RV_N)
		fl |= PTF_CONT;
	attr_add(attrs, n, "PBMT=%u", (unsigned)(e >> 61) & 3);
	return fl;
}

/* Memory-type flags of an ARMv7 TEX-remap index (TEX[0], C, B). */
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
static uint32_t
flags_armv7(bool block, uint64_t e, uint32_t lx, char *attrs, size_t n)
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
		attr_add(attrs, n, e & BIT(18) ? "supersection" : "section", 0);
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
	attr_add(attrs, n, (e & 3) == 1 ? "large" : "small", 0);
	return fl;
}

/* PTF_* flags decoded from a leaf descriptor. */
uint32_t
simdesc_flags(enum sim_fam f, bool block, uint64_t e, uint32_t lx,
    char *attrs, size_t n)
{
	if (attrs && n)
		attrs[0] = '\0';
	switch (f) {
	case SF_X86_64:
	case SF_X86_32:
	case SF_X86_PAE:
		return flags_x86(f, e, attrs, n);
	case SF_ARM64:
	case SF_LPAE:
		return flags_long(f, e, attrs, n);
	case SF_RISCV:
		return flags_riscv(e, attrs, n);
	case SF_ARMV7:
		return flags_armv7(block, e, lx, attrs, n);
	}
	return 0;
}

/* The output address a leaf descriptor holds. */
uint64_t
simdesc_leaf_pa(enum sim_fam f, bool block, uint64_t e, uint32_t lx,
    unsigned page_shift)
{
	switch (f) {
	case SF_X86_64:
	case SF_X86_PAE:
		return e & UINT64_C(0x000ffffffffff000) &
		    ~(block ? UINT64_C(0x1fffff) : 0);
	case SF_X86_32:
		return e & (block ? 0xffc00000u : 0xfffff000u);
	case SF_ARM64:
	case SF_LPAE: {
		uint64_t pa = e & UINT64_C(0x0000ffffffffffff) &
		    ~((UINT64_C(1) << page_shift) - 1);

		if (page_shift == 16)	/* 52-bit PA: OA[51:48] in 15:12 */
			pa |= ((e >> 12) & 0xf) << 48;
		return pa;
	}
	case SF_RISCV: {
		uint64_t ppn = (e >> 10) & ((UINT64_C(1) << 44) - 1);

		if (e & RV_N)
			ppn &= ~UINT64_C(0xf);
		return ppn << 12;
	}
	case SF_ARMV7:
		if (!block)
			return lx & 0xfffff000u;
		return e & BIT(18) ? e & 0xff000000u : e & 0xfff00000u;
	}
	return 0;
}

/* The table address a table descriptor holds. */
uint64_t
simdesc_table_pa(enum sim_fam f, uint64_t e, unsigned page_shift)
{
	switch (f) {
	case SF_RISCV:
		return ((e >> 10) & ((UINT64_C(1) << 44) - 1)) << 12;
	case SF_ARMV7:
		return e & 0xfffff000u;
	case SF_X86_32:
		return e & 0xfffff000u;
	default:
		return e & UINT64_C(0x0000fffffffff000) &
		    ~((UINT64_C(1) << page_shift) - 1);
	}
}
