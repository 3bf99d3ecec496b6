// SPDX-License-Identifier: BSD-2-Clause
/*
 * Agent expressions (issue 17): gdb 13's own bytecode against two fake
 * machines, every class of bytecode the verifier refuses, the step
 * budget, faults, and printf formatting.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "agent_fake.h"	/* tests/fakes */

/* The captured table's symbol addresses, for the fake machines; its
 * rows are expanded below. */
#define AGENT_GDB_CASE(name, type, cmd, tail)
#include "agent_gdb_cases.h"
#undef AGENT_GDB_CASE

Suite *agent_suite(void);

/* ---- the fake machines the captured expressions run on ---- */

#define RSP 0x7ff000ull		/* mode at RSP-36, path at RSP-32 */
#define STR 0x500000ull
#define PROC1 0x510000ull
#define PROC2 0x510100ull

/* Machine A makes most of the conditions true, machine B most false,
 * with values chosen so that a sign or width mistake flips a result
 * (511 < -1 is false only when compared signed). */
static void machine(struct fake_machine *m, int b)
{
	const char *path = b ? "/x" : "/tmp/kstub";
	const char *comm = b ? "init" : "swapper";

	memset(m, 0, sizeof(*m));
	fake_map(m, RSP - 48, 64);
	fake_poke(m, RSP - 36, b ? 1 : 0755, 4);
	fake_poke(m, RSP - 32, STR, 8);
	memcpy(fake_map(m, STR, 32)->bytes, path, strlen(path));
	fake_map(m, AGENT_GDB_SYM_ticks, 8);
	fake_poke(m, AGENT_GDB_SYM_ticks, b ? 15 : 101, 8);
	fake_map(m, AGENT_GDB_SYM_watch_me, 4);
	fake_poke(m, AGENT_GDB_SYM_watch_me, b ? 0xfffffffe : 511, 4);
	fake_map(m, AGENT_GDB_SYM_made_count, 4);
	fake_poke(m, AGENT_GDB_SYM_made_count, b ? 0 : 2, 4);
	fake_map(m, AGENT_GDB_SYM_allproc, 8);
	fake_poke(m, AGENT_GDB_SYM_allproc, PROC1, 8);
	/* struct proc: p_pid at 0, p_comm at 4, p_next at 32 */
	memcpy(fake_map(m, PROC1, 40)->bytes + 4, comm, strlen(comm));
	fake_poke(m, PROC1, b ? 7 : 1, 4);
	fake_poke(m, PROC1 + 32, PROC2, 8);
	fake_map(m, PROC2, 40);
	fake_poke(m, PROC2, 2, 4);
	fake_poke(m, PROC2 + 32, b ? PROC1 : 0, 8);
	m->regs[7] = RSP;
	m->regs[16] = b ? 0 : 0x2d2bf;
	m->reg_valid = 1u << 7 | 1u << 16;
}

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

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct kstub_agent_bp bp;
static struct kstub_agent_vm vm;
static struct fake_machine fm;
static char out[256];

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
	machine(&fm, b);
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

#define C(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })
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

#define K64(v) 0x25, (uint8_t)((v) >> 56), (uint8_t)((v) >> 48), \
	(uint8_t)((v) >> 40), (uint8_t)((v) >> 32), (uint8_t)((v) >> 24), \
	(uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)
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

	machine(&fm, 0);
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

	machine(&fm, 0);
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

	machine(&fm, 0);
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

	machine(&fm, 0);
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

	machine(&fm, 0);
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

	machine(&fm, 0);
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

	machine(&fm, 0);
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

Suite *agent_suite(void)
{
	Suite *s = suite_create("agent");
	TCase *gdb = tcase_create("gdb13");
	TCase *ver = tcase_create("verify");
	TCase *ev = tcase_create("eval");
	TCase *pf = tcase_create("printf");

	tcase_add_test(gdb, test_gdb_table_complete);
	tcase_add_loop_test(gdb, test_gdb_case, 0, (int)N(gdb_cases) * 2);
	tcase_add_test(gdb, test_gdb_two_conds_or);
	tcase_add_loop_test(ver, test_verify_rejects, 0, (int)N(bad_codes));
	tcase_add_test(ver, test_verify_too_big);
	tcase_add_test(ver, test_verify_accepts);
	tcase_add_loop_test(ver, test_parse_rejects, 0, (int)N(bad_tails));
	tcase_add_test(ver, test_parse_forms);
	tcase_add_loop_test(ev, test_ops, 0, (int)N(op_cases));
	tcase_add_test(ev, test_step_limit);
	tcase_add_test(ev, test_ref_fault);
	tcase_add_test(ev, test_eval_errors);
	tcase_add_test(ev, test_cond_or_and_errors);
	tcase_add_loop_test(pf, test_printf, 0, (int)N(fmt_cases));
	tcase_add_test(pf, test_printf_bounds);
	suite_add_tcase(s, gdb);
	suite_add_tcase(s, ver);
	suite_add_tcase(s, ev);
	suite_add_tcase(s, pf);
	return s;
}
