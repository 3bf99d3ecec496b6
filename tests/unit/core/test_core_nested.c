// SPDX-License-Identifier: BSD-2-Clause
/*
 * A fault inside the stub, taken for real: a port hook "faults" by
 * saving its registers and calling kstub_trap() as a trap entry would,
 * then "returns from the trap" by loading the frame the stub handed back.
 * The faulting command must answer E0e, the session go on, nothing
 * recurse, and the breakpoint state stay what the replies said.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#include "core_fixture.h"
#include "core_table.h"

#define BAD 0xdead0000ull	/* mem_read "faults" on this page */
#define BP_A "ffffffff81000020"
#define BP_B "ffffffff81000030"
#define MAX_TRAPS 8

/* What the faulting hooks do, and what the trap entry saw. */
static struct {
	struct fx *fx;
	long (*mem_read)(void *, uint64_t, void *, size_t);
	int (*text_write)(void *, uint64_t, const void *, size_t);
	uint32_t vectors[4];	/* one trap each, until one is consumed */
	unsigned nvectors;
	uint64_t text_fault_at;	/* text_write faults here (0: never) */
	int fault_recv_at;	/* recv_byte faults on this call (0: never) */
	int recv_calls;
	bool dr_get_faults;
	bool second_fault;	/* fault again before returning to the stub */
	unsigned ntraps;
	int result[MAX_TRAPS];
	bool link_read_in_trap;	/* the nested kstub_trap() read gdb's bytes */
	unsigned passed_on;	/* hooks that went on after KSTUB_EPASS */
	int monitor_write;	/* kstub_monitor_write() from a later hook */
	uint64_t fault_rip, fault_rsp;
	struct kstub_frame frame;	/* the trap frame, both ways */
	struct kstub_frame handed;	/* what the stub returned in it */
} nest;

void nest_fault(struct kstub_frame *f);
void nest_trap(struct kstub_frame *f);
void nest_iret(const struct kstub_frame *f) __attribute__((noreturn));

_Static_assert(__builtin_offsetof(struct kstub_frame, rip) == 128, "asm");
_Static_assert(__builtin_offsetof(struct kstub_frame, rflags) == 136, "asm");

/*
 * nest_fault(f): the CPU and the port's trap entry. The registers at the
 * "faulting instruction" (the one after the call; rsp as after the
 * return) go to f, then nest_trap(f) runs. If it returns, the stub passed
 * the trap and the hook goes on as if the instruction were skipped.
 * nest_iret(f): the port's iretq, for the registers that matter to C.
 */
__asm__(".text\n"
	".globl nest_fault\n"
	".type nest_fault, @function\n"
	"nest_fault:\n"
	"	movq %rax, 0(%rdi)\n"
	"	movq %rbx, 8(%rdi)\n"
	"	movq %rcx, 16(%rdi)\n"
	"	movq %rdx, 24(%rdi)\n"
	"	movq %rsi, 32(%rdi)\n"
	"	movq %rdi, 40(%rdi)\n"
	"	movq %rbp, 48(%rdi)\n"
	"	leaq 8(%rsp), %rax\n"
	"	movq %rax, 56(%rdi)\n"
	"	movq %r8, 64(%rdi)\n"
	"	movq %r9, 72(%rdi)\n"
	"	movq %r10, 80(%rdi)\n"
	"	movq %r11, 88(%rdi)\n"
	"	movq %r12, 96(%rdi)\n"
	"	movq %r13, 104(%rdi)\n"
	"	movq %r14, 112(%rdi)\n"
	"	movq %r15, 120(%rdi)\n"
	"	movq (%rsp), %rax\n"
	"	movq %rax, 128(%rdi)\n"
	"	pushfq\n"
	"	popq 136(%rdi)\n"
	"	subq $8, %rsp\n"
	"	call nest_trap@PLT\n"
	"	addq $8, %rsp\n"
	"	ret\n"
	".size nest_fault, .-nest_fault\n"
	".globl nest_iret\n"
	".type nest_iret, @function\n"
	"nest_iret:\n"
	"	movq 8(%rdi), %rbx\n"
	"	movq 48(%rdi), %rbp\n"
	"	movq 96(%rdi), %r12\n"
	"	movq 104(%rdi), %r13\n"
	"	movq 112(%rdi), %r14\n"
	"	movq 120(%rdi), %r15\n"
	"	movq 0(%rdi), %rax\n"
	"	movq 128(%rdi), %rcx\n"
	"	movq 56(%rdi), %rsp\n"
	"	jmp *%rcx\n"
	".size nest_iret, .-nest_iret\n");

static uint64_t stack_pointer(void)
{
	uint64_t sp;

	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
	return sp;
}

void nest_trap(struct kstub_frame *f)
{
	struct kstub_trap why = { .vector = nest.vectors[0] };
	struct kstub_frame again = *f;
	size_t in_pos = nest.fx->in_pos;
	unsigned i;
	int r;

	if (why.vector == KSTUB_TRAP_PF)
		why.fault_addr = BAD;
	nest.fault_rip = f->rip;
	nest.fault_rsp = f->gpr[KSTUB_REG_RSP];
	r = kstub_trap(&nest.fx->ks, 0, f, &why);
	ck_assert_uint_lt(nest.ntraps, MAX_TRAPS);
	nest.result[nest.ntraps++] = r;
	nest.link_read_in_trap |= nest.fx->in_pos != in_pos;
	for (i = 1; i < nest.nvectors; i++)
		nest.vectors[i - 1] = nest.vectors[i];
	if (nest.nvectors > 1)
		nest.nvectors--;
	if (r != 0)
		return;
	nest.handed = *f;
	if (nest.second_fault) {
		/* The trap entry faults again before its iretq. */
		ck_assert_uint_lt(nest.ntraps, MAX_TRAPS);
		nest.result[nest.ntraps++] =
			kstub_trap(&nest.fx->ks, 0, &again, &why);
	}
#ifdef __SANITIZE_ADDRESS__
	/* The frames cut short never return to clear their red zones. */
	__asan_unpoison_memory_region((void *)(uintptr_t)stack_pointer(),
				      f->gpr[KSTUB_REG_RSP] - stack_pointer());
#endif
	nest_iret(f);
}

/* A hook takes a trap for each queued vector, until one is consumed. */
static void hook_faults(void)
{
	unsigned n = nest.nvectors;

	while (n--) {
		nest_fault(&nest.frame);
		nest.passed_on++;
	}
}

static long read_hook(void *c, uint64_t a, void *d, size_t n)
{
	if (a - BAD < 0x1000) {
		hook_faults();
		return KSTUB_EFAULT;
	}
	nest.monitor_write = kstub_monitor_write(&nest.fx->ks, "x", 1);
	return nest.mem_read(c, a, d, n);
}

static int text_hook(void *c, uint64_t a, const void *s, size_t n)
{
	if (a == nest.text_fault_at) {
		hook_faults();
		return KSTUB_EFAULT;
	}
	return nest.text_write(c, a, s, n);
}

static int (*fx_recv)(void *);
static uint64_t (*fx_dr_get)(void *, unsigned);

static int recv_hook(void *c)
{
	if (++nest.recv_calls == nest.fault_recv_at)
		hook_faults();
	return fx_recv(c);
}

static uint64_t dr_get_hook(void *c, unsigned n)
{
	if (nest.dr_get_faults) {
		nest.dr_get_faults = false;
		hook_faults();
	}
	return fx_dr_get(c, n);
}

static int boom_cmd(struct kstub *ks, void *ctx, const char *a, size_t n)
{
	(void)ctx;
	(void)a;
	(void)n;
	kstub_monitor_write(ks, "before\n", 7);
	hook_faults();
	return 0;
}

static int echo_cmd(struct kstub *ks, void *ctx, const char *a, size_t n)
{
	(void)ctx;
	return kstub_monitor_write(ks, a, n);
}

static const struct kstub_monitor_cmd monitor[] = {
	{ "boom", "fault half way", boom_cmd },
	{ "echo", "print the rest of the line", echo_cmd },
};

/* The fixture, with its hooks wrapped by the faulting ones above. */
static struct fx *nest_new(const struct fx_opts *o)
{
	struct fx *fx = fx_new(o);
	struct kstub_port_ops *port = (struct kstub_port_ops *)fx->ks.cfg.port;
	struct kstub_transport_ops *link =
		(struct kstub_transport_ops *)fx->ks.cfg.link;
	struct kstub_config cfg = fx->ks.cfg;

	memset(&nest, 0, sizeof(nest));
	nest.fx = fx;
	nest.vectors[0] = KSTUB_TRAP_PF;
	nest.nvectors = 1;
	nest.monitor_write = 1;
	nest.mem_read = port->mem_read;
	nest.text_write = port->text_write;
	port->mem_read = read_hook;
	port->text_write = text_hook;
	fx_recv = link->recv_byte;
	link->recv_byte = recv_hook;
	fx_dr_get = port->dr_get;
	port->dr_get = dr_get_hook;
	cfg.monitor = monitor;
	cfg.monitor_count = 2;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	return fx;
}

static void qrcmd(struct fx *fx, const char *line)
{
	char pkt[128] = "qRcmd,";
	size_t i, n = strlen(pkt);

	for (i = 0; line[i]; i++, n += 2)
		snprintf(pkt + n, 3, "%02x", (unsigned char)line[i]);
	fx_cmd(fx, pkt);
}

START_TEST(fault_in_a_command_answers_E0e_and_the_session_goes_on)
{
	struct fx *fx = nest_new(NULL);

	fx_cmd(fx, "mdead0010,4");
	fx_cmd(fx, "m10000,4");
	fx_cmd(fx, "mdead0000,1");	/* the point is armed again */
	fx_cmd(fx, "qAttached");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nreplies, 4);
	ck_assert_str_eq(fx_reply(fx, 0), "E0e");
	ck_assert_str_eq(fx_reply(fx, 1), "00070e15");
	ck_assert_str_eq(fx_reply(fx, 2), "E0e");
	ck_assert_str_eq(fx_reply(fx, 3), "1");
	ck_assert_uint_eq(fx->tail_used, 0);
	/* Both faults were consumed at once: no session inside the trap. */
	ck_assert_uint_eq(nest.ntraps, 2);
	ck_assert_int_eq(nest.result[0], 0);
	ck_assert_int_eq(nest.result[1], 0);
	ck_assert(!nest.link_read_in_trap);
	ck_assert_uint_eq(nest.passed_on, 0);
	/* The frame handed back: the recovery point, interrupts off. */
	ck_assert_uint_eq(nest.handed.gpr[KSTUB_REG_RAX], 1);
	ck_assert_uint_gt(nest.handed.gpr[KSTUB_REG_RSP], nest.fault_rsp);
	ck_assert_uint_ne(nest.handed.rip, nest.fault_rip);
	ck_assert_uint_eq(nest.handed.rflags & (KSTUB_RFLAGS_IF |
						KSTUB_RFLAGS_TF |
						KSTUB_RFLAGS_RF), 0);
	/* The kernel's own frame came through untouched. */
	ck_assert_uint_eq(fx->frame.rip, FX_TEXT + 0x10);
	fx_free(fx);
}
END_TEST

START_TEST(a_second_fault_before_the_next_command_is_passed)
{
	struct fx *fx = nest_new(NULL);

	nest.second_fault = true;
	fx_cmd(fx, "mdead0000,4");
	fx_cmd(fx, "m10001,2");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_uint_eq(nest.ntraps, 2);
	ck_assert_int_eq(nest.result[0], 0);
	ck_assert_int_eq(nest.result[1], KSTUB_EPASS);
	ck_assert_str_eq(fx_reply(fx, 0), "E0e");
	ck_assert_str_eq(fx_reply(fx, 1), "070e");
	fx_free(fx);
}
END_TEST

START_TEST(nested_debug_trap_and_nmi_pass_and_keep_the_point)
{
	struct fx *fx = nest_new(NULL);

	nest.vectors[0] = KSTUB_TRAP_DB;
	nest.vectors[1] = KSTUB_TRAP_NMI;
	nest.vectors[2] = KSTUB_TRAP_GP;
	nest.nvectors = 3;
	fx_cmd(fx, "mdead0000,4");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_uint_eq(nest.ntraps, 3);
	ck_assert_int_eq(nest.result[0], KSTUB_EPASS);
	ck_assert_int_eq(nest.result[1], KSTUB_EPASS);
	ck_assert_int_eq(nest.result[2], 0);
	ck_assert_uint_eq(nest.passed_on, 2);	/* after #DB, after NMI */
	ck_assert_str_eq(fx_reply(fx, 0), "E0e");
	fx_free(fx);
}
END_TEST

START_TEST(faults_outside_a_command_are_passed)
{
	struct fx *fx = nest_new(NULL);

	nest.dr_get_faults = true;	/* on entry, before the session */
	nest.fault_recv_at = 1;		/* waiting for the first packet */
	fx_cmd(fx, "qAttached");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_uint_eq(nest.ntraps, 2);
	ck_assert_int_eq(nest.result[0], KSTUB_EPASS);
	ck_assert_int_eq(nest.result[1], KSTUB_EPASS);
	ck_assert_uint_eq(nest.passed_on, 2);
	ck_assert_str_eq(fx_reply(fx, 0), "1");
	fx_free(fx);
}
END_TEST

START_TEST(breakpoints_stay_as_the_replies_said)
{
	struct fx *fx = nest_new(NULL);
	uint8_t a = fx->text[0x20], b = fx->text[0x30];

	fx_cmd(fx, "Z0," BP_A ",1");
	fx_cmd(fx, "Z0," BP_B ",1");	/* text_write faults: not inserted */
	fx_pkt(fx, "c");
	nest.text_fault_at = FX_TEXT + 0x30;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	ck_assert_int_eq(fx->text[0x30], b);

	/* Removing A faults: A stays inserted, then goes on a retry. */
	nest.text_fault_at = FX_TEXT + 0x20;
	fx_raw(fx, "+", 1);
	fx_cmd(fx, "z0," BP_A ",1");
	fx_cmd(fx, "m" BP_A ",1");
	fx_cmd(fx, "z0," BP_B ",1");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	nest.text_fault_at = 0;
	fx_raw(fx, "+", 1);
	fx_cmd(fx, "z0," BP_A ",1");
	fx_cmd(fx, "m" BP_A ",1");
	fx_pkt(fx, "D");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "OK");
	ck_assert_str_eq(fx_reply(fx, 1), "E0e");
	ck_assert_str_eq(fx_reply(fx, 3), "E0e");
	ck_assert_str_eq(fx_reply(fx, 4), "92");	/* still hidden */
	ck_assert_str_eq(fx_reply(fx, 5), "E02");	/* B never was */
	ck_assert_str_eq(fx_reply(fx, 7), "OK");
	ck_assert_str_eq(fx_reply(fx, 8), "92");
	ck_assert_int_eq(fx->text[0x20], a);
	ck_assert_int_eq(fx->text[0x30], b);
	ck_assert_uint_eq(nest.ntraps, 2);
	fx_free(fx);
}
END_TEST

START_TEST(monitor_command_faulting_half_way)
{
	struct fx *fx = nest_new(NULL);

	qrcmd(fx, "boom");
	fx_cmd(fx, "m10000,1");
	qrcmd(fx, "echo hi");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nreplies, 5);
	ck_assert_str_eq(fx_reply(fx, 0), "O6265666f72650a");	/* "before\n" */
	/*
	 * Not E0e (gdb: "Protocol error with Rcmd") but, hex-encoded,
	 * "kstub: monitor boom: faulted; the stub stopped it\n".
	 */
	ck_assert_str_eq(fx_reply(fx, 1),
			 "6b737475623a206d6f6e69746f7220626f6f6d3a206661756c"
			 "7465643b2074686520737475622073746f707065642069740a");
	ck_assert_str_eq(fx_reply(fx, 2), "00");
	ck_assert_str_eq(fx_reply(fx, 3), "O6869");
	ck_assert_str_eq(fx_reply(fx, 4), "OK");
	/* The output channel closed with the command that died. */
	ck_assert_int_eq(nest.monitor_write, KSTUB_ENOTCONN);
	fx_free(fx);
}
END_TEST

Suite *core_nested_suite(void);
Suite *core_nested_suite(void)
{
	Suite *s = suite_create("core_nested");
	TCase *tc = tcase_create("nested");

	tcase_add_test(tc, fault_in_a_command_answers_E0e_and_the_session_goes_on);
	tcase_add_test(tc, a_second_fault_before_the_next_command_is_passed);
	tcase_add_test(tc, nested_debug_trap_and_nmi_pass_and_keep_the_point);
	tcase_add_test(tc, faults_outside_a_command_are_passed);
	tcase_add_test(tc, breakpoints_stay_as_the_replies_said);
	tcase_add_test(tc, monitor_command_faulting_half_way);
	suite_add_tcase(s, tc);
	return s;
}
