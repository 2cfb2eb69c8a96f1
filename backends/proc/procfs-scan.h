/* SPDX-License-Identifier: MIT */
/*
 * procfs-scan.h: reading /proc/PID/pagemap as page ranges.
 *
 * procfs_scan() returns the non-empty pages (present or swap-format) of an
 * address range as runs of equal categories, without one entry per page:
 * by the PAGEMAP_SCAN ioctl (Linux 6.7+) or, when that fails with ENOTTY or
 * EINVAL (or force_pread is set), by batched pread() of the pagemap words.
 * procfs_scan_detail() reads the per-page words of one small range.
 */
#ifndef PTS_PROCFS_SCAN_H
#define PTS_PROCFS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "err.h"
#include "procfs-maps.h"

/* The kernel's PAGEMAP_SCAN ABI (include/uapi/linux/fs.h), under our own
   names so that newer system headers never clash. */
struct pts_page_region {
	uint64_t start, end, categories;
};
struct pts_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages,
	    category_inverted, category_mask, category_anyof_mask, return_mask;
};
_Static_assert(sizeof(struct pts_pm_scan_arg) == 96, "pm_scan_arg ABI");
_Static_assert(sizeof(struct pts_page_region) == 24, "page_region ABI");
#define PTS_PAGEMAP_SCAN	_IOWR('f', 16, struct pts_pm_scan_arg)

/* Category bits: the kernel's PAGE_IS_* values (we use them as-is). */
#define PSC_WPALLOWED	(1u << 0)
#define PSC_WRITTEN	(1u << 1)
#define PSC_FILE	(1u << 2)
#define PSC_PRESENT	(1u << 3)
#define PSC_SWAPPED	(1u << 4)
#define PSC_PFNZERO	(1u << 5)
#define PSC_HUGE	(1u << 6)
#define PSC_SOFT_DIRTY	(1u << 7)
#define PSC_GUARD	(1u << 8)	/* Linux 6.15+ */

/* pagemap word bits (fs/proc/task_mmu.c). */
#define PM_PFN_MASK		((UINT64_C(1) << 55) - 1)
#define PM_SOFT_DIRTY		(UINT64_C(1) << 55)
#define PM_MMAP_EXCLUSIVE	(UINT64_C(1) << 56)
#define PM_UFFD_WP		(UINT64_C(1) << 57)
#define PM_GUARD_REGION		(UINT64_C(1) << 58)
#define PM_FILE			(UINT64_C(1) << 61)
#define PM_SWAP			(UINT64_C(1) << 62)
#define PM_PRESENT		(UINT64_C(1) << 63)

/* kpageflags bits used here (include/uapi/linux/kernel-page-flags.h). */
#define KPF_COMPOUND_HEAD	15
#define KPF_HUGE		17
#define KPF_THP			22
#define KPF_ZERO_PAGE		24

/* A run of pages [start, end) with equal categories (PSC_*). */
struct procfs_run {
	uint64_t start, end;
	uint32_t cats;
};

struct procfs_runs {
	size_t n, cap;
	struct procfs_run *v;
};

void procfs_runs_add(struct procfs_runs *, uint64_t start, uint64_t end,
    uint32_t cats);
void procfs_runs_release(struct procfs_runs *);

/* How to scan: fds and what the kernel supports. */
struct procfs_scanner {
	int pagemap_fd;		/* /proc/PID/pagemap, read-only */
	int kpageflags_fd;	/* /proc/kpageflags or -1 */
	unsigned page_shift;
	bool force_pread;	/* never use the ioctl (tests, old kernels) */
	char smaps[64];		/* the pread path: /proc/PID/smaps, whose
				   *PmdMapped counts tell PMD-mapped huge
				   pages from PTE-mapped ones ("" = none) */
	bool used_ioctl;	/* out: the last scan used PAGEMAP_SCAN */
	bool guard_cat;		/* PSC_GUARD accepted by the kernel */
	bool probed;		/* guard_cat has been probed */
};

/* Categories returned by a full scan (both paths produce exactly these). */
#define PSC_RETURN (PSC_FILE | PSC_PRESENT | PSC_SWAPPED | PSC_PFNZERO | \
    PSC_HUGE | PSC_SOFT_DIRTY | PSC_GUARD)

/*
 * The categories the tree summary needs (present, swapped, guard and huge
 * ranges: which tables exist, their page and block counts).  None of them
 * makes the kernel look at a page's struct page (PAGE_IS_FILE does: it
 * needs vm_normal_page() and PageAnon() per pte), and fewer bits give longer
 * runs.  The rest of PSC_RETURN is read only for what a request expands.
 */
#define PSC_SUMMARY (PSC_PRESENT | PSC_SWAPPED | PSC_HUGE | PSC_GUARD)

/* Append the non-empty pages of [start, end) to *out as runs (PSC_RETURN). */
int procfs_scan(struct procfs_scanner *, uint64_t start, uint64_t end,
    struct procfs_runs *out, struct pts_err *err);

/* The same with only the categories in want (a subset of PSC_RETURN that
   holds PSC_PRESENT and PSC_SWAPPED); runs equal in those merge. */
int procfs_scan_cats(struct procfs_scanner *, uint64_t start, uint64_t end,
    uint32_t want, struct procfs_runs *out, struct pts_err *err);

/* procfs_scan_cats() of [start, end) clipped to the VMAs of the list in
   the pread fallback: pagemap words of a hole are zero, and a range from
   the libraries to a mapping above 2^46 would be tens of TiB of holes
   (gigabytes of words).  One ioctl over [start, end) otherwise. */
int procfs_scan_cats_in(struct procfs_scanner *, const struct procfs_vmas *,
    uint64_t start, uint64_t end, uint32_t want, struct procfs_runs *out,
    struct pts_err *err);

/* Scan every VMA of the list (one ioctl pass over the whole span; the pread
   fallback reads VMA by VMA, never the holes between them), asking for the
   categories in want. */
int procfs_scan_vmas(struct procfs_scanner *, const struct procfs_vmas *,
    uint32_t want, struct procfs_runs *out, struct pts_err *err);

/*
 * Replace each run in *runs that has a category of which by the runs of a
 * fresh scan of its range asking for want (the summary scan's PMD-mapped
 * huge runs get FILE and PFNZERO this way: one PMD each, not 512 ptes).
 */
int procfs_scan_refine(struct procfs_scanner *, struct procfs_runs *runs,
    uint32_t which, uint32_t want, struct pts_err *err);

/* Read the pagemap words of n pages from va into words[]. */
int procfs_scan_detail(struct procfs_scanner *, uint64_t va, size_t n,
    uint64_t *words, struct pts_err *err);

/* kpageflags of pfn, or 0 with false when unreadable. */
bool procfs_scan_kpageflags(struct procfs_scanner *, uint64_t pfn,
    uint64_t *flags);

/* Categories of one pagemap word (the pread path), without HUGE/PFNZERO. */
uint32_t procfs_scan_word_cats(uint64_t word);

#endif
