// SPDX-License-Identifier: BSD-2-Clause
/*
 * Debug registers (dr.c): request checks, slot sharing, DR7 bits against
 * values worked out by hand from SDM vol. 3 18.2.4, and DR6 decoding.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "arch_test.h"

/* ---- dr_check ---- */

static const struct {
	int kind;
	uint64_t addr;
	unsigned len;
	int rc;
} check_rows[] = {
	{ KSTUB_HW_EXEC, 0xffffffff81000000ull, 1, 0 },
	{ KSTUB_HW_EXEC, 0xffffffff81000003ull, 1, 0 },	/* any byte */
	{ KSTUB_HW_EXEC, 0x00007fffffffffffull, 1, 0 },
	{ KSTUB_HW_EXEC, 0xffff800000000000ull, 1, 0 },
	{ KSTUB_HW_EXEC, 0xffffffff81000000ull, 0, KSTUB_EINVAL },
	{ KSTUB_HW_EXEC, 0xffffffff81000000ull, 2, KSTUB_EINVAL },
	{ KSTUB_HW_EXEC, 0xffffffff81000000ull, 4, KSTUB_EINVAL },
	{ KSTUB_HW_EXEC, 0xffffffff81000000ull, 8, KSTUB_EINVAL },
	{ KSTUB_HW_EXEC, 0x0000800000000000ull, 1, KSTUB_EINVAL },
	{ KSTUB_HW_EXEC, 0xffff7fffffffffffull, 1, KSTUB_EINVAL },
	{ KSTUB_HW_EXEC, 0x8000000000000000ull, 1, KSTUB_EINVAL },
	{ KSTUB_HW_WRITE, 0x1000, 1, 0 },
	{ KSTUB_HW_WRITE, 0x1000, 2, 0 },
	{ KSTUB_HW_WRITE, 0x1000, 4, 0 },
	{ KSTUB_HW_WRITE, 0x1000, 8, 0 },
	{ KSTUB_HW_WRITE, 0x1000, 0, KSTUB_EINVAL },
	{ KSTUB_HW_WRITE, 0x1000, 3, KSTUB_EINVAL },
	{ KSTUB_HW_WRITE, 0x1000, 16, KSTUB_EINVAL },
	{ KSTUB_HW_WRITE, 0x1001, 1, 0 },
	{ KSTUB_HW_WRITE, 0x1001, 2, KSTUB_EINVAL },
	{ KSTUB_HW_WRITE, 0x1002, 2, 0 },
	{ KSTUB_HW_WRITE, 0x1002, 4, KSTUB_EINVAL },
	{ KSTUB_HW_WRITE, 0x1004, 4, 0 },
	{ KSTUB_HW_WRITE, 0x1004, 8, KSTUB_EINVAL },
	{ KSTUB_HW_READ, 0xffff888000001008ull, 8, 0 },
	{ KSTUB_HW_READ, 0x1006, 4, KSTUB_EINVAL },
	{ KSTUB_HW_ACCESS, 0x100c, 8, KSTUB_EINVAL },
	{ KSTUB_HW_ACCESS, 0x100c, 4, 0 },
	{ KSTUB_HW_WRITE, 0x8000000000000000ull, 8, KSTUB_EINVAL },
	{ KSTUB_HW_ACCESS, 0x0000800000000000ull, 1, KSTUB_EINVAL },
	{ 4, 0x1000, 1, KSTUB_EINVAL },		/* no such kind */
	{ -1, 0x1000, 1, KSTUB_EINVAL },
};

START_TEST(check_row)
{
	struct kstub_dr_state s;
	unsigned slot = 99;
	int rc = check_rows[_i].rc;

	ck_assert_int_eq(kstub_arch_dr_check(check_rows[_i].kind,
					     check_rows[_i].addr,
					     check_rows[_i].len), rc);
	/* insert applies the same rules and takes nothing on failure. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kstub_arch_dr_insert(&s, check_rows[_i].kind,
					      check_rows[_i].addr,
					      check_rows[_i].len, &slot), rc);
	if (rc == 0) {
		ck_assert_uint_eq(slot, 0);
		ck_assert_uint_ne(kstub_arch_dr7(&s), 0);
	} else {
		ck_assert_uint_eq(slot, 99);
		ck_assert_uint_eq(kstub_arch_dr7(&s), 0);
	}
}
END_TEST

/* ---- encode / decode ---- */

static const unsigned lens[] = { 1, 2, 4, 8 };

/* Every slot x kind x len: decode(encode(x)) == x, and nothing spills. */
START_TEST(encode_round_trip)
{
	unsigned slot = (unsigned)_i / 16, kind = (_i / 4) % 4;
	unsigned len = lens[_i % 4], other;
	struct kstub_hw_slot bp;
	uint64_t dr7 = 0, mine;
	uint8_t k = 0xee, l = 0xee;

	memset(&bp, 0, sizeof(bp));
	bp.addr = 0x2000;
	bp.len = (uint8_t)len;
	bp.kind = (uint8_t)kind;
	bp.in_use = 1;
	if (kind == KSTUB_HW_EXEC && len != 1) {
		ck_assert_int_eq(kstub_arch_dr_encode(&bp, slot, &dr7),
				 KSTUB_EINVAL);
		ck_assert_uint_eq(dr7, 0);
		return;
	}
	ck_assert_int_eq(kstub_arch_dr_encode(&bp, slot, &dr7), 0);
	/* Only this slot's G, R/W and LEN bits; L stays clear. */
	mine = (2ull << (2 * slot)) | (0xfull << (16 + 4 * slot));
	ck_assert_uint_eq(dr7 & ~mine, 0);
	ck_assert_uint_ne(dr7 & (2ull << (2 * slot)), 0);
	ck_assert_int_eq(kstub_arch_dr_decode(dr7, slot, &k, &l), 0);
	ck_assert_uint_eq(k, kind == KSTUB_HW_READ ? KSTUB_HW_ACCESS : kind);
	ck_assert_uint_eq(l, len);
	for (other = 0; other < KSTUB_DR_SLOTS; other++)
		if (other != slot)
			ck_assert_int_eq(kstub_arch_dr_decode(dr7, other, &k,
							      &l),
					 KSTUB_ENOENT);
}
END_TEST

/* Worked out by hand from SDM vol. 3 figure 18-1. */
static const struct {
	unsigned slot;
	int kind;
	unsigned len;
	uint64_t dr7;
} exact_rows[] = {
	{ 0, KSTUB_HW_EXEC, 1, 0x00000002 },	/* G0 */
	{ 1, KSTUB_HW_WRITE, 4, 0x00d00008 },	/* G1, RW1 01, LEN1 11 */
	{ 2, KSTUB_HW_ACCESS, 8, 0x0b000020 },	/* G2, RW2 11, LEN2 10 */
	{ 3, KSTUB_HW_READ, 2, 0x70000080 },	/* G3, RW3 11, LEN3 01 */
	{ 3, KSTUB_HW_EXEC, 1, 0x00000080 },	/* G3 */
	{ 0, KSTUB_HW_WRITE, 8, 0x00090002 },	/* G0, RW0 01, LEN0 10 */
	{ 1, KSTUB_HW_ACCESS, 1, 0x00300008 },	/* G1, RW1 11, LEN1 00 */
};

START_TEST(encode_exact)
{
	struct kstub_hw_slot bp;
	uint64_t dr7 = 0;

	memset(&bp, 0, sizeof(bp));
	bp.len = (uint8_t)exact_rows[_i].len;
	bp.kind = (uint8_t)exact_rows[_i].kind;
	bp.in_use = 1;
	ck_assert_int_eq(kstub_arch_dr_encode(&bp, exact_rows[_i].slot, &dr7),
			 0);
	ck_assert_uint_eq(dr7, exact_rows[_i].dr7);
}
END_TEST

START_TEST(dr7_whole)
{
	struct kstub_dr_state s;
	unsigned slot;

	memset(&s, 0, sizeof(s));
	ck_assert_uint_eq(kstub_arch_dr7(&s), 0);
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_EXEC,
					      0xffffffff81000000ull, 1, &slot),
			 0);
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_WRITE, 0x1000, 4,
					      &slot), 0);
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_ACCESS, 0x1008, 8,
					      &slot), 0);
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_READ, 0x1012, 2,
					      &slot), 0);
	/* The four rows above plus GE (bit 9); bit 10 is left clear. */
	ck_assert_uint_eq(kstub_arch_dr7(&s), 0x7bd002aaull);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1000, 4),
			 0);
	ck_assert_uint_eq(kstub_arch_dr7(&s), 0x7b0002a2ull);
	kstub_arch_dr_remove(&s, KSTUB_HW_EXEC, 0xffffffff81000000ull, 1);
	kstub_arch_dr_remove(&s, KSTUB_HW_ACCESS, 0x1008, 8);
	kstub_arch_dr_remove(&s, KSTUB_HW_READ, 0x1012, 2);
	ck_assert_uint_eq(kstub_arch_dr7(&s), 0);
}
END_TEST

static const struct {
	uint64_t dr7;
	unsigned slot;
	int rc;
	uint8_t kind, len;
} decode_rows[] = {
	{ 0x00000000, 0, KSTUB_ENOENT, 0, 0 },
	{ 0x00000400, 0, KSTUB_ENOENT, 0, 0 },	/* bit 10 alone */
	{ 0x00000001, 0, 0, KSTUB_HW_EXEC, 1 },	/* L0 counts too */
	{ 0x00d00004, 1, 0, KSTUB_HW_WRITE, 4 },	/* L1 */
	{ 0x000f0000, 0, KSTUB_ENOENT, 0, 0 },	/* fields, no enable */
	{ 0x00020002, 0, KSTUB_EINVAL, 0, 0 },	/* R/W 10: I/O */
	{ 0x00040002, 0, KSTUB_EINVAL, 0, 0 },	/* exec with LEN 01 */
	{ 0x00000002, 4, KSTUB_EINVAL, 0, 0 },	/* no slot 4 */
	{ 0x7bd006aa, 2, 0, KSTUB_HW_ACCESS, 8 },	/* from real DR7 */
};

START_TEST(decode_row)
{
	uint8_t k = 0xee, l = 0xee;

	ck_assert_int_eq(kstub_arch_dr_decode(decode_rows[_i].dr7,
					      decode_rows[_i].slot, &k, &l),
			 decode_rows[_i].rc);
	if (decode_rows[_i].rc == 0) {
		ck_assert_uint_eq(k, decode_rows[_i].kind);
		ck_assert_uint_eq(l, decode_rows[_i].len);
	}
}
END_TEST

/* ---- slots ---- */

START_TEST(slots_fill_and_share)
{
	struct kstub_dr_state s;
	unsigned slot, i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_WRITE,
						      0x1000 + 8 * i, 8,
						      &slot), 0);
		ck_assert_uint_eq(slot, i);
		ck_assert_uint_eq(s.slot[i].in_use, 1);
		ck_assert_uint_eq(s.slot[i].addr, 0x1000 + 8 * i);
		ck_assert_uint_eq(s.slot[i].len, 8);
		ck_assert_uint_eq(s.slot[i].kind, KSTUB_HW_WRITE);
	}
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_WRITE, 0x2000, 8,
					      &slot), KSTUB_ENOSPC);
	/* The same request again shares its slot even when all are busy. */
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_WRITE, 0x1010, 8,
					      &slot), 0);
	ck_assert_uint_eq(slot, 2);
	ck_assert_uint_eq(s.slot[2].in_use, 1);
	/* Z is idempotent: one remove frees it however often it was set. */
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1010, 8),
			 0);
	ck_assert_uint_eq(s.slot[2].in_use, 0);
	ck_assert_uint_eq(kstub_arch_dr7(&s) & (2u << 4), 0);
	/* The freed slot is the one taken next. */
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_EXEC,
					      0xffffffff81000000ull, 1, &slot),
			 0);
	ck_assert_uint_eq(slot, 2);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1010, 8),
			 KSTUB_ENOENT);
}
END_TEST

/* Only an identical (kind, addr, len) matches. */
START_TEST(slots_distinct)
{
	struct kstub_dr_state s;
	unsigned a, b;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_READ, 0x1000, 4,
					      &a), 0);
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_ACCESS, 0x1000, 4,
					      &b), 0);
	ck_assert_uint_ne(a, b);	/* same encoding, different meaning */
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_READ, 0x1000, 2,
					      &b), 0);
	ck_assert_uint_ne(a, b);
	ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_READ, 0x1004, 4,
					      &b), 0);
	ck_assert_uint_ne(a, b);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1000, 4),
			 KSTUB_ENOENT);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_READ, 0x1000, 8),
			 KSTUB_ENOENT);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_READ, 0x1008, 4),
			 KSTUB_ENOENT);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_READ, 0x1000, 4),
			 0);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_READ, 0x1000, 4),
			 KSTUB_ENOENT);
}
END_TEST

START_TEST(remove_from_empty)
{
	struct kstub_dr_state s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_EXEC, 0, 1),
			 KSTUB_ENOENT);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1000, 4),
			 KSTUB_ENOENT);
}
END_TEST

/* Any number of identical inserts take one slot; one remove frees it. */
START_TEST(insert_idempotent)
{
	struct kstub_dr_state s;
	unsigned slot, i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < 300; i++) {
		ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_WRITE,
						      0x1000, 4, &slot), 0);
		ck_assert_uint_eq(slot, 0);
	}
	ck_assert_uint_eq(s.slot[1].in_use, 0);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1000, 4),
			 0);
	ck_assert_uint_eq(kstub_arch_dr7(&s), 0);
	ck_assert_int_eq(kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1000, 4),
			 KSTUB_ENOENT);
}
END_TEST

/* ---- DR6 ---- */

static const struct {
	uint8_t used;	/* slots in use */
	uint64_t dr6;
	uint8_t slots;
	bool step;
} dr6_rows[] = {
	{ 0xf, KSTUB_DR6_CLEAN, 0x0, false },
	{ 0xf, KSTUB_DR6_CLEAN | 0x1, 0x1, false },
	{ 0x1, KSTUB_DR6_CLEAN | 0xf, 0x1, false },	/* unused B ignored */
	{ 0x0, KSTUB_DR6_CLEAN | 0xf, 0x0, false },
	{ 0xa, KSTUB_DR6_CLEAN | 0x6, 0x2, false },
	{ 0xf, KSTUB_DR6_CLEAN | 0xc, 0xc, false },	/* two at once */
	{ 0x0, KSTUB_DR6_CLEAN | KSTUB_DR6_BS, 0x0, true },
	{ 0x8, KSTUB_DR6_CLEAN | KSTUB_DR6_BS | 0x8, 0x8, true },
	{ 0xf, KSTUB_DR6_CLEAN | (1ull << 13), 0x0, false },	/* BD */
	{ 0xf, KSTUB_DR6_CLEAN | (1ull << 15), 0x0, false },	/* BT */
	{ 0xf, 0x0, 0x0, false },
	{ 0xf, 0x4005, 0x5, true },
};

START_TEST(dr6_row)
{
	struct kstub_dr_state s;
	struct kstub_dr_hits hits;
	unsigned i, slot;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		ck_assert_int_eq(kstub_arch_dr_insert(&s, KSTUB_HW_WRITE,
						      0x1000 + 8 * i, 8,
						      &slot), 0);
		ck_assert_uint_eq(slot, i);
	}
	for (i = 0; i < KSTUB_DR_SLOTS; i++)
		if (!(dr6_rows[_i].used & (1u << i)))
			kstub_arch_dr_remove(&s, KSTUB_HW_WRITE, 0x1000 + 8 * i,
					     8);
	memset(&hits, 0xee, sizeof(hits));
	kstub_arch_dr6_decode(&s, dr6_rows[_i].dr6, &hits);
	ck_assert_uint_eq(hits.slots, dr6_rows[_i].slots);
	ck_assert_uint_eq(hits.step, dr6_rows[_i].step);
}
END_TEST

Suite *arch_dr_suite(void)
{
	Suite *s = suite_create("arch_dr");
	TCase *tc = tcase_create("check");

	tcase_add_loop_test(tc, check_row, 0, NELEM(check_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("dr7");
	tcase_add_loop_test(tc, encode_round_trip, 0, KSTUB_DR_SLOTS * 4 * 4);
	tcase_add_loop_test(tc, encode_exact, 0, NELEM(exact_rows));
	tcase_add_test(tc, dr7_whole);
	tcase_add_loop_test(tc, decode_row, 0, NELEM(decode_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("slots");
	tcase_add_test(tc, slots_fill_and_share);
	tcase_add_test(tc, slots_distinct);
	tcase_add_test(tc, remove_from_empty);
	tcase_add_test(tc, insert_idempotent);
	suite_add_tcase(s, tc);

	tc = tcase_create("dr6");
	tcase_add_loop_test(tc, dr6_row, 0, NELEM(dr6_rows));
	suite_add_tcase(s, tc);
	return s;
}
