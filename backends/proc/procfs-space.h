/* SPDX-License-Identifier: MIT */
/* procfs-space.h: a live process as a space (attach by pid, refresh). */
#ifndef PTS_PROCFS_SPACE_H
#define PTS_PROCFS_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "procfs-maps.h"
#include "procfs-stat.h"
#include "space.h"

/*
 * Attach to pid: 404 no_such_process, 403 with the reason (ptrace access
 * mode; run as the same user or with CAP_SYS_PTRACE), 400 for a kernel
 * thread.  The space's refresh op re-scans; PTS_EGONE once it exited.
 */
int procfs_space_new(const char *proc_root, int pid, struct space **out,
    struct pts_err *err);

/*
 * The daemon's own rules (--allow-uid, --allow-pid): 0 to allow, or an
 * error (PTS_EPERM "not_allowed") for the process with these credentials.
 */
typedef int procfs_space_check_fn(void *ctx, int pid,
    const struct procfs_creds *, struct pts_err *);

/*
 * procfs_space_new() that asks check at attach and again whenever the
 * process's identity changes (an exec, new credentials); a refresh then
 * fails with check's error, or PTS_EPERM when the kernel's own ptrace
 * check refuses the new credentials, and shows nothing of the new image.
 * The process is held by an open /proc/PID directory: once it exits the
 * space answers PTS_EGONE "process_exited", never a reused pid's data.
 */
int procfs_space_new_checked(const char *proc_root, int pid,
    procfs_space_check_fn *check, void *ctx, struct space **out,
    struct pts_err *err);

/*
 * The credentials of a process space as of its last refresh: 0, or the
 * error (with err) when the process's new identity may not be shown; 1
 * for other spaces.
 */
int procfs_space_creds(const struct space *, struct procfs_creds *out,
    struct pts_err *err);

/* The pid a process space is attached to, or -1 for other spaces. */
int procfs_space_pid(const struct space *);

/* A process's numbers read now from /proc/PID/status (cheap: no page
   tables are walked; for /metrics at every scrape). */
struct procfs_status_now {
	char comm[32];
	uint64_t vm_pte_kb, rss_kb;
};

/* Fill *out for a process space; false when the process has exited, is a
   zombie (no VmPTE) or its pid now names another process. */
bool procfs_space_status_now(const struct space *,
    struct procfs_status_now *out);

#endif
