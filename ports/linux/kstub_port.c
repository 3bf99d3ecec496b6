// SPDX-License-Identifier: BSD-2-Clause
/*
 * kstub's port hooks for a stock Linux 6.1 kernel: fault-safe memory,
 * breakpoints in read-only text, tasks as threads, the KASLR slide.
 * Every hook runs in trap context (a die notifier or the NMI handler)
 * with the other CPUs parked, so none takes a lock or sleeps.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/page.h>
#include <asm/switch_to.h>
#include <asm/text-patching.h>

#include "kstub_linux.h"

/*
 * Idle tasks all have pid 0 and are not on the task list; as kgdb does,
 * give each a shadow id above any pid (PID_MAX_LIMIT is 4M).
 */
#define IDLE_TID_BASE 0x40000000ull

/* Kernel symbols a module may not link against, found at load time. */
static unsigned long (*lookup_name)(const char *name);
static void *(*poke_kgdb)(void *addr, const void *opcode, size_t len);
static struct module *(*module_text_address)(unsigned long addr);
static struct mutex *text_mutex_p;
static struct task_struct **idle_threads_p;	/* per-CPU */
static unsigned long stext, etext, kernel_text;
static struct {
	unsigned long start, end;
} nodebug[3];

unsigned long kstub_linux_lookup(const char *name)
{
	return lookup_name ? lookup_name(name) : 0;
}

/*
 * kallsyms_lookup_name is not exported since 5.7. A kprobe on it yields
 * its address; with IBT kprobes sit after the ENDBR64, and an indirect
 * call must land on the ENDBR64, so step back over it.
 */
static int resolve_lookup_name(void)
{
	static const u8 endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	u8 before[4];
	unsigned long addr;
	int err;

	err = register_kprobe(&kp);
	if (err)
		return err;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	if (!copy_from_kernel_nofault(before, (void *)(addr - 4), 4) &&
	    !memcmp(before, endbr64, 4))
		addr -= 4;
	lookup_name = (void *)addr;
	return 0;
}

int kstub_linux_port_init(void)
{
	static const char *const ranges[][2] = {
		{ "__entry_text_start", "__entry_text_end" },
		{ "__noinstr_text_start", "__noinstr_text_end" },
		{ "__kprobes_text_start", "__kprobes_text_end" },
	};
	unsigned int i;
	int err;

	err = resolve_lookup_name();
	if (err)
		return err;
	stext = lookup_name("_stext");
	etext = lookup_name("_etext");
	kernel_text = lookup_name("_text");
	poke_kgdb = (void *)lookup_name("text_poke_kgdb");
	text_mutex_p = (void *)lookup_name("text_mutex");
	module_text_address = (void *)lookup_name("__module_text_address");
	idle_threads_p = (void *)lookup_name("idle_threads");
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		nodebug[i].start = lookup_name(ranges[i][0]);
		nodebug[i].end = lookup_name(ranges[i][1]);
	}
	if (!stext || !etext || !kernel_text)
		return -ENOENT;
	if (!poke_kgdb || !text_mutex_p)
		pr_warn("kstub: text_poke_kgdb not found: no software breakpoints\n");
	return 0;
}

static bool user_addr(u64 addr)
{
	return addr < TASK_SIZE_MAX;
}

/* Page by page, so a read that runs into a hole comes back short. */
static long mem_read(void *ctx, u64 addr, void *dst, size_t len)
{
	size_t done = 0;

	while (done < len) {
		u64 at = addr + done;
		size_t n = min_t(size_t, len - done, PAGE_SIZE - (at & ~PAGE_MASK));
		long r;

		if (user_addr(at))
			r = copy_from_user_nofault((u8 *)dst + done,
						   (const void __user *)at, n);
		else
			r = copy_from_kernel_nofault((u8 *)dst + done,
						     (const void *)at, n);
		if (r)
			break;
		done += n;
	}
	return done ? (long)done : KSTUB_EFAULT;
}

/*
 * copy_to_kernel_nofault is not exported; __put_kernel_nofault is a
 * header macro whose fault fixup lands in this module's own exception
 * table. A byte at a time, so the count written is exact.
 */
static long kernel_store(u64 addr, const void *src, size_t len)
{
	const u8 *s = src;
	size_t i = 0;

	pagefault_disable();
	for (; i < len; i++)
		__put_kernel_nofault((u8 *)(addr + i), s + i, u8, fault);
fault:
	pagefault_enable();
	return i ? (long)i : KSTUB_EFAULT;
}

static long mem_write(void *ctx, u64 addr, const void *src, size_t len)
{
	if (user_addr(addr)) {
		if (copy_to_user_nofault((void __user *)addr, src, len))
			return KSTUB_EFAULT;
		return len;
	}
	return kernel_store(addr, src, len);
}

static bool is_text(u64 addr)
{
	if (addr >= stext && addr < etext)
		return true;
	return module_text_address && module_text_address(addr);
}

/*
 * Read-only text is patched the way kgdb does it: text_poke_kgdb() maps
 * the page through poking_mm with no IPIs, for when every other CPU is
 * stopped. It is only safe while nobody is in the middle of a text
 * patch (text_mutex free), and only for kernel and module text (it
 * finds the page with virt_to_page or vmalloc_to_page).
 */
static int text_write(void *ctx, u64 addr, const void *src, size_t len)
{
	u8 probe;

	if (copy_from_kernel_nofault(&probe, (void *)addr, 1))
		return KSTUB_EFAULT;
	if (!is_text(addr) || !is_text(addr + len - 1)) {
		/* Code in writable memory: an ordinary store. */
		return kernel_store(addr, src, len) == (long)len ? 0 : KSTUB_EROFS;
	}
	if (!poke_kgdb)
		return KSTUB_EROFS;
	if (mutex_is_locked(text_mutex_p))
		return KSTUB_EBUSY;
	poke_kgdb((void *)addr, src, len);
	return 0;
}

static bool debugger_text(void *ctx, u64 addr, size_t len)
{
	u64 end = addr + len;
	unsigned int i;

	if (within_module(addr, THIS_MODULE) ||
	    within_module(end - 1, THIS_MODULE))
		return true;
	for (i = 0; i < ARRAY_SIZE(nodebug); i++)
		if (nodebug[i].start && addr < nodebug[i].end &&
		    end > nodebug[i].start)
			return true;
	return false;
}

bool kstub_linux_read(const void *addr, void *out, size_t len)
{
	return !copy_from_kernel_nofault(out, addr, len);
}

/* A field of a struct that may be garbage: read it without trusting it. */
#define READ_FIELD(ptr, field, out) \
	kstub_linux_read(&(ptr)->field, &(out), sizeof((ptr)->field))

/*
 * Tasks in the order for_each_process_thread gives them (idle tasks are
 * not on the list), but through fault-safe reads and with a bound, so a
 * list a bug has corrupted (a loop, a wild pointer) ends the walk
 * instead of the kernel. The bound is the most tasks a kernel can have
 * (PID_MAX_LIMIT); a cycle costs at most that many reads.
 * visit returns true to stop there; the walk returns that task, or NULL.
 */
#define TASK_WALK_MAX PID_MAX_LIMIT

static struct task_struct *task_walk(bool (*visit)(struct task_struct *t,
						   pid_t pid, void *arg),
				     void *arg)
{
	struct list_head *proc, *thread, *threads;
	struct signal_struct *sig;
	struct task_struct *g, *t;
	unsigned long steps = 0;
	pid_t pid;

	if (!READ_FIELD(&init_task.tasks, next, proc))
		return NULL;
	while (proc != &init_task.tasks && steps++ < TASK_WALK_MAX) {
		g = list_entry(proc, struct task_struct, tasks);
		if (!READ_FIELD(g, signal, sig))
			return NULL;
		threads = &sig->thread_head;
		if (!READ_FIELD(threads, next, thread))
			return NULL;
		while (thread != threads && steps++ < TASK_WALK_MAX) {
			t = list_entry(thread, struct task_struct, thread_node);
			if (!READ_FIELD(t, pid, pid))
				return NULL;
			if (visit(t, pid, arg))
				return t;
			if (!READ_FIELD(thread, next, thread))
				return NULL;
		}
		if (!READ_FIELD(proc, next, proc))
			return NULL;
	}
	return NULL;
}

static struct task_struct *idle_task_of(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return NULL;
	if (idle_threads_p)
		return *per_cpu_ptr(idle_threads_p, cpu);
	return cpu == 0 ? &init_task : NULL;
}

/* The CPU a task last ran on (task_cpu(), through a safe read). */
static unsigned int cpu_of(struct task_struct *t)
{
	unsigned int cpu = 0;

	READ_FIELD(t, thread_info.cpu, cpu);
	return cpu;
}

static u64 tid_of(struct task_struct *t)
{
	pid_t pid = 0;

	READ_FIELD(t, pid, pid);
	return pid ? (u64)pid : IDLE_TID_BASE + cpu_of(t);
}

static bool pid_is(struct task_struct *t, pid_t pid, void *want)
{
	return pid == *(u64 *)want;
}

/*
 * The task list is walked without tasklist_lock (not exported), which
 * is safe only because every other CPU is parked: as kgdb walks it.
 */
static struct task_struct *task_of(u64 tid)
{
	if (tid >= IDLE_TID_BASE)
		return idle_task_of(tid - IDLE_TID_BASE);
	return task_walk(pid_is, &tid);
}

struct next_after {
	u64 after;
	bool found;	/* the walk passed after: the next task is the one */
};

static bool next_after(struct task_struct *t, pid_t pid, void *arg)
{
	struct next_after *n = arg;

	if (n->found)
		return true;
	n->found = pid == n->after;
	return false;
}

static int thread_next(void *ctx, u64 after, u64 *tid)
{
	struct next_after n = { .after = after };
	struct task_struct *t;
	unsigned int cpu = 0;

	/* Idle tasks first, one per online CPU, then the task list. */
	if (after == 0 || after >= IDLE_TID_BASE) {
		cpu = after ? after - IDLE_TID_BASE + 1 : 0;
		for (; cpu < nr_cpu_ids; cpu++) {
			if (idle_task_of(cpu)) {
				*tid = IDLE_TID_BASE + cpu;
				return 0;
			}
		}
		n.found = true;
	}
	t = task_walk(next_after, &n);
	if (!t)
		return KSTUB_ENOENT;
	*tid = tid_of(t);
	return 0;
}

static int thread_info(void *ctx, u64 tid, struct kstub_thread_info *out)
{
	struct task_struct *t = task_of(tid);
	unsigned int task_state;
	const char *state;
	int on_cpu;

	if (!t)
		return KSTUB_ESRCH;
	BUILD_BUG_ON(sizeof(t->comm) > sizeof(out->name));
	if (!READ_FIELD(t, comm, out->name) || !READ_FIELD(t, on_cpu, on_cpu) ||
	    !READ_FIELD(t, __state, task_state))
		return KSTUB_EFAULT;
	out->name[sizeof(t->comm) - 1] = '\0';
	if (on_cpu)
		state = "running";
	else if (task_state == TASK_RUNNING)
		state = "runnable";
	else
		state = "sleeping";
	strscpy(out->state, state, sizeof(out->state));
	out->cpu = on_cpu ? cpu_of(t) : KSTUB_CPU_NONE;
	return 0;
}

/*
 * A task that is off CPU saved its callee-saved registers on its stack
 * in __switch_to_asm: thread.sp points at struct inactive_task_frame,
 * whose ret_addr is where it resumes (in __schedule).
 */
static int thread_regs(void *ctx, u64 tid, struct kstub_frame *out)
{
	struct task_struct *t = task_of(tid);
	struct inactive_task_frame fr;
	unsigned long sp;
	int on_cpu;

	if (!t)
		return KSTUB_ESRCH;
	if (!READ_FIELD(t, on_cpu, on_cpu) || !READ_FIELD(t, thread.sp, sp))
		return KSTUB_EFAULT;
	if (on_cpu)
		return KSTUB_EBUSY;
	if (!kstub_linux_read((void *)sp, &fr, sizeof(fr)))
		return KSTUB_EFAULT;
	out->gpr[KSTUB_REG_RBX] = fr.bx;
	out->gpr[KSTUB_REG_RBP] = fr.bp;
	out->gpr[KSTUB_REG_R12] = fr.r12;
	out->gpr[KSTUB_REG_R13] = fr.r13;
	out->gpr[KSTUB_REG_R14] = fr.r14;
	out->gpr[KSTUB_REG_R15] = fr.r15;
	out->gpr[KSTUB_REG_RSP] = sp + sizeof(fr);
	out->rip = fr.ret_addr;
	out->valid[0] |= KSTUB_VALID_CALLEE;
	return 0;
}

static int cpu_thread(void *ctx, u32 cpu, u64 *tid)
{
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return KSTUB_ESRCH;
	*tid = tid_of(per_cpu(current_task, cpu));
	return 0;
}

/* kaslr_offset() needs _text, which is not exported. */
static u64 load_offset(void *ctx)
{
	return kernel_text - __START_KERNEL;
}

/* NMI-safe, which ktime_get_ns() is not. */
static u64 now_us(void *ctx)
{
	return ktime_get_mono_fast_ns() / NSEC_PER_USEC;
}

/* dr_get/dr_set: kstub_linux_hw_init() fills them in (kstub_hwbp.c). */
struct kstub_port_ops kstub_linux_port_ops = {
	.mem_read = mem_read,
	.mem_write = mem_write,
	.text_write = text_write,
	.thread_next = thread_next,
	.thread_info = thread_info,
	.thread_regs = thread_regs,
	.cpu_thread = cpu_thread,
	.load_offset = load_offset,
	.now_us = now_us,
	.debugger_text = debugger_text,
	.cpus_stop = kstub_linux_cpus_stop,	/* kstub_main.c: it owns the NMI */
};
