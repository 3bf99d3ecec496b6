/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Debug register access for ports that run in ring 0: the dr_get/dr_set
 * port hooks implemented with MOV to and from DRn (SDM vol. 2 "MOV-Move
 * to/from Debug Registers"). Outside ring 0 these instructions fault.
 */
#include "kstub_port.h"

uint64_t kstub_x86_dr_native_get(void *ctx, unsigned n)
{
	uint64_t v = 0;

	(void)ctx;
	switch (n) {
	case 0:
		__asm__ volatile("mov %%db0, %0" : "=r"(v));
		break;
	case 1:
		__asm__ volatile("mov %%db1, %0" : "=r"(v));
		break;
	case 2:
		__asm__ volatile("mov %%db2, %0" : "=r"(v));
		break;
	case 3:
		__asm__ volatile("mov %%db3, %0" : "=r"(v));
		break;
	case 6:
		__asm__ volatile("mov %%db6, %0" : "=r"(v));
		break;
	case 7:
		__asm__ volatile("mov %%db7, %0" : "=r"(v));
		break;
	default:
		/* DR4/DR5 alias DR6/DR7 or #UD (CR4.DE); not ours. */
		break;
	}
	return v;
}

/*
 * The "memory" clobber keeps the compiler from moving memory accesses
 * across the write: an access must not be watched before DR7 arms it, or
 * escape a watch the caller believes is armed.
 */
void kstub_x86_dr_native_set(void *ctx, unsigned n, uint64_t value)
{
	(void)ctx;
	switch (n) {
	case 0:
		__asm__ volatile("mov %0, %%db0" : : "r"(value) : "memory");
		break;
	case 1:
		__asm__ volatile("mov %0, %%db1" : : "r"(value) : "memory");
		break;
	case 2:
		__asm__ volatile("mov %0, %%db2" : : "r"(value) : "memory");
		break;
	case 3:
		__asm__ volatile("mov %0, %%db3" : : "r"(value) : "memory");
		break;
	case 6:
		__asm__ volatile("mov %0, %%db6" : : "r"(value) : "memory");
		break;
	case 7:
		__asm__ volatile("mov %0, %%db7" : : "r"(value) : "memory");
		break;
	default:
		break;
	}
}
