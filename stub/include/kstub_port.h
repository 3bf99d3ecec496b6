/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a port (the glue in one kernel tree) supplies to the stub.
 *
 * Every hook receives the port_ctx given in struct kstub_config. Hooks
 * marked optional may be NULL; the stub then answers the packets that
 * need them with an empty reply and leaves the matching feature out of
 * qSupported, so gdb never relies on something the port cannot back.
 *
 * Context of every hook unless said otherwise: trap context. The calling
 * CPU is the one that owns the debugger session; it has interrupts off;
 * the other CPUs are parked inside the stub (or did not answer the
 * roundup). Kernel locks may be held by parked CPUs, so no hook may take
 * a lock that ordinary kernel code takes, sleep, allocate, or print
 * through a path that does.
 *
 * Faults. A fault a hook expects (mem_read of an unmapped address) is the
 * hook's to catch (exception table, nofault copy) and to answer with
 * KSTUB_EFAULT. A fault it does not expect (a bad pointer in a thread
 * list, an int3 gdb planted in code the hook runs) is contained by the
 * stub if the port's trap entry does three things it does anyway:
 *   - it calls kstub_trap() for every CPU exception (#PF, #GP, #UD, #BP,
 *     ...), also when the CPU took it while running the stub, after its
 *     own exception-table fixups and before it would panic. The fault
 *     must be taken on the stack it happened on, or on one the stub is
 *     not using: no IST stack shared with the entry that got the CPU into
 *     the stub (a #PF on the #DB stack is fine; a #DB there is not);
 *   - on 0, it copies the frame back, rsp included (iretq loads it), and
 *     returns from the trap as from any other entry;
 *   - on KSTUB_EPASS, it handles the fault as it would with no debugger.
 * kstub_trap() then does not recurse: if a command was running on that
 * CPU, it points the frame at a recovery point the dispatcher armed
 * before the command (rip, rsp and callee-saved registers as they were
 * then, interrupts off), and the command is answered E0e (EFAULT) while
 * the session goes on. It calls no hook and allocates nothing on the
 * way; the nested entry costs the port's trap frame plus about 150
 * bytes of stub stack (make size). One fault per command is contained;
 * a second one before the next command, or a fault outside any command
 * (a link hook waiting for a packet, dr_get/dr_set on entry or exit,
 * cpus_stop), gets KSTUB_EPASS. So does a nested #DB (a trap: returning
 * from it is safe), NMI, #DF and #MC. The return lands by iretq, not by
 * ret: a kernel with supervisor shadow stacks would need to unwind its
 * shadow stack to the recovery point as well.
 */
#ifndef KSTUB_PORT_H
#define KSTUB_PORT_H

#include "kstub_frame.h"
#include "kstub_types.h"

#define KSTUB_NAME_MAX 32	/* thread names and states, with the NUL */
#define KSTUB_CPU_NONE 0xffffffffu

struct kstub_thread_info {
	char name[KSTUB_NAME_MAX];	/* "clock", "sh", "idle/1" */
	char state[KSTUB_NAME_MAX];	/* "running", "sleeping on tty", "" */
	uint32_t cpu;	/* CPU it runs on now, or KSTUB_CPU_NONE */
};

struct kstub_port_ops {
	/*
	 * Copy len bytes of kernel virtual memory at addr into dst.
	 * Called: for m, x, g of sleeping threads, breakpoint bookkeeping.
	 * Must not: fault; touch device memory with side effects it was not
	 *   asked for (a port may refuse MMIO ranges with KSTUB_EFAULT).
	 * Returns: bytes copied (may be short: the first len' bytes were
	 *   readable and the next one was not), or KSTUB_EFAULT if the first
	 *   byte cannot be read.
	 * Required.
	 */
	long (*mem_read)(void *ctx, uint64_t addr, void *dst, size_t len);

	/*
	 * Copy len bytes from src to kernel virtual memory at addr, with the
	 * normal protections (read-only text stays read-only).
	 * Called: for M, X, and fixing a flags word after a step over pushf.
	 * Must not, Returns: as mem_read. Required.
	 */
	long (*mem_write)(void *ctx, uint64_t addr, const void *src,
			  size_t len);

	/*
	 * Patch kernel text: write len (at most 16) bytes at addr even though
	 * the page is mapped read-only, and make the change visible to
	 * instruction fetch on every CPU (text_poke, pmap_kenter + invlpg,
	 * or an alias mapping). Other CPUs are parked, so no cross-modifying
	 * code rules apply.
	 * Called: when a software breakpoint (Z0) is inserted or removed,
	 *   and on detach to restore every patched byte.
	 * Returns: 0, KSTUB_EFAULT (not mapped), KSTUB_EROFS (cannot patch).
	 * Optional: without it Z0 gets an empty reply and gdb falls back to
	 *   writing int3 with M, which fails on read-only text.
	 */
	int (*text_write)(void *ctx, uint64_t addr, const void *src,
			  size_t len);

	/*
	 * Ask every other online CPU to enter kstub_cpu_park() (an NMI IPI
	 * in a kernel, a signal in hostsim). The stub then waits, bounded by
	 * roundup_timeout_ms, until they have parked.
	 * Called: once per debugger entry by the CPU that becomes master,
	 *   with self = its CPU index.
	 * Must not: wait for the other CPUs itself.
	 * Returns: 0, or a negative error if no IPI could be sent.
	 * Optional: required when ncpus > 1.
	 */
	int (*cpus_stop)(void *ctx, uint32_t self);

	/*
	 * Kernel threads. thread_next enumerates every thread, including
	 * those on a CPU right now (after == 0 asks for the first), and
	 * returns KSTUB_ENOENT after the last. Thread ids are the kernel's
	 * own, nonzero and below 2^63.
	 * thread_info fills in name, state and CPU (KSTUB_ESRCH: no such
	 * thread). thread_regs fills in the saved registers of a thread that
	 * is not on a CPU (a pcb: usually KSTUB_VALID_CALLEE) and sets
	 * .valid accordingly. cpu_thread says which thread is on CPU cpu.
	 * Called: for qfThreadInfo, qThreadExtraInfo, qXfer:threads, Hg, g.
	 * Must not: follow a pointer without a fault-safe read (the lists
	 *   may be corrupt after a panic).
	 * Optional, as a group: without them each CPU is one thread (tid =
	 *   CPU index + 1) named "CPU n".
	 */
	int (*thread_next)(void *ctx, uint64_t after, uint64_t *tid);
	int (*thread_info)(void *ctx, uint64_t tid,
			   struct kstub_thread_info *out);
	int (*thread_regs)(void *ctx, uint64_t tid, struct kstub_frame *out);
	int (*cpu_thread)(void *ctx, uint32_t cpu, uint64_t *tid);

	/*
	 * How far the kernel was relocated from its link address (the KASLR
	 * slide): reported by qOffsets, so gdb relocates the symbol file.
	 * Optional: NULL means the kernel runs at its link address.
	 */
	uint64_t (*load_offset)(void *ctx);

	/*
	 * A monotonic clock in microseconds; drives the ack, idle and
	 * roundup timeouts. Must be callable with interrupts off (TSC,
	 * HPET counter, clock_gettime). Required.
	 */
	uint64_t (*now_us)(void *ctx);

	/*
	 * Reset the machine (the R packet, "monitor reboot"). Does not
	 * return. Optional.
	 */
	void (*reboot)(void *ctx);

	/*
	 * x86 debug registers of the calling CPU (n = 0..3, 6, 7): mov %dbN
	 * in a kernel (kstub_x86_dr_native_get/set implement exactly that),
	 * a software model in hostsim.
	 * Called: by every CPU on its way into the stub (to read DR6 and
	 *   disable DR7) and out of it (to load the global breakpoint
	 *   state), so a watchpoint fires on whichever CPU touches the data.
	 * Context: trap context or kstub_cpu_park(), on the CPU concerned.
	 * Optional, as a pair: without them Z1-Z4 get an empty reply.
	 */
	uint64_t (*dr_get)(void *ctx, unsigned n);
	void (*dr_set)(void *ctx, unsigned n, uint64_t value);

	/*
	 * Does [addr, addr+len) overlap code that runs inside a debugger
	 * entry: the port's trap glue and hooks, the helpers they call
	 * (memcpy and friends), the stub and the transport? An int3 or an
	 * exec debug register there traps inside the stub (or, for #DB,
	 * on the IST stack the live entry is using), which no port can
	 * survive, so the stub refuses the breakpoint instead.
	 * Called: for Z0 and Z1, before anything is patched or armed.
	 * Context: trap context, as every hook.
	 * Must not: fault; it should only compare with bounds the linker
	 *   gave (a section for such code).
	 * Returns: true if any byte of the range is such code; Z0 and Z1
	 *   then get E10 (KSTUB_EBUSY: the code is in use by the debugger).
	 * Optional: NULL refuses nothing.
	 */
	bool (*debugger_text)(void *ctx, uint64_t addr, size_t len);

	/*
	 * Write text to the kernel's own console (the screen or serial
	 * line its printk/printf reaches), not to gdb: the stub sends gdb
	 * its copy as O packets itself.
	 * Called: for the output of a dprintf whose condition held (gdb's
	 *   "set dprintf-style agent"), and for nothing else; attached or
	 *   not (a persistent dprintf keeps printing after detach).
	 * Context: trap context on the CPU that hit the breakpoint, with
	 *   the OTHER CPUS RUNNING (a dprintf never rounds them up), and
	 *   possibly inside any kernel code the breakpoint was put in.
	 * Must not: take a lock ordinary console output takes (the CPU
	 *   may have trapped holding it), sleep, allocate, or wait long;
	 *   dropping text it cannot write now is allowed. len is at most
	 *   KSTUB_AGENT_OUT_MAX; s is not NUL-terminated.
	 * Optional: NULL sends the text to gdb only, while one is waiting.
	 */
	void (*console_write)(void *ctx, const char *s, size_t len);

	/*
	 * One turn of a CPU's wait loop in the stub (parked, or the master
	 * waiting for the roundup): give the physical CPU away if this one
	 * is virtual. A machine whose CPUs share fewer host cores (hostsim's
	 * threads, an overcommitted guest) would otherwise spend the master's
	 * time spinning in 63 parked CPUs.
	 * Called: in every stub wait loop, by any CPU.
	 * Context: trap context or kstub_cpu_park(), IRQs off.
	 * Must not: sleep on a lock, take an interrupt, call back into the stub.
	 * Optional: NULL is the pause instruction (kstub_arch_relax).
	 */
	void (*cpu_relax)(void *ctx);
};

/* Debug register access by mov %dbN, for ports running in ring 0. */
uint64_t kstub_x86_dr_native_get(void *ctx, unsigned n);
void kstub_x86_dr_native_set(void *ctx, unsigned n, uint64_t value);

#endif /* KSTUB_PORT_H */
