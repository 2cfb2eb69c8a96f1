/* SPDX-License-Identifier: MIT */
/* procfs-scan.c: PAGEMAP_SCAN ranges, with a batched pread() fallback. */
#include "config.h"
#include "procfs-scan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "xalloc.h"

#define SCAN_VEC	1024		/* regions per ioctl */
#define PREAD_TABLES	64		/* pte tables' worth of words per pread */

void
procfs_runs_add(struct procfs_runs *r, uint64_t start, uint64_t end,
    uint32_t cats)
{
	struct procfs_run *last = r->n ? &r->v[r->n - 1] : NULL;

	if (last && last->end == start && last->cats == cats) {
		last->end = end;
		return;
	}
	r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof *r->v);
	r->v[r->n].start = start;
	r->v[r->n].end = end;
	r->v[r->n].cats = cats;
	r->n++;
}

void
procfs_runs_release(struct procfs_runs *r)
{
	free(r->v);
	memset(r, 0, sizeof *r);
}

uint32_t
procfs_scan_word_cats(uint64_t w)
{
	uint32_t c = 0;

	if (w & PM_PRESENT)
		c |= PSC_PRESENT;
	if (w & PM_SWAP)
		c |= PSC_SWAPPED;
	if (!(w & (PM_PRESENT | PM_SWAP)))
		return 0;
	if (w & PM_FILE)
		c |= PSC_FILE;
	if (w & PM_SOFT_DIRTY)
		c |= PSC_SOFT_DIRTY;
	if (w & PM_GUARD_REGION)
		c |= PSC_GUARD;
	return c;
}

/* One PAGEMAP_SCAN call over [start, end) asking for return_mask. */
static int
scan_ioctl_once(int fd, uint64_t start, uint64_t end, uint32_t mask,
    struct pts_page_region *vec, uint64_t *walk_end)
{
	struct pts_pm_scan_arg a;
	int r;

	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.start = start;
	a.end = end;
	a.vec = (uint64_t)(uintptr_t)vec;
	a.vec_len = SCAN_VEC;
	a.category_anyof_mask = PSC_PRESENT | PSC_SWAPPED;
	a.return_mask = mask;
	do
		r = ioctl(fd, PTS_PAGEMAP_SCAN, &a);
	while (r < 0 && errno == EINTR);
	*walk_end = a.walk_end;
	return r;
}

/* Probe once whether the kernel knows PAGE_IS_GUARD (6.15+). */
static void
scan_probe_guard(struct procfs_scanner *s, uint64_t start)
{
	struct pts_page_region vec[SCAN_VEC];
	uint64_t we;

	s->probed = true;
	s->guard_cat = scan_ioctl_once(s->pagemap_fd, start,
	    start + (UINT64_C(1) << s->page_shift), PSC_RETURN, vec, &we) >= 0;
}

/* The PAGEMAP_SCAN path; returns 1 when the caller must fall back. */
static int
scan_ioctl(struct procfs_scanner *s, uint64_t start, uint64_t end,
    uint32_t want, struct procfs_runs *out, struct pts_err *err)
{
	struct pts_page_region *vec = xcalloc(SCAN_VEC, sizeof *vec);
	uint32_t mask = want & PSC_RETURN;
	uint64_t at = start, we;
	int r = 0;

	if (!s->probed && (mask & PSC_GUARD))
		scan_probe_guard(s, start);
	if (!s->guard_cat)
		mask &= ~PSC_GUARD;
	while (at < end) {
		int n = scan_ioctl_once(s->pagemap_fd, at, end, mask, vec, &we);

		if (n < 0) {
			if (at == start && (errno == ENOTTY || errno == EINVAL))
				r = 1;
			else if (errno == ESRCH || errno == ENOENT)
				/* the mm went away under us: the process is
				   exiting, not a scanner failure */
				r = pts_errf(err, PTS_EGONE, "process_exited",
				    "The process exited during the scan.");
			else
				r = pts_errf(err, PTS_EIO, "pagemap_scan_failed",
				    "PAGEMAP_SCAN failed at %#" PRIx64 ": %s.",
				    at, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			procfs_runs_add(out, vec[i].start, vec[i].end,
			    (uint32_t)vec[i].categories);
		if (we <= at)
			break;
		at = we;
	}
	free(vec);
	return r;
}

#define PTS_PROC_SUPER_MAGIC 0x9fa0	/* include/uapi/linux/magic.h */

/*
 * Whether the mm behind a pagemap fd is gone.  pagemap_read() answers 0
 * bytes (EOF) once mmget_not_zero() fails, and older kernels ESRCH, while
 * a live mm answers every offset below TASK_SIZE: the word of page 0.
 * A pagemap outside procfs (a --proc-root fixture) ends where it ends.
 */
static bool
scan_mm_gone(int fd)
{
	struct statfs fs;
	uint64_t w0;
	ssize_t k;

	while ((k = pread(fd, &w0, 8, 0)) < 0 && errno == EINTR)
		;
	if (k < 0)
		return errno == ESRCH || errno == ENOENT;
	return k == 0 && fstatfs(fd, &fs) == 0 &&
	    fs.f_type == PTS_PROC_SUPER_MAGIC;
}

/*
 * pread exactly n words at page index pg; short at EOF past TASK_SIZE
 * (zero-filled).  An exiting process is PTS_EGONE "process_exited", as on
 * the PAGEMAP_SCAN path.
 */
static int
scan_pread(int fd, uint64_t pg, size_t n, uint64_t *w, struct pts_err *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (char *)w + got * 8, (n - got) * 8,
		    (off_t)((pg + got) * 8));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = errno;

			if (scan_mm_gone(fd))
				return pts_errf(err, PTS_EGONE,
				    "process_exited",
				    "The process exited during the scan.");
			if (k < 0)
				return pts_errf(err, PTS_EIO,
				    "pagemap_read_failed", "Reading pagemap "
				    "failed: %s.", strerror(e));
			break;
		}
		got += (size_t)k / 8;
	}
	memset(w + got, 0, (n - got) * 8);
	return 0;
}

bool
procfs_scan_kpageflags(struct procfs_scanner *s, uint64_t pfn, uint64_t *f)
{
	*f = 0;
	if (s->kpageflags_fd < 0 || pfn == 0)
		return false;
	return pread(s->kpageflags_fd, f, 8, (off_t)(pfn * 8)) == 8;
}

/* What the pread path knows of one pmd span. */
enum scan_span { SPAN_PTES, SPAN_HUGE, SPAN_HUGE_ZERO };

/*
 * The pmd-mapped huge pages smaps counts in the VMA holding va: the kernel
 * adds HPAGE_PMD_SIZE to AnonHugePages, ShmemPmdMapped or FilePmdMapped
 * for each PMD mapping only (smaps_pmd_entry(), fs/proc/task_mmu.c), never
 * for a huge page mapped by ptes, nor for the huge zero page.  Returns
 * the count, or -1 when smaps cannot be read (then every candidate counts).
 */
static long
scan_smaps_pmd_mapped(const char *path, uint64_t va, uint64_t pmd_size,
    uint64_t *vma_start, uint64_t *vma_end)
{
	FILE *f = path[0] ? fopen(path, "re") : NULL;
	char line[4096];
	bool in = false;
	uint64_t kb = 0, a, b, v;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		size_t hex = strspn(line, "0123456789abcdef");

		/* a VMA header: "start-end perms offset dev inode path" */
		if (hex > 0 && line[hex] == '-' && sscanf(line, "%" SCNx64
		    "-%" SCNx64 " ", &a, &b) == 2) {
			if (in)
				break;
			in = va >= a && va < b;
			*vma_start = a;
			*vma_end = b;
			continue;
		}
		if (in && (sscanf(line, "AnonHugePages: %" SCNu64, &v) == 1 ||
		    sscanf(line, "ShmemPmdMapped: %" SCNu64, &v) == 1 ||
		    sscanf(line, "FilePmdMapped: %" SCNu64, &v) == 1))
			kb += v;
	}
	fclose(f);
	if (!in)
		return -1;
	return (long)(kb * 1024 / pmd_size);
}

/* The pmd-mapped budget of the VMA around va (cached per VMA). */
struct scan_budget {
	uint64_t start, end;	/* the VMA the budget is for; end 0: none */
	long left;		/* pmd mappings not yet given out, -1: any */
};

/* Whether one more huge candidate at va can be a PMD mapping. */
static bool
scan_budget_take(struct procfs_scanner *s, struct scan_budget *b,
    uint64_t va, uint64_t pmd_size)
{
	if (b->end == 0 || va < b->start || va >= b->end) {
		b->start = b->end = 0;
		b->left = scan_smaps_pmd_mapped(s->smaps, va, pmd_size,
		    &b->start, &b->end);
		if (b->end == 0)
			b->end = va + 1;
	}
	if (b->left < 0)
		return true;
	if (b->left == 0)
		return false;
	b->left--;
	return true;
}

/*
 * What the n words of one pmd span hold.  n consecutive PFNs of one
 * compound THP or hugetlb page from its head may still be mapped by ptes
 * (a PMD split that left the folio whole), which pagemap cannot tell from
 * a PMD mapping: smaps' *PmdMapped counts decide.  The huge zero page
 * (kpageflags KPF_ZERO_PAGE with KPF_THP, stable_page_flags()) is mapped
 * by a pmd only.
 */
static enum scan_span
scan_words_huge(struct procfs_scanner *s, struct scan_budget *b,
    uint64_t va, const uint64_t *w, size_t n)
{
	uint64_t pfn0 = w[0] & PM_PFN_MASK, kf;

	if (!(w[0] & PM_PRESENT) || pfn0 == 0 || (pfn0 & (n - 1)) != 0)
		return SPAN_PTES;
	for (size_t i = 1; i < n; i++)
		if (!(w[i] & PM_PRESENT) || (w[i] & PM_PFN_MASK) != pfn0 + i)
			return SPAN_PTES;
	if (!procfs_scan_kpageflags(s, pfn0, &kf))
		return SPAN_PTES;
	if (!(kf & (UINT64_C(1) << KPF_COMPOUND_HEAD)) ||
	    !(kf & ((UINT64_C(1) << KPF_THP) | (UINT64_C(1) << KPF_HUGE))))
		return SPAN_PTES;
	if (kf & (UINT64_C(1) << KPF_ZERO_PAGE))
		return SPAN_HUGE_ZERO;
	return scan_budget_take(s, b, va, (uint64_t)n << s->page_shift) ?
	    SPAN_HUGE : SPAN_PTES;
}

/* Categories in want of word i of a pmd-aligned chunk, with HUGE and
   PFNZERO (kpageflags is read for PFNZERO only when want has it). */
static uint32_t
scan_word_full(struct procfs_scanner *s, uint64_t w, bool huge,
    uint32_t want)
{
	uint32_t c = procfs_scan_word_cats(w) & want;
	uint64_t kf;

	if ((c & PSC_PRESENT) && huge)
		c |= PSC_HUGE & want;
	if ((c & PSC_PRESENT) && !huge && (want & PSC_PFNZERO) &&
	    !(w & PM_FILE) &&
	    !(w & PM_MMAP_EXCLUSIVE) && procfs_scan_kpageflags(s, w & PM_PFN_MASK, &kf) &&
	    (kf & (UINT64_C(1) << KPF_ZERO_PAGE)))
		c |= PSC_PFNZERO;
	return c;
}

/* The pread path: words in batches of whole pte tables. */
static int
scan_pread_all(struct procfs_scanner *s, uint64_t start, uint64_t end,
    uint32_t want, struct procfs_runs *out, struct pts_err *err)
{
	size_t per = (size_t)1 << (s->page_shift - 3);	/* entries/table */
	size_t batch = per * PREAD_TABLES;
	uint64_t *w = xmalloc(batch * 8), pg = start >> s->page_shift;
	uint64_t last = (end - 1) >> s->page_shift;
	struct scan_budget budget = { 0, 0, 0 };
	int r = 0;

	while (pg <= last) {
		size_t n = batch - (size_t)(pg & (per - 1));

		if (n > last - pg + 1)
			n = (size_t)(last - pg + 1);
		if ((r = scan_pread(s->pagemap_fd, pg, n, w, err)) < 0)
			break;
		for (size_t i = 0; i < n;) {
			size_t chunk = per - (size_t)((pg + i) & (per - 1));
			enum scan_span span = SPAN_PTES;

			if (chunk > n - i)
				chunk = n - i;
			if (chunk == per)
				span = scan_words_huge(s, &budget,
				    (pg + i) << s->page_shift, w + i, per);
			for (size_t j = i; j < i + chunk; j++) {
				uint32_t c = scan_word_full(s, w[j],
				    span != SPAN_PTES, want);

				/* the huge zero page: pagemap says PM_FILE
				   (not anon), PAGEMAP_SCAN says PFNZERO */
				if (span == SPAN_HUGE_ZERO && c)
					c = (c & ~(uint32_t)PSC_FILE) |
					    (PSC_PFNZERO & want);

				if (c)
					procfs_runs_add(out,
					    (pg + j) << s->page_shift,
					    (pg + j + 1) << s->page_shift, c);
			}
			i += chunk;
		}
		pg += n;
	}
	free(w);
	return r;
}

/* The ioctl when it may be used: <= 0 done (0 ok), 1 use the fallback. */
static int
scan_try_ioctl(struct procfs_scanner *s, uint64_t start, uint64_t end,
    uint32_t want, struct procfs_runs *out, struct pts_err *err)
{
	int r = 1;

	if (!s->force_pread)
		r = scan_ioctl(s, start, end, want, out, err);
	s->used_ioctl = r <= 0;
	return r;
}

int
procfs_scan_cats(struct procfs_scanner *s, uint64_t start, uint64_t end,
    uint32_t want, struct procfs_runs *out, struct pts_err *err)
{
	int r;

	if (start >= end)
		return 0;
	if ((r = scan_try_ioctl(s, start, end, want, out, err)) <= 0)
		return r;
	return scan_pread_all(s, start, end, want, out, err);
}

int
procfs_scan_cats_in(struct procfs_scanner *s, const struct procfs_vmas *l,
    uint64_t start, uint64_t end, uint32_t want, struct procfs_runs *out,
    struct pts_err *err)
{
	int r;

	if (start >= end)
		return 0;
	if ((r = scan_try_ioctl(s, start, end, want, out, err)) <= 0)
		return r;
	for (size_t i = 0; i < l->n; i++) {
		uint64_t a = l->v[i].start > start ? l->v[i].start : start;
		uint64_t b = l->v[i].end < end ? l->v[i].end : end;

		if (a < b && (r = scan_pread_all(s, a, b, want, out, err)) < 0)
			return r;
	}
	return 0;
}

int
procfs_scan(struct procfs_scanner *s, uint64_t start, uint64_t end,
    struct procfs_runs *out, struct pts_err *err)
{
	return procfs_scan_cats(s, start, end, PSC_RETURN, out, err);
}

int
procfs_scan_vmas(struct procfs_scanner *s, const struct procfs_vmas *l,
    uint32_t want, struct procfs_runs *out, struct pts_err *err)
{
	if (l->n == 0)
		return 0;
	return procfs_scan_cats_in(s, l, l->v[0].start, l->v[l->n - 1].end,
	    want, out, err);
}

int
procfs_scan_refine(struct procfs_scanner *s, struct procfs_runs *runs,
    uint32_t which, uint32_t want, struct pts_err *err)
{
	struct procfs_runs out = { 0, 0, NULL };
	int r = 0;

	for (size_t i = 0; r == 0 && i < runs->n; i++) {
		const struct procfs_run *x = &runs->v[i];

		if (x->cats & which)
			r = procfs_scan_cats(s, x->start, x->end, want, &out,
			    err);
		else
			procfs_runs_add(&out, x->start, x->end, x->cats);
	}
	if (r < 0) {
		procfs_runs_release(&out);
		return r;
	}
	procfs_runs_release(runs);
	*runs = out;
	return 0;
}

int
procfs_scan_detail(struct procfs_scanner *s, uint64_t va, size_t n,
    uint64_t *words, struct pts_err *err)
{
	return scan_pread(s->pagemap_fd, va >> s->page_shift, n, words, err);
}
