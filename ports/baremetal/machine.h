/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bare-metal kernel's internals: memory layout, per-CPU state,
 * kernel threads, the trap frame its entry code builds, and the small
 * x86 instruction wrappers every file needs.
 */
#ifndef BAREMETAL_MACHINE_H
#define BAREMETAL_MACHINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "kern.h"
#include "kstub.h"
#include "layout.h"

#define NCPU_MAX 8
/*
 * How long to wait for another CPU to answer (the NMI roundup, an AP
 * starting up). QEMU's CPUs are host threads; on a loaded host one may
 * not run for seconds, and hardware answers in microseconds, so a long
 * wait costs nothing where it is not needed.
 */
#define CPU_ANSWER_MS 10000
#define NKTHREAD_MAX 32
#define HZ 100

/*
 * Code that runs inside a debugger entry (the trap glue, the port hooks
 * and what they call) goes in .text.nodebug, which kernel.ld.S bounds
 * with kern_nodebug_start/end, together with libkstub.a and whole files
 * of such code (trap.c, port.c, libc.c, printf.c). The port's
 * debugger_text hook refuses breakpoints there: an int3 or an exec DR
 * hit inside the stub cannot be taken.
 */
#define __nodebug __attribute__((section(".text.nodebug")))

/*
 * Every kernel and IST stack, with an unmapped page below it (mmu.c): an
 * overflow faults (a #PF that cannot be delivered on the same stack
 * becomes a #DF, on its own IST stack) instead of writing over the next
 * stack.
 */
struct kstack {
	uint8_t guard[KSTACK_GUARD];
	uint8_t stack[KSTACK_SIZE];
} __attribute__((aligned(4096)));

/* IDT vectors of our own interrupts (0..31 are the CPU's exceptions). */
#define VEC_TIMER 32
#define VEC_SPURIOUS 255

/* What vectors.S pushes: the GPRs, then the CPU's exception frame. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

enum kt_state { KT_FREE, KT_RUNNABLE, KT_RUNNING, KT_SLEEPING };

struct kthread {
	uint64_t tid;		/* index + 1: gdb's thread id */
	char name[KSTUB_NAME_MAX];
	volatile uint32_t state;	/* enum kt_state */
	const void *wchan;
	const char *wmesg;
	int pinned;		/* CPU it must run on, or -1 */
	uint64_t saved_rsp;	/* switch_to() frame while not on a CPU */
	struct kthread *runq_next;
	void (*fn)(void *);
	void *arg;
};

/* GDT selectors (cpu.c); the same layout is used by boot.S. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18

/* TSS interrupt stacks (cpu.c), named in IDT gates (trap.c). */
#define IST_DB 1
#define IST_NMI 2
#define IST_DF 3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* %gs:0 points at the CPU's own struct pcpu. */
struct pcpu {
	struct pcpu *self;
	uint32_t index;
	uint32_t apic_id;
	struct kthread *cur;	/* on this CPU now (its idle thread if none) */
	struct kthread *idle;
	volatile uint32_t online;
	int tick_chan;		/* what this CPU's timer wakes */
	volatile uint64_t timer_ints;	/* timer interrupts taken here */
	uint64_t gdt[7];
	struct tss tss;
};

extern struct pcpu pcpus[NCPU_MAX];
extern uint32_t ncpus;
extern struct kstub kstub_state;
extern bool kstub_on;		/* false with kstub.off: no debugger at all */
extern struct kstack idle_stacks[NCPU_MAX];	/* cpu.c, boot stacks */
extern struct kstack ist_stacks[NCPU_MAX][3];	/* cpu.c */
extern struct kstack kstacks[NKTHREAD_MAX];	/* sched.c */

static inline struct pcpu *this_cpu(void)
{
	struct pcpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);

	__asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

static inline uint64_t intr_save(void)
{
	uint64_t fl;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(fl) : : "memory");
	return fl;
}

static inline void intr_restore(uint64_t fl)
{
	if (fl & KSTUB_RFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_NXE (1u << 11)

/* Spinlocks that also keep this CPU's interrupts off while held. */
struct spinlock {
	volatile uint32_t locked;
};
uint64_t spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, uint64_t fl);

/* mmu.c */
void mmu_init(void);
void mmu_load(void);
int mmu_text_poke(uint64_t addr, const void *src, size_t len);
bool mmu_mapped_ram(uint64_t addr, size_t len);
extern bool mmu_nx;

/* cpu.c: descriptor tables and per-CPU state. */
void cpu_init(struct pcpu *c);
void cpu_features(void);
extern bool cpu_rdrand;	/* CPUID.1:ECX.RDRAND */

/* lapic.c */
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
void lapic_timer_start(void);
void lapic_send_nmi_others(void);
void lapic_send_init_sipi(uint32_t apic_id, uint8_t vector);
void clock_calibrate(void);
void udelay(uint64_t us);
uint64_t clock_now_us(void);

/* smp.c */
void smp_start_aps(uint32_t timeout_ms, uint32_t ap_delay_ms);
void smp_release_aps(void);

/* trap.c */
void trap(struct trapframe *tf);
void idt_init(void);
void idt_load(void);
long copy_nofault(void *dst, const void *src, size_t len);
extern volatile bool machine_halting;

/* sched.c */
struct kthread *kthread_spawn(const char *name, void (*fn)(void *),
			      void *arg, int pinned);
struct kthread *kthread_idle(struct pcpu *c);
void sched_idle_loop(void) __attribute__((noreturn));
int kthread_saved_regs(const struct kthread *t, struct kstub_frame *f);
struct kthread *kthread_by_tid(uint64_t tid);
uint32_t kthread_count(void);
bool kthread_on_cpu(const struct kthread *t, uint32_t *cpu);

/* console.c */
struct kstub_serial;
void console_init(struct kstub_serial *share);
void console_write(const char *s, size_t n);
void console_write_trap(const char *s, size_t n);
void console_poll_input(void);
void console_push_line(const char *line);
void console_shell(void *arg);
extern volatile unsigned long console_drops;

/* pci.c: configuration space, mechanism #1; boot CPU, at boot only. */
struct pci_dev {
	uint8_t bus, dev, fn;
};
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
bool pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out);

/* e1000.c: the polled NIC under the UDP debug link. */
struct e1000;
struct e1000_stats {
	unsigned long rx_frames;	/* good frames handed up */
	unsigned long rx_bad;	/* errors, no EOP, bad length: dropped */
	unsigned long tx_bad_len;	/* frames off the 60..1514 range */
	unsigned long tx_timeouts;	/* DD never came */
	unsigned long rx_missed;	/* the device had no buffer: MPC */
};
struct kstub_udp_nic_ops;
extern const struct kstub_udp_nic_ops e1000_nic_ops;
struct e1000 *e1000_attach(void);
const struct e1000_stats *e1000_stats(struct e1000 *e);

/* port.c */
struct kstub_serial *port_link_init(bool oneline);
int port_udp_init(const uint8_t ip[4], uint16_t port, const uint8_t *key);
int port_stub_init(void);

/* printf.c */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* vectors.S */
void switch_to(uint64_t *save_rsp, uint64_t new_rsp, struct kthread **cur,
	       struct kthread *next);
void kthread_tramp(void);
extern const uint64_t idt_entry_points[256];

#endif /* BAREMETAL_MACHINE_H */
