/* SPDX-License-Identifier: MIT */
/*
 * desc-int.h: internals of the descriptor codecs: one set of functions per
 * arch family, called by the dispatch in desc.c.
 */
#ifndef PTS_DESC_INT_H
#define PTS_DESC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desc.h"

#define BIT(n)	(UINT64_C(1) << (n))

/* Whether the hardware entry is writable now (W and not write-protected). */
static inline bool
desc_hw_writable(unsigned at)
{
	return (at & DA_W) && !(at & DA_COW);
}

/* Append a word (printf-formatted with one unsigned) to attrs. */
void desc_attr_add(char *attrs, size_t n, const char *fmt, unsigned v);

/* x86: 32-bit, PAE, x86_64 (desc-x86.c) */
uint64_t desc_x86_leaf(enum desc_family, const struct desc_leaf *);
uint64_t desc_x86_table(enum desc_family, unsigned li, uint64_t child_pa,
    bool user);
uint32_t desc_x86_flags(enum desc_family, uint64_t e, char *attrs, size_t n);
uint64_t desc_x86_leaf_pa(enum desc_family, bool block, uint64_t e);
uint64_t desc_x86_table_pa(enum desc_family, uint64_t e);

/* long descriptors: arm64 (both formats) and LPAE (desc-arm64.c) */
uint64_t desc_long_leaf(enum desc_family, const struct desc_leaf *);
uint32_t desc_long_flags(enum desc_family, uint64_t e, char *attrs, size_t n);
uint64_t desc_long_table(enum desc_family, uint64_t child_pa, bool user);
uint64_t desc_long_leaf_pa(enum desc_family, uint64_t e, unsigned page_shift);
uint64_t desc_long_table_pa(enum desc_family, uint64_t e, unsigned page_shift);

/* RISC-V (desc-riscv.c) */
uint64_t desc_riscv_leaf(const struct desc_leaf *);
uint32_t desc_riscv_flags(uint64_t e, char *attrs, size_t n);
uint64_t desc_riscv_leaf_pa(uint64_t e);
uint64_t desc_riscv_table_pa(uint64_t e);

/* ARMv7 short descriptors (desc-armv7.c) */
uint64_t desc_armv7_section(const struct desc_leaf *);
uint32_t desc_armv7_linux_pte(const struct desc_leaf *);
uint32_t desc_armv7_hw_pte(uint32_t linux_pte, bool ng);
uint32_t desc_armv7_hw_large(uint32_t small, uint64_t grp_pa);
uint32_t desc_armv7_flags(bool block, uint64_t e, uint32_t linux_pte,
    char *attrs, size_t n);
uint64_t desc_armv7_leaf_pa(bool block, uint64_t e, uint32_t linux_pte);

#endif
