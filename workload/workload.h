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
extern volatile int watch_me;
extern unsigned char bench_area[1 << 20], bench_zero[1 << 20];	/* read and written by the "pager" thread */

/* Start the kernel threads (clock, pager). Once, from the boot thread. */
void workload_init(void);
/* The timer interrupt: one tick. Any context, interrupts off. */
void hardclock(void);
/* Run one console command line (the shell's job). Kernel thread. */
void shell_exec(const char *line);

int sys_mkdir(const char *path, int mode);
int sys_ktrace(int ops);
int trap_divide(int n);
void trap_illegal(void);
int allproc_scan(int (*callback)(struct proc *, void *), void *arg);

#endif /* WORKLOAD_H */
