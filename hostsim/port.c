/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The port hooks of the simulated kernel: fault-safe memory access with
 * a recovery point the SIGSEGV handler jumps to (an exception table in
 * miniature), text patching through mprotect, roundup by signal, and the
 * kernel threads with their saved registers.
 */
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "../workload/kern.h"
#include "../workload/workload.h"

#define PAGE 4096ull

/* Bounds of the kernel's text, from hostsim/kern.ld. */
extern const char kern_text_start[], kern_text_end[];

bool sim_text_contains(uint64_t addr, size_t len)
{
	uint64_t lo = (uint64_t)(uintptr_t)kern_text_start;
	uint64_t hi = (uint64_t)(uintptr_t)kern_text_end;

	return addr >= lo && addr < hi && len <= hi - addr;
}

/* Kernel text is read-only: open the page, write, close it again. */
int sim_text_patch(uint64_t addr, const void *src, size_t len)
{
	uint64_t page = addr & ~(PAGE - 1);
	size_t span = (size_t)((addr + len - page + PAGE - 1) & ~(PAGE - 1));

	if (!sim_text_contains(addr, len))
		return KSTUB_EFAULT;
	if (mprotect((void *)page, span, PROT_READ | PROT_WRITE | PROT_EXEC))
		return KSTUB_EROFS;
	memcpy((void *)addr, src, len);
	mprotect((void *)page, span, PROT_READ | PROT_EXEC);
	__builtin___clear_cache((char *)addr, (char *)addr + len);
	return 0;
}

/*
 * A window of "device memory" whose device has gone: a shared-memory
 * file mapped one page longer than it is, so an access past its end
 * takes SIGBUS rather than SIGSEGV (as DMA memory does when its backing
 * file shrinks). gdb may be pointed at it; the copy below must survive.
 */
volatile uint8_t *sim_bus_hole;

/* Host cores: more CPUs than this and parked CPUs nap (cpu_relax). */
static long host_cores;

void sim_mem_init(void)
{
	int fd = memfd_create("kstub-sim-dma", MFD_CLOEXEC);
	uint8_t *p;

	host_cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (fd < 0)
		return;
	if (ftruncate(fd, (off_t)PAGE) == 0) {
		p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (p != MAP_FAILED)
			sim_bus_hole = p + PAGE;
	}
	close(fd);
}

/*
 * Byte by byte, so a fault says exactly how far the copy got. Not
 * instrumented: the addresses come from gdb and may be anything.
 */
__attribute__((no_sanitize("address", "undefined"), noinline)) static long
nofault_copy(volatile uint8_t *dst, const volatile uint8_t *src, size_t len)
{
	struct cpu *c = this_cpu();
	volatile size_t done = 0;

	if (!c)
		return KSTUB_EFAULT;
	c->nofault = 1;
	if (sigsetjmp(c->nofault_env, 1) == 0) {
		for (; done < len; done++)
			dst[done] = src[done];
	}
	c->nofault = 0;
	return done ? (long)done : KSTUB_EFAULT;
}

static long mem_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	(void)ctx;
	if (addr < PAGE)
		return KSTUB_EFAULT;
	return nofault_copy(dst, (const volatile uint8_t *)addr, len);
}

static long mem_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	(void)ctx;
	if (addr < PAGE)
		return KSTUB_EFAULT;
	return nofault_copy((volatile uint8_t *)addr, src, len);
}

static int text_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	(void)ctx;
	return sim_text_patch(addr, src, len);
}

static int cpus_stop(void *ctx, uint32_t self)
{
	int i;

	(void)ctx;
	for (i = 0; i < sim_ncpus; i++)
		if ((uint32_t)i != self)
			pthread_kill(sim_cpus[i].thread, SIG_IPI);
	return 0;
}

/*
 * A CPU is a host thread: with more CPUs than host cores, spinning
 * parked ones take the cores from the master (--cpus 64 on two cores:
 * 77-97 s for an attach and info threads). Then each turn is a 50 us
 * nap (nanosleep: a plain system call, safe in the signal handler a CPU
 * parks in). With a core each, the pause spin stays: the timing every
 * other test was written against.
 */
static void cpu_relax(void *ctx)
{
	struct timespec nap = { 0, 50000 };

	(void)ctx;
	if (sim_ncpus > host_cores)
		nanosleep(&nap, NULL);
	else
		__asm__ volatile("pause");
}

/* O(1): the thread list is walked once per thread (thread_next). */
static uint32_t nthreads(void)
{
	return kthread_count();
}

static int thread_next(void *ctx, uint64_t after, uint64_t *tid)
{
	(void)ctx;
	if (after >= nthreads())
		return KSTUB_ENOENT;
	*tid = after + 1;
	return 0;
}

static struct kthread *find(uint64_t tid)
{
	return tid >= 1 && tid <= nthreads() ? &sim_kthreads[tid - 1] : NULL;
}

static int thread_info(void *ctx, uint64_t tid, struct kstub_thread_info *o)
{
	struct kthread *t = find(tid);
	uint32_t st;

	(void)ctx;
	if (!t)
		return KSTUB_ESRCH;
	snprintf(o->name, sizeof(o->name), "%s", t->name);
	st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
	if (st == KT_SLEEPING && t->wmesg)
		snprintf(o->state, sizeof(o->state), "sleeping on %s", t->wmesg);
	else
		snprintf(o->state, sizeof(o->state), "%s",
			 st == KT_RUNNABLE ? "runnable" : "running");
	o->cpu = __atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) && t->cpu >= 0
			 ? (uint32_t)t->cpu
			 : KSTUB_CPU_NONE;
	return 0;
}

static int thread_regs(void *ctx, uint64_t tid, struct kstub_frame *out)
{
	struct kthread *t = find(tid);

	(void)ctx;
	return t ? kthread_saved_regs(t, out) : KSTUB_ESRCH;
}

static int cpu_thread(void *ctx, uint32_t cpu, uint64_t *tid)
{
	(void)ctx;
	if (cpu >= (uint32_t)sim_ncpus || !sim_cpus[cpu].cur)
		return KSTUB_ESRCH;
	*tid = sim_cpus[cpu].cur->tid;
	return 0;
}

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_addr;
	return 1;	/* the first object is the executable */
}

/* The PIE's load address is the slide: the link base is 0. */
static uint64_t load_offset(void *ctx)
{
	static uint64_t slide;

	(void)ctx;
	if (!slide)
		dl_iterate_phdr(phdr_cb, &slide);
	return slide;
}

uint64_t sim_now_us(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void reboot(void *ctx)
{
	(void)ctx;
	/* The stub holds the link: straight to the terminal. */
	fputs("kstub-sim: reboot requested by the debugger\n", stdout);
	sim_reboot();
}

static uint64_t dr_get(void *ctx, unsigned n)
{
	(void)ctx;
	return dr_model_get(this_cpu(), n);
}

static void dr_set(void *ctx, unsigned n, uint64_t v)
{
	(void)ctx;
	dr_model_set(this_cpu(), n, v);
}

/*
 * dprintf output: straight to the console's stdout. write(2) is
 * async-signal-safe, and this runs in the SIGTRAP handler of whichever
 * CPU hit the breakpoint, possibly inside the kernel's own kprintf.
 */
static void console_write(void *ctx, const char *s, size_t len)
{
	ssize_t w;

	(void)ctx;
	while (len > 0 && (w = write(1, s, len)) > 0) {
		s += w;
		len -= (size_t)w;
	}
}

const struct kstub_port_ops sim_port_ops = {
	.mem_read = mem_read,
	.mem_write = mem_write,
	.text_write = text_write,
	.cpus_stop = cpus_stop,
	.cpu_relax = cpu_relax,
	.thread_next = thread_next,
	.thread_info = thread_info,
	.thread_regs = thread_regs,
	.cpu_thread = cpu_thread,
	.load_offset = load_offset,
	.now_us = sim_now_us,
	.reboot = reboot,
	.dr_get = dr_get,
	.dr_set = dr_set,
	.console_write = console_write,
};

static int mon_ps(struct kstub *ks, void *ctx, const char *args, size_t len)
{
	struct kstub_thread_info info;
	char line[96];
	uint64_t tid;
	int n;

	(void)args;
	(void)len;
	for (tid = 1; thread_info(ctx, tid, &info) == 0; tid++) {
		n = snprintf(line, sizeof(line), "%3llu %-12s %s\n",
			     (unsigned long long)tid, info.name, info.state);
		kstub_monitor_write(ks, line, (size_t)n);
	}
	return 0;
}

static int mon_ticks(struct kstub *ks, void *ctx, const char *args,
		     size_t len)
{
	char line[48];
	int n = snprintf(line, sizeof(line), "ticks = %lu\n", ticks);

	(void)ctx;
	(void)args;
	(void)len;
	return kstub_monitor_write(ks, line, (size_t)n);
}

static int mon_uart(struct kstub *ks, void *ctx, const char *args,
		    size_t len)
{
	char line[160];
	int n = sim_uart_describe(line, sizeof(line));

	(void)ctx;
	(void)args;
	(void)len;
	return kstub_monitor_write(ks, line, (size_t)n);
}

static int mon_nic(struct kstub *ks, void *ctx, const char *args,
		   size_t len)
{
	char text[768];
	int n = sim_nic_describe(text, sizeof(text));

	(void)ctx;
	(void)args;
	(void)len;
	return kstub_monitor_write(ks, text, (size_t)n);
}

/*
 * A port hook with a bug, on purpose: "hookfault read" dereferences an
 * unmapped address outside the fault-safe copy, "hookfault int3" runs an
 * int3 the stub never planted. The stub must contain both (E0e) and go
 * on serving gdb; tests/e2e checks that it does.
 */
static int mon_hookfault(struct kstub *ks, void *ctx, const char *args,
			 size_t len)
{
	static volatile const unsigned char *const hole =
		(const unsigned char *)0x10;

	(void)ctx;
	if (len == 4 && memcmp(args, "read", 4) == 0)
		return *hole;
	if (len == 4 && memcmp(args, "int3", 4) == 0) {
		__asm__ volatile("int3" ::: "memory");
		return 0;
	}
	return kstub_monitor_write(ks, "usage: hookfault read|int3\n", 27);
}

static int mon_panic_proceed(struct kstub *ks, void *ctx,
			     const char *args, size_t len)
{
	size_t n;
	const char *reply = panic_let_proceed(&n);

	(void)ctx;
	(void)args;
	(void)len;
	return kstub_monitor_write(ks, reply, n);
}

const struct kstub_monitor_cmd sim_monitor[] = {
	{ "ps", "kernel threads and what they wait for", mon_ps },
	{ "ticks", "the clock's tick count", mon_ticks },
	{ "uart", "the serial line: rate and bytes each way", mon_uart },
	{ "nic", "the NIC and the UDP link: frames, drops, faults", mon_nic },
	{ "hookfault", "read|int3: a hook that faults (tests containment)",
	  mon_hookfault },
	{ "panic-proceed", "let a panic halt the kernel (exit) at the next "
	  "continue or detach", mon_panic_proceed },
};
const size_t sim_monitor_count = sizeof(sim_monitor) / sizeof(sim_monitor[0]);
