/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86-64 recovery point: how the stub gets back out of a command
 * whose port hook faulted. The core arms one before each command handler
 * (dispatch.c); a trap taken inside it is turned into a second return
 * from the arm call (stub/src/recover.c). This is the one part of the
 * arch layer that is not pure: it is a context save, written in asm.
 */
#ifndef KSTUB_ARCH_RECOVER_H
#define KSTUB_ARCH_RECOVER_H

#include "kstub_frame.h"
#include "kstub_types.h"

/*
 * What kstub_arch_recover_arm() saves: the registers the SysV ABI makes
 * callee-saved, the caller's stack pointer and return address as they
 * are once the call has returned, and rflags. The layout is fixed: the
 * asm in recover.c writes these offsets.
 */
struct kstub_arch_jmp {
	uint64_t rbx;		/*  0 */
	uint64_t rbp;		/*  8 */
	uint64_t r12;		/* 16 */
	uint64_t r13;		/* 24 */
	uint64_t r14;		/* 32 */
	uint64_t r15;		/* 40 */
	uint64_t rsp;		/* 48: rsp after the return */
	uint64_t rip;		/* 56: the return address */
	uint64_t rflags;	/* 64 */
};

/*
 * Save the calling context into j and return 0. When a trap frame later
 * gets kstub_arch_recover_frame(j) and the port returns from the trap,
 * this call returns a second time, with 1. Like setjmp, the caller's
 * frame must still be live then, and only memory (not register-held
 * locals changed after the call) is up to date; returns_twice tells the
 * compiler so.
 */
int kstub_arch_recover_arm(struct kstub_arch_jmp *j)
	__attribute__((returns_twice));

/*
 * Rewrite f so that returning from the trap lands at the recovery point:
 * rip, rsp and the callee-saved registers from j, rax = 1, the other
 * scratch registers zeroed, rflags from j with TF, RF, DF and IF clear
 * (the stub runs with interrupts off). Segments, bases and the FPU image
 * are left as trapped: the stub changes none of them. Pure.
 */
void kstub_arch_recover_frame(const struct kstub_arch_jmp *j,
			      struct kstub_frame *f);

#endif /* KSTUB_ARCH_RECOVER_H */
