// SPDX-License-Identifier: BSD-2-Clause
/*
 * kstub.ko: the debugger as a loadable module for a stock kernel without
 * CONFIG_KGDB. Owns the module's life (parameters, load, unload), the
 * serial port, trap entry through the die notifier, the NMI that parks
 * the other CPUs, and break-in by a polling timer.
 */
#include <linux/hrtimer.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kdebug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/nmi.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/rcupdate.h>
#include <linux/security.h>
#include <linux/stop_machine.h>
#include <linux/delay.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/io.h>
#include <asm/irq_regs.h>
#include <asm/nmi.h>
#include <asm/sync_core.h>
#include <asm/traps.h>

#include "kstub_linux.h"
#include "kstub_serial.h"

/* Exported (GPL) but declared only in kernel/rcu/rcu.h. */
extern int rcu_cpu_stall_suppress;

/* Dual licence naming GPL: the GPL-only exports (kprobes, apic, nofault
 * copies) are needed, and the stub itself is BSD-2-Clause. */
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("kstub: a GDB remote stub for the running kernel");

static unsigned int port = 0x2f8;
module_param(port, uint, 0444);
MODULE_PARM_DESC(port, "I/O port of the 16550 gdb talks to (default 0x2f8, ttyS1)");
static unsigned int baud = 115200;
module_param(baud, uint, 0444);
MODULE_PARM_DESC(baud, "line rate (a divisor of 115200)");
static bool wait;
module_param(wait, bool, 0444);
MODULE_PARM_DESC(wait, "stop in the debugger at load, as kgdbwait");
static unsigned int poll_ms = 20;
module_param(poll_ms, uint, 0444);
MODULE_PARM_DESC(poll_ms, "how often the running kernel looks for gdb's ^C");
static bool hw = true;
module_param(hw, bool, 0444);
MODULE_PARM_DESC(hw, "reserve DR0-DR3 for hbreak/watch (0: leave them to perf and ptrace)");

struct kstub kstub_linux_state;
static struct kstub_serial serial;
static u8 rx_buf[KSTUB_BUF_LEN_DEFAULT], tx_buf[KSTUB_BUF_LEN_DEFAULT];
static struct resource *uart_region;
static struct hrtimer poll_timer;
static bool holding_ref;	/* a module reference while gdb is attached */
static int kstub_panic_cpu = -1;	/* the CPU whose int3 is the panic entry */

/*
 * Trap and NMI entries run on IST stacks of a few KiB: the frames are
 * static, one per CPU and nesting level (a fault inside a command is
 * the second level, which the stub contains).
 */
#define DEPTH_MAX 2
static struct kstub_frame frames[KSTUB_CPUS_MAX][DEPTH_MAX];
static unsigned int depth[KSTUB_CPUS_MAX];

static u8 uart_in(void *ctx, unsigned int reg)
{
	return inb(port + reg);
}

static void uart_out(void *ctx, unsigned int reg, u8 v)
{
	outb(v, port + reg);
}

void kstub_linux_frame_from_regs(struct kstub_frame *f,
				 const struct pt_regs *regs)
{
	memset(f, 0, sizeof(*f));
	f->gpr[KSTUB_REG_RAX] = regs->ax;
	f->gpr[KSTUB_REG_RBX] = regs->bx;
	f->gpr[KSTUB_REG_RCX] = regs->cx;
	f->gpr[KSTUB_REG_RDX] = regs->dx;
	f->gpr[KSTUB_REG_RSI] = regs->si;
	f->gpr[KSTUB_REG_RDI] = regs->di;
	f->gpr[KSTUB_REG_RBP] = regs->bp;
	f->gpr[KSTUB_REG_RSP] = regs->sp;
	f->gpr[KSTUB_REG_R8] = regs->r8;
	f->gpr[KSTUB_REG_R9] = regs->r9;
	f->gpr[KSTUB_REG_R10] = regs->r10;
	f->gpr[KSTUB_REG_R11] = regs->r11;
	f->gpr[KSTUB_REG_R12] = regs->r12;
	f->gpr[KSTUB_REG_R13] = regs->r13;
	f->gpr[KSTUB_REG_R14] = regs->r14;
	f->gpr[KSTUB_REG_R15] = regs->r15;
	f->rip = regs->ip;
	f->rflags = regs->flags;
	f->seg[0] = regs->cs;
	f->seg[1] = regs->ss;
	f->valid[0] = KSTUB_VALID_GPRS;
	/*
	 * The entry code restores rsp from pt_regs, but a kernel-mode trap
	 * may have been taken on the same stack as its frame: moving rsp
	 * under it is not something to offer.
	 */
	kstub_frame_set_ro(f, KSTUB_REG_RSP);
}

void kstub_linux_frame_to_regs(const struct kstub_frame *f,
			       struct pt_regs *regs)
{
	regs->ax = f->gpr[KSTUB_REG_RAX];
	regs->bx = f->gpr[KSTUB_REG_RBX];
	regs->cx = f->gpr[KSTUB_REG_RCX];
	regs->dx = f->gpr[KSTUB_REG_RDX];
	regs->si = f->gpr[KSTUB_REG_RSI];
	regs->di = f->gpr[KSTUB_REG_RDI];
	regs->bp = f->gpr[KSTUB_REG_RBP];
	regs->r8 = f->gpr[KSTUB_REG_R8];
	regs->r9 = f->gpr[KSTUB_REG_R9];
	regs->r10 = f->gpr[KSTUB_REG_R10];
	regs->r11 = f->gpr[KSTUB_REG_R11];
	regs->r12 = f->gpr[KSTUB_REG_R12];
	regs->r13 = f->gpr[KSTUB_REG_R13];
	regs->r14 = f->gpr[KSTUB_REG_R14];
	regs->r15 = f->gpr[KSTUB_REG_R15];
	regs->ip = f->rip;
	regs->flags = f->rflags;
}

/*
 * A long stop must not read as a hang to the watchdogs: the NMI
 * hard-lockup detector and the soft-lockup timer are touched on the way
 * out, and RCU's stall warnings are off while any CPU is stopped.
 */
static void watchdogs_quiet(bool stopping)
{
	static int saved;

	if (stopping) {
		saved = rcu_cpu_stall_suppress;
		rcu_cpu_stall_suppress = 1;
	} else {
		touch_nmi_watchdog();
		rcu_cpu_stall_suppress = saved;
	}
}

/*
 * Hold the module while gdb is attached, so rmmod is refused; rmmod
 * itself can only say "in use", so the log says why. (printk from trap
 * context is deferred by the kernel, not lost.)
 */
static void track_session(void)
{
	bool attached = kstub_attached(&kstub_linux_state);

	if (attached && !holding_ref) {
		__module_get(THIS_MODULE);
		holding_ref = true;
		pr_info("kstub: gdb attached; rmmod kstub is refused until gdb detaches\n");
	} else if (!attached && holding_ref) {
		holding_ref = false;
		module_put(THIS_MODULE);
		pr_info("kstub: gdb detached\n");
	}
}

static int enter(u32 vector, struct pt_regs *regs, u64 err, u64 addr,
		 enum kstub_linux_entry kind, unsigned long dr6)
{
	unsigned int cpu = smp_processor_id();
	struct kstub_trap why = { .vector = vector, .error_code = err,
				  .fault_addr = addr };
	struct kstub_frame *f;
	int r;

	if (cpu >= KSTUB_CPUS_MAX || depth[cpu] >= DEPTH_MAX)
		return KSTUB_EPASS;
	f = &frames[cpu][depth[cpu]++];
	kstub_linux_frame_from_regs(f, regs);
	if (depth[cpu] == 1) {
		kstub_linux_hw_enter(cpu, kind, dr6);
		watchdogs_quiet(true);
	}
	r = kstub_trap(&kstub_linux_state, cpu, f, &why);
	if (r == 0) {
		kstub_linux_frame_to_regs(f, regs);
		if (kind == KSTUB_LINUX_ENTRY_DB && depth[cpu] == 1)
			kstub_linux_hw_db_exit(regs);
	}
	if (--depth[cpu] == 0) {
		watchdogs_quiet(false);
		track_session();
	}
	return r;
}

static int die_notify(struct notifier_block *nb, unsigned long val,
		      void *data)
{
	struct die_args *a = data;
	enum kstub_linux_entry kind = KSTUB_LINUX_ENTRY_OTHER;
	unsigned long *dr6 = NULL, dr6_seen = 0;
	u32 vector;
	u64 addr = 0;

	switch (val) {
	case DIE_INT3:
		if (user_mode(a->regs))
			return NOTIFY_DONE;
		vector = KSTUB_TRAP_BP;
		if (READ_ONCE(kstub_panic_cpu) == smp_processor_id())
			vector = KSTUB_TRAP_PANIC;
		break;
	case DIE_DEBUG:
		if (user_mode(a->regs))
			return NOTIFY_DONE;
		vector = KSTUB_TRAP_DB;
		kind = KSTUB_LINUX_ENTRY_DB;
		/* The slots the kernel's hw_breakpoint notifier took out. */
		dr6 = (unsigned long *)a->err;
		dr6_seen = kstub_linux_hw_db_take(*dr6);
		break;
	case DIE_OOPS:
		/*
		 * Every kernel fault that would kill a task, after fixups.
		 * trapnr is current->thread.trap_nr, which a kernel page
		 * fault never sets (it is stale, often 0: SIGFPE), so the
		 * page fault is known by the name page_fault_oops gives it.
		 */
		vector = a->trapnr;
		if (a->str && !strcmp(a->str, "Oops"))
			vector = X86_TRAP_PF;
		else if (a->str && strstarts(a->str, "general protection fault"))
			vector = X86_TRAP_GP;
		else if (a->str && !strcmp(a->str, "invalid opcode"))
			vector = X86_TRAP_UD;
		if (vector == X86_TRAP_PF)
			addr = read_cr2();
		break;
	default:
		return NOTIFY_DONE;
	}
	if (enter(vector, a->regs, val == DIE_OOPS ? a->err : 0, addr, kind,
		  dr6_seen))
		return NOTIFY_DONE;
	/* Consumed: the kernel's handler must not see the step or hits. */
	if (dr6)
		*dr6 &= ~(DR_STEP | DR_TRAP_BITS);
	return NOTIFY_STOP;
}

static struct notifier_block die_nb = {
	.notifier_call = die_notify,
};

/*
 * A panic stays in the debugger: an int3 here gives gdb real registers
 * (the panic notifiers run without pt_regs) and a stop in panic().
 */
static int panic_notify(struct notifier_block *nb, unsigned long val,
			void *data)
{
	WRITE_ONCE(kstub_panic_cpu, smp_processor_id());
	kstub_breakpoint();
	WRITE_ONCE(kstub_panic_cpu, -1);
	return NOTIFY_DONE;
}

static struct notifier_block panic_nb = {
	.notifier_call = panic_notify,
};

static int nmi_handler(unsigned int type, struct pt_regs *regs)
{
	unsigned int cpu = smp_processor_id();
	struct kstub_frame *f;
	int r;

	if (cpu >= KSTUB_CPUS_MAX || depth[cpu] >= DEPTH_MAX)
		return NMI_DONE;
	f = &frames[cpu][depth[cpu]++];
	kstub_linux_frame_from_regs(f, regs);
	if (depth[cpu] == 1)
		kstub_linux_hw_enter(cpu, KSTUB_LINUX_ENTRY_NMI, 0);
	r = kstub_cpu_park(&kstub_linux_state, cpu, f);
	if (r == 0) {
		kstub_linux_frame_to_regs(f, regs);
		touch_nmi_watchdog();
	}
	depth[cpu]--;
	return r == 0 ? NMI_HANDLED : NMI_DONE;
}

/* smp_call_function cannot reach a CPU spinning with interrupts off. */
int kstub_linux_cpus_stop(void *ctx, u32 self)
{
	apic->send_IPI_mask_allbutself(cpu_online_mask, NMI_VECTOR);
	return 0;
}

/*
 * Break-in while the kernel runs: the UART's interrupt belongs to no one
 * (IER stays 0), so a hard hrtimer looks for gdb's ^C. It enters the
 * stub with the interrupted registers, so gdb stops where the CPU was.
 */
static enum hrtimer_restart poll_fn(struct hrtimer *t)
{
	struct pt_regs *regs = get_irq_regs();

	track_session();
	if (regs && kstub_poll_break(&kstub_linux_state))
		enter(KSTUB_TRAP_BREAKIN, regs, 0, 0, KSTUB_LINUX_ENTRY_OTHER, 0);
	hrtimer_forward_now(t, ms_to_ktime(poll_ms));
	return HRTIMER_RESTART;
}

static const struct kstub_monitor_cmd monitor[] = {
	{ "lsmod", "lsmod - add-symbol-file lines for the loaded modules",
	  kstub_linux_lsmod },
};

static int __init kstub_linux_init(void)
{
	struct kstub_uart_io io = { .in = uart_in, .out = uart_out };
	struct kstub_config cfg = {
		.link = &kstub_serial_ops,
		.link_ctx = &serial,
		.port = &kstub_linux_port_ops,
		.rx_buf = rx_buf,
		.tx_buf = tx_buf,
		.buf_len = sizeof(rx_buf),
		.ncpus = nr_cpu_ids,
		.monitor = monitor,
		.monitor_count = ARRAY_SIZE(monitor),
	};
	int err;

	if (nr_cpu_ids > KSTUB_CPUS_MAX) {
		pr_err("kstub: %u CPUs, built for %u\n", nr_cpu_ids,
		       KSTUB_CPUS_MAX);
		return -EINVAL;
	}
	if (!poll_ms)
		poll_ms = 1;
	/*
	 * Lockdown (Secure Boot) forbids a debugger to write the kernel, as
	 * kgdb is told by the same check; a debugger that cannot plant a
	 * breakpoint is not worth loading.
	 */
	if (security_locked_down(LOCKDOWN_DBG_WRITE_KERNEL)) {
		pr_err("kstub: the kernel is locked down (Secure Boot): not loading\n");
		return -EPERM;
	}
	err = kstub_linux_port_init();
	if (err) {
		pr_err("kstub: kernel symbols not found (%d)\n", err);
		return err;
	}
	uart_region = request_region(port, 8, "kstub");
	if (!uart_region) {
		pr_err("kstub: I/O port %#x is in use: boot with 8250.nr_uarts=1, or run 'setserial /dev/ttyS1 uart none' first\n",
		       port);
		return -EBUSY;
	}
	/* Without the slots, hbreak and watch are refused; the rest works. */
	if (hw)
		kstub_linux_hw_init(&kstub_linux_port_ops);
	err = kstub_serial_init(&serial, &io, baud, 0);
	if (!err)
		err = kstub_init(&kstub_linux_state, &cfg);
	if (err) {
		pr_err("kstub: no 16550 at %#x, or bad baud %u (%d)\n", port,
		       baud, err);
		kstub_linux_hw_exit();
		release_region(port, 8);
		return -ENODEV;
	}
	err = register_die_notifier(&die_nb);
	if (err)
		goto out_region;
	err = register_nmi_handler(NMI_LOCAL, nmi_handler, NMI_FLAG_FIRST,
				   "kstub");
	if (err)
		goto out_die;
	atomic_notifier_chain_register(&panic_notifier_list, &panic_nb);
	hrtimer_init(&poll_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	poll_timer.function = poll_fn;
	hrtimer_start(&poll_timer, ms_to_ktime(poll_ms), HRTIMER_MODE_REL_HARD);
	pr_info("kstub: gdb on the 16550 at %#x, %u baud; KASLR offset %#llx; %s\n",
		port, baud, kstub_linux_port_ops.load_offset(NULL),
		kstub_linux_hw_ready() ? "DR0-DR3 reserved" :
		"no hardware breakpoints");
	if (wait) {
		pr_info("kstub: waiting for gdb\n");
		kstub_breakpoint();
	}
	return 0;

out_die:
	unregister_die_notifier(&die_nb);
out_region:
	kstub_linux_hw_exit();
	release_region(port, 8);
	return err;
}

/* Every other CPU spins in stop_machine with interrupts off. */
static int shutdown_stopped(void *unused)
{
	return kstub_shutdown(&kstub_linux_state);
}

static void cpu_serialize(void *unused)
{
	sync_core();
}

/*
 * What detach leaves in the kernel (persistent dprintfs) comes out with
 * every other CPU stopped, as the stub patches text in a stop. The text
 * lock may be held by a task that sleeps (the stub then refuses to
 * patch): wait for it. The trap hooks stay until after, for a CPU that
 * hit an int3 just before it went.
 */
static void remove_breakpoints(void)
{
	bool told = false;
	int err;

	while ((err = stop_machine(shutdown_stopped, NULL,
				   cpu_online_mask)) == KSTUB_EBUSY) {
		if (!told)
			pr_info("kstub: waiting for the kernel's text lock to remove breakpoints\n");
		told = true;
		msleep(1);
	}
	if (err)
		pr_err("kstub: a breakpoint could not be removed (%d)\n", err);
	/* Cross-modified code: each CPU serializes before it runs it. */
	on_each_cpu(cpu_serialize, NULL, 1);
}

static void __exit kstub_linux_exit(void)
{
	hrtimer_cancel(&poll_timer);
	atomic_notifier_chain_unregister(&panic_notifier_list, &panic_nb);
	remove_breakpoints();
	kstub_linux_hw_exit();
	unregister_nmi_handler(NMI_LOCAL, "kstub");
	unregister_die_notifier(&die_nb);
	if (holding_ref)
		module_put(THIS_MODULE);
	release_region(port, 8);
	pr_info("kstub: unloaded\n");
}

module_init(kstub_linux_init);
module_exit(kstub_linux_exit);
