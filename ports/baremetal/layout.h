/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The memory map, shared by the linker script, the assembly and C.
 * The kernel is linked in the top 2 GiB (what -mcmodel=kernel needs,
 * and what libkstub.a is compiled for) and loaded at 1 MiB physical.
 */
#ifndef BAREMETAL_LAYOUT_H
#define BAREMETAL_LAYOUT_H

#define KERNBASE 0xffffffff80000000	/* virtual address of physical 0 */
#define KERN_PHYS 0x100000		/* where the loader puts us */
#define KERN_MAP_SIZE 0x800000		/* KERNBASE maps 8 MiB in 4K pages */
#define DMAP_BASE 0xffff800000000000	/* all of the low 4 GiB, 2M pages */
#define DMAP_SIZE 0x100000000
#define DMAP_MMIO 0xc0000000		/* 3..4 GiB: devices, uncached */
#define POKE_VA 0xffffffffbfe00000	/* text_write's temporary window */

#define TRAMP_PHYS 0x8000		/* the AP trampoline, SIPI vector 8 */
#define KSTACK_SIZE 0x4000		/* every kernel and IST stack */
#define KSTACK_GUARD 0x1000		/* the unmapped page below each */

#define CR0_PE 0x1
#define CR0_MP 0x2
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define EFER_LME 0x100

#endif /* BAREMETAL_LAYOUT_H */
