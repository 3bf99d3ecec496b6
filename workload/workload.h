/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated kernels' work, with the names tests and users rely on:
 * ticks, sys_mkdir, allproc, trap_divide and trap_illegal, and the
 * ktrace -c bug (a NULL tracenode dereferenced in ktrace_clear_callback,
 * as in DragonFly's seed 003).
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stddef.h>

struct ktrace_node {
	int kn_refs;
	int kn_flags;
};

struct proc {
	int p_pid;
	char p_comm[16];
	struct ktrace_node *p_tracep;
	struct proc *p_next;
};

extern volatile unsigned long ticks;
extern struct proc *allproc;
/* Read and written by the "pager" thread; also stored to, unread. */
extern volatile int watch_me;
/* Counted by beat_thread, on the CPU whose tick wakes it. */
extern volatile unsigned long smp_beat;
extern unsigned char bench_area[1 << 20], bench_zero[1 << 20];

/* Start the kernel threads (clock, pager). Once, from the boot thread. */
void workload_init(void);
/*
 * Start n more that sleep for good in a few subsystems (bio_wait,
 * soreceive_wait, vm_fault_wait, vm_pageout_scan), named kbio/0,
 * knet/1, ...; the last to fall asleep prints "kthreads: N asleep".
 * Once, from the boot thread. Returns 0 or -1 (out of threads).
 */
int workload_kthreads(unsigned n);
/* The timer interrupt: one tick. Any context, interrupts off. */
void hardclock(void);
/* Run one console command line (the shell's job). Kernel thread. */
void shell_exec(const char *line);
/*
 * A thread body for a machine with several CPUs: sleeps on tick_chan
 * (what one CPU's timer wakes) and counts smp_beat. The machine starts
 * it pinned to that CPU, so a watchpoint on smp_beat fires there.
 */
void beat_thread(void *tick_chan);
/* Sleep until ticks has moved by n. Kernel thread. */
void clock_sleep(unsigned long n);

int sys_mkdir(const char *path, int mode);
int sys_ktrace(int ops);
unsigned long bench_sum(void);
void hot_call(unsigned long i, unsigned long x);
int trap_divide(int n);
void trap_illegal(void);
int allproc_scan(int (*callback)(struct proc *, void *), void *arg);

#endif /* WORKLOAD_H */
