/* SPDX-License-Identifier: MIT */
/*
 * check_desc.c: the descriptor field decoder (model/desc-fields.c).
 * Fields must partition each word and re-assemble to it on every arch; the
 * values of hand-decoded words (worked out from the manuals' bit tables,
 * cited per case) must come out field by field; and the addresses the
 * decoder reads agree with what the shared codec (model/desc.c) encoded.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "desc-fields.h"
#include "desc-linux.h"
#include "desc.h"

/* Fields sorted by lo cover 0..bits-1 exactly once and give the word back. */
static void
check_partition(const struct arch *a, unsigned li, uint64_t w,
    enum desc_word which)
{
	struct desc_fields d;
	unsigned next = 0;
	uint64_t mask;

	desc_fields_decode(a, li, w, which, &d);
	ck_assert_msg(d.bits == 32 || d.bits == 64, "%s: bits %u", a->id,
	    d.bits);
	mask = d.bits == 64 ? UINT64_MAX : 0xffffffffu;
	for (unsigned i = 0; i < d.n; i++) {
		ck_assert_msg(d.f[i].lo == next, "%s li %u word %#llx: field %s "
		    "starts at %u, expected %u", a->id, li,
		    (unsigned long long)w, d.f[i].name, d.f[i].lo, next);
		next += d.f[i].width;
	}
	ck_assert_msg(next == d.bits, "%s li %u word %#llx: fields end at %u",
	    a->id, li, (unsigned long long)w, next);
	ck_assert_msg(desc_fields_assemble(&d) == (w & mask), "%s li %u: "
	    "%#llx re-assembles to %#llx", a->id, li, (unsigned long long)w,
	    (unsigned long long)desc_fields_assemble(&d));
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

START_TEST(partition_every_arch)
{
	for (size_t i = 0; i < arch_count(); i++) {
		const struct arch *a = arch_get(i);

		for (unsigned li = 0; li < a->nlevels; li++) {
			/* every low type pattern, then random words */
			for (uint64_t t = 0; t < 4; t++)
				for (int k = 0; k < 40; k++) {
					uint64_t w = (next_rand() & ~UINT64_C(3)) | t;

					check_partition(a, li, w, DESC_WORD_HW);
					check_partition(a, li, w, DESC_WORD_LINUX);
				}
			check_partition(a, li, 0, DESC_WORD_HW);
			check_partition(a, li, UINT64_MAX, DESC_WORD_HW);
		}
	}
}
END_TEST

static const struct desc_field *
find(const struct desc_fields *d, const char *name)
{
	for (unsigned i = 0; i < d->n; i++)
		if (strcmp(d->f[i].name, name) == 0)
			return &d->f[i];
	ck_abort_msg("no field %s in %s", name, d->format);
	return NULL;
}

static uint64_t
val(const struct desc_fields *d, const char *name)
{
	return find(d, name)->value;
}

static void
decode(const char *arch, unsigned li, uint64_t w, enum desc_word which,
    struct desc_fields *d)
{
	const struct arch *a = arch_find(arch);

	ck_assert_ptr_nonnull(a);
	desc_fields_decode(a, li, w, which, d);
	check_partition(a, li, w, which);
}

/* Intel SDM vol. 3A table 4-19 (PTE) and 4-18 (2 MiB PDE). */
START_TEST(x86_64_words)
{
	struct desc_fields d;

	/* _PAGE_TABLE | NX | frame 0x12345000: P RW US A D, XD */
	decode("x86_64-4l", 3, UINT64_C(0x8000000012345067), DESC_WORD_HW, &d);
	ck_assert(d.valid && !d.table);
	ck_assert_uint_eq(val(&d, "P"), 1);
	ck_assert_uint_eq(val(&d, "R/W"), 1);
	ck_assert_uint_eq(val(&d, "U/S"), 1);
	ck_assert_uint_eq(val(&d, "A"), 1);
	ck_assert_uint_eq(val(&d, "D"), 1);
	ck_assert_uint_eq(val(&d, "XD"), 1);
	ck_assert_uint_eq(find(&d, "PFN")->lo, 12);
	ck_assert_uint_eq(d.next_pa, 0x12345000);
	/* a 2 MiB page: PS=1, frame 0x40000000, bits 13-20 reserved */
	decode("x86_64-4l", 2, UINT64_C(0x00000000400000e3), DESC_WORD_HW, &d);
	ck_assert(!d.table);
	ck_assert_uint_eq(val(&d, "PS"), 1);
	ck_assert_uint_eq(find(&d, "PFN")->lo, 21);
	ck_assert_uint_eq(d.next_pa, 0x40000000);
	/* the same level with PS=0 points at a table */
	decode("x86_64-4l", 2, UINT64_C(0x0000000012346063), DESC_WORD_HW, &d);
	ck_assert(d.table);
	ck_assert_uint_eq(d.next_pa, 0x12346000);
	/* a 1 GiB page in the PDPT (5-level: li 2), global */
	decode("x86_64-5l", 2, UINT64_C(0x80000000c00001e3), DESC_WORD_HW, &d);
	ck_assert(!d.table);
	ck_assert_uint_eq(val(&d, "G"), 1);
	ck_assert_uint_eq(find(&d, "PFN")->lo, 30);
	ck_assert_uint_eq(d.next_pa, 0xc0000000);
	/* not present: a swap entry's bits are the OS's */
	decode("x86_64-4l", 3, UINT64_C(0x7fffffe0000), DESC_WORD_HW, &d);
	ck_assert(!d.valid);
	ck_assert_uint_eq(d.next_pa, UINT64_MAX);
}
END_TEST

/* SDM table 4-8 (PAE PDPTE) and 4-4/4-6 (32-bit PDE with PS). */
START_TEST(x86_32_words)
{
	struct desc_fields d;

	decode("x86-pae", 0, UINT64_C(0x0000000001a2b001), DESC_WORD_HW, &d);
	ck_assert(d.table);
	ck_assert_str_eq(d.format, "x86 PAE PDPTE");
	ck_assert_uint_eq(d.next_pa, 0x1a2b000);
	/* 4 MiB page at 0xc0400000 with PSE-36 bits 0x3: PA 0x3_c040_0000 */
	decode("x86-32", 0, 0xc04060e3u, DESC_WORD_HW, &d);
	ck_assert(!d.table);
	ck_assert_uint_eq(val(&d, "PA[39:32]"), 3);
	ck_assert_uint_eq(d.next_pa, UINT64_C(0x3c0400000));
	ck_assert_uint_eq(d.bits, 32);
}
END_TEST

/* Arm ARM D8.3.1: table descriptor; D8.3.2: page descriptor. */
START_TEST(arm64_words)
{
	struct desc_fields d;

	/* table with PXNTable (bit 59), as p?d_populate sets for kernel */
	decode("arm64-4k-48", 1, UINT64_C(0x0800000041234003), DESC_WORD_HW, &d);
	ck_assert(d.table);
	ck_assert_uint_eq(val(&d, "PXNTable"), 1);
	ck_assert_uint_eq(val(&d, "UXNTable"), 0);
	ck_assert_uint_eq(d.next_pa, 0x41234000);
	/* user page: AP[2:1]=01, SH=11, AF, nG, DBM, PXN, UXN, PTE_DIRTY */
	decode("arm64-4k-48", 3, UINT64_C(0x00e8000041235f43), DESC_WORD_HW, &d);
	ck_assert(!d.table && d.valid);
	ck_assert_uint_eq(val(&d, "AttrIndx"), 0);
	ck_assert_uint_eq(val(&d, "AP[2:1]"), 1);
	ck_assert_uint_eq(val(&d, "SH"), 3);
	ck_assert_uint_eq(val(&d, "AF"), 1);
	ck_assert_uint_eq(val(&d, "nG"), 1);
	ck_assert_uint_eq(val(&d, "DBM"), 1);
	ck_assert_uint_eq(val(&d, "PXN"), 1);
	ck_assert_uint_eq(val(&d, "UXN"), 1);
	ck_assert_uint_eq(val(&d, "PTE_DIRTY"), 1);
	ck_assert_uint_eq(val(&d, "Contiguous"), 0);
	ck_assert_uint_eq(d.next_pa, 0x41235000);
	/* a 2 MiB block at level 2: type 01, OA from bit 21 */
	decode("arm64-4k-48", 2, UINT64_C(0x0060000040200701), DESC_WORD_HW, &d);
	ck_assert(!d.table);
	ck_assert_uint_eq(find(&d, "OA")->lo, 21);
	ck_assert_uint_eq(d.next_pa, 0x40200000);
	/* 64 KiB granule, 52-bit PA: OA[51:48] in bits 15:12 */
	decode("arm64-64k-52", 2, UINT64_C(0x0000000041233703), DESC_WORD_HW, &d);
	ck_assert_uint_eq(val(&d, "OA[51:48]"), 3);
	ck_assert_uint_eq(d.next_pa, UINT64_C(0x0003000041230000));
	/* type 01 at the last level is reserved */
	decode("arm64-4k-48", 3, UINT64_C(0x41235001), DESC_WORD_HW, &d);
	ck_assert(!d.valid);
}
END_TEST

/* ARM ARM B3.5.1 (short first level), B3.5.2 (second level), and
   arch/arm/include/asm/pgtable-2level.h for the Linux pte. */
START_TEST(armv7_words)
{
	struct desc_fields d;

	/* _PAGE_USER_TABLE: type 01, PMD_BIT4, domain 1, table at +0x800 */
	decode("armv7-2l", 0, 0x8f404831u, DESC_WORD_HW, &d);
	ck_assert(d.table);
	ck_assert_uint_eq(val(&d, "Domain"), 1);
	ck_assert_uint_eq(d.next_pa, 0x8f404800);
	/* kernel section, AP=01, XN: 0x60000412 */
	decode("armv7-2l", 0, 0x60000412u, DESC_WORD_HW, &d);
	ck_assert(!d.table);
	ck_assert_uint_eq(val(&d, "XN"), 1);
	ck_assert_uint_eq(val(&d, "AP[1:0]"), 1);
	ck_assert_uint_eq(d.next_pa, 0x60000000);
	/* supersection: base[31:24]=0x12, PA[35:32]=5 */
	decode("armv7-2l", 0, 0x12540002u, DESC_WORD_HW, &d);
	ck_assert_uint_eq(val(&d, "supersection"), 1);
	ck_assert_uint_eq(d.next_pa, UINT64_C(0x512000000));
	/* hardware small page: XN 0, B C, AP 11, TEX 1, APX, S, nG */
	decode("armv7-2l", 1, 0x9fc00e7eu, DESC_WORD_HW, &d);
	ck_assert_uint_eq(val(&d, "XN"), 0);
	ck_assert_uint_eq(val(&d, "AP[1:0]"), 3);
	ck_assert_uint_eq(val(&d, "TEX"), 1);
	ck_assert_uint_eq(val(&d, "AP[2]"), 1);
	ck_assert_uint_eq(val(&d, "nG"), 1);
	ck_assert_uint_eq(d.next_pa, 0x9fc00000);
	/* its Linux pte: VALID YOUNG MT=WRITEALLOC RDONLY USER SHARED */
	decode("armv7-2l", 1, 0x9fc0059fu, DESC_WORD_LINUX, &d);
	ck_assert_uint_eq(val(&d, "L_PTE_MT"), 7);
	ck_assert_uint_eq(val(&d, "L_PTE_RDONLY"), 1);
	ck_assert_uint_eq(val(&d, "L_PTE_USER"), 1);
	ck_assert_uint_eq(val(&d, "L_PTE_XN"), 0);
	ck_assert_uint_eq(val(&d, "L_PTE_SHARED"), 1);
	ck_assert_uint_eq(val(&d, "L_PTE_DIRTY"), 0);
	ck_assert_uint_eq(d.next_pa, 0x9fc00000);
	/* LPAE page: AttrIndx 7, SH 11, AF, XN (54), L_PTE_RDONLY (58) */
	decode("armv7-lpae", 2, UINT64_C(0x044000006123471f), DESC_WORD_HW, &d);
	ck_assert_uint_eq(val(&d, "AttrIndx"), 7);
	ck_assert_uint_eq(val(&d, "XN"), 1);
	ck_assert_uint_eq(val(&d, "L_PTE_RDONLY"), 1);
	ck_assert_uint_eq(val(&d, "L_PTE_DIRTY"), 0);
	ck_assert_uint_eq(d.next_pa, 0x61234000);
}
END_TEST

/* RISC-V privileged spec §4.4.1 (Sv39 PTE), Svnapot, Svpbmt. */
START_TEST(riscv_words)
{
	struct desc_fields d;

	decode("riscv-sv39", 2, (UINT64_C(0x80200) << 10) | 0xcf,
	    DESC_WORD_HW, &d);
	ck_assert(!d.table && d.valid);
	ck_assert_uint_eq(val(&d, "D"), 1);
	ck_assert_uint_eq(val(&d, "U"), 0);
	ck_assert_uint_eq(d.next_pa, 0x80200000);
	decode("riscv-sv48", 0, (UINT64_C(0x80201) << 10) | 1, DESC_WORD_HW, &d);
	ck_assert(d.table);
	ck_assert_uint_eq(d.next_pa, 0x80201000);
	/* IO memory, NAPOT */
	decode("riscv-sv57", 4, (UINT64_C(2) << 61) | (UINT64_C(1) << 63) |
	    (UINT64_C(0x80208) << 10) | 0xc7, DESC_WORD_HW, &d);
	ck_assert_uint_eq(val(&d, "PBMT"), 2);
	ck_assert_uint_eq(val(&d, "N"), 1);
}
END_TEST

/* What the shared codec encodes, the field decoder reads back. */
START_TEST(agrees_with_codec)
{
	static const unsigned attrs[] = { DA_R, DA_R | DA_W, DA_R | DA_X,
	    DA_R | DA_W | DA_USER, DA_R | DA_X | DA_USER | DA_GLOBAL,
	    DA_R | DA_W | DA_DIRTY | DA_USER };

	for (size_t i = 0; i < arch_count(); i++) {
		const struct arch *a = arch_get(i);
		enum desc_family f = desc_family_of(a);
		unsigned last = a->nlevels - 1;

		for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++) {
			struct desc_leaf l = { .at = attrs[k] | DA_LEAF,
			    .pa = UINT64_C(0x40000000) };
			struct desc_fields d;
			uint32_t lx = 0;
			uint64_t e = desc_encode_leaf(f, &l, &lx);

			if (f == DF_ARMV7) {
				desc_fields_decode(a, last, lx,
				    DESC_WORD_LINUX, &d);
				ck_assert_uint_eq(d.next_pa, l.pa);
			}
			desc_fields_decode(a, last, e, DESC_WORD_HW, &d);
			ck_assert_msg(d.valid && !d.table, "%s leaf %#llx",
			    a->id, (unsigned long long)e);
			ck_assert_msg(d.next_pa == desc_leaf_pa(f, false, e, lx,
			    a->page_shift), "%s: leaf PA", a->id);
			check_partition(a, last, e, DESC_WORD_HW);
		}
		if (a->nlevels > 1) {
			uint64_t e = desc_encode_table(f, 0, 0x41000000, true,
			    0);
			struct desc_fields d;

			desc_fields_decode(a, 0, e, DESC_WORD_HW, &d);
			ck_assert_msg(d.valid && d.table, "%s table %#llx",
			    a->id, (unsigned long long)e);
			/* ARMv7 points at the hardware half of the page */
			ck_assert_msg(d.next_pa == (f == DF_ARMV7 ? 0x41000800u :
			    desc_table_pa(f, e, a->page_shift)), "%s: table "
			    "PA %#llx", a->id, (unsigned long long)d.next_pa);
		}
	}
}
END_TEST


/* The value of helper name in the evaluation of word. */
static bool
helper(const char *arch, unsigned li, uint64_t w, bool user, const char *name,
    struct desc_linux *dl)
{
	const struct arch *a = arch_find(arch);

	desc_linux_eval(a, li, w, user, dl);
	for (unsigned i = 0; i < dl->n; i++)
		if (strcmp(dl->t[i].name, name) == 0)
			return dl->t[i].value;
	ck_abort_msg("%s: no helper %s", arch, name);
	return false;
}

/* Expected values worked out from the kernel headers cited in
   model/desc-linux.c, by hand. */
START_TEST(linux_helpers)
{
	struct desc_linux dl;

	/* arm64: a block is pmd_bad (not a table) and pmd_leaf */
	ck_assert(helper("arm64-4k-48", 2, 0x0060000040200701u, false, "pmd_bad", &dl));
	ck_assert(helper("arm64-4k-48", 2, 0x0060000040200701u, false, "pmd_leaf", &dl));
	ck_assert(!helper("arm64-4k-48", 2, 0x41234003u, false, "pmd_bad", &dl));
	ck_assert_str_eq(dl.populate, "__pmd_populate(pmdp, next_phys, "
	    "PMD_TYPE_TABLE | PMD_TABLE_UXN)");
	helper("arm64-4k-48", 2, 0x41234003u, true, "pmd_bad", &dl);
	ck_assert(strstr(dl.populate, "PMD_TABLE_PXN") != NULL);
	/* a linear-map table: UXNTable (60) and PXNTable (59), map_mem()'s
	   NO_EXEC_MAPPINGS (arch/arm64/mm/mmu.c alloc_init_cont_pte()) */
	helper("arm64-4k-48", 2, UINT64_C(0x1800000041234003), false,
	    "pmd_bad", &dl);
	ck_assert_str_eq(dl.populate, "map_mem() (NO_EXEC_MAPPINGS) -> "
	    "__pmd_populate(pmdp, next_phys, PMD_TYPE_TABLE | PMD_TABLE_UXN | "
	    "PMD_TABLE_PXN)");
	/* the 4-level PML4/L0 entries are tested as p4d (pgd folded away) */
	ck_assert(!helper("arm64-4k-48", 0, 0x41230003u, false, "p4d_none", &dl));
	/* PROT_NONE pte: Valid clear, PTE_PRESENT_INVALID (nG) set */
	ck_assert(helper("arm64-4k-48", 3, 0x0060000041235c00u, true, "pte_present", &dl));
	ck_assert(!helper("arm64-4k-48", 3, 0x0060000041235c00u, true, "pte_none", &dl));
	/* x86: a 2 MiB page is pmd_bad (flags != _KERNPG_TABLE) and pmd_leaf */
	ck_assert(helper("x86_64-4l", 2, 0x400000e3u, false, "pmd_bad", &dl));
	ck_assert(helper("x86_64-4l", 2, 0x400000e3u, false, "pmd_leaf", &dl));
	ck_assert(!helper("x86_64-4l", 2, 0x12345067u, true, "pmd_bad", &dl));
	ck_assert(!helper("x86_64-4l", 2, 0x12345063u, false, "pmd_bad", &dl));
	ck_assert(strstr(dl.populate, "_KERNPG_TABLE") != NULL);
	ck_assert(helper("x86_64-4l", 2, UINT64_C(0x8000000012345063), false, "pmd_bad", &dl));
	/* A and D alone are still pmd_none (the KNL erratum mask) */
	ck_assert(helper("x86_64-4l", 2, 0x60u, false, "pmd_none", &dl));
	/* PROT_NONE pte: P clear, _PAGE_PROTNONE (G) set */
	ck_assert(helper("x86_64-4l", 3, 0x12345100u, true, "pte_present", &dl));
	/* 4-level: PML4 entries are p4d_*, with NX ignored (PTI) */
	ck_assert(!helper("x86_64-4l", 0, UINT64_C(0x8000000012345067), true, "p4d_bad", &dl));
	/* ARMv7: pgd entries are tested with pmd_*; a section is pmd_bad */
	ck_assert(helper("armv7-2l", 0, 0x60000412u, false, "pmd_bad", &dl));
	ck_assert(!helper("armv7-2l", 0, 0x8f404831u, true, "pmd_bad", &dl));
	ck_assert(strstr(dl.populate, "_PAGE_USER_TABLE") != NULL);
	/* RISC-V: a pmd with R set is a leaf, and pmd_bad */
	ck_assert(helper("riscv-sv39", 1, (UINT64_C(0x80200) << 10) | 0xcf, false, "pmd_leaf", &dl));
	ck_assert(helper("riscv-sv39", 1, (UINT64_C(0x80200) << 10) | 0xcf, false, "pmd_bad", &dl));
	/* a PROT_NONE pmd (G only) is present to Linux */
	ck_assert(helper("riscv-sv39", 1, (UINT64_C(0x80200) << 10) | 0x20, true, "pmd_present", &dl));
	/* Sv39 pgd entries are tested with pud_* (p4d and pud folded) */
	ck_assert(!helper("riscv-sv39", 0, (UINT64_C(0x80201) << 10) | 1, true, "pud_bad", &dl));
}
END_TEST

static Suite *
desc_suite(void)
{
	Suite *s = suite_create("desc");
	TCase *tc = tcase_create("fields");

	tcase_set_timeout(tc, 60);

	tcase_add_test(tc, partition_every_arch);
	tcase_add_test(tc, x86_64_words);
	tcase_add_test(tc, x86_32_words);
	tcase_add_test(tc, arm64_words);
	tcase_add_test(tc, armv7_words);
	tcase_add_test(tc, riscv_words);
	tcase_add_test(tc, agrees_with_codec);
	tcase_add_test(tc, linux_helpers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(desc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
