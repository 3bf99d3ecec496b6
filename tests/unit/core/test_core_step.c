// SPDX-License-Identifier: BSD-2-Clause
/*
 * Single steps through the public API: what each instruction class
 * leaves in RFLAGS, steps that end some other way (a fault, an NMI
 * park), hlt, and which CPUs run while one of them steps. The test plays
 * the CPU: it changes the frame as the instruction would, then traps.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "core_table.h"
#include "kstub_int.h"	/* CPU states and orders, to see who stays parked */

#define TF KSTUB_RFLAGS_TF
#define IF KSTUB_RFLAGS_IF
#define RF KSTUB_RFLAGS_RF
#define SP (FX_RAM + 0x1000)

/* The CPU finished the stepped instruction: #DB with DR6.BS. */
static int step_trap(struct fx *fx, const char *then)
{
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	fx_raw(fx, "+", 1);
	fx_pkt(fx, then);
	return fx_trap(fx, KSTUB_TRAP_DB);
}

/*
 * One step of each class at core level. if_insn is what the instruction
 * itself does to IF (-1: nothing); if_after what the kernel must see.
 */
static const struct {
	uint8_t op;
	bool if_before;
	int if_insn;
	bool if_after;
} class_rows[] = {
	{ 0x9d, true, 0, false },	/* popf of a word with IF clear */
	{ 0x9d, false, 1, true },	/* popf of a word with IF set */
	{ 0xfa, true, 0, false },	/* cli */
	{ 0xfb, false, 1, true },	/* sti */
	{ 0xcf, true, 0, false },	/* iretq to IF clear */
	{ 0xcf, false, 1, true },	/* iretq to IF set */
	{ 0x9c, true, -1, true },	/* pushf: IF back, image fixed */
	{ 0x9c, false, -1, false },
	{ 0x90, true, -1, true },	/* nop */
};

START_TEST(step_each_class)
{
	struct fx *fx = fx_new(NULL);
	uint8_t *img = fx->ram + (SP - 8 - FX_RAM);

	fx->text[0x10] = class_rows[_i].op;
	fx->frame.rflags = 0x2 | (class_rows[_i].if_before ? IF : 0);
	fx_pkt(fx, "s");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_eq(fx->frame.rflags & (TF | IF), TF);

	fx->frame.rip++;
	if (class_rows[_i].op == 0x9c) {	/* it pushed our flags */
		fx->frame.gpr[KSTUB_REG_RSP] = SP - 8;
		img[0] = (uint8_t)fx->frame.rflags;
		img[1] = (uint8_t)(fx->frame.rflags >> 8);
	}
	if (class_rows[_i].if_insn == 0)
		fx->frame.rflags &= ~IF;
	else if (class_rows[_i].if_insn == 1)
		fx->frame.rflags |= IF;
	ck_assert_int_eq(step_trap(fx, "c"), 0);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, 0), "10:11000081ffffffff;"));
	ck_assert_uint_eq(fx->frame.rflags & TF, 0);
	ck_assert_uint_eq((fx->frame.rflags & IF) != 0,
			  class_rows[_i].if_after);
	if (class_rows[_i].op == 0x9c) {
		ck_assert_uint_eq(img[1] & 1, 0);
		ck_assert_uint_eq((img[1] & 2) != 0, class_rows[_i].if_before);
	}
	fx_free(fx);
}
END_TEST

/*
 * The stepped instruction faulted (#PF pushing, #GP in popf): it did not
 * run. IF is the kernel's again whatever the class, and the word at the
 * stack top, which pushf never wrote, is left alone.
 */
START_TEST(step_ended_by_a_fault)
{
	static const uint8_t ops[] = { 0x9c, 0x9d, 0xfa, 0xcf };
	struct fx *fx = fx_new(NULL);
	uint8_t word[2];

	fx->text[0x10] = ops[_i];
	memcpy(word, fx->ram + (SP - FX_RAM), 2);
	fx_pkt(fx, "s");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_uint_eq(fx->frame.rflags & (TF | IF), TF);
	fx_raw(fx, "+", 1);
	fx_cmd(fx, "?");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, ops[_i] == 0x9c ? KSTUB_TRAP_PF
						     : KSTUB_TRAP_GP), 0);
	fx_parse(fx);
	ck_assert(strncmp(fx_reply(fx, 0), "T0b", 3) == 0);
	ck_assert_uint_eq(fx->frame.rflags & (TF | IF), IF);
	ck_assert_mem_eq(fx->ram + (SP - FX_RAM), word, 2);
	fx_free(fx);
}
END_TEST

/*
 * hlt is not stepped (IF is clear during a step: nothing would wake the
 * CPU). The step is done at once, in the same session, at the next
 * instruction. sti; hlt, the idle loop's pair, steps through both.
 */
START_TEST(step_over_sti_hlt)
{
	struct fx *fx = fx_new(NULL);

	fx->text[0x10] = 0xfb;	/* sti */
	fx->text[0x11] = 0xf4;	/* hlt */
	fx->frame.rflags &= ~IF;
	fx_pkt(fx, "s");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx->frame.rip++;
	fx->frame.rflags |= IF;	/* sti ran */
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	fx_raw(fx, "+", 1);
	fx_cmd(fx, _i ? "vCont;s:1;c" : "s");	/* answered at once */
	fx_cmd(fx, "p10");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_DB), 0);
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, 0), "10:11000081ffffffff;"));
	ck_assert(strncmp(fx_reply(fx, 1), "T05", 3) == 0);
	ck_assert(strstr(fx_reply(fx, 1), "10:12000081ffffffff;thread:1;"));
	ck_assert_str_eq(fx_reply(fx, 2), "12000081ffffffff");
	ck_assert_uint_eq(fx->frame.rip, FX_TEXT + 0x12);
	ck_assert_uint_eq(fx->frame.rflags & (TF | IF), IF);
	fx_free(fx);
}
END_TEST

/* With prefixes, the whole instruction is skipped. */
START_TEST(step_over_prefixed_hlt)
{
	struct fx *fx = fx_new(NULL);

	memcpy(fx->text + 0x10, "\x2e\x48\xf4", 3);
	fx_cmd(fx, "s");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, 0), "10:13000081ffffffff;"));
	ck_assert_uint_eq(fx->frame.rip, FX_TEXT + 0x13);
	fx_free(fx);
}
END_TEST

/* ---- two CPUs: CPU 1 is a thread that parks from the "NMI" ---- */

struct cpu1 {
	struct fx *fx;
	struct kstub_frame frame;
	unsigned parks;		/* how many times to park before leaving */
	uint64_t rflags[2];	/* after each release */
	int done;
};

static void *cpu1_main(void *arg)
{
	struct cpu1 *c = arg;
	unsigned i;

	for (i = 0; i < c->parks; i++) {
		/* Until the roundup asks, the "NMI" is not ours. */
		while (kstub_cpu_park(&c->fx->ks, 1, &c->frame) == KSTUB_EPASS)
			;
		c->rflags[i] = c->frame.rflags;
	}
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static struct fx *two_cpus(struct cpu1 *c, pthread_t *t, unsigned parks,
			   uint32_t flags)
{
	struct fx_opts o = { .ncpus = 2, .roundup_ms = 600000,
			     .cfg_flags = flags };
	struct fx *fx = fx_new(&o);

	memset(c, 0, sizeof(*c));
	c->fx = fx;
	c->parks = parks;
	c->frame.rip = FX_TEXT + 0x300;
	c->frame.rflags = 0x246;
	c->frame.valid[0] = KSTUB_VALID_GPRS;
	pthread_create(t, NULL, cpu1_main, c);
	return fx;
}

/*
 * gdb's stepi without scheduler-locking: the other CPU stays parked
 * during the step (no NMI roundup per step) and only the continue after
 * it lets it go.
 */
START_TEST(step_keeps_other_cpus_parked)
{
	struct cpu1 c;
	pthread_t t;
	struct fx *fx = two_cpus(&c, &t, 1, 0);

	fx_pkt(fx, "vCont;s:1;c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert(fx->frame.rflags & TF);
	ck_assert_uint_eq(fx->ks.cpu[1].order, KSTUB_GO_STAY);
	ck_assert_uint_eq(__atomic_load_n(&fx->ks.cpu[1].state,
					  __ATOMIC_ACQUIRE), KSTUB_CPU_PARKED);
	ck_assert_int_eq(__atomic_load_n(&c.done, __ATOMIC_ACQUIRE), 0);
	fx->frame.rip++;
	ck_assert_int_eq(step_trap(fx, "vCont;c"), 0);
	pthread_join(t, NULL);
	ck_assert_uint_eq(c.rflags[0] & TF, 0);
	fx_free(fx);
}
END_TEST

/* KSTUB_CFG_STEP_RUNS_OTHERS: the old way, the others run during it. */
START_TEST(step_runs_others_when_asked)
{
	struct cpu1 c;
	pthread_t t;
	struct fx *fx = two_cpus(&c, &t, 1, KSTUB_CFG_STEP_RUNS_OTHERS);

	fx_pkt(fx, "vCont;s:1;c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert(fx->frame.rflags & TF);
	pthread_join(t, NULL);
	ck_assert_uint_eq(fx->ks.cpu[1].order, KSTUB_GO_CONT);
	fx_free(fx);
}
END_TEST

/*
 * Both CPUs step; CPU 0's step traps first and its roundup NMI reaches
 * CPU 1 before CPU 1's own step trap. CPU 1 must not go on with TF set
 * and the kernel's IF lost.
 */
START_TEST(step_ended_by_nmi_park)
{
	struct cpu1 c;
	pthread_t t;
	struct fx *fx = two_cpus(&c, &t, 2, 0);

	fx_pkt(fx, "vCont;s");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx->frame.rip++;
	ck_assert_int_eq(step_trap(fx, "c"), 0);
	pthread_join(t, NULL);
	ck_assert_uint_eq(c.rflags[0] & (TF | IF), TF);	/* its step began */
	ck_assert_uint_eq(c.rflags[1] & (TF | IF), IF);	/* and was undone */
	ck_assert_uint_eq(fx->ks.cpu[1].step.active, 0);
	ck_assert_uint_eq(c.frame.rip, FX_TEXT + 0x300);
	fx_free(fx);
}
END_TEST

/* A parked CPU's step over hlt is done in place and reported as its own. */
START_TEST(step_other_cpu_over_hlt)
{
	struct cpu1 c;
	pthread_t t;
	struct fx *fx = two_cpus(&c, &t, 1, 0);

	fx->text[0x300] = 0xf4;
	fx_cmd(fx, "vCont;s:2");
	fx_cmd(fx, "vCont;c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	pthread_join(t, NULL);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, 0), "10:01030081ffffffff;thread:2;"));
	ck_assert_uint_eq(c.frame.rip, FX_TEXT + 0x301);
	ck_assert_uint_eq(c.rflags[0] & TF, 0);
	fx_free(fx);
}
END_TEST

Suite *core_step_suite(void);
Suite *core_step_suite(void)
{
	Suite *s = suite_create("core_step");
	TCase *tc = tcase_create("step");

	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, step_each_class, 0,
			    sizeof(class_rows) / sizeof(class_rows[0]));
	tcase_add_loop_test(tc, step_ended_by_a_fault, 0, 4);
	tcase_add_loop_test(tc, step_over_sti_hlt, 0, 2);
	tcase_add_test(tc, step_over_prefixed_hlt);
	tcase_add_test(tc, step_keeps_other_cpus_parked);
	tcase_add_test(tc, step_runs_others_when_asked);
	tcase_add_test(tc, step_ended_by_nmi_park);
	tcase_add_test(tc, step_other_cpu_over_hlt);
	suite_add_tcase(s, tc);
	return s;
}
