/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-CPU set-up: a GDT with this CPU's TSS, whose IST stacks give #DB,
 * NMI and #DF a known-good stack whatever the CPU was doing (an NMI can
 * arrive on a kernel stack that is about to overflow; a #DB in the
 * middle of a stack switch), %gs pointing at struct pcpu, the FPU
 * enabled for fxsave, and NX if the CPU has it.
 */
#include "machine.h"

struct pcpu pcpus[NCPU_MAX];
struct kstack idle_stacks[NCPU_MAX];
struct kstack ist_stacks[NCPU_MAX][3];

bool cpu_rdrand;

void cpu_features(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	cpu_rdrand = (c >> 30) & 1;
	cpuid(0x80000000, &a, &b, &c, &d);
	if (a >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		mmu_nx = (d >> 20) & 1;
	}
}

static uint64_t stack_top(struct kstack *s)
{
	return (uint64_t)(uintptr_t)&s->stack[KSTACK_SIZE];
}

static uint64_t tss_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffull) | (base & 0xffffffull) << 16 |
	       0x89ull << 40 | ((uint64_t)(limit >> 16) & 0xf) << 48 |
	       ((base >> 24) & 0xff) << 56;
}

static void load_gdt(struct pcpu *c)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(c->gdt) - 1,
					   (uint64_t)(uintptr_t)c->gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "mov %1, %%ds\n\t"
			 "mov %1, %%es\n\t"
			 "mov %1, %%ss\n\t"
			 "pushq %2\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:"
			 :
			 : "m"(gdtr), "r"((uint64_t)SEL_KDATA),
			   "i"(SEL_KCODE)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

void cpu_init(struct pcpu *c)
{
	uint64_t base = (uint64_t)(uintptr_t)&c->tss, cr0, cr4;
	struct kstack *ist = ist_stacks[c->index];

	c->self = c;
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffull;	/* 64-bit code */
	c->gdt[2] = 0x00cf92000000ffffull;	/* data */
	c->gdt[3] = tss_low(base, sizeof(c->tss) - 1);
	c->gdt[4] = base >> 32;
	c->tss.ist[IST_DB - 1] = stack_top(&ist[0]);
	c->tss.ist[IST_NMI - 1] = stack_top(&ist[1]);
	c->tss.ist[IST_DF - 1] = stack_top(&ist[2]);
	c->tss.iomap_base = sizeof(c->tss);
	load_gdt(c);
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
	wrmsr(MSR_FS_BASE, 0);
	idt_load();

	/* fxsave/fxrstor of the trap frame need the FPU on and SSE known. */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 | CR0_MP) & ~0xcull;		/* clear EM and TS */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	__asm__ volatile("fninit");
	if (mmu_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}
