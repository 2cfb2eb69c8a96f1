/* SPDX-License-Identifier: MIT */
/*
 * check_cost.c: unit tests of model/region.c (per-region cost, the pte
 * table charging rule) and model/whatif.c (the what-if replay).
 *
 * Expected counts are worked out by hand from the geometry: on x86_64 4
 * KiB pages, a pte table maps 2 MiB (512 x 4 KiB), a pmd table 1 GiB, a
 * pud table 512 GiB; every table is 4 KiB.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "region.h"
#include "whatif.h"

#define KiB UINT64_C(1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)

/* One anonymous region [start, end) with a present span [ps, pe). */
static void
one_region(struct regions *rs, const char *arch, uint64_t start,
    uint64_t end, uint64_t ps, uint64_t pe, unsigned li)
{
	struct region_span sp = { 0 };

	rs->arch = arch_find(arch);
	regions_add(rs, start, end, NULL)->anon = true;
	sp.start = ps;
	sp.end = pe;
	sp.li = li;
	regions_add_span(rs, &sp);
	regions_account(rs);
}

static struct whatif_config
config(const char *arch, enum whatif_thp thp)
{
	const struct arch *a = arch_find(arch);

	return (struct whatif_config){ a, thp, a->page_size,
	    a->nlevels - 1 };
}

/* The example: 390 GiB of 4 KiB pages cost ~781 MiB of tables:
   390 x 512 pte tables, 390 pmd tables, one pud, the pgd. */
START_TEST(test_390g)
{
	struct regions rs = { 0 };
	struct whatif_config c = config("x86_64-4l", WHATIF_THP_NEVER);
	struct whatif_result r;

	one_region(&rs, "x86_64-4l", 0, 390 * GiB, 0, 390 * GiB, 3);
	ck_assert_uint_eq(rs.tables[3], 390 * 512);
	ck_assert_uint_eq(rs.v[0].table_pages, 390 * 512);
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.tables[0], 1);
	ck_assert_uint_eq(r.tables[1], 1);
	ck_assert_uint_eq(r.tables[2], 390);
	ck_assert_uint_eq(r.tables[3], 199680);
	ck_assert_uint_eq(r.table_bytes, (199680 + 390 + 2) * 4 * KiB);
	/* 781.5 MiB */
	ck_assert_uint_eq(r.table_bytes / MiB, 781);
	/* VmPTE leaves out the pgd */
	ck_assert_uint_eq(r.vm_pte_bytes, (199680 + 390 + 1) * 4 * KiB);
	/* THP always: 199,680 THPs, each with its deposited pte table */
	c.thp = WHATIF_THP_ALWAYS;
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.tables[3], 0);
	ck_assert_uint_eq(r.deposited, 199680);
	ck_assert_uint_eq(r.thp_blocks, 199680);
	ck_assert_uint_eq(r.table_pages, 199680 + 390 + 2);
	/* 1 GiB pages: 390 leaves in the pud table, no pmd tables */
	c.thp = WHATIF_THP_NEVER;
	c.page_size = GiB;
	c.page_li = 1;
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.tables[2], 0);
	ck_assert_uint_eq(r.blocks, 390);
	ck_assert_uint_eq(r.table_pages, 2);
	regions_release(&rs);
}
END_TEST

/* A bigger granule rounds out: one 4 KiB page in each of 5 16 KiB pages
   is 80 KiB present on arm64 16K, in one pte table (32 MiB span). */
START_TEST(test_granule_rounds_out)
{
	struct regions rs = { 0 };
	struct whatif_config c = config("arm64-16k-48", WHATIF_THP_NEVER);
	struct whatif_result r;
	struct region_span sp = { 0 };

	rs.arch = arch_find("x86_64-4l");
	regions_add(&rs, 0x400000, 0x600000, NULL);
	for (unsigned i = 0; i < 5; i++) {
		sp.start = 0x400000 + i * 16 * KiB;
		sp.end = sp.start + 4 * KiB;
		sp.li = 3;
		regions_add_span(&rs, &sp);
	}
	regions_account(&rs);
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.present_bytes, 5 * 16 * KiB);
	ck_assert_uint_eq(r.tables[3], 1);
	ck_assert_uint_eq(r.tables[2], 1);
	ck_assert_uint_eq(r.tables[1], 1);
	/* 16K pte table = 2048 x 8 bytes; arm64 16K 48-bit pgd: 2 entries */
	ck_assert_uint_eq(r.table_bytes, 3 * 16 * KiB + 16);
	regions_release(&rs);
}
END_TEST

/* Charging: a pte table shared by three regions goes to the one with most
   entries; on a tie to the lower one.  Tables a span covers whole are its
   own. */
START_TEST(test_charge_rule)
{
	struct regions rs = { 0 };
	static const struct { uint64_t s, e; } sp[] = {
		{ 0x200000, 0x203000 },		/* A: 3 pages of table 1 */
		{ 0x204000, 0x209000 },		/* B: 5 pages of table 1 */
		{ 0x300000, 0x302000 },		/* C: 2 pages of table 1 */
		{ 0x3fe000, 0x800000 },		/* D: 2 of table 1, then 2, 3
						   whole */
		{ 0x800000, 0x801000 },		/* E: 1 page of table 4 */
		{ 0x9ff000, 0xa00000 },		/* F: 1 page of table 4 */
	};

	rs.arch = arch_find("x86_64-4l");
	for (size_t i = 0; i < 6; i++) {
		struct region_span x = { sp[i].s, sp[i].e, i, 3, RSPAN_PRESENT,
		    false, false, false };

		regions_add(&rs, sp[i].s, sp[i].e, NULL);
		regions_add_span(&rs, &x);
	}
	regions_account(&rs);
	ck_assert_uint_eq(rs.v[0].table_pages, 0);
	ck_assert_uint_eq(rs.v[1].table_pages, 1);	/* 5 > 3, 2, 2 */
	ck_assert_uint_eq(rs.v[2].table_pages, 0);
	ck_assert_uint_eq(rs.v[3].table_pages, 2);	/* tables 2, 3 */
	ck_assert_uint_eq(rs.v[4].table_pages, 1);	/* tie: lower */
	ck_assert_uint_eq(rs.v[5].table_pages, 0);
	ck_assert_uint_eq(rs.tables[3], 4);
	ck_assert_uint_eq(rs.v[1].rss_bytes, 5 * 4 * KiB);
	regions_release(&rs);
}
END_TEST

/* THP asis onto a 64K granule, where no 2 MiB leaf exists: base pages,
   nothing deposited; onto RISC-V Sv39 it stays a THP with its deposit. */
START_TEST(test_asis_thp)
{
	struct regions rs = { 0 };
	struct whatif_config c = config("arm64-64k-48", WHATIF_THP_ASIS);
	struct whatif_result r;
	struct region_span sp = { 0x40000000, 0x40200000, 0, 2,
	    RSPAN_PRESENT, false, false, true };

	rs.arch = arch_find("x86_64-4l");
	regions_add(&rs, 0x40000000, 0x40400000, NULL)->anon = true;
	regions_add_span(&rs, &sp);
	regions_account(&rs);
	ck_assert_uint_eq(rs.deposited, 1);
	ck_assert_uint_eq(rs.v[0].thp_bytes, 2 * MiB);
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.deposited, 0);
	ck_assert_uint_eq(r.blocks, 0);
	ck_assert_uint_eq(r.tables[2], 1);
	c = config("riscv-sv39", WHATIF_THP_ASIS);
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.deposited, 1);
	ck_assert_uint_eq(r.tables[2], 0);	/* no pte table */
	ck_assert_uint_eq(r.tables[1], 1);	/* the pmd holding it */
	/* the 4 MiB region is not wholly 2 MiB of THP under "always" on
	   the second half: only the first window holds a page */
	c.thp = WHATIF_THP_ALWAYS;
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.thp_blocks, 1);
	regions_release(&rs);
}
END_TEST

/* Pages beyond the target's user VA range are counted, not placed. */
START_TEST(test_unplaced)
{
	struct regions rs = { 0 };
	struct whatif_config c = config("riscv-sv39", WHATIF_THP_NEVER);
	struct whatif_result r;

	one_region(&rs, "x86_64-4l", 0x7f0000000000, 0x7f0000010000,
	    0x7f0000000000, 0x7f0000010000, 3);
	whatif_compute(&rs, &c, &r);
	ck_assert_uint_eq(r.unplaced_pages, 16);
	ck_assert_uint_eq(r.present_bytes, 0);
	ck_assert_uint_eq(r.table_pages, 1);
	regions_release(&rs);
}
END_TEST

static Suite *
cost_suite(void)
{
	Suite *s = suite_create("cost");
	TCase *tc = tcase_create("cost");

	tcase_add_test(tc, test_390g);
	tcase_add_test(tc, test_granule_rounds_out);
	tcase_add_test(tc, test_charge_rule);
	tcase_add_test(tc, test_asis_thp);
	tcase_add_test(tc, test_unplaced);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; the exit status is Automake's pass or fail. */
int
main(void)
{
	SRunner *sr = srunner_create(cost_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
