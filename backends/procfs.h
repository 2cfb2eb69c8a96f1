/* procfs.h: the live backend: processes from /proc, host capabilities. */
#ifndef PTS_PROCFS_H
#define PTS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs-maps.h"
#include "space.h"

/* What the running kernel lets this daemon see (GET /api/v1/info). */
struct live_caps {
	bool pagemap;		/* /proc/self/pagemap readable */
	bool pfn;		/* pagemap shows PFNs (CAP_SYS_ADMIN) */
	bool pagemap_scan;	/* PAGEMAP_SCAN ioctl works */
	bool kpageflags;	/* /proc/kpageflags readable */
	bool zones;		/* /proc/buddyinfo readable */
	const char *host_arch;	/* arch id of this machine, or NULL */
};

/* Probe once at start-up; proc_root is "/proc" or a captured tree. */
void procfs_probe(const char *proc_root, struct live_caps *);

/* The arch id of the machine we run on (x86_64 4 vs 5 level, arm64 granule
   and VA bits, riscv mode), or NULL when unsupported. */
const struct arch *procfs_host_arch(void);

struct proc_entry {
	int pid;
	char comm[32];
	uint64_t rss_kb, vm_pte_kb;
	bool attachable;	/* we may read its pagemap */
	bool kernel_thread;	/* no mm */
};

/* List processes; *out is owned by the caller (free()). */
int procfs_list(const char *proc_root, struct proc_entry **out, size_t *n,
    struct pts_err *err);

/*
 * Attach to pid: 404 no_such_process, 403 with the reason (ptrace access
 * mode; run as the same user or with CAP_SYS_PTRACE), 400 for a kernel
 * thread.  The space's refresh op re-scans; PTS_EGONE once it exited.
 */
int procfs_space_new(const char *proc_root, int pid, struct space **out,
    struct pts_err *err);

/* The pid a process space is attached to, or -1 for other spaces. */
int procfs_space_pid(const struct space *);

/*
 * The VMAs of a process space as of its last refresh (for the viewer's
 * overview, GET /api/v1/spaces/{id}/regions): struct procfs_vma in
 * procfs-maps.h has start, end, perms, offset, dev, inode, name (path,
 * "[heap]", "[stack]", "[vdso]", ... or NULL), the hugetlb page size when
 * known, present_pages and swapped_pages.  *out is a copy the caller
 * releases with procfs_vmas_release().  PTS_ENOTSUP for non-process spaces.
 */
int procfs_space_vmas(struct space *, struct procfs_vmas *out,
    struct pts_err *err);

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

/* Whether pagemap read by this process shows PFNs (CAP_SYS_ADMIN). */
bool procfs_pfn_visible(const char *proc_root);

#endif
