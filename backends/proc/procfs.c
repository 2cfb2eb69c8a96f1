/* SPDX-License-Identifier: MIT */
/* procfs.c: host capabilities, host arch detection and the process list. */
#include "config.h"
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs-scan.h"
#include "procfs-stat.h"
#include "strbuf.h"
#include "xalloc.h"

/* The pagemap word of one of our own touched stack pages, or 0. */
static uint64_t
probe_self_word(const char *proc_root, int *fd_out)
{
	volatile char page[64];
	uint64_t w = 0, va = (uint64_t)(uintptr_t)page;
	long psz = sysconf(_SC_PAGESIZE);
	char path[256];
	int fd;

	page[0] = 1;
	snprintf(path, sizeof path, "%s/self/pagemap", proc_root);
	*fd_out = fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || psz <= 0)
		return 0;
	if (pread(fd, &w, 8, (off_t)(va / (uint64_t)psz * 8)) != 8)
		w = 0;
	return w;
}

bool
procfs_pfn_visible(const char *proc_root)
{
	int fd;
	uint64_t w = probe_self_word(proc_root, &fd);

	if (fd >= 0)
		close(fd);
	return (w & PM_PRESENT) && (w & PM_PFN_MASK) != 0;
}

/* Whether PAGEMAP_SCAN works on our own pagemap. */
static bool
probe_scan(int fd)
{
	volatile char page[64];
	struct pts_page_region vec[4];
	struct pts_pm_scan_arg a;
	long psz = sysconf(_SC_PAGESIZE);

	page[0] = 1;
	if (fd < 0 || psz <= 0)
		return false;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.start = (uint64_t)(uintptr_t)page & ~((uint64_t)psz - 1);
	a.end = a.start + (uint64_t)psz;
	a.vec = (uint64_t)(uintptr_t)vec;
	a.vec_len = 4;
	a.return_mask = PSC_PRESENT;
	return ioctl(fd, PTS_PAGEMAP_SCAN, &a) >= 0;
}

/* Whether path can be opened and 8 bytes read from it. */
static bool
probe_readable(const char *proc_root, const char *name)
{
	char path[256], buf[8];
	int fd;
	bool ok;

	snprintf(path, sizeof path, "%s/%s", proc_root, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	ok = read(fd, buf, sizeof buf) > 0;
	close(fd);
	return ok;
}

void
procfs_probe(const char *proc_root, struct live_caps *c)
{
	const struct arch *a = procfs_host_arch();
	int fd;
	uint64_t w = probe_self_word(proc_root, &fd);

	memset(c, 0, sizeof *c);
	c->pagemap = fd >= 0;
	c->pfn = (w & PM_PRESENT) && (w & PM_PFN_MASK) != 0;
	c->pagemap_scan = probe_scan(fd);
	if (fd >= 0)
		close(fd);
	c->kpageflags = probe_readable(proc_root, "kpageflags");
	c->zones = probe_readable(proc_root, "buddyinfo");
	c->host_arch = a ? a->id : NULL;
}

/* Whether /proc/cpuinfo has a whole word w on a line starting with key. */
static bool
cpuinfo_has(const char *key, const char *w)
{
	struct strbuf sb = STRBUF_INIT;
	size_t kl = strlen(key), wl = strlen(w);
	bool found = false;

	if (strbuf_read_file(&sb, "/proc/cpuinfo", 0, NULL) == 0 && sb.buf)
		for (char *p = sb.buf; p && *p && !found; p = strchr(p, '\n'),
		    p = p ? p + 1 : NULL) {
			char *e = strchr(p, '\n'), *q;

			if (strncmp(p, key, kl) != 0)
				continue;
			for (q = strstr(p, w); q && (!e || q < e) && !found;
			    q = strstr(q + 1, w))
				found = isspace((unsigned char)q[-1]) &&
				    (q[wl] == '\0' || isspace((unsigned char)q[wl]));
		}
	strbuf_release(&sb);
	return found;
}

/* The arm64 arch id from the page size and where our stack lives. */
static __attribute__((unused)) const struct arch *
host_arm64(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t sp = (uint64_t)(uintptr_t)&psz;

	if (psz == 4096)
		return arch_find(sp < (UINT64_C(1) << 39) ? "arm64-4k-39" :
		    "arm64-4k-48");
	if (psz == 16384)
		return arch_find(sp < (UINT64_C(1) << 47) ? "arm64-16k-47" :
		    "arm64-16k-48");
	if (psz == 65536)
		return arch_find(sp < (UINT64_C(1) << 42) ? "arm64-64k-42" :
		    sp < (UINT64_C(1) << 48) ? "arm64-64k-48" : "arm64-64k-52");
	return NULL;
}

const struct arch *
procfs_host_arch(void)
{
#if defined(__x86_64__)
	return arch_find(cpuinfo_has("flags", "la57") ? "x86_64-5l" :
	    "x86_64-4l");
#elif defined(__aarch64__)
	return host_arm64();
#elif defined(__riscv) && __riscv_xlen == 64
	if (cpuinfo_has("mmu", "sv57"))
		return arch_find("riscv-sv57");
	if (cpuinfo_has("mmu", "sv48"))
		return arch_find("riscv-sv48");
	return arch_find("riscv-sv39");
#else
	return NULL;
#endif
}

/* The entry for one pid directory, or false when it vanished. */
static bool
list_one(const char *proc_root, int pid, struct proc_entry *e)
{
	struct procfs_stat st;
	char path[256];
	int fd;

	if (procfs_stat_read(proc_root, pid, &st, NULL) < 0)
		return false;
	memset(e, 0, sizeof *e);
	e->pid = pid;
	snprintf(e->comm, sizeof e->comm, "%s", st.comm);
	snprintf(path, sizeof path, "%s/%d/status", proc_root, pid);
	e->kernel_thread = (st.flags & 0x00200000u) != 0;
	procfs_status_kb(path, "VmRSS", &e->rss_kb);
	procfs_status_kb(path, "VmPTE", &e->vm_pte_kb);
	snprintf(path, sizeof path, "%s/%d/pagemap", proc_root, pid);
	if (!e->kernel_thread && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		e->attachable = true;
		close(fd);
	}
	return true;
}

int
procfs_list(const char *proc_root, struct proc_entry **out, size_t *n,
    struct pts_err *err)
{
	struct proc_entry *v = NULL;
	size_t cap = 0, k = 0;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(proc_root)) == NULL)
		return pts_errf(err, PTS_EIO, "proc_unreadable",
		    "Cannot list %s: %s.", proc_root, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || pid <= 0 || pid > 0x3fffffff)
			continue;
		v = xgrow(v, &cap, k + 1, sizeof *v);
		if (list_one(proc_root, (int)pid, &v[k]))
			k++;
	}
	closedir(d);
	*out = v;
	*n = k;
	return 0;
}

void
procfs_machine_tables(const char *proc_root, const struct proc_entry *v,
    size_t n, struct machine_tables *out)
{
	char path[256];

	memset(out, 0, sizeof *out);
	snprintf(path, sizeof path, "%s/meminfo", proc_root);
	out->has_page_tables = procfs_status_kb(path, "PageTables",
	    &out->page_tables_kb);
	out->has_sec = procfs_status_kb(path, "SecPageTables",
	    &out->sec_page_tables_kb);
	for (size_t i = 0; i < n; i++) {
		out->vm_pte_sum_kb += v[i].vm_pte_kb;
		out->rss_sum_kb += v[i].rss_kb;
	}
	out->processes = n;
}
