/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's page tables. KERNBASE maps the first 8 MiB in 4 KiB
 * pages so each part of the image gets its own rights: text read-only
 * and executable, rodata read-only, the rest writable and (with NX)
 * not executable. The direct map at DMAP_BASE covers the low 4 GiB in
 * 2 MiB pages (ACPI tables, the LAPIC) and reuses the same 4 KiB tables
 * for its first 8 MiB, so no writable alias of the text exists. With
 * CR0.WP set even the kernel cannot write its text: mmu_text_poke() maps
 * the page writable at POKE_VA for the length of one patch. The page
 * below every kernel and IST stack is left unmapped (struct kstack).
 */
#include "machine.h"

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PWT 0x8ull
#define PTE_PCD 0x10ull
#define PTE_PS 0x80ull
#define PTE_NX (1ull << 63)
#define PAGE 4096ull
#define KPT_COUNT (KERN_MAP_SIZE / (512 * PAGE))

typedef uint64_t pt_t[512] __attribute__((aligned(4096)));

static pt_t pml4 __attribute__((section(".bss.page")));
static pt_t kpdpt __attribute__((section(".bss.page")));
static pt_t kpd __attribute__((section(".bss.page")));
static pt_t kpt[KPT_COUNT] __attribute__((section(".bss.page")));
static pt_t poke_pt __attribute__((section(".bss.page")));
static pt_t dmap_pdpt __attribute__((section(".bss.page")));
static pt_t dmap_pd[4] __attribute__((section(".bss.page")));

extern const char kern_text_start[], kern_text_end[], kern_rodata_end[];

bool mmu_nx;

static uint64_t phys(const void *kva)
{
	return (uint64_t)(uintptr_t)kva - KERNBASE;
}

static uint64_t page_rights(uint64_t pa)
{
	uint64_t nx = mmu_nx ? PTE_NX : 0;

	if (pa >= phys(kern_text_start) && pa < phys(kern_text_end))
		return PTE_P;
	if (pa >= phys(kern_text_end) && pa < phys(kern_rodata_end))
		return PTE_P | nx;
	return PTE_P | PTE_W | nx;
}

/*
 * Before any CPU loads these tables: no TLB holds the pages yet. The
 * direct map's first 8 MiB share kpt, so no alias of a guard remains.
 */
static void guard_stacks(struct kstack *s, size_t n)
{
	uint64_t pa;
	size_t i;

	for (i = 0; i < n; i++) {
		pa = phys(s[i].guard);
		kpt[pa / (512 * PAGE)][(pa / PAGE) % 512] = 0;
	}
}

void mmu_init(void)
{
	uint64_t nx = mmu_nx ? PTE_NX : 0;
	uint64_t pa, i, j;

	for (i = 0; i < KPT_COUNT; i++) {
		for (j = 0; j < 512; j++) {
			pa = (i * 512 + j) * PAGE;
			kpt[i][j] = pa | page_rights(pa);
		}
		kpd[i] = phys(kpt[i]) | PTE_P | PTE_W;
	}
	kpd[511] = phys(poke_pt) | PTE_P | PTE_W;
	kpdpt[510] = phys(kpd) | PTE_P | PTE_W;
	pml4[511] = phys(kpdpt) | PTE_P | PTE_W;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < 512; j++) {
			pa = (i * 512 + j) << 21;
			dmap_pd[i][j] = pa | PTE_P | PTE_W | PTE_PS | nx;
			if (pa >= DMAP_MMIO)
				dmap_pd[i][j] |= PTE_PCD | PTE_PWT;
		}
		dmap_pdpt[i] = phys(dmap_pd[i]) | PTE_P | PTE_W;
	}
	for (i = 0; i < KPT_COUNT; i++)
		dmap_pd[0][i] = phys(kpt[i]) | PTE_P | PTE_W;
	pml4[(DMAP_BASE >> 39) & 511] = phys(dmap_pdpt) | PTE_P | PTE_W;
	guard_stacks(idle_stacks, NCPU_MAX);
	guard_stacks(&ist_stacks[0][0], NCPU_MAX * 3);
	guard_stacks(kstacks, NKTHREAD_MAX);
}

/* Per CPU: switch from the boot tables (identity map gone after this). */
void mmu_load(void)
{
	uint64_t cr0;

	__asm__ volatile("mov %0, %%cr3" : : "r"(phys(pml4)) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= CR0_WP;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
}

static __nodebug void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Physical address of a KERNBASE-mapped byte, or ~0 if outside. */
static __nodebug uint64_t kern_pa(uint64_t va)
{
	if (va < KERNBASE || va - KERNBASE >= KERN_MAP_SIZE)
		return ~0ull;
	return va - KERNBASE;
}

/*
 * Write len bytes of text through a writable alias: the other CPUs
 * are parked and never use POKE_VA, so a local invlpg suffices. QEMU,
 * like hardware, notices stores to code it has translated.
 */
__nodebug int mmu_text_poke(uint64_t addr, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint64_t pa, off;
	size_t n;

	if (addr < (uint64_t)(uintptr_t)kern_text_start ||
	    addr + len > (uint64_t)(uintptr_t)kern_text_end ||
	    addr + len < addr)
		return KSTUB_EFAULT;
	while (len > 0) {
		pa = kern_pa(addr);
		off = addr & (PAGE - 1);
		n = PAGE - off < len ? PAGE - off : len;
		poke_pt[0] = (pa & ~(PAGE - 1)) | PTE_P | PTE_W |
			     (mmu_nx ? PTE_NX : 0);
		invlpg(POKE_VA);
		__builtin_memcpy((void *)(uintptr_t)(POKE_VA + off), s, n);
		poke_pt[0] = 0;
		invlpg(POKE_VA);
		addr += n;
		s += n;
		len -= n;
	}
	return 0;
}

/*
 * May the debugger touch [addr, addr+len) at all? Reads of device
 * registers can have side effects, so the uncached part of the direct
 * map is refused; everything else is left to the page tables and the
 * exception table (copy_nofault).
 */
__nodebug bool mmu_mapped_ram(uint64_t addr, size_t len)
{
	uint64_t end = addr + len;

	if (end < addr)
		return false;
	if (addr >= DMAP_BASE && addr < DMAP_BASE + DMAP_SIZE)
		return end <= DMAP_BASE + DMAP_MMIO;
	return true;
}
