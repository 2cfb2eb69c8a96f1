/* SPDX-License-Identifier: MIT */
/*
 * check_buddy.c: the simulated buddy allocator.  Expected free lists are
 * worked out by hand from the buddy rules (comments show how).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buddy.h"

/* One zone of 4096 pages at pfn 0, orders 0..10, pageblocks of 512. */
static void
setup4096(struct buddy *b)
{
	buddy_init(b, 11, 9);
	buddy_add_zone(b, "Normal", 0, 4096, false);
	buddy_add_memory(b, 0, 4096);
}

/* Free blocks of one order and type in zone 0. */
static uint64_t
nfree(const struct buddy *b, unsigned order, enum buddy_mt mt)
{
	return b->zones[0].nfree[order][mt];
}

START_TEST(test_boot_free_lists)
{
	struct buddy b;

	setup4096(&b);
	/* 4096 pages = 4 blocks of order 10 (1024 pages), all Movable */
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 4);
	for (unsigned o = 0; o < 10; o++)
		ck_assert_uint_eq(nfree(&b, o, BUDDY_MOVABLE), 0);
	ck_assert_uint_eq(buddy_free_pages(&b), 4096);
	buddy_release(&b);
}
END_TEST

START_TEST(test_split_and_merge)
{
	struct buddy b;
	uint64_t p, q;

	setup4096(&b);
	/* order 0 from an order-10 block leaves one free block of each order
	   0..9 (the upper halves) and 3 order-10 blocks */
	ck_assert_int_eq(buddy_alloc(&b, 0, BUDDY_MOVABLE, &p), 0);
	ck_assert_uint_eq(p % 1024, 0);
	for (unsigned o = 0; o < 10; o++)
		ck_assert_uint_eq(nfree(&b, o, BUDDY_MOVABLE), 1);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 3);
	/* the next order-0 page is p's buddy, p + 1 */
	ck_assert_int_eq(buddy_alloc(&b, 0, BUDDY_MOVABLE, &q), 0);
	ck_assert_uint_eq(q, p + 1);
	ck_assert_uint_eq(nfree(&b, 0, BUDDY_MOVABLE), 0);
	ck_assert_uint_eq(buddy_free_pages(&b), 4094);
	/* freeing p alone cannot merge (q is in use) */
	buddy_free_range(&b, p, 1);
	ck_assert_uint_eq(nfree(&b, 0, BUDDY_MOVABLE), 1);
	/* freeing q merges all the way back to order 10 */
	buddy_free_range(&b, q, 1);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 4);
	for (unsigned o = 0; o < 10; o++)
		ck_assert_uint_eq(nfree(&b, o, BUDDY_MOVABLE), 0);
	buddy_release(&b);
}
END_TEST

START_TEST(test_fallback_claims_pageblock)
{
	struct buddy b;
	uint64_t p;

	setup4096(&b);
	buddy_mark(&b);
	/* no Unmovable memory: the largest Movable block (order 10 = two
	   pageblocks) is taken and both pageblocks become Unmovable; the
	   remainders land on the Unmovable lists */
	ck_assert_int_eq(buddy_alloc(&b, 0, BUDDY_UNMOVABLE, &p), 0);
	for (unsigned o = 0; o < 10; o++)
		ck_assert_uint_eq(nfree(&b, o, BUDDY_UNMOVABLE), 1);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 3);
	buddy_free_range(&b, p, 1);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_UNMOVABLE), 1);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 3);
	/* rollback restores the pageblock types and so the lists */
	buddy_rollback(&b);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_UNMOVABLE), 0);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 4);
	buddy_release(&b);
}
END_TEST

START_TEST(test_exhaustion)
{
	struct buddy b;
	uint64_t p;

	setup4096(&b);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_int_eq(buddy_alloc(&b, 10, BUDDY_MOVABLE, &p), 0);
	ck_assert_int_eq(buddy_alloc(&b, 0, BUDDY_MOVABLE, &p), -1);
	ck_assert_int_eq(buddy_alloc(&b, 11, BUDDY_MOVABLE, &p), -1);
	ck_assert_uint_eq(buddy_free_pages(&b), 0);
	buddy_release(&b);
}
END_TEST

START_TEST(test_gigantic)
{
	struct buddy b;
	uint64_t p;

	/* 2^19 pages (2 GiB of 4K); a 2^18-page (1 GiB) allocation takes 256
	   aligned order-10 blocks */
	buddy_init(&b, 11, 9);
	buddy_add_zone(&b, "Normal", 0, 1u << 19, false);
	buddy_add_memory(&b, 0, 1u << 19);
	ck_assert_int_eq(buddy_alloc_pages(&b, 1u << 18, BUDDY_MOVABLE, &p), 0);
	ck_assert_uint_eq(p % (1u << 18), 0);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 256);
	/* a page inside it is in use, outside it free */
	ck_assert(!buddy_is_free(&b, p + 12345));
	ck_assert(buddy_is_free(&b, (p + (1u << 18)) % (1u << 19) + 7));
	buddy_free_range(&b, p, 1u << 18);
	ck_assert_uint_eq(nfree(&b, 10, BUDDY_MOVABLE), 512);
	buddy_release(&b);
}
END_TEST

START_TEST(test_zone_boundary)
{
	struct buddy b;

	/* orders 0..2; zones [0,2) and [2,4): the two order-1 blocks are
	   buddies by address but must not merge across the zone boundary */
	buddy_init(&b, 3, 1);
	buddy_add_zone(&b, "DMA", 0, 2, false);
	buddy_add_zone(&b, "Normal", 2, 4, false);
	buddy_add_memory(&b, 0, 4);
	ck_assert_uint_eq(b.zones[0].nfree[1][BUDDY_MOVABLE], 1);
	ck_assert_uint_eq(b.zones[1].nfree[1][BUDDY_MOVABLE], 1);
	ck_assert_uint_eq(b.zones[0].nfree[2][BUDDY_MOVABLE], 0);
	buddy_release(&b);
}
END_TEST

START_TEST(test_watermarks_and_fill)
{
	struct buddy b;
	struct zones_state st;

	/* 1 GiB of 4K pages: lowmem_kbytes = 1048576, min_free_kbytes =
	   sqrt(1048576 * 16) = 4096 KiB = 1024 pages; one zone gets all:
	   min 1024, tmp = max(1024 / 4, 262144 * 10 / 10000 = 262) = 262,
	   low 1286, high 1548 */
	buddy_init(&b, 11, 9);
	buddy_add_zone(&b, "DMA32", 0, 262144, false);
	buddy_add_memory(&b, 0, 262144);
	buddy_set_watermarks(&b, 12);
	buddy_fill_zones(&b, &st);
	ck_assert_uint_eq(st.nzones, 1);
	ck_assert_str_eq(st.zones[0].name, "DMA32");
	ck_assert_uint_eq(st.zones[0].wmark_min, 1024);
	ck_assert_uint_eq(st.zones[0].wmark_low, 1286);
	ck_assert_uint_eq(st.zones[0].wmark_high, 1548);
	ck_assert_uint_eq(st.zones[0].free_area[10], 256);
	ck_assert_uint_eq(st.zones[0].migrate[BUDDY_MOVABLE].free[10], 256);
	ck_assert_str_eq(st.zones[0].migrate[BUDDY_MOVABLE].name, "Movable");
	ck_assert_uint_eq(st.zones[0].migrate[BUDDY_MOVABLE].blocks, 512);
	ck_assert_uint_eq(st.orders, 11);
	free(st.zones);
	buddy_release(&b);
}
END_TEST

static Suite *
buddy_suite(void)
{
	Suite *s = suite_create("buddy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_boot_free_lists);
	tcase_add_test(tc, test_split_and_merge);
	tcase_add_test(tc, test_fallback_claims_pageblock);
	tcase_add_test(tc, test_exhaustion);
	tcase_add_test(tc, test_gigantic);
	tcase_add_test(tc, test_zone_boundary);
	tcase_add_test(tc, test_watermarks_and_fill);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(buddy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
