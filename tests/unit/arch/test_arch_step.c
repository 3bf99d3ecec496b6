// SPDX-License-Identifier: BSD-2-Clause
/*
 * Single step (step.c): instruction classes through prefixes, and the
 * TF/IF/RF state before and after one step of each class, with the CPU's
 * part (what the instruction itself does to the flags) played by the test.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch_test.h"

#define TF KSTUB_RFLAGS_TF
#define IF KSTUB_RFLAGS_IF
#define RF KSTUB_RFLAGS_RF

/* ---- classification ---- */

static const struct {
	const char *bytes;
	size_t n;
	enum kstub_insn_class klass;
} insn_rows[] = {
	{ "\x9c", 1, KSTUB_INSN_PUSHF },
	{ "\x9d", 1, KSTUB_INSN_POPF },
	{ "\xfa", 1, KSTUB_INSN_CLI },
	{ "\xfb", 1, KSTUB_INSN_STI },
	{ "\xcf", 1, KSTUB_INSN_IRET },		/* iretd */
	{ "\x48\xcf", 2, KSTUB_INSN_IRET },	/* iretq */
	{ "\x66\xcf", 2, KSTUB_INSN_IRET },	/* iretw */
	{ "\x66\x9c", 2, KSTUB_INSN_PUSHF },	/* pushfw */
	{ "\x66\x9d", 2, KSTUB_INSN_POPF },	/* popfw */
	{ "\x48\x9c", 2, KSTUB_INSN_PUSHF },
	{ "\x41\xfb", 2, KSTUB_INSN_STI },
	{ "\x65\x48\xcf", 3, KSTUB_INSN_IRET },
	{ "\x40\x66\x9c", 3, KSTUB_INSN_PUSHF },	/* REX, then legacy */
	{ "\xf0\xfa", 2, KSTUB_INSN_CLI },	/* #UD, but it is cli */
	{ "\x2e\x3e\x26\x36\x64\x65\x66\x67\xf0\xf2\xf3\x9d", 12,
	  KSTUB_INSN_POPF },
	/* 14 prefixes and the opcode: 15 bytes, the longest insn. */
	{ "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x9c", 15,
	  KSTUB_INSN_PUSHF },
	/* 15 prefixes: the opcode would be byte 16, which cannot be. */
	{ "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x9c",
	  16, KSTUB_INSN_OTHER },
	{ "\xf4", 1, KSTUB_INSN_HLT },
	{ "\x2e\x48\xf4", 3, KSTUB_INSN_HLT },
	{ "\x90", 1, KSTUB_INSN_OTHER },
	{ "\xf3\x90", 2, KSTUB_INSN_OTHER },	/* pause */
	{ "\xcc", 1, KSTUB_INSN_OTHER },
	{ "\x0f\xcf", 2, KSTUB_INSN_OTHER },	/* bswap edi */
	{ "\x0f\x01\xca", 3, KSTUB_INSN_OTHER },	/* clac */
	{ "\x48\x0f\x07", 3, KSTUB_INSN_OTHER },	/* sysretq */
	{ "\xc5\xf8\x77", 3, KSTUB_INSN_OTHER },	/* vzeroupper */
	{ "\x8b\x9c\x24", 3, KSTUB_INSN_OTHER },	/* 9c as a modrm */
	{ "", 0, KSTUB_INSN_OTHER },
	{ "\x66", 1, KSTUB_INSN_OTHER },	/* rest unreadable */
	{ "\x48", 1, KSTUB_INSN_OTHER },
	{ "\x66\x9c", 1, KSTUB_INSN_OTHER },	/* only the prefix readable */
	{ "\xf3\x48", 2, KSTUB_INSN_OTHER },
};

START_TEST(classify_row)
{
	size_t n = insn_rows[_i].n;
	/* Exactly n bytes on the heap: ASan catches a read past them. */
	uint8_t *buf = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, insn_rows[_i].bytes, n);
	ck_assert_int_eq(kstub_arch_insn_classify(buf, n),
			 insn_rows[_i].klass);
	free(buf);
}
END_TEST

/* The opcode's index: what the core skips over a hlt. */
START_TEST(opcode_index)
{
	ck_assert_uint_eq(kstub_arch_insn_opcode((const uint8_t *)"\xf4", 1), 0);
	ck_assert_uint_eq(kstub_arch_insn_opcode((const uint8_t *)"\x2e\x48\xf4",
						 3), 2);
	ck_assert_uint_eq(kstub_arch_insn_opcode((const uint8_t *)"\x66\x66", 2),
			  2);
	ck_assert_uint_eq(kstub_arch_insn_opcode((const uint8_t *)"", 0), 0);
}
END_TEST

/* ---- one step of each class ---- */

#define KEEP (-1)	/* the instruction leaves IF as the stub set it */

static const struct {
	enum kstub_insn_class klass;
	bool if_before;
	bool rf_before;
	bool rf;	/* step_begin's argument */
	int if_insn;	/* IF after the instruction ran, or KEEP */
	bool if_after;	/* IF after step_end */
} step_rows[] = {
	{ KSTUB_INSN_OTHER, true, false, false, KEEP, true },
	{ KSTUB_INSN_OTHER, false, false, false, KEEP, false },
	{ KSTUB_INSN_OTHER, true, false, true, KEEP, true },
	{ KSTUB_INSN_OTHER, true, true, false, KEEP, true },
	{ KSTUB_INSN_PUSHF, true, false, false, KEEP, true },
	{ KSTUB_INSN_PUSHF, false, false, true, KEEP, false },
	{ KSTUB_INSN_POPF, true, false, false, 0, false },
	{ KSTUB_INSN_POPF, false, false, false, 1, true },
	{ KSTUB_INSN_POPF, true, false, false, 1, true },
	{ KSTUB_INSN_CLI, true, false, false, 0, false },
	{ KSTUB_INSN_CLI, false, false, true, 0, false },
	{ KSTUB_INSN_STI, false, false, false, 1, true },
	{ KSTUB_INSN_STI, true, false, false, 1, true },
	{ KSTUB_INSN_IRET, true, false, false, 0, false },
	{ KSTUB_INSN_IRET, false, false, false, 1, true },
};

/* Flags the stub must never touch: CF PF ZF SF DF OF AC and bit 1. */
#define OTHERS 0x40cd7ull

START_TEST(step_row)
{
	struct kstub_frame f;
	struct kstub_step st;
	uint64_t fix = 0xdeadbeef, base;
	bool pushed;

	frame_pattern(&f);
	base = OTHERS | (step_rows[_i].if_before ? IF : 0) |
	       (step_rows[_i].rf_before ? RF : 0);
	f.rflags = base;
	f.gpr[KSTUB_REG_RSP] = 0xffffc90000124000ull;
	memset(&st, 0xee, sizeof(st));

	kstub_arch_step_begin(&st, &f, step_rows[_i].klass, step_rows[_i].rf);
	ck_assert_uint_eq(st.active, 1);
	ck_assert_uint_eq(st.klass, step_rows[_i].klass);
	ck_assert_uint_eq(st.saved_if, step_rows[_i].if_before);
	ck_assert_uint_eq(f.rflags & TF, TF);
	ck_assert_uint_eq(f.rflags & IF, 0);
	ck_assert_uint_eq((f.rflags & RF) != 0,
			  step_rows[_i].rf || step_rows[_i].rf_before);
	ck_assert_uint_eq(f.rflags & OTHERS, OTHERS);

	/* The CPU runs the instruction; the #DB trap frame comes back. */
	if (step_rows[_i].klass == KSTUB_INSN_PUSHF)
		f.gpr[KSTUB_REG_RSP] -= 8;
	if (step_rows[_i].if_insn != KEEP)
		f.rflags = step_rows[_i].if_insn ? f.rflags | IF
						 : f.rflags & ~IF;
	f.rflags &= ~RF;	/* cleared once the instruction completes */

	pushed = kstub_arch_step_end(&st, &f, &fix, true);
	ck_assert_uint_eq(st.active, 0);
	ck_assert_uint_eq(f.rflags & TF, 0);
	ck_assert_uint_eq((f.rflags & IF) != 0, step_rows[_i].if_after);
	ck_assert_uint_eq(f.rflags & OTHERS, OTHERS);
	if (step_rows[_i].klass == KSTUB_INSN_PUSHF) {
		ck_assert(pushed);
		ck_assert_uint_eq(fix, 0xffffc90000123ff8ull);
	} else {
		ck_assert(!pushed);
		ck_assert_uint_eq(fix, 0xdeadbeef);
	}
}
END_TEST

/* The pushed image: the CPU pushed our TF=1, IF=0; the kernel's go back. */
START_TEST(pushf_fix)
{
	struct kstub_frame f;
	struct kstub_step st;
	uint64_t fix = 0;
	uint16_t image;
	bool if_before = _i != 0;

	frame_pattern(&f);
	f.rflags = 0x0893 | (if_before ? IF : 0);	/* with CF, OF ... */
	f.gpr[KSTUB_REG_RSP] = 0x8000;
	kstub_arch_step_begin(&st, &f, KSTUB_INSN_PUSHF, false);
	image = (uint16_t)f.rflags;	/* what pushf stores */
	ck_assert_uint_eq(image & (TF | IF), TF);
	f.gpr[KSTUB_REG_RSP] -= 2;	/* pushfw */
	ck_assert(kstub_arch_step_end(&st, &f, &fix, true));
	ck_assert_uint_eq(fix, 0x7ffe);
	ck_assert_uint_eq(kstub_arch_step_fix_pushed(&st, image),
			  0x0893 | (if_before ? IF : 0));
}
END_TEST

static const struct {
	bool saved_if;
	uint16_t pushed, fixed;
} fix_rows[] = {
	{ true, 0x0102, 0x0202 }, { false, 0x0102, 0x0002 },
	{ true, 0x0302, 0x0202 }, { false, 0x0302, 0x0002 },
	{ true, 0x0002, 0x0202 }, { false, 0x0202, 0x0002 },
	{ true, 0xffff, 0xfeff }, { false, 0xffff, 0xfcff },
	{ false, 0x0000, 0x0000 }, { true, 0x0cd5, 0x0ed5 },
};

START_TEST(fix_row)
{
	struct kstub_step st;

	memset(&st, 0, sizeof(st));
	st.klass = KSTUB_INSN_PUSHF;
	st.saved_if = fix_rows[_i].saved_if;
	ck_assert_uint_eq(kstub_arch_step_fix_pushed(&st, fix_rows[_i].pushed),
			  fix_rows[_i].fixed);
}
END_TEST

/* Without a step in progress, step_end changes nothing. */
START_TEST(end_inactive)
{
	struct kstub_frame f, before;
	struct kstub_step st;
	uint64_t fix = 7;

	frame_pattern(&f);
	f.rflags = TF | OTHERS;
	before = f;
	memset(&st, 0, sizeof(st));
	st.klass = KSTUB_INSN_PUSHF;
	ck_assert(!kstub_arch_step_end(&st, &f, &fix, true));
	ck_assert_mem_eq(&f, &before, sizeof(f));
	ck_assert_uint_eq(fix, 7);
}
END_TEST

/*
 * A step ended by something other than its own trap (a fault of the
 * instruction, an NMI first): nothing ran, so IF is the kernel's again for
 * every class, and a pushf pushed nothing to fix.
 */
START_TEST(end_incomplete)
{
	struct kstub_frame f;
	struct kstub_step st;
	uint64_t fix = 7;
	enum kstub_insn_class k = (enum kstub_insn_class)(_i / 2);
	bool if_before = _i % 2;

	frame_pattern(&f);
	f.rflags = OTHERS | (if_before ? IF : 0);
	kstub_arch_step_begin(&st, &f, k, false);
	ck_assert(!kstub_arch_step_end(&st, &f, &fix, false));
	ck_assert_uint_eq(st.active, 0);
	ck_assert_uint_eq(f.rflags & (TF | IF), if_before ? IF : 0);
	ck_assert_uint_eq(fix, 7);
}
END_TEST

static const struct {
	uint64_t before;
	bool rf;
	uint64_t after;
} resume_rows[] = {
	{ TF | IF | OTHERS, false, IF | OTHERS },
	{ TF | IF | OTHERS, true, IF | RF | OTHERS },
	{ OTHERS, true, RF | OTHERS },
	{ RF | OTHERS, false, RF | OTHERS },	/* RF is the CPU's: kept */
	{ 0, false, 0 },
	{ TF, false, 0 },
};

START_TEST(resume_row)
{
	struct kstub_frame f, before;

	frame_pattern(&f);
	f.rflags = resume_rows[_i].before;
	before = f;
	before.rflags = resume_rows[_i].after;
	kstub_arch_resume_prepare(&f, resume_rows[_i].rf);
	ck_assert_uint_eq(f.rflags, resume_rows[_i].after);
	ck_assert_mem_eq(&f, &before, sizeof(f));
}
END_TEST

Suite *arch_step_suite(void)
{
	Suite *s = suite_create("arch_step");
	TCase *tc = tcase_create("classify");

	tcase_add_loop_test(tc, classify_row, 0, NELEM(insn_rows));
	tcase_add_test(tc, opcode_index);
	suite_add_tcase(s, tc);

	tc = tcase_create("step");
	tcase_add_loop_test(tc, step_row, 0, NELEM(step_rows));
	tcase_add_loop_test(tc, pushf_fix, 0, 2);
	tcase_add_loop_test(tc, fix_row, 0, NELEM(fix_rows));
	tcase_add_test(tc, end_inactive);
	tcase_add_loop_test(tc, end_incomplete, 0, 2 * (KSTUB_INSN_HLT + 1));
	tcase_add_loop_test(tc, resume_row, 0, NELEM(resume_rows));
	suite_add_tcase(s, tc);
	return s;
}
