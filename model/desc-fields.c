/* SPDX-License-Identifier: MIT */
/*
 * desc-fields.c: descriptor words split into named fields, per format.
 * Sources: Intel SDM vol. 3A §4.5 tables 4-14..4-20 (x86_64), §4.4 (PAE),
 * §4.3 (32-bit); Arm ARM D8.3 (VMSAv8-64 descriptors), G5.5 (LPAE long
 * descriptors), B3.5 (short descriptors); RISC-V privileged spec §4.4-4.6,
 * Svnapot and Svpbmt; Linux's software bits from
 * arch/x86/include/asm/pgtable_types.h, arch/arm64/include/asm/pgtable-prot.h
 * and pgtable-hwdef.h, arch/arm/include/asm/pgtable-2level.h and
 * pgtable-3level.h, arch/riscv/include/asm/pgtable-bits.h.
 */
#include "config.h"
#include "desc-fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The word being split and where the fields go. */
struct split {
	uint64_t w;
	struct desc_fields *out;
};

static uint64_t
bits(uint64_t w, unsigned lo, unsigned width)
{
	return width >= 64 ? w >> lo : (w >> lo) & ((UINT64_C(1) << width) - 1);
}

/* Add the field lo..lo+width-1 with a meaning (printf format). */
static void __attribute__((format(printf, 5, 6)))
field(struct split *s, const char *name, unsigned lo, unsigned width,
    const char *fmt, ...)
{
	struct desc_fields *o = s->out;
	struct desc_field *f;
	va_list ap;

	if (width == 0 || o->n >= DESC_MAX_FIELDS)
		return;
	f = &o->f[o->n++];
	f->name = name;
	f->lo = lo;
	f->width = width;
	f->value = bits(s->w, lo, width);
	f->pa_lo = -1;
	va_start(ap, fmt);
	vsnprintf(f->meaning, sizeof f->meaning, fmt, ap);
	va_end(ap);
}

/* A one-bit field whose meaning is one of two sentences. */
static void
flag(struct split *s, const char *name, unsigned bit, const char *set,
    const char *clear)
{
	field(s, name, bit, 1, "%s", bits(s->w, bit, 1) ? set : clear);
}

/* Bits lo..hi-1 with no meaning to the hardware. */
static void
span(struct split *s, const char *name, unsigned lo, unsigned hi,
    const char *meaning)
{
	if (hi > lo)
		field(s, name, lo, hi - lo, "%s", meaning);
}

/* An address field: bits lo..hi-1 of the word are PA bits pa_lo and up. */
static void
addr_at(struct split *s, const char *name, unsigned lo, unsigned hi,
    unsigned pa_lo, const char *what)
{
	uint64_t pa = bits(s->w, lo, hi - lo) << pa_lo;

	field(s, name, lo, hi - lo, "%s: PA bits from %u = 0x%llx", what,
	    pa_lo, (unsigned long long)pa);
	if (s->out->n > 0)
		s->out->f[s->out->n - 1].pa_lo = (int)pa_lo;
}

/* An address field whose bits sit at their own PA positions. */
static void
addr(struct split *s, const char *name, unsigned lo, unsigned hi,
    const char *what)
{
	addr_at(s, name, lo, hi, lo, what);
}

/* ---- x86 ------------------------------------------------------------------ */

/* Linux's PAT MSR (arch/x86/mm/pat/memtype.c pat_bp_init): PA0..PA7. */
static const char *const x86_pat[8] = { "WB", "WC", "UC-", "UC", "WB", "WP",
    "UC-", "WT" };

static void
x86_low(struct split *s, bool leaf)
{
	flag(s, "P", 0, "present", "not present");
	flag(s, "R/W", 1, "writes allowed (if every level allows)",
	    "read-only");
	flag(s, "U/S", 2, "user-mode accesses allowed",
	    "supervisor only");
	flag(s, "PWT", 3, "write-through", "write-back (see PAT index)");
	flag(s, "PCD", 4, "cache disabled", "cacheable (see PAT index)");
	flag(s, "A", 5, "accessed since the bit was cleared", "not accessed");
	if (leaf)
		flag(s, "D", 6, "dirty: written since the bit was cleared",
		    "clean");
	else
		span(s, "ignored", 6, 7, "ignored in a table entry");
}

/* Memory type of a leaf from its PAT, PCD and PWT bits. */
static void
x86_memtype(struct split *s, const char *name, unsigned patbit)
{
	unsigned idx = (unsigned)(bits(s->w, patbit, 1) << 2 |
	    bits(s->w, 4, 1) << 1 | bits(s->w, 3, 1));

	field(s, name, patbit, 1, "PAT index %u (PAT,PCD,PWT): %s under "
	    "Linux's PAT", idx, x86_pat[idx]);
}

static void
x86_not_present(struct split *s, unsigned wbits)
{
	flag(s, "P", 0, "present", "not present: the CPU ignores bits above");
	span(s, "ignored", 1, wbits, s->w >> 1 ? "free for the OS: Linux keeps "
	    "a swap, migration or PROT_NONE entry here" : "zero: empty entry");
}

/* The 64-bit formats (x86_64 and PAE page directories and tables). */
static void
x86_64bit(struct split *s, unsigned level_shift, bool last, bool ps_level,
    unsigned pa_hi)
{
	bool ps = ps_level && bits(s->w, 7, 1);
	bool leaf = last || ps;
	unsigned oa_lo = last ? 12 : level_shift;

	s->out->table = !leaf;
	x86_low(s, leaf);
	if (last)
		x86_memtype(s, "PAT", 7);
	else if (ps_level)
		flag(s, "PS", 7, "page size: maps a large page", "points at a "
		    "table");
	else
		span(s, "PS (reserved)", 7, 8, "must be 0 at this level");
	if (leaf)
		flag(s, "G", 8, "global: kept in the TLB across CR3 writes",
		    "not global");
	else
		span(s, "ignored", 8, 9, "ignored in a table entry");
	field(s, "AVL", 9, 3, "ignored by the CPU (Linux: 9 special, 10 "
	    "uffd-wp, 11 soft-dirty)");
	if (ps) {
		x86_memtype(s, "PAT", 12);
		span(s, "reserved", 13, oa_lo, "must be 0");
	}
	addr(s, leaf ? "PFN" : "address", ps ? oa_lo : 12, pa_hi, leaf ?
	    "maps the frame" : "next table");
	span(s, "reserved", pa_hi, 52, "above MAXPHYADDR: must be 0");
	if (leaf) {
		span(s, "ignored", 52, 59, "ignored by the CPU (Linux: 58 "
		    "saved-dirty for shadow stacks)");
		field(s, "PKEY", 59, 4, "protection key %u (if CR4.PKE)",
		    (unsigned)bits(s->w, 59, 4));
	} else {
		span(s, "ignored", 52, 63, "ignored in a table entry");
	}
	flag(s, "XD", 63, "execute-disable (with EFER.NXE)",
	    "execution allowed");
}

/* PAE's four PDPTEs, loaded into registers by a CR3 write. */
static void
x86_pdpte(struct split *s)
{
	s->out->table = true;
	flag(s, "P", 0, "present", "not present");
	span(s, "reserved", 1, 3, "must be 0");
	flag(s, "PWT", 3, "write-through", "write-back");
	flag(s, "PCD", 4, "cache disabled", "cacheable");
	span(s, "reserved", 5, 9, "must be 0");
	field(s, "AVL", 9, 3, "ignored by the CPU");
	addr(s, "address", 12, 52, "page directory");
	span(s, "reserved", 52, 64, "must be 0");
}

/* Non-PAE 32-bit paging: 4 MiB pages (PSE) in the PD. */
static void
x86_32bit(struct split *s, bool last)
{
	bool ps = !last && bits(s->w, 7, 1);
	bool leaf = last || ps;

	s->out->table = !leaf;
	x86_low(s, leaf);
	if (last)
		x86_memtype(s, "PAT", 7);
	else
		flag(s, "PS", 7, "page size: maps a 4 MiB page", "points at a "
		    "page table");
	if (leaf)
		flag(s, "G", 8, "global", "not global");
	else
		span(s, "ignored", 8, 9, "ignored in a table entry");
	field(s, "AVL", 9, 3, "ignored by the CPU");
	if (ps) {
		x86_memtype(s, "PAT", 12);
		addr_at(s, "PA[39:32]", 13, 21, 32, "PSE-36 high address");
		span(s, "reserved", 21, 22, "must be 0");
		addr(s, "PFN", 22, 32, "maps the 4 MiB frame");
	} else {
		addr(s, leaf ? "PFN" : "address", 12, 32, leaf ?
		    "maps the frame" : "next table");
	}
}

static void
x86_split(const struct arch *a, unsigned li, struct split *s)
{
	bool last = li + 1 == a->nlevels;
	unsigned wbits = a->entry_bytes * 8;

	s->out->bits = wbits;
	if (!(s->w & 1)) {
		x86_not_present(s, wbits);
		return;
	}
	s->out->valid = true;
	if (wbits == 32) {
		s->out->format = last ? "x86 PTE (32-bit)" : "x86 PDE (32-bit)";
		x86_32bit(s, last);
	} else if (strcmp(a->family, "x86") == 0 && li == 0) {
		s->out->format = "x86 PAE PDPTE";
		x86_pdpte(s);
	} else {
		/* PD (2 MiB) and PDPT (1 GiB, x86_64 only) can hold pages */
		bool ps_level = !last && (li + 2 == a->nlevels ||
		    (li + 3 == a->nlevels && a->nlevels >= 4));

		s->out->format = last ? "x86 PTE" : "x86 paging-structure entry";
		x86_64bit(s, a->levels[li].shift, last, ps_level, 52);
	}
}

/* ---- long descriptors: arm64 and ARMv7 LPAE --------------------------------- */

static const char *const a64_attr[8] = { "MT_NORMAL (write-back)",
    "MT_NORMAL_TAGGED (MTE)", "MT_NORMAL_NC (non-cacheable)",
    "MT_DEVICE_nGnRnE", "MT_DEVICE_nGnRE", "unused by Linux",
    "unused by Linux", "unused by Linux" };
/* LPAE: arch/arm/mm/proc-v7-3level.S MAIR (TEX remap of L_PTE_MT_*). */
static const char *const lpae_attr[8] = { "UNCACHED (strongly ordered)",
    "BUFFERABLE (non-cacheable normal)", "WRITETHROUGH", "WRITEBACK",
    "DEV_SHARED (device)", "reserved", "MINICACHE", "WRITEALLOC" };
static const char *const ap_name[4] = { "EL1 read/write, EL0 none",
    "EL1 and EL0 read/write", "EL1 read-only, EL0 none",
    "EL1 and EL0 read-only" };
static const char *const sh_name[4] = { "non-shareable", "reserved",
    "outer shareable", "inner shareable" };

struct longfmt {
	bool lpae;		/* ARMv7 LPAE (40-bit OA), else arm64 */
	unsigned granule;	/* 12, 14, 16 */
	bool pa52;		/* 52-bit output addresses */
	bool lpa2;		/* FEAT_LPA2: OA[51:50] in bits 9:8 */
	unsigned oa_top;	/* first bit above the inline OA field */
};

/* Bits 12..g-1 of a granule above 4K: RES0, or OA[51:48] on 64K/52. */
static void
long_low_oa(struct split *s, const struct longfmt *lf, const char *what)
{
	if (lf->granule == 16 && lf->pa52) {
		addr_at(s, "OA[51:48]", 12, 16, 48, what);
	} else {
		span(s, "RES0", 12, lf->granule, "must be 0");
	}
}

static void
long_table(struct split *s, const struct longfmt *lf)
{
	s->out->table = true;
	flag(s, "Valid", 0, "valid", "invalid");
	flag(s, "Type", 1, "table: points at the next level", "block");
	if (lf->lpa2) {
		span(s, "ignored", 2, 8, "ignored");
		addr_at(s, "NLTA[51:50]", 8, 10, 50, "next-level table");
		span(s, "ignored", 10, 12, "ignored");
	} else {
		span(s, "ignored", 2, 12, "ignored");
	}
	if (lf->granule > 12)
		long_low_oa(s, lf, "next-table address");
	addr(s, "NLTA", lf->granule, lf->oa_top, "next-level table");
	span(s, lf->lpae ? "UNK/SBZP" : "RES0", lf->oa_top, lf->lpae ? 52 : 51,
	    "must be 0");
	span(s, "ignored", lf->lpae ? 52 : 51, 59, "ignored");
	flag(s, "PXNTable", 59, "no privileged execution below this entry",
	    "no limit on privileged execution below");
	flag(s, lf->lpae ? "XNTable" : "UXNTable", 60, "no unprivileged "
	    "execution below this entry", "no limit on unprivileged execution "
	    "below");
	field(s, "APTable", 61, 2, "%s", bits(s->w, 61, 2) == 0 ?
	    "no limit on access permissions below" : "limits access below "
	    "(bit 61: no EL0, bit 62: no writes)");
	flag(s, "NSTable", 63, "next table in non-secure memory",
	    "secure state as the walk");
}

/* Block or page attributes below the output address. */
static void
long_leaf_low(struct split *s, const struct longfmt *lf)
{
	unsigned idx = (unsigned)bits(s->w, 2, 3);

	field(s, "AttrIndx", 2, 3, "MAIR attribute %u: %s", idx,
	    (lf->lpae ? lpae_attr : a64_attr)[idx]);
	flag(s, "NS", 5, "non-secure output address", "secure state as "
	    "the walk");
	field(s, "AP[2:1]", 6, 2, "%s (Linux: bit 6 %s, bit 7 %s)",
	    ap_name[bits(s->w, 6, 2)], lf->lpae ? "L_PTE_USER" : "PTE_USER",
	    lf->lpae ? "read-only (set from L_PTE_RDONLY or a clean page)" :
	    "PTE_RDONLY");
	if (lf->lpa2)
		addr_at(s, "OA[51:50]", 8, 10, 50, "output address");
	else
		field(s, "SH", 8, 2, "%s", sh_name[bits(s->w, 8, 2)]);
	flag(s, "AF", 10, "access flag: accessed (Linux: young)",
	    "not accessed: the first access faults (or sets it, FEAT_HAFDBS)");
	flag(s, "nG", 11, "not global: tagged with the ASID",
	    "global: all address spaces");
}

static void
long_leaf_high(struct split *s, const struct longfmt *lf)
{
	if (lf->lpae) {
		span(s, "UNK/SBZP", 40, 52, "must be 0");
		flag(s, "Contiguous", 52, "one of 16 contiguous entries",
		    "not contiguous");
		flag(s, "PXN", 53, "no privileged execution", "privileged "
		    "execution allowed");
		flag(s, "XN", 54, "execute-never (L_PTE_XN)",
		    "execution allowed");
		flag(s, "L_PTE_DIRTY", 55, "software: written", "software: clean");
		flag(s, "L_PTE_SPECIAL", 56, "software: special mapping",
		    "software: normal page");
		flag(s, "L_PTE_NONE", 57, "software: PROT_NONE", "software");
		flag(s, "L_PTE_RDONLY", 58, "software: read-only",
		    "software: writable");
		span(s, "ignored", 59, 64, "ignored");
		return;
	}
	if (!lf->lpa2)
		span(s, "RES0", 48, 50, "must be 0");
	flag(s, "GP", 50, "guarded page (BTI)", "not guarded");
	flag(s, "DBM", 51, "dirty bit modifier: writable (Linux PTE_WRITE)",
	    "not writable by hardware dirty tracking");
	flag(s, "Contiguous", 52, "one of a contiguous run (a TLB hint)",
	    "not contiguous");
	flag(s, "PXN", 53, "no execution at EL1", "EL1 may execute");
	flag(s, "UXN", 54, "no execution at EL0", "EL0 may execute");
	flag(s, "PTE_DIRTY", 55, "software: dirty", "software: not dirty "
	    "(see DBM and AP[2])");
	flag(s, "PTE_SPECIAL", 56, "software: special (no struct page use)",
	    "software: normal");
	span(s, "software", 57, 59, "reserved for software");
	span(s, "PBHA/ignored", 59, 64, "page-based hardware attributes or "
	    "ignored");
}

static void
long_leaf(struct split *s, const struct longfmt *lf, unsigned oa_lo,
    bool block)
{
	s->out->table = false;
	flag(s, "Valid", 0, "valid", "invalid");
	flag(s, "Type", 1, "page", "block");
	long_leaf_low(s, lf);
	if (block) {
		if (lf->granule > 12)
			long_low_oa(s, lf, "output address");
		span(s, "RES0", lf->granule, oa_lo, "must be 0 in a block");
	} else if (lf->granule > 12) {
		long_low_oa(s, lf, "output address");
	}
	addr(s, "OA", oa_lo, lf->oa_top, block ? "maps the block" :
	    "maps the page");
	long_leaf_high(s, lf);
}

static void
long_invalid(struct split *s)
{
	flag(s, "Valid", 0, "valid", "invalid: the walk faults");
	span(s, "ignored", 1, 64, s->w >> 1 ? "ignored by the MMU: Linux "
	    "keeps a swap, migration or PROT_NONE entry here" :
	    "zero: empty entry");
}

static void
long_split(const struct arch *a, unsigned li, struct split *s)
{
	struct longfmt lf = { 0 };
	bool last = li + 1 == a->nlevels;
	unsigned type = (unsigned)(s->w & 3);

	lf.lpae = strcmp(a->family, "armv7") == 0;
	lf.granule = a->page_shift;
	lf.pa52 = a->pa_bits == 52;
	lf.lpa2 = lf.pa52 && a->page_shift != 16;
	lf.oa_top = lf.lpae ? 40 : lf.lpa2 ? 50 : 48;
	s->out->bits = 64;
	if (!(type & 1)) {
		s->out->format = lf.lpae ? "LPAE invalid descriptor" :
		    "arm64 invalid descriptor";
		long_invalid(s);
		return;
	}
	if (last && type == 1) {
		s->out->format = "reserved descriptor (faults at the last level)";
		span(s, "Type", 0, 2, "01 at the last level: reserved, faults");
		span(s, "ignored", 2, 64, "ignored");
		return;
	}
	s->out->valid = true;
	if (!last && type == 3) {
		s->out->format = lf.lpae ? "LPAE table descriptor" :
		    "arm64 table descriptor";
		long_table(s, &lf);
	} else if (last) {
		s->out->format = lf.lpae ? "LPAE page descriptor" :
		    "arm64 page descriptor";
		long_leaf(s, &lf, lf.granule, false);
	} else {
		s->out->format = lf.lpae ? "LPAE block descriptor" :
		    "arm64 block descriptor";
		long_leaf(s, &lf, a->levels[li].shift, true);
	}
}

/* ---- ARMv7 short descriptors and the Linux PTE ------------------------------- */

static void
short_section(struct split *s)
{
	bool super = bits(s->w, 18, 1);

	s->out->format = super ? "ARMv7 supersection (16 MiB)" :
	    "ARMv7 section (1 MiB)";
	flag(s, "PXN", 0, "no privileged execution (LPAE-capable cores)",
	    "privileged execution allowed");
	span(s, "Type", 1, 2, "1: section or supersection");
	flag(s, "B", 2, "bufferable", "not bufferable");
	flag(s, "C", 3, "cacheable", "not cacheable");
	flag(s, "XN", 4, "execute-never", "execution allowed");
	if (super)
		addr_at(s, "PA[39:36]", 5, 9, 36, "extended base address");
	else
		field(s, "Domain", 5, 4, "domain %u (Linux: 0 kernel, 1 user, "
		    "2 I/O)", (unsigned)bits(s->w, 5, 4));
	span(s, "IMP", 9, 10, "implementation defined");
	field(s, "AP[1:0]", 10, 2, "%s", bits(s->w, 10, 2) == 3 ?
	    "user and kernel access" : bits(s->w, 10, 2) == 1 ?
	    "kernel access only" : "see AP[2]");
	field(s, "TEX", 12, 3, "type extension (with TEX remap: TEX[0] is "
	    "an index bit)");
	flag(s, "AP[2]", 15, "read-only (APX)", "writable as AP[1:0] allow");
	flag(s, "S", 16, "shareable", "non-shareable");
	flag(s, "nG", 17, "not global (ASID-tagged)", "global");
	flag(s, "supersection", 18, "supersection: 16 MiB, repeated in 16 "
	    "entries", "section: 1 MiB");
	flag(s, "NS", 19, "non-secure", "secure");
	if (super) {
		addr_at(s, "PA[35:32]", 20, 24, 32, "extended base address");
		addr(s, "base", 24, 32, "maps the supersection");
	} else {
		addr(s, "base", 20, 32, "maps the section");
	}
}

/* A fault descriptor: type 00, the rest ignored. */
static void
short_fault(struct split *s, const char *format, const char *type)
{
	s->out->format = format;
	span(s, "Type", 0, 2, type);
	span(s, "ignored", 2, 32, "ignored");
}

static void
short_first(struct split *s)
{
	unsigned type = (unsigned)(s->w & 3);

	s->out->bits = 32;
	if (type == 0) {
		short_fault(s, "ARMv7 first-level fault", "00: fault (unmapped)");
		return;
	}
	s->out->valid = true;
	if (type == 1) {
		s->out->format = "ARMv7 first-level page-table pointer";
		s->out->table = true;
		span(s, "Type", 0, 2, "01: points at a 1 KiB second-level table");
		flag(s, "PXN", 2, "no privileged execution below",
		    "privileged execution allowed");
		flag(s, "NS", 3, "non-secure", "secure");
		span(s, "SBZ", 4, 5, "should be zero");
		field(s, "Domain", 5, 4, "domain %u (Linux: 0 kernel, 1 user, "
		    "2 I/O)", (unsigned)bits(s->w, 5, 4));
		span(s, "IMP", 9, 10, "implementation defined");
		addr(s, "base", 10, 32, "1 KiB hardware pte table");
		return;
	}
	short_section(s);
}

static void
short_second(struct split *s)
{
	unsigned type = (unsigned)(s->w & 3);

	s->out->bits = 32;
	if (type == 0) {
		short_fault(s, "ARMv7 second-level fault", "00: fault (Linux "
		    "leaves young=0 or invalid ptes as faults)");
		return;
	}
	s->out->valid = true;
	if (type == 1) {
		s->out->format = "ARMv7 large page (64 KiB)";
		span(s, "Type", 0, 2, "01: large page");
	} else {
		s->out->format = "ARMv7 small page (4 KiB)";
		flag(s, "XN", 0, "execute-never", "execution allowed");
		span(s, "Type", 1, 2, "1: small page");
	}
	flag(s, "B", 2, "bufferable", "not bufferable");
	flag(s, "C", 3, "cacheable", "not cacheable");
	field(s, "AP[1:0]", 4, 2, "%s", bits(s->w, 4, 2) == 3 ?
	    "user and kernel access" : bits(s->w, 4, 2) == 1 ?
	    "kernel access only" : "see AP[2]");
	if (type == 1)
		span(s, "SBZ", 6, 9, "should be zero");
	else
		field(s, "TEX", 6, 3, "type extension (TEX[0] an index bit "
		    "under TEX remap)");
	flag(s, "AP[2]", 9, "read-only (APX: also set for clean pages, so "
	    "the first write faults and Linux marks them dirty)",
	    "writable as AP[1:0] allow");
	flag(s, "S", 10, "shareable", "non-shareable");
	flag(s, "nG", 11, "not global (ASID-tagged)", "global");
	if (type == 1) {
		field(s, "TEX", 12, 3, "type extension");
		flag(s, "XN", 15, "execute-never", "execution allowed");
		addr(s, "base", 16, 32, "maps the 64 KiB frame");
	} else {
		addr(s, "base", 12, 32, "maps the frame");
	}
}

static void
linux_pte_armv7(struct split *s)
{
	static const char *const mt[16] = { "UNCACHED", "BUFFERABLE",
	    "WRITETHROUGH", "WRITEBACK", "DEV_SHARED", "(unused)",
	    "MINICACHE", "WRITEALLOC", "(unused)", "DEV_WC", "(unused)",
	    "DEV_CACHED", "DEV_NONSHARED", "(unused)", "(unused)", "VECTORS" };

	s->out->bits = 32;
	s->out->format = "Linux ARMv7 pte (software copy)";
	s->out->valid = s->w & 1;
	flag(s, "L_PTE_VALID", 0, "present", "not present");
	flag(s, "L_PTE_YOUNG", 1, "young (accessed; the hardware pte is "
	    "valid only while young)", "old: the hardware pte is a fault");
	field(s, "L_PTE_MT", 2, 4, "memory type L_PTE_MT_%s",
	    mt[bits(s->w, 2, 4)]);
	flag(s, "L_PTE_DIRTY", 6, "dirty", "clean");
	flag(s, "L_PTE_RDONLY", 7, "read-only", "writable");
	flag(s, "L_PTE_USER", 8, "user accessible", "kernel only");
	flag(s, "L_PTE_XN", 9, "execute-never", "executable");
	flag(s, "L_PTE_SHARED", 10, "shared", "not shared");
	flag(s, "L_PTE_NONE", 11, "PROT_NONE", "not PROT_NONE");
	addr(s, "PFN", 12, 32, "maps the frame");
}

/* ---- RISC-V ------------------------------------------------------------------ */

static void
riscv_split(struct split *s)
{
	static const char *const pbmt[4] = { "PMA (normal memory)",
	    "NC (non-cacheable)", "IO (strongly ordered I/O)", "reserved" };
	unsigned rwx = (unsigned)bits(s->w, 1, 3);

	s->out->bits = 64;
	if (!(s->w & 1)) {
		s->out->format = "RISC-V invalid PTE";
		flag(s, "V", 0, "valid", "invalid: the walk faults");
		span(s, "ignored", 1, 64, s->w >> 1 ? "ignored by the MMU: Linux "
		    "keeps a swap entry here" : "zero: empty entry");
		return;
	}
	s->out->valid = true;
	s->out->table = rwx == 0;
	s->out->format = rwx == 0 ? "RISC-V pointer to the next level" :
	    "RISC-V leaf PTE";
	flag(s, "V", 0, "valid", "invalid");
	field(s, "R", 1, 1, "%s", rwx == 0 ? "R=W=X=0: a pointer to the next "
	    "table" : bits(s->w, 1, 1) ? "readable" : "not readable");
	flag(s, "W", 2, rwx == 2 || rwx == 6 ? "writable (W without R is "
	    "reserved)" : "writable", "not writable");
	flag(s, "X", 3, "executable", "not executable");
	flag(s, "U", 4, "user-mode accessible", "supervisor only");
	flag(s, "G", 5, "global mapping", "not global");
	flag(s, "A", 6, "accessed", "not accessed");
	flag(s, "D", 7, "dirty", "clean");
	field(s, "RSW", 8, 2, "reserved for software (Linux: bit 8 "
	    "_PAGE_SPECIAL)");
	addr_at(s, "PPN", 10, 54, 12, rwx == 0 ? "next table" :
	    "maps the frame");
	span(s, "reserved", 54, 61, "must be 0 (future extensions)");
	field(s, "PBMT", 61, 2, "Svpbmt: %s", pbmt[bits(s->w, 61, 2)]);
	flag(s, "N", 63, "Svnapot: one of a naturally aligned power-of-2 run "
	    "(64 KiB when PPN[3:0] = 1000)", "not NAPOT");
}

/* ---- entry points ------------------------------------------------------------ */

/* The address a decoded word holds: next table or output, or UINT64_MAX. */
static uint64_t
fields_pa(const struct desc_fields *o)
{
	uint64_t pa = 0;
	bool any = false;

	for (unsigned i = 0; i < o->n; i++) {
		if (o->f[i].pa_lo < 0)
			continue;
		pa |= o->f[i].value << o->f[i].pa_lo;
		any = true;
	}
	return any && o->valid ? pa : UINT64_MAX;
}

void
desc_fields_decode(const struct arch *a, unsigned li, uint64_t word,
    enum desc_word which, struct desc_fields *out)
{
	struct split s = { .w = word, .out = out };

	memset(out, 0, sizeof *out);
	if (strcmp(a->family, "x86_64") == 0 || strcmp(a->family, "x86") == 0)
		x86_split(a, li, &s);
	else if (strcmp(a->family, "riscv") == 0)
		riscv_split(&s);
	else if (strcmp(a->family, "armv7") == 0 && a->entry_bytes == 4) {
		s.w &= 0xffffffffu;
		if (which == DESC_WORD_LINUX)
			linux_pte_armv7(&s);
		else if (li == 0)
			short_first(&s);
		else
			short_second(&s);
	} else {
		long_split(a, li, &s);
	}
	out->next_pa = fields_pa(out);
	/* Svnapot: PPN[3:0] = 1000 encodes the 64 KiB size, not address bits */
	if (strcmp(a->family, "riscv") == 0 && out->valid && !out->table &&
	    (word >> 63))
		out->next_pa &= ~UINT64_C(0xffff);
}

uint64_t
desc_fields_assemble(const struct desc_fields *o)
{
	uint64_t w = 0;

	for (unsigned i = 0; i < o->n; i++)
		w |= o->f[i].value << o->f[i].lo;
	return w;
}
