/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated kernel's subsystems: clock, processes, mkdir, ktrace. */
#include "workload.h"

#include "kern.h"

/*
 * Each alone on its page (the machine's linker script pads the section):
 * hostsim watches data by protecting whole pages, and a hot neighbour
 * would keep opening the page under the watch.
 */
#define OWN_PAGE(name) __attribute__((section(".data.page." #name), aligned(4096)))
volatile unsigned long ticks OWN_PAGE(ticks);
volatile int watch_me OWN_PAGE(watch_me);
volatile unsigned long smp_beat OWN_PAGE(smp_beat);
static volatile unsigned long hardclock_pending;
static int hardclock_chan;	/* what the clock sleeps on */

static struct ktrace_node init_trace = { 1, 0 };
static struct proc proc_tab[] = {
	{ 0, "swapper", &init_trace, &proc_tab[1] },
	{ 1, "init", &init_trace, &proc_tab[2] },
	{ 7, "syncer", &init_trace, &proc_tab[3] },
	/* Traced once, its node freed and cleared, but still on the list. */
	{ 42, "sh", NULL, NULL },
};
struct proc *allproc = &proc_tab[0];

#define MKDIR_MAX 16
#define PATH_MAX_LEN 64
static char made[MKDIR_MAX][PATH_MAX_LEN];
static int made_count;

void hardclock(void)
{
	hardclock_pending++;
	wakeup(&hardclock_chan);
}

/*
 * Stores to watch_me without reading it, once a tick: what rwatch must
 * not report (x86 has no read-only watchpoint; the stub tells a write
 * by the changed value). The values never repeat and never meet what
 * pager_thread's own read-and-add writes, so every store changes the
 * value. It runs in the pager thread, in turn with those: the stub
 * cannot tell two CPUs' simultaneous writes apart from a read (the
 * second sees the value the first left).
 */
static void __attribute__((noinline)) watch_store(void)
{
	static unsigned int seq;

	seq = (seq + 0x10000u) & 0x3fff0000u;
	watch_me = (int)seq;
}

static void clock_thread(void *arg)
{
	(void)arg;
	for (;;) {
		tsleep(&hardclock_chan, "hardclock");
		ticks++;
	}
}

/* The machine's timer on one CPU wakes tick_chan; tests watch smp_beat. */
void beat_thread(void *tick_chan)
{
	for (;;) {
		tsleep(tick_chan, "tick");
		smp_beat++;
	}
}

/* Sleeps until the clock has ticked n times: "ticks moved" for tests. */
void clock_sleep(unsigned long n)
{
	unsigned long until = ticks + n;

	while ((long)(ticks - until) < 0)
		tsleep(&hardclock_chan, "sleep");
}

/* Reads and writes watch_me now and then, stores to it every tick. */
static void pager_thread(void *arg)
{
	unsigned long seen = 0, last = 0;

	(void)arg;
	for (;;) {
		tsleep(&hardclock_chan, "pageout");
		watch_store();
		if (ticks - last < 5)
			continue;
		last = ticks;
		seen += (unsigned long)watch_me;
		if (seen % 2 == 0)
			watch_me = watch_me + 1;
	}
}

/* What make bench reads: 1 MiB of noise, and 1 MiB of zeros. */
unsigned char bench_area[1 << 20];
unsigned char bench_zero[1 << 20];

/*
 * CPU-bound and never sleeps, so a run of single steps here stays in
 * one thread (a step across a context switch stops `stepi N`, rightly):
 * make bench steps here on kstub's machines (shell command "sum").
 */
__attribute__((noinline)) unsigned long bench_sum(void)
{
	unsigned long sum = 0, i;

	for (i = 0; i < sizeof(bench_area); i++)
		sum = sum * 31 + bench_area[i];
	return sum;
}

/*
 * A function the shell calls in a tight loop ("calls N"): a hot path
 * for conditional breakpoints and dprintf (tests, make bench). Its
 * arguments differ on every call, so a dprintf shows each hit.
 */
volatile unsigned long hot_sink;

__attribute__((noinline)) void hot_call(unsigned long i, unsigned long x)
{
	hot_sink += i ^ x;
}

void workload_init(void)
{
	unsigned long x = 0x9e3779b97f4a7c15ul;
	unsigned long i;

	for (i = 0; i < sizeof(bench_area); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bench_area[i] = (unsigned char)x;
	}
	kthread_create("clock", clock_thread, NULL);
	kthread_create("pager", pager_thread, NULL);
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int sys_mkdir(const char *path, int mode)
{
	size_t n = str_len(path), i;

	if (n == 0 || n >= PATH_MAX_LEN || made_count == MKDIR_MAX)
		return -1;
	for (i = 0; i <= n; i++)
		made[made_count][i] = path[i];
	made_count++;
	kprintf("mkdir: created %s (mode %o)\n", path, mode);
	return 0;
}

static int ktrace_clear_callback(struct proc *p, void *arg)
{
	(void)arg;
	/* The bug: a proc whose tracenode is gone has p_tracep == NULL. */
	p->p_tracep->kn_refs--;
	p->p_tracep->kn_flags = 0;
	return 0;
}

int allproc_scan(int (*callback)(struct proc *, void *), void *arg)
{
	struct proc *p;
	int error;

	for (p = allproc; p; p = p->p_next) {
		error = callback(p, arg);
		if (error)
			return error;
	}
	return 0;
}

/* The faults of "trap fpe" and "trap ill": #DE and #UD in kernel code. */
int trap_divide(int n)
{
	volatile int zero = 0;

	return n / zero;
}

void trap_illegal(void)
{
	__asm__ volatile("ud2");
}

int sys_ktrace(int ops)
{
	(void)ops;
	return allproc_scan(ktrace_clear_callback, NULL);
}
