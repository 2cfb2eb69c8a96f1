/* SPDX-License-Identifier: MIT */
/*
 * vm.h: the page tables of a running QEMU guest, read over its gdbstub (and
 * QMP for the x86 control registers).  The arch is detected from the
 * registers; the kernel half (TTBR1_EL1, or the upper half of CR3 / satp)
 * and the user half of the task current when the space is refreshed
 * (TTBR0_EL1, the lower half) are served with their real descriptors and
 * table addresses.  The guest is stopped only while the tables are read.
 */
#ifndef PTS_VM_H
#define PTS_VM_H

#include "space.h"

/* gdb: HOST:PORT of the gdbstub; qmp: NULL, a unix socket path or
   HOST:PORT. */
int vm_space_new(const char *gdb, const char *qmp, struct space **out,
    struct pts_err *);

#endif
