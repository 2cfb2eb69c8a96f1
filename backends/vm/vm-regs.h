/* SPDX-License-Identifier: MIT */
/*
 * vm-regs.h: the paging registers of a QEMU guest and the arch they mean.
 *   x86_64: CR0.PG, CR3, CR4.LA57, EFER.LMA from the monitor ("info
 *           registers" over QMP; QEMU's x86 gdbstub does not show them)
 *   arm64:  SCTLR_EL1.M, TCR_EL1 (TG0/TG1, T0SZ/T1SZ), TTBR0_EL1,
 *           TTBR1_EL1 from the gdbstub's system-registers XML
 *   RISC-V: satp (MODE, PPN) from the gdbstub's CSR XML
 */
#ifndef PTS_VM_REGS_H
#define PTS_VM_REGS_H

#include <stdint.h>

#include "arch.h"
#include "gdbrsp.h"
#include "qmp.h"

enum vm_cpu { VM_X86_64, VM_ARM64, VM_RISCV64 };

/* Register numbers found in the target description. */
struct vm_regmap {
	enum vm_cpu cpu;
	int tcr, ttbr0, ttbr1, sctlr;	/* arm64 */
	int satp;			/* riscv */
};

struct vm_regs {
	const struct arch *arch;
	uint64_t root_pa[2];		/* [0] user half, [1] kernel half */
	unsigned nregs;
	struct { char name[12]; uint64_t v; } reg[6];	/* as read */
};

/* From target.xml (and its includes): which CPU and where its registers are. */
int vm_regmap_probe(struct gdbrsp *, struct vm_regmap *, struct pts_err *);
/* Read the registers (guest stopped) and name the arch; paging off is
   PTS_EINVAL "paging_off". */
int vm_regs_read(struct gdbrsp *, struct qmp *, const struct vm_regmap *,
    struct vm_regs *, struct pts_err *);

#endif
