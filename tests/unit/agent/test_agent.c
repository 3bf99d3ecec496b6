// SPDX-License-Identifier: BSD-2-Clause
/*
 * Agent expressions (issue 17), insertion side: gdb 13's own bytecode
 * parsed and run against two fake machines, and every class of bytecode
 * and Z tail the verifier and parser refuse. test_agent_eval.c has the
 * evaluation side.
 */
#include <string.h>

#include "agent_test.h"

static struct kstub_agent_bp bp;
static struct kstub_agent_vm vm;
static struct fake_machine fm;
static char out[256];

/* ---- (a) gdb 13's bytecode, captured by tests/agent/capture_gdb_ax.py */

struct gdb_case {
	const char *name;
	int type;		/* Z0 or Z1 */
	const char *gdb_cmd;
	const char *tail;	/* after Z<type>,addr,kind */
};

#define AGENT_GDB_CASE(name, type, cmd, tail) { #name, type, cmd, tail },
static const struct gdb_case gdb_cases[] = {
#include "agent_gdb_cases.h"
};
#undef AGENT_GDB_CASE

struct gdb_expect {
	const char *name;
	int verdict[2];		/* kstub_agent_cond_eval on A, B */
	const char *out[2];	/* dprintf output on A, B; NULL: no cmds */
};

static const struct gdb_expect gdb_expects[] = {
	/* gdb sends no condition for character literals: unconditional */
	{ "path5_is_k", { 1, 1 }, { NULL, NULL } },
	{ "hb_path5_is_k", { 1, 1 }, { NULL, NULL } },
	{ "path5_is_107", { 1, 0 }, { NULL, NULL } },
	{ "hb_path5_is_107", { 1, 0 }, { NULL, NULL } },
	{ "mode_eq_0755", { 1, 0 }, { NULL, NULL } },
	{ "mode_and_path", { 1, 0 }, { NULL, NULL } },
	{ "mode_or_path", { 0, 1 }, { NULL, NULL } },
	{ "not_path0", { 0, 0 }, { NULL, NULL } },
	{ "ticks_gt", { 1, 0 }, { NULL, NULL } },
	{ "ticks_mod", { 1, 0 }, { NULL, NULL } },
	{ "ticks_div", { 0, 1 }, { NULL, NULL } },
	{ "watch_lt_signed", { 0, 1 }, { NULL, NULL } },
	{ "watch_cast_unsigned", { 1, 1 }, { NULL, NULL } },
	{ "watch_char_cast", { 1, 0 }, { NULL, NULL } },
	{ "watch_uchar_cast", { 1, 0 }, { NULL, NULL } },
	{ "made_count_ne", { 0, 1 }, { NULL, NULL } },
	{ "allproc_pid", { 1, 0 }, { NULL, NULL } },
	{ "allproc_next_null", { 1, 0 }, { NULL, NULL } },
	{ "comm_char", { 1, 1 }, { NULL, NULL } },
	{ "comm_115", { 1, 0 }, { NULL, NULL } },
	{ "shift_mask", { 0, 1 }, { NULL, NULL } },
	{ "lshift_xor", { 0, 1 }, { NULL, NULL } },
	{ "bitnot_or", { 0, 1 }, { NULL, NULL } },
	{ "mul_sub", { 0, 0 }, { NULL, NULL } },
	{ "neg_ge", { 0, 1 }, { NULL, NULL } },
	{ "ternary", { 1, 1 }, { NULL, NULL } },
	{ "rip_reg", { 1, 0 }, { NULL, NULL } },
	{ "rsp_reg", { 1, 1 }, { NULL, NULL } },
	{ "two_conds", { 0, 1 }, { NULL, NULL } },
	{ "dprintf_s_o", { 1, 1 },
	  { "mkdir /tmp/kstub mode 755\n", "mkdir /x mode 1\n" } },
	{ "dprintf_ints", { 1, 1 },
	  { "t=101 w=511 x=0x1ed c=/\n", "t=15 w=-2 x=0x1 c=/\n" } },
	{ "dprintf_widths", { 1, 1 },
	  { "[  493|1ed |00000065|0x500000]\n",
	    "[    1|1   |0000000f|0x500000]\n" } },
	{ "dprintf_plain", { 1, 1 }, { "hit\n", "hit\n" } },
	{ "dprintf_cond", { 1, 0 }, { "m=493\n", "m=1\n" } },
};

START_TEST(test_gdb_table_complete)
{
	size_t i, j;

	ck_assert_uint_eq(N(gdb_cases), N(gdb_expects));
	for (i = 0; i < N(gdb_cases); i++) {
		for (j = 0; j < N(gdb_expects); j++)
			if (!strcmp(gdb_cases[i].name, gdb_expects[j].name))
				break;
		ck_assert_msg(j < N(gdb_expects), "no expectation for %s",
			      gdb_cases[i].name);
	}
}
END_TEST

static const struct gdb_expect *expect_for(const char *name)
{
	for (size_t j = 0; j < N(gdb_expects); j++)
		if (!strcmp(name, gdb_expects[j].name))
			return &gdb_expects[j];
	return NULL;
}

/* Row _i / 2 on machine _i % 2. */
START_TEST(test_gdb_case)
{
	const struct gdb_case *c = &gdb_cases[_i / 2];
	const struct gdb_expect *x = expect_for(c->name);
	int b = _i % 2, verdict;
	uint64_t v;

	ck_assert_ptr_nonnull(x);
	agent_machine(&fm, b);
	ck_assert_msg(kstub_agent_parse(&bp, &vm, c->tail, strlen(c->tail))
		      == 0, "%s: gdb's bytecode refused", c->name);
	verdict = kstub_agent_cond_eval(&vm, &fake_agent_ops, &fm, &bp);
	ck_assert_msg(verdict == x->verdict[b], "%s (%s) on %c: %d",
		      c->name, c->gdb_cmd, "AB"[b], verdict);
	ck_assert_uint_eq(bp.ncmds, x->out[b] ? 1 : 0);
	if (!bp.ncmds)
		return;
	ck_assert(bp.persist);
	vm.out = out;
	vm.out_cap = sizeof(out);
	ck_assert_int_eq(kstub_agent_eval(&vm, &fake_agent_ops, &fm,
					  &bp.cmd[0], &v), 0);
	ck_assert_int_eq(vm.sp, 0);	/* printf used every argument */
	ck_assert_uint_eq(vm.out_len, strlen(x->out[b]));
	ck_assert(!memcmp(out, x->out[b], vm.out_len));
}
END_TEST

START_TEST(test_gdb_two_conds_or)
{
	/* gdb's manual: the target reports the hit if any condition is
	 * true; both of two_conds' expressions must have been kept. */
	const char *t = gdb_cases[0].tail;

	for (size_t i = 0; i < N(gdb_cases); i++)
		if (!strcmp(gdb_cases[i].name, "two_conds"))
			t = gdb_cases[i].tail;
	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, t, strlen(t)), 0);
	ck_assert_uint_eq(bp.nconds, 2);
}
END_TEST

/* ---- (b) every class of bytecode the verifier refuses ---- */

struct bad_code {
	const char *what;
	uint8_t code[48];
	size_t len;
	bool need_value;
	int err;
};

static const struct bad_code bad_codes[] = {
	{ "opcode 0x00", C(0x00, 0x27), true, KSTUB_EAX_OPCODE },
	{ "invalid2", C(0x22, 1, 0x31, 0x27), true, KSTUB_EAX_OPCODE },
	{ "past printf", C(0x22, 1, 0x35, 0x27), true, KSTUB_EAX_OPCODE },
	{ "0xff", C(0xff), true, KSTUB_EAX_OPCODE },
	{ "float", C(0x01, 0x27), false, KSTUB_EAX_UNSUPP },
	{ "ref_double", C(0x22, 1, 0x1c, 0x27), true, KSTUB_EAX_UNSUPP },
	{ "trace_quick", C(0x22, 1, 0x0d, 4, 0x27), true, KSTUB_EAX_UNSUPP },
	{ "getv", C(0x2c, 0, 1, 0x27), true, KSTUB_EAX_UNSUPP },
	{ "setv", C(0x22, 1, 0x2d, 0, 1, 0x27), true, KSTUB_EAX_UNSUPP },
	{ "tracenz", C(0x22, 1, 0x22, 1, 0x2f, 0x27), false,
	  KSTUB_EAX_UNSUPP },
	{ "const8 cut", C(0x22), true, KSTUB_EAX_TRUNC },
	{ "const64 cut", C(0x25, 1, 2, 3, 4, 5, 6, 7), true, KSTUB_EAX_TRUNC },
	{ "reg cut", C(0x26, 0), true, KSTUB_EAX_TRUNC },
	{ "goto cut", C(0x22, 1, 0x21, 0), true, KSTUB_EAX_TRUNC },
	{ "printf header cut", C(0x22, 0, 0x22, 0, 0x34, 0, 0), false,
	  KSTUB_EAX_TRUNC },
	{ "printf string cut", C(0x22, 0, 0x22, 0, 0x34, 0, 0, 9, 'h', 0),
	  false, KSTUB_EAX_TRUNC },
	{ "goto past end", C(0x21, 0, 0x10, 0x27), false, KSTUB_EAX_JUMP },
	{ "goto into operand", C(0x22, 1, 0x21, 0, 1, 0x27), true,
	  KSTUB_EAX_JUMP },
	{ "if_goto past end", C(0x22, 1, 0x20, 0xff, 0xff, 0x22, 1, 0x27),
	  true, KSTUB_EAX_JUMP },
	{ "33 pushes", C(0x22, 0, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
			 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
			 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
			 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x27),
	  true, KSTUB_EAX_OVERFLOW },
	{ "pushes in a loop", C(0x22, 0, 0x21, 0, 0), true, KSTUB_EAX_DEPTH },
	{ "add on one value", C(0x22, 1, 0x02, 0x27), true,
	  KSTUB_EAX_UNDERFLOW },
	{ "pop empty", C(0x29, 0x27), false, KSTUB_EAX_UNDERFLOW },
	{ "pick too deep", C(0x22, 1, 0x32, 1, 0x27), true,
	  KSTUB_EAX_UNDERFLOW },
	{ "rot on two", C(0x22, 1, 0x22, 2, 0x33, 0x27), true,
	  KSTUB_EAX_UNDERFLOW },
	{ "printf missing arg", C(0x22, 0, 0x22, 0, 0x34, 1, 0, 3, '%', 'd',
				  0, 0x27), false, KSTUB_EAX_UNDERFLOW },
	{ "condition leaves nothing", C(0x27), true, KSTUB_EAX_UNDERFLOW },
	{ "underflow on the taken path only",
	  C(0x22, 1, 0x22, 1, 0x20, 0, 8, 0x27, 0x29, 0x29, 0x27), true,
	  KSTUB_EAX_UNDERFLOW },
	{ "empty", { 0 }, 0, true, KSTUB_EAX_NOEND },
	{ "no end", C(0x22, 1), true, KSTUB_EAX_NOEND },
	{ "no end on the taken path", C(0x22, 1, 0x20, 0, 6, 0x27, 0x22, 5),
	  false, KSTUB_EAX_NOEND },
	{ "paths disagree", C(0x22, 1, 0x20, 0, 7, 0x22, 2, 0x22, 3, 0x27),
	  true, KSTUB_EAX_DEPTH },
	{ "printf %f", C(0x22, 7, 0x22, 0, 0x22, 0, 0x34, 1, 0, 3, '%', 'f',
			 0, 0x27), false, KSTUB_EAX_FORMAT },
	{ "printf %n", C(0x22, 7, 0x22, 0, 0x22, 0, 0x34, 1, 0, 3, '%', 'n',
			 0, 0x27), false, KSTUB_EAX_FORMAT },
	{ "printf %*d", C(0x22, 7, 0x22, 0, 0x22, 0, 0x34, 1, 0, 4, '%', '*',
			  'd', 0, 0x27), false, KSTUB_EAX_FORMAT },
	{ "printf %ls", C(0x22, 7, 0x22, 0, 0x22, 0, 0x34, 1, 0, 4, '%', 'l',
			  's', 0, 0x27), false, KSTUB_EAX_FORMAT },
	{ "printf nargs > conversions", C(0x22, 7, 0x22, 0, 0x22, 0, 0x34, 1,
					  0, 2, 'x', 0, 0x27), false,
	  KSTUB_EAX_FORMAT },
	{ "printf unterminated", C(0x22, 0, 0x22, 0, 0x34, 0, 0, 2, 'h', 'i',
				   0x27), false, KSTUB_EAX_FORMAT },
	{ "printf bad escape", C(0x22, 0, 0x22, 0, 0x34, 0, 0, 3, '\\', 'q',
				 0, 0x27), false, KSTUB_EAX_FORMAT },
	{ "printf lone %", C(0x22, 0, 0x22, 0, 0x34, 0, 0, 2, '%', 0, 0x27),
	  false, KSTUB_EAX_FORMAT },
	{ "printf width 300", C(0x22, 7, 0x22, 0, 0x22, 0, 0x34, 1, 0, 5, '%',
				'3', '0', '0', 'd', 0, 0x27),
	  false, KSTUB_EAX_FORMAT },
};

START_TEST(test_verify_rejects)
{
	const struct bad_code *c = &bad_codes[_i];
	int err = kstub_agent_verify(&vm, c->code, c->len, c->need_value);

	ck_assert_msg(err == c->err, "%s: %d, want %d", c->what, err, c->err);
}
END_TEST

START_TEST(test_verify_too_big)
{
	static uint8_t big[KSTUB_AGENT_EXPR_MAX + 1];

	memset(big, 0x28, sizeof(big));
	ck_assert_int_eq(kstub_agent_verify(&vm, big, sizeof(big), true),
			 KSTUB_EAX_TOOBIG);
}
END_TEST

/* Refusals the rows above make possible: the same bytes pass when the
 * one thing wrong with them is put right. */
START_TEST(test_verify_accepts)
{
	static const uint8_t ok[][8] = {
		{ 0x22, 1, 0x28, 0x02, 0x27 },			/* dup add */
		{ 0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x27 },	/* rot */
		{ 0x22, 1, 0x22, 2, 0x32, 1, 0x27 },		/* pick 1 */
		{ 0x21, 0, 3, 0x27 },				/* goto end */
	};
	static const size_t len[] = { 5, 8, 7, 4 };

	for (size_t i = 0; i < N(ok); i++)
		ck_assert_int_eq(kstub_agent_verify(&vm, ok[i], len[i],
						    i != 3), 0);
	/* a command may leave nothing; a condition may not */
	ck_assert_int_eq(kstub_agent_verify(&vm, (const uint8_t *)"\x27", 1,
					    false), 0);
}
END_TEST

struct bad_tail {
	const char *tail;
	int err;
};

static const struct bad_tail bad_tails[] = {
	{ "X2,2227", KSTUB_EBADMSG },		/* no ';' */
	{ ";X2,22", KSTUB_EBADMSG },		/* fewer hex digits than len */
	{ ";X2,zz27", KSTUB_EBADMSG },
	{ ";X,2227", KSTUB_EBADMSG },		/* no length */
	{ ";X2;2227", KSTUB_EBADMSG },
	{ ";Y2,2227", KSTUB_EBADMSG },		/* unknown option */
	{ ";cmds:1,", KSTUB_EBADMSG },		/* no command */
	{ ";cmds:,X1,27", KSTUB_EBADMSG },	/* no persist flag */
	{ ";X101,00", KSTUB_EAX_TOOBIG },
	{ ";Xffffffffffffffffff,00", KSTUB_EAX_TOOBIG },
	{ ";X3,220127;X3,220127;X3,220127;X3,220127;X3,220127",
	  KSTUB_EAX_TOOMANY },
	{ ";X3,220127X3,220127X3,220127X3,220127X3,220127",
	  KSTUB_EAX_TOOMANY },
	{ ";cmds:0,X1,27X1,27X1,27", KSTUB_EAX_TOOMANY },
	{ ";X2,2201", KSTUB_EAX_NOEND },
	{ ";X3,220127;X1,00", KSTUB_EAX_OPCODE },	/* the second is bad */
};

START_TEST(test_parse_rejects)
{
	const struct bad_tail *t = &bad_tails[_i];
	int err = kstub_agent_parse(&bp, &vm, t->tail, strlen(t->tail));

	ck_assert_msg(err == t->err, "\"%s\": %d, want %d", t->tail, err,
		      t->err);
	/* nothing half-parsed is left to insert */
	ck_assert_uint_eq(bp.nconds, 0);
	ck_assert_uint_eq(bp.ncmds, 0);
}
END_TEST

START_TEST(test_parse_forms)
{
	static const char both[] = ";X3,220127;cmds:0,X1,27X1,27";

	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, "", 0), 0);
	ck_assert_uint_eq(bp.nconds + bp.ncmds, 0);
	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, both, strlen(both)), 0);
	ck_assert_uint_eq(bp.nconds, 1);
	ck_assert_uint_eq(bp.ncmds, 2);
	ck_assert(!bp.persist);
	ck_assert_uint_eq(bp.cond[0].len, 3);
	ck_assert_uint_eq(bp.cond[0].code[1], 1);
	/* the length bounds the parse: a tail cut short is refused */
	ck_assert_int_eq(kstub_agent_parse(&bp, &vm, ";X3,220127", 9),
			 KSTUB_EBADMSG);
}
END_TEST

Suite *agent_suite(void)
{
	Suite *s = suite_create("agent");
	TCase *gdb = tcase_create("gdb13");
	TCase *ver = tcase_create("verify");

	tcase_add_test(gdb, test_gdb_table_complete);
	tcase_add_loop_test(gdb, test_gdb_case, 0, (int)N(gdb_cases) * 2);
	tcase_add_test(gdb, test_gdb_two_conds_or);
	tcase_add_loop_test(ver, test_verify_rejects, 0, (int)N(bad_codes));
	tcase_add_test(ver, test_verify_too_big);
	tcase_add_test(ver, test_verify_accepts);
	tcase_add_loop_test(ver, test_parse_rejects, 0, (int)N(bad_tails));
	tcase_add_test(ver, test_parse_forms);
	suite_add_tcase(s, gdb);
	suite_add_tcase(s, ver);
	return s;
}
