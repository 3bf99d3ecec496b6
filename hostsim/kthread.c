/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel threads: cooperative contexts with their own stacks, switched
 * by sim_switch(), which pushes the callee-saved registers and saves the
 * stack pointer, as a kernel's cpu_switch() stores a pcb. Scheduling
 * and sleep/wakeup use atomics only, so hardclock() may call wakeup()
 * from a signal handler.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "sim.h"
#include "../workload/kern.h"

#define KSTACK_SIZE (128 * 1024)

struct kthread sim_kthreads[SIM_KTHREADS_MAX];
static uint32_t nkthreads;
/*
 * Threads made runnable and not yet picked, a hint that lets an idle
 * CPU skip the scan of thousands of sleepers (--kthreads): every store
 * of KT_RUNNABLE adds one, every pick of one takes one off.
 */
static uint32_t nrunnable;

void sim_switch(uint64_t *save_rsp, uint64_t new_rsp);
void kthread_tramp(void), kthread_tramp_go(void);

/*
 * sim_switch(save, new): the frame it leaves on the old stack is, from
 * the saved rsp up: r15 r14 r13 r12 rbx rbp and the return address.
 * kthread_tramp_go is where a new thread's first switch "returns" to;
 * the thread is in r12. kthread_tramp ends the unwind for gdb (rip
 * undefined); the nop before kthread_tramp_go is there because gdb
 * looks a return address up at pc - 1, which would otherwise be
 * sim_switch's ret.
 * sim_switch's CFI lets gdb unwind at each of its instructions (a CPU
 * stepped or stopped in it): both stacks hold the same frame, so the
 * CFA stays rsp + 56 across the stack change.
 */
#define PUSH(r) "	push %" r "\n	.cfi_adjust_cfa_offset 8\n" \
		"	.cfi_rel_offset %" r ", 0\n"
#define POP(r) "	pop %" r "\n	.cfi_adjust_cfa_offset -8\n" \
	       "	.cfi_restore %" r "\n"
__asm__(".text\n"
	".globl sim_switch\n"
	".type sim_switch,@function\n"
	"sim_switch:\n"
	"	.cfi_startproc\n"
	PUSH("rbp") PUSH("rbx") PUSH("r12") PUSH("r13") PUSH("r14")
	PUSH("r15")
	"	mov %rsp, (%rdi)\n"
	"	mov %rsi, %rsp\n"
	POP("r15") POP("r14") POP("r13") POP("r12") POP("rbx") POP("rbp")
	"	ret\n"
	"	.cfi_endproc\n"
	".size sim_switch,.-sim_switch\n"
".globl kthread_tramp\n"
	".type kthread_tramp,@function\n"
	"kthread_tramp:\n"
	"	.cfi_startproc\n"
	"	.cfi_undefined rip\n"
	"	nop\n"
	".globl kthread_tramp_go\n"
	"kthread_tramp_go:\n"
	"	xor %ebp, %ebp\n"
	"	mov %r12, %rdi\n"
	"	call kthread_main\n"
	"	ud2\n"
	"	.cfi_endproc\n"
	".size kthread_tramp,.-kthread_tramp\n");

void kthread_main(struct kthread *t) __attribute__((noreturn));

void kthread_main(struct kthread *t)
{
	t->fn(t->arg);
	kprintf("kthread %s returned\n", t->name);
	for (;;)
		tsleep(t, "dead");
}

struct kthread *kthread_alloc(const char *name, bool idle)
{
	uint32_t i = __atomic_fetch_add(&nkthreads, 1, __ATOMIC_ACQ_REL);
	struct kthread *t;

	if (i >= SIM_KTHREADS_MAX)
		return NULL;
	t = &sim_kthreads[i];
	t->tid = i + 1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->cpu = -1;
	__atomic_store_n(&t->state, idle ? KT_RUNNING : KT_SLEEPING,
			 __ATOMIC_RELEASE);
	return t;
}

/* A kernel stack whose first switch "returns" into kthread_tramp. */
static int kthread_stack(struct kthread *t, void (*fn)(void *), void *arg)
{
	uint64_t *sp;
	char *stack;

	/*
	 * NORESERVE: --kthreads 10000 maps 1.25 GiB of stacks, of which a
	 * sleeper touches a page or two; only those pages cost memory.
	 */
	stack = mmap(NULL, KSTACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
		     -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	t->fn = fn;
	t->arg = arg;
	/* At kthread_tramp, rsp must be 16-aligned for its call. */
	sp = (uint64_t *)(stack + KSTACK_SIZE - 64);
	*--sp = (uint64_t)kthread_tramp_go;	/* return address */
	*--sp = 0;				/* rbp */
	*--sp = 0;				/* rbx */
	*--sp = (uint64_t)t;			/* r12 */
	*--sp = 0;				/* r13 */
	*--sp = 0;				/* r14 */
	*--sp = 0;				/* r15 */
	t->saved_rsp = (uint64_t)sp;
	return 0;
}

int kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct kthread *t = kthread_alloc(name, false);

	if (!t || kthread_stack(t, fn, arg))
		return -1;
	__atomic_add_fetch(&nrunnable, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&t->state, KT_RUNNABLE, __ATOMIC_RELEASE);
	return 0;
}

uint32_t kthread_count(void)
{
	uint32_t n = __atomic_load_n(&nkthreads, __ATOMIC_ACQUIRE);

	if (n > SIM_KTHREADS_MAX)
		n = SIM_KTHREADS_MAX;
	/* A slot is claimed before its tid is written. */
	while (n > 0 && !sim_kthreads[n - 1].tid)
		n--;
	return n;
}

/*
 * A CPU's idle thread has a kernel stack like any thread's, so a CPU
 * stopped anywhere on its idle path unwinds through kernel frames to
 * kthread_tramp and ends there, never into the host's thread start in
 * libc ("?? ()"). Never runnable: only its own CPU enters it.
 */
struct kthread *kthread_create_idle(const char *name, void (*fn)(void *),
				    void *arg)
{
	struct kthread *t = kthread_alloc(name, true);

	return t && kthread_stack(t, fn, arg) == 0 ? t : NULL;
}

void kthread_enter_idle(struct cpu *c)
{
	uint64_t host_rsp;	/* the host stack is left for good */

	sim_switch(&host_rsp, c->idle->saved_rsp);
	__builtin_unreachable();
}

/* The pcb as gdb sees it: where the thread resumes, callee-saved regs. */
int kthread_saved_regs(const struct kthread *t, struct kstub_frame *f)
{
	const uint64_t *sp = (const uint64_t *)t->saved_rsp;

	if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) || !sp)
		return KSTUB_ESRCH;
	f->gpr[KSTUB_REG_R15] = sp[0];
	f->gpr[KSTUB_REG_R14] = sp[1];
	f->gpr[KSTUB_REG_R13] = sp[2];
	f->gpr[KSTUB_REG_R12] = sp[3];
	f->gpr[KSTUB_REG_RBX] = sp[4];
	f->gpr[KSTUB_REG_RBP] = sp[5];
	f->rip = sp[6];
	f->gpr[KSTUB_REG_RSP] = t->saved_rsp + 7 * 8;
	f->valid[0] = KSTUB_VALID_CALLEE;
	return 0;
}

static struct kthread *pick(void)
{
	uint32_t i, n = __atomic_load_n(&nkthreads, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&nrunnable, __ATOMIC_ACQUIRE) == 0)
		return NULL;
	for (i = 0; i < n && i < SIM_KTHREADS_MAX; i++) {
		struct kthread *t = &sim_kthreads[i];
		uint32_t st = KT_RUNNABLE;

		if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			continue;
		if (__atomic_compare_exchange_n(&t->state, &st, KT_RUNNING,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			__atomic_sub_fetch(&nrunnable, 1, __ATOMIC_ACQ_REL);
			return t;
		}
	}
	return NULL;
}

/* Back to this CPU's idle context; the thread's state says why. */
static void to_idle(void)
{
	struct cpu *c = this_cpu();
	struct kthread *t = c->cur;

	sim_switch(&t->saved_rsp, c->idle->saved_rsp);
}

/*
 * A system call made here rather than in libc, so a CPU stopped while
 * waiting in one (hlt, the boot gate) shows kernel code that gdb can
 * symbolize and unwind, not "?? ()" in a library gdb does not know.
 * Returns what the kernel returns (-errno on failure).
 */
long kern_syscall(long nr, long a1, long a2, long a3, long a4)
{
	register long r10 __asm__("r10") = a4;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

/* hlt: wait for the next interrupt, or a millisecond. */
static void cpu_halt(void)
{
	struct timespec nap = { 0, 1000000 };

	kern_syscall(SYS_nanosleep, (long)&nap, 0, 0, 0);
}

/* Run one runnable thread until it gives the CPU back; false if none. */
bool kthread_run_one(struct cpu *c)
{
	struct kthread *t = pick();

	if (!t)
		return false;
	t->cpu = c->index;
	__atomic_store_n(&t->on_cpu, 1, __ATOMIC_RELEASE);
	c->cur = t;
	__atomic_store_n(&c->idle->on_cpu, 0, __ATOMIC_RELEASE);
	sim_switch(&c->idle->saved_rsp, t->saved_rsp);
	__atomic_store_n(&c->idle->on_cpu, 1, __ATOMIC_RELEASE);
	c->cur = c->idle;
	t->cpu = -1;
	__atomic_store_n(&t->on_cpu, 0, __ATOMIC_RELEASE);
	return true;
}

void cpu_idle_loop(struct cpu *c)
{
	for (;;)
		if (!kthread_run_one(c))
			cpu_halt();
}

/*
 * Mark the thread asleep on chan before anything else: from then on a
 * wakeup(chan) makes it runnable, even while it still runs here (pick()
 * leaves it alone until it is off the CPU, and to_idle() then merely
 * yields).
 */
static struct kthread *sleep_mark(const void *chan, const char *wmesg)
{
	struct kthread *t = this_cpu()->cur;

	__atomic_store_n(&t->wchan, chan, __ATOMIC_RELAXED);
	t->wmesg = wmesg;
	__atomic_store_n(&t->state, KT_SLEEPING, __ATOMIC_SEQ_CST);
	return t;
}

void tsleep(const void *chan, const char *wmesg)
{
	struct kthread *t = sleep_mark(chan, wmesg);

	to_idle();
	t->wmesg = NULL;
}

bool tsleep_unless(const void *chan, const char *wmesg,
		   const uint32_t *word, uint32_t seen)
{
	struct kthread *t = sleep_mark(chan, wmesg);

	/* Paired with the waker's store to *word before its wakeup(). */
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != seen) {
		/* A wakeup may have made it runnable meanwhile: not any more. */
		if (__atomic_exchange_n(&t->state, KT_RUNNING,
					__ATOMIC_ACQ_REL) == KT_RUNNABLE)
			__atomic_sub_fetch(&nrunnable, 1, __ATOMIC_ACQ_REL);
		t->wmesg = NULL;
		return false;
	}
	to_idle();
	t->wmesg = NULL;
	return true;
}

void wakeup(const void *chan)
{
	uint32_t i, n = __atomic_load_n(&nkthreads, __ATOMIC_ACQUIRE);

	for (i = 0; i < n && i < SIM_KTHREADS_MAX; i++) {
		struct kthread *t = &sim_kthreads[i];
		uint32_t st = __atomic_load_n(&t->state, __ATOMIC_SEQ_CST);

		/* wchan is written before the SLEEPING store that we saw. */
		if (st == KT_SLEEPING &&
		    __atomic_load_n(&t->wchan, __ATOMIC_RELAXED) == chan &&
		    __atomic_compare_exchange_n(&t->state, &st, KT_RUNNABLE,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			__atomic_add_fetch(&nrunnable, 1, __ATOMIC_ACQ_REL);
	}
}
