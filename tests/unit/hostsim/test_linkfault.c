// SPDX-License-Identifier: BSD-2-Clause
/* hostsim's fault injector (hostsim/linkfault.c): bytes and frames. */
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
	struct hs_linkfault_cfg cfg = {ppm, ppm, ppm, 42, 0};
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
	{"reorder=0.25,drop=0", 0, 0, 0, 0, 0},
	{"reorder=", -1, 0, 0, 0, 0},
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
		ck_assert_uint_eq(cfg.reorder_ppm,
				  strstr(parses[_i].s, "reorder=0.25") ? 250000
									: 0);
	}
}
END_TEST

/* --- the frame face ------------------------------------------------ */

#define NFRAMES 4000
#define FRAME_MAX 64

/* What came out of the wire: each frame's id (its first two bytes). */
struct seen {
	unsigned n;
	uint16_t id[3 * NFRAMES];
	uint8_t len[3 * NFRAMES];
	uint8_t data[3 * NFRAMES][FRAME_MAX];
};

static struct seen seen_a, seen_b;

static void record(void *ctx, const uint8_t *frame, size_t len)
{
	struct seen *s = ctx;

	ck_assert_uint_lt(s->n, 3 * NFRAMES);
	ck_assert_uint_le(len, FRAME_MAX);
	s->id[s->n] = (uint16_t)(frame[0] | frame[1] << 8);
	s->len[s->n] = (uint8_t)len;
	memcpy(s->data[s->n], frame, len);
	s->n++;
}

/* Frame i: its id, then bytes derived from it; len from 2 to 2 + 61. */
static size_t make_frame(unsigned i, uint8_t *f, bool fixed_len)
{
	size_t len = fixed_len ? 40 : 2 + (i * 7) % 62;

	f[0] = (uint8_t)i;
	f[1] = (uint8_t)(i >> 8);
	for (size_t k = 2; k < len; k++)
		f[k] = (uint8_t)(i * 31 + k);
	return len;
}

/* Send frames 0..n-1 through lf, flush, return the deliveries. */
static size_t run_frames(struct hs_linkfault *lf, struct seen *s, unsigned n,
			 bool fixed_len)
{
	uint8_t f[FRAME_MAX];
	size_t got = 0;

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < n; i++)
		got += hs_linkfault_frame(lf, f, make_frame(i, f, fixed_len),
					  record, s);
	got += hs_linkfault_frame_flush(lf, record, s);
	ck_assert_uint_eq(got, s->n);
	return got;
}

static uint8_t hold[FRAME_MAX];

START_TEST(test_frames_clean)
{
	struct hs_linkfault lf;
	struct hs_linkfault_cfg cfg = {.seed = 3};
	uint8_t f[FRAME_MAX];

	hs_linkfault_frame_init(&lf, &cfg, hold, sizeof(hold));
	ck_assert(!hs_linkfault_active(&lf));
	ck_assert_uint_eq(run_frames(&lf, &seen_a, 100, false), 100);
	for (unsigned i = 0; i < 100; i++) {
		size_t len = make_frame(i, f, false);

		ck_assert_uint_eq(seen_a.len[i], len);
		ck_assert_mem_eq(seen_a.data[i], f, len);
	}
	ck_assert_uint_eq(lf.frames, 100);
	ck_assert_uint_eq(lf.dropped + lf.corrupted + lf.duplicated +
				  lf.reordered, 0);
}
END_TEST

START_TEST(test_frames_certain_faults)
{
	struct hs_linkfault lf;
	struct hs_linkfault_cfg drop = {.drop_ppm = 1000000};
	struct hs_linkfault_cfg dup = {.dup_ppm = 1000000};
	struct hs_linkfault_cfg bad = {.corrupt_ppm = 1000000, .seed = 5};
	uint8_t f[FRAME_MAX];

	hs_linkfault_frame_init(&lf, &drop, hold, sizeof(hold));
	ck_assert_uint_eq(run_frames(&lf, &seen_a, 50, false), 0);
	ck_assert_uint_eq(lf.dropped, 50);

	hs_linkfault_frame_init(&lf, &dup, hold, sizeof(hold));
	ck_assert_uint_eq(run_frames(&lf, &seen_a, 50, false), 100);
	for (unsigned i = 0; i < 100; i++)
		ck_assert_uint_eq(seen_a.id[i], i / 2);

	/* Exactly one byte of each frame changes; lengths stay. */
	hs_linkfault_frame_init(&lf, &bad, hold, sizeof(hold));
	ck_assert_uint_eq(run_frames(&lf, &seen_a, 500, false), 500);
	ck_assert_uint_eq(lf.corrupted, 500);
	for (unsigned i = 0; i < 500; i++) {
		size_t len = make_frame(i, f, false), diff = 0;

		ck_assert_uint_eq(seen_a.len[i], len);
		for (size_t k = 0; k < len; k++)
			diff += seen_a.data[i][k] != f[k];
		ck_assert_uint_eq(diff, 1);
	}
	/* An empty frame has nothing to corrupt. */
	hs_linkfault_frame_init(&lf, &bad, hold, sizeof(hold));
	ck_assert_uint_eq(hs_linkfault_frame(&lf, f, 0, record, &seen_a), 1);
	ck_assert_uint_eq(lf.corrupted, 0);
}
END_TEST

START_TEST(test_frames_reorder)
{
	struct hs_linkfault lf;
	struct hs_linkfault_cfg cfg = {.reorder_ppm = 1000000};
	uint8_t f[FRAME_MAX];
	unsigned i;

	/* Every frame is held if it can be: pairs swap, 1 0 3 2 ... */
	hs_linkfault_frame_init(&lf, &cfg, hold, sizeof(hold));
	ck_assert_uint_eq(run_frames(&lf, &seen_a, 7, true), 7);
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(seen_a.id[i], i ^ 1);
	ck_assert_uint_eq(seen_a.id[6], 6);	/* held until the flush */
	ck_assert_uint_eq(lf.reordered, 4);

	/* Too long for the hold buffer, or no buffer: never held. */
	hs_linkfault_frame_init(&lf, &cfg, hold, 39);
	ck_assert_uint_eq(run_frames(&lf, &seen_a, 5, true), 5);
	hs_linkfault_frame_init(&lf, &cfg, NULL, 0);
	ck_assert_uint_eq(hs_linkfault_frame(&lf, f, make_frame(0, f, true),
					     record, &seen_a), 1);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(seen_a.id[i], i);
	ck_assert_uint_eq(lf.reordered, 0);

	/* A dropped frame does not release the held one. */
	cfg.drop_ppm = 0;
	hs_linkfault_frame_init(&lf, &cfg, hold, sizeof(hold));
	memset(&seen_a, 0, sizeof(seen_a));
	ck_assert_uint_eq(hs_linkfault_frame(&lf, f, make_frame(0, f, true),
					     record, &seen_a), 0);
	lf.cfg.drop_ppm = 1000000;
	ck_assert_uint_eq(hs_linkfault_frame(&lf, f, make_frame(1, f, true),
					     record, &seen_a), 0);
	ck_assert_uint_eq(hs_linkfault_frame_flush(&lf, record, &seen_a), 1);
	ck_assert_uint_eq(seen_a.id[0], 0);
	ck_assert_uint_eq(hs_linkfault_frame_flush(&lf, record, &seen_a), 0);
}
END_TEST

static const double frame_rates[] = {0.01, 0.1, 0.3};

START_TEST(test_frames_rates_and_replay)
{
	uint32_t ppm = (uint32_t)(frame_rates[_i] * 1e6);
	struct hs_linkfault_cfg cfg = {ppm, ppm, ppm, 77, ppm};
	struct hs_linkfault_cfg intact = {0, ppm, ppm, 77, ppm};
	struct hs_linkfault a, b, c;
	double want = NFRAMES * frame_rates[_i];
	double tol = 6 * sqrt_approx(want) + 5;
	size_t na;

	hs_linkfault_frame_init(&a, &cfg, hold, sizeof(hold));
	na = run_frames(&a, &seen_a, NFRAMES, false);
	ck_assert_uint_eq(na, NFRAMES - a.dropped + a.duplicated);
	ck_assert_uint_eq(a.frames, NFRAMES);
	ck_assert(a.dropped > want - tol && a.dropped < want + tol);
	want *= 1 - frame_rates[_i];	/* the rest see surviving frames */
	ck_assert(a.corrupted > want - tol && a.corrupted < want + tol);
	ck_assert(a.duplicated > want - tol && a.duplicated < want + tol);
	/* Holding needs an empty slot: fewer than the rate alone gives. */
	ck_assert(a.reordered > 0 && a.reordered < want + tol);

	/*
	 * Same seed, same fates, whatever the frames' lengths; and without
	 * corruption (so the ids stay readable) the same drops, copies and
	 * swaps.
	 */
	hs_linkfault_frame_init(&b, &intact, hold, sizeof(hold));
	hs_linkfault_frame_init(&c, &intact, hold, sizeof(hold));
	ck_assert_uint_eq(run_frames(&b, &seen_a, NFRAMES, false), na);
	ck_assert_uint_eq(run_frames(&c, &seen_b, NFRAMES, true), na);
	ck_assert_mem_eq(seen_a.id, seen_b.id, na * sizeof(seen_a.id[0]));
	ck_assert_uint_eq(b.dropped, a.dropped);
	ck_assert_uint_eq(b.duplicated, a.duplicated);
	ck_assert_uint_eq(b.reordered, a.reordered);
	ck_assert_uint_eq(b.corrupted, 0);
	/*
	 * A late frame is overtaken by one frame at most: it is never below
	 * the second highest id delivered before it.
	 */
	for (size_t k = 0, m1 = 0, m2 = 0; k < na; k++) {
		size_t id = seen_a.id[k] + 1u;	/* 0: none yet */

		if (id < m1)
			ck_assert_uint_ge(id, m2);
		if (id > m1) {
			m2 = m1;
			m1 = id;
		} else if (id < m1 && id > m2) {
			m2 = id;
		}
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
	tc = tcase_create("frames");
	tcase_add_test(tc, test_frames_clean);
	tcase_add_test(tc, test_frames_certain_faults);
	tcase_add_test(tc, test_frames_reorder);
	tcase_add_loop_test(tc, test_frames_rates_and_replay, 0, 3);
	suite_add_tcase(su, tc);
	return su;
}
