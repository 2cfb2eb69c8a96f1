/* SPDX-License-Identifier: MIT */
/* desc.c: descriptor encoding and decoding, dispatched per arch family. */
#include "config.h"
#include "desc-int.h"
#include "pt.h"

#include <stdio.h>
#include <string.h>

/* The descriptor family of an arch. */
enum desc_family
desc_family_of(const struct arch *a)
{
	if (strcmp(a->family, "x86_64") == 0)
		return DF_X86_64;
	if (strcmp(a->family, "x86") == 0)
		return a->entry_bytes == 4 ? DF_X86_32 : DF_X86_PAE;
	if (strcmp(a->family, "arm64") == 0)	/* 64K/52 keeps FEAT_LPA */
		return a->pa_bits == 52 && a->page_shift != 16 ?
		    DF_ARM64_LPA2 : DF_ARM64;
	if (strcmp(a->family, "armv7") == 0)
		return a->entry_bytes == 4 ? DF_ARMV7 : DF_LPAE;
	return DF_RISCV;
}


/* The descriptor of a leaf entry. */
uint64_t
desc_encode_leaf(enum desc_family f, const struct desc_leaf *l, uint32_t *linux_pte)
{
	uint32_t lx, hw;

	switch (f) {
	case DF_X86_64:
	case DF_X86_32:
	case DF_X86_PAE:
		return desc_x86_leaf(f, l);
	case DF_ARM64:
	case DF_ARM64_LPA2:
	case DF_LPAE:
		return desc_long_leaf(f, l);
	case DF_RISCV:
		return desc_riscv_leaf(l);
	case DF_ARMV7:
		break;
	}
	if (l->block)
		return desc_armv7_section(l);
	lx = desc_armv7_linux_pte(l);
	if (linux_pte)
		*linux_pte = lx;
	hw = desc_armv7_hw_pte(lx, !(l->at & DA_GLOBAL));
	return (l->at & DA_GRP) ? desc_armv7_hw_large(hw, l->grp_pa) : hw;
}

/* The descriptor of an entry pointing at a table. */
uint64_t
desc_encode_table(enum desc_family f, unsigned li, uint64_t child_pa, bool user,
    unsigned half)
{
	switch (f) {
	case DF_X86_PAE:
	case DF_X86_64:
	case DF_X86_32:
		return desc_x86_table(f, li, child_pa, user);
	case DF_ARM64:
	case DF_ARM64_LPA2:
	case DF_LPAE:
		return desc_long_table(f, child_pa, user);
	case DF_RISCV:
		return (child_pa >> 12) << 10 | 0x1;	/* V */
	case DF_ARMV7:			/* _PAGE_USER_TABLE / _KERNEL_TABLE */
		return (child_pa + 2048 + 1024 * half) | (user ? 0x31 : 0x11);
	}
	return 0;
}

/* Append a word to attrs. */
void
desc_attr_add(char *attrs, size_t n, const char *fmt, unsigned v)
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

/* PTF_* flags decoded from a leaf descriptor. */
uint32_t
desc_decode_flags(enum desc_family f, bool block, uint64_t e, uint32_t lx,
    char *attrs, size_t n)
{
	if (attrs && n)
		attrs[0] = '\0';
	switch (f) {
	case DF_X86_64:
	case DF_X86_32:
	case DF_X86_PAE:
		return desc_x86_flags(f, e, attrs, n);
	case DF_ARM64:
	case DF_ARM64_LPA2:
	case DF_LPAE:
		return desc_long_flags(f, e, attrs, n);
	case DF_RISCV:
		return desc_riscv_flags(e, attrs, n);
	case DF_ARMV7:
		return desc_armv7_flags(block, e, lx, attrs, n);
	}
	return 0;
}

/* The output address a leaf descriptor holds. */
uint64_t
desc_leaf_pa(enum desc_family f, bool block, uint64_t e, uint32_t lx,
    unsigned page_shift)
{
	switch (f) {
	case DF_X86_64:
	case DF_X86_PAE:
	case DF_X86_32:
		return desc_x86_leaf_pa(f, block, e);
	case DF_ARM64:
	case DF_ARM64_LPA2:
	case DF_LPAE:
		return desc_long_leaf_pa(f, e, page_shift);
	case DF_RISCV:
		return desc_riscv_leaf_pa(e);
	case DF_ARMV7:
		return desc_armv7_leaf_pa(block, e, lx);
	}
	return 0;
}

/* The table address a table descriptor holds. */
uint64_t
desc_table_pa(enum desc_family f, uint64_t e, unsigned page_shift)
{
	switch (f) {
	case DF_RISCV:
		return desc_riscv_table_pa(e);
	case DF_ARMV7:
		return e & 0xfffff000u;		/* the 4 KiB pte page */
	case DF_X86_32:
	case DF_X86_64:
	case DF_X86_PAE:
		return desc_x86_table_pa(f, e);
	case DF_ARM64:
	case DF_ARM64_LPA2:
	case DF_LPAE:
		return desc_long_table_pa(f, e, page_shift);
	}
	return 0;
}

/* The hierarchical permission bits of a table descriptor. */
uint32_t
desc_table_denies(enum desc_family f, uint64_t e)
{
	uint32_t d = 0;

	switch (f) {
	case DF_X86_64:
	case DF_X86_PAE:
	case DF_X86_32:
		if (!(e & 0x2))				/* R/W */
			d |= DESC_DENY_WRITE;
		if (!(e & 0x4))				/* U/S */
			d |= DESC_DENY_USER;
		if (f != DF_X86_32 && (e >> 63))	/* XD */
			d |= DESC_DENY_EXEC;
		break;
	case DF_ARM64:
	case DF_ARM64_LPA2:
	case DF_LPAE:
		if ((e >> 62) & 1)			/* APTable[1] */
			d |= DESC_DENY_WRITE;
		if ((e >> 61) & 1)			/* APTable[0] */
			d |= DESC_DENY_USER;
		if ((e >> 60) & 1)			/* UXNTable (XNTable) */
			d |= DESC_DENY_UXN;
		if ((e >> 59) & 1)			/* PXNTable */
			d |= DESC_DENY_PXN;
		break;
	case DF_RISCV:		/* non-leaf PTEs carry no permissions */
	case DF_ARMV7:
		break;
	}
	return d;
}

uint32_t
desc_apply_denies(uint32_t fl, uint32_t d)
{
	bool user = fl & PTF_USER;

	if (d & DESC_DENY_WRITE)
		fl &= ~(uint32_t)PTF_WRITE;
	if (d & DESC_DENY_USER)
		fl &= ~(uint32_t)PTF_USER;
	if ((d & DESC_DENY_EXEC) ||
	    (d & (user ? DESC_DENY_UXN : DESC_DENY_PXN)))
		fl &= ~(uint32_t)PTF_EXEC;
	if (d & DESC_DENY_PXN)
		fl |= PTF_PXN;
	return fl;
}
