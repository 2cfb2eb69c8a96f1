/* SPDX-License-Identifier: MIT */
/*
 * check_zones.c: /proc/buddyinfo, zoneinfo and pagetypeinfo parsing and
 * the extfrag indices.  Expected values are worked out by hand from the
 * fixture text and from mm/vmstat.c's formulas (comments show the sums).
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zones-proc.h"

/* Directory of the fixtures (the test runs from the build tree). */
static const char *
fixtures(void)
{
	static char path[4096];
	const char *src = getenv("PTS_SRCDIR");

	if (src == NULL)
		src = getenv("srcdir");
	snprintf(path, sizeof path, "%s/tests/fixtures/proc",
	    src ? src : ".");
	return path;
}

/* Read one fixture root into zs, failing the test on error. */
static void
read_root(const char *sub, struct zones_state *zs)
{
	char root[4200];
	struct pts_err err = { 0 };

	snprintf(root, sizeof root, "%s/%s", fixtures(), sub);
	memset(zs, 0, sizeof *zs);
	ck_assert_msg(zones_read_proc(root, zs, &err) == 0, "%s: %s", root,
	    err.msg);
}

/* Compare a double with the kernel's thousandths exactly. */
#define ck_thousandths(v, t) \
	ck_assert_msg(lround((v) * 1000) == (t), "%s = %f, expected %d/1000", \
	    #v, (v), (t))

START_TEST(test_buddyinfo_vm)
{
	struct zones_state zs;

	read_root("vm", &zs);
	ck_assert_uint_eq(zs.orders, 11);
	ck_assert_uint_eq(zs.nzones, 3);
	/* files below another root are not this machine's /proc */
	ck_assert_str_eq(zs.source, "proc-root");
	ck_assert_str_eq(zs.zones[0].name, "DMA");
	ck_assert_str_eq(zs.zones[1].name, "DMA32");
	ck_assert_str_eq(zs.zones[2].name, "Normal");
	ck_assert_int_eq(zs.zones[2].node, 0);
	/* DMA: 1<<8 + 1<<9 + 3<<10 = 256 + 512 + 3072 */
	ck_assert_uint_eq(zs.zones[0].free_pages, 3840);
	/* DMA32: 1+2+16+16+80+128+192+384+1024+1024+752*1024 */
	ck_assert_uint_eq(zs.zones[1].free_pages, 772915);
	/* Normal: 843+1108+2552+5440+9776+13888+15360+22272+27392+41984+
	   957440 */
	ck_assert_uint_eq(zs.zones[2].free_pages, 1098055);
	ck_assert_uint_eq(zs.zones[2].free_area[0], 843);
	ck_assert_uint_eq(zs.zones[2].free_area[10], 935);
	zones_release(&zs);
}
END_TEST

START_TEST(test_zoneinfo_vm)
{
	struct zones_state zs;
	const struct zone_state *z;

	read_root("vm", &zs);
	z = &zs.zones[1];
	ck_assert(z->has_details);
	ck_assert_uint_eq(z->wmark_min, 6788);
	ck_assert_uint_eq(z->wmark_low, 8485);
	ck_assert_uint_eq(z->wmark_high, 10182);
	ck_assert_uint_eq(z->spanned_pages, 1044480);
	ck_assert_uint_eq(z->present_pages, 782336);
	ck_assert_uint_eq(z->managed_pages, 772915);
	ck_assert_uint_eq(z->start_pfn, 4096);
	ck_assert_uint_eq(zs.zones[0].start_pfn, 1);
	ck_assert_uint_eq(zs.zones[2].managed_pages, 1146880);
	ck_assert_uint_eq(zs.zones[2].start_pfn, 1048576);
	zones_release(&zs);
}
END_TEST

START_TEST(test_pagetypeinfo_vm)
{
	struct zones_state zs;
	const struct zone_state *z;

	read_root("vm", &zs);
	ck_assert(zs.has_migrate);
	ck_assert_uint_eq(zs.pageblock_order, 9);
	ck_assert_str_eq(zs.note, "");
	z = &zs.zones[2];
	ck_assert_uint_eq(z->nmigrate, 5);
	ck_assert_str_eq(z->migrate[0].name, "Unmovable");
	ck_assert_str_eq(z->migrate[4].name, "Isolate");
	ck_assert_uint_eq(z->migrate[0].free[0], 217);
	ck_assert_uint_eq(z->migrate[1].free[10], 934);
	ck_assert_uint_eq(z->migrate[2].free[1], 147);
	ck_assert_uint_eq(z->migrate[0].blocks, 53);
	ck_assert_uint_eq(z->migrate[1].blocks, 2147);
	ck_assert_uint_eq(z->migrate[2].blocks, 40);
	ck_assert_uint_eq(zs.zones[1].migrate[1].blocks, 1528);
	zones_release(&zs);
}
END_TEST

/* Write text to dir/name. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/*
 * mm/vmstat.c pagetypeinfo_showfree_print() stops walking a free list at
 * 100000 entries and prints the count as ">100000" ("%s%6lu " with the
 * overflow flag): a lower bound, kept as 100000 and flagged per order.
 */
START_TEST(test_pagetypeinfo_capped)
{
	char dir[] = "/tmp/check_zones.XXXXXX";
	struct zones_state zs = { 0 };
	struct pts_err err = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	put_file(dir, "buddyinfo", "Node 0, zone   Normal 250000 130000 "
	    "0 0 0 0 0 0 0 0 0\n");
	put_file(dir, "pagetypeinfo", "Page block order: 9\n"
	    "Pages per block:  512\n\n"
	    "Free pages count per migrate type at order       0      1      "
	    "2      3      4      5      6      7      8      9     10 \n"
	    "Node    0, zone   Normal, type    Unmovable      7      0      0 "
	    "     0      0      0      0      0      0      0      0 \n"
	    "Node    0, zone   Normal, type      Movable >100000 >100000      0 "
	    "     0      0      0      0      0      0      0      0 \n\n"
	    "Number of blocks type     Unmovable      Movable \n"
	    "Node 0, zone   Normal            1         1000 \n");
	ck_assert_msg(zones_read_proc(dir, &zs, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(zs.zones[0].nmigrate, 2);
	ck_assert_uint_eq(zs.zones[0].migrate[1].free[0], 100000);
	ck_assert_uint_eq(zs.zones[0].migrate[1].free[1], 100000);
	ck_assert_uint_eq(zs.zones[0].migrate[1].lower_bound, 0x3);
	ck_assert_uint_eq(zs.zones[0].migrate[0].lower_bound, 0);
	ck_assert_str_eq(zs.source, "proc-root");
	zones_release(&zs);
	put_file(dir, "pagetypeinfo", "");
	remove(strcat(strcpy((char [4096]){ 0 }, dir), "/pagetypeinfo"));
	remove(strcat(strcpy((char [4096]){ 0 }, dir), "/buddyinfo"));
	rmdir(dir);
}
END_TEST

START_TEST(test_frag_vm)
{
	struct zones_state zs;
	const struct zone_state *z;

	read_root("vm", &zs);
	z = &zs.zones[0];	/* DMA: 3840 free pages, all in order >= 8 */
	ck_thousandths(z->unusable[0], 0);
	ck_thousandths(z->unusable[8], 0);
	ck_thousandths(z->unusable[9], 66);	/* 256*1000/3840 = 66.6 */
	ck_thousandths(z->unusable[10], 200);	/* 768*1000/3840 */
	for (int k = 0; k < 11; k++)
		ck_thousandths(z->frag_index[k], -1000);
	z = &zs.zones[1];	/* DMA32: 772915 free */
	ck_thousandths(z->unusable[5], 0);	/* 115000/772915 */
	ck_thousandths(z->unusable[8], 1);	/* 819000/772915 */
	ck_thousandths(z->unusable[9], 2);	/* 1843000/772915 */
	ck_thousandths(z->unusable[10], 3);	/* 2867000/772915 */
	z = &zs.zones[2];	/* Normal: 1098055 free */
	ck_thousandths(z->unusable[9], 89);	/* 98631000/1098055 */
	ck_thousandths(z->unusable[10], 128);	/* 140615000/1098055 */
	ck_thousandths(z->frag_index[10], -1000);
	zones_release(&zs);
}
END_TEST

START_TEST(test_frag_formula)
{
	struct zone_state zone[2];
	struct zones_state zs = { .orders = 4, .nzones = 2, .zones = zone };

	memset(zone, 0, sizeof zone);
	/* 4 order-0 and 3 order-1 blocks: 10 pages in 7 blocks */
	zone[0].free_area[0] = 4;
	zone[0].free_area[1] = 3;
	zones_fill_frag(&zs);
	ck_thousandths(zone[0].frag_index[0], -1000);
	ck_thousandths(zone[0].frag_index[1], -1000);
	/* 1000 - (1000 + 10*1000/4) / 7 = 1000 - 3500/7 */
	ck_thousandths(zone[0].frag_index[2], 500);
	/* 1000 - (1000 + 10000/8) / 7 = 1000 - 2250/7 = 1000 - 321 */
	ck_thousandths(zone[0].frag_index[3], 679);
	ck_thousandths(zone[0].unusable[0], 0);
	ck_thousandths(zone[0].unusable[1], 400);	/* (10-6)*1000/10 */
	ck_thousandths(zone[0].unusable[2], 1000);
	/* an empty zone: everything unusable, fragmentation index 0 */
	ck_thousandths(zone[1].unusable[0], 1000);
	ck_thousandths(zone[1].frag_index[3], 0);
}
END_TEST

START_TEST(test_numa_orders)
{
	struct zones_state zs;

	read_root("numa2", &zs);
	ck_assert_uint_eq(zs.orders, 14);
	ck_assert_uint_eq(zs.nzones, 3);
	ck_assert_int_eq(zs.zones[1].node, 1);
	ck_assert_str_eq(zs.zones[1].name, "DMA");
	ck_assert_uint_eq(zs.zones[0].free_pages, 5 + (2u << 13));
	ck_assert_uint_eq(zs.zones[2].free_pages, 10);
	/* 1000 - (1000 + 10*1000/8192) / 7 = 1000 - 1001/7 = 1000 - 143 */
	ck_thousandths(zs.zones[2].frag_index[13], 857);
	ck_assert(!zs.has_migrate);
	ck_assert(!zs.zones[0].has_details);
	ck_assert_ptr_nonnull(strstr(zs.note, "pagetypeinfo"));
	ck_assert_ptr_nonnull(strstr(zs.note, "zoneinfo"));
	zones_release(&zs);
}
END_TEST

/* Parse buddyinfo text expecting failure; returns the message. */
static const char *
bad_buddy(const char *text)
{
	static struct pts_err err;
	struct zones_state zs;

	memset(&zs, 0, sizeof zs);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(zones_parse_buddyinfo(text, strlen(text), &zs, &err),
	    PTS_EINVAL);
	ck_assert_uint_eq(zs.nzones, 0);
	ck_assert_ptr_null(zs.zones);
	return err.msg;
}

START_TEST(test_buddyinfo_bad)
{
	char many[512] = "Node 0, zone Normal";

	for (int i = 0; i < 17; i++)
		strcat(many, " 1");
	ck_assert_ptr_nonnull(strstr(bad_buddy(""), "line 1"));
	ck_assert_ptr_nonnull(strstr(bad_buddy(many), "at most 16"));
	ck_assert_ptr_nonnull(strstr(bad_buddy(
	    "Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 2\n"), "line 2"));
	ck_assert_ptr_nonnull(strstr(bad_buddy("Node 0, zone DMA 1 x 3\n"),
	    "column 1"));
	ck_assert_ptr_nonnull(strstr(bad_buddy("garbage\n"), "line 1"));
	ck_assert_ptr_nonnull(strstr(bad_buddy(
	    "Node 0, zone DMA 1\nNode 0, zone DMA 1\n"), "twice"));
	ck_assert_ptr_nonnull(strstr(bad_buddy(
	    "Node 0, zone DMA 99999999999999999999999\n"), "column 0"));
}
END_TEST

START_TEST(test_missing_root)
{
	struct zones_state zs;
	struct pts_err err = { 0 };

	memset(&zs, 0, sizeof zs);
	ck_assert_int_eq(zones_read_proc("/nonexistent-ptscope", &zs, &err),
	    PTS_EIO);
	ck_assert_str_eq(err.id, "zones_unavailable");
	ck_assert_uint_eq(zs.nzones, 0);
}
END_TEST

/* The zones suite. */
static Suite *
zones_suite(void)
{
	Suite *s = suite_create("zones");
	TCase *tc = tcase_create("proc");

	tcase_add_test(tc, test_buddyinfo_vm);
	tcase_add_test(tc, test_zoneinfo_vm);
	tcase_add_test(tc, test_pagetypeinfo_vm);
	tcase_add_test(tc, test_pagetypeinfo_capped);
	tcase_add_test(tc, test_numa_orders);
	tcase_add_test(tc, test_buddyinfo_bad);
	tcase_add_test(tc, test_missing_root);
	suite_add_tcase(s, tc);
	tc = tcase_create("frag");
	tcase_add_test(tc, test_frag_vm);
	tcase_add_test(tc, test_frag_formula);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit status 0 when every test passed. */
int
main(void)
{
	SRunner *sr = srunner_create(zones_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
