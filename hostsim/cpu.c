/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CPUs are threads; traps, interrupts and IPIs are signals delivered on
 * each CPU's alternate stack. A handler turns the ucontext into the
 * frame a kernel's trap entry would build, calls the stub, and writes
 * the frame back. IF is modelled by the signal mask of the interrupt
 * signals; the IPI is the NMI and is never masked.
 */
#include <asm/prctl.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "../workload/kern.h"
#include "../workload/workload.h"

#define ALTSTACK_SIZE (512 * 1024)
#define HZ 100

struct cpu sim_cpus[SIM_CPUS_MAX];
int sim_ncpus;
static __thread struct cpu *cur_cpu;
static int cpus_up;	/* CPUs that can take the roundup's IPI */
static int boot_go;	/* CPU 0 is past its boot stop: the others may run */

/*
 * The CPUs wait on their idle stacks with the IPI open, so these use
 * kern_syscall rather than libc: a CPU parked while it waits shows
 * where it is in named frames.
 */
static void futex_wait(int *word, int seen)
{
	kern_syscall(SYS_futex, (long)word, FUTEX_WAIT_PRIVATE, seen, 0);
}

static void futex_wake_all(int *word)
{
	kern_syscall(SYS_futex, (long)word, FUTEX_WAKE_PRIVATE, INT32_MAX, 0);
}

/* Signal masks as the kernel's rt_sigprocmask takes them (8 bytes). */
#define SIGBIT(sig) (1ull << ((sig) - 1))

static void cpu_sigmask(int how, uint64_t bits)
{
	kern_syscall(SYS_rt_sigprocmask, how, (long)&bits, 0, sizeof(bits));
}

/*
 * The gate after the boot stop. CPU 0 opens it without waiting for
 * anyone: gdb may single-step CPU 0 out of its boot stop while the other
 * CPUs stay parked, and a CPU that blocked here on a parked one would
 * never finish the step. The others may block: nobody steps them here.
 */
static void boot_gate_open(void)
{
	__atomic_store_n(&boot_go, 1, __ATOMIC_RELEASE);
	futex_wake_all(&boot_go);
}

static void boot_gate_wait(void)
{
	while (!__atomic_load_n(&boot_go, __ATOMIC_ACQUIRE))
		futex_wait(&boot_go, 0);
}

/* Every CPU is up (its IPI open) before any takes device interrupts. */
static void cpus_up_wait(void)
{
	int n = __atomic_add_fetch(&cpus_up, 1, __ATOMIC_ACQ_REL);

	if (n == sim_ncpus)
		futex_wake_all(&cpus_up);
	while ((n = __atomic_load_n(&cpus_up, __ATOMIC_ACQUIRE)) < sim_ncpus)
		futex_wait(&cpus_up, n);
}
static bool boot_wait;

struct cpu *this_cpu(void)
{
	return cur_cpu;
}

static const int gpr_map[16] = {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_RSP,
	REG_R8,	 REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static const unsigned sim_readonly_regs[] = {
	KSTUB_REG_CS, KSTUB_REG_SS, KSTUB_REG_DS, KSTUB_REG_ES,
	KSTUB_REG_FS, KSTUB_REG_GS, KSTUB_REG_FS_BASE, KSTUB_REG_GS_BASE,
	KSTUB_REG_K_GS_BASE,
};

void frame_from_uc(struct kstub_frame *f, const ucontext_t *uc,
		   const siginfo_t *si)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	unsigned long base;
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 16; i++)
		f->gpr[i] = (uint64_t)g[gpr_map[i]];
	f->rip = (uint64_t)g[REG_RIP];
	f->rflags = (uint64_t)g[REG_EFL] & ~KSTUB_RFLAGS_IF;
	if (!sigismember(&uc->uc_sigmask, SIG_TIMER))
		f->rflags |= KSTUB_RFLAGS_IF;
	f->seg[0] = (uint32_t)(g[REG_CSGSFS] & 0xffff);
	f->seg[5] = (uint32_t)((g[REG_CSGSFS] >> 16) & 0xffff);
	f->seg[4] = (uint32_t)((g[REG_CSGSFS] >> 32) & 0xffff);
	f->valid[0] = 0x3ffffull | KSTUB_VALID_BIT(KSTUB_REG_CS) |
		      KSTUB_VALID_BIT(KSTUB_REG_FS) |
		      KSTUB_VALID_BIT(KSTUB_REG_GS);
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &base) == 0) {
		f->fs_base = base;
		kstub_frame_set_valid(f, KSTUB_REG_FS_BASE);
	}
	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &base) == 0) {
		f->gs_base = base;
		kstub_frame_set_valid(f, KSTUB_REG_GS_BASE);
	}
	if (uc->uc_mcontext.fpregs) {
		memcpy(f->fxsave, uc->uc_mcontext.fpregs, KSTUB_FXSAVE_SIZE);
		f->valid[0] |= KSTUB_VALID_FPU;
	}
	/*
	 * What frame_to_uc cannot give back: a host thread's fs/gs bases
	 * belong to its libc and sanitizer, and sigreturn restores no
	 * selector but cs/ss (which it checks). Refused, not dropped.
	 */
	for (i = 0; i < (int)(sizeof(sim_readonly_regs) /
			      sizeof(sim_readonly_regs[0])); i++)
		kstub_frame_set_ro(f, sim_readonly_regs[i]);
	if (si && (si->si_signo == SIGSEGV || si->si_signo == SIGBUS)) {
		f->cr2 = (uint64_t)(uintptr_t)si->si_addr;
		kstub_frame_set_valid(f, KSTUB_REG_CR2);
	}
}

void frame_to_uc(const struct kstub_frame *f, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	int i;

	for (i = 0; i < 16; i++)
		g[gpr_map[i]] = (greg_t)f->gpr[i];
	g[REG_RIP] = (greg_t)f->rip;
	g[REG_EFL] = (greg_t)(f->rflags | KSTUB_RFLAGS_IF);
	if (f->rflags & KSTUB_RFLAGS_IF) {
		sigdelset(&uc->uc_sigmask, SIG_TIMER);
		sigdelset(&uc->uc_sigmask, SIG_IRQ);
	} else {
		sigaddset(&uc->uc_sigmask, SIG_TIMER);
		sigaddset(&uc->uc_sigmask, SIG_IRQ);
	}
	if (uc->uc_mcontext.fpregs && (f->valid[0] & KSTUB_VALID_FPU))
		memcpy(uc->uc_mcontext.fpregs, f->fxsave, KSTUB_FXSAVE_SIZE);
}

static uint32_t vector_of(int sig, const siginfo_t *si)
{
	switch (sig) {
	case SIGTRAP:
		return si->si_code == TRAP_TRACE ? KSTUB_TRAP_DB : KSTUB_TRAP_BP;
	case SIGSEGV:
		return KSTUB_TRAP_PF;
	case SIGBUS:
		return KSTUB_TRAP_GP;
	case SIGFPE:
		return KSTUB_TRAP_DE;
	default:
		return KSTUB_TRAP_UD;
	}
}

/*
 * A fault the stub handed back (gdb continued it with its signal, as gdb
 * does by default for SIGSEGV) is fatal: the kernel panics, and panic()
 * enters the debugger again. As a kernel's trap entry would, the CPU
 * goes on in the trap path on the faulting thread's own stack, under a
 * saved frame whose CFI tells gdb where the interrupted registers are:
 * its backtrace then runs panic, fatal_trap, trap_entry_fatal (shown as
 * "<signal handler called>", as gdb shows any trap frame) and on into
 * the function that faulted. From the host signal handler it could not:
 * gdb unwinds a Linux signal frame only for a Linux target description
 * (org.gnu.gdb.i386.linux), which a kernel's is not.
 */
struct fatal_frame {
	/* In kstub's order: rax rbx rcx rdx rsi rdi rbp rsp r8-r15. */
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
};

#define FATAL_FRAME_SIZE 144	/* sizeof(struct fatal_frame), for the CFI */

/* Called from trap_entry_fatal only (the asm below). */
__attribute__((used, noreturn)) static void
fatal_trap(const struct fatal_frame *ff, int sig)
{
	static char msg[128];	/* one panic per machine: no CPU returns */

	snprintf(msg, sizeof(msg), "fatal trap (signal %d) at rip 0x%llx, %s",
		 sig, (unsigned long long)ff->rip,
		 kstub_attached(&sim_ks) ? "the debugger passed it on"
					 : "the debugger did not take it");
	panic(msg);
}

/*
 * Entered with rsp at a struct fatal_frame, rdi = rsp, esi = the signal.
 * The CFA is the frame's end; each saved register is a slot in it.
 */
__asm__(".text\n"
	".type trap_entry_fatal, @function\n"
	"trap_entry_fatal:\n"
	".cfi_startproc simple\n"
	".cfi_signal_frame\n"
	".cfi_def_cfa %rsp, 144\n"
	".cfi_offset %rax, -144\n"
	".cfi_offset %rbx, -136\n"
	".cfi_offset %rcx, -128\n"
	".cfi_offset %rdx, -120\n"
	".cfi_offset %rsi, -112\n"
	".cfi_offset %rdi, -104\n"
	".cfi_offset %rbp, -96\n"
	".cfi_offset %rsp, -88\n"
	".cfi_offset %r8, -80\n"
	".cfi_offset %r9, -72\n"
	".cfi_offset %r10, -64\n"
	".cfi_offset %r11, -56\n"
	".cfi_offset %r12, -48\n"
	".cfi_offset %r13, -40\n"
	".cfi_offset %r14, -32\n"
	".cfi_offset %r15, -24\n"
	".cfi_offset %rip, -16\n"
	".cfi_offset %rflags, -8\n"
	"call fatal_trap\n"
	"ud2\n"
	".cfi_endproc\n"
	".size trap_entry_fatal, . - trap_entry_fatal\n");
extern const char trap_entry_fatal[];

_Static_assert(sizeof(struct fatal_frame) == FATAL_FRAME_SIZE,
	       "the CFI of trap_entry_fatal counts on this size");

/* Present when the machine is linked with ASan (the stub is built with it). */
extern void __asan_unpoison_memory_region(void const volatile *addr,
					  size_t size) __attribute__((weak));

/*
 * Make the interrupted thread resume in trap_entry_fatal: the frame goes
 * below its red zone, 16-byte aligned for the call, and interrupts stay
 * off (a trap gate's IF = 0) so no tick switches the panicking thread.
 */
static void enter_fatal(ucontext_t *uc, int sig)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t sp = ((uint64_t)g[REG_RSP] - 128 - FATAL_FRAME_SIZE) & ~15ull;
	struct fatal_frame *ff = (struct fatal_frame *)(uintptr_t)sp;
	int i;

	if (__asan_unpoison_memory_region)
		__asan_unpoison_memory_region(ff, sizeof(*ff));
	for (i = 0; i < 16; i++)
		ff->gpr[i] = (uint64_t)g[gpr_map[i]];
	ff->rip = (uint64_t)g[REG_RIP];
	ff->rflags = (uint64_t)g[REG_EFL];
	g[REG_RSP] = (greg_t)sp;
	g[REG_RDI] = (greg_t)sp;
	g[REG_RSI] = sig;
	g[REG_RIP] = (greg_t)(uintptr_t)trap_entry_fatal;
	g[REG_EFL] &= ~(greg_t)(KSTUB_RFLAGS_TF | KSTUB_RFLAGS_RF);
	sigaddset(&uc->uc_sigmask, SIG_TIMER);
	sigaddset(&uc->uc_sigmask, SIG_IRQ);
}

/*
 * panic()'s "int $KDB_VEC_PANIC". A user-mode int through a ring-0
 * gate is a #GP with rip still at the int and error code vector << 3 |
 * 2 (the IDT bit), which says exactly which vector it was.
 */
static bool panic_int(int sig, const ucontext_t *uc)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *ip = (const uint8_t *)g[REG_RIP];

	return sig == SIGSEGV && g[REG_TRAPNO] == 13 &&
	       g[REG_ERR] == (KDB_VEC_PANIC << 3 | 2) && ip[0] == 0xcd &&
	       ip[1] == KDB_VEC_PANIC;
}

/* Traps being handled on this CPU: 2 means one was taken inside the stub. */
static __thread int trap_depth;

/*
 * The stub contained a fault taken inside it: the frame now returns to
 * its recovery point, above the frames the fault cut short. Those never
 * return, so ASan never clears the red zones of their locals; clear them
 * now, or the next calls that reuse that stack would trip over them.
 */
static void forget_cut_frames(uint64_t fault_rsp, uint64_t resume_rsp)
{
	if (__asan_unpoison_memory_region && resume_rsp > fault_rsp &&
	    resume_rsp - fault_rsp < ALTSTACK_SIZE)
		__asan_unpoison_memory_region((void *)(uintptr_t)fault_rsp,
					      resume_rsp - fault_rsp);
}

/*
 * An entry that is not a CPU exception: a break-in, a panic. It counts
 * in trap_depth as a trap does, so a hook that faults in its session
 * gets its cut frames cleared too.
 */
static int enter_soft(ucontext_t *uc, uint32_t vector)
{
	struct kstub_trap why = { .vector = vector };
	struct kstub_frame f;
	int r;

	frame_from_uc(&f, uc, NULL);
	trap_depth++;
	r = kstub_trap(&sim_ks, (uint32_t)cur_cpu->index, &f, &why);
	trap_depth--;
	if (r == 0) {
		frame_to_uc(&f, uc);
		dr_model_resume(cur_cpu, uc);
	}
	return r;
}

static void trap_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	struct cpu *c = cur_cpu;
	struct kstub_frame f;
	struct kstub_trap why = { 0 };
	uint64_t fault_rsp;
	int r;

	/* A fault the port's fault-safe copy expects (SA_NODEFER lets it
	 * in): an unmapped page, or a mapping with no backing. */
	if (c && (sig == SIGSEGV || sig == SIGBUS) && c->nofault)
		siglongjmp(c->nofault_env, 1);
	if (!c) {
		/* A host thread (I/O, console): a simulator bug, not a trap. */
		signal(sig, SIG_DFL);
		return;
	}
	if (panic_int(sig, uc)) {
		/* A software interrupt returns past itself, as on hardware. */
		uc->uc_mcontext.gregs[REG_RIP] += 2;
		if (enter_soft(uc, KSTUB_TRAP_PANIC) != 0)
			panic_proceed = 1;	/* no session to stop in */
		return;
	}
	if (sig == SIGSEGV && dr_model_sigsegv(c, uc, si))
		return;
	why.vector = vector_of(sig, si);
	if (sig == SIGTRAP) {
		r = dr_model_sigtrap(c, uc, si);
		if (r == 0)
			return;
		why.vector = (uint32_t)r;
	}
	frame_from_uc(&f, uc, si);
	why.fault_addr = f.cr2;
	why.error_code = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
	fault_rsp = f.gpr[KSTUB_REG_RSP];
	/*
	 * Also when this CPU is in the stub already (a hook faulted): the
	 * stub then either aims f at its recovery point or passes.
	 */
	trap_depth++;
	r = kstub_trap(&sim_ks, (uint32_t)c->index, &f, &why);
	trap_depth--;
	if (r == 0 && trap_depth > 0)
		forget_cut_frames(fault_rsp, f.gpr[KSTUB_REG_RSP]);
	if (r == KSTUB_EPASS) {
		if (why.vector == KSTUB_TRAP_DB || why.vector == KSTUB_TRAP_BP)
			return;
		enter_fatal(uc, sig);
		return;
	}
	frame_to_uc(&f, uc);
	dr_model_resume(c, uc);
}

/* Timer tick and link interrupt: both look at the link for gdb. */
static void intr_handler(int sig, siginfo_t *si, void *ucv)
{
	(void)si;
	if (!cur_cpu)
		return;
	if (sig == SIG_TIMER)
		hardclock();
	if (kstub_poll_break(&sim_ks))
		enter_soft(ucv, KSTUB_TRAP_BREAKIN);
}

static void ipi_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	struct kstub_frame f;

	(void)sig;
	(void)si;
	if (!cur_cpu)
		return;
	frame_from_uc(&f, uc, NULL);
	if (kstub_cpu_park(&sim_ks, (uint32_t)cur_cpu->index, &f) == 0) {
		frame_to_uc(&f, uc);
		dr_model_resume(cur_cpu, uc);
	}
}

/*
 * The signal return every handler goes back through (SA_RESTORER), as a
 * kernel's trap entry returns through its own iret path. glibc's
 * __restore_rt lives in a library gdb does not see, and gdb knows it
 * only on a Linux user-process target, not on a kernel's: a backtrace
 * from a trap or an interrupt taken on a CPU ended there in "?? ()".
 * This one is machine text, and its CFI says where the interrupted
 * registers are: in the ucontext at rsp (the handler's ret popped the
 * return address), so gdb unwinds from the handler into the code the
 * signal interrupted ("<signal handler called>"). The nop is inside the
 * FDE because gdb looks a caller's pc up at pc - 1.
 */
void sim_sigreturn(void);
_Static_assert(offsetof(ucontext_t, uc_mcontext.gregs) == 40 &&
		       REG_R8 == 0 && REG_RDI == 8 && REG_RSP == 15 &&
		       REG_RIP == 16,
	       "sim_sigreturn's CFI assumes the x86_64 Linux ucontext");
__asm__(".text\n"
	"	.cfi_startproc\n"
	"	.cfi_signal_frame\n"
	"	.cfi_def_cfa %rsp, 0\n"
	"	.cfi_offset %r8, 40\n"
	"	.cfi_offset %r9, 48\n"
	"	.cfi_offset %r10, 56\n"
	"	.cfi_offset %r11, 64\n"
	"	.cfi_offset %r12, 72\n"
	"	.cfi_offset %r13, 80\n"
	"	.cfi_offset %r14, 88\n"
	"	.cfi_offset %r15, 96\n"
	"	.cfi_offset %rdi, 104\n"
	"	.cfi_offset %rsi, 112\n"
	"	.cfi_offset %rbp, 120\n"
	"	.cfi_offset %rbx, 128\n"
	"	.cfi_offset %rdx, 136\n"
	"	.cfi_offset %rax, 144\n"
	"	.cfi_offset %rcx, 152\n"
	"	.cfi_offset %rsp, 160\n"
	"	.cfi_offset %rip, 168\n"
	"	nop\n"
	".globl sim_sigreturn\n"
	".type sim_sigreturn,@function\n"
	"sim_sigreturn:\n"
	"	mov $15, %eax\n"	/* rt_sigreturn */
	"	syscall\n"
	"	ud2\n"
	"	.cfi_endproc\n"
	".size sim_sigreturn,.-sim_sigreturn\n");

/* The kernel's struct sigaction: glibc's sigaction() sets its own restorer. */
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000	/* the kernel's ABI; glibc keeps it private */
#endif
struct kernel_sigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *),
			int flags)
{
	struct kernel_sigaction sa = {
		.handler = fn,
		.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_RESTORER |
			 (unsigned)flags,
		.restorer = sim_sigreturn,
		/* Trap context has interrupts off. */
		.mask = SIGBIT(SIG_TIMER) | SIGBIT(SIG_IRQ),
	};

	if (kern_syscall(SYS_rt_sigaction, sig, (long)&sa, 0,
			 sizeof(sa.mask))) {
		fprintf(stderr, "kstub-sim: cannot handle signal %d\n", sig);
		exit(2);
	}
}

/*
 * A CPU takes exceptions inside its trap handler as hardware does: the
 * stub's hooks fault there on purpose (the nofault copy) or not (a bad
 * pointer, an int3 in code a hook runs). Without SA_NODEFER the signal
 * would be blocked in its own handler, and a blocked SIGSEGV or SIGTRAP
 * raised by an instruction kills the process.
 */
void cpu_install_handlers(void)
{
	set_handler(SIGTRAP, trap_handler, SA_NODEFER);
	set_handler(SIGSEGV, trap_handler, SA_NODEFER);
	set_handler(SIGBUS, trap_handler, SA_NODEFER);
	set_handler(SIGFPE, trap_handler, SA_NODEFER);
	set_handler(SIGILL, trap_handler, SA_NODEFER);
	set_handler(SIG_TIMER, intr_handler, 0);
	set_handler(SIG_IRQ, intr_handler, 0);
	set_handler(SIG_IPI, ipi_handler, 0);
}

/* In kern_syscall's terms for the reason above: kernel timer ids. */
static void start_timer(void)
{
	struct sigevent sev;
	struct itimerspec its = { { 0, 1000000000 / HZ },
				  { 0, 1000000000 / HZ } };
	int timer;
	long err;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIG_TIMER;
	sev._sigev_un._tid = (pid_t)kern_syscall(SYS_gettid, 0, 0, 0, 0);
	err = kern_syscall(SYS_timer_create, CLOCK_MONOTONIC, (long)&sev,
			   (long)&timer, 0);
	if (!err)
		err = kern_syscall(SYS_timer_settime, timer, 0, (long)&its, 0);
	if (err) {
		fprintf(stderr, "kstub-sim: timer: %s\n", strerror((int)-err));
		exit(2);
	}
}

/* A CPU's life after setup, on its idle thread's kernel stack. */
static void cpu_boot(void *arg)
{
	struct cpu *c = arg;

	cpu_sigmask(SIG_UNBLOCK, SIGBIT(SIG_IPI));
	/*
	 * A debugger's first byte may already wait (it connects as soon as
	 * we say "booted"): the interrupt that brings it to the stub must
	 * not come before every CPU can take the roundup's IPI, or the
	 * roundup signals a CPU that does not exist yet. Held pending
	 * until then, as a kernel keeps device interrupts off until its
	 * APs are up.
	 */
	cpus_up_wait();
	cpu_sigmask(SIG_UNBLOCK, SIGBIT(SIG_TIMER) | SIGBIT(SIG_IRQ));
	/*
	 * kgdbwait: stop before any CPU runs a kernel thread; the others
	 * wait at the boot gate, and the roundup parks them there.
	 */
	if (c->index == 0) {
		if (boot_wait)
			kdb_enter("boot (--wait)");
		boot_gate_open();
		start_timer();
	} else {
		boot_gate_wait();
	}
	cpu_idle_loop(c);
}

static void *cpu_main(void *arg)
{
	struct cpu *c = arg;
	stack_t ss;
	sigset_t set;

	cur_cpu = c;
	c->thread = pthread_self();
	if (c->index == 0)
		sim_attach_irq();
	ss.ss_sp = malloc(ALTSTACK_SIZE);
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (!ss.ss_sp || sigaltstack(&ss, NULL)) {
		perror("kstub-sim: sigaltstack");
		exit(2);
	}
	/* The machine's own signals go to CPUs; SIGTERM/SIGINT do not. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	kthread_enter_idle(c);
}

void cpu_start_all(int ncpus, bool wait)
{
	pthread_attr_t attr;
	sigset_t set;
	char name[16];
	int i;

	sim_ncpus = ncpus;
	boot_wait = wait;
	/*
	 * The idle threads first, in CPU order: idle/N gets the same thread
	 * id at every boot, whatever order the host starts the CPUs in.
	 */
	for (i = 0; i < ncpus; i++) {
		struct cpu *c = &sim_cpus[i];

		c->index = i;
		snprintf(name, sizeof(name), "idle/%d", i);
		c->idle = kthread_create_idle(name, cpu_boot, c);
		if (!c->idle) {
			fprintf(stderr, "kstub-sim: no idle thread for cpu %d\n",
				i);
			exit(2);
		}
		c->idle->cpu = i;
		__atomic_store_n(&c->idle->on_cpu, 1, __ATOMIC_RELEASE);
		c->cur = c->idle;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	/* CPUs start with the machine's signals masked (cpu_boot opens them). */
	sigemptyset(&set);
	sigaddset(&set, SIG_TIMER);
	sigaddset(&set, SIG_IRQ);
	sigaddset(&set, SIG_IPI);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < ncpus; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, cpu_main, &sim_cpus[i])) {
			perror("kstub-sim: cpu thread");
			exit(2);
		}
	}
	boot_gate_wait();
}
