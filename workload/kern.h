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

/*
 * The kernel cannot go on (workload/panic.c). Prints "panic: msg" and
 * enters the debugger, as FreeBSD's debugger_on_panic does, with the
 * software interrupt KDB_VEC_PANIC: the stop is in panic() itself, and
 * gdb's backtrace runs from there through whatever called it. Every
 * continue or detach comes back to panic(), which enters again, so a
 * panicked kernel stays stopped and attachable until it is rebooted or
 * the machine sets panic_proceed (no debugger to enter, or gdb's
 * "monitor panic-proceed"); then it halts.
 */
void panic(const char *msg) __attribute__((noreturn));

/*
 * The machine's entry for panic(): a trap gate like any other in the
 * bare-metal kernel; in hostsim the #GP a user-mode "int" raises, which
 * cpu.c turns back into this vector. Clear of both the exceptions and
 * the bare-metal kernel's device vectors.
 */
#define KDB_VEC_PANIC 0xf0

/* What panic() said; NULL until then ("print panicstr" in gdb). */
extern const char *volatile panicstr;
/* Set by the machine: the panic may halt the kernel. */
extern volatile int panic_proceed;
/* "monitor panic-proceed": set panic_proceed if panicked; the reply. */
const char *panic_let_proceed(size_t *len);

/* Stop the machine. Does not return. */
void machine_halt(void) __attribute__((noreturn));

/*
 * Console commands of the machine's own (the bare-metal kernel's stack
 * overflow): returns 1 if it ran line. Weak: a machine with none (hostsim)
 * leaves it undefined, and the shell does not call it.
 */
int machine_command(const char *line) __attribute__((weak));

#endif /* WORKLOAD_KERN_H */
