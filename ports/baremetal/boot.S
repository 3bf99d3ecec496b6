/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * From the multiboot loader to kmain(): the loader enters in 32-bit
 * protected mode without paging, so this code and the boot page tables
 * live at their physical address. The boot tables map the low 1 GiB
 * twice, identity and at KERNBASE; mmu.c replaces them with the real
 * ones, and the AP trampoline borrows them for the same jump.
 */
#include "layout.h"

#define MB_MAGIC 0x1badb002
/* Bit 1: memory map wanted; bit 16: load by the address fields below,
 * since QEMU's multiboot loader will not load an ELF64 file. */
#define MB_FLAGS 0x00010002

	.section .boot.header, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header			/* header_addr */
	.long boot_load_phys		/* load_addr */
	.long kern_load_end_phys	/* load_end_addr */
	.long kern_end_phys		/* bss_end_addr: loader zeroes bss */
	.long boot_entry		/* entry_addr */

	.section .boot.text, "ax"
	.code32
	.globl boot_entry
boot_entry:
	cli
	movl $boot_stack_top, %esp
	movl %eax, boot_magic
	movl %ebx, boot_mbi

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0
	lgdt boot_gdtr
	ljmp $0x08, $boot_entry64

	.code64
boot_entry64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabs $(idle_stacks + KSTACK_GUARD + KSTACK_SIZE), %rsp
	movl boot_magic, %edi
	movl boot_mbi, %esi
	movabs $kstart, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdtr:
	.word boot_gdtr - boot_gdt - 1
	.long boot_gdt
boot_magic:
	.long 0
boot_mbi:
	.long 0

	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad boot_pdpt_lo + 3
	.fill 510, 8, 0
	.quad boot_pdpt_hi + 3
boot_pdpt_lo:
	.quad boot_pd + 3
	.fill 511, 8, 0
boot_pdpt_hi:
	.fill 510, 8, 0
	.quad boot_pd + 3
	.quad 0
/* 512 2 MiB pages: physical 0..1 GiB, present, writable, large. */
boot_pd:
	.set addr, 0
	.rept 512
	.quad addr | 0x83
	.set addr, addr + 0x200000
	.endr

	.balign 16
	.space 1024
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
