/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a machine (hostsim, the bare-metal kernel) supplies to the
 * workload. The workload is plain freestanding C on top of these.
 */
#ifndef WORKLOAD_KERN_H
#define WORKLOAD_KERN_H

#include <stddef.h>

/* Console output; a machine may mirror it to gdb as O packets. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start a kernel thread running fn(arg). Returns 0 or -1. */
int kthread_create(const char *name, void (*fn)(void *), void *arg);

/*
 * Sleep until wakeup(chan); wmesg says why (shown by ps and by gdb as
 * the thread's state). Callable from kernel threads only.
 */
void tsleep(const void *chan, const char *wmesg);
/* Make every thread sleeping on chan runnable. Any context. */
void wakeup(const void *chan);

/* Enter the debugger ("sysctl debug.kdb.enter=1"). */
void kdb_enter(const char *why);

/* Stop the machine. Does not return. */
void machine_halt(void) __attribute__((noreturn));

/*
 * Console commands of the machine's own (the bare-metal kernel's stack
 * overflow): returns 1 if it ran line. Weak: a machine with none (hostsim)
 * leaves it undefined, and the shell does not call it.
 */
int machine_command(const char *line) __attribute__((weak));

#endif /* WORKLOAD_KERN_H */
