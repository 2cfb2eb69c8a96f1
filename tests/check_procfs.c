/* SPDX-License-Identifier: MIT */
/* check_procfs.c: unit tests of the live backend (maps, scan, tree). */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "procfs.h"
#include "procfs-space.h"
#include "procfs-maps.h"
#include "procfs-scan.h"
#include "procfs-tree.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* ---- maps parser ---------------------------------------------------- */

START_TEST(maps_file_line)
{
	struct procfs_vma v;

	ck_assert_int_eq(procfs_maps_parse_line("56046af03000-56046af04000 "
	    "r-xp 00001000 fe:00 10953446                   "
	    "/usr/local/bin/probe\n", &v, NULL), 0);
	ck_assert_uint_eq(v.start, 0x56046af03000);
	ck_assert_uint_eq(v.end, 0x56046af04000);
	ck_assert_str_eq(v.perms, "r-xp");
	ck_assert_uint_eq(v.offset, 0x1000);
	ck_assert_uint_eq(v.dev_major, 0xfe);
	ck_assert_uint_eq(v.dev_minor, 0);
	ck_assert_uint_eq(v.inode, 10953446);
	ck_assert_str_eq(v.name, "/usr/local/bin/probe");
	ck_assert(!v.deleted);
	free(v.name);
}
END_TEST

START_TEST(maps_spaces_deleted)
{
	struct procfs_vma v;

	ck_assert_int_eq(procfs_maps_parse_line("7f0000000000-7f0000002000 "
	    "rw-s 00003000 00:05 123                        "
	    "/tmp/my  file (deleted)", &v, NULL), 0);
	ck_assert_str_eq(v.name, "/tmp/my  file (deleted)");
	ck_assert(v.deleted);
	ck_assert_str_eq(v.perms, "rw-s");
	ck_assert_uint_eq(v.offset, 0x3000);
	ck_assert_uint_eq(v.dev_minor, 5);
	free(v.name);
}
END_TEST

START_TEST(maps_unnamed_trailing_space)
{
	struct procfs_vma v;

	ck_assert_int_eq(procfs_maps_parse_line("7f33d9a00000-7f33d9e00000 "
	    "rw-p 00000000 00:00 0 \n", &v, NULL), 0);
	ck_assert_ptr_null(v.name);
	ck_assert_uint_eq(v.inode, 0);
	ck_assert_uint_eq(v.end - v.start, 4 * MiB);
}
END_TEST

START_TEST(maps_vsyscall)
{
	struct procfs_vma v;

	ck_assert_int_eq(procfs_maps_parse_line("ffffffffff600000-"
	    "ffffffffff601000 --xp 00000000 00:00 0                  "
	    "[vsyscall]", &v, NULL), 0);
	ck_assert_uint_eq(v.start, UINT64_C(0xffffffffff600000));
	ck_assert_uint_eq(v.end, UINT64_C(0xffffffffff601000));
	ck_assert_str_eq(v.perms, "--xp");
	ck_assert_str_eq(v.name, "[vsyscall]");
	free(v.name);
}
END_TEST

START_TEST(maps_bad_lines)
{
	static const char *const bad[] = {
		"",
		"zz-1000 r--p 00000000 00:00 0",
		"2000-1000 r--p 00000000 00:00 0 ",
		"1000-2000 rwxq 00000000 00:00 0 ",
		"1000-2000 r--p 00000000 00:00",
		"1000-2000 r--p 00000000 0000 0 ",
		"1000-2000 r--p 00000000 00:00 12x",
		"11112222333344445-11112222333344446 r--p 0 00:00 0",
	};
	struct procfs_vma v;
	struct pts_err e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&e, 0, sizeof e);
		ck_assert_msg(procfs_maps_parse_line(bad[i], &v, &e) ==
		    PTS_EINVAL, "accepted \"%s\"", bad[i]);
		ck_assert_str_eq(e.id, "bad_maps_line");
	}
}
END_TEST

START_TEST(maps_whole_file)
{
	struct procfs_vmas l;
	struct pts_err e;

	ck_assert_int_eq(procfs_maps_parse(
	    "00400000-00401000 r-xp 00000000 08:01 42 /bin/x\n"
	    "00601000-00602000 rw-p 00001000 08:01 42 /bin/x\n"
	    "01000000-01021000 rw-p 00000000 00:00 0                          [heap]\n"
	    "7ffedbfc9000-7ffedbfea000 rw-p 00000000 00:00 0                          [stack]\n",
	    &l, NULL), 0);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.v[2].name, "[heap]");
	ck_assert_int_eq(procfs_vmas_find(&l, 0x01000fff), 2);
	ck_assert_int_eq(procfs_vmas_find(&l, 0x00401000), -1);
	ck_assert_int_eq(procfs_vmas_find(&l, 0x7ffedbfe9fff), 3);
	procfs_vmas_release(&l);
	ck_assert_int_eq(procfs_maps_parse(
	    "00601000-00602000 rw-p 00001000 08:01 42 /bin/x\n"
	    "00400000-00401000 r-xp 00000000 08:01 42 /bin/x\n", &l, &e),
	    PTS_EINVAL);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

/* ---- tree reconstruction from synthetic ranges ---------------------- */

/* Add a VMA to a list. */
static void
add_vma(struct procfs_vmas *l, uint64_t s, uint64_t e, const char *perms,
    uint64_t inode, const char *name, uint64_t page_size)
{
	struct procfs_vma *v;

	l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
	v = &l->v[l->n++];
	memset(v, 0, sizeof *v);
	v->start = s;
	v->end = e;
	memcpy(v->perms, perms, 5);
	v->inode = inode;
	v->name = name ? strdup(name) : NULL;
	v->page_size = page_size;
	l->cap = l->n;
}

#define A0 UINT64_C(0x7f0000000000)

/*
 * The layout (x86_64-4l; pgd index of A0 is A0 >> 39 = 254):
 *   /bin/x r-xp [0x10000, 0x11000): one present file page
 *   anon rw-p [A0, A0 + 8 MiB): pages 0,1,2 and 100 present; a PMD-mapped
 *   THP at A0 + 2 MiB; at A0 + 6 MiB one swapped page and one guard marker.
 * Tables: pte tables for the 2 MiB spans at 0, A0 and A0 + 6 MiB (3); pmd
 * tables for the 1 GiB spans at 0 and A0 (2); pud tables for the 512 GiB
 * spans at 0 and A0 (2); the pgd: 8 in all.  VmPTE counts 7 of them (not
 * the pgd) plus the pte table the kernel deposits under the anonymous THP.
 */
static void
build_model(struct procfs_model *m)
{
	struct procfs_vmas l = { 0, 0, NULL };
	struct procfs_runs r = { 0, 0, NULL };

	add_vma(&l, 0x10000, 0x11000, "r-xp", 42, "/bin/x", 0);
	add_vma(&l, A0, A0 + 8 * MiB, "rw-p", 0, NULL, 0);
	procfs_runs_add(&r, 0x10000, 0x11000, PSC_PRESENT | PSC_FILE);
	procfs_runs_add(&r, A0, A0 + 3 * 4096, PSC_PRESENT);
	procfs_runs_add(&r, A0 + 100 * 4096, A0 + 101 * 4096, PSC_PRESENT);
	procfs_runs_add(&r, A0 + 2 * MiB, A0 + 4 * MiB,
	    PSC_PRESENT | PSC_HUGE);
	procfs_runs_add(&r, A0 + 6 * MiB, A0 + 6 * MiB + 4096, PSC_SWAPPED);
	procfs_runs_add(&r, A0 + 6 * MiB + 4096, A0 + 6 * MiB + 8192,
	    PSC_SWAPPED | PSC_GUARD);
	procfs_model_build(m, arch_find("x86_64-4l"), &l, &r);
	procfs_runs_release(&r);
}

START_TEST(tree_counts)
{
	struct procfs_model m;
	struct pt_node *n = NULL;

	build_model(&m);
	ck_assert_uint_eq(m.tables[0], 1);
	ck_assert_uint_eq(m.tables[1], 2);	/* pud */
	ck_assert_uint_eq(m.tables[2], 2);	/* pmd */
	ck_assert_uint_eq(m.tables[3], 3);	/* pte */
	ck_assert_uint_eq(m.deposits, 1);
	ck_assert_uint_eq(procfs_model_vmpte_tables(&m), 8);
	ck_assert_uint_eq(m.thp_bytes, 2 * MiB);
	ck_assert_uint_eq(m.vmas.v[1].present_pages, 4 + 512);
	ck_assert_uint_eq(m.vmas.v[1].swapped_pages, 1);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PGD, 0, 0, &n, NULL),
	    0);
	ck_assert(!n->expanded);
	ck_assert_uint_eq(n->nchildren, 0);
	ck_assert_uint_eq(n->stats.present_pages, 1 + 4 + 512);
	ck_assert_uint_eq(n->stats.swapped_pages, 1);
	ck_assert_uint_eq(n->stats.blocks, 1);
	ck_assert_uint_eq(n->stats.tables, 8);
	ck_assert_uint_eq(n->span, UINT64_C(1) << 48);
	pt_node_free(n);
	procfs_model_release(&m);
}
END_TEST

START_TEST(tree_root_depth2)
{
	struct procfs_model m;
	struct pt_node *n = NULL, *pud;

	build_model(&m);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PGD, 0, 2, &n, NULL),
	    0);
	ck_assert(n->expanded);
	ck_assert_uint_eq(n->nchildren, 2);
	ck_assert_uint_eq(n->children[0].index, 0);
	ck_assert_uint_eq(n->children[1].index, 254);
	ck_assert_int_eq(n->children[1].kind, PT_KIND_TABLE);
	ck_assert_uint_eq(n->children[1].va, A0);
	pud = n->children[1].table;
	ck_assert_int_eq(pud->level, PT_PUD);
	ck_assert(pud->expanded);
	ck_assert_uint_eq(pud->stats.tables, 4);	/* pud, pmd, 2 pte */
	ck_assert_uint_eq(pud->stats.present_pages, 516);
	ck_assert_uint_eq(pud->nchildren, 1);
	ck_assert_uint_eq(pud->children[0].index, 0);
	ck_assert(!pud->children[0].table->expanded);
	ck_assert_uint_eq(pud->children[0].table->stats.tables, 3);
	ck_assert_uint_eq(n->children[0].table->stats.tables, 3);
	ck_assert_uint_eq(n->children[0].table->stats.present_pages, 1);
	pt_node_free(n);
	procfs_model_release(&m);
}
END_TEST

START_TEST(tree_pmd_children)
{
	struct procfs_model m;
	struct pt_node *n = NULL;
	struct pt_child *c;

	build_model(&m);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PMD, A0 + 12345, 1,
	    &n, NULL), 0);
	ck_assert_uint_eq(n->va, A0);
	ck_assert_uint_eq(n->span, GiB);
	ck_assert_uint_eq(n->stats.tables, 3);
	ck_assert_uint_eq(n->stats.blocks, 1);
	ck_assert_uint_eq(n->nchildren, 3);
	c = n->children;
	ck_assert_uint_eq(c[0].index, 0);
	ck_assert_int_eq(c[0].kind, PT_KIND_TABLE);
	ck_assert_uint_eq(c[0].table->stats.present_pages, 4);
	ck_assert_uint_eq(c[1].index, 1);
	ck_assert_int_eq(c[1].kind, PT_KIND_BLOCK);
	ck_assert_uint_eq(c[1].size, 2 * MiB);
	ck_assert_uint_eq(c[1].entry, PT_UNKNOWN);
	ck_assert_uint_eq(c[1].pa, PT_UNKNOWN);
	ck_assert_uint_eq(c[1].flags, PTF_PRESENT | PTF_READ | PTF_WRITE |
	    PTF_USER | PTF_ANON | PTF_THP);
	ck_assert_uint_eq(c[2].index, 3);
	ck_assert_uint_eq(c[2].table->stats.swapped_pages, 1);
	ck_assert_uint_eq(c[2].table->stats.present_pages, 0);
	pt_node_free(n);
	procfs_model_release(&m);
}
END_TEST

START_TEST(tree_pte_children)
{
	static const unsigned want[] = { 0, 1, 2, 100 };
	struct procfs_model m;
	struct pt_node *n = NULL;

	build_model(&m);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PTE, A0 + 0x1fffff, 1,
	    &n, NULL), 0);
	ck_assert_uint_eq(n->va, A0);
	ck_assert_uint_eq(n->stats.present_pages, 4);
	ck_assert_uint_eq(n->stats.tables, 1);
	ck_assert_uint_eq(n->nchildren, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(n->children[i].index, want[i]);
		ck_assert_uint_eq(n->children[i].va, A0 + want[i] * 4096);
		ck_assert_int_eq(n->children[i].kind, PT_KIND_PAGE);
		ck_assert_uint_eq(n->children[i].flags, PTF_PRESENT |
		    PTF_READ | PTF_WRITE | PTF_USER | PTF_ANON);
	}
	pt_node_free(n);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PTE, A0 + 6 * MiB, 1,
	    &n, NULL), 0);
	ck_assert_uint_eq(n->nchildren, 2);
	ck_assert_int_eq(n->children[0].kind, PT_KIND_SWAP);
	ck_assert_uint_eq(n->children[0].flags, PTF_READ | PTF_WRITE |
	    PTF_USER | PTF_SWAPPED | PTF_ANON);
	ck_assert_int_eq(n->children[1].kind, PT_KIND_SWAP);
	ck_assert_uint_eq(n->children[1].flags, PTF_READ | PTF_WRITE |
	    PTF_USER | PTF_GUARD);
	pt_node_free(n);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PTE, 0x10000, 1, &n,
	    NULL), 0);
	ck_assert_uint_eq(n->nchildren, 1);
	ck_assert_uint_eq(n->children[0].index, 16);
	ck_assert_uint_eq(n->children[0].flags, PTF_PRESENT | PTF_READ |
	    PTF_EXEC | PTF_USER | PTF_FILE);
	ck_assert_str_eq(n->children[0].attrs, "/bin/x");
	pt_node_free(n);
	procfs_model_release(&m);
}
END_TEST

START_TEST(tree_errors)
{
	struct procfs_model m;
	struct pt_node *n = NULL;
	struct pts_err e;

	build_model(&m);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PTE, A0 + 2 * MiB, 1,
	    &n, &e), PTS_ENOENT);	/* a block, no pte table */
	ck_assert_str_eq(e.id, "no_such_table");
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PTE, A0 + 8 * MiB, 1,
	    &n, &e), PTS_ENOENT);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PMD, A0 + GiB, 1,
	    &n, &e), PTS_ENOENT);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_P4D, 0, 1, &n, &e),
	    PTS_EINVAL);	/* folded on 4-level */
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PUD,
	    UINT64_C(0x0000800000000000), 1, &n, &e), PTS_EINVAL);
	ck_assert_int_eq(procfs_model_tree(&m, NULL, PT_PUD,
	    UINT64_C(0xffff888000000000), 1, &n, &e), PTS_ENOENT);
	ck_assert_ptr_null(n);
	procfs_model_release(&m);
}
END_TEST

START_TEST(tree_walks)
{
	struct procfs_model m;
	struct pt_walk w;
	struct pts_err e;

	build_model(&m);
	ck_assert_int_eq(procfs_model_walk(&m, NULL, A0 + 5, &w, NULL), 0);
	ck_assert(w.mapped);
	ck_assert_uint_eq(w.nsteps, 4);
	ck_assert_uint_eq(w.steps[0].index, 254);
	ck_assert_int_eq(w.steps[0].kind, PT_KIND_TABLE);
	ck_assert_int_eq(w.steps[3].level, PT_PTE);
	ck_assert_int_eq(w.steps[3].kind, PT_KIND_PAGE);
	ck_assert_uint_eq(w.page_size, 4096);
	ck_assert_uint_eq(w.pa, PT_UNKNOWN);
	ck_assert_uint_eq(w.steps[3].entry, PT_UNKNOWN);
	ck_assert_int_eq(procfs_model_walk(&m, NULL, A0 + 0x3000, &w, NULL), 0);
	ck_assert(!w.mapped);
	ck_assert_uint_eq(w.nsteps, 4);
	ck_assert_uint_eq(w.steps[3].index, 3);
	ck_assert_int_eq(w.steps[3].kind, PT_KIND_NONE);
	ck_assert_int_eq(procfs_model_walk(&m, NULL, A0 + 2 * MiB + 0x1234,
	    &w, NULL), 0);
	ck_assert(w.mapped);
	ck_assert_uint_eq(w.nsteps, 3);
	ck_assert_int_eq(w.steps[2].kind, PT_KIND_BLOCK);
	ck_assert_uint_eq(w.steps[2].index, 1);
	ck_assert_uint_eq(w.page_size, 2 * MiB);
	ck_assert_int_eq(procfs_model_walk(&m, NULL, A0 + 6 * MiB, &w, NULL),
	    0);
	ck_assert(!w.mapped);
	ck_assert_int_eq(w.steps[3].kind, PT_KIND_SWAP);
	ck_assert_int_eq(procfs_model_walk(&m, NULL, A0 + GiB, &w, NULL), 0);
	ck_assert_uint_eq(w.nsteps, 2);
	ck_assert_uint_eq(w.steps[1].index, 1);
	ck_assert_int_eq(w.steps[1].kind, PT_KIND_NONE);
	ck_assert_int_eq(procfs_model_walk(&m, NULL,
	    UINT64_C(0x0001000000000000), &w, &e), PTS_EINVAL);
	procfs_model_release(&m);
}
END_TEST

START_TEST(tree_ranges)
{
	struct procfs_model m;
	struct pt_ranges r = { 0 };

	build_model(&m);
	ck_assert_int_eq(procfs_model_ranges(&m, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r.n, 6);
	ck_assert_uint_eq(r.v[0].start, 0x10000);
	ck_assert_str_eq(r.v[0].attrs, "/bin/x");
	ck_assert_uint_eq(r.v[1].start, A0);
	ck_assert_uint_eq(r.v[1].pages, 3);
	ck_assert_int_eq(r.v[3].level, PT_PMD);
	ck_assert_uint_eq(r.v[3].pages, 512);
	ck_assert_uint_eq(r.v[5].flags & PTF_GUARD, PTF_GUARD);
	pt_ranges_release(&r);
	procfs_model_release(&m);
}
END_TEST

/* A run crossing two VMAs is split; 1 GiB hugetlb is a pud block. */
START_TEST(tree_hugetlb_1g_and_split)
{
	struct procfs_vmas l = { 0, 0, NULL };
	struct procfs_runs r = { 0, 0, NULL };
	struct procfs_model m;
	struct pt_walk w;

	add_vma(&l, 64 * GiB, 65 * GiB, "rw-s", 7, "/anon_hugepage (deleted)",
	    GiB);
	add_vma(&l, 65 * GiB, 65 * GiB + 8192, "r--p", 0, NULL, 0);
	procfs_runs_add(&r, 64 * GiB, 65 * GiB + 8192,
	    PSC_PRESENT | PSC_HUGE | PSC_FILE);
	procfs_model_build(&m, arch_find("x86_64-4l"), &l, &r);
	ck_assert_uint_eq(m.nsegs, 2);
	ck_assert_uint_eq(m.tables[1], 1);	/* pud */
	ck_assert_uint_eq(m.tables[2], 1);	/* pmd for the second VMA */
	ck_assert_uint_eq(m.tables[3], 1);
	ck_assert_uint_eq(m.thp_bytes, 0);
	ck_assert_int_eq(procfs_model_walk(&m, NULL, 64 * GiB + 77, &w, NULL),
	    0);
	ck_assert_uint_eq(w.nsteps, 2);
	ck_assert_int_eq(w.steps[1].kind, PT_KIND_BLOCK);
	ck_assert_uint_eq(w.steps[1].flags & PTF_HUGETLB, PTF_HUGETLB);
	ck_assert_uint_eq(w.page_size, GiB);
	procfs_runs_release(&r);
	procfs_model_release(&m);
}
END_TEST

/* ---- scanning our own memory ---------------------------------------- */

/* A 2 MiB-aligned 4 MiB anonymous region without THP. */
static char *
aligned_region(void)
{
	char *p = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	ck_assert_ptr_ne(p, MAP_FAILED);
	a = (char *)(((uintptr_t)p + 2 * MiB - 1) & ~(uintptr_t)(2 * MiB - 1));
	madvise(a, 4 * MiB, MADV_NOHUGEPAGE);
	return a;
}

/* Scan [a, a + 4 MiB) of ourselves with or without the ioctl. */
static void
scan_self(char *a, bool force_pread, struct procfs_runs *r, bool *used)
{
	struct procfs_scanner s;

	memset(&s, 0, sizeof s);
	s.pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	s.kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	s.page_shift = 12;
	s.force_pread = force_pread;
	ck_assert_int_ge(s.pagemap_fd, 0);
	ck_assert_int_eq(procfs_scan(&s, (uintptr_t)a, (uintptr_t)a + 4 * MiB,
	    r, NULL), 0);
	*used = s.used_ioctl;
	close(s.pagemap_fd);
	if (s.kpageflags_fd >= 0)
		close(s.kpageflags_fd);
}

START_TEST(scan_self_region)
{
	char *a = aligned_region();
	struct procfs_runs x = { 0, 0, NULL }, y = { 0, 0, NULL };
	uintptr_t b = (uintptr_t)a;
	bool used;

	ck_assert_int_eq(sysconf(_SC_PAGESIZE), 4096);
	a[0] = a[5 * 4096] = a[511 * 4096] = a[512 * 4096] = 1;
	a[519 * 4096] = 1;
	scan_self(a, false, &x, &used);
	ck_assert(used);
	ck_assert_uint_eq(x.n, 4);
	ck_assert_uint_eq(x.v[0].start, b);
	ck_assert_uint_eq(x.v[0].end, b + 4096);
	ck_assert_uint_eq(x.v[1].start, b + 5 * 4096);
	ck_assert_uint_eq(x.v[2].start, b + 511 * 4096);
	ck_assert_uint_eq(x.v[2].end, b + 513 * 4096);
	ck_assert_uint_eq(x.v[3].start, b + 519 * 4096);
	for (size_t i = 0; i < x.n; i++)
		ck_assert_uint_eq(x.v[i].cats & (PSC_PRESENT | PSC_SWAPPED |
		    PSC_HUGE | PSC_FILE), PSC_PRESENT);
	scan_self(a, true, &y, &used);
	ck_assert(!used);
	ck_assert_uint_eq(y.n, x.n);
	ck_assert_mem_eq(y.v, x.v, x.n * sizeof *x.v);
	procfs_runs_release(&x);
	procfs_runs_release(&y);
}
END_TEST

/* Scan [a, a + 4 MiB) of ourselves with smaps for the pread path. */
static void
scan_self_smaps(char *a, bool force_pread, struct procfs_runs *r)
{
	struct procfs_scanner s;

	memset(&s, 0, sizeof s);
	s.pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	s.kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	s.page_shift = 12;
	s.force_pread = force_pread;
	snprintf(s.smaps, sizeof s.smaps, "/proc/self/smaps");
	ck_assert_int_ge(s.pagemap_fd, 0);
	ck_assert_int_eq(procfs_scan(&s, (uintptr_t)a, (uintptr_t)a + 4 * MiB,
	    r, NULL), 0);
	close(s.pagemap_fd);
	if (s.kpageflags_fd >= 0)
		close(s.kpageflags_fd);
}

/* The categories both paths agree on must be equal run for run. */
static void
ck_same_runs(const struct procfs_runs *x, const struct procfs_runs *y)
{
	const uint32_t m = PSC_PRESENT | PSC_SWAPPED | PSC_HUGE | PSC_FILE |
	    PSC_PFNZERO;

	ck_assert_uint_eq(x->n, y->n);
	for (size_t i = 0; i < x->n; i++) {
		ck_assert_uint_eq(x->v[i].start, y->v[i].start);
		ck_assert_uint_eq(x->v[i].end, y->v[i].end);
		ck_assert_msg((x->v[i].cats & m) == (y->v[i].cats & m),
		    "run %zu: ioctl %#x, pread %#x", i, x->v[i].cats & m,
		    y->v[i].cats & m);
	}
}

/*
 * The pread fallback (kernels before 6.7, no PAGEMAP_SCAN) against
 * PAGEMAP_SCAN on huge pages:
 *  - a read fault in a MADV_HUGEPAGE area maps the huge zero page by pmd:
 *    pagemap says PM_FILE (not anon), kpageflags KPF_ZERO_PAGE|KPF_THP
 *    (fs/proc/page.c stable_page_flags()); PAGEMAP_SCAN reports
 *    PAGE_IS_PFNZERO|PAGE_IS_HUGE and no FILE;
 *  - after mprotect() of one page inside a THP the pmd is split but the
 *    folio stays whole: 512 consecutive PFNs from a compound head, now
 *    mapped by ptes; smaps' AnonHugePages (fs/proc/task_mmu.c
 *    smaps_pmd_entry(), pmd mappings only) tells them apart.
 * Skipped where THP is off (the ioctl shows no huge run).
 */
START_TEST(scan_pread_huge_pages)
{
	char *p = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = (char *)(((uintptr_t)p + 2 * MiB - 1) &
	    ~(uintptr_t)(2 * MiB - 1));
	struct procfs_runs x = { 0, 0, NULL }, y = { 0, 0, NULL };
	volatile char c;

	ck_assert_ptr_ne(p, MAP_FAILED);
	if (madvise(a, 4 * MiB, MADV_HUGEPAGE) != 0)
		return;
	c = a[0];			/* huge zero page, where enabled */
	(void)c;
	a[2 * MiB] = 1;			/* an anonymous THP */
	scan_self_smaps(a, false, &x);
	scan_self_smaps(a, true, &y);
	if (x.n == 0 || !(x.v[x.n - 1].cats & PSC_HUGE)) {
		procfs_runs_release(&x);
		procfs_runs_release(&y);
		munmap(p, 8 * MiB);
		return;			/* no THP here */
	}
	ck_same_runs(&x, &y);
	if (x.v[0].cats & PSC_PFNZERO)	/* the huge zero page was used */
		ck_assert_uint_eq(y.v[0].cats & (PSC_HUGE | PSC_FILE |
		    PSC_PFNZERO), PSC_HUGE | PSC_PFNZERO);
	procfs_runs_release(&x);
	procfs_runs_release(&y);
	/* split the THP's pmd, keep the folio: ptes over a whole THP */
	ck_assert_int_eq(mprotect(a + 2 * MiB + 4096, 4096, PROT_READ), 0);
	scan_self_smaps(a, false, &x);
	scan_self_smaps(a, true, &y);
	ck_assert(!(x.v[x.n - 1].cats & PSC_HUGE));
	ck_same_runs(&x, &y);
	procfs_runs_release(&x);
	procfs_runs_release(&y);
	munmap(p, 8 * MiB);
}
END_TEST

/*
 * A process that exits between attach and a scan: its pagemap fd (opened
 * while it lived) reads 0 bytes once the mm is gone (pagemap_read(),
 * mmget_not_zero() failing) and the ioctl fails with ESRCH.  Both paths
 * must say PTS_EGONE "process_exited" (the API's 404), never
 * pagemap_read_failed or an empty address space.
 */
START_TEST(scan_exited_process)
{
	for (int force = 0; force <= 1; force++) {
		struct procfs_scanner s;
		struct procfs_runs r = { 0, 0, NULL };
		struct pts_err err = { 0 };
		uint64_t w[4];
		char path[64];
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			pause();
			_exit(0);
		}
		memset(&s, 0, sizeof s);
		snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
		s.pagemap_fd = open(path, O_RDONLY);
		s.kpageflags_fd = -1;
		s.page_shift = 12;
		s.force_pread = force;
		ck_assert_int_ge(s.pagemap_fd, 0);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
		ck_assert_int_eq(procfs_scan(&s, 0x400000, 0x800000, &r, &err),
		    PTS_EGONE);
		ck_assert_str_eq(err.id, "process_exited");
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(procfs_scan_detail(&s, 0x400000, 4, w, &err),
		    PTS_EGONE);
		ck_assert_str_eq(err.id, "process_exited");
		procfs_runs_release(&r);
		close(s.pagemap_fd);
	}
}
END_TEST

/* Attach to ourselves: exact pte-table answers for a region we control. */
START_TEST(space_self)
{
	char *a = aligned_region();
	struct space *s = NULL;
	struct pt_node *n = NULL;
	struct pt_walk w;
	uint64_t gen;

	a[0] = a[3 * 4096] = a[200 * 4096] = 1;
	ck_assert_int_eq(procfs_space_new("/proc", getpid(), &s, NULL), 0);
	ck_assert_str_eq(s->ops->kind, "process");
	ck_assert(s->live);
	ck_assert_int_eq(procfs_space_pid(s), getpid());
	ck_assert_int_eq(s->ops->tree(s, PT_PTE, (uintptr_t)a, 1, &n, NULL), 0);
	ck_assert_uint_eq(n->stats.present_pages, 3);
	ck_assert_uint_eq(n->nchildren, 3);
	ck_assert_uint_eq(n->children[1].index, 3);
	ck_assert_uint_eq(n->children[2].index, 200);
	ck_assert_uint_eq(n->children[2].flags & (PTF_EXCLUSIVE | PTF_ANON |
	    PTF_WRITE), PTF_EXCLUSIVE | PTF_ANON | PTF_WRITE);
	pt_node_free(n);
	ck_assert_int_eq(s->ops->walk(s, (uintptr_t)a + 4096, &w, NULL), 0);
	ck_assert(!w.mapped);
	gen = s->generation;	/* (we change ourselves: no equality test) */
	a[1 * 4096] = 1;
	ck_assert_int_eq(s->ops->refresh(s, NULL), 0);
	ck_assert_uint_gt(s->generation, gen);
	ck_assert_int_eq(s->ops->walk(s, (uintptr_t)a + 4096, &w, NULL), 0);
	ck_assert(w.mapped);
	space_free(s);
}
END_TEST

START_TEST(space_errors)
{
	struct space *s = NULL;
	struct pts_err e;

	ck_assert_int_eq(procfs_space_new("/proc", 0, &s, &e), PTS_EINVAL);
	ck_assert_int_eq(procfs_space_new("/proc", 0x3ffffff0, &s, &e),
	    PTS_ENOENT);
	ck_assert_str_eq(e.id, "no_such_process");
	ck_assert_int_eq(procfs_space_new("/proc", 2, &s, &e), PTS_EINVAL);
	ck_assert_str_eq(e.id, "kernel_thread");
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(list_has_self)
{
	struct proc_entry *v = NULL;
	size_t n = 0;
	bool found = false;

	ck_assert_int_eq(procfs_list("/proc", &v, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == getpid()) {
			found = true;
			ck_assert(v[i].attachable);
			ck_assert(!v[i].kernel_thread);
			ck_assert_uint_gt(v[i].rss_kb, 0);
			ck_assert_uint_gt(v[i].vm_pte_kb, 0);
		} else if (v[i].pid == 2)
			ck_assert(v[i].kernel_thread);
	ck_assert(found);
	free(v);
}
END_TEST

static Suite *
procfs_suite(void)
{
	Suite *s = suite_create("procfs");
	TCase *t = tcase_create("maps");

	tcase_add_test(t, maps_file_line);
	tcase_add_test(t, maps_spaces_deleted);
	tcase_add_test(t, maps_unnamed_trailing_space);
	tcase_add_test(t, maps_vsyscall);
	tcase_add_test(t, maps_bad_lines);
	tcase_add_test(t, maps_whole_file);
	suite_add_tcase(s, t);
	t = tcase_create("tree");
	tcase_add_test(t, tree_counts);
	tcase_add_test(t, tree_root_depth2);
	tcase_add_test(t, tree_pmd_children);
	tcase_add_test(t, tree_pte_children);
	tcase_add_test(t, tree_errors);
	tcase_add_test(t, tree_walks);
	tcase_add_test(t, tree_ranges);
	tcase_add_test(t, tree_hugetlb_1g_and_split);
	suite_add_tcase(s, t);
	t = tcase_create("live");
	tcase_add_test(t, scan_self_region);
	tcase_add_test(t, scan_pread_huge_pages);
	tcase_add_test(t, scan_exited_process);
	tcase_add_test(t, space_self);
	tcase_add_test(t, space_errors);
	tcase_add_test(t, list_has_self);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(procfs_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
