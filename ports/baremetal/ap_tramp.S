/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The application processors' first instructions. A SIPI starts a CPU
 * in real mode at vector * 4 KiB, so smp.c copies this blob to
 * TRAMP_PHYS and fills in its four variables; every address in it is
 * computed relative to that copy. Real mode -> protected mode -> long
 * mode on the boot page tables (identity-mapped, so the copy keeps
 * running), then a jump to ap_start (vectors.S) on the CPU's own stack.
 */
#include "layout.h"

#define T(sym) (TRAMP_PHYS + (sym) - ap_tramp_start)

	.section .rodata, "a"
	.globl ap_tramp_start, ap_tramp_end
	.globl ap_tramp_cr3, ap_tramp_efer, ap_tramp_stack, ap_tramp_entry
	.balign 16
	.code16
ap_tramp_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(tramp_gdtr)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $0x08, $T(tramp32)

	.code32
tramp32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl T(ap_tramp_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl T(ap_tramp_efer), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmp $0x18, $T(tramp64)

	.code64
tramp64:
	movq T(ap_tramp_stack), %rsp
	movq T(ap_tramp_entry), %rax
	jmp *%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tramp_gdtr:
	.word tramp_gdtr - tramp_gdt - 1
	.long T(tramp_gdt)
	.balign 8
ap_tramp_cr3:
	.long 0
ap_tramp_efer:
	.long 0
ap_tramp_stack:
	.quad 0
ap_tramp_entry:
	.quad 0
ap_tramp_end:

	.section .note.GNU-stack, "", @progbits
