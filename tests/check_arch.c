/* SPDX-License-Identifier: MIT */
/*
 * check_arch.c: unit tests of backends/arch.c.
 *
 * Every expected value is written out here from the kernel's definitions
 * (PGDIR_SHIFT, P4D_SHIFT, PUD_SHIFT, PMD_SHIFT, PTRS_PER_*) and the
 * architecture manuals, never computed by the code under test; the sample
 * indices were worked out by hand (the bit fields are noted beside them).
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* What one level must look like. */
struct exp_level {
	const char *name;
	unsigned shift, bits, entries, entry_bytes;
	uint64_t block;
	const char *hw, *fn;
	const char *leaves;	/* "name:size:nentries:hw;..." */
};

/* What one arch must look like. */
struct exp_arch {
	const char *id, *family;
	unsigned page_shift;
	uint64_t page_size;
	unsigned va_bits, pa_bits, entry_bytes, nlevels;
	const char *folded;	/* "p4d,pud" */
	bool sign_extend, split_roots;
	uint64_t user_last, kernel_first, kernel_last, page_offset;
	struct exp_level lv[PT_NLEVELS];
};

#define LF_4K	"4k:0x1000:1:page"
#define X86_PUD	{ "pud", 30, 9, 512, 8, 0x40000000, "PDPT", "pud_offset", \
		  "1g:0x40000000:1:pse" }
#define X86_PMD	{ "pmd", 21, 9, 512, 8, 0x200000, "PD", "pmd_offset", \
		  "2m:0x200000:1:pse" }
#define X86_PTE	{ "pte", 12, 9, 512, 8, 0, "PT", "pte_offset_kernel", LF_4K }
/* arm64 4K granule: L2 2M blocks, 16 x 2M = 32M contiguous; L3 16 x 4K. */
#define A4_PMD	{ "pmd", 21, 9, 512, 8, 0x200000, "L2", "pmd_offset", \
		  "2m:0x200000:1:block;32m:0x2000000:16:contiguous" }
#define A4_PTE	{ "pte", 12, 9, 512, 8, 0, "L3", "pte_offset_kernel", \
		  LF_4K ";64k:0x10000:16:contiguous" }
/* arm64 16K granule: L2 32M blocks, 32 x 32M = 1G; L3 128 x 16K = 2M. */
#define A16_PMD	{ "pmd", 25, 11, 2048, 8, 0x2000000, "L2", "pmd_offset", \
		  "32m:0x2000000:1:block;1g:0x40000000:32:contiguous" }
#define A16_PTE	{ "pte", 14, 11, 2048, 8, 0, "L3", "pte_offset_kernel", \
		  "16k:0x4000:1:page;2m:0x200000:128:contiguous" }
/* arm64 64K granule: L2 512M blocks, 32 x 512M = 16G; L3 32 x 64K = 2M. */
#define A64_PMD	{ "pmd", 29, 13, 8192, 8, 0x20000000, "L2", "pmd_offset", \
		  "512m:0x20000000:1:block;16g:0x400000000:32:contiguous" }
#define A64_PTE	{ "pte", 16, 13, 8192, 8, 0, "L3", "pte_offset_kernel", \
		  "64k:0x10000:1:page;2m:0x200000:32:contiguous" }
#define RV_PUD	{ "pud", 30, 9, 512, 8, 0x40000000, "VPN[2]", "pud_offset", \
		  "1g:0x40000000:1:gigapage" }
#define RV_PMD	{ "pmd", 21, 9, 512, 8, 0x200000, "VPN[1]", "pmd_offset", \
		  "2m:0x200000:1:megapage" }
#define RV_PTE	{ "pte", 12, 9, 512, 8, 0, "VPN[0]", "pte_offset_kernel", \
		  LF_4K ";64k:0x10000:16:napot" }

static const struct exp_arch expected[] = {
	/* pgtable_64_types.h: PGDIR_SHIFT 39, PTRS_PER_P4D 1 (folded). */
	{ "x86_64-4l", "x86_64", 12, 4096, 48, 52, 8, 4, "p4d", true, false,
	  0x00007fffffffffff, 0xffff800000000000, ~0ull, 0xffff888000000000, {
	  { "pgd", 39, 9, 512, 8, 0, "PML4", "pgd_offset", "" },
	  X86_PUD, X86_PMD, X86_PTE } },
	/* LA57: PGDIR_SHIFT 48, P4D_SHIFT 39, PTRS_PER_P4D 512. */
	{ "x86_64-5l", "x86_64", 12, 4096, 57, 52, 8, 5, "", true, false,
	  0x00ffffffffffffff, 0xff00000000000000, ~0ull, 0xff11000000000000, {
	  { "pgd", 48, 9, 512, 8, 0, "PML5", "pgd_offset", "" },
	  { "p4d", 39, 9, 512, 8, 0, "PML4", "p4d_offset", "" },
	  X86_PUD, X86_PMD, X86_PTE } },
	/* pgtable-2level_types.h: PGDIR_SHIFT 22, PTRS_PER_PGD/PTE 1024. */
	{ "x86-32", "x86", 12, 4096, 32, 32, 4, 2, "p4d,pud,pmd", false, false,
	  0xbfffffff, 0xc0000000, 0xffffffff, 0xc0000000, {
	  { "pgd", 22, 10, 1024, 4, 0x400000, "PD", "pgd_offset",
	    "4m:0x400000:1:pse" },
	  { "pte", 12, 10, 1024, 4, 0, "PT", "pte_offset_kernel", LF_4K } } },
	/* pgtable-3level_types.h: PGDIR_SHIFT 30 / 4, PMD_SHIFT 21 / 512. */
	{ "x86-pae", "x86", 12, 4096, 32, 52, 8, 3, "p4d,pud", false, false,
	  0xbfffffff, 0xc0000000, 0xffffffff, 0xc0000000, {
	  { "pgd", 30, 2, 4, 8, 0, "PDPT", "pgd_offset", "" },
	  X86_PMD, X86_PTE } },
	/* arm64 4K/39: PGD = L1 (shift 30, 1G blocks), PMD = L2, PTE = L3. */
	{ "arm64-4k-39", "arm64", 12, 4096, 39, 48, 8, 3, "p4d,pud", false,
	  true, 0x7fffffffff, 0xffffff8000000000, ~0ull, 0xffffff8000000000, {
	  { "pgd", 30, 9, 512, 8, 0x40000000, "L1", "pgd_offset",
	    "1g:0x40000000:1:block" },
	  A4_PMD, A4_PTE } },
	/* arm64 4K/48: PGD = L0 (39, no blocks), PUD = L1 (1G blocks). */
	{ "arm64-4k-48", "arm64", 12, 4096, 48, 48, 8, 4, "p4d", false, true,
	  0xffffffffffff, 0xffff000000000000, ~0ull, 0xffff000000000000, {
	  { "pgd", 39, 9, 512, 8, 0, "L0", "pgd_offset", "" },
	  { "pud", 30, 9, 512, 8, 0x40000000, "L1", "pud_offset",
	    "1g:0x40000000:1:block" },
	  A4_PMD, A4_PTE } },
	/* arm64 16K/47: PGD = L1 (36, 2048 entries, no blocks). */
	{ "arm64-16k-47", "arm64", 14, 16384, 47, 48, 8, 3, "p4d,pud", false,
	  true, 0x7fffffffffff, 0xffff800000000000, ~0ull, 0xffff800000000000, {
	  { "pgd", 36, 11, 2048, 8, 0, "L1", "pgd_offset", "" },
	  A16_PMD, A16_PTE } },
	/* arm64 16K/48: PGD = L0 (47, 2 entries), PUD = L1 (36, 2048). */
	{ "arm64-16k-48", "arm64", 14, 16384, 48, 48, 8, 4, "p4d", false, true,
	  0xffffffffffff, 0xffff000000000000, ~0ull, 0xffff000000000000, {
	  { "pgd", 47, 1, 2, 8, 0, "L0", "pgd_offset", "" },
	  { "pud", 36, 11, 2048, 8, 0, "L1", "pud_offset", "" },
	  A16_PMD, A16_PTE } },
	/* arm64 64K/42: two levels, PGD = L2 (29, 8192, 512M blocks). */
	{ "arm64-64k-42", "arm64", 16, 65536, 42, 48, 8, 2, "p4d,pud,pmd",
	  false, true, 0x3ffffffffff, 0xfffffc0000000000, ~0ull,
	  0xfffffc0000000000, {
	  { "pgd", 29, 13, 8192, 8, 0x20000000, "L2", "pgd_offset",
	    "512m:0x20000000:1:block;16g:0x400000000:32:contiguous" },
	  A64_PTE } },
	/* arm64 64K/48: PGD = L1 (42, 64 entries). */
	{ "arm64-64k-48", "arm64", 16, 65536, 48, 48, 8, 3, "p4d,pud", false,
	  true, 0xffffffffffff, 0xffff000000000000, ~0ull, 0xffff000000000000, {
	  { "pgd", 42, 6, 64, 8, 0, "L1", "pgd_offset", "" },
	  A64_PMD, A64_PTE } },
	/* arm64 64K/52: PGD = L1 (42, 1024 entries). */
	{ "arm64-64k-52", "arm64", 16, 65536, 52, 52, 8, 3, "p4d,pud", false,
	  true, 0xfffffffffffff, 0xfff0000000000000, ~0ull, 0xfff0000000000000, {
	  { "pgd", 42, 10, 1024, 8, 0, "L1", "pgd_offset", "" },
	  A64_PMD, A64_PTE } },
	/* pgtable-2level.h: PGDIR_SHIFT 21, PTRS_PER_PGD 2048 (8-byte pairs of
	   1M first-level descriptors), PTRS_PER_PTE 512; TASK_SIZE is
	   PAGE_OFFSET - 16M. */
	{ "armv7-2l", "armv7", 12, 4096, 32, 32, 4, 2, "p4d,pud,pmd", false,
	  false, 0xbeffffff, 0xbf000000, 0xffffffff, 0xc0000000, {
	  { "pgd", 21, 11, 2048, 8, 0x100000, "first-level", "pgd_offset",
	    "1m:0x100000:1:section;16m:0x1000000:16:supersection" },
	  { "pte", 12, 9, 512, 4, 0, "second-level", "pte_offset_kernel",
	    LF_4K ";64k:0x10000:16:large page" } } },
	/* pgtable-3level.h: PTRS_PER_PGD 4, PGDIR_SHIFT 30, PMD_SHIFT 21. */
	{ "armv7-lpae", "armv7", 12, 4096, 32, 40, 8, 3, "p4d,pud", false,
	  false, 0xbeffffff, 0xbf000000, 0xffffffff, 0xc0000000, {
	  { "pgd", 30, 2, 4, 8, 0x40000000, "first-level", "pgd_offset",
	    "1g:0x40000000:1:block" },
	  { "pmd", 21, 9, 512, 8, 0x200000, "second-level", "pmd_offset",
	    "2m:0x200000:1:block" },
	  { "pte", 12, 9, 512, 8, 0, "third-level", "pte_offset_kernel",
	    LF_4K } } },
	/* RISC-V privileged spec: Sv39 VPN[2..0]; Linux PGDIR_SHIFT 30. */
	{ "riscv-sv39", "riscv", 12, 4096, 39, 56, 8, 3, "p4d,pud", true,
	  false, 0x3fffffffff, 0xffffffc000000000, ~0ull, 0xffffffd600000000, {
	  { "pgd", 30, 9, 512, 8, 0x40000000, "VPN[2]", "pgd_offset",
	    "1g:0x40000000:1:gigapage" },
	  RV_PMD, RV_PTE } },
	/* Sv48: PGDIR_SHIFT 39 (512G terapages), PUD_SHIFT 30. */
	{ "riscv-sv48", "riscv", 12, 4096, 48, 56, 8, 4, "p4d", true, false,
	  0x7fffffffffff, 0xffff800000000000, ~0ull, 0xffffaf8000000000, {
	  { "pgd", 39, 9, 512, 8, 0x8000000000, "VPN[3]", "pgd_offset",
	    "512g:0x8000000000:1:terapage" },
	  RV_PUD, RV_PMD, RV_PTE } },
	/* Sv57: PGDIR_SHIFT 48 (256T petapages), P4D_SHIFT 39. */
	{ "riscv-sv57", "riscv", 12, 4096, 57, 56, 8, 5, "", true, false,
	  0x00ffffffffffffff, 0xff00000000000000, ~0ull, 0xff60000000000000, {
	  { "pgd", 48, 9, 512, 8, 0x1000000000000, "VPN[4]", "pgd_offset",
	    "256t:0x1000000000000:1:petapage" },
	  { "p4d", 39, 9, 512, 8, 0x8000000000, "VPN[3]", "p4d_offset",
	    "512g:0x8000000000:1:terapage" },
	  RV_PUD, RV_PMD, RV_PTE } },
	/* FEAT_LPA2, CONFIG_ARM64_VA_BITS_52 + 4K pages (Linux 6.9+):
	   arch/arm64/include/asm/pgtable-hwdef.h ARM64_HW_PGTABLE_LEVELS(52)
	   = (52 - 4) / (12 - 3) = 5; ARM64_HW_PGTABLE_LEVEL_SHIFT(n) =
	   (12 - 3) * (4 - n) + 3: L-1 48, L0 39, L1 30, L2 21;
	   PTRS_PER_PGD = 1 << (VA_BITS - PGDIR_SHIFT) = 16; kernel VAs from
	   _PAGE_OFFSET(52) = -(1 << 52) (asm/memory.h). */
	{ "arm64-4k-52", "arm64", 12, 4096, 52, 52, 8, 5, "", false,
	  true, 0xfffffffffffff, 0xfff0000000000000, ~0ull, 0xfff0000000000000, {
	  { "pgd", 48, 4, 16, 8, 0, "L-1", "pgd_offset", "" },
	  { "p4d", 39, 9, 512, 8, 0, "L0", "p4d_offset", "" },
	  { "pud", 30, 9, 512, 8, 0x40000000, "L1", "pud_offset",
	    "1g:0x40000000:1:block" },
	  A4_PMD, A4_PTE } },
	/* FEAT_LPA2 + 16K pages: (52 - 4) / (14 - 3) = 4 levels; shifts
	   (14 - 3) * (4 - n) + 3: L0 47, L1 36, L2 25; PTRS_PER_PGD =
	   1 << (52 - 47) = 32; no PUD blocks (pud_sect_supported() is
	   PAGE_SIZE == SZ_4K, asm/pgtable.h). */
	{ "arm64-16k-52", "arm64", 14, 16384, 52, 52, 8, 4, "p4d", false,
	  true, 0xfffffffffffff, 0xfff0000000000000, ~0ull, 0xfff0000000000000, {
	  { "pgd", 47, 5, 32, 8, 0, "L0", "pgd_offset", "" },
	  { "pud", 36, 11, 2048, 8, 0, "L1", "pud_offset", "" },
	  A16_PMD, A16_PTE } },
};

#define NEXP (sizeof expected / sizeof expected[0])

/* The arch with that id; fails the test when it is missing. */
static const struct arch *
must_find(const char *id)
{
	const struct arch *a = arch_find(id);

	ck_assert_msg(a != NULL, "arch %s missing", id);
	return a;
}

/* Render the folded mask as "p4d,pud". */
static void
folded_str(const struct arch *a, char *buf, size_t len)
{
	static const char *const names[] = { "pgd", "p4d", "pud", "pmd", "pte" };
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < PT_NLEVELS; i++)
		if (a->folded & (1u << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n ? "," : "", names[i]);
}

/* Render a level's leaves as "name:size:nentries:hw;...". */
static void
leaves_str(const struct arch_level *l, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned k = 0; k < l->nleaves; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s:0x%" PRIx64 ":%u:%s",
		    k ? ";" : "", l->leaves[k].name, l->leaves[k].size,
		    l->leaves[k].nentries, l->leaves[k].hw);
}

/* Compare one level with its expectation. */
static void
check_level(const struct exp_arch *e, unsigned li, const struct arch_level *l)
{
	const struct exp_level *x = &e->lv[li];
	char buf[256];

	ck_assert_msg(strcmp(l->name, x->name) == 0, "%s level %u: %s != %s",
	    e->id, li, l->name, x->name);
	ck_assert_int_eq(arch_level_from_name(x->name), (int)l->level);
	ck_assert_msg(l->shift == x->shift, "%s %s shift %u != %u", e->id,
	    x->name, l->shift, x->shift);
	ck_assert_msg(l->bits == x->bits, "%s %s bits", e->id, x->name);
	ck_assert_msg(l->entries == x->entries, "%s %s entries %u != %u",
	    e->id, x->name, l->entries, x->entries);
	ck_assert_msg(l->entry_bytes == x->entry_bytes, "%s %s entry_bytes",
	    e->id, x->name);
	ck_assert_msg(l->block_size == x->block, "%s %s block 0x%" PRIx64,
	    e->id, x->name, l->block_size);
	ck_assert_str_eq(l->hw_name, x->hw);
	ck_assert_str_eq(l->offset_fn, x->fn);
	leaves_str(l, buf, sizeof buf);
	ck_assert_msg(strcmp(buf, x->leaves) == 0, "%s %s leaves '%s' != '%s'",
	    e->id, x->name, buf, x->leaves);
}

/* Compare one arch with its expectation. */
static void
check_arch(const struct exp_arch *e, const struct arch *a)
{
	char buf[64];

	ck_assert_str_eq(a->id, e->id);
	ck_assert_str_eq(a->family, e->family);
	ck_assert_msg(a->desc != NULL && a->desc[0] != '\0', "%s desc", e->id);
	ck_assert_uint_eq(a->page_shift, e->page_shift);
	ck_assert_uint_eq(a->page_size, e->page_size);
	ck_assert_uint_eq(a->va_bits, e->va_bits);
	ck_assert_uint_eq(a->pa_bits, e->pa_bits);
	ck_assert_uint_eq(a->entry_bytes, e->entry_bytes);
	ck_assert_uint_eq(a->nlevels, e->nlevels);
	folded_str(a, buf, sizeof buf);
	ck_assert_msg(strcmp(buf, e->folded) == 0, "%s folded %s", e->id, buf);
	ck_assert(a->sign_extend == e->sign_extend);
	ck_assert(a->split_roots == e->split_roots);
	ck_assert_uint_eq(a->user_first, 0);
	ck_assert_msg(a->user_last == e->user_last, "%s user_last", e->id);
	ck_assert_msg(a->kernel_first == e->kernel_first, "%s kfirst", e->id);
	ck_assert_msg(a->kernel_last == e->kernel_last, "%s klast", e->id);
	ck_assert_msg(a->page_offset == e->page_offset, "%s page_offset",
	    e->id);
	for (unsigned li = 0; li < e->nlevels; li++)
		check_level(e, li, &a->levels[li]);
}

START_TEST(test_table_every_arch)
{
	/* the contract's 16 ids, then the two LPA2 ids */
	ck_assert_uint_eq(arch_count(), 18);
	ck_assert_uint_eq(NEXP, 18);
	for (size_t i = 0; i < NEXP; i++) {
		/* contract order */
		ck_assert_ptr_nonnull(arch_get(i));
		ck_assert_str_eq(arch_get(i)->id, expected[i].id);
		check_arch(&expected[i], arch_get(i));
	}
	ck_assert_ptr_null(arch_get(18));
	ck_assert_ptr_null(arch_get((size_t)-1));
}
END_TEST

START_TEST(test_table_levels_cover_va)
{
	/* The index fields plus the page offset must add up to va_bits and
	   every existing level must be unfolded, every missing one folded. */
	static const unsigned sums[] = { 48, 57, 32, 32, 39, 48, 47, 48, 42,
	    48, 52, 32, 32, 39, 48, 57, 52, 52 };

	for (size_t i = 0; i < NEXP; i++) {
		const struct arch *a = arch_get(i);
		unsigned sum = a->page_shift;
		unsigned seen = 0;

		for (unsigned li = 0; li < a->nlevels; li++) {
			sum += a->levels[li].bits;
			seen |= 1u << a->levels[li].level;
			ck_assert(!arch_is_folded(a, a->levels[li].level));
		}
		ck_assert_msg(sum == sums[i], "%s sum %u", a->id, sum);
		ck_assert_uint_eq(seen | a->folded, 0x1f);
		ck_assert_uint_eq(seen & a->folded, 0);
		ck_assert_int_eq(a->levels[0].level, PT_PGD);
		ck_assert_int_eq(a->levels[a->nlevels - 1].level, PT_PTE);
	}
}
END_TEST

START_TEST(test_find)
{
	ck_assert_ptr_null(arch_find("x86_64"));
	ck_assert_ptr_null(arch_find("arm64-4k-51"));
	ck_assert_ptr_null(arch_find(""));
	ck_assert_ptr_null(arch_find(NULL));
	ck_assert_ptr_null(arch_find("X86_64-4L"));
	for (size_t i = 0; i < NEXP; i++)
		ck_assert_ptr_eq(arch_find(expected[i].id), arch_get(i));
}
END_TEST

START_TEST(test_level_names)
{
	ck_assert_int_eq(arch_level_from_name("pgd"), PT_PGD);
	ck_assert_int_eq(arch_level_from_name("p4d"), PT_P4D);
	ck_assert_int_eq(arch_level_from_name("pud"), PT_PUD);
	ck_assert_int_eq(arch_level_from_name("pmd"), PT_PMD);
	ck_assert_int_eq(arch_level_from_name("pte"), PT_PTE);
	ck_assert_int_eq(arch_level_from_name("PGD"), -1);
	ck_assert_int_eq(arch_level_from_name("pml4"), -1);
	ck_assert_int_eq(arch_level_from_name(""), -1);
	ck_assert_int_eq(arch_level_from_name(NULL), -1);
	ck_assert_str_eq(arch_level_name(PT_PGD), "pgd");
	ck_assert_str_eq(arch_level_name(PT_P4D), "p4d");
	ck_assert_str_eq(arch_level_name(PT_PTE), "pte");
	ck_assert_ptr_nonnull(arch_level_name(PT_NLEVELS));
}
END_TEST

START_TEST(test_level_pos)
{
	const struct arch *a = must_find("x86_64-4l");

	ck_assert_int_eq(arch_level_pos(a, PT_PGD), 0);
	ck_assert_int_eq(arch_level_pos(a, PT_P4D), -1);
	ck_assert_int_eq(arch_level_pos(a, PT_PUD), 1);
	ck_assert_int_eq(arch_level_pos(a, PT_PMD), 2);
	ck_assert_int_eq(arch_level_pos(a, PT_PTE), 3);
	ck_assert(arch_is_folded(a, PT_P4D));
	ck_assert(!arch_is_folded(a, PT_PUD));
	ck_assert(!arch_is_folded(a, PT_NLEVELS));

	a = must_find("x86_64-5l");
	ck_assert_int_eq(arch_level_pos(a, PT_P4D), 1);
	ck_assert_int_eq(arch_level_pos(a, PT_PTE), 4);

	a = must_find("arm64-64k-42");
	ck_assert_int_eq(arch_level_pos(a, PT_PGD), 0);
	ck_assert_int_eq(arch_level_pos(a, PT_PUD), -1);
	ck_assert_int_eq(arch_level_pos(a, PT_PMD), -1);
	ck_assert_int_eq(arch_level_pos(a, PT_PTE), 1);
	ck_assert(arch_is_folded(a, PT_PMD));

	a = must_find("riscv-sv39");
	ck_assert_int_eq(arch_level_pos(a, PT_PUD), -1);
	ck_assert_int_eq(arch_level_pos(a, PT_PMD), 1);
}
END_TEST

/* Split va on arch id and compare with the hand-computed indices. */
static void
check_split(const char *id, uint64_t va, unsigned n, const unsigned *want)
{
	const struct arch *a = must_find(id);
	unsigned got[PT_NLEVELS] = { 0 };

	ck_assert_uint_eq(a->nlevels, n);
	arch_split_va(a, va, got);
	for (unsigned li = 0; li < n; li++) {
		ck_assert_msg(got[li] == want[li],
		    "%s va 0x%" PRIx64 " %s index %u, want %u", id, va,
		    a->levels[li].name, got[li], want[li]);
		ck_assert_uint_eq(arch_index(a, li, va), want[li]);
	}
}

#define SPLIT(id, va, ...) do { \
	static const unsigned w_[] = { __VA_ARGS__ }; \
	check_split(id, va, sizeof w_ / sizeof w_[0], w_); \
} while (0)

START_TEST(test_index_x86)
{
	/* 0x7f1234567000: va[47:39]=0x0fe, [38:30]=0x048, [29:21]=0x1a2,
	   [20:12]=0x167 */
	SPLIT("x86_64-4l", 0x7f1234567000, 254, 72, 418, 359);
	/* direct map: lin 0x888000000000 >> 39 = 0x111 */
	SPLIT("x86_64-4l", 0xffff888000000000, 273, 0, 0, 0);
	/* kernel text: lin 0xffff81000000: pgd 0x1ff, pud 0x1fe, pmd 8 */
	SPLIT("x86_64-4l", 0xffffffff81000000, 511, 510, 8, 0);
	/* last user VA: 0x7fffffffffff = 0x0ff,0x1ff,0x1ff,0x1ff */
	SPLIT("x86_64-4l", 0x7fffffffffff, 255, 511, 511, 511);
	/* 5-level: va[56:48]=0 for a 47-bit VA, the rest as on 4-level */
	SPLIT("x86_64-5l", 0x7f1234567000, 0, 254, 72, 418, 359);
	/* 0xff11000000000000: lin 0x11000000000000 >> 48 = 0x111 */
	SPLIT("x86_64-5l", 0xff11000000000000, 273, 0, 0, 0, 0);
	SPLIT("x86_64-5l", 0xffffffffffffffff, 511, 511, 511, 511, 511);
	/* 0x08048000 >> 22 = 0x20; (>> 12) & 0x3ff = 0x048 */
	SPLIT("x86-32", 0x08048000, 32, 72);
	SPLIT("x86-32", 0xbfffffff, 767, 1023);
	/* 0xc0100000 >> 22 = 0x300; 0xc0100 & 0x3ff = 0x100 */
	SPLIT("x86-32", 0xc0100000, 768, 256);
	/* PAE: [31:30]=0, [29:21]=0x040, [20:12]=0x048 */
	SPLIT("x86-pae", 0x08048000, 0, 64, 72);
	SPLIT("x86-pae", 0xc0100000, 3, 0, 256);
	SPLIT("x86-pae", 0xbfffffff, 2, 511, 511);
}
END_TEST

START_TEST(test_index_arm64)
{
	/* 4K/39: 0x7fa1b2c3d000: [38:30]=0x086, [29:21]=0x196, [20:12]=0x03d */
	SPLIT("arm64-4k-39", 0x7fa1b2c3d000, 134, 406, 61);
	SPLIT("arm64-4k-39", 0x5555555000, 341, 170, 341);
	/* kernel half: TTBR1 bits dropped, lin 0 */
	SPLIT("arm64-4k-39", 0xffffff8000000000, 0, 0, 0);
	/* 4K/48: lin 0x9abcdef01000: 0x135, 0x0f3, 0x0f7, 0x101 */
	SPLIT("arm64-4k-48", 0xffff9abcdef01000, 309, 243, 247, 257);
	SPLIT("arm64-4k-48", 0xaaaabbbbc000, 341, 170, 477, 444);
	SPLIT("arm64-4k-48", 0xffffffffffff, 511, 511, 511, 511);
	/* 16K/47: 0x7fffe1234000: [46:36]=0x7ff, [35:25]=0x7f0, [24:14]=0x48d */
	SPLIT("arm64-16k-47", 0x7fffe1234000, 2047, 2032, 1165);
	SPLIT("arm64-16k-47", 0xffff800012344000, 0, 9, 209);
	/* 16K/48: [47]=1, [46:36]=0x7ff, [35:25]=0x7f6, [24:14]=0x72e */
	SPLIT("arm64-16k-48", 0xfffffedcb8000, 1, 2047, 2038, 1838);
	SPLIT("arm64-16k-48", 0xffff812345678000, 1, 18, 418, 1438);
	/* 64K/42: [41:29]=0x1ff8, [28:16]=0x1234 */
	SPLIT("arm64-64k-42", 0x3ff12340000, 8184, 4660);
	SPLIT("arm64-64k-42", 0xfffffc0012340000, 0, 4660);
	/* 64K/48: [47:42]=0x3f, [41:29]=0x1fff, [28:16]=0x1765 */
	SPLIT("arm64-64k-48", 0xfffff7650000, 63, 8191, 5989);
	SPLIT("arm64-64k-48", 0xffff000840000000, 0, 66, 0);
	/* 64K/52: [51:42]=0x3fb, [41:29]=0xe5d, [28:16]=0x987 */
	SPLIT("arm64-64k-52", 0xfedcba9870000, 1019, 3677, 2439);
	SPLIT("arm64-64k-52", 0xfff0000000010000, 0, 0, 1);
	/* 4K/52 (LPA2): 0xfedcba9876000: [51:48]=0xf, [47:39]=0x1db,
	   [38:30]=0x12e, [29:21]=0x14c, [20:12]=0x076 */
	SPLIT("arm64-4k-52", 0xfedcba9876000, 15, 475, 302, 332, 118);
	/* kernel half from 0xfff0000000000000: lin 0 */
	SPLIT("arm64-4k-52", 0xfff0000000000000, 0, 0, 0, 0, 0);
	/* 16K/52: 0xfedcba9874000: [51:47]=0x1f, [46:36]=0x6dc,
	   [35:25]=0x5d4, [24:14]=0x61d */
	SPLIT("arm64-16k-52", 0xfedcba9874000, 31, 1756, 1492, 1565);
}
END_TEST

START_TEST(test_index_armv7_riscv)
{
	/* 2-level: 0xb6f01000 >> 21 = 0x5b7; (>> 12) & 0x1ff = 0x101 */
	SPLIT("armv7-2l", 0xb6f01000, 1463, 257);
	SPLIT("armv7-2l", 0xc0008000, 1536, 8);
	SPLIT("armv7-2l", 0xbeffffff, 1527, 511);
	/* LPAE: [31:30]=2, [29:21]=0x1b7, [20:12]=0x101 */
	SPLIT("armv7-lpae", 0xb6f01000, 2, 439, 257);
	SPLIT("armv7-lpae", 0xc0208000, 3, 1, 8);
	/* Sv39: 0x3fc0001000: [38:30]=0x0ff, [29:21]=0, [20:12]=1 */
	SPLIT("riscv-sv39", 0x3fc0001000, 255, 0, 1);
	/* linear map: lin 0x5600000000 >> 30 = 0x158 */
	SPLIT("riscv-sv39", 0xffffffd600000000, 344, 0, 0);
	/* kernel image: lin 0x7f80200000: 0x1fe, 1, 0 */
	SPLIT("riscv-sv39", 0xffffffff80200000, 510, 1, 0);
	SPLIT("riscv-sv48", 0x7fff12345000, 255, 508, 145, 325);
	/* lin 0xaf8000000000 >> 39 = 0x15f */
	SPLIT("riscv-sv48", 0xffffaf8000000000, 351, 0, 0, 0);
	SPLIT("riscv-sv57", 0xfff12345678000, 255, 482, 141, 43, 120);
	/* lin 0x160000000000000 >> 48 = 0x160 */
	SPLIT("riscv-sv57", 0xff60000000000000, 352, 0, 0, 0, 0);
}
END_TEST

/* Expect va to be accepted on id. */
static void
va_ok(const char *id, uint64_t va)
{
	struct pts_err err = { 0 };

	ck_assert_msg(arch_check_va(must_find(id), va, &err) == 0,
	    "%s rejected 0x%" PRIx64 ": %s", id, va, err.msg);
}

/* Expect va to be rejected on id with "bad_va" naming both ranges. */
static void
va_bad(const char *id, uint64_t va, const char *user, const char *kernel)
{
	struct pts_err err = { 0 };

	ck_assert_msg(arch_check_va(must_find(id), va, &err) == PTS_EINVAL,
	    "%s accepted 0x%" PRIx64, id, va);
	ck_assert_int_eq(err.code, PTS_EINVAL);
	ck_assert_str_eq(err.id, "bad_va");
	ck_assert_msg(strstr(err.msg, user) != NULL, "no '%s' in '%s'", user,
	    err.msg);
	ck_assert_msg(strstr(err.msg, kernel) != NULL, "no '%s' in '%s'",
	    kernel, err.msg);
	ck_assert_int_eq(arch_check_va(must_find(id), va, NULL), PTS_EINVAL);
}

START_TEST(test_check_va)
{
	const char *u4 = "0x0-0x7fffffffffff";
	const char *k4 = "0xffff800000000000-0xffffffffffffffff";

	va_ok("x86_64-4l", 0);
	va_ok("x86_64-4l", 0x7fffffffffff);
	va_ok("x86_64-4l", 0xffff800000000000);
	va_ok("x86_64-4l", 0xffffffffffffffff);
	va_bad("x86_64-4l", 0x0000800000000000, u4, k4);
	va_bad("x86_64-4l", 0xffff7fffffffffff, u4, k4);
	va_bad("x86_64-4l", 0x8000000000000000, u4, k4);
	va_ok("x86_64-5l", 0x0000800000000000);
	va_ok("x86_64-5l", 0x00ffffffffffffff);
	va_ok("x86_64-5l", 0xff00000000000000);
	va_bad("x86_64-5l", 0x0100000000000000, "0x0-0xffffffffffffff",
	    "0xff00000000000000-0xffffffffffffffff");
	va_ok("arm64-4k-48", 0xffffffffffff);
	va_ok("arm64-4k-48", 0xffff000000000000);
	va_bad("arm64-4k-48", 0x0001000000000000, "0x0-0xffffffffffff",
	    "0xffff000000000000-0xffffffffffffffff");
	va_bad("arm64-4k-48", 0xfffeffffffffffff, "0x0-0xffffffffffff",
	    "0xffff000000000000-");
	va_bad("arm64-4k-39", 0x8000000000, "0x0-0x7fffffffff",
	    "0xffffff8000000000-");
	va_bad("arm64-64k-42", 0x40000000000, "0x0-0x3ffffffffff",
	    "0xfffffc0000000000-");
	va_ok("arm64-64k-52", 0xfffffffffffff);
	va_ok("arm64-64k-52", 0xfff0000000000000);
	va_bad("arm64-64k-52", 0x10000000000000, "0x0-0xfffffffffffff",
	    "0xfff0000000000000-");
	va_ok("x86-32", 0xffffffff);
	va_bad("x86-32", 0x100000000, "0x0-0xbfffffff",
	    "0xc0000000-0xffffffff");
	va_bad("armv7-2l", 0xffffffffbf000000, "0x0-0xbeffffff",
	    "0xbf000000-0xffffffff");
	va_ok("riscv-sv39", 0x3fffffffff);
	va_ok("riscv-sv39", 0xffffffc000000000);
	va_bad("riscv-sv39", 0x4000000000, "0x0-0x3fffffffff",
	    "0xffffffc000000000-0xffffffffffffffff");
	va_bad("riscv-sv39", 0xffffffbfffffffff, "0x0-0x3fffffffff",
	    "0xffffffc000000000-");
	va_bad("riscv-sv48", 0x800000000000, "0x0-0x7fffffffffff",
	    "0xffff800000000000-");
	va_bad("riscv-sv57", 0x100000000000000, "0x0-0xffffffffffffff",
	    "0xff00000000000000-");
}
END_TEST

START_TEST(test_user_kernel)
{
	const struct arch *a = must_find("x86-32");

	ck_assert(arch_va_is_user(a, 0xbfffffff));
	ck_assert(!arch_va_is_kernel(a, 0xbfffffff));
	ck_assert(arch_va_is_kernel(a, 0xc0000000));
	ck_assert(!arch_va_is_user(a, 0xc0000000));
	a = must_find("armv7-2l");
	/* modules at PAGE_OFFSET - 16M count as kernel */
	ck_assert(arch_va_is_user(a, 0xbeffffff));
	ck_assert(arch_va_is_kernel(a, 0xbf000000));
	ck_assert(!arch_va_is_user(a, 0xbf000000));
	a = must_find("x86_64-4l");
	ck_assert(!arch_va_is_user(a, 0x800000000000));
	ck_assert(!arch_va_is_kernel(a, 0x800000000000));
	ck_assert(arch_va_is_kernel(a, 0xffff800000000000));
	a = must_find("arm64-16k-47");
	ck_assert(arch_va_is_user(a, 0x7fffffffffff));
	ck_assert(!arch_va_is_user(a, 0x800000000000));
	ck_assert(arch_va_is_kernel(a, 0xffff800000000000));
	ck_assert(!arch_va_is_kernel(a, 0xffff7fffffffffff));
}
END_TEST

START_TEST(test_spans)
{
	const struct arch *a = must_find("x86_64-4l");

	ck_assert_uint_eq(arch_table_span(a, 0), 0x1000000000000);	/* 256T */
	ck_assert_uint_eq(arch_table_span(a, 1), 0x8000000000);	/* 512G */
	ck_assert_uint_eq(arch_table_span(a, 2), 0x40000000);		/* 1G */
	ck_assert_uint_eq(arch_table_span(a, 3), 0x200000);		/* 2M */
	ck_assert_uint_eq(arch_entry_span(a, 0), 0x8000000000);
	ck_assert_uint_eq(arch_entry_span(a, 3), 0x1000);
	ck_assert_uint_eq(arch_table_span(a, 4), 0);
	a = must_find("x86_64-5l");
	ck_assert_uint_eq(arch_table_span(a, 0), 0x200000000000000);	/* 2^57 */
	a = must_find("armv7-2l");
	ck_assert_uint_eq(arch_table_span(a, 0), 0x100000000);
	ck_assert_uint_eq(arch_entry_span(a, 0), 0x200000);
	ck_assert_uint_eq(arch_table_span(a, 1), 0x200000);
	a = must_find("arm64-16k-48");
	ck_assert_uint_eq(arch_table_span(a, 0), 0x1000000000000);	/* 2 x 2^47 */
	ck_assert_uint_eq(arch_table_span(a, 1), 0x800000000000);	/* 2^47 */
	ck_assert_uint_eq(arch_table_span(a, 3), 0x2000000);		/* 32M */
	a = must_find("arm64-64k-42");
	ck_assert_uint_eq(arch_table_span(a, 1), 0x20000000);		/* 512M */
	ck_assert_uint_eq(arch_entry_span(a, 1), 0x10000);
}
END_TEST

START_TEST(test_lin)
{
	const struct arch *a = must_find("x86_64-4l");

	ck_assert_uint_eq(arch_va_to_lin(a, 0xffff888000000000),
	    0x888000000000);
	ck_assert_uint_eq(arch_lin_to_va(a, 0x888000000000, false),
	    0xffff888000000000);
	ck_assert_uint_eq(arch_lin_to_va(a, 0x7f0000000000, false),
	    0x7f0000000000);
	a = must_find("arm64-4k-48");
	ck_assert_uint_eq(arch_va_to_lin(a, 0xffff000012345000),
	    0x12345000);
	ck_assert_uint_eq(arch_lin_to_va(a, 0x12345000, true),
	    0xffff000012345000);
	ck_assert_uint_eq(arch_lin_to_va(a, 0x12345000, false), 0x12345000);
	ck_assert_uint_eq(arch_lin_to_va(a, 0x800000000000, false),
	    0x800000000000);
	a = must_find("riscv-sv39");
	ck_assert_uint_eq(arch_va_to_lin(a, 0xffffffd600000000),
	    0x5600000000);
	ck_assert_uint_eq(arch_lin_to_va(a, 0x5600000000, true),
	    0xffffffd600000000);
	a = must_find("x86-32");
	ck_assert_uint_eq(arch_va_to_lin(a, 0xc0000000), 0xc0000000);
	ck_assert_uint_eq(arch_lin_to_va(a, 0xc0000000, true), 0xc0000000);
}
END_TEST

START_TEST(test_table_base)
{
	const struct arch *a = must_find("x86_64-4l");

	/* root: pgd:0x0 for either half */
	ck_assert_uint_eq(arch_table_base(a, 0, 0xffff888012345000), 0);
	ck_assert_uint_eq(arch_table_base(a, 0, 0x7f1234567000), 0);
	/* pud table of pgd slot 273 starts at 273 << 39, sign-extended */
	ck_assert_uint_eq(arch_table_base(a, 1, 0xffff888012345000),
	    0xffff888000000000);
	ck_assert_uint_eq(arch_table_base(a, 1, 0xffff800000000000),
	    0xffff800000000000);
	/* pte table: rounded down to 2M */
	ck_assert_uint_eq(arch_table_base(a, 3, 0x7f0000201000),
	    0x7f0000200000);
	ck_assert_uint_eq(arch_table_base(a, 2, 0x7f1234567000),
	    0x7f1200000000);
	a = must_find("arm64-4k-48");
	/* kernel root (TTBR1) covers 0xffff000000000000.. */
	ck_assert_uint_eq(arch_table_base(a, 0, 0xffff800012345000),
	    0xffff000000000000);
	ck_assert_uint_eq(arch_table_base(a, 0, 0xaaaabbbbc000), 0);
	ck_assert_uint_eq(arch_table_base(a, 3, 0xffff800012345000),
	    0xffff800012200000);
	a = must_find("armv7-2l");
	ck_assert_uint_eq(arch_table_base(a, 0, 0xc0008000), 0);
	ck_assert_uint_eq(arch_table_base(a, 1, 0xc0308000), 0xc0200000);
	a = must_find("riscv-sv39");
	ck_assert_uint_eq(arch_table_base(a, 1, 0xffffffff80212000),
	    0xffffffff80000000);
	ck_assert_uint_eq(arch_table_base(a, 0, 0xffffffff80212000), 0);
}
END_TEST

START_TEST(test_entry_va)
{
	const struct arch *a = must_find("x86_64-4l");

	/* pgd index 256 is the first kernel slot */
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 256), 0xffff800000000000);
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 255), 0x7f8000000000);
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 511), 0xffffff8000000000);
	ck_assert_uint_eq(arch_entry_va(a, 1, 0xffff888000000000, 2),
	    0xffff888080000000);
	ck_assert_uint_eq(arch_entry_va(a, 3, 0x7f0000200000, 1),
	    0x7f0000201000);
	a = must_find("x86_64-5l");
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 256), 0xff00000000000000);
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 273), 0xff11000000000000);
	a = must_find("arm64-4k-48");
	/* user root: no sign extension; kernel root: TTBR1 bits */
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 256), 0x800000000000);
	ck_assert_uint_eq(arch_entry_va(a, 0, 0xffff000000000000, 256),
	    0xffff800000000000);
	ck_assert_uint_eq(arch_entry_va(a, 1, 0xffff800000000000, 1),
	    0xffff800040000000);
	a = must_find("arm64-16k-48");
	ck_assert_uint_eq(arch_entry_va(a, 0, 0xffff000000000000, 1),
	    0xffff800000000000);
	a = must_find("riscv-sv39");
	/* pgd index 256 << 30 = 0x4000000000 sets bit 38 */
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 256), 0xffffffc000000000);
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 344), 0xffffffd600000000);
	a = must_find("riscv-sv57");
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 352), 0xff60000000000000);
	a = must_find("armv7-2l");
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 1536), 0xc0000000);
	ck_assert_uint_eq(arch_entry_va(a, 1, 0xc0200000, 511), 0xc03ff000);
	a = must_find("x86-pae");
	ck_assert_uint_eq(arch_entry_va(a, 0, 0, 3), 0xc0000000);
}
END_TEST

START_TEST(test_leaf_lookup)
{
	const struct arch *a = must_find("arm64-4k-48");
	const struct arch_leaf *lf;
	unsigned li = 99;

	lf = arch_leaf_by_name(a, "32m", &li);
	ck_assert_ptr_nonnull(lf);
	ck_assert_uint_eq(lf->size, 0x2000000);
	ck_assert_uint_eq(lf->nentries, 16);
	ck_assert_uint_eq(li, 2);	/* pmd */
	lf = arch_leaf_by_size(a, 0x10000, &li);
	ck_assert_ptr_nonnull(lf);
	ck_assert_str_eq(lf->name, "64k");
	ck_assert_uint_eq(li, 3);
	ck_assert_ptr_null(arch_leaf_by_name(a, "512m", NULL));
	ck_assert_ptr_null(arch_leaf_by_name(a, NULL, NULL));
	ck_assert_ptr_null(arch_leaf_by_size(a, 0x3000, NULL));
	ck_assert_ptr_nonnull(arch_leaf_by_name(a, "1g", NULL));

	a = must_find("arm64-64k-42");
	lf = arch_leaf_by_name(a, "16g", &li);
	ck_assert_ptr_nonnull(lf);
	ck_assert_uint_eq(lf->size, 0x400000000);
	ck_assert_uint_eq(lf->nentries, 32);
	ck_assert_uint_eq(li, 0);
	ck_assert_ptr_null(arch_leaf_by_name(a, "4k", NULL));

	a = must_find("armv7-2l");
	lf = arch_leaf_by_size(a, 0x1000000, &li);
	ck_assert_ptr_nonnull(lf);
	ck_assert_str_eq(lf->name, "16m");
	ck_assert_str_eq(lf->hw, "supersection");
	ck_assert_uint_eq(li, 0);
	lf = arch_leaf_by_name(a, "64k", &li);
	ck_assert_ptr_nonnull(lf);
	ck_assert_str_eq(lf->hw, "large page");
	ck_assert_uint_eq(li, 1);

	a = must_find("x86_64-4l");
	ck_assert_ptr_null(arch_leaf_by_name(a, "512g", NULL));
	ck_assert_ptr_null(arch_leaf_by_name(a, "64k", NULL));
	lf = arch_leaf_by_name(a, "1g", &li);
	ck_assert_ptr_nonnull(lf);
	ck_assert_uint_eq(li, 1);

	a = must_find("riscv-sv48");
	lf = arch_leaf_by_size(a, 0x8000000000, &li);
	ck_assert_ptr_nonnull(lf);
	ck_assert_str_eq(lf->name, "512g");
	ck_assert_uint_eq(li, 0);
	ck_assert_ptr_null(arch_leaf_by_name(a, "256t", NULL));
}
END_TEST

/* The suite: a TCase per function group. */
static Suite *
arch_suite(void)
{
	Suite *s = suite_create("arch");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_table_every_arch);
	tcase_add_test(tc, test_table_levels_cover_va);
	suite_add_tcase(s, tc);
	tc = tcase_create("lookup");
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_level_names);
	tcase_add_test(tc, test_level_pos);
	suite_add_tcase(s, tc);
	tc = tcase_create("index");
	tcase_add_test(tc, test_index_x86);
	tcase_add_test(tc, test_index_arm64);
	tcase_add_test(tc, test_index_armv7_riscv);
	suite_add_tcase(s, tc);
	tc = tcase_create("va");
	tcase_add_test(tc, test_check_va);
	tcase_add_test(tc, test_user_kernel);
	suite_add_tcase(s, tc);
	tc = tcase_create("address");
	tcase_add_test(tc, test_spans);
	tcase_add_test(tc, test_lin);
	tcase_add_test(tc, test_table_base);
	tcase_add_test(tc, test_entry_va);
	suite_add_tcase(s, tc);
	tc = tcase_create("leaf");
	tcase_add_test(tc, test_leaf_lookup);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; the exit status is Automake's pass or fail. */
int
main(void)
{
	SRunner *sr = srunner_create(arch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
