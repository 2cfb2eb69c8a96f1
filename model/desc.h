/* SPDX-License-Identifier: MIT */
/*
 * desc.h: page-table descriptors as the hardware reads them, per arch
 * family, with Linux's conventions (see docs/simulator.md for the values).
 *
 * The simulator keeps, per entry, abstract attributes (DA_* bits) and the
 * descriptor value; this module turns the first into the second and decodes
 * a descriptor's bits back into PTF_* flags for trees and walks.
 */
#ifndef PTS_SIM_DESC_H
#define PTS_SIM_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

enum desc_family { DF_X86_64, DF_X86_32, DF_X86_PAE, DF_ARM64, DF_ARMV7,
    DF_LPAE, DF_RISCV,
    DF_ARM64_LPA2 };	/* arm64 4K/16K with 52-bit PA: OA[51:50] in bits 9:8 */

/* Whether the family is arm64 in either descriptor format. */
static inline bool
desc_is_arm64(enum desc_family f)
{
	return f == DF_ARM64 || f == DF_ARM64_LPA2;
}

/* Abstract attributes of an entry (16 bits; the simulator keeps an index
   into a palette of each table's values per leaf). */
#define DA_R		0x001u
#define DA_W		0x002u
#define DA_X		0x004u
#define DA_USER		0x008u
#define DA_GLOBAL	0x010u
#define DA_MT_SHIFT	5		/* 0 normal, 1 device, 2 nocache */
#define DA_MT_MASK	0x060u
#define DA_COW		0x080u		/* write-protected by fork */
#define DA_OWNED	0x100u		/* data pages came from the buddy */
#define DA_LEAF		0x200u
#define DA_GRP		0x400u		/* part of a multi-entry leaf */
#define DA_DIRTY	0x800u
#define DA_MT_NORMAL	0u
#define DA_MT_DEVICE	1u
#define DA_MT_NOCACHE	2u

enum desc_family desc_family_of(const struct arch *);

struct desc_leaf {
	unsigned at;		/* DA_* */
	uint64_t pa;		/* output address of this entry */
	uint64_t grp_pa;	/* first output address of its group */
	bool block;		/* a leaf above the last level */
};

/*
 * The descriptor of a leaf.  On armv7-2l the returned value is the hardware
 * descriptor (first-level section or second-level small/large page) and, at
 * the pte level, *linux_pte receives the Linux PTE (may be NULL elsewhere).
 */
uint64_t desc_encode_leaf(enum desc_family, const struct desc_leaf *,
    uint32_t *linux_pte);

/* The descriptor of a non-leaf entry pointing at the table at child_pa;
   user: the entry maps user addresses.  On armv7-2l half (0/1) selects
   which 1 KiB hardware table of the 4 KiB pte page it points at. */
uint64_t desc_encode_table(enum desc_family, unsigned li, uint64_t child_pa, bool user,
    unsigned half);

/* x86_64: whether the table entry at levels[li] covering va is written
   _KERNPG_TABLE (0x063) rather than _PAGE_TABLE (0x067); see desc-x86.c. */
bool desc_x86_kernpg_table(const struct arch *, unsigned li, uint64_t va);

/* arm64: whether a kernel table entry covering [va, va + span) lies
   wholly in the linear map [PAGE_OFFSET, PAGE_END), whose tables
   map_mem() writes with PXNTable as well as UXNTable; see desc-arm64.c. */
bool desc_arm64_linear_table(const struct arch *, uint64_t va, uint64_t span);
/* The PXNTable bit (59) of an arm64 table descriptor. */
#define DESC_A64_TABLE_PXN (UINT64_C(1) << 59)

/* PTF_* flags of a leaf (and arch-specific words in attrs, may be NULL). */
uint32_t desc_decode_flags(enum desc_family, bool block, uint64_t e, uint32_t linux_pte,
    char *attrs, size_t attrs_len);

/* Output address a leaf descriptor holds (for groups: the group's first). */
uint64_t desc_leaf_pa(enum desc_family, bool block, uint64_t e,
    uint32_t linux_pte, unsigned page_shift);

/*
 * What a table descriptor takes away from every leaf under it (hierarchical
 * permissions): x86 R/W=0, U/S=0, NX=1; arm64 APTable[1] (no writes),
 * APTable[0] (no EL0 access), PXNTable, UXNTable.  DESC_DENY_* bits.
 */
#define DESC_DENY_WRITE	1u
#define DESC_DENY_USER	2u
#define DESC_DENY_PXN	4u	/* no privileged execution */
#define DESC_DENY_UXN	8u	/* no unprivileged execution */
#define DESC_DENY_EXEC	16u	/* x86 XD: no execution at all */
uint32_t desc_table_denies(enum desc_family, uint64_t table_entry);
/* A leaf's PTF_* flags with the denials of the tables above it applied. */
uint32_t desc_apply_denies(uint32_t flags, uint32_t denies);

/* Output address a table descriptor holds (armv7-2l: the 4 KiB page). */
uint64_t desc_table_pa(enum desc_family, uint64_t e, unsigned page_shift);

#endif
