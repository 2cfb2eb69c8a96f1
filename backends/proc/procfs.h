/* SPDX-License-Identifier: MIT */
/* procfs.h: the live machine as /proc shows it: processes, host arch and
   what the kernel lets this daemon read. */
#ifndef PTS_PROCFS_H
#define PTS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "arch.h"

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

/* Machine-wide page-table memory: /proc/meminfo PageTables and
   SecPageTables (Linux 6.0+; has_sec false when absent) in kB, and the sum
   of VmPTE over the processes listed. */
struct machine_tables {
	bool has_page_tables, has_sec;
	uint64_t page_tables_kb, sec_page_tables_kb;
	uint64_t vm_pte_sum_kb, rss_sum_kb;
	size_t processes;
};
void procfs_machine_tables(const char *proc_root,
    const struct proc_entry *v, size_t n, struct machine_tables *out);

/* Whether pagemap read by this process shows PFNs (CAP_SYS_ADMIN). */
bool procfs_pfn_visible(const char *proc_root);

#endif
