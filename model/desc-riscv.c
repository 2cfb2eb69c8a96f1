/* SPDX-License-Identifier: MIT */
/* desc-riscv.c: RISC-V Sv39/48/57 descriptors (with Svnapot and Svpbmt bits). */
#include "config.h"
#include "desc-int.h"

#include <string.h>

#include "pt.h"

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

uint64_t
desc_riscv_leaf(const struct desc_leaf *l)
{
	unsigned mt = (l->at & DA_MT_MASK) >> DA_MT_SHIFT;
	uint64_t ppn = l->pa >> 12;
	uint64_t v = RV_V | RV_A | RV_R;

	if (desc_hw_writable(l->at))
		v |= RV_W;
	if (l->at & DA_X)
		v |= RV_X;
	if (l->at & DA_USER)
		v |= RV_U;
	if (l->at & DA_GLOBAL)
		v |= RV_G;
	if ((l->at & DA_DIRTY) || !(l->at & DA_USER))
		v |= RV_D;
	if (mt == DA_MT_DEVICE)
		v |= RV_IO;
	else if (mt == DA_MT_NOCACHE)
		v |= RV_NC;
	if (l->at & DA_GRP) {		/* 64 KiB NAPOT: ppn[3:0] = 1000 */
		ppn = ((l->grp_pa >> 12) & ~UINT64_C(0xf)) | 0x8;
		v |= RV_N;
	}
	return v | ppn << 10;
}

uint32_t
desc_riscv_flags(uint64_t e, char *attrs, size_t n)
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
	desc_attr_add(attrs, n, "PBMT=%u", (unsigned)(e >> 61) & 3);
	return fl;
}


/* The output address a RISC-V leaf holds (NAPOT: the group's first). */
uint64_t
desc_riscv_leaf_pa(uint64_t e)
{
	uint64_t ppn = (e >> 10) & ((UINT64_C(1) << 44) - 1);

	if (e & RV_N)
		ppn &= ~UINT64_C(0xf);
	return ppn << 12;
}

/* The table address a RISC-V table entry holds. */
uint64_t
desc_riscv_table_pa(uint64_t e)
{
	return ((e >> 10) & ((UINT64_C(1) << 44) - 1)) << 12;
}
