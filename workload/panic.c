/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * panic(): the kernel stops for good, but in the debugger, where it can
 * still be looked at, not dead (kern.h says how the machine takes part).
 */
#include "kern.h"

const char *volatile panicstr;
volatile int panic_proceed;

/* Not inlined: gdb's stop and every backtrace name this frame. */
__attribute__((noinline)) void panic(const char *msg)
{
	/* The first panic is the one to debug; a later one only adds to it. */
	if (!panicstr)
		panicstr = msg;
	kprintf("panic: %s\n", msg);
	for (;;) {
		__asm__ volatile("int %0" : : "i"(KDB_VEC_PANIC) : "memory");
		if (panic_proceed)
			break;
		/*
		 * gdb continued (or detached, or its link dropped). A
		 * panicked kernel has nothing sane to run, so stop again,
		 * and tell whoever waits why.
		 */
		kprintf("panic: %s: the kernel stays stopped in the debugger "
			"(monitor reboot, or monitor panic-proceed to halt)\n",
			msg);
	}
	kprintf("panic: %s, halting\n", msg);
	machine_halt();
}

/*
 * The explicit choice that lets a panicked kernel go (the machines'
 * "monitor panic-proceed"). Returns what to tell gdb, its length in *len
 * (a kernel may have no strlen).
 */
const char *panic_let_proceed(size_t *len)
{
	static const char no[] = "the kernel has not panicked\n";
	static const char yes[] = "the panic proceeds at the next continue "
				  "or detach: the kernel halts\n";

	if (!panicstr) {
		*len = sizeof(no) - 1;
		return no;
	}
	panic_proceed = 1;
	*len = sizeof(yes) - 1;
	return yes;
}
