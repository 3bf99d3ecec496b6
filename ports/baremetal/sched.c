/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel threads: cooperative contexts, switched by switch_to() (which
 * leaves the callee-saved registers on the old stack, a pcb in all but
 * name), a FIFO run queue under one spinlock, and tsleep/wakeup. Each
 * CPU's boot stack becomes its idle thread, which picks the next thread
 * and halts (interrupts on) when there is none.
 *
 * The debugger reads the thread table without the lock: a parked CPU
 * may hold it. Fields are written so that a reader sees either the old
 * or the new value, never a torn one.
 */
#include "machine.h"

static struct kthread kthreads[NKTHREAD_MAX];
static uint32_t nkthreads;
struct kstack kstacks[NKTHREAD_MAX];
static struct spinlock sched_lock;
static struct kthread *runq_head, *runq_tail;

uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t fl = intr_save();

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	return fl;
}

void spin_unlock_irqrestore(struct spinlock *l, uint64_t fl)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	intr_restore(fl);
}

static struct kthread *kthread_alloc(const char *name)
{
	uint32_t i = __atomic_fetch_add(&nkthreads, 1, __ATOMIC_ACQ_REL);
	struct kthread *t;

	if (i >= NKTHREAD_MAX)
		return NULL;
	t = &kthreads[i];
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->pinned = -1;
	t->tid = i + 1;		/* last: a tid means the thread is there */
	return t;
}

__nodebug uint32_t kthread_count(void)
{
	uint32_t n = __atomic_load_n(&nkthreads, __ATOMIC_ACQUIRE);

	return n < NKTHREAD_MAX ? n : NKTHREAD_MAX;
}

__nodebug struct kthread *kthread_by_tid(uint64_t tid)
{
	if (tid < 1 || tid > kthread_count() || !kthreads[tid - 1].tid)
		return NULL;
	return &kthreads[tid - 1];
}

/* The CPU's boot context, named idle/N; it is running now. */
struct kthread *kthread_idle(struct pcpu *c)
{
	char name[16];
	struct kthread *t;

	snprintf(name, sizeof(name), "idle/%u", c->index);
	t = kthread_alloc(name);
	if (t) {
		t->pinned = (int)c->index;
		t->state = KT_RUNNING;
	}
	return t;
}

/* Where kthread_tramp goes: the switch that got here holds the lock. */
void kthread_main(struct kthread *t) __attribute__((noreturn));

void kthread_main(struct kthread *t)
{
	spin_unlock_irqrestore(&sched_lock, KSTUB_RFLAGS_IF);
	t->fn(t->arg);
	kprintf("kthread %s returned\n", t->name);
	for (;;)
		tsleep(t, "dead");
}

static void runq_put(struct kthread *t)
{
	t->state = KT_RUNNABLE;
	t->runq_next = NULL;
	if (runq_tail)
		runq_tail->runq_next = t;
	else
		runq_head = t;
	runq_tail = t;
}

/* The first runnable thread this CPU may run. */
static struct kthread *runq_take(uint32_t cpu)
{
	struct kthread **pp, *t, *prev = NULL;

	for (pp = &runq_head; (t = *pp) != NULL; prev = t, pp = &t->runq_next) {
		if (t->pinned >= 0 && (uint32_t)t->pinned != cpu)
			continue;
		*pp = t->runq_next;
		if (runq_tail == t)
			runq_tail = prev;
		return t;
	}
	return NULL;
}

struct kthread *kthread_spawn(const char *name, void (*fn)(void *),
			      void *arg, int pinned)
{
	struct kthread *t = kthread_alloc(name);
	uint64_t *sp, fl;

	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->pinned = pinned;
	/* At kthread_tramp, rsp must be 16-aligned for its call. */
	sp = (uint64_t *)&kstacks[t->tid - 1].stack[KSTACK_SIZE - 64];
	*--sp = (uint64_t)(uintptr_t)kthread_tramp;	/* return address */
	*--sp = 0;				/* rbp */
	*--sp = 0;				/* rbx */
	*--sp = (uint64_t)(uintptr_t)t;		/* r12 */
	*--sp = 0;				/* r13 */
	*--sp = 0;				/* r14 */
	*--sp = 0;				/* r15 */
	t->saved_rsp = (uint64_t)(uintptr_t)sp;
	fl = spin_lock_irqsave(&sched_lock);
	runq_put(t);
	spin_unlock_irqrestore(&sched_lock, fl);
	return t;
}

int kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	return kthread_spawn(name, fn, arg, -1) ? 0 : -1;
}

/* The pcb as gdb sees it: where the thread resumes, callee-saved regs. */
__nodebug int kthread_saved_regs(const struct kthread *t,
			      struct kstub_frame *f)
{
	const uint64_t *sp = (const uint64_t *)(uintptr_t)t->saved_rsp;

	if (kthread_on_cpu(t, NULL) || !sp)
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

__nodebug bool kthread_on_cpu(const struct kthread *t, uint32_t *cpu)
{
	uint32_t i;

	for (i = 0; i < ncpus; i++) {
		if (pcpus[i].cur == t) {
			if (cpu)
				*cpu = i;
			return true;
		}
	}
	return false;
}

/*
 * Run threads until the machine stops. The lock is held across each
 * switch: the thread gives it back in tsleep() (or kthread_main), and
 * takes it again before it switches back here, so no other CPU can
 * pick a thread whose registers are still being saved.
 */
void sched_idle_loop(void)
{
	struct pcpu *c = this_cpu();
	struct kthread *t;

	for (;;) {
		spin_lock_irqsave(&sched_lock);
		t = runq_take(c->index);
		if (!t) {
			__atomic_store_n(&sched_lock.locked, 0,
					 __ATOMIC_RELEASE);
			/* sti's one-instruction shadow: no wakeup is lost. */
			__asm__ volatile("sti; hlt; cli" : : : "memory");
			continue;
		}
		t->state = KT_RUNNING;
		/* c->cur changes with the stack pointer: see switch_to. */
		switch_to(&c->idle->saved_rsp, t->saved_rsp, &c->cur, t);
		spin_unlock_irqrestore(&sched_lock, 0);
	}
}

void tsleep(const void *chan, const char *wmesg)
{
	struct kthread *t = this_cpu()->cur;
	struct pcpu *c;
	uint64_t fl = spin_lock_irqsave(&sched_lock);

	t->wchan = chan;
	t->wmesg = wmesg;
	t->state = KT_SLEEPING;
	c = this_cpu();
	switch_to(&t->saved_rsp, c->idle->saved_rsp, &c->cur, c->idle);
	t->wmesg = NULL;
	spin_unlock_irqrestore(&sched_lock, fl);
}

void wakeup(const void *chan)
{
	uint32_t i, n = kthread_count();
	uint64_t fl = spin_lock_irqsave(&sched_lock);

	for (i = 0; i < n; i++) {
		struct kthread *t = &kthreads[i];

		if (t->state == KT_SLEEPING && t->wchan == chan) {
			t->wchan = NULL;
			runq_put(t);
		}
	}
	spin_unlock_irqrestore(&sched_lock, fl);
}
