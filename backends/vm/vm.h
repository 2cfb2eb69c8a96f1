/* SPDX-License-Identifier: MIT */
/*
 * vm.h: the page tables of a running QEMU guest, read over its gdbstub (and
 * QMP for the x86 control registers).  The arch is detected from the
 * registers; the kernel half (TTBR1_EL1, or the upper half of CR3 / satp)
 * and the user half of the task current when the space is refreshed
 * (TTBR0_EL1, the lower half) are served with their real descriptors and
 * table addresses.  Guest RAM is read from QEMU's process when it runs on
 * this host (the guest keeps running), else through the gdbstub (the guest
 * is stopped only while one request's tables are read).
 */
#ifndef PTS_VM_H
#define PTS_VM_H

#include "space.h"

/* Where guest RAM is read: from QEMU's process when possible (auto), only
   there (host: an error when it cannot be), or through the gdbstub. */
enum vm_memory { VM_MEMORY_AUTO, VM_MEMORY_HOST, VM_MEMORY_GDBSTUB };

/* "auto", "host" or "gdbstub"; -1 for anything else. */
int vm_memory_parse(const char *);

/* gdb: HOST:PORT of the gdbstub; qmp: NULL, a unix socket path or
   HOST:PORT. */
int vm_space_new(const char *gdb, const char *qmp, enum vm_memory,
    struct space **out, struct pts_err *);

#endif
