// SPDX-License-Identifier: BSD-2-Clause
/* hostsim's byte-stream fault injector (hostsim/linkfault.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "linkfault.h"

/* Newton steps: enough for a tolerance, and no libm to link. */
static double sqrt_approx(double x)
{
	double r = x > 1 ? x : 1;

	for (int i = 0; i < 40; i++)
		r = 0.5 * (r + x / r);
	return r;
}

#define LEN 100000

static uint8_t in[LEN], out[2 * LEN], out2[2 * LEN];

static void fill(void)
{
	for (size_t i = 0; i < LEN; i++)
		in[i] = (uint8_t)(i * 131 + 7);
}

START_TEST(test_clean_wire_is_identity)
{
	struct hs_linkfault lf;
	struct hs_linkfault_cfg cfg = {.seed = 1};

	fill();
	hs_linkfault_init(&lf, &cfg);
	ck_assert(!hs_linkfault_active(&lf));
	ck_assert_uint_eq(hs_linkfault_apply(&lf, in, LEN, out), LEN);
	ck_assert_mem_eq(in, out, LEN);
	ck_assert_uint_eq(lf.dropped + lf.corrupted + lf.duplicated, 0);
}
END_TEST

START_TEST(test_certain_faults)
{
	struct hs_linkfault lf;
	struct hs_linkfault_cfg drop = {.drop_ppm = 1000000};
	struct hs_linkfault_cfg dup = {.dup_ppm = 1000000};
	struct hs_linkfault_cfg bad = {.corrupt_ppm = 1000000, .seed = 9};
	size_t n;

	fill();
	hs_linkfault_init(&lf, &drop);
	ck_assert_uint_eq(hs_linkfault_apply(&lf, in, LEN, out), 0);
	hs_linkfault_init(&lf, &dup);
	ck_assert_uint_eq(hs_linkfault_apply(&lf, in, 3, out), 6);
	ck_assert_uint_eq(out[0], in[0]);
	ck_assert_uint_eq(out[1], in[0]);
	ck_assert_uint_eq(out[5], in[2]);
	hs_linkfault_init(&lf, &bad);
	n = hs_linkfault_apply(&lf, in, LEN, out);
	ck_assert_uint_eq(n, LEN);
	for (size_t i = 0; i < LEN; i++)
		ck_assert_uint_ne(out[i], in[i]);
}
END_TEST

static const double rates[] = {0.001, 0.05, 0.3};

START_TEST(test_rates_and_replay)
{
	uint32_t ppm = (uint32_t)(rates[_i] * 1e6);
	struct hs_linkfault_cfg cfg = {ppm, ppm, ppm, 42};
	struct hs_linkfault a, b;
	size_t na, nb;
	double want = LEN * rates[_i];

	fill();
	hs_linkfault_init(&a, &cfg);
	hs_linkfault_init(&b, &cfg);
	na = hs_linkfault_apply(&a, in, LEN, out);
	/* Same seed, same faults, whatever the chunking. */
	nb = hs_linkfault_apply(&b, in, 777, out2);
	nb += hs_linkfault_apply(&b, in + 777, LEN - 777, out2 + nb);
	ck_assert_uint_eq(na, nb);
	ck_assert_mem_eq(out, out2, na);
	ck_assert_uint_eq(na, LEN - a.dropped + a.duplicated);
	/* Binomial counts within 6 sigma plus a little. */
	double tol = 6 * sqrt_approx(want) + 5;
	ck_assert_msg(a.dropped > want - tol && a.dropped < want + tol,
		      "dropped %llu want %.0f", (unsigned long long)a.dropped,
		      want);
	want *= 1 - rates[_i]; /* corruption and dup see surviving bytes */
	ck_assert(a.corrupted > want - tol && a.corrupted < want + tol);
	ck_assert(a.duplicated > want - tol && a.duplicated < want + tol);
}
END_TEST

static const struct {
	const char *s;
	int ret;
	uint32_t corrupt, drop, dup;
	uint64_t seed;
} parses[] = {
	{"", 0, 0, 0, 0, 0},
	{"corrupt=0.05", 0, 50000, 0, 0, 0},
	{"drop=0.01,dup=1,seed=7", 0, 0, 10000, 1000000, 7},
	{"seed=18446744073709551615,corrupt=0", 0, 0, 0, 0, UINT64_MAX},
	{"corrupt=1.5", -1, 0, 0, 0, 0},
	{"corrupt=-0.1", -1, 0, 0, 0, 0},
	{"drop=", -1, 0, 0, 0, 0},
	{"jitter=0.1", -1, 0, 0, 0, 0},
	{"drop=0.1;dup=0.1", -1, 0, 0, 0, 0},
	{"seed=-1", -1, 0, 0, 0, 0},
};

START_TEST(test_parse)
{
	struct hs_linkfault_cfg cfg;

	ck_assert_int_eq(hs_linkfault_parse(&cfg, parses[_i].s),
			 parses[_i].ret);
	if (parses[_i].ret == 0) {
		ck_assert_uint_eq(cfg.corrupt_ppm, parses[_i].corrupt);
		ck_assert_uint_eq(cfg.drop_ppm, parses[_i].drop);
		ck_assert_uint_eq(cfg.dup_ppm, parses[_i].dup);
		ck_assert_uint_eq(cfg.seed, parses[_i].seed);
	}
}
END_TEST

Suite *linkfault_suite(void);

Suite *linkfault_suite(void)
{
	Suite *su = suite_create("linkfault");
	TCase *tc = tcase_create("stream");

	tcase_add_test(tc, test_clean_wire_is_identity);
	tcase_add_test(tc, test_certain_faults);
	tcase_add_loop_test(tc, test_rates_and_replay, 0, 3);
	tcase_add_loop_test(tc, test_parse, 0,
			    (int)(sizeof(parses) / sizeof(parses[0])));
	suite_add_tcase(su, tc);
	return su;
}
