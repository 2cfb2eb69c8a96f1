/* SPDX-License-Identifier: MIT */
/* procfs-space.c: a live process as a struct space (attach, refresh, ops). */
#include "config.h"
#include "procfs-space.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "procfs-maps.h"
#include "procfs-scan.h"
#include "procfs-stat.h"
#include "procfs-tree.h"
#include "strbuf.h"
#include "xalloc.h"

#define PF_KTHREAD_FLAG 0x00200000u	/* include/linux/sched.h PF_KTHREAD */

struct procfs_space {
	struct space base;
	char *proc_root;
	int pid;
	/*
	 * /proc/PID, open from attach on: everything is read relative to it,
	 * so once the process is gone every read fails (ENOENT/ESRCH) even
	 * when its pid was given to a new process in the meantime.
	 */
	int dirfd;
	uint64_t start_time;	/* /proc/PID/stat field 22, clock ticks */
	char comm[32];
	struct procfs_creds creds;	/* as of the last refresh */
	procfs_space_check_fn *check;	/* the daemon's --allow-* rules */
	void *check_ctx;
	bool pagemap_probe;	/* the first pagemap word was readable */
	bool denied;		/* the new identity may not be shown */
	struct pts_err why_denied;
	uint64_t rss_kb, vm_pte_kb;	/* status, read with the model */
	bool have_rss, have_vm_pte;
	struct procfs_scanner sc;
	struct procfs_model model;
	bool pfn_visible;
	bool one_pass;		/* PTSCOPE_ONE_PASS: every category at refresh
				   (the reference the two-pass tests compare
				   against) */
	uint64_t scans;		/* refreshes done */
};

/* The kernel's PROCMAP_QUERY ABI (6.11+), under our own name. */
struct pts_procmap_query {
	uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags,
	    vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
_Static_assert(sizeof(struct pts_procmap_query) == 104, "procmap_query ABI");
#define PTS_PROCMAP_QUERY _IOWR('f', 17, struct pts_procmap_query)

/* PTS_EGONE unless pid still is the process we attached to. */
static int
ps_check_alive(struct procfs_space *ps, struct pts_err *err)
{
	struct procfs_stat st;

	if (procfs_stat_readat(ps->dirfd, ps->pid, &st, NULL) < 0 ||
	    st.start_time != ps->start_time || st.state == 'Z' ||
	    st.state == 'X')
		return pts_errf(err, PTS_EGONE, "process_exited",
		    "Process %d (%s) has exited.", ps->pid, ps->comm);
	return 0;
}

/* Read and parse maps, keeping only the VMAs in the user half. */
static int
ps_read_maps(struct procfs_space *ps, struct procfs_vmas *out,
    struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if ((r = strbuf_read_fileat(&sb, ps->dirfd, "maps", 0, err)) == 0)
		r = procfs_maps_parse(sb.buf ? sb.buf : "", out, err);
	else if (r == PTS_ENOENT)
		r = PTS_EGONE;
	strbuf_release(&sb);
	if (r < 0)
		return r;
	while (out->n > 0 &&
	    out->v[out->n - 1].start > ps->base.arch->user_last)
		free(out->v[--out->n].name);
	return 0;
}

/* Hugetlb page size of the VMA at addr via PROCMAP_QUERY, or 0. */
static uint64_t
ps_query_page_size(int fd, uint64_t addr)
{
	struct pts_procmap_query q;

	memset(&q, 0, sizeof q);
	q.size = sizeof q;
	q.query_addr = addr;
	if (fd < 0 || ioctl(fd, PTS_PROCMAP_QUERY, &q) < 0)
		return 0;
	return q.vma_page_size;
}

/* Learn the hugetlb page size of each VMA that holds huge runs. */
static void
ps_hugetlb_sizes(struct procfs_space *ps, struct procfs_vmas *vl,
    const struct procfs_runs *runs)
{
	int fd;
	long last = -1;

	fd = openat(ps->dirfd, "maps", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	for (size_t i = 0; i < runs->n; i++) {
		long k;

		if (!(runs->v[i].cats & PSC_HUGE))
			continue;
		k = procfs_vmas_find(vl, runs->v[i].start);
		if (k < 0 || k == last)
			continue;
		last = k;
		vl->v[k].page_size = ps_query_page_size(fd, vl->v[k].start);
		if (fd < 0 && vl->v[k].name &&
		    strstr(vl->v[k].name, "anon_hugepage"))
			vl->v[k].page_size = UINT64_C(2) << 20;
	}
	if (fd >= 0)
		close(fd);
}

static int ps_open_pagemap(int dirfd, int pid, const char *comm,
    struct pts_err *err);

/* Can the first pagemap word be read through fd (the mm is alive)? */
static bool
ps_pagemap_probe(int fd)
{
	uint64_t w;

	return pread(fd, &w, sizeof w, 0) == (ssize_t)sizeof w;
}

/*
 * Has the process exec'd since pagemap was opened?  The old fd keeps the
 * old mm, which exec released: reads of it then return nothing.
 */
static bool
ps_execd(struct procfs_space *ps)
{
	return ps->pagemap_probe && !ps_pagemap_probe(ps->sc.pagemap_fd);
}

/*
 * The process became one that may not be shown: forget what was read of
 * it (an empty model, a new generation) and answer why from now on.
 */
static int
ps_deny(struct procfs_space *ps, int r, const struct pts_err *why,
    struct pts_err *err)
{
	struct procfs_vmas none = { 0, 0, NULL };
	struct procfs_runs nothing = { 0, 0, NULL };

	ps->denied = true;
	ps->why_denied = *why;
	procfs_model_release(&ps->model);
	procfs_model_build(&ps->model, ps->base.arch, &none, &nothing);
	ps->base.generation++;
	ps->have_rss = ps->have_vm_pte = false;
	if (err)
		*err = *why;
	return r;
}

/*
 * Re-read the identity of the process: comm and credentials.  When they
 * changed (an exec, a setuid exec above all) the daemon's rules are asked
 * again, and the kernel's ptrace check is made again by opening pagemap
 * anew: with the new credentials it may now say no.  PTS_EPERM then, and
 * the space shows nothing of the new image.
 */
static int
ps_identity(struct procfs_space *ps, bool *changed, struct pts_err *err)
{
	struct procfs_creds c;
	struct procfs_stat st;
	struct pts_err why;
	bool execd = ps_execd(ps);
	int fd, r;

	if (procfs_stat_readat(ps->dirfd, ps->pid, &st, NULL) < 0 ||
	    procfs_creds_readat(ps->dirfd, &c, NULL) < 0)
		return pts_errf(err, PTS_EGONE, "process_exited",
		    "Process %d (%s) has exited.", ps->pid, ps->comm);
	*changed = execd || !procfs_creds_equal(&c, &ps->creds) ||
	    strcmp(st.comm, ps->comm) != 0;
	if (!*changed) {
		if (ps->denied && err)
			*err = ps->why_denied;
		return ps->denied ? ps->why_denied.code : 0;
	}
	if (ps->check && (r = ps->check(ps->check_ctx, ps->pid, &c,
	    &why)) < 0)
		return ps_deny(ps, r, &why, err);
	if ((fd = ps_open_pagemap(ps->dirfd, ps->pid, st.comm, &why)) < 0)
		return fd == PTS_ENOENT ? pts_errf(err, PTS_EGONE,
		    "process_exited", "Process %d (%s) has exited.", ps->pid,
		    ps->comm) : ps_deny(ps, fd, &why, err);
	ps->denied = false;
	close(ps->sc.pagemap_fd);
	ps->sc.pagemap_fd = fd;
	ps->sc.probed = false;
	ps->pagemap_probe = ps_pagemap_probe(fd);
	ps->creds = c;
	snprintf(ps->comm, sizeof ps->comm, "%s", st.comm);
	snprintf(ps->base.label, sizeof ps->base.label, "%s", st.comm);
	return 0;
}

/* The status numbers of the space object, read with the model. */
static void
ps_read_status(struct procfs_space *ps)
{
	ps->have_rss = procfs_status_kb_at(ps->dirfd, "status", "VmRSS",
	    &ps->rss_kb);
	ps->have_vm_pte = procfs_status_kb_at(ps->dirfd, "status", "VmPTE",
	    &ps->vm_pte_kb);
}

/*
 * Scan the VMAs for the categories the summary needs; then huge runs are
 * one pmd per 2 MiB: their FILE and PFNZERO (which AnonHugePages and the
 * deposited tables depend on) cost little.  (PTSCOPE_ONE_PASS: every
 * category at once.)  An exec in the middle is found by the caller.
 */
static int
ps_scan(struct procfs_space *ps, const struct procfs_vmas *vl,
    struct procfs_runs *runs, struct pts_err *err)
{
	uint32_t want = ps->one_pass ? PSC_RETURN : PSC_SUMMARY;
	int r = procfs_scan_vmas(&ps->sc, vl, want, runs, err);

	if (r == 0 && !ps->one_pass)
		r = procfs_scan_refine(&ps->sc, runs, PSC_HUGE, PSC_RETURN,
		    err);
	return r;
}

/*
 * One reading of maps and pagemap into *m.  1 when the process exec'd in
 * the middle (the two would be of different images: read again).
 */
static int
ps_read_once(struct procfs_space *ps, bool *changed, struct procfs_model *m,
    struct pts_err *err)
{
	struct procfs_vmas vl = { 0, 0, NULL };
	struct procfs_runs runs = { 0, 0, NULL };
	int r;

	if ((r = ps_check_alive(ps, err)) < 0 ||
	    (r = ps_identity(ps, changed, err)) < 0)
		return r;
	if ((r = ps_read_maps(ps, &vl, err)) < 0 ||
	    (r = ps_scan(ps, &vl, &runs, err)) < 0 ||
	    (r = ps_check_alive(ps, err)) < 0 || ps_execd(ps)) {
		procfs_vmas_release(&vl);
		procfs_runs_release(&runs);
		if (ps_check_alive(ps, NULL) < 0)
			return ps_check_alive(ps, err);
		return r < 0 && r != PTS_EGONE ? r : 1;
	}
	ps_hugetlb_sizes(ps, &vl, &runs);
	procfs_model_build(m, ps->base.arch, &vl, &runs);
	procfs_runs_release(&runs);
	return 0;
}

/*
 * Re-read maps and pagemap; bump generation when anything changed (the
 * layout, or the image after an exec).  Every field of the space object
 * comes from this one refresh.
 */
static int
ps_refresh(struct space *s, struct pts_err *err)
{
	struct procfs_space *ps = (struct procfs_space *)s;
	struct procfs_model m;
	bool changed = false, any = false;
	int r = 1;

	for (int tries = 0; r == 1 && tries < 4; tries++) {
		r = ps_read_once(ps, &changed, &m, err);
		any |= changed;
	}
	if (r == 1)
		return pts_errf(err, PTS_EBUSY, "process_changed", "Process "
		    "%d kept changing while it was read; ask again.", ps->pid);
	if (r < 0)
		return r;
	if (ps->scans == 0 || any || m.hash != ps->model.hash)
		s->generation++;
	procfs_model_release(&ps->model);
	ps->model = m;
	ps_read_status(ps);
	ps->scans++;
	return 0;
}

/* Detail supplier: pagemap words. */
static int
ps_words(void *ctx, uint64_t va, size_t n, uint64_t *w, struct pts_err *err)
{
	struct procfs_space *ps = ctx;

	return procfs_scan_detail(&ps->sc, va, n, w, err);
}

/* Detail supplier: kpageflags. */
static bool
ps_kpageflags(void *ctx, uint64_t pfn, uint64_t *f)
{
	struct procfs_space *ps = ctx;

	return procfs_scan_kpageflags(&ps->sc, pfn, f);
}

/* Detail supplier: every category of [lo, hi) inside the VMAs, read now. */
static int
ps_cats(void *ctx, uint64_t lo, uint64_t hi, struct procfs_runs *out,
    struct pts_err *err)
{
	struct procfs_space *ps = ctx;

	return procfs_scan_cats_in(&ps->sc, &ps->model.vmas, lo, hi,
	    PSC_RETURN, out, err);
}

/* The detail supplier for this space. */
static struct procfs_detail
ps_detail(struct procfs_space *ps)
{
	return (struct procfs_detail){ .ctx = ps, .words = ps_words,
	    .kpageflags = ps_kpageflags, .pfn_visible = ps->pfn_visible,
	    .cats = ps->one_pass ? NULL : ps_cats };
}

/* The tree op. */
static int
ps_tree(struct space *s, enum pt_level level, uint64_t va, unsigned depth,
    struct pt_node **out, struct pts_err *err)
{
	struct procfs_space *ps = (struct procfs_space *)s;
	struct procfs_detail d = ps_detail(ps);

	return procfs_model_tree(&ps->model, &d, level, va, depth, out, err);
}

/* The walk op. */
static int
ps_walk(struct space *s, uint64_t va, struct pt_walk *out,
    struct pts_err *err)
{
	struct procfs_space *ps = (struct procfs_space *)s;
	struct procfs_detail d = ps_detail(ps);

	return procfs_model_walk(&ps->model, &d, va, out, err);
}

/* The ranges op. */
static int
ps_ranges(struct space *s, struct pt_ranges *out, struct pts_err *err)
{
	struct procfs_space *ps = (struct procfs_space *)s;
	struct procfs_detail d = ps_detail(ps);

	return procfs_model_ranges(&ps->model, &d, out, err);
}

/* The regions op. */
static int
ps_regions(struct space *s, struct regions *out, struct pts_err *err)
{
	struct procfs_space *ps = (struct procfs_space *)s;
	struct procfs_detail d = ps_detail(ps);

	return procfs_model_regions(&ps->model, &d, out, err);
}

/* A kB value, or null when it was not readable. */
static void
ps_info_kb(struct space_info *si, const char *key, bool have, uint64_t v)
{
	if (have)
		space_info_u64(si, key, v);
	else
		space_info_null(si, key);
}

/* The info op: identity, honesty flags and agreement with the kernel. */
static void
ps_info(struct space *s, struct space_info *si)
{
	struct procfs_space *ps = (struct procfs_space *)s;
	const struct procfs_model *m = &ps->model;
	uint64_t tp = procfs_model_vmpte_tables(m);

	space_info_u64(si, "pid", (uint64_t)ps->pid);
	space_info_str(si, "comm", "%s", ps->comm);
	space_info_u64(si, "start_time", ps->start_time);
	space_info_bool(si, "inferred", true);
	space_info_str(si, "inferred_note", "Reconstructed from maps and "
	    "pagemap: descriptor values (entry) and table addresses "
	    "(table_pa) are not visible from user space.");
	uint64_t huge = 0;
	/* smaps_rollup walks the whole mm: read here, not at every refresh
	   (through dirfd: of this process, or of none) */
	bool have_huge = !ps_execd(ps) && procfs_status_kb_at(ps->dirfd,
	    "smaps_rollup", "AnonHugePages", &huge);

	ps_info_kb(si, "rss_kb", ps->have_rss, ps->rss_kb);
	ps_info_kb(si, "kernel.vm_pte_kb", ps->have_vm_pte, ps->vm_pte_kb);
	ps_info_kb(si, "kernel.anon_huge_kb", have_huge, huge);
	/* the one number of this space's page-table bytes (also in /metrics
	   as ptscope_space_table_bytes) */
	space_info_u64(si, "page_table_bytes", tp * s->arch->page_size);
	space_info_u64(si, "reconstructed.table_pages", tp);
	space_info_u64(si, "reconstructed.table_kb",
	    tp * (s->arch->page_size / 1024));
	space_info_u64(si, "reconstructed.thp_kb", m->thp_bytes / 1024);
	space_info_u64(si, "reconstructed.thp_deposited_tables", m->deposits);
	for (unsigned li = 0; li < s->arch->nlevels; li++) {
		char key[40];

		snprintf(key, sizeof key, "reconstructed.tables.%s",
		    s->arch->levels[li].name);
		space_info_u64(si, key, m->tables[li]);
	}
	space_info_u64(si, "vma_count", m->vmas.n);
	space_info_bool(si, "pfn_visible", ps->pfn_visible);
	space_info_bool(si, "pagemap_scan", ps->sc.used_ioctl);
	space_info_bool(si, "live.pfn", ps->pfn_visible);
	space_info_bool(si, "live.pagemap_scan", ps->sc.used_ioctl);
	space_info_bool(si, "live.kpageflags", ps->sc.kpageflags_fd >= 0);
	space_info_str(si, "live.scan", "%s", ps->one_pass ? "one-pass" :
	    "two-pass");
}

/* The free op. */
static void
ps_free(struct space *s)
{
	struct procfs_space *ps = (struct procfs_space *)s;

	if (ps->sc.pagemap_fd >= 0)
		close(ps->sc.pagemap_fd);
	if (ps->sc.kpageflags_fd >= 0)
		close(ps->sc.kpageflags_fd);
	if (ps->dirfd >= 0)
		close(ps->dirfd);
	procfs_model_release(&ps->model);
	free(ps->proc_root);
	free(ps);
}

static const struct space_ops procfs_space_ops = {
	.kind = "process",
	.tree = ps_tree,
	.walk = ps_walk,
	.ranges = ps_ranges,
	.regions = ps_regions,
	.zones = NULL,
	.refresh = ps_refresh,
	.op = NULL,
	.info = ps_info,
	.free = ps_free,
};

/* Check the process can be attached at all (exists, has an mm). */
static int
ps_check_target(int dirfd, int pid, struct procfs_stat *st,
    struct pts_err *err)
{
	int r;

	if ((r = procfs_stat_readat(dirfd, pid, st, err)) < 0)
		return r;
	if (st->flags & PF_KTHREAD_FLAG)
		return pts_errf(err, PTS_EINVAL, "kernel_thread", "Process %d "
		    "(%s) is a kernel thread: it has no user address space.",
		    pid, st->comm);
	if (st->state == 'Z' || st->state == 'X')
		return pts_errf(err, PTS_EGONE, "process_exited",
		    "Process %d (%s) has exited.", pid, st->comm);
	return 0;
}

/* Open pagemap under dirfd, mapping errno to the API's errors. */
static int
ps_open_pagemap(int dirfd, int pid, const char *comm, struct pts_err *err)
{
	struct stat sbuf;
	int fd;

	if ((fd = openat(dirfd, "pagemap", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) >= 0)
		return fd;
	if (errno == ENOENT || errno == ESRCH)
		return pts_errf(err, PTS_ENOENT, "no_such_process",
		    "There is no process %d.", pid);
	if (errno == ELOOP)
		return pts_errf(err, PTS_EPERM, "permission_denied",
		    "pagemap of process %d is a symbolic link, which is not "
		    "followed here.", pid);
	if (errno != EACCES && errno != EPERM)
		return pts_errf(err, PTS_EIO, "pagemap_open_failed",
		    "Opening pagemap of process %d failed: %s.", pid,
		    strerror(errno));
	if (fstat(dirfd, &sbuf) < 0)
		sbuf.st_uid = (uid_t)-1;
	return pts_errf(err, PTS_EPERM, "permission_denied", "Not permitted "
	    "to read the page tables of process %d (%s, uid %d): that needs "
	    "ptrace read access; run ptscope as uid %d or give it "
	    "CAP_SYS_PTRACE.", pid, comm, (int)sbuf.st_uid, (int)sbuf.st_uid);
}

/*
 * /proc/PID as a directory fd, without following a symbolic link as the
 * last step (a --proc-root tree must not send us elsewhere).
 */
static int
ps_open_dir(const char *proc_root, int pid, struct pts_err *err)
{
	char path[600];
	int fd;

	if (pid <= 0)
		return pts_errf(err, PTS_EINVAL, "bad_pid",
		    "A pid is a positive number, not %d.", pid);
	snprintf(path, sizeof path, "%s/%d", proc_root, pid);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) >= 0)
		return fd;
	return pts_errf(err, PTS_ENOENT, "no_such_process",
	    "There is no process %d.", pid);
}

int
procfs_space_new_checked(const char *proc_root, int pid,
    procfs_space_check_fn *check, void *ctx, struct space **out,
    struct pts_err *err)
{
	const struct arch *a = procfs_host_arch();
	struct procfs_space *ps;
	struct procfs_stat st;
	struct procfs_creds c;
	char path[600];
	int r, fd, dirfd;

	if (a == NULL)
		return pts_errf(err, PTS_ENOTSUP, "unsupported_host",
		    "The live backend does not know this machine's "
		    "page-table layout.");
	if ((dirfd = ps_open_dir(proc_root, pid, err)) < 0)
		return dirfd;
	if ((r = ps_check_target(dirfd, pid, &st, err)) < 0 ||
	    (r = procfs_creds_readat(dirfd, &c, err)) < 0 ||
	    (check && (r = check(ctx, pid, &c, err)) < 0) ||
	    (r = fd = ps_open_pagemap(dirfd, pid, st.comm, err)) < 0) {
		close(dirfd);
		return r;
	}
	ps = xcalloc(1, sizeof *ps);
	ps->base.ops = &procfs_space_ops;
	ps->base.arch = a;
	ps->base.live = true;
	snprintf(ps->base.label, sizeof ps->base.label, "%s", st.comm);
	ps->proc_root = xstrdup(proc_root);
	ps->pid = pid;
	ps->dirfd = dirfd;
	ps->creds = c;
	ps->check = check;
	ps->check_ctx = ctx;
	ps->start_time = st.start_time;
	snprintf(ps->comm, sizeof ps->comm, "%s", st.comm);
	ps->sc.pagemap_fd = fd;
	ps->pagemap_probe = ps_pagemap_probe(fd);
	ps->sc.page_shift = a->page_shift;
	ps->sc.force_pread = getenv("PTSCOPE_FORCE_PREAD") != NULL;
	snprintf(ps->sc.smaps, sizeof ps->sc.smaps, "%s/%d/smaps", proc_root,
	    (int)pid);
	ps->one_pass = getenv("PTSCOPE_ONE_PASS") != NULL;
	snprintf(path, sizeof path, "%s/kpageflags", proc_root);
	ps->sc.kpageflags_fd = open(path, O_RDONLY | O_CLOEXEC);
	ps->pfn_visible = procfs_pfn_visible(proc_root);
	if ((r = ps_refresh(&ps->base, err)) < 0) {
		ps_free(&ps->base);
		return r;
	}
	*out = &ps->base;
	return 0;
}

int
procfs_space_new(const char *proc_root, int pid, struct space **out,
    struct pts_err *err)
{
	return procfs_space_new_checked(proc_root, pid, NULL, NULL, out, err);
}

int
procfs_space_creds(const struct space *s, struct procfs_creds *out,
    struct pts_err *err)
{
	const struct procfs_space *ps = (const struct procfs_space *)s;

	if (s == NULL || s->ops != &procfs_space_ops)
		return 1;
	*out = ps->creds;
	if (ps->denied) {
		if (err)
			*err = ps->why_denied;
		return ps->why_denied.code;
	}
	return 0;
}

int
procfs_space_pid(const struct space *s)
{
	if (s == NULL || s->ops != &procfs_space_ops)
		return -1;
	return ((const struct procfs_space *)s)->pid;
}

/* Whether the process attached is still alive (through its held dir). */
static bool
ps_same_process(const struct procfs_space *ps, struct procfs_stat *st)
{
	return procfs_stat_readat(ps->dirfd, ps->pid, st, NULL) == 0 &&
	    st->start_time == ps->start_time && st->state != 'Z' &&
	    st->state != 'X';
}

bool
procfs_space_status_now(const struct space *s, struct procfs_status_now *out)
{
	const struct procfs_space *ps = (const struct procfs_space *)s;
	struct procfs_stat st;

	if (s == NULL || s->ops != &procfs_space_ops ||
	    !ps_same_process(ps, &st))
		return false;
	memset(out, 0, sizeof *out);
	snprintf(out->comm, sizeof out->comm, "%s", st.comm);
	/* through the held /proc/PID: this process's numbers, or none */
	return procfs_status_kb_at(ps->dirfd, "status", "VmPTE",
	    &out->vm_pte_kb) && procfs_status_kb_at(ps->dirfd, "status",
	    "VmRSS", &out->rss_kb);
}
