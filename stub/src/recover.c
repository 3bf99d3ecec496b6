/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Containing a fault inside the stub: a trap that a port hook takes while
 * a command runs ends that command with E0e (a monitor command with its
 * message) instead of killing the kernel, and the session goes on. The dispatcher arms the recovery
 * point (dispatch.c); this file consumes it.
 */
#include "kstub_int.h"

#define VEC_DF 8	/* double fault: an abort, rip is not restartable */
#define VEC_MC 18	/* machine check: an abort too */

/*
 * CPU exceptions a hook can take and survive: faults (#PF from a bad
 * pointer, #GP from a non-canonical one, #UD, ...) and #BP (an int3 gdb
 * planted in code the hook runs; stepping over it would run the second
 * half of a patched instruction). #DB is a trap after the instruction
 * and harmless to return from; NMI and the aborts are not the hook's.
 */
static bool containable(uint32_t vector)
{
	return vector < 32 && vector != KSTUB_TRAP_DB &&
	       vector != KSTUB_TRAP_NMI && vector != VEC_DF && vector != VEC_MC;
}

/*
 * kstub_trap() on a CPU that is already in the stub. It must not recurse
 * into the session, allocate or call a hook: the state may be half
 * updated and the hook is what just failed. If this CPU is the master
 * and a command's recovery point is armed, take it (once: it is disarmed
 * here, so a second fault before the next command is passed on) and
 * make f return to it. Returns 0 (resume from f) or KSTUB_EPASS.
 */
int kstub_recover_trap(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		       const struct kstub_trap *why)
{
	struct kstub_recover *r = &ks->recover;

	if (!containable(why->vector) ||
	    kstub_load(&ks->cpu[cpu].state) != KSTUB_CPU_MASTER ||
	    kstub_load(&ks->master) != cpu || !kstub_cas(&r->armed, 1, 0))
		return KSTUB_EPASS;
	r->count++;
	r->vector = why->vector;
	r->rip = f->rip;
	r->addr = why->fault_addr;
	kstub_arch_recover_frame(&r->jmp, f);
	return 0;
}

/*
 * Back at the recovery point: the handler died somewhere inside. Undo
 * the session state a handler sets part way (a monitor command's output
 * channel, a half-read thread context); the flags that end the session
 * are set only after a handler's last hook call, but clear them too so
 * that a faulted command never resumes the kernel.
 */
int kstub_recover_abort(struct kstub *ks)
{
	bool rcmd = ks->in_rcmd;

	ks->in_rcmd = 0;
	ks->other_tid = 0;
	ks->resume = 0;
	ks->detaching = 0;
	/* A monitor command's failure reads as words, not E0e. */
	if (rcmd)
		return kstub_monitor_fail(ks, KSTUB_EFAULT, true);
	return KSTUB_EFAULT;
}
