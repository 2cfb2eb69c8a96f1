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

/* The number after "key:" in a status-like file (VmPTE in kB), or false. */
bool procfs_status_kb(const char *path, const char *key, uint64_t *out);

#endif
