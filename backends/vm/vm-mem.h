/* SPDX-License-Identifier: MIT */
/*
 * vm-mem.h: guest RAM read straight from the QEMU process on this host,
 * through /proc/QEMU_PID/mem, without stopping the guest.
 *
 * QEMU's pid is the peer of the QMP unix socket (SO_PEERCRED), or else the
 * process holding the other end of the gdbstub's TCP connection
 * (/proc/net/tcp{,6} and the /proc/PID/fd links).  Guest RAM's place in
 * QEMU's address space comes from the monitor (over QMP or the gdbstub's
 * qRcmd): the RAM ranges of the flat memory map ("info mtree -f") and the
 * host address of each ("gpa2hva GPA").  The map is used only when pages
 * read through /proc/PID/mem equal the same pages read through the
 * gdbstub at the same moment (the page-table roots, guest stopped).
 */
#ifndef PTS_VM_MEM_H
#define PTS_VM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct vm_hostmem;

/* A page read through the gdbstub, to verify a host mapping with. */
struct vm_probe {
	uint64_t gpa;
	const void *bytes;
	size_t n;
};

/* A range of guest RAM and the host address it is mapped at. */
struct vm_seg {
	uint64_t gpa, len, hva;
};

/* QEMU's pid from the sockets (-1 for one not given); 0 if not found. */
pid_t vm_qemu_pid(int qmp_fd, int gdb_fd);

/* The RAM ranges of "info mtree -f"'s flat view of the system memory
   (AS "memory"); hva left 0.  Returns how many were stored. */
unsigned vm_mtree_ram(const char *mtree, struct vm_seg *out, unsigned max);
/* The host address in "gpa2hva"'s answer; false when it has none. */
bool vm_gpa2hva_parse(const char *text, uint64_t *hva);

/*
 * Open /proc/pid/mem over the segments; every probe must read back the
 * same.  PTS_EPERM when /proc/pid/mem is not ours to read, PTS_ENOENT when
 * the bytes differ (not QEMU's process, or not its RAM).
 */
int vm_hostmem_open(pid_t pid, const struct vm_seg *segs, unsigned nseg,
    const struct vm_probe *probes, unsigned nprobes,
    struct vm_hostmem **out, struct pts_err *);
/* Read n bytes at guest-physical gpa: 0, or -1 when gpa..gpa+n is not in
   the mapped RAM (the caller reads it another way) or QEMU has gone
   (errno ESRCH, or 0 bytes: *gone is set). */
int vm_hostmem_read(struct vm_hostmem *, uint64_t gpa, void *buf, size_t n,
    int *gone);
pid_t vm_hostmem_pid(const struct vm_hostmem *);
void vm_hostmem_close(struct vm_hostmem *);

#endif
