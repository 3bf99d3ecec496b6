// SPDX-License-Identifier: BSD-2-Clause
/*
 * Hardware breakpoints and watchpoints (Z1-Z4) on a kernel whose
 * hw_breakpoint subsystem owns DR0-DR3 and DR7.
 *
 * Ownership. At load, four wide (every CPU) hw_breakpoint events are
 * registered, one per debug register, aimed at bytes of this module no
 * code writes. The kernel's slot accounting then gives no slot to perf or
 * ptrace, and its per-CPU bp_per_reg[] names our event in every slot, so
 * its #DB notifier (hw_breakpoint_handler, which runs before ours and
 * swallows a hit on a slot it does not know) hands each hit to our
 * overflow handler. That handler notes the slot and sets the slot's bit
 * in current->thread.virtual_dr6, which is what makes the kernel's
 * notifier return NOTIFY_DONE instead of NOTIFY_STOP; our die notifier
 * takes the bit back and gives the stub the DR6 it saw. Right after
 * registration the events are made inert on every CPU (their DR7 enable
 * bits cleared): from then on only the stub writes DR0-3 and the enable
 * bits, from trap context on each CPU, mirrored into the kernel's
 * cpu_dr7 and cpu_debugreg[] so that hw_breakpoint_restore() (resume,
 * KVM) and local_db_save() see the stub's state.
 *
 * Arming before the kernel runs. Every CPU loads the stub's DR state on
 * its way out of the stub (kstub_dr_load). How a value written there
 * survives depends on how the CPU entered:
 *   - NMI (a parked CPU): the kernel saved DR7 in the per-CPU nmi_dr7 at
 *     NMI entry and writes it back as the very last step of the NMI. We
 *     keep DR7 0 for the rest of the handler and store the stub's DR7 in
 *     nmi_dr7, so the kernel's own restore arms it.
 *   - #DB (a hit or a step): exc_debug_kernel keeps the entry DR7 in a
 *     local and writes it back after the notifiers. So the CPU leaves
 *     the #DB through kstub_linux_dr_tramp (kstub_dr_tramp.S): the #DB
 *     returns to the trampoline with interrupts off, the trampoline
 *     writes the stub's DR7 and iretq's to the interrupted context (its
 *     rip, flags with RF and TF, rsp), so the first instruction of the
 *     kernel's own code runs with the new DR7.
 *   - int3, an oops, the break-in timer: nothing restores DR7 after
 *     them, so it is written directly.
 */
#include <linux/hw_breakpoint.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/perf_event.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/ptrace.h>

#include "kstub_linux.h"

static struct perf_event * __percpu *slot_event[HBP_NUM];
/* What the reserved events watch while they are inert: never written. */
static u8 inert_target[HBP_NUM] __aligned(8);
static unsigned long inert_dr7;	/* their DR7 bits as the kernel set them */

/* Static per-CPU variables of the kernel, found by kallsyms. */
static unsigned long __percpu *nmi_dr7_p;
static unsigned long __percpu *cpu_debugreg_p;	/* [HBP_NUM] */
static struct perf_event * __percpu *bp_per_reg_p;	/* [HBP_NUM] */

static bool hw_ready;
/* Per CPU, indexed by smp_processor_id(): trap context, no percpu needed. */
static enum kstub_linux_entry entry_kind[KSTUB_CPUS_MAX];
static unsigned long entry_dr6[KSTUB_CPUS_MAX];	/* raw polarity */
static unsigned long slot_hits[KSTUB_CPUS_MAX];	/* B0-B3 the overflow saw */
static unsigned long want_dr7[KSTUB_CPUS_MAX];

bool kstub_linux_hw_ready(void)
{
	return READ_ONCE(hw_ready);
}

/*
 * hw_breakpoint_handler cleared the slot's bit from the #DB's DR6 before
 * calling this; setting it in virtual_dr6 keeps the #DB going to our die
 * notifier, which clears it again. A user-mode hit (a Z2 on a user
 * address, touched by the task itself) is dropped: gdb debugs the kernel,
 * and the task must not get a SIGTRAP for it.
 */
static void slot_overflow(struct perf_event *bp, struct perf_sample_data *d,
			  struct pt_regs *regs)
{
	unsigned int cpu = raw_smp_processor_id();
	unsigned int i;

	if (user_mode(regs) || cpu >= KSTUB_CPUS_MAX)
		return;
	for (i = 0; i < HBP_NUM; i++) {
		if (*per_cpu_ptr(slot_event[i], cpu) != bp)
			continue;
		slot_hits[cpu] |= DR_TRAP0 << i;
		current->thread.virtual_dr6 |= DR_TRAP0 << i;
	}
}
NOKPROBE_SYMBOL(slot_overflow);

unsigned long kstub_linux_hw_db_take(unsigned long dr6)
{
	unsigned int cpu = raw_smp_processor_id();
	unsigned long hits;

	if (cpu >= KSTUB_CPUS_MAX)
		return dr6;
	hits = slot_hits[cpu];
	slot_hits[cpu] = 0;
	current->thread.virtual_dr6 &= ~hits;
	return dr6 | hits;
}

void kstub_linux_hw_enter(unsigned int cpu, enum kstub_linux_entry kind,
			  unsigned long dr6)
{
	entry_kind[cpu] = kind;
	/* The kernel read DR6 and reset it; it gave it positive polarity. */
	entry_dr6[cpu] = dr6 ^ DR6_RESERVED;
}

static u64 dr_get(void *ctx, unsigned int n)
{
	unsigned int cpu = raw_smp_processor_id();

	if (n == 6 && entry_kind[cpu] == KSTUB_LINUX_ENTRY_DB)
		return entry_dr6[cpu];
	if (n == 7)
		return want_dr7[cpu];
	return kstub_x86_dr_native_get(ctx, n);
}

static void dr_set(void *ctx, unsigned int n, u64 value)
{
	unsigned int cpu = raw_smp_processor_id();

	if (!READ_ONCE(hw_ready))
		return;
	if (n < HBP_NUM) {
		kstub_x86_dr_native_set(ctx, n, value);
		per_cpu_ptr(cpu_debugreg_p, cpu)[n] = value;
		return;
	}
	if (n != 7) {
		kstub_x86_dr_native_set(ctx, n, value);
		return;
	}
	want_dr7[cpu] = value;
	/* As the kernel does: cpu_dr7 is never 0 while DR7 is not. */
	if (value)
		this_cpu_write(cpu_dr7, value);
	switch (entry_kind[cpu]) {
	case KSTUB_LINUX_ENTRY_NMI:
		kstub_x86_dr_native_set(ctx, 7, 0);
		*per_cpu_ptr(nmi_dr7_p, cpu) = value;
		break;
	case KSTUB_LINUX_ENTRY_DB:
		/* kstub_linux_hw_db_exit() arms it past the kernel's restore. */
		kstub_x86_dr_native_set(ctx, 7, 0);
		break;
	default:
		kstub_x86_dr_native_set(ctx, 7, value);
		break;
	}
	if (!value)
		this_cpu_write(cpu_dr7, 0);
}

/* Called by kstub_linux_dr_tramp with interrupts off, before its iretq. */
void kstub_linux_dr_reapply(void)
{
	unsigned int cpu = raw_smp_processor_id();

	kstub_x86_dr_native_set(NULL, 7, want_dr7[cpu]);
}
NOKPROBE_SYMBOL(kstub_linux_dr_reapply);

/*
 * Leave a #DB through the trampoline: an iret frame for the interrupted
 * context goes just below its stack pointer (the kernel has no red zone,
 * and the #DB ran on its own IST stack, so nothing lives there), and the
 * #DB returns to the trampoline with interrupts, TF and RF off.
 */
void kstub_linux_hw_db_exit(struct pt_regs *regs)
{
	unsigned long *frame;

	if (!READ_ONCE(hw_ready) || user_mode(regs))
		return;
	frame = (unsigned long *)(regs->sp & ~7ul) - 5;
	frame[0] = regs->ip;
	frame[1] = regs->cs;
	frame[2] = regs->flags;
	frame[3] = regs->sp;
	frame[4] = regs->ss;
	regs->ip = (unsigned long)kstub_linux_dr_tramp;
	regs->sp = (unsigned long)frame;
	regs->flags = X86_EFLAGS_FIXED;
}

/* On each CPU, interrupts off: the reserved slots hold nothing. */
static void slots_quiet(void *unused)
{
	unsigned int i;

	set_debugreg(0, 7);
	this_cpu_write(cpu_dr7, 0);
	for (i = 0; i < HBP_NUM; i++) {
		set_debugreg(0, i);
		this_cpu_ptr(cpu_debugreg_p)[i] = 0;
	}
}

/*
 * On each CPU, before the events are unregistered: give them back the
 * addresses and DR7 bits the kernel installed, which are the bits its
 * uninstall clears.
 */
static void slots_inert(void *unused)
{
	unsigned int i;

	for (i = 0; i < HBP_NUM; i++) {
		set_debugreg((unsigned long)&inert_target[i], i);
		this_cpu_ptr(cpu_debugreg_p)[i] = (unsigned long)&inert_target[i];
	}
	this_cpu_write(cpu_dr7, inert_dr7);
	set_debugreg(inert_dr7, 7);
}

static void slots_release(void)
{
	unsigned int i;

	for (i = 0; i < HBP_NUM; i++) {
		if (slot_event[i])
			unregister_wide_hw_breakpoint(slot_event[i]);
		slot_event[i] = NULL;
	}
}

/* Every CPU's slot i must be event i: the overflow handler relies on it. */
static bool slots_in_order(void)
{
	unsigned int cpu, i;

	for_each_online_cpu(cpu)
		for (i = 0; i < HBP_NUM; i++)
			if (per_cpu_ptr(bp_per_reg_p, cpu)[i] !=
			    *per_cpu_ptr(slot_event[i], cpu))
				return false;
	return true;
}

int kstub_linux_hw_init(struct kstub_port_ops *ops)
{
	struct perf_event_attr attr;
	unsigned int i;

	nmi_dr7_p = (void __percpu *)kstub_linux_lookup("nmi_dr7");
	cpu_debugreg_p = (void __percpu *)kstub_linux_lookup("cpu_debugreg");
	bp_per_reg_p = (void __percpu *)kstub_linux_lookup("bp_per_reg");
	/* Per-CPU symbols come from kallsyms as offsets: check one we know. */
	if (kstub_linux_lookup("cpu_dr7") != (unsigned long)&cpu_dr7 ||
	    !nmi_dr7_p || !cpu_debugreg_p || !bp_per_reg_p) {
		pr_warn("kstub: the kernel's debug register state is not in kallsyms: no hardware breakpoints\n");
		return -ENOENT;
	}
	for (i = 0; i < HBP_NUM; i++) {
		hw_breakpoint_init(&attr);
		attr.bp_addr = (unsigned long)&inert_target[i];
		attr.bp_len = HW_BREAKPOINT_LEN_1;
		attr.bp_type = HW_BREAKPOINT_W;
		slot_event[i] = register_wide_hw_breakpoint(&attr, slot_overflow,
							    NULL);
		if (IS_ERR((void __force *)slot_event[i])) {
			int err = PTR_ERR((void __force *)slot_event[i]);

			slot_event[i] = NULL;
			slots_release();
			pr_warn("kstub: debug registers in use by perf or ptrace (%d): no hardware breakpoints\n",
				err);
			return err;
		}
	}
	if (!slots_in_order()) {
		slots_release();
		pr_warn("kstub: the kernel put the reserved debug registers out of order: no hardware breakpoints\n");
		return -EBUSY;
	}
	inert_dr7 = raw_cpu_read(cpu_dr7);	/* the same on every CPU */
	WRITE_ONCE(hw_ready, true);
	on_each_cpu(slots_quiet, NULL, 1);
	ops->dr_get = dr_get;
	ops->dr_set = dr_set;
	return 0;
}

/*
 * Process context, no debugger session open. hw_ready off first: a trap
 * still in flight leaves the registers alone; on_each_cpu's IPIs run only
 * after it returned (it has interrupts off).
 */
void kstub_linux_hw_exit(void)
{
	if (!hw_ready)
		return;
	WRITE_ONCE(hw_ready, false);
	on_each_cpu(slots_inert, NULL, 1);
	slots_release();
}
