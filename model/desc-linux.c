/* SPDX-License-Identifier: MIT */
/*
 * desc-linux.c: Linux 6.x's p?d_none/present/bad/leaf and populate calls,
 * per arch.  Sources (Linux 6.x):
 *   x86:   arch/x86/include/asm/pgtable.h (pmd_none, pmd_present, pmd_bad,
 *          pud_bad, p4d_bad, pmd_leaf, pud_leaf), pgtable_types.h
 *          (_PAGE_TABLE, _KERNPG_TABLE, _PAGE_PROTNONE = _PAGE_GLOBAL,
 *          _PAGE_KNL_ERRATUM_MASK), pgalloc.h (pmd_populate...)
 *   arm64: arch/arm64/include/asm/pgtable.h (pmd_bad = !pmd_table,
 *          pmd_leaf = present && !table), pgalloc.h (__pmd_populate with
 *          PMD_TABLE_PXN for user and PMD_TABLE_UXN for kernel tables,
 *          since v5.13), mm/mmu.c (map_mem(): NO_EXEC_MAPPINGS adds
 *          P?D_TABLE_PXN to the linear map's tables)
 *   arm:   arch/arm/include/asm/pgtable-2level.h (pmd_bad = pmd & 2,
 *          __pmd_populate writing both hardware words), pgtable-3level.h
 *   riscv: arch/riscv/include/asm/pgtable.h (pmd_present includes
 *          _PAGE_PROT_NONE and _PAGE_LEAF; pmd_bad = !present || leaf)
 */
#include "config.h"
#include "desc-linux.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void __attribute__((format(printf, 5, 6)))
test(struct desc_linux *o, const char *lvl, const char *what, bool value,
    const char *fmt, ...)
{
	struct desc_linux_test *t;
	va_list ap;

	if (o->n >= sizeof o->t / sizeof o->t[0])
		return;
	t = &o->t[o->n++];
	snprintf(t->name, sizeof t->name, "%s_%s", lvl, what);
	t->value = value;
	va_start(ap, fmt);
	vsnprintf(t->rule, sizeof t->rule, fmt, ap);
	va_end(ap);
}

/* ---- x86 ---------------------------------------------------------------- */

#define X86_P		0x001u
#define X86_RW		0x002u
#define X86_US		0x004u
#define X86_A		0x020u
#define X86_D		0x040u
#define X86_PSE		0x080u
#define X86_G		0x100u
#define X86_KERNPG	(X86_P | X86_RW | X86_A | X86_D)	/* _KERNPG_TABLE */
#define X86_NX		(UINT64_C(1) << 63)

/* The flag bits of an entry: everything but the frame number. */
static uint64_t
x86_flags(const struct arch *a, uint64_t w)
{
	if (a->entry_bytes == 4)
		return w & 0xfffu;
	return w & ~UINT64_C(0x000ffffffffff000);
}

static void
x86_eval(const struct arch *a, unsigned li, const char *lvl, uint64_t w,
    bool user, struct desc_linux *o)
{
	bool last = li + 1 == a->nlevels, pmd = li + 2 == a->nlevels;
	uint64_t fl = x86_flags(a, w);
	bool none = (w & ~(uint64_t)(X86_A | X86_D)) == 0;

	o->source = "arch/x86/include/asm/pgtable.h";
	test(o, lvl, "none", none, "no bits set but A/D (_PAGE_KNL_ERRATUM_MASK)");
	if (last) {
		test(o, lvl, "present", fl & (X86_P | X86_G), "P or "
		    "_PAGE_PROTNONE (bit 8: a PROT_NONE pte keeps its frame)");
		return;
	}
	if (pmd) {
		test(o, lvl, "present", fl & (X86_P | X86_G | X86_PSE), "P, "
		    "_PAGE_PROTNONE or PSE (a THP being split stays present)");
		test(o, lvl, "bad", !none && (fl & ~(uint64_t)(X86_US | X86_A)) !=
		    (X86_KERNPG & ~X86_A), "flags other than U/S and A differ "
		    "from _KERNPG_TABLE's P|RW|D");
		test(o, lvl, "leaf", fl & X86_PSE, "PSE set: a 2 MiB page");
	} else {
		uint64_t ignore = X86_KERNPG | X86_US | (li == 0 ? X86_NX : 0);
		bool leaf_level = li + 3 == a->nlevels && a->nlevels >= 4;

		test(o, lvl, "present", fl & X86_P, "P set");
		test(o, lvl, "bad", !none && !(leaf_level && (fl & X86_PSE)) &&
		    (fl & ~ignore) != 0, "flags beyond _KERNPG_TABLE | U/S%s",
		    li == 0 ? " (| NX under page-table isolation)" : "");
		if (leaf_level)
			test(o, lvl, "leaf", (fl & (X86_PSE | X86_P)) ==
			    (X86_PSE | X86_P), "PSE and P: a 1 GiB page");
	}
	if (!(fl & X86_P) || (fl & X86_PSE))
		return;
	if (a->entry_bytes == 8 && strcmp(a->family, "x86") == 0 && li == 0)
		snprintf(o->populate, sizeof o->populate, "pud_populate(mm, pudp, "
		    "pmd) -> set_pud(pudp, __pud(__pa(pmd) | _PAGE_PRESENT)): a "
		    "PAE PDPTE holds P only");
	else if (fl & X86_US)
		snprintf(o->populate, sizeof o->populate, "%s_populate%s(%s, "
		    "%sp, table) -> set_%s(%sp, __%s(__pa(table) | _PAGE_TABLE))",
		    lvl, pmd && !user ? "_kernel" : "", user ? "mm" : "&init_mm",
		    lvl, lvl, lvl, lvl);
	else
		snprintf(o->populate, sizeof o->populate, "set_%s(%sp, __%s("
		    "__pa(table) | _KERNPG_TABLE)): no U/S, as the kernel's early "
		    "mapping code writes kernel tables", lvl, lvl, lvl);
}

/* ---- arm64 and LPAE ------------------------------------------------------- */

static void
long_eval(const struct arch *a, unsigned li, const char *lvl, uint64_t w,
    bool user, struct desc_linux *o)
{
	bool lpae = strcmp(a->family, "armv7") == 0;
	bool last = li + 1 == a->nlevels;
	bool table = (w & 3) == 3;
	/* PTE_PRESENT_INVALID (6.10+: PTE_NG with Valid clear) marks
	   PROT_NONE entries that stay present to Linux */
	bool present = (w & 1) || (!lpae && (w & (UINT64_C(1) << 11)) && w);
	char upper[8];

	unsigned i;

	for (i = 0; lvl[i] && i + 1 < sizeof upper; i++)
		upper[i] = (char)(lvl[i] >= 'a' && lvl[i] <= 'z' ? lvl[i] - 32 :
		    lvl[i]);
	upper[i] = '\0';

	o->source = lpae ? "arch/arm/include/asm/pgtable-3level.h" :
	    "arch/arm64/include/asm/pgtable.h";
	test(o, lvl, "none", w == 0, "the word is 0");
	if (last) {
		test(o, lvl, "present", present, lpae ? "L_PTE_VALID (bit 0)" :
		    "PTE_VALID, or PTE_PRESENT_INVALID (PROT_NONE)");
		return;
	}
	test(o, lvl, "present", present, "valid bit, or present-invalid "
	    "(PROT_NONE)");
	test(o, lvl, "bad", w != 0 && !table, "not a table descriptor "
	    "(bits 1:0 != 11)");
	test(o, lvl, "leaf", present && !table, "present and not a table: a "
	    "block");
	if (!table)
		return;
	if (lpae)
		snprintf(o->populate, sizeof o->populate, user ?
		    "%s_populate(mm, %sp, pte) -> __%s_populate(%sp, "
		    "page_to_phys(pte), _PAGE_USER_TABLE)" :
		    "%s_populate_kernel(&init_mm, %sp, pte) -> __%s_populate(%sp, "
		    "__pa(pte), _PAGE_KERNEL_TABLE)", lvl, lvl, lvl, lvl);
	else if (!user && (w >> 59 & 3) == 3)	/* the linear map's */
		snprintf(o->populate, sizeof o->populate,
		    "map_mem() (NO_EXEC_MAPPINGS) -> __%s_populate(%sp, "
		    "next_phys, %s_TYPE_TABLE | %s_TABLE_UXN | %s_TABLE_PXN)",
		    lvl, lvl, upper, upper, upper);
	else
		snprintf(o->populate, sizeof o->populate,
		    "__%s_populate(%sp, next_phys, %s_TYPE_TABLE | %s_TABLE_%s)",
		    lvl, lvl, upper, upper, user ? "PXN" : "UXN");
}

/* ---- ARMv7 short descriptors ---------------------------------------------- */

static void
short_eval(const struct arch *a, unsigned li, const char *lvl, uint64_t w,
    bool user, struct desc_linux *o)
{
	uint32_t v = (uint32_t)w;

	o->source = "arch/arm/include/asm/pgtable-2level.h";
	test(o, lvl, "none", v == 0, li + 1 == a->nlevels ? "the word is 0" :
	    "the first word (section 2n) is 0: pmd_val() reads pmd[0] only");
	if (li + 1 == a->nlevels) {
		test(o, lvl, "present", v & 1, "L_PTE_PRESENT (bit 0 of the "
		    "Linux pte)");
		return;
	}
	test(o, lvl, "present", v != 0, "any bit set");
	test(o, lvl, "bad", v & 2, "bit 1 set: a section, not a table");
	test(o, lvl, "leaf", v & 2, "bit 1 set: a section");
	if ((v & 3) == 1)
		snprintf(o->populate, sizeof o->populate, user ?
		    "pmd_populate(mm, pmdp, pte) -> __pmd_populate(pmdp, "
		    "page_to_phys(pte), _PAGE_USER_TABLE): pmdp[0] = pte + 2048 "
		    "| prot, pmdp[1] = pmdp[0] + 1024" :
		    "pmd_populate_kernel(&init_mm, pmdp, pte) -> __pmd_populate("
		    "pmdp, __pa(pte), _PAGE_KERNEL_TABLE): pmdp[0] = pte + 2048 "
		    "| prot, pmdp[1] = pmdp[0] + 1024");
}

/* ---- RISC-V ---------------------------------------------------------------- */

#define RV_V	0x01u
#define RV_LEAF	0x0eu		/* _PAGE_LEAF: R | W | X */
#define RV_G	0x20u		/* _PAGE_PROT_NONE is _PAGE_GLOBAL */

static void
riscv_eval(const struct arch *a, unsigned li, const char *lvl, uint64_t w,
    bool user, struct desc_linux *o)
{
	bool last = li + 1 == a->nlevels;
	bool pmd = li + 2 == a->nlevels;
	bool present;

	o->source = "arch/riscv/include/asm/pgtable.h";
	test(o, lvl, "none", w == 0, "the word is 0");
	if (last) {
		test(o, lvl, "present", w & (RV_V | RV_G), "V or _PAGE_PROT_NONE");
		return;
	}
	present = pmd ? (w & (RV_V | RV_G | RV_LEAF)) != 0 : (w & RV_V) != 0;
	test(o, lvl, "present", present, pmd ? "V, _PAGE_PROT_NONE or any of "
	    "R/W/X" : "V set");
	test(o, lvl, "bad", w != 0 && (!present || (w & RV_LEAF)), "not "
	    "present, or a leaf (R/W/X set)");
	test(o, lvl, "leaf", present && (w & RV_LEAF), "present with R, W "
	    "or X: a leaf above the last level");
	if ((w & RV_V) && !(w & RV_LEAF))
		snprintf(o->populate, sizeof o->populate, "%s_populate%s(%s, "
		    "%sp, table) -> set_%s(%sp, __%s((pfn << _PAGE_PFN_SHIFT) | "
		    "_PAGE_TABLE))", lvl, user ? "" : "_kernel", user ? "mm" :
		    "&init_mm", lvl, lvl, lvl, lvl);
}

/*
 * The name Linux's helpers use for entries of levels[li]: with levels folded
 * right below it, the kernel's walk reaches these entries through the
 * deepest folded one (x86_64 4-level: p4d_bad() on PML4 entries; ARMv7 and
 * x86-32: pmd_bad() on pgd entries), the folded helpers above being no-ops.
 */
static const char *
helper_level(const struct arch *a, unsigned li)
{
	enum pt_level lvl = a->levels[li].level;
	enum pt_level next = li + 1 < a->nlevels ? a->levels[li + 1].level :
	    PT_NLEVELS;

	for (int l = (int)next - 1; l > (int)lvl; l--)
		if (arch_is_folded(a, (enum pt_level)l))
			return arch_level_name((enum pt_level)l);
	return a->levels[li].name;
}

void
desc_linux_eval(const struct arch *a, unsigned li, uint64_t word, bool user,
    struct desc_linux *out)
{
	const char *lvl = helper_level(a, li);

	memset(out, 0, sizeof *out);
	if (strcmp(a->family, "x86_64") == 0 || strcmp(a->family, "x86") == 0)
		x86_eval(a, li, lvl, word, user, out);
	else if (strcmp(a->family, "riscv") == 0)
		riscv_eval(a, li, lvl, word, user, out);
	else if (strcmp(a->family, "armv7") == 0 && a->entry_bytes == 4)
		short_eval(a, li, lvl, word, user, out);
	else
		long_eval(a, li, lvl, word, user, out);
}
