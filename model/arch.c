/* SPDX-License-Identifier: MIT */
/*
 * arch.c: the page-table geometry of the 16 arch ids of the API contract,
 * then the ids added since (arm64-4k-52, arm64-16k-52: FEAT_LPA2).
 *
 * Every value below comes from the kernel's own definitions (PGDIR_SHIFT,
 * P4D_SHIFT, PUD_SHIFT, PMD_SHIFT, PTRS_PER_*) or the architecture manuals;
 * docs/geometry.md names the source of each one.
 */
#include "config.h"
#include "arch.h"

#include <inttypes.h>
#include <string.h>

#define SZ_K(n)	((uint64_t)(n) << 10)
#define SZ_M(n)	((uint64_t)(n) << 20)
#define SZ_G(n)	((uint64_t)(n) << 30)
#define SZ_T(n)	((uint64_t)(n) << 40)

/* One leaf: bytes mapped, API name, entries it occupies, hardware kind. */
#define LEAF(sz, nm, n, hwk) \
	{ .size = (sz), .name = (nm), .nentries = (n), .hw = (hwk) }

#define NLEAVES(...) \
	(unsigned)(sizeof((struct arch_leaf[]){ __VA_ARGS__ }) / \
	    sizeof(struct arch_leaf))

/* One level: Linux level, shift, index bits, Linux entry bytes, main block
   size, hardware name and the leaves it may hold (smallest first). */
#define LEVEL(lv, nm, fn, sh, b, eb, blk, hwn, ...) { \
	.level = (lv), .name = (nm), .shift = (sh), .bits = (b), \
	.entries = 1u << (b), .entry_bytes = (eb), .block_size = (blk), \
	.hw_name = (hwn), .offset_fn = (fn), \
	.nleaves = NLEAVES(__VA_ARGS__), .leaves = { __VA_ARGS__ } }

#define PGD(...) LEVEL(PT_PGD, "pgd", "pgd_offset", __VA_ARGS__)
#define P4D(...) LEVEL(PT_P4D, "p4d", "p4d_offset", __VA_ARGS__)
#define PUD(...) LEVEL(PT_PUD, "pud", "pud_offset", __VA_ARGS__)
#define PMD(...) LEVEL(PT_PMD, "pmd", "pmd_offset", __VA_ARGS__)
#define PTE(...) LEVEL(PT_PTE, "pte", "pte_offset_kernel", __VA_ARGS__)

#define FOLD(lv)	(1u << (lv))
#define ALL_ONES	UINT64_MAX

/* The leaves shared by many arches. */
#define L_4K		LEAF(SZ_K(4), "4k", 1, "page")
#define L_X86_2M	LEAF(SZ_M(2), "2m", 1, "pse")
#define L_X86_1G	LEAF(SZ_G(1), "1g", 1, "pse")
#define L_BLK_2M	LEAF(SZ_M(2), "2m", 1, "block")
#define L_BLK_1G	LEAF(SZ_G(1), "1g", 1, "block")
#define L_RV_2M		LEAF(SZ_M(2), "2m", 1, "megapage")
#define L_RV_1G		LEAF(SZ_G(1), "1g", 1, "gigapage")
#define L_RV_512G	LEAF(SZ_G(512), "512g", 1, "terapage")
#define L_RV_256T	LEAF(SZ_T(256), "256t", 1, "petapage")
#define L_RV_64K	LEAF(SZ_K(64), "64k", 16, "napot")

/* arm64 leaves per granule: pages, blocks and contiguous runs. */
#define A4K_PTE		L_4K, LEAF(SZ_K(64), "64k", 16, "contiguous")
#define A4K_PMD		L_BLK_2M, LEAF(SZ_M(32), "32m", 16, "contiguous")
#define A16K_PTE	LEAF(SZ_K(16), "16k", 1, "page"), \
			LEAF(SZ_M(2), "2m", 128, "contiguous")
#define A16K_PMD	LEAF(SZ_M(32), "32m", 1, "block"), \
			LEAF(SZ_G(1), "1g", 32, "contiguous")
#define A64K_PTE	LEAF(SZ_K(64), "64k", 1, "page"), \
			LEAF(SZ_M(2), "2m", 32, "contiguous")
#define A64K_PMD	LEAF(SZ_M(512), "512m", 1, "block"), \
			LEAF(SZ_G(16), "16g", 32, "contiguous")

/* The levels of the x86-64 and RISC-V 4 KiB, 512-entry tables. */
#define X86_PUD		PUD(30, 9, 8, SZ_G(1), "PDPT", L_X86_1G)
#define X86_PMD		PMD(21, 9, 8, SZ_M(2), "PD", L_X86_2M)
#define X86_PTE		PTE(12, 9, 8, 0, "PT", L_4K)
#define RV_PMD		PMD(21, 9, 8, SZ_M(2), "VPN[1]", L_RV_2M)
#define RV_PTE		PTE(12, 9, 8, 0, "VPN[0]", L_4K, L_RV_64K)

/* arm64: user below 2^va, kernel (TTBR1) from ~0 << va. */
#define ARM64_RANGES(va) \
	.sign_extend = false, .split_roots = true, \
	.user_first = 0, .user_last = (UINT64_C(1) << (va)) - 1, \
	.kernel_first = ALL_ONES << (va), .kernel_last = ALL_ONES, \
	.page_offset = ALL_ONES << (va)

/* x86-64 and RISC-V: VAs sign-extend from bit va-1. */
#define SIGNEXT_RANGES(va) \
	.sign_extend = true, .split_roots = false, \
	.user_first = 0, .user_last = (UINT64_C(1) << ((va) - 1)) - 1, \
	.kernel_first = ALL_ONES << ((va) - 1), .kernel_last = ALL_ONES

/* 32-bit: the whole 4 GiB in one table, kernel from kfirst. */
#define RANGES_32(kfirst) \
	.sign_extend = false, .split_roots = false, \
	.user_first = 0, .user_last = (kfirst) - 1, \
	.kernel_first = (kfirst), .kernel_last = UINT64_C(0xffffffff), \
	.page_offset = UINT64_C(0xc0000000)

static const struct arch arches[] = {
{
	.id = "x86_64-4l", .family = "x86_64",
	.desc = "x86-64, 4-level paging (LA48), 4 KiB pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 48, .pa_bits = 52,
	.entry_bytes = 8, .nlevels = 4, .folded = FOLD(PT_P4D),
	.levels = {
		PGD(39, 9, 8, 0, "PML4"),
		X86_PUD, X86_PMD, X86_PTE,
	},
	SIGNEXT_RANGES(48), .page_offset = UINT64_C(0xffff888000000000),
}, {
	.id = "x86_64-5l", .family = "x86_64",
	.desc = "x86-64, 5-level paging (LA57), 4 KiB pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 57, .pa_bits = 52,
	.entry_bytes = 8, .nlevels = 5, .folded = 0,
	.levels = {
		PGD(48, 9, 8, 0, "PML5"),
		P4D(39, 9, 8, 0, "PML4"),
		X86_PUD, X86_PMD, X86_PTE,
	},
	SIGNEXT_RANGES(57), .page_offset = UINT64_C(0xff11000000000000),
}, {
	.id = "x86-32", .family = "x86",
	.desc = "x86 32-bit, classic 2-level paging, 4 KiB and 4 MiB (PSE) pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 32, .pa_bits = 32,
	.entry_bytes = 4, .nlevels = 2,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD) | FOLD(PT_PMD),
	.levels = {
		PGD(22, 10, 4, SZ_M(4), "PD", LEAF(SZ_M(4), "4m", 1, "pse")),
		PTE(12, 10, 4, 0, "PT", L_4K),
	},
	RANGES_32(UINT64_C(0xc0000000)),
}, {
	.id = "x86-pae", .family = "x86",
	.desc = "x86 32-bit with PAE, 3-level paging, 4 KiB and 2 MiB pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 32, .pa_bits = 52,
	.entry_bytes = 8, .nlevels = 3,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD),
	.levels = {
		PGD(30, 2, 8, 0, "PDPT"),
		X86_PMD, X86_PTE,
	},
	RANGES_32(UINT64_C(0xc0000000)),
}, {
	.id = "arm64-4k-39", .family = "arm64",
	.desc = "arm64, 4 KiB granule, 39-bit VA, 3 levels (L1-L3)",
	.page_shift = 12, .page_size = 4096, .va_bits = 39, .pa_bits = 48,
	.entry_bytes = 8, .nlevels = 3,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD),
	.levels = {
		PGD(30, 9, 8, SZ_G(1), "L1", L_BLK_1G),
		PMD(21, 9, 8, SZ_M(2), "L2", A4K_PMD),
		PTE(12, 9, 8, 0, "L3", A4K_PTE),
	},
	ARM64_RANGES(39),
}, {
	.id = "arm64-4k-48", .family = "arm64",
	.desc = "arm64, 4 KiB granule, 48-bit VA, 4 levels (L0-L3)",
	.page_shift = 12, .page_size = 4096, .va_bits = 48, .pa_bits = 48,
	.entry_bytes = 8, .nlevels = 4, .folded = FOLD(PT_P4D),
	.levels = {
		PGD(39, 9, 8, 0, "L0"),
		PUD(30, 9, 8, SZ_G(1), "L1", L_BLK_1G),
		PMD(21, 9, 8, SZ_M(2), "L2", A4K_PMD),
		PTE(12, 9, 8, 0, "L3", A4K_PTE),
	},
	ARM64_RANGES(48),
}, {
	.id = "arm64-16k-47", .family = "arm64",
	.desc = "arm64, 16 KiB granule, 47-bit VA, 3 levels (L1-L3)",
	.page_shift = 14, .page_size = 16384, .va_bits = 47, .pa_bits = 48,
	.entry_bytes = 8, .nlevels = 3,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD),
	.levels = {
		PGD(36, 11, 8, 0, "L1"),
		PMD(25, 11, 8, SZ_M(32), "L2", A16K_PMD),
		PTE(14, 11, 8, 0, "L3", A16K_PTE),
	},
	ARM64_RANGES(47),
}, {
	.id = "arm64-16k-48", .family = "arm64",
	.desc = "arm64, 16 KiB granule, 48-bit VA, 4 levels (L0-L3)",
	.page_shift = 14, .page_size = 16384, .va_bits = 48, .pa_bits = 48,
	.entry_bytes = 8, .nlevels = 4, .folded = FOLD(PT_P4D),
	.levels = {
		PGD(47, 1, 8, 0, "L0"),
		PUD(36, 11, 8, 0, "L1"),
		PMD(25, 11, 8, SZ_M(32), "L2", A16K_PMD),
		PTE(14, 11, 8, 0, "L3", A16K_PTE),
	},
	ARM64_RANGES(48),
}, {
	.id = "arm64-64k-42", .family = "arm64",
	.desc = "arm64, 64 KiB granule, 42-bit VA, 2 levels (L2-L3)",
	.page_shift = 16, .page_size = 65536, .va_bits = 42, .pa_bits = 48,
	.entry_bytes = 8, .nlevels = 2,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD) | FOLD(PT_PMD),
	.levels = {
		PGD(29, 13, 8, SZ_M(512), "L2", A64K_PMD),
		PTE(16, 13, 8, 0, "L3", A64K_PTE),
	},
	ARM64_RANGES(42),
}, {
	.id = "arm64-64k-48", .family = "arm64",
	.desc = "arm64, 64 KiB granule, 48-bit VA, 3 levels (L1-L3)",
	.page_shift = 16, .page_size = 65536, .va_bits = 48, .pa_bits = 48,
	.entry_bytes = 8, .nlevels = 3,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD),
	.levels = {
		PGD(42, 6, 8, 0, "L1"),
		PMD(29, 13, 8, SZ_M(512), "L2", A64K_PMD),
		PTE(16, 13, 8, 0, "L3", A64K_PTE),
	},
	ARM64_RANGES(48),
}, {
	.id = "arm64-64k-52", .family = "arm64",
	.desc = "arm64, 64 KiB granule, 52-bit VA (FEAT_LVA), 3 levels (L1-L3)",
	.page_shift = 16, .page_size = 65536, .va_bits = 52, .pa_bits = 52,
	.entry_bytes = 8, .nlevels = 3,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD),
	.levels = {
		PGD(42, 10, 8, 0, "L1"),
		PMD(29, 13, 8, SZ_M(512), "L2", A64K_PMD),
		PTE(16, 13, 8, 0, "L3", A64K_PTE),
	},
	ARM64_RANGES(52),
}, {
	.id = "armv7-2l", .family = "armv7",
	.desc = "ARMv7-A short descriptors as Linux sees them: 2048 x 2 MiB pgd, "
	    "512-entry pte tables",
	.page_shift = 12, .page_size = 4096, .va_bits = 32, .pa_bits = 32,
	.entry_bytes = 4, .nlevels = 2,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD) | FOLD(PT_PMD),
	.levels = {
		PGD(21, 11, 8, SZ_M(1), "first-level",
		    LEAF(SZ_M(1), "1m", 1, "section"),
		    LEAF(SZ_M(16), "16m", 16, "supersection")),
		PTE(12, 9, 4, 0, "second-level", L_4K,
		    LEAF(SZ_K(64), "64k", 16, "large page")),
	},
	RANGES_32(UINT64_C(0xbf000000)),
}, {
	.id = "armv7-lpae", .family = "armv7",
	.desc = "ARMv7-A LPAE long descriptors, 3 levels, 4 KiB pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 32, .pa_bits = 40,
	.entry_bytes = 8, .nlevels = 3,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD),
	.levels = {
		PGD(30, 2, 8, SZ_G(1), "first-level", L_BLK_1G),
		PMD(21, 9, 8, SZ_M(2), "second-level", L_BLK_2M),
		PTE(12, 9, 8, 0, "third-level", L_4K),
	},
	RANGES_32(UINT64_C(0xbf000000)),
}, {
	.id = "riscv-sv39", .family = "riscv",
	.desc = "RISC-V Sv39, 3 levels, 4 KiB pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 39, .pa_bits = 56,
	.entry_bytes = 8, .nlevels = 3,
	.folded = FOLD(PT_P4D) | FOLD(PT_PUD),
	.levels = {
		PGD(30, 9, 8, SZ_G(1), "VPN[2]", L_RV_1G),
		RV_PMD, RV_PTE,
	},
	SIGNEXT_RANGES(39), .page_offset = UINT64_C(0xffffffd600000000),
}, {
	.id = "riscv-sv48", .family = "riscv",
	.desc = "RISC-V Sv48, 4 levels, 4 KiB pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 48, .pa_bits = 56,
	.entry_bytes = 8, .nlevels = 4, .folded = FOLD(PT_P4D),
	.levels = {
		PGD(39, 9, 8, SZ_G(512), "VPN[3]", L_RV_512G),
		PUD(30, 9, 8, SZ_G(1), "VPN[2]", L_RV_1G),
		RV_PMD, RV_PTE,
	},
	SIGNEXT_RANGES(48), .page_offset = UINT64_C(0xffffaf8000000000),
}, {
	.id = "riscv-sv57", .family = "riscv",
	.desc = "RISC-V Sv57, 5 levels, 4 KiB pages",
	.page_shift = 12, .page_size = 4096, .va_bits = 57, .pa_bits = 56,
	.entry_bytes = 8, .nlevels = 5, .folded = 0,
	.levels = {
		PGD(48, 9, 8, SZ_T(256), "VPN[4]", L_RV_256T),
		P4D(39, 9, 8, SZ_G(512), "VPN[3]", L_RV_512G),
		PUD(30, 9, 8, SZ_G(1), "VPN[2]", L_RV_1G),
		RV_PMD, RV_PTE,
	},
	SIGNEXT_RANGES(57), .page_offset = UINT64_C(0xff60000000000000),
}, {
	/* FEAT_LPA2 (Linux 6.9+, CONFIG_ARM64_VA_BITS_52 with 4K pages):
	   ARM64_HW_PGTABLE_LEVELS(52) = (52 - 4) / 9 = 5, PGDIR_SHIFT =
	   ARM64_HW_PGTABLE_LEVEL_SHIFT(-1) = 48, PTRS_PER_PGD = 1 << (52 - 48) */
	.id = "arm64-4k-52", .family = "arm64",
	.desc = "arm64, 4 KiB granule, 52-bit VA (FEAT_LPA2), 5 levels (L-1-L3)",
	.page_shift = 12, .page_size = 4096, .va_bits = 52, .pa_bits = 52,
	.entry_bytes = 8, .nlevels = 5, .folded = 0,
	.levels = {
		PGD(48, 4, 8, 0, "L-1"),
		P4D(39, 9, 8, 0, "L0"),
		PUD(30, 9, 8, SZ_G(1), "L1", L_BLK_1G),
		PMD(21, 9, 8, SZ_M(2), "L2", A4K_PMD),
		PTE(12, 9, 8, 0, "L3", A4K_PTE),
	},
	ARM64_RANGES(52),
}, {
	/* FEAT_LPA2 with 16K pages: (52 - 4) / 11 = 4 levels, PGDIR_SHIFT =
	   ARM64_HW_PGTABLE_LEVEL_SHIFT(0) = 47, PTRS_PER_PGD = 1 << 5 */
	.id = "arm64-16k-52", .family = "arm64",
	.desc = "arm64, 16 KiB granule, 52-bit VA (FEAT_LPA2), 4 levels (L0-L3)",
	.page_shift = 14, .page_size = 16384, .va_bits = 52, .pa_bits = 52,
	.entry_bytes = 8, .nlevels = 4, .folded = FOLD(PT_P4D),
	.levels = {
		PGD(47, 5, 8, 0, "L0"),
		PUD(36, 11, 8, 0, "L1"),
		PMD(25, 11, 8, SZ_M(32), "L2", A16K_PMD),
		PTE(14, 11, 8, 0, "L3", A16K_PTE),
	},
	ARM64_RANGES(52),
},
};

#define NARCHES (sizeof arches / sizeof arches[0])

static const char *const level_names[PT_NLEVELS] = {
	"pgd", "p4d", "pud", "pmd", "pte",
};

/* Number of arches ptscope knows. */
size_t
arch_count(void)
{
	return NARCHES;
}

/* The i-th arch in contract order, or NULL past the end. */
const struct arch *
arch_get(size_t i)
{
	return i < NARCHES ? &arches[i] : NULL;
}

/* The arch with that id, or NULL. */
const struct arch *
arch_find(const char *id)
{
	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < NARCHES; i++)
		if (strcmp(arches[i].id, id) == 0)
			return &arches[i];
	return NULL;
}

/* Position of a Linux level in a->levels[], or -1 when folded or invalid. */
int
arch_level_pos(const struct arch *a, enum pt_level lvl)
{
	for (unsigned i = 0; i < a->nlevels; i++)
		if (a->levels[i].level == lvl)
			return (int)i;
	return -1;
}

/* Level by Linux name, or -1 when the name is unknown. */
int
arch_level_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < PT_NLEVELS; i++)
		if (strcmp(level_names[i], name) == 0)
			return i;
	return -1;
}

/* Linux name of a level, or "?" for a value that is not a level. */
const char *
arch_level_name(enum pt_level lvl)
{
	if ((unsigned)lvl >= PT_NLEVELS)
		return "?";
	return level_names[lvl];
}

/* Whether Linux folds that level away on this arch. */
bool
arch_is_folded(const struct arch *a, enum pt_level lvl)
{
	if ((unsigned)lvl >= PT_NLEVELS)
		return false;
	return (a->folded & (1u << lvl)) != 0;
}

/* Whether va lies in the user range. */
bool
arch_va_is_user(const struct arch *a, uint64_t va)
{
	return va >= a->user_first && va <= a->user_last;
}

/* Whether va lies in the kernel range. */
bool
arch_va_is_kernel(const struct arch *a, uint64_t va)
{
	return va >= a->kernel_first && va <= a->kernel_last;
}

/* 0 when va is canonical and in the user or kernel range, else "bad_va". */
int
arch_check_va(const struct arch *a, uint64_t va, struct pts_err *err)
{
	if (arch_va_is_user(a, va) || arch_va_is_kernel(a, va))
		return 0;
	return pts_errf(err, PTS_EINVAL, "bad_va",
	    "The address 0x%" PRIx64 " is outside the %s address space: user "
	    "addresses are 0x%" PRIx64 "-0x%" PRIx64 " and kernel addresses "
	    "0x%" PRIx64 "-0x%" PRIx64 ".", va, a->id, a->user_first,
	    a->user_last, a->kernel_first, a->kernel_last);
}

int
arch_table_pos(const struct arch *a, enum pt_level level, uint64_t va,
    struct pts_err *err)
{
	int li = (unsigned)level < PT_NLEVELS ? arch_level_pos(a, level) : -1;
	int rc;

	if (li < 0)
		return pts_errf(err, PTS_EINVAL, "bad_level",
		    "The level '%s' does not exist on %s (folded or unknown).",
		    (unsigned)level < PT_NLEVELS ? arch_level_name(level) : "?",
		    a->id);
	if ((rc = arch_check_va(a, va, err)) != 0)
		return rc;
	return li;
}

/* Mask of the bits the tables translate. */
static uint64_t
arch_lin_mask(const struct arch *a)
{
	return a->va_bits >= 64 ? ALL_ONES : (UINT64_C(1) << a->va_bits) - 1;
}

/* Whether va belongs to the kernel half's root (arm64 TTBR1: bit 63). */
static bool
arch_kernel_half(const struct arch *a, uint64_t va)
{
	return a->split_roots && (va >> 63) != 0;
}

/* Drop the sign-extension or TTBR-select bits above va_bits. */
uint64_t
arch_va_to_lin(const struct arch *a, uint64_t va)
{
	return va & arch_lin_mask(a);
}

/* Back to a real VA: sign-extend from bit va_bits-1 (x86-64, RISC-V), set
   the TTBR1 bits when kernel_half (arm64), else the linear VA itself. */
uint64_t
arch_lin_to_va(const struct arch *a, uint64_t lin, bool kernel_half)
{
	uint64_t mask = arch_lin_mask(a);

	lin &= mask;
	if (a->sign_extend) {
		if ((lin >> (a->va_bits - 1)) & 1)
			return lin | ~mask;
		return lin;
	}
	if (a->split_roots && kernel_half)
		return lin | ~mask;
	return lin;
}

/* Index of va at levels[li]; 0 for a position past the last level. */
unsigned
arch_index(const struct arch *a, unsigned li, uint64_t va)
{
	const struct arch_level *l;

	if (li >= a->nlevels)
		return 0;
	l = &a->levels[li];
	return (unsigned)((arch_va_to_lin(a, va) >> l->shift) &
	    (l->entries - 1));
}

/* Write the index of va at every existing level into idx[0..nlevels). */
void
arch_split_va(const struct arch *a, uint64_t va, unsigned *idx)
{
	for (unsigned li = 0; li < a->nlevels; li++)
		idx[li] = arch_index(a, li, va);
}

/* The VA range one table at levels[li] spans (entries << shift). */
uint64_t
arch_table_span(const struct arch *a, unsigned li)
{
	if (li >= a->nlevels)
		return 0;
	return (uint64_t)a->levels[li].entries << a->levels[li].shift;
}

/* Bytes one entry at levels[li] maps (1 << shift). */
uint64_t
arch_entry_span(const struct arch *a, unsigned li)
{
	if (li >= a->nlevels)
		return 0;
	return UINT64_C(1) << a->levels[li].shift;
}

/* Start VA of the table at levels[li] that covers va. */
uint64_t
arch_table_base(const struct arch *a, unsigned li, uint64_t va)
{
	uint64_t span = arch_table_span(a, li);
	uint64_t lin = arch_va_to_lin(a, va);

	if (span != 0)
		lin &= ~(span - 1);
	return arch_lin_to_va(a, lin, arch_kernel_half(a, va));
}

/* VA mapped by entry idx of the table at levels[li] starting at table_va. */
uint64_t
arch_entry_va(const struct arch *a, unsigned li, uint64_t table_va,
    unsigned idx)
{
	uint64_t lin = arch_va_to_lin(a, table_va);

	if (li < a->nlevels)
		lin += (uint64_t)idx << a->levels[li].shift;
	return arch_lin_to_va(a, lin, arch_kernel_half(a, table_va));
}

/* The leaf of some level with that API name ("2m"), or NULL. */
const struct arch_leaf *
arch_leaf_by_name(const struct arch *a, const char *name, unsigned *li_out)
{
	if (name == NULL)
		return NULL;
	for (unsigned li = 0; li < a->nlevels; li++) {
		const struct arch_level *l = &a->levels[li];

		for (unsigned k = 0; k < l->nleaves; k++) {
			if (strcmp(l->leaves[k].name, name) != 0)
				continue;
			if (li_out != NULL)
				*li_out = li;
			return &l->leaves[k];
		}
	}
	return NULL;
}

/* The leaf of any level with that size in bytes, or NULL. */
const struct arch_leaf *
arch_leaf_by_size(const struct arch *a, uint64_t size, unsigned *li_out)
{
	for (unsigned li = 0; li < a->nlevels; li++) {
		const struct arch_level *l = &a->levels[li];

		for (unsigned k = 0; k < l->nleaves; k++) {
			if (l->leaves[k].size != size)
				continue;
			if (li_out != NULL)
				*li_out = li;
			return &l->leaves[k];
		}
	}
	return NULL;
}
