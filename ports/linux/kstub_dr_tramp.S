/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub_linux_dr_tramp: where a #DB returns when the stub has changed the
 * debug registers (kstub_hwbp.c). The kernel's #DB exit writes back the
 * DR7 it saw at entry; this runs right after, with interrupts off, on the
 * interrupted context's stack, which holds an iret frame for that
 * context (rip, cs, rflags, rsp, ss). It loads the stub's DR7 and returns
 * there by iretq, so RF and TF take effect as for any return from a trap.
 */
#include <linux/linkage.h>
#include <asm/unwind_hints.h>

	.text
SYM_CODE_START(kstub_linux_dr_tramp)
	UNWIND_HINT_IRET_REGS
	/* The interrupted code's caller-saved registers live on. */
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	call	kstub_linux_dr_reapply
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq
SYM_CODE_END(kstub_linux_dr_tramp)
