/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel image: the 32-bit boot code at its load address (it runs
 * before paging), everything else at KERNBASE + physical address. Text,
 * read-only data and data start on their own pages, so the page tables
 * can map text read-only and data non-executable. bss comes last: the
 * boot image (objcopy -O binary) ends where it begins.
 */
#include "layout.h"

OUTPUT_FORMAT("elf64-x86-64")
ENTRY(boot_entry)

PHDRS {
	boot PT_LOAD FLAGS(7);
	text PT_LOAD FLAGS(5);
	rodata PT_LOAD FLAGS(4);
	data PT_LOAD FLAGS(6);
}

SECTIONS {
	. = KERN_PHYS;
	boot_load_phys = .;
	.boot : {
		KEEP(*(.boot.header))
		*(.boot.text)
		*(.boot.data)
	} :boot

	. = ALIGN(4096) + KERNBASE;
	kern_text_start = .;
	/*
	 * First, the code that runs inside a debugger entry: the trap
	 * glue, the port hooks and their helpers (marked __nodebug, or
	 * whole files of it), and the stub with its transport. The
	 * debugger_text hook (port.c) refuses breakpoints in between.
	 */
	.text : AT(ADDR(.text) - KERNBASE) {
		kern_nodebug_start = .;
		*(.text.nodebug)
		*libkstub.a:*(.text .text.*)
		*obj/trap.o(.text .text.*)
		*obj/port.o(.text .text.*)
		*obj/e1000.o(.text .text.*)
		*obj/libc.o(.text .text.*)
		*obj/printf.o(.text .text.*)
		kern_nodebug_end = .;
		*(.text .text.*)
	} :text
	. = ALIGN(4096);
	kern_text_end = .;

	.rodata : AT(ADDR(.rodata) - KERNBASE) {
		*(.rodata .rodata.*)
	} :rodata
	. = ALIGN(4096);
	kern_rodata_end = .;

	.data : AT(ADDR(.data) - KERNBASE) {
		*(.data.page.*)
		*(.data .data.*)
	} :data
	kern_data_end = .;
	kern_load_end_phys = kern_data_end - KERNBASE;

	.bss : AT(ADDR(.bss) - KERNBASE) {
		*(.bss.page .bss.page.*)
		*(.bss .bss.*)
		*(COMMON)
	} :data
	. = ALIGN(4096);
	kern_end = .;
	kern_end_phys = kern_end - KERNBASE;

	/DISCARD/ : {
		*(.note .note.*)
		*(.comment)
		*(.eh_frame)
	}
}

ASSERT(kern_end - KERNBASE <= KERN_MAP_SIZE, "kernel beyond the KERNBASE map")
