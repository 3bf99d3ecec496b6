// SPDX-License-Identifier: BSD-2-Clause
/*
 * The x87 tag word (fpu.c): gdb's full 16-bit ftag computed from the
 * FXSAVE abridged tag byte and the register contents (SDM vol. 1 8.1.7,
 * 10.5.1.1), with physical register p = st((p - TOP) mod 8), and back.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "arch_test.h"

/* 80-bit values: sign+exponent (16 bits) and the 64-bit significand. */
struct x87 {
	uint16_t se;
	uint64_t mant;
};

#define V_ONE { 0x3fff, 0x8000000000000000ull }		/* valid */
#define V_MAX { 0x7ffe, 0xffffffffffffffffull }		/* valid */
#define V_NEG { 0xc000, 0xc000000000000000ull }		/* -3, valid */
#define V_ZERO { 0x0000, 0 }				/* zero */
#define V_NZERO { 0x8000, 0 }				/* -0, zero */
#define V_INF { 0x7fff, 0x8000000000000000ull }		/* special */
#define V_NAN { 0xffff, 0xc000000000000000ull }		/* special */
#define V_DEN { 0x0000, 0x0000000000000001ull }		/* denormal */
#define V_PDEN { 0x0000, 0x8000000000000000ull }	/* pseudo-denormal */
#define V_UNN { 0x3fff, 0x4000000000000000ull }		/* unnormal */
#define V_JUNK { 0x1234, 0x0123456789abcdefull }	/* unnormal */

static const struct {
	const char *what;
	unsigned top;
	uint8_t abridged;
	struct x87 st[8];	/* stack order, as FXSAVE stores them */
	uint16_t ftag;
} tag_rows[] = {
	{ "all empty", 0, 0x00, { V_ZERO }, 0xffff },
	{ "empty ignores contents", 3, 0x00,
	  { V_ONE, V_INF, V_DEN, V_ONE, V_ZERO, V_NAN, V_MAX, V_UNN }, 0xffff },
	{ "st0 valid, top 0", 0, 0x01, { V_ONE }, 0xfffc },
	{ "st0 zero, top 0", 0, 0x01, { V_ZERO }, 0xfffd },
	{ "st0 -0 is zero", 0, 0x01, { V_NZERO }, 0xfffd },
	{ "st0 negative valid", 0, 0x01, { V_NEG }, 0xfffc },
	{ "st0 infinity", 0, 0x01, { V_INF }, 0xfffe },
	{ "st0 valid, top 7", 7, 0x80, { V_ONE }, 0x3fff },
	{ "st0 zero, top 7", 7, 0x80, { V_ZERO }, 0x7fff },
	{ "st0 denormal, top 3", 3, 0x08, { V_DEN }, 0xffbf },
	{ "st0 largest normal, top 1", 1, 0x02, { V_MAX }, 0xfff3 },
	{ "st0 unnormal", 0, 0x01, { V_UNN }, 0xfffe },
	{ "st0 pseudo-denormal", 0, 0x01, { V_PDEN }, 0xfffe },
	{ "st0 NaN", 0, 0x01, { V_NAN }, 0xfffe },
	/* Phys 0 is st2 when TOP is 6: st0's contents must not matter. */
	{ "phys 0 is st2 at top 6", 6, 0x01, { V_INF, V_ZERO, V_ONE },
	  0xfffc },
	{ "three pushed, top 5", 5, 0xe0, { V_INF, V_ZERO, V_ONE }, 0x1bff },
	{ "full stack, top 2", 2, 0xff,
	  { V_ONE, V_ZERO, V_INF, V_NAN, V_DEN, V_PDEN, V_UNN, V_NZERO },
	  0xaa46 },
	{ "full stack of junk, top 0", 0, 0xff,
	  { V_JUNK, V_JUNK, V_JUNK, V_JUNK, V_JUNK, V_JUNK, V_JUNK, V_JUNK },
	  0xaaaa },
	{ "full valid, top 4", 4, 0xff,
	  { V_ONE, V_MAX, V_NEG, V_ONE, V_ONE, V_MAX, V_NEG, V_ONE }, 0x0000 },
};

static void fx_load(struct kstub_frame *f, unsigned row)
{
	uint16_t fsw = (uint16_t)(0x4100 | tag_rows[row].top << 11);
	unsigned i;

	frame_pattern(f);
	memcpy(f->fxsave + 2, &fsw, 2);
	f->fxsave[4] = tag_rows[row].abridged;
	for (i = 0; i < 8; i++) {
		memcpy(f->fxsave + 32 + 16 * i, &tag_rows[row].st[i].mant, 8);
		memcpy(f->fxsave + 40 + 16 * i, &tag_rows[row].st[i].se, 2);
	}
}

START_TEST(ftag_get)
{
	struct kstub_frame f;
	uint8_t out[4];
	uint32_t tag;

	fx_load(&f, _i);
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, KSTUB_REG_FTAG, out), 4);
	memcpy(&tag, out, 4);
	ck_assert_msg(tag == tag_rows[_i].ftag, "%s: ftag %#x, want %#x",
		      tag_rows[_i].what, tag, tag_rows[_i].ftag);
}
END_TEST

/* Writing the full tag gives back the abridged byte it came from. */
START_TEST(ftag_set)
{
	struct kstub_frame f, before;
	uint32_t tag = tag_rows[_i].ftag;
	uint8_t out[4];

	fx_load(&f, _i);
	f.fxsave[4] = (uint8_t)~tag_rows[_i].abridged;
	before = f;
	before.fxsave[4] = tag_rows[_i].abridged;
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_FTAG,
					    (const uint8_t *)&tag, 4), 0);
	ck_assert_uint_eq(f.fxsave[4], tag_rows[_i].abridged);
	ck_assert_mem_eq(&f, &before, sizeof(f));
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, KSTUB_REG_FTAG, out), 4);
	ck_assert_mem_eq(out, &tag, 4);
}
END_TEST

/* Full tag -> abridged byte: only "empty" (11) clears a bit. */
static const struct {
	uint32_t ftag;
	uint8_t abridged;
} abridge_rows[] = {
	{ 0xffff, 0x00 }, { 0x0000, 0xff }, { 0x5555, 0xff },
	{ 0xaaaa, 0xff }, { 0xfffc, 0x01 }, { 0xfffd, 0x01 },
	{ 0xfffe, 0x01 }, { 0x3fff, 0x80 }, { 0x7fff, 0x80 },
	{ 0xbfff, 0x80 }, { 0xff3f, 0x08 }, { 0x0fff, 0xc0 },
	{ 0xffff0000, 0xff },	/* bits above 15 are ignored */
};

START_TEST(ftag_abridge)
{
	struct kstub_frame f;

	frame_pattern(&f);
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_FTAG,
					    (const uint8_t *)&abridge_rows[_i]
						    .ftag,
					    4), 0);
	ck_assert_uint_eq(f.fxsave[4], abridge_rows[_i].abridged);
}
END_TEST

Suite *arch_fpu_suite(void)
{
	Suite *s = suite_create("arch_fpu");
	TCase *tc = tcase_create("ftag");

	tcase_add_loop_test(tc, ftag_get, 0, NELEM(tag_rows));
	tcase_add_loop_test(tc, ftag_set, 0, NELEM(tag_rows));
	tcase_add_loop_test(tc, ftag_abridge, 0, NELEM(abridge_rows));
	suite_add_tcase(s, tc);
	return s;
}
