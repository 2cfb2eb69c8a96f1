/* SPDX-License-Identifier: MIT */
/*
 * check_bite: tests that kill the mutations a mutation round found
 * surviving (scripts/mutate.py, docs/reliability.md).  Expected values come
 * from the kernel's documents and headers, written here as literals, never
 * from our own macros:
 *   pagemap word: Documentation/admin-guide/mm/pagemap.rst (bit 55
 *     soft-dirty, 56 exclusively mapped, 57 uffd-wp, 58 guard region,
 *     61 file-page or shared-anon, 62 swapped, 63 present);
 *   PAGEMAP_SCAN categories: include/uapi/linux/fs.h (PAGE_IS_FILE 1<<2,
 *     PAGE_IS_PRESENT 1<<3, PAGE_IS_SWAPPED 1<<4, PAGE_IS_SOFT_DIRTY 1<<7,
 *     PAGE_IS_GUARD 1<<8);
 *   device numbers: include/linux/kdev_t.h (MINORBITS 20: a major has 12
 *     bits; /proc/PID/maps prints "%02x:%02x");
 *   paging levels: five at most (pgd, p4d, pud, pmd, pte; LA57);
 *   kpageflags: include/uapi/linux/kernel-page-flags.h (KPF_COMPOUND_HEAD
 *     15, KPF_THP 22); a pmd-mapped THP shows 512 consecutive PFNs from a
 *     512-aligned head in pagemap (pagemap.rst, "transparent huge pages").
 */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "diff.h"
#include "options.h"
#include "procfs-maps.h"
#include "procfs-scan.h"
#include "procfs-tree.h"
#include "arch.h"
#include "pt.h"
#include "registry.h"
#include "request.h"
#include "sim.h"

#define BIT(n) (UINT64_C(1) << (n))

START_TEST(pagemap_word_categories)
{
	/* a present page that is soft-dirty */
	uint32_t c = procfs_scan_word_cats(BIT(63) | BIT(55) | 0x1234);

	ck_assert_uint_eq(c & (1u << 3), 1u << 3);
	ck_assert_uint_eq(c & (1u << 7), 1u << 7);
	/* uffd-wp (57) and exclusive (56) are not soft-dirty */
	c = procfs_scan_word_cats(BIT(63) | BIT(57) | BIT(56) | 0x1234);
	ck_assert_uint_eq(c & (1u << 7), 0);
	ck_assert_uint_eq(c & (1u << 3), 1u << 3);
	/* bit 54 is not soft-dirty either */
	c = procfs_scan_word_cats(BIT(63) | BIT(54));
	ck_assert_uint_eq(c & (1u << 7), 0);
	/* swapped, file, guard */
	c = procfs_scan_word_cats(BIT(62) | BIT(55));
	ck_assert_uint_eq(c, (1u << 4) | (1u << 7));
	c = procfs_scan_word_cats(BIT(63) | BIT(61));
	ck_assert_uint_eq(c, (1u << 3) | (1u << 2));
	c = procfs_scan_word_cats(BIT(62) | BIT(58));
	ck_assert_uint_eq(c, (1u << 4) | (1u << 8));
	/* neither present nor swapped: nothing, whatever else is set */
	ck_assert_uint_eq(procfs_scan_word_cats(BIT(55) | BIT(61)), 0);
}
END_TEST

START_TEST(u64_arguments)
{
	uint64_t v = 0;

	ck_assert_int_eq(request_parse_u64("18446744073709551615", &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(request_parse_u64("0xffffffffffffffff", &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_ne(request_parse_u64("18446744073709551616", &v), 0);
	ck_assert_int_ne(request_parse_u64("0x10000000000000000", &v), 0);
	/* strtoull takes "-1" as 2^64-1: we must not */
	ck_assert_int_ne(request_parse_u64("-1", &v), 0);
	ck_assert_int_ne(request_parse_u64("-0x1", &v), 0);
	/* nor its optional '+' (C11 7.22.1.4): not a form the API has */
	ck_assert_int_ne(request_parse_u64("+1", &v), 0);
	ck_assert_int_ne(request_parse_u64("+0x1", &v), 0);
	ck_assert_int_ne(request_parse_u64(" 1", &v), 0);
	ck_assert_int_ne(request_parse_u64("", &v), 0);
	ck_assert_int_ne(request_parse_u64("1x", &v), 0);
	ck_assert_int_eq(request_parse_u64("0", &v), 0);
	ck_assert(v == 0);
}
END_TEST

START_TEST(depth_arguments)
{
	unsigned d = 99;
	struct pts_err err;

	/* five paging levels: depth 0 to 5 */
	for (unsigned i = 0; i <= 5; i++) {
		char s[4];

		snprintf(s, sizeof s, "%u", i);
		ck_assert_int_eq(request_parse_depth(s, &d, &err), 0);
		ck_assert_uint_eq(d, i);
	}
	ck_assert_int_ne(request_parse_depth("6", &d, &err), 0);
	ck_assert_str_eq(err.id, "bad_depth");
	ck_assert_int_ne(request_parse_depth("-1", &d, &err), 0);
}
END_TEST

START_TEST(max_spaces_boundary)
{
	struct registry r;
	struct space *s;
	struct entry *e;
	struct pts_err err;

	registry_init(&r, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(sim_space_new("x86_64-4l", "empty", 16, &s,
		    NULL), 0);
		ck_assert_int_eq(registry_add(&r, s, "sim", 0, &e, &err), 0);
		registry_put(&r, e);
	}
	ck_assert_int_eq(sim_space_new("x86_64-4l", "empty", 16, &s, NULL), 0);
	ck_assert_int_eq(registry_add(&r, s, "sim", 0, &e, &err), PTS_EBUSY);
	ck_assert_str_eq(err.id, "too_many_spaces");
	ck_assert_int_eq(registry_remove(&r, "sim-1", &err), 0);
	ck_assert_int_eq(sim_space_new("x86_64-4l", "empty", 16, &s, NULL), 0);
	ck_assert_int_eq(registry_add(&r, s, "sim", 0, &e, &err), 0);
	registry_put(&r, e);
	registry_release(&r);
}
END_TEST

START_TEST(maps_device_numbers)
{
	struct procfs_vma v;
	struct pts_err err;
	struct procfs_vmas vs = { 0 };

	memset(&v, 0, sizeof v);
	/* the largest device the kernel can print: major fff, minor fffff */
	ck_assert_int_eq(procfs_maps_parse_line("00400000-00401000 r-xp "
	    "00000000 fff:fffff 42 /bin/x\n", &v, &err), 0);
	ck_assert_uint_eq(v.dev_major, 0xfff);
	ck_assert_uint_eq(v.dev_minor, 0xfffff);
	free(v.name);
	memset(&v, 0, sizeof v);
	ck_assert_int_eq(procfs_maps_parse_line("00400000-00401000 r-xp "
	    "00000000 08:01 42 /bin/x\n", &v, &err), 0);
	ck_assert_uint_eq(v.dev_major, 8);
	ck_assert_uint_eq(v.dev_minor, 1);
	free(v.name);
	/* numbers that do not fit are refused, not truncated */
	ck_assert_int_ne(procfs_maps_parse_line("00400000-00401000 r-xp "
	    "00000000 100000000:01 42 /bin/x\n", &v, &err), 0);
	ck_assert_int_ne(procfs_maps_parse_line("00400000-00401000 r-xp "
	    "00000000 08:100000000 42 /bin/x\n", &v, &err), 0);
	procfs_vmas_release(&vs);
}
END_TEST

/*
 * The pread fallback on crafted pagemap and kpageflags files: 2 MiB at
 * 1 GiB, every page present; words[i] holds PFN pfn0 + step * i, except
 * page 300 which holds odd300 when it is non-zero.  The head PFN 0x1000
 * is a compound head of a THP.  Returns whether the scan said HUGE.
 */
static bool
pread_span_is_huge(uint64_t step, uint64_t odd300)
{
	char pm[] = "/tmp/pts-bite-pm-XXXXXX", kp[] = "/tmp/pts-bite-kp-XXXXXX";
	const uint64_t va = UINT64_C(1) << 30, pfn0 = 0x1000;
	uint64_t words[512], head = BIT(15) | BIT(22);
	struct procfs_scanner s;
	struct procfs_runs r = { 0, 0, NULL };
	bool huge = false;

	memset(&s, 0, sizeof s);
	s.pagemap_fd = mkstemp(pm);
	s.kpageflags_fd = mkstemp(kp);
	s.page_shift = 12;
	s.force_pread = true;		/* smaps "": every candidate counts */
	ck_assert_int_ge(s.pagemap_fd, 0);
	ck_assert_int_ge(s.kpageflags_fd, 0);
	unlink(pm);
	unlink(kp);
	for (int i = 0; i < 512; i++)
		words[i] = BIT(63) | (pfn0 + step * (uint64_t)i);
	if (odd300)
		words[300] = BIT(63) | odd300;
	ck_assert_int_eq(pwrite(s.pagemap_fd, words, sizeof words,
	    (off_t)(va >> 12) * 8), (ssize_t)sizeof words);
	ck_assert_int_eq(pwrite(s.kpageflags_fd, &head, 8, (off_t)pfn0 * 8), 8);
	ck_assert_int_eq(procfs_scan(&s, va, va + 0x200000, &r, NULL), 0);
	ck_assert_uint_ge(r.n, 1);
	ck_assert_uint_eq(r.v[0].start, va);
	ck_assert_uint_eq(r.v[r.n - 1].end, va + 0x200000);
	for (size_t i = 0; i < r.n; i++) {
		ck_assert(r.v[i].cats & PSC_PRESENT);
		huge |= (r.v[i].cats & PSC_HUGE) != 0;
	}
	procfs_runs_release(&r);
	close(s.pagemap_fd);
	close(s.kpageflags_fd);
	return huge;
}

START_TEST(pread_huge_needs_contiguous_pfns)
{
	/* 512 consecutive PFNs from the THP head: one pmd-mapped huge page */
	ck_assert(pread_span_is_huge(1, 0));
	/* one page elsewhere: ptes, not a huge page */
	ck_assert(!pread_span_is_huge(1, 0x1000 + 301));
	/* the same PFN everywhere (e.g. one page mapped 512 times) */
	ck_assert(!pread_span_is_huge(0, 0));
}
END_TEST

/* Pagemap words of the three pages at 0x400000 (the detail supplier). */
static int
three_words(void *ctx, uint64_t va, size_t n, uint64_t *w,
    struct pts_err *err)
{
	(void)ctx;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		uint64_t pg = (va - 0x400000) / 4096 + i;

		w[i] = pg == 0 ? BIT(63) | BIT(55) :	/* soft-dirty */
		    pg == 1 ? BIT(63) | BIT(57) :	/* uffd-wp */
		    pg == 2 ? BIT(63) | BIT(56) : 0;	/* exclusive */
	}
	return 0;
}

/*
 * The per-page flags of a pte table come from each page's own pagemap bit
 * (pagemap.rst: 55 soft-dirty, 56 exclusively mapped, 57 uffd-wp), one
 * flag each.  A unit test, because a kernel without CONFIG_MEM_SOFT_DIRTY
 * (this CI's) never sets bit 55 and the live tests cannot see a swap.
 */
START_TEST(tree_flags_from_pagemap_bits)
{
	struct procfs_vmas l = { 0, 0, NULL };
	struct procfs_runs r = { 0, 0, NULL };
	struct procfs_detail d = { .words = three_words };
	struct procfs_model m;
	struct pt_node *n = NULL;
	const uint32_t mine[3] = { PTF_SOFT_DIRTY, PTF_UFFD_WP, PTF_EXCLUSIVE };
	const uint32_t all = PTF_SOFT_DIRTY | PTF_UFFD_WP | PTF_EXCLUSIVE;

	l.v = calloc(1, sizeof *l.v);
	l.n = l.cap = 1;
	l.v[0].start = 0x400000;
	l.v[0].end = 0x403000;
	memcpy(l.v[0].perms, "rw-p", 5);
	procfs_runs_add(&r, 0x400000, 0x403000, PSC_PRESENT);
	procfs_model_build(&m, arch_find("x86_64-4l"), &l, &r);
	procfs_runs_release(&r);
	ck_assert_int_eq(procfs_model_tree(&m, &d, PT_PTE, 0x400000, 1, &n,
	    NULL), 0);
	ck_assert_uint_eq(n->nchildren, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(n->children[i].flags & all, mine[i]);
	pt_node_free(n);
	procfs_model_release(&m);
}
END_TEST

/* A pte table with one page at index 1. */
static struct pt_node *
table(uint32_t flags, uint64_t pa)
{
	struct pt_node *n = pt_node_new(PT_PTE, 0x200000, 0x200000, 512);
	struct pt_child *c = pt_node_add_child(n);

	n->expanded = true;
	c->index = 1;
	c->va = 0x201000;
	c->kind = PT_KIND_PAGE;
	c->flags = flags;
	c->size = 4096;
	c->pa = pa;
	return n;
}

static unsigned
ndiff(const struct pt_node *a, const struct pt_node *b)
{
	cJSON *changes = cJSON_CreateArray();
	unsigned n = diff_tree(a, b, false, changes);

	ck_assert_int_eq(cJSON_GetArraySize(changes), (int)n);
	cJSON_Delete(changes);
	return n;
}

START_TEST(delta_flags_and_nothing)
{
	struct pt_node *a = table(PTF_PRESENT, 0x1000);
	struct pt_node *same = table(PTF_PRESENT, 0x1000);
	struct pt_node *dirty = table(PTF_PRESENT | PTF_SOFT_DIRTY, 0x1000);

	/* an unchanged table sends nothing */
	ck_assert_uint_eq(ndiff(a, same), 0);
	/* a change of flags alone is a change */
	ck_assert_uint_eq(ndiff(a, dirty), 1);
	/* so is a change of the entry's attributes alone (a VMA renamed) */
	a->children[0].attrs = strdup("/bin/x");
	same->children[0].attrs = strdup("/bin/y");
	ck_assert_uint_eq(ndiff(a, same), 1);
	free(same->children[0].attrs);
	same->children[0].attrs = strdup("/bin/x");
	ck_assert_uint_eq(ndiff(a, same), 0);
	/* no table before or after (a subscription to a node that does not
	   exist): no change, and no delta message */
	ck_assert_uint_eq(ndiff(NULL, NULL), 0);
	pt_node_free(a);
	pt_node_free(same);
	pt_node_free(dirty);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bite");
	TCase *t = tcase_create("bite");
	SRunner *sr;
	int failed;

	tcase_add_test(t, pagemap_word_categories);
	tcase_add_test(t, u64_arguments);
	tcase_add_test(t, depth_arguments);
	tcase_add_test(t, max_spaces_boundary);
	tcase_add_test(t, maps_device_numbers);
	tcase_add_test(t, delta_flags_and_nothing);
	tcase_add_test(t, pread_huge_needs_contiguous_pfns);
	tcase_add_test(t, tree_flags_from_pagemap_bits);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
