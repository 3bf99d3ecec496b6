// SPDX-License-Identifier: BSD-2-Clause
/*
 * Agent expressions (issue 17), hit side: opcode semantics, the step
 * budget, faults and other evaluation errors, OR of conditions, printf.
 */
#include <string.h>

#include "agent_test.h"

static struct kstub_agent_bp bp;
static struct kstub_agent_vm vm;
static struct fake_machine fm;
static char out[256];

/* ---- evaluation: opcode semantics, budget, faults ---- */

static int eval_bytes(const uint8_t *code, size_t len, uint64_t *v)
{
	struct kstub_agent_expr e;

	e.len = (uint16_t)len;
	memcpy(e.code, code, len);
	return kstub_agent_eval(&vm, &fake_agent_ops, &fm, &e, v);
}

struct op_case {
	const char *what;
	uint8_t code[40];
	size_t len;
	uint64_t value;
};

static const struct op_case op_cases[] = {
	{ "sub order", C(0x22, 9, 0x22, 2, 0x03, 0x27), 7 },
	{ "div_signed", C(0x22, 0xf9, 0x16, 8, 0x22, 2, 0x05, 0x27),
	  (uint64_t)-3 },
	{ "div_unsigned", C(0x22, 0xf9, 0x16, 8, 0x22, 2, 0x06, 0x27),
	  0x7ffffffffffffffcull },
	{ "rem_signed", C(0x22, 0xf9, 0x16, 8, 0x22, 2, 0x07, 0x27),
	  (uint64_t)-1 },
	{ "rem_unsigned", C(0x22, 9, 0x22, 4, 0x08, 0x27), 1 },
	{ "min / -1 wraps", C(K64(0x8000000000000000ull), 0x22, 0xff, 0x16, 8,
			      0x05, 0x27), 0x8000000000000000ull },
	{ "min % -1", C(K64(0x8000000000000000ull), 0x22, 0xff, 0x16, 8,
			0x07, 0x27), 0 },
	{ "lsh", C(0x22, 3, 0x22, 4, 0x09, 0x27), 48 },
	{ "lsh 64", C(0x22, 3, 0x22, 64, 0x09, 0x27), 0 },
	{ "rsh_signed", C(0x22, 0x80, 0x16, 8, 0x22, 4, 0x0a, 0x27),
	  (uint64_t)-8 },
	{ "rsh_signed 200", C(0x22, 0x80, 0x16, 8, 0x22, 200, 0x0a, 0x27),
	  (uint64_t)-1 },
	{ "rsh_unsigned", C(0x22, 0x80, 0x16, 8, 0x22, 60, 0x0b, 0x27), 15 },
	{ "less_signed", C(0x22, 0xff, 0x16, 8, 0x22, 1, 0x14, 0x27), 1 },
	{ "less_unsigned", C(0x22, 0xff, 0x16, 8, 0x22, 1, 0x15, 0x27), 0 },
	{ "ext 1", C(0x22, 1, 0x16, 1, 0x27), (uint64_t)-1 },
	{ "ext 64", C(K64(0x1234ull), 0x16, 64, 0x27), 0x1234 },
	{ "zero_ext 12", C(0x23, 0xff, 0xff, 0x2a, 12, 0x27), 0xfff },
	{ "bit_not xor", C(0x22, 0x0f, 0x12, 0x22, 0xff, 0x11, 0x27),
	  0xfffffffffffffff0ull ^ 0xff },
	{ "swap", C(0x22, 1, 0x22, 2, 0x2b, 0x27), 1 },
	{ "pick 2", C(0x22, 5, 0x22, 6, 0x22, 7, 0x32, 2, 0x27), 5 },
	{ "rot: top sinks", C(0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x27), 2 },
	{ "rot: third", C(0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x29, 0x29, 0x27),
	  3 },
	{ "const16 big-endian", C(0x23, 0x12, 0x34, 0x27), 0x1234 },
	{ "const32 unsigned", C(0x24, 0xff, 0xff, 0xff, 0xff, 0x27),
	  0xffffffffull },
	{ "if_goto taken", C(0x22, 1, 0x20, 0, 8, 0x22, 8, 0x27, 0x22, 9,
			     0x27), 9 },
	{ "if_goto not", C(0x22, 0, 0x20, 0, 8, 0x22, 8, 0x27, 0x22, 9,
			   0x27), 8 },
	{ "ref16 native order", C(K64(PROC2), 0x18, 0x27), 2 },
	{ "reg", C(0x26, 0, 7, 0x27), RSP },
};

/* count 100 down to 0: const8 100; loop: const8 1, sub, dup, if_goto */
static const uint8_t countdown[] = { 0x22, 100, 0x22, 1, 0x03, 0x28,
				     0x20, 0, 2, 0x27 };

START_TEST(test_ops)
{
	const struct op_case *c = &op_cases[_i];
	uint64_t v = 0xdead;

	agent_machine(&fm, 0);
	ck_assert_msg(kstub_agent_verify(&vm, c->code, c->len, true) == 0,
		      "%s: refused", c->what);
	ck_assert_msg(eval_bytes(c->code, c->len, &v) == 0, "%s", c->what);
	ck_assert_msg(v == c->value, "%s: %#llx, want %#llx", c->what,
		      (unsigned long long)v, (unsigned long long)c->value);
}
END_TEST

/* ---- (c) the step budget ---- */

START_TEST(test_step_limit)
{
	static const uint8_t spin[] = { 0x21, 0, 0 };	/* goto 0 */
	static const uint8_t churn[] = { 0x22, 1, 0x28, 0x29, 0x21, 0, 2 };
	uint64_t v;

	agent_machine(&fm, 0);
	ck_assert_int_eq(kstub_agent_verify(&vm, spin, 3, false), 0);
	ck_assert_int_eq(eval_bytes(spin, 3, &v), KSTUB_EAX_STEPS);
	ck_assert_uint_eq(vm.steps, KSTUB_AGENT_STEPS_MAX + 1);
	ck_assert_int_eq(kstub_agent_verify(&vm, churn, 7, true), 0);
	ck_assert_int_eq(eval_bytes(churn, 7, &v), KSTUB_EAX_STEPS);
	/* a loop that ends within the budget is not cut short: 1 + 100 * 4
	 * steps to count 100 down, then end */
	ck_assert_int_eq(kstub_agent_verify(&vm, countdown, sizeof(countdown),
					    true), 0);
	ck_assert_int_eq(eval_bytes(countdown, sizeof(countdown), &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(vm.steps, 1 + 100 * 4 + 1);
}
END_TEST

/* ---- (d) faults and other evaluation errors ---- */

START_TEST(test_ref_fault)
{
	static const uint8_t bad8[] = { K64(0x1000ull), 0x17, 0x27 };
	/* 8 bytes at PROC1 + 36 run past its 40-byte region */
	static const uint8_t straddle[] = { K64(PROC1 + 36), 0x1a, 0x27 };
	static const uint8_t ok4[] = { K64(PROC1 + 36), 0x19, 0x27 };
	uint64_t v;

	agent_machine(&fm, 0);
	ck_assert_int_eq(eval_bytes(bad8, sizeof(bad8), &v), KSTUB_EFAULT);
	ck_assert_uint_eq(vm.fault_addr, 0x1000);
	ck_assert_int_eq(eval_bytes(straddle, sizeof(straddle), &v),
			 KSTUB_EFAULT);
	ck_assert_uint_eq(vm.fault_addr, PROC1 + 36);
	ck_assert_int_eq(eval_bytes(ok4, sizeof(ok4), &v), 0);
}
END_TEST

START_TEST(test_eval_errors)
{
	static const uint8_t div0[] = { 0x22, 1, 0x22, 0, 0x05, 0x27 };
	static const uint8_t rem0[] = { 0x22, 1, 0x22, 0, 0x08, 0x27 };
	static const uint8_t noreg[] = { 0x26, 0, 3, 0x27 };
	uint64_t v;

	agent_machine(&fm, 0);
	ck_assert_int_eq(eval_bytes(div0, sizeof(div0), &v),
			 KSTUB_EAX_DIVZERO);
	ck_assert_int_eq(eval_bytes(rem0, sizeof(rem0), &v),
			 KSTUB_EAX_DIVZERO);
	ck_assert_int_eq(eval_bytes(noreg, sizeof(noreg), &v), KSTUB_EAX_REG);
	/* code that skipped the verifier still cannot leave its bounds */
	ck_assert_int_eq(eval_bytes((const uint8_t *)"\x02\x27", 2, &v),
			 KSTUB_EAX_UNDERFLOW);
	ck_assert_int_eq(eval_bytes((const uint8_t *)"\x22", 1, &v),
			 KSTUB_EAX_TRUNC);
	ck_assert_int_eq(eval_bytes((const uint8_t *)"\x22\x01", 2, &v),
			 KSTUB_EAX_NOEND);
	ck_assert_int_eq(eval_bytes((const uint8_t *)"\x01\x27", 2, &v),
			 KSTUB_EAX_UNSUPP);
}
END_TEST

START_TEST(test_cond_or_and_errors)
{
	/* conditions are ORed (manual, Z0 cond_list): false then true is a
	 * hit; a true one ends the list, so a faulting one after it is never
	 * run; a fault before any true one is reported */
	static const char false_true[] = ";X3,220027X3,220527";
	static const char true_fault[] = ";X3,220127Xb,2500000000000010001727";
	static const char fault_true[] = ";Xb,2500000000000010001727;X3,220127";
	static const char all_false[] = ";X3,220027;X3,220027";

	agent_machine(&fm, 0);
	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, false_true,
					   strlen(false_true)), 0);
	ck_assert_int_eq(kstub_agent_cond_eval(&vm, &fake_agent_ops, &fm, &bp),
			 1);
	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, true_fault,
					   strlen(true_fault)), 0);
	fm.reads = 0;
	ck_assert_int_eq(kstub_agent_cond_eval(&vm, &fake_agent_ops, &fm, &bp),
			 1);
	ck_assert_uint_eq(fm.reads, 0);
	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, fault_true,
					   strlen(fault_true)), 0);
	ck_assert_int_eq(kstub_agent_cond_eval(&vm, &fake_agent_ops, &fm, &bp),
			 KSTUB_EFAULT);
	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, all_false,
					   strlen(all_false)), 0);
	ck_assert_int_eq(kstub_agent_cond_eval(&vm, &fake_agent_ops, &fm, &bp),
			 0);
}
END_TEST

/* ---- (e) printf ---- */

/* Runs printf(fmt, args...) as gdb encodes it, into a buffer of cap. */
static int run_printf(const char *fmt, unsigned nargs, const uint64_t *args,
		      size_t cap)
{
	struct kstub_agent_expr e;
	size_t n = 0, flen = strlen(fmt) + 1;
	uint64_t v;
	int err;

	for (unsigned i = nargs; i-- > 0;) {
		uint8_t k[] = { K64(args[i]) };

		memcpy(e.code + n, k, sizeof(k));
		n += sizeof(k);
	}
	memcpy(e.code + n, "\x22\x00\x22\x00\x34", 5);
	n += 5;
	e.code[n++] = (uint8_t)nargs;
	e.code[n++] = (uint8_t)(flen >> 8);
	e.code[n++] = (uint8_t)flen;
	memcpy(e.code + n, fmt, flen);
	n += flen;
	e.code[n++] = 0x27;
	e.len = (uint16_t)n;
	err = kstub_agent_verify(&vm, e.code, n, false);
	if (err)
		return err;
	vm.out = out;
	vm.out_cap = cap;
	return kstub_agent_eval(&vm, &fake_agent_ops, &fm, &e, &v);
}

struct fmt_case {
	const char *fmt;
	unsigned nargs;
	uint64_t args[3];
	const char *want;
};

static const struct fmt_case fmt_cases[] = {
	{ "%d", 1, { (uint64_t)-1 }, "-1" },
	{ "%d", 1, { 0x1ffffffffull }, "-1" },	/* int: low 32 bits */
	{ "%i|%u", 2, { 42, 0xffffffffull }, "42|4294967295" },
	{ "%ld %lld", 2, { (uint64_t)-5, 0x8000000000000000ull },
	  "-5 -9223372036854775808" },
	{ "%lu %llu", 2, { (uint64_t)-1, 7 }, "18446744073709551615 7" },
	{ "%x %X %lx", 3, { 0x1abcdef12ull, 0xbeef, 0x1abcdef12ull },
	  "abcdef12 BEEF 1abcdef12" },
	{ "%llx|%zx|%jd", 3, { 0xffull, 16, (uint64_t)-2 }, "ff|10|-2" },
	{ "%hhd %hhu %hd %hu", 2, { 0x1ff, 0x1ff }, NULL },
	{ "%hhd|%hu", 2, { 0x1ff, 0x12345 }, "-1|9029" },
	{ "%o %#o %#o", 3, { 8, 8, 0 }, "10 010 0" },
	{ "%#x %#x %#X", 3, { 0, 255, 255 }, "0 0xff 0XFF" },
	{ "[%5d|%-5d|%05d]", 3, { 42, 42, (uint64_t)-42 },
	  "[   42|42   |-0042]" },
	{ "[%+d|% d|%+d]", 3, { 5, 5, (uint64_t)-5 }, "[+5| 5|-5]" },
	{ "[%.3d|%.0d|%8.3x]", 3, { 7, 0, 0xa }, "[007||     00a]" },
	{ "%c%c%c", 3, { 'o', 0x16b, 'k' }, "okk" },
	{ "[%3c|%-3c]", 2, { 'a', 'b' }, "[  a|b  ]" },
	{ "%s!", 1, { STR }, "/tmp/kstub!" },
	{ "[%.4s|%12s|%-12s]", 3, { STR, STR, STR },
	  "[/tmp|  /tmp/kstub|/tmp/kstub  ]" },
	{ "%s %s", 2, { 0, 0x1000 }, "(null) (efault)" },
	{ "[%8s]", 1, { 0x1000 }, "[(efault)]" },
	{ "%p %p", 2, { 0xffffffff81000000ull, 0 },
	  "0xffffffff81000000 0x0" },
	{ "100%% \\t\\\\\\\"\\n", 0, { 0 }, "100% \t\\\"\n" },
	{ "\\a\\b\\f\\r\\v\\e\\'", 0, { 0 }, "\a\b\f\r\v\033'" },
};

START_TEST(test_printf)
{
	const struct fmt_case *c = &fmt_cases[_i];

	agent_machine(&fm, 0);
	if (!c->want) {
		/* more conversions than arguments: refused, never run */
		ck_assert_int_eq(run_printf(c->fmt, c->nargs, c->args,
					    sizeof(out)), KSTUB_EAX_FORMAT);
		return;
	}
	ck_assert_msg(run_printf(c->fmt, c->nargs, c->args, sizeof(out)) == 0,
		      "%s refused", c->fmt);
	ck_assert_msg(vm.out_len == strlen(c->want) &&
		      !memcmp(out, c->want, vm.out_len),
		      "%s: \"%.*s\", want \"%s\"", c->fmt, (int)vm.out_len,
		      out, c->want);
	ck_assert(!vm.out_trunc);
}
END_TEST

START_TEST(test_printf_bounds)
{
	uint64_t arg = STR;
	struct fake_region *r;

	agent_machine(&fm, 0);
	/* output past the caller's buffer is dropped and flagged */
	ck_assert_int_eq(run_printf("%s", 1, &arg, 4), 0);
	ck_assert_uint_eq(vm.out_len, 4);
	ck_assert(!memcmp(out, "/tmp", 4));
	ck_assert(vm.out_trunc);
	/* a string without a NUL stops at KSTUB_AGENT_STR_MAX bytes */
	fm.nr = 0;
	for (int i = 0; i < 3; i++) {
		r = fake_map(&fm, 0x600000 + 64 * (uint64_t)i, 64);
		memset(r->bytes, 'z', 64);
	}
	arg = 0x600000;
	ck_assert_int_eq(run_printf("%s", 1, &arg, sizeof(out)), 0);
	ck_assert_uint_eq(vm.out_len, KSTUB_AGENT_STR_MAX);
	/* a string that ends right before a hole is not a fault */
	fm.r[2].bytes[63] = 0;
	arg = 0x600000 + 64 * 2 + 40;
	ck_assert_int_eq(run_printf("%s", 1, &arg, sizeof(out)), 0);
	ck_assert_uint_eq(vm.out_len, 23);
}
END_TEST

Suite *agent_eval_suite(void)
{
	Suite *s = suite_create("agent_eval");
	TCase *ev = tcase_create("eval");
	TCase *pf = tcase_create("printf");

	tcase_add_loop_test(ev, test_ops, 0, (int)N(op_cases));
	tcase_add_test(ev, test_step_limit);
	tcase_add_test(ev, test_ref_fault);
	tcase_add_test(ev, test_eval_errors);
	tcase_add_test(ev, test_cond_or_and_errors);
	tcase_add_loop_test(pf, test_printf, 0, (int)N(fmt_cases));
	tcase_add_test(pf, test_printf_bounds);
	suite_add_tcase(s, ev);
	suite_add_tcase(s, pf);
	return s;
}
