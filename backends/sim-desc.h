/*
 * sim-desc.h: page-table descriptors as the hardware reads them, per arch
 * family, with Linux's conventions (see docs/simulator.md for the values).
 *
 * The simulator keeps, per entry, abstract attributes (SA_* bits) and the
 * descriptor value; this module turns the first into the second and decodes
 * a descriptor's bits back into PTF_* flags for trees and walks.
 */
#ifndef PTS_SIM_DESC_H
#define PTS_SIM_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

enum sim_fam { SF_X86_64, SF_X86_32, SF_X86_PAE, SF_ARM64, SF_ARMV7,
    SF_LPAE, SF_RISCV };

/* Abstract attributes of an entry (16 bits kept per entry). */
#define SA_R		0x001u
#define SA_W		0x002u
#define SA_X		0x004u
#define SA_USER		0x008u
#define SA_GLOBAL	0x010u
#define SA_MT_SHIFT	5		/* 0 normal, 1 device, 2 nocache */
#define SA_MT_MASK	0x060u
#define SA_COW		0x080u		/* write-protected by fork */
#define SA_OWNED	0x100u		/* data pages came from the buddy */
#define SA_LEAF		0x200u
#define SA_GRP		0x400u		/* part of a multi-entry leaf */
#define SA_DIRTY	0x800u
#define SA_MT_NORMAL	0u
#define SA_MT_DEVICE	1u
#define SA_MT_NOCACHE	2u

enum sim_fam simdesc_family(const struct arch *);

struct simdesc_leaf {
	unsigned at;		/* SA_* */
	uint64_t pa;		/* output address of this entry */
	uint64_t grp_pa;	/* first output address of its group */
	bool block;		/* a leaf above the last level */
};

/*
 * The descriptor of a leaf.  On armv7-2l the returned value is the hardware
 * descriptor (first-level section or second-level small/large page) and, at
 * the pte level, *linux_pte receives the Linux PTE (may be NULL elsewhere).
 */
uint64_t simdesc_leaf(enum sim_fam, const struct simdesc_leaf *,
    uint32_t *linux_pte);

/* The descriptor of a non-leaf entry pointing at the table at child_pa;
   user: the entry maps user addresses.  On armv7-2l half (0/1) selects
   which 1 KiB hardware table of the 4 KiB pte page it points at. */
uint64_t simdesc_table(enum sim_fam, unsigned li, uint64_t child_pa, bool user,
    unsigned half);

/* PTF_* flags of a leaf (and arch-specific words in attrs, may be NULL). */
uint32_t simdesc_flags(enum sim_fam, bool block, uint64_t e, uint32_t linux_pte,
    char *attrs, size_t attrs_len);

/* Output address a leaf descriptor holds (for groups: the group's first). */
uint64_t simdesc_leaf_pa(enum sim_fam, bool block, uint64_t e,
    uint32_t linux_pte, unsigned page_shift);

/* Output address a table descriptor holds (armv7-2l: the 4 KiB page). */
uint64_t simdesc_table_pa(enum sim_fam, uint64_t e, unsigned page_shift);

#endif
