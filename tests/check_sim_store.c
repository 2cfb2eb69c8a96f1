/* SPDX-License-Identifier: MIT */
/*
 * check_sim_store.c: the simulator's per-table stores against plain
 * arrays: the attribute store (backends/sim/sim-attrs.c) and the number
 * of bit planes it keeps, ceil(log2(values in use)) and no more; the
 * child-table store (backends/sim/sim-kids.c), sparse then dense.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim-attrs.h"
#include "sim-kids.h"

#define N 512

struct ref {
	bool leaf[N];
	unsigned v[N];
};

static bool
ref_live(const void *ctx, unsigned i)
{
	return ((const struct ref *)ctx)->leaf[i];
}

/* Make slot i a leaf of value v, in the store and the reference. */
static void
put(struct sim_attrs *a, struct ref *r, unsigned i, unsigned v)
{
	sim_attrs_set(a, i, v, ref_live, r);
	r->leaf[i] = true;
	r->v[i] = v;
}

/* Every leaf's value is the reference's (one assertion: Check writes to
   a pipe for each). */
static void
check_all(const struct sim_attrs *a, const struct ref *r)
{
	unsigned bad = N;

	for (unsigned i = 0; i < N && bad == N; i++)
		if (r->leaf[i] && sim_attrs_get(a, i) != r->v[i])
			bad = i;
	ck_assert_msg(bad == N, "slot %u: %#x, want %#x", bad,
	    bad < N ? sim_attrs_get(a, bad) : 0, bad < N ? r->v[bad] : 0);
}

/* Every slot's child is the reference's. */
static void
check_kids(const struct sim_kids *k, struct sim_table *const *ref,
    unsigned n)
{
	unsigned bad = n;

	for (unsigned j = 0; j < n && bad == n; j++)
		if (sim_kids_get(k, j) != ref[j])
			bad = j;
	ck_assert_msg(bad == n, "slot %u: wrong child", bad);
}

/* Distinct values among the leaves. */
static unsigned
distinct(const struct ref *r)
{
	unsigned seen[N], n = 0;

	for (unsigned i = 0; i < N; i++) {
		unsigned k = 0;

		if (!r->leaf[i])
			continue;
		while (k < n && seen[k] != r->v[i])
			k++;
		if (k == n)
			seen[n++] = r->v[i];
	}
	return n;
}

static unsigned
log2_ceil(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

START_TEST(test_planes_follow_values)
{
	struct sim_attrs a = { .entries = N };
	static struct ref r;

	memset(&r, 0, sizeof r);
	for (unsigned i = 0; i < N; i++)
		put(&a, &r, i, 0x20b);
	ck_assert_uint_eq(a.nplanes, 0);	/* one value: no plane */
	ck_assert_ptr_null(a.plane);
	for (unsigned i = 0; i < N; i += 2)
		put(&a, &r, i, 0x209);
	ck_assert_uint_eq(a.nplanes, 1);	/* two values: one bit */
	check_all(&a, &r);
	/* every slot takes the second value: the first is no longer used,
	   so a third takes its place and one plane still does */
	for (unsigned i = 1; i < N; i += 2)
		put(&a, &r, i, 0x209);
	put(&a, &r, 7, 0x28b);
	ck_assert_uint_eq(a.nplanes, 1);
	check_all(&a, &r);
	put(&a, &r, 9, 0x38b);	/* three in use: two planes */
	ck_assert_uint_eq(a.nplanes, 2);
	check_all(&a, &r);
	/* leaves that go away free their values too */
	r.leaf[7] = r.leaf[9] = false;
	put(&a, &r, 11, 0x201);
	put(&a, &r, 13, 0x203);
	put(&a, &r, 15, 0x205);
	ck_assert_uint_eq(a.nplanes, 2);
	check_all(&a, &r);
	sim_attrs_clear(&a);
}
END_TEST

/* Random leaves over k values (_i picks k): always the reference's
   values, and never more planes than the values in use need. */
START_TEST(test_random_against_reference)
{
	static const unsigned ks[] = { 1, 2, 3, 4, 5, 9, 16, 17, 40 };
	unsigned k = ks[_i], peak = 1;
	struct sim_attrs a = { .entries = N };
	uint64_t x = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	static struct ref r;

	memset(&r, 0, sizeof r);
	for (unsigned it = 0; it < 20000; it++) {
		unsigned i, d;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (unsigned)(x % N);
		if ((x >> 20) % 4 == 0) {
			r.leaf[i] = false;	/* the slot stops being a leaf */
			continue;
		}
		put(&a, &r, i, 0x200 | (unsigned)((x >> 32) % k));
		d = distinct(&r);
		if (d > peak)
			peak = d;
		if (it % 97 == 0)
			check_all(&a, &r);
		if (peak <= 16 && a.nplanes > log2_ceil(peak))
			ck_abort_msg("%u planes for %u values", a.nplanes, peak);
	}
	check_all(&a, &r);
	ck_assert(k <= 16 ? a.raw == NULL : 1);
	sim_attrs_clear(&a);
	ck_assert_uint_eq(sim_attrs_get(&a, 3), 0);
}
END_TEST

/* Random children over tables of 4, 512 and 4096 slots (_i picks). */
START_TEST(test_kids_against_reference)
{
	static const unsigned sizes[] = { 4, 512, 4096 };
	static struct sim_table *ref[4096];
	unsigned n = sizes[_i], live = 0;
	struct sim_kids k = { .entries = (uint16_t)n };
	uint64_t x = 0x2545f4914f6cdd1dull + (uint64_t)_i;
	bool went_full = false;

	memset(ref, 0, sizeof ref);
	for (unsigned it = 0; it < 30000; it++) {
		unsigned i;
		struct sim_table *c;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (unsigned)(x % n);
		/* fill up to about half the slots, then churn */
		c = (x >> 40) % 3 ? (struct sim_table *)(uintptr_t)(
		    0x1000u * (1 + (x >> 20) % 999)) : NULL;
		if (c && live > n / 2)
			c = NULL;
		live += (c != NULL) - (ref[i] != NULL);
		sim_kids_set(&k, i, c);
		ref[i] = c;
		if (k.full == NULL && n >= 16 && k.n > n / 16)
			ck_abort_msg("%u children kept sparse", k.n);
		went_full |= k.full != NULL;
		if (it % 101 == 0)
			check_kids(&k, ref, n);
	}
	check_kids(&k, ref, n);
	/* tables of 16 slots or more go dense once they fill */
	ck_assert(went_full == (n >= 16));
	sim_kids_free(&k);
	ck_assert_ptr_null(sim_kids_get(&k, 1));
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("sim-store");
	TCase *tc = tcase_create("attrs");

	tcase_add_test(tc, test_planes_follow_values);
	tcase_add_loop_test(tc, test_random_against_reference, 0, 9);
	suite_add_tcase(s, tc);
	tc = tcase_create("kids");
	tcase_add_loop_test(tc, test_kids_against_reference, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
