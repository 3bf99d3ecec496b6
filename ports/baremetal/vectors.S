/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Trap entry and exit, the context switch, and the one copy routine
 * that may fault. Every vector pushes the same struct trapframe
 * (machine.h) and calls trap(); whatever trap() changed in it (rip,
 * rflags with TF/RF, rsp, the GPRs) is what iretq resumes.
 */

	/* Into the debug info: the kernel image keeps no .eh_frame. */
	.cfi_sections .debug_frame
	/* Trap entry and copy_bytes run inside every debugger entry. */
	.section .text.nodebug, "ax", @progbits
/*
 * One 16-byte stub per vector, at vector_base + 16 * n. The CPU pushes
 * an error code itself only for 8, 10-14, 17, 21, 29 and 30; the other
 * stubs push a zero in its place so every trapframe looks the same.
 */
	.balign 16
	.globl vector_base
vector_base:
	.set i, 0
	.rept 256
	.balign 16
	.if !(i == 8 || (i >= 10 && i <= 14) || i == 17 || i == 21 || \
	      i == 29 || i == 30)
	pushq $0
	.endif
	pushq $i
	jmp trap_common
	.set i, i + 1
	.endr

/*
 * The CFI describes the CPU's exception frame, so gdb unwinds from
 * trap() through an interrupt into the code it interrupted.
 */
	.type trap_common, @function
trap_common:
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa %rsp, 56
	.cfi_offset %rip, -40
	.cfi_offset %rsp, -16
	pushq %rax
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rax, 0
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rcx, 0
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rdx, 0
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rsi, 0
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rdi, 0
	pushq %rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq %r8
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r8, 0
	pushq %r9
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r9, 0
	pushq %r10
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r10, 0
	pushq %r11
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r11, 0
	pushq %r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq %r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq %r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq %r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	cld
	movq %rsp, %rdi
	call trap
	popq %r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq %r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq %r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq %r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq %r11
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r11
	popq %r10
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r10
	popq %r9
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r9
	popq %r8
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r8
	popq %rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	popq %rdi
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rdi
	popq %rsi
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rsi
	popq %rdx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rdx
	popq %rcx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rcx
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq %rax
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rax
	/* Vector and error code: the CFA is the CPU's frame again. */
	addq $16, %rsp
	.cfi_adjust_cfa_offset -16
	iretq
	.cfi_endproc
	.size trap_common, . - trap_common

/*
 * long copy_bytes(dst, src, len): byte by byte, so that a fault says
 * exactly how far it got. A #PF or #GP with rip in [copy_fault_begin,
 * copy_fault_end) resumes at copy_fault_fixup (trap.c's exception
 * table) with rax = bytes copied so far.
 */
	.globl copy_bytes, copy_fault_begin, copy_fault_end, copy_fault_fixup
	.type copy_bytes, @function
copy_bytes:
	xorl %eax, %eax
1:	cmpq %rdx, %rax
	je copy_fault_fixup
copy_fault_begin:
	movb (%rsi,%rax), %cl
	movb %cl, (%rdi,%rax)
copy_fault_end:
	incq %rax
	jmp 1b
copy_fault_fixup:
	ret
	.size copy_bytes, . - copy_bytes

	.section .rodata
	.balign 8
	.globl idt_entry_points
idt_entry_points:
	.set i, 0
	.rept 256
	.quad vector_base + i * 16
	.set i, i + 1
	.endr
	.text

/*
 * Each CPU's first higher-half code: boot.S and the AP trampoline jump
 * here (their own low addresses vanish with the boot page tables), so
 * gdb's backtraces from kmain and ap_main end here.
 */
	.globl kstart
	.type kstart, @function
kstart:
	.cfi_startproc
	.cfi_undefined rip
	xorl %ebp, %ebp
	call kmain
	ud2
	.cfi_endproc
	.size kstart, . - kstart

	.globl ap_start
	.type ap_start, @function
ap_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl %ebp, %ebp
	call ap_main
	ud2
	.cfi_endproc
	.size ap_start, . - ap_start

/*
 * switch_to(save, new, cur, next): leaves r15 r14 r13 r12 rbx rbp and
 * the return address on the old stack, as a pcb would hold them, stores
 * the stack pointer in *save, and sets *cur (the CPU's current thread)
 * to next right after loading next's stack. So the thread the debugger
 * sees on the CPU and the stack the CPU runs on disagree for one
 * instruction, not for the whole switch: a stop anywhere else shows
 * each thread's own frame. kthread_tramp is where a new thread's first
 * switch returns to, with the thread in r12; it ends gdb's unwind.
 */
	.globl switch_to
	.type switch_to, @function
switch_to:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	movq %rcx, (%rdx)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size switch_to, . - switch_to

	.globl kthread_tramp
	.type kthread_tramp, @function
kthread_tramp:
	.cfi_startproc
	.cfi_undefined rip
	xorl %ebp, %ebp
	movq %r12, %rdi
	call kthread_main
	ud2
	.cfi_endproc
	.size kthread_tramp, . - kthread_tramp

	.section .note.GNU-stack, "", @progbits
