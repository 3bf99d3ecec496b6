/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The local APIC (timer, EOI, IPIs) and the clocks. The TSC gives the
 * stub its microseconds (callable with interrupts off, on any CPU);
 * both it and the APIC timer are measured once against the PIT, whose
 * rate is fixed, over 10 ms of PIT channel 2.
 */
#include "machine.h"

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define ICR_BUSY (1u << 12)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_SIPI (6u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)
#define LVT_PERIODIC (1u << 17)
#define SVR_ENABLE (1u << 8)

#define PIT_HZ 1193182u
#define CAL_MS 10u

static volatile uint32_t *lapic;
static uint64_t tsc_per_us = 1000;
static uint64_t tsc_boot;
static uint32_t timer_count;	/* APIC timer counts per tick at HZ */

static __nodebug uint32_t rd(uint32_t reg)
{
	return lapic[reg / 4];
}

static __nodebug void wr(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) & ~0xfffull;

	lapic = (volatile uint32_t *)(uintptr_t)(DMAP_BASE + base);
	wr(LAPIC_TPR, 0);
	wr(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
}

uint32_t lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

static __nodebug void icr_wait(void)
{
	uint32_t n;

	for (n = 0; n < 1000000 && (rd(LAPIC_ICR_LO) & ICR_BUSY); n++)
		cpu_relax();
}

/*
 * The roundup IPI. An NMI, because the CPU to stop may be running with
 * interrupts off (in a spinlock, in the timer handler).
 */
__nodebug void lapic_send_nmi_others(void)
{
	icr_wait();
	wr(LAPIC_ICR_HI, 0);
	wr(LAPIC_ICR_LO, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_NMI);
	icr_wait();
}

/* The INIT, SIPI, SIPI sequence of the MP start-up protocol. */
void lapic_send_init_sipi(uint32_t apic_id, uint8_t vector)
{
	int i;

	icr_wait();
	wr(LAPIC_ICR_HI, apic_id << 24);
	wr(LAPIC_ICR_LO, ICR_INIT | ICR_ASSERT);
	icr_wait();
	udelay(10000);
	for (i = 0; i < 2; i++) {
		wr(LAPIC_ICR_HI, apic_id << 24);
		wr(LAPIC_ICR_LO, ICR_SIPI | vector);
		icr_wait();
		udelay(200);
	}
}

/*
 * Count TSC cycles and APIC timer ticks across CAL_MS of PIT channel 2
 * (mode 0: its output, bit 5 of port 0x61, rises when the count ends).
 */
void clock_calibrate(void)
{
	uint32_t count = PIT_HZ / (1000 / CAL_MS);
	uint64_t t0, t1;
	uint32_t a0, a1;

	wr(LAPIC_TIMER_DIV, 0x3);	/* divide by 16 */
	wr(LAPIC_LVT_TIMER, 1u << 16);	/* masked */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);		/* channel 2, lo/hi byte, mode 0 */
	wr(LAPIC_TIMER_INIT, 0xffffffff);
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);		/* counting starts here */
	t0 = rdtsc();
	a0 = rd(LAPIC_TIMER_CUR);
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	t1 = rdtsc();
	a1 = rd(LAPIC_TIMER_CUR);
	wr(LAPIC_TIMER_INIT, 0);
	tsc_per_us = (t1 - t0) / (CAL_MS * 1000);
	if (tsc_per_us == 0)
		tsc_per_us = 1;
	timer_count = (uint32_t)((uint64_t)(a0 - a1) * (1000 / HZ) / CAL_MS);
	if (timer_count == 0)
		timer_count = 1000;
	tsc_boot = t0;
}

void lapic_timer_start(void)
{
	wr(LAPIC_TIMER_DIV, 0x3);
	wr(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	wr(LAPIC_TIMER_INIT, timer_count);
}

__nodebug uint64_t clock_now_us(void)
{
	return (rdtsc() - tsc_boot) / tsc_per_us;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_per_us;

	while (rdtsc() < end)
		cpu_relax();
}
