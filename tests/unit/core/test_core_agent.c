// SPDX-License-Identifier: BSD-2-Clause
/*
 * Target-side conditions and dprintf on the fake machine: Z0/Z1 with a
 * tail, what is refused, and a hit whose verdict is "go on": no byte on
 * the link, no roundup, and either a step over the original instruction
 * with the int3 lifted and put back after it (a machine without debug
 * registers, or none free), or RF past a Z0 held in a free debug
 * register. The test plays the CPU.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "core_table.h"

#define TF KSTUB_RFLAGS_TF
#define RF KSTUB_RFLAGS_RF
#define BP "ffffffff81000020"
#define BP_ADDR (FX_TEXT + 0x20)
/* rdi == 5: reg 5, const8 5, equal, end. */
#define RDI_IS_5 ";X7,26000522051327"
/* *(char *)0 == 1: const8 0, ref8, const8 1, equal, end. */
#define READS_NULL ";X7,22001722011327"
/* gdb 13's "dprintf ...,\"hit\\n\"" (tests/unit/agent/agent_gdb_cases.h) */
#define DPRINTF_HIT ";cmds:1,Xf,22002200340000066869745c6e0027"

static unsigned stops;
static char console[256];
static size_t console_len;

static int count_stop(void *c, uint32_t self)
{
	(void)c;
	(void)self;
	stops++;
	return 0;
}

static void console_write(void *c, const char *s, size_t len)
{
	(void)c;
	if (len > sizeof(console) - console_len)
		len = sizeof(console) - console_len;
	memcpy(console + console_len, s, len);
	console_len += len;
}

/*
 * Two CPUs, so a roundup would call cpus_stop; gdb has continued. A
 * conditional Z0 is an int3 on a port without debug registers (no_dr).
 */
static struct fx *running_on(const char *z, bool no_dr)
{
	const struct fx_opts two = { .ncpus = 2, .no_dr = no_dr };
	struct fx *fx = fx_new(&two);

	stops = 0;
	console_len = 0;
	fx->port_ops.cpus_stop = count_stop;
	fx->port_ops.console_write = console_write;
	fx_cmd(fx, z);
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	return fx;
}

static struct fx *running(const char *z)
{
	return running_on(z, false);
}

static struct fx *running_int3(const char *z)
{
	return running_on(z, true);
}

/* The CPU executes the int3 at BP_ADDR with rdi = rdi. */
static int hit(struct fx *fx, uint64_t rdi, uint32_t vector)
{
	fx->frame.gpr[KSTUB_REG_RDI] = rdi;
	fx->frame.rip = vector == KSTUB_TRAP_BP ? BP_ADDR + 1 : BP_ADDR;
	fx->dr[6] = KSTUB_DR6_CLEAN | (vector == KSTUB_TRAP_DB ? 1u : 0);
	return fx_trap(fx, vector);
}

/* gdb acks the last reply, removes the Z0 and the kernel runs again. */
static void remove_bp_and_run(struct fx *fx)
{
	fx_raw(fx, "+", 1);
	fx_cmd(fx, "z0," BP ",1");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
}

START_TEST(false_condition_steps_over_quietly)
{
	struct fx *fx = running_int3("Z0," BP ",1" RDI_IS_5);
	const uint8_t orig = 0x90 + 0x20 % 5;	/* fake_port's text */
	size_t sent = fx->out_len;
	unsigned before = stops;

	ck_assert_int_eq(fx->text[0x20], 0xcc);
	fx->frame.rflags = 0x202;
	ck_assert_int_eq(hit(fx, 4, KSTUB_TRAP_BP), 0);
	/* Nothing to gdb, no roundup, back at the insn with TF, int3 lifted. */
	ck_assert_uint_eq(fx->out_len, sent);
	ck_assert_uint_eq(stops, before);
	ck_assert_uint_eq(fx->frame.rip, BP_ADDR);
	ck_assert_uint_eq(fx->frame.rflags & TF, TF);
	ck_assert_int_eq(fx->text[0x20], orig);

	/* The instruction ran: the step trap puts the int3 back. */
	fx->frame.rip = BP_ADDR + 1;
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_DB), 0);
	ck_assert_uint_eq(fx->out_len, sent);
	ck_assert_uint_eq(stops, before);
	ck_assert_uint_eq(fx->frame.rflags & (TF | 0x200), 0x200);
	ck_assert_int_eq(fx->text[0x20], 0xcc);

	/* gdb stops the kernel later and removes it: nothing left patched. */
	remove_bp_and_run(fx);
	ck_assert_int_eq(fx->text[0x20], orig);
	fx_free(fx);
}
END_TEST

START_TEST(true_condition_stops)
{
	struct fx *fx = running_int3("Z0," BP ",1" RDI_IS_5);
	unsigned n;

	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	ck_assert_int_eq(hit(fx, 5, KSTUB_TRAP_BP), 0);
	n = fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, n - 1), "T05"));
	ck_assert(strstr(fx_reply(fx, n - 1), "10:20000081ffffffff;"));
	ck_assert_uint_eq(stops, 2);	/* the break-in's and this one */
	ck_assert_uint_eq(fx->frame.rflags & TF, 0);
	fx_free(fx);
}
END_TEST

/* An O packet's text, decoded from hex. */
static void o_text(const char *reply, char *out, size_t cap)
{
	size_t i;

	ck_assert_int_eq(reply[0], 'O');
	for (i = 0; reply[1 + 2 * i] && i + 1 < cap; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(reply + 1 + 2 * i, "%2x", &v), 1);
		out[i] = (char)v;
	}
	out[i] = 0;
}

START_TEST(faulting_condition_stops_and_says_why)
{
	struct fx *fx = running_int3("Z0," BP ",1" READS_NULL);
	char text[128];
	unsigned n;

	fx_raw(fx, "++", 2);
	fx_pkt(fx, "c");
	ck_assert_int_eq(hit(fx, 0, KSTUB_TRAP_BP), 0);
	n = fx_parse(fx);
	o_text(fx_reply(fx, n - 2), text, sizeof(text));
	ck_assert_str_eq(text, "kstub: condition at 0xffffffff81000020 "
			       "faulted reading 0x0, stopping\n");
	ck_assert(strstr(fx_reply(fx, n - 1), "T05"));
	fx_free(fx);
}
END_TEST

START_TEST(dprintf_prints_and_never_stops)
{
	struct fx *fx = running_int3("Z0," BP ",1" DPRINTF_HIT);
	char text[64];
	unsigned n, before = stops;

	fx_raw(fx, "+", 1);	/* gdb acks the O packet */
	ck_assert_int_eq(hit(fx, 0, KSTUB_TRAP_BP), 0);
	ck_assert_uint_eq(stops, before);
	ck_assert_uint_eq(fx->frame.rflags & TF, TF);
	ck_assert_uint_eq(console_len, 4);
	ck_assert(!memcmp(console, "hit\n", 4));
	n = fx_parse(fx);
	o_text(fx_reply(fx, n - 1), text, sizeof(text));
	ck_assert_str_eq(text, "hit\n");
	fx_free(fx);
}
END_TEST

START_TEST(rejected_expression_inserts_nothing)
{
	struct fx *fx = fx_new(NULL);
	uint8_t orig = fx->text[0x20];

	fx_cmd(fx, "Z0," BP ",1;X2,ff27");	/* 0xff is no opcode */
	fx_cmd(fx, "Z0," BP ",1;X1,02");	/* add on an empty stack */
	fx_cmd(fx, "Z0," BP ",1;Q");		/* an option nobody knows */
	fx_cmd(fx, "Z2,10008,8;X1,27");	/* watchpoints take none */
	fx_cmd(fx, "z0," BP ",1");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "E60");
	ck_assert_str_eq(fx_reply(fx, 1), "E65");
	ck_assert_str_eq(fx_reply(fx, 2), "E4a");
	ck_assert_str_eq(fx_reply(fx, 3), "E4a");
	ck_assert_str_eq(fx_reply(fx, 4), "E02");
	ck_assert_int_eq(fx->text[0x20], orig);
	fx_free(fx);
}
END_TEST

/* One more conditional address than there are slots: E6a, not host. */
START_TEST(slots_full_refuses_the_condition)
{
	struct fx *fx = fx_new(NULL);
	char z[64];
	unsigned i;

	for (i = 0; i <= KSTUB_AGENT_BP_MAX; i++) {
		snprintf(z, sizeof(z), "Z0,%llx,1" RDI_IS_5,
			 (unsigned long long)(BP_ADDR + i));
		fx_cmd(fx, z);
	}
	/* Re-sent for an address that has a slot: replaced, not refused. */
	fx_cmd(fx, "Z0," BP ",1" READS_NULL);
	fx_pkt(fx, "D");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	for (i = 0; i < KSTUB_AGENT_BP_MAX; i++)
		ck_assert_str_eq(fx_reply(fx, i), "OK");
	ck_assert_str_eq(fx_reply(fx, i), "E6a");
	ck_assert_int_eq(fx->text[0x20 + i], 0x90 + (0x20 + i) % 5);
	ck_assert_str_eq(fx_reply(fx, i + 1), "OK");
	fx_free(fx);
}
END_TEST

/* A re-sent Z without a tail makes the address unconditional. */
START_TEST(resent_z_replaces_conditions)
{
	struct fx *fx = running_int3("Z0," BP ",1" RDI_IS_5);
	unsigned n;

	fx_raw(fx, "+", 1);
	fx_cmd(fx, "Z0," BP ",1");
	fx_pkt(fx, "c");
	ck_assert_int_eq(hit(fx, 5, KSTUB_TRAP_BP), 0);	/* stops */
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	ck_assert_int_eq(hit(fx, 4, KSTUB_TRAP_BP), 0);	/* stops too */
	n = fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, n - 1), "T05"));
	ck_assert_str_eq(fx_reply(fx, n - 2), "OK");
	ck_assert(strstr(fx_reply(fx, n - 3), "T05"));
	fx_free(fx);
}
END_TEST

/* Z1: a false condition goes on with RF, the DR armed for everyone. */
START_TEST(hw_false_condition_resumes_with_rf)
{
	struct fx *fx = running("Z1," BP ",1" RDI_IS_5);
	size_t sent = fx->out_len;

	fx->frame.rflags = 0x202;
	ck_assert_int_eq(hit(fx, 4, KSTUB_TRAP_DB), 0);
	ck_assert_uint_eq(fx->out_len, sent);
	ck_assert_uint_eq(stops, 1);
	ck_assert_uint_eq(fx->frame.rflags & (RF | TF), RF);
	ck_assert_uint_eq(fx->dr[0], BP_ADDR);
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	ck_assert_int_eq(hit(fx, 5, KSTUB_TRAP_DB), 0);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, fx->nreplies - 1), "T05"));
	fx_free(fx);
}
END_TEST

/* A persistent dprintf outlives detach; monitor agent lists and clears. */
START_TEST(persistent_dprintf_outlives_detach)
{
	const struct fx_opts int3 = { .no_dr = true };
	struct fx *fx = fx_new(&int3);
	uint8_t orig = fx->text[0x20];
	char text[128];

	console_len = 0;
	fx->port_ops.console_write = console_write;
	fx_cmd(fx, "Z0," BP ",1" DPRINTF_HIT);
	fx_cmd(fx, "D");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	/* Nobody attached: the console alone gets it. */
	ck_assert_int_eq(hit(fx, 0, KSTUB_TRAP_BP), 0);
	ck_assert_uint_eq(console_len, 4);
	fx->frame.rip = BP_ADDR + 1;
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_DB), 0);
	ck_assert_int_eq(fx->text[0x20], 0xcc);

	fx->out_len = 0;
	fx_pkt(fx, "qRcmd,6167656e74");			/* agent */
	fx_raw(fx, "++", 2);
	fx_pkt(fx, "qRcmd,6167656e7420636c656172");	/* agent clear */
	fx_raw(fx, "++", 2);
	fx_cmd(fx, "D");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	o_text(fx_reply(fx, 0), text, sizeof(text));
	ck_assert_str_eq(text, "  break 0xffffffff81000020: conditions 0, "
			       "dprintf 1, persistent\n");
	ck_assert_str_eq(fx_reply(fx, 1), "OK");
	o_text(fx_reply(fx, 2), text, sizeof(text));
	ck_assert_str_eq(text, "cleared\n");
	ck_assert_int_eq(fx->text[0x20], orig);
	fx_free(fx);
}
END_TEST

/*
 * kstub_shutdown (a module unloading) takes out what detach leaves in:
 * a persistent dprintf's int3 and a persistent one on a debug register;
 * nothing of the stub's is left for the next trap to arm.
 */
START_TEST(shutdown_removes_persistent_breakpoints)
{
	struct fx *fx = fx_new(NULL);
	uint8_t orig = fx->text[0x20];

	/* The watchpoints take the other registers: the Z0 is an int3. */
	fx_cmd(fx, "Z1,ffffffff81000040,1" DPRINTF_HIT);
	fx_cmd(fx, "Z2,10008,8");
	fx_cmd(fx, "Z2,10010,8");
	fx_cmd(fx, "Z2,10018,8");
	fx_cmd(fx, "Z0," BP ",1" DPRINTF_HIT);
	fx_cmd(fx, "D");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	ck_assert_uint_eq(fx->dr[0], FX_TEXT + 0x40);
	ck_assert_uint_ne(fx->dr[7], 0);
	ck_assert(!kstub_attached(&fx->ks));

	ck_assert_int_eq(kstub_shutdown(&fx->ks), 0);
	ck_assert_int_eq(fx->text[0x20], orig);
	/* The next CPU through the stub loads "nothing in use". */
	fx->frame.rip = FX_TEXT + 0x60;
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	fx_trap(fx, KSTUB_TRAP_DB);
	ck_assert_uint_eq(fx->dr[7], 0);
	fx_free(fx);
}
END_TEST

/* ---- a roundup during CPU 1's quiet step ---- */

/* CPU 0 enters the debugger (CPU 1 parks) and gdb says resume. */
static void roundup(struct fx *fx, struct fx_cpu *c, const char *resume)
{
	pthread_t t;

	fx_pkt(fx, resume);
	pthread_create(&t, NULL, fx_cpu_park_once, c);
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(c->ret, 0);
}

/*
 * Two CPUs, no debug registers, the Z0 set and the kernel running; CPU
 * 1 (c) runs into the int3 and steps over it quietly (rdi: a false
 * condition).
 */
static struct fx *cpu1_steps_over(const char *z, const char *resume,
				  struct fx_cpu *c)
{
	const struct fx_opts o = { .ncpus = 2, .roundup_ms = 600000,
				   .no_dr = true };
	struct kstub_trap bp = { .vector = KSTUB_TRAP_BP };
	struct fx *fx = fx_new(&o);

	console_len = 0;
	fx->port_ops.console_write = console_write;
	c->fx = fx;
	fx_cmd(fx, z);
	roundup(fx, c, resume);
	c->frame = fx->frame;
	c->frame.rip = BP_ADDR + 1;
	c->frame.rflags = 0x202;
	c->frame.gpr[KSTUB_REG_RDI] = 4;
	ck_assert_int_eq(kstub_trap(&fx->ks, 1, &c->frame, &bp), 0);
	ck_assert_uint_eq(c->frame.rflags & TF, TF);
	ck_assert_int_eq(fx->text[0x20], 0x90 + 0x20 % 5);
	return fx;
}

/*
 * CPU 1 steps over the lifted int3 when CPU 0 enters the debugger: the
 * NMI comes before the step's trap, so the step is undone, the int3 goes
 * back, and CPU 1 leaves at the breakpoint with its own flags, to hit
 * it again. Nothing stays lifted for good.
 */
START_TEST(roundup_mid_step_rearms)
{
	struct fx_cpu c = { 0 };
	struct fx *fx = cpu1_steps_over("Z0," BP ",1" RDI_IS_5, "c", &c);

	fx_raw(fx, "+", 1);
	roundup(fx, &c, "c");
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	ck_assert_uint_eq(c.frame.rip, BP_ADDR);
	ck_assert_uint_eq(c.frame.rflags & (TF | 0x200), 0x200);
	fx_free(fx);
}
END_TEST

/* The same for a dprintf: the hit after the undone step prints nothing. */
START_TEST(roundup_mid_step_prints_once)
{
	struct kstub_trap bp = { .vector = KSTUB_TRAP_BP };
	struct kstub_trap db = { .vector = KSTUB_TRAP_DB };
	struct fx_cpu c = { 0 };
	struct fx *fx = cpu1_steps_over("Z0," BP ",1" DPRINTF_HIT, "D", &c);

	ck_assert_uint_eq(console_len, 4);
	roundup(fx, &c, "D");
	ck_assert_uint_eq(c.frame.rip, BP_ADDR);
	/* CPU 1 runs the int3 again: stepped over, not printed again. */
	c.frame.rip = BP_ADDR + 1;
	ck_assert_int_eq(kstub_trap(&fx->ks, 1, &c.frame, &bp), 0);
	ck_assert_uint_eq(c.frame.rflags & TF, TF);
	ck_assert_uint_eq(console_len, 4);
	/* Its next execution is a new hit and prints. */
	c.frame.rip = BP_ADDR + 1;
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	ck_assert_int_eq(kstub_trap(&fx->ks, 1, &c.frame, &db), 0);
	c.frame.rip = BP_ADDR + 1;
	ck_assert_int_eq(kstub_trap(&fx->ks, 1, &c.frame, &bp), 0);
	ck_assert_uint_eq(console_len, 8);
	fx_free(fx);
}
END_TEST

/* ---- a conditional Z0 held in a free debug register ---- */

/* The text is never written: a false hit leaves with RF, not a step. */
START_TEST(dr_z0_false_condition_writes_no_text)
{
	struct fx *fx = running("Z0," BP ",1" RDI_IS_5);
	const uint8_t orig = 0x90 + 0x20 % 5;
	size_t sent = fx->out_len;
	unsigned n;

	ck_assert_int_eq(fx->text[0x20], orig);
	ck_assert_uint_eq(fx->dr[0], BP_ADDR);
	fx->frame.rflags = 0x202;
	ck_assert_int_eq(hit(fx, 4, KSTUB_TRAP_DB), 0);
	ck_assert_uint_eq(fx->out_len, sent);
	ck_assert_uint_eq(stops, 1);
	ck_assert_uint_eq(fx->frame.rflags & (RF | TF), RF);
	ck_assert_int_eq(fx->text[0x20], orig);
	/* A true one stops where gdb put its breakpoint. */
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	ck_assert_int_eq(hit(fx, 5, KSTUB_TRAP_DB), 0);
	n = fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, n - 1), "T05"));
	ck_assert(strstr(fx_reply(fx, n - 1), "10:20000081ffffffff;"));
	ck_assert(!strstr(fx_reply(fx, n - 1), "hwbreak"));
	/* z0 frees the register. */
	remove_bp_and_run(fx);
	ck_assert_uint_eq(fx->dr[7] & 0xff, 0);
	ck_assert_int_eq(fx->text[0x20], orig);
	fx_free(fx);
}
END_TEST

/* hbreak at the same address: the Z0 moves to an int3, both stay. */
START_TEST(dr_z0_yields_to_a_z1_at_its_address)
{
	struct fx *fx = running("Z0," BP ",1" RDI_IS_5);
	unsigned n;

	fx_raw(fx, "+", 1);
	fx_cmd(fx, "Z1," BP ",1");
	fx_cmd(fx, "z1," BP ",1");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	n = fx_parse(fx);	/* the break-in's stop comes before them */
	ck_assert_str_eq(fx_reply(fx, n - 2), "OK");
	ck_assert_str_eq(fx_reply(fx, n - 1), "OK");
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	ck_assert_uint_eq(fx->dr[7] & 0xff, 0);
	/* The condition went with it: a false hit steps over quietly. */
	fx->frame.rflags = 0x202;
	n = (unsigned)fx->out_len;
	ck_assert_int_eq(hit(fx, 4, KSTUB_TRAP_BP), 0);
	ck_assert_uint_eq(fx->out_len, n);
	ck_assert_uint_eq(fx->frame.rflags & TF, TF);
	fx_free(fx);
}
END_TEST

/* A watchpoint that finds every register taken gets the Z0's. */
START_TEST(dr_z0_yields_to_a_watchpoint)
{
	struct fx *fx = running("Z0," BP ",1" RDI_IS_5);
	unsigned n;

	fx_raw(fx, "+", 1);
	fx_cmd(fx, "Z2,10008,8");
	fx_cmd(fx, "Z2,10010,8");
	fx_cmd(fx, "Z2,10018,8");
	ck_assert_int_eq(fx->text[0x20], 0x90 + 0x20 % 5);
	fx_cmd(fx, "Z2,10020,8");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	n = fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, n - 1), "OK");
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	ck_assert_uint_eq(fx->dr[0], 0x10020);
	fx_free(fx);
}
END_TEST

/* A persistent dprintf in a register stays armed after detach. */
START_TEST(dr_z0_persistent_dprintf_outlives_detach)
{
	struct fx *fx = fx_new(NULL);

	console_len = 0;
	fx->port_ops.console_write = console_write;
	fx_cmd(fx, "Z0," BP ",1" DPRINTF_HIT);
	fx_cmd(fx, "D");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_uint_eq(fx->dr[0], BP_ADDR);
	ck_assert_uint_ne(fx->dr[7] & 3, 0);
	fx->frame.rflags = 0x202;
	ck_assert_int_eq(hit(fx, 0, KSTUB_TRAP_DB), 0);
	ck_assert_uint_eq(console_len, 4);
	ck_assert_uint_eq(fx->frame.rflags & (RF | TF), RF);
	fx_free(fx);
}
END_TEST

Suite *core_agent_suite(void);
Suite *core_agent_suite(void)
{
	Suite *s = suite_create("core_agent");
	TCase *tc = tcase_create("agent");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, false_condition_steps_over_quietly);
	tcase_add_test(tc, true_condition_stops);
	tcase_add_test(tc, faulting_condition_stops_and_says_why);
	tcase_add_test(tc, dprintf_prints_and_never_stops);
	tcase_add_test(tc, rejected_expression_inserts_nothing);
	tcase_add_test(tc, slots_full_refuses_the_condition);
	tcase_add_test(tc, resent_z_replaces_conditions);
	tcase_add_test(tc, hw_false_condition_resumes_with_rf);
	tcase_add_test(tc, persistent_dprintf_outlives_detach);
	tcase_add_test(tc, shutdown_removes_persistent_breakpoints);
	tcase_add_test(tc, roundup_mid_step_rearms);
	tcase_add_test(tc, roundup_mid_step_prints_once);
	tcase_add_test(tc, dr_z0_false_condition_writes_no_text);
	tcase_add_test(tc, dr_z0_yields_to_a_z1_at_its_address);
	tcase_add_test(tc, dr_z0_yields_to_a_watchpoint);
	tcase_add_test(tc, dr_z0_persistent_dprintf_outlives_detach);
	suite_add_tcase(s, tc);
	return s;
}
