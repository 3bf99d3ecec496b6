/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bringing up the other CPUs: their local APIC ids come from the ACPI
 * MADT, each is started with INIT/SIPI into the real-mode trampoline
 * (ap_tramp.S), and waits, interrupts off but able to take the
 * stub's NMI, until the boot CPU lets every CPU run threads at once.
 * A CPU the boot CPU gave up on is not in ncpus, so the stub could
 * never stop it: if it comes up after all, it halts for good.
 */
#include "machine.h"

extern const char ap_tramp_start[], ap_tramp_end[];
extern const char ap_tramp_cr3[], ap_tramp_efer[], ap_tramp_stack[],
	ap_tramp_entry[];
extern uint64_t boot_pml4[];	/* boot.S: identity-mapped, below 4 GiB */
void ap_start(void);

uint32_t ncpus = 1;
static volatile uint32_t ap_booting;
static volatile uint32_t aps_go;
static uint32_t ap_delay_us;	/* smp.apdelay: a slow CPU, for the tests */

/* The AP being started: whichever side moves it off WAITING decides. */
enum { AP_WAITING, AP_ONLINE, AP_ABANDONED };
static volatile uint32_t ap_state;

static bool ap_claim(uint32_t to)
{
	uint32_t want = AP_WAITING;

	return __atomic_compare_exchange_n(&ap_state, &want, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void *pa(uint64_t phys)
{
	return (void *)(uintptr_t)(DMAP_BASE + phys);
}

static bool sum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s == 0;
}

static const uint8_t *scan_rsdp(uint64_t from, uint64_t len)
{
	uint64_t off;

	for (off = 0; off + 20 <= len; off += 16) {
		const uint8_t *p = pa(from + off);

		if (__builtin_memcmp(p, "RSD PTR ", 8) == 0 && sum_ok(p, 20))
			return p;
	}
	return NULL;
}

/* ACPI: the RSDP is in the EBDA's first KiB or in the BIOS ROM area. */
static const uint8_t *find_madt(void)
{
	uint64_t ebda = (uint64_t)*(const uint16_t *)pa(0x40e) << 4;
	const uint8_t *rsdp = NULL, *rsdt, *t;
	uint32_t len, i;

	if (ebda)
		rsdp = scan_rsdp(ebda, 1024);
	if (!rsdp)
		rsdp = scan_rsdp(0xe0000, 0x20000);
	if (!rsdp)
		return NULL;
	rsdt = pa(*(const uint32_t *)(rsdp + 16));
	len = *(const uint32_t *)(rsdt + 4);
	for (i = 36; i + 4 <= len; i += 4) {
		t = pa(*(const uint32_t *)(rsdt + i));
		if (__builtin_memcmp(t, "APIC", 4) == 0)
			return t;
	}
	return NULL;
}

/* Fills ids[] with the enabled processors' APIC ids; returns how many. */
static uint32_t madt_cpus(uint32_t *ids, uint32_t max)
{
	const uint8_t *madt = find_madt(), *e;
	uint32_t len, off, n = 0;

	if (!madt)
		return 0;
	len = *(const uint32_t *)(madt + 4);
	for (off = 44; off + 2 <= len && n < max; off += e[1]) {
		e = madt + off;
		if (e[1] < 2)
			break;
		if (e[0] == 0 && (*(const uint32_t *)(e + 4) & 1))
			ids[n++] = e[3];
	}
	return n;
}

void ap_main(void) __attribute__((noreturn));

void ap_main(void)
{
	struct pcpu *c = &pcpus[ap_booting];

	mmu_load();
	cpu_init(c);		/* from here on an NMI finds an IDT */
	lapic_init();
	if (ap_delay_us)
		udelay(ap_delay_us);
	if (!ap_claim(AP_ONLINE)) {
		kprintf("smp: cpu %u came up after the boot cpu gave up "
			"on it, halted\n", c->index);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	c->apic_id = lapic_id();
	c->idle = kthread_idle(c);
	c->cur = c->idle;
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&aps_go, __ATOMIC_ACQUIRE))
		cpu_relax();
	lapic_timer_start();
	sched_idle_loop();
}

static void tramp_set(const char *field, uint64_t v, size_t size)
{
	__builtin_memcpy(pa(TRAMP_PHYS + (uint64_t)(field - ap_tramp_start)),
			 &v, size);
}

void smp_start_aps(uint32_t timeout_ms, uint32_t ap_delay_ms)
{
	uint32_t ids[NCPU_MAX], n, i, bsp = lapic_id();
	uint64_t deadline;
	struct pcpu *c;

	ap_delay_us = ap_delay_ms * 1000;
	n = madt_cpus(ids, NCPU_MAX);
	__builtin_memcpy(pa(TRAMP_PHYS), ap_tramp_start,
			 (size_t)(ap_tramp_end - ap_tramp_start));
	tramp_set(ap_tramp_cr3, (uint64_t)(uintptr_t)boot_pml4, 4);
	tramp_set(ap_tramp_efer, EFER_LME | (mmu_nx ? EFER_NXE : 0), 4);
	tramp_set(ap_tramp_entry, (uint64_t)(uintptr_t)ap_start, 8);
	for (i = 0; i < n; i++) {
		if (ids[i] == bsp)
			continue;
		c = &pcpus[ncpus];
		c->index = ncpus;
		ap_booting = ncpus;
		__atomic_store_n(&ap_state, AP_WAITING, __ATOMIC_RELEASE);
		tramp_set(ap_tramp_stack, (uint64_t)(uintptr_t)
			  &idle_stacks[ncpus].stack[KSTACK_SIZE], 8);
		lapic_send_init_sipi(ids[i], TRAMP_PHYS >> 12);
		deadline = clock_now_us() + timeout_ms * 1000ull;
		while (__atomic_load_n(&ap_state, __ATOMIC_ACQUIRE) ==
			       AP_WAITING && clock_now_us() < deadline)
			cpu_relax();
		if (ap_claim(AP_ABANDONED)) {
			kprintf("smp: cpu with apic id %u did not start\n",
				ids[i]);
			break;	/* it may still wake up on this stack */
		}
		/* It claimed the start: online follows at once. */
		while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			cpu_relax();
		ncpus++;
	}
}

void smp_release_aps(void)
{
	__atomic_store_n(&aps_go, 1, __ATOMIC_RELEASE);
}
