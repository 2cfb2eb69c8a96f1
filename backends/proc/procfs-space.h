/* SPDX-License-Identifier: MIT */
/* procfs-space.h: a live process as a space (attach by pid, refresh). */
#ifndef PTS_PROCFS_SPACE_H
#define PTS_PROCFS_SPACE_H

#include "err.h"
#include "procfs-maps.h"
#include "space.h"

/*
 * Attach to pid: 404 no_such_process, 403 with the reason (ptrace access
 * mode; run as the same user or with CAP_SYS_PTRACE), 400 for a kernel
 * thread.  The space's refresh op re-scans; PTS_EGONE once it exited.
 */
int procfs_space_new(const char *proc_root, int pid, struct space **out,
    struct pts_err *err);

/* The pid a process space is attached to, or -1 for other spaces. */
int procfs_space_pid(const struct space *);

#endif
