/* SPDX-License-Identifier: MIT */
/* procfs-stat.h: readers of /proc/PID/stat and /proc/PID/status. */
#ifndef PTS_PROCFS_STAT_H
#define PTS_PROCFS_STAT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* Fields of /proc/PID/stat the live backend uses. */
struct procfs_stat {
	char comm[32];
	char state;		/* 'R', 'S', 'Z', ... */
	unsigned flags;		/* task flags (PF_KTHREAD = 0x00200000) */
	uint64_t start_time;	/* clock ticks after boot */
};

/* Read /proc/PID/stat; PTS_ENOENT "no_such_process" when it is missing. */
int procfs_stat_read(const char *proc_root, int pid, struct procfs_stat *st,
    struct pts_err *err);
/* The same from a held /proc/PID directory fd (the process it was opened
   on, or PTS_ENOENT once that one is gone: never a reused pid's). */
int procfs_stat_readat(int dirfd, int pid, struct procfs_stat *st,
    struct pts_err *err);

/* The number after "key:" in a status-like file (VmPTE in kB), or false. */
bool procfs_status_kb(const char *path, const char *key, uint64_t *out);
/* The same for file (one name, no symlink followed) under dirfd. */
bool procfs_status_kb_at(int dirfd, const char *file, const char *key,
    uint64_t *out);

/*
 * Credentials of a process as the kernel's ptrace access check
 * (__ptrace_may_access, kernel/ptrace.c) uses them: every uid and gid of
 * the "Uid:" and "Gid:" lines (real, effective, saved, fs), and the owner
 * of /proc/PID, which the kernel makes root while the process is not
 * dumpable (task_dump_owner: after a setuid or setgid exec, or
 * prctl(PR_SET_DUMPABLE, 0)) and the euid otherwise.
 */
struct procfs_creds {
	long uid[4];
	long gid[4];
	long owner;
};

/* Read them from a held /proc/PID directory fd. */
int procfs_creds_readat(int dirfd, struct procfs_creds *, struct pts_err *);
bool procfs_creds_equal(const struct procfs_creds *,
    const struct procfs_creds *);
/*
 * Could a process of uid `uid` (without capabilities) read this one's
 * memory map?  The kernel's rule for PTRACE_MODE_READ: all of the target's
 * uids equal the caller's (and its gids the caller's gid: we require them
 * to be one gid, not a setgid state), and the target dumpable; uid 0 may
 * read everything.
 */
bool procfs_creds_readable_by(const struct procfs_creds *, long uid);

#endif
