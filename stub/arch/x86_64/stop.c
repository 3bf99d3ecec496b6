/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Trap vector to the signal number a stop reply carries. The numbers are
 * gdb's own (GDB manual, "Stop Reply Packets"; gdb/signals.def), which
 * differ from Linux's for SIGBUS.
 */
#include "arch_int.h"

/* enum gdb_signal values. */
#define GDB_SIGINT 2
#define GDB_SIGILL 4
#define GDB_SIGTRAP 5
#define GDB_SIGABRT 6
#define GDB_SIGFPE 8
#define GDB_SIGBUS 10
#define GDB_SIGSEGV 11

/*
 * Exceptions 0-21 (SDM vol. 3 6.15). Choices where no signal is obvious:
 * NMI is an outside request to stop (NMI button, watchdog), so it reads
 * as an interrupt like ^C; #NM and vector 9 (x87 segment overrun) are
 * FPU conditions, so SIGFPE; #NP and #SS are SIGSEGV like #GP (what they
 * mean in a 64-bit kernel is a bad selector or stack reference), as
 * kstub_arch.h documents; #MC is a hardware memory error, so SIGBUS.
 * Reserved and unknown vectors give SIGSEGV: gdb stops on it and shows
 * it as a fault, never mistaking it for one of its own breakpoints.
 */
static const uint8_t vector_signal[22] = {
	GDB_SIGFPE,	/* 0 #DE divide error */
	GDB_SIGTRAP,	/* 1 #DB debug */
	GDB_SIGINT,	/* 2 NMI */
	GDB_SIGTRAP,	/* 3 #BP int3 */
	GDB_SIGSEGV,	/* 4 #OF into */
	GDB_SIGSEGV,	/* 5 #BR bound */
	GDB_SIGILL,	/* 6 #UD invalid opcode */
	GDB_SIGFPE,	/* 7 #NM device not available */
	GDB_SIGSEGV,	/* 8 #DF double fault */
	GDB_SIGFPE,	/* 9 coprocessor segment overrun */
	GDB_SIGSEGV,	/* 10 #TS invalid TSS */
	GDB_SIGSEGV,	/* 11 #NP segment not present */
	GDB_SIGSEGV,	/* 12 #SS stack fault */
	GDB_SIGSEGV,	/* 13 #GP general protection */
	GDB_SIGSEGV,	/* 14 #PF page fault */
	GDB_SIGSEGV,	/* 15 reserved */
	GDB_SIGFPE,	/* 16 #MF x87 error */
	GDB_SIGBUS,	/* 17 #AC alignment check */
	GDB_SIGBUS,	/* 18 #MC machine check */
	GDB_SIGFPE,	/* 19 #XM SIMD exception */
	GDB_SIGSEGV,	/* 20 #VE virtualization exception */
	GDB_SIGSEGV,	/* 21 #CP control protection */
};

uint8_t kstub_arch_signal(uint32_t vector)
{
	if (vector < sizeof(vector_signal))
		return vector_signal[vector];
	if (vector == KSTUB_TRAP_BREAKIN)
		return GDB_SIGINT;
	if (vector == KSTUB_TRAP_PANIC)
		return GDB_SIGABRT;
	return GDB_SIGSEGV;
}
