/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's half of the console and the kernel API the workload
 * calls (kprintf, kdb_enter, machine_halt): linked into the kernel's
 * text, so gdb can break on them in software or hardware like any other
 * kernel function. The terminal itself (stdin, gdb's O packets) is the
 * machine's, in main.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "../workload/kern.h"
#include "../workload/workload.h"

/* Console input: lines from stdin and --run, for the shell thread. */
#define CONS_LINES 64
static char cons[CONS_LINES][SIM_CONS_LINE_MAX];
static uint32_t cons_head, cons_tail;
static int cons_chan;

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sim_console_out(buf, (size_t)n < sizeof(buf) ? (size_t)n
						      : sizeof(buf) - 1);
}

void kdb_enter(const char *why)
{
	kprintf("kdb_enter: %s\n", why);
	/*
	 * kstub_breakpoint()'s int3, written out: at the kernel's -O0 the
	 * inline function stays a call, and gdb would show the stop in it.
	 */
	__asm__ volatile("int3" ::: "memory");
}

void machine_halt(void)
{
	/* A panic that was let proceed ends as the machine's failure. */
	if (panicstr) {
		fprintf(stderr, "kstub-sim: halted after a panic\n");
		sim_exit(1);
	}
	sim_halt();
}

/* The keyboard: any host thread, one producer at a time. */
void cons_push(const char *line)
{
	uint32_t h = __atomic_load_n(&cons_head, __ATOMIC_ACQUIRE);

	if (h - __atomic_load_n(&cons_tail, __ATOMIC_ACQUIRE) >= CONS_LINES)
		return;	/* a full tty drops input, as a real one does */
	snprintf(cons[h % CONS_LINES], SIM_CONS_LINE_MAX, "%s", line);
	__atomic_store_n(&cons_head, h + 1, __ATOMIC_SEQ_CST);
	wakeup(&cons_chan);
}

/*
 * The shell thread. tsleep_unless() re-reads cons_head after marking
 * the thread asleep, so a line pushed between the emptiness check here
 * and the sleep wakes it instead of waiting for the next line.
 */
void sh_main(void *arg)
{
	char line[SIM_CONS_LINE_MAX];
	uint32_t t, h;

	(void)arg;
	for (;;) {
		t = __atomic_load_n(&cons_tail, __ATOMIC_ACQUIRE);
		h = __atomic_load_n(&cons_head, __ATOMIC_ACQUIRE);
		if (t == h) {
			tsleep_unless(&cons_chan, "ttyin", &cons_head, h);
			continue;
		}
		memcpy(line, cons[t % CONS_LINES], sizeof(line));
		__atomic_store_n(&cons_tail, t + 1, __ATOMIC_RELEASE);
		shell_exec(line);
	}
}
