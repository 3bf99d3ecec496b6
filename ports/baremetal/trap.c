/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Trap glue: the IDT, the exception table that makes copy_nofault()
 * safe, and the way every trap reaches the stub. A trap builds a struct
 * kstub_frame from the trapframe (and from the CPU: segments, bases,
 * control registers, the FPU), calls kstub_trap() or kstub_cpu_park(),
 * and on 0 copies back what gdb may change: GPRs, rip, rflags, rsp, FPU.
 */
#include "machine.h"
#include "workload.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;		/* 0x8e: present, ring 0, interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256];
volatile bool machine_halting;
static volatile unsigned long nmi_unclaimed;

/* Instructions that may fault on purpose, and where they resume. */
extern const char copy_fault_begin[], copy_fault_end[], copy_fault_fixup[];
long copy_bytes(void *dst, const void *src, size_t len);

static const struct extable_entry {
	const char *begin, *end, *fixup;
} extable[] = {
	{ copy_fault_begin, copy_fault_end, copy_fault_fixup },
};

static const char *const trap_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check",
	"machine check", "SIMD error",
};

void idt_init(void)
{
	unsigned i;

	for (i = 0; i < 256; i++) {
		uint64_t a = idt_entry_points[i];

		idt[i].off_lo = (uint16_t)a;
		idt[i].sel = SEL_KCODE;
		idt[i].type = 0x8e;
		idt[i].off_mid = (uint16_t)(a >> 16);
		idt[i].off_hi = (uint32_t)(a >> 32);
	}
	idt[KSTUB_TRAP_DB].ist = IST_DB;
	idt[KSTUB_TRAP_NMI].ist = IST_NMI;
	idt[8].ist = IST_DF;
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1,
					   (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

long copy_nofault(void *dst, const void *src, size_t len)
{
	long n;

	if (len == 0)
		return 0;
	n = copy_bytes(dst, src, len);
	return n > 0 ? n : KSTUB_EFAULT;
}

static bool fixup(struct trapframe *tf)
{
	size_t i;

	for (i = 0; i < sizeof(extable) / sizeof(extable[0]); i++) {
		if (tf->rip >= (uint64_t)(uintptr_t)extable[i].begin &&
		    tf->rip < (uint64_t)(uintptr_t)extable[i].end) {
			tf->rip = (uint64_t)(uintptr_t)extable[i].fixup;
			return true;
		}
	}
	return false;
}

#define READ_CR(n, v) __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v))
#define READ_SEG(s, v) __asm__ volatile("mov %%" #s ", %0" : "=r"(v))

static void frame_from_tf(struct kstub_frame *f,
			  const struct trapframe *tf)
{
	uint64_t v;
	unsigned n;

	__builtin_memset(f, 0, sizeof(*f));
	f->gpr[KSTUB_REG_RAX] = tf->rax;
	f->gpr[KSTUB_REG_RBX] = tf->rbx;
	f->gpr[KSTUB_REG_RCX] = tf->rcx;
	f->gpr[KSTUB_REG_RDX] = tf->rdx;
	f->gpr[KSTUB_REG_RSI] = tf->rsi;
	f->gpr[KSTUB_REG_RDI] = tf->rdi;
	f->gpr[KSTUB_REG_RBP] = tf->rbp;
	f->gpr[KSTUB_REG_RSP] = tf->rsp;
	f->gpr[KSTUB_REG_R8] = tf->r8;
	f->gpr[KSTUB_REG_R9] = tf->r9;
	f->gpr[KSTUB_REG_R10] = tf->r10;
	f->gpr[KSTUB_REG_R11] = tf->r11;
	f->gpr[KSTUB_REG_R12] = tf->r12;
	f->gpr[KSTUB_REG_R13] = tf->r13;
	f->gpr[KSTUB_REG_R14] = tf->r14;
	f->gpr[KSTUB_REG_R15] = tf->r15;
	f->rip = tf->rip;
	f->rflags = tf->rflags;
	f->seg[0] = (uint32_t)tf->cs;
	f->seg[1] = (uint32_t)tf->ss;
	READ_SEG(ds, v);
	f->seg[2] = (uint32_t)v;
	READ_SEG(es, v);
	f->seg[3] = (uint32_t)v;
	READ_SEG(fs, v);
	f->seg[4] = (uint32_t)v;
	READ_SEG(gs, v);
	f->seg[5] = (uint32_t)v;
	f->fs_base = rdmsr(MSR_FS_BASE);
	f->gs_base = rdmsr(MSR_GS_BASE);
	f->k_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	READ_CR(0, f->cr0);
	READ_CR(2, f->cr2);
	READ_CR(3, f->cr3);
	READ_CR(4, f->cr4);
	READ_CR(8, f->cr8);
	f->efer = rdmsr(MSR_EFER);
	__asm__ volatile("fxsave64 %0" : "=m"(f->fxsave));
	f->valid[0] = KSTUB_VALID_GPRS | KSTUB_VALID_SEGS | KSTUB_VALID_FPU;
	for (n = KSTUB_REG_FS_BASE; n <= KSTUB_REG_EFER; n++)
		kstub_frame_set_valid(f, n);
	/* frame_to_tf() loads none of these back: refuse gdb's writes. */
	for (n = KSTUB_REG_DS; n <= KSTUB_REG_GS; n++)
		kstub_frame_set_ro(f, n);
	kstub_frame_set_ro(f, KSTUB_REG_FS_BASE);
	kstub_frame_set_ro(f, KSTUB_REG_GS_BASE);
}

/* The flags gdb may change; IOPL, VM and the virtual-interrupt bits stay. */
#define RFLAGS_USER 0x250fd5ull

static void frame_to_tf(const struct kstub_frame *f, struct trapframe *tf)
{
	tf->rax = f->gpr[KSTUB_REG_RAX];
	tf->rbx = f->gpr[KSTUB_REG_RBX];
	tf->rcx = f->gpr[KSTUB_REG_RCX];
	tf->rdx = f->gpr[KSTUB_REG_RDX];
	tf->rsi = f->gpr[KSTUB_REG_RSI];
	tf->rdi = f->gpr[KSTUB_REG_RDI];
	tf->rbp = f->gpr[KSTUB_REG_RBP];
	tf->rsp = f->gpr[KSTUB_REG_RSP];
	tf->r8 = f->gpr[KSTUB_REG_R8];
	tf->r9 = f->gpr[KSTUB_REG_R9];
	tf->r10 = f->gpr[KSTUB_REG_R10];
	tf->r11 = f->gpr[KSTUB_REG_R11];
	tf->r12 = f->gpr[KSTUB_REG_R12];
	tf->r13 = f->gpr[KSTUB_REG_R13];
	tf->r14 = f->gpr[KSTUB_REG_R14];
	tf->r15 = f->gpr[KSTUB_REG_R15];
	tf->rip = f->rip;
	tf->rflags = (tf->rflags & ~RFLAGS_USER) | (f->rflags & RFLAGS_USER);
	__asm__ volatile("fxrstor64 %0" : : "m"(f->fxsave));
}

static int enter_stub(struct trapframe *tf, const struct kstub_trap *why)
{
	struct kstub_frame f;
	int r;

	frame_from_tf(&f, tf);
	r = kstub_trap(&kstub_state, this_cpu()->index, &f, why);
	if (r == 0)
		frame_to_tf(&f, tf);
	return r;
}

/*
 * Every CPU's tick may poll for ^C, so a break-in works whichever CPUs
 * gdb left running (scheduler-locking), but one at a time, from the
 * poll until its entry returns: kstub_poll_break() says "stop" to every
 * poller until the session has begun, and a second CPU entering for the
 * same ^C would report a stop nobody asked for. A CPU that gdb leaves
 * stopped while others run parks inside its own entry and would keep
 * the token, so one older than BREAKIN_STALE_US is taken over: that
 * entry's session has long begun, and its ^C is spent.
 * breakin_token: the taker's microseconds << 8 | its CPU index + 1.
 */
#define BREAKIN_STALE_US 1000000ull

static volatile uint64_t breakin_token;

static bool breakin_take(const struct pcpu *c, uint64_t *mine)
{
	uint64_t old = __atomic_load_n(&breakin_token, __ATOMIC_ACQUIRE);
	uint64_t now = clock_now_us();

	if (old && now - (old >> 8) < BREAKIN_STALE_US)
		return false;
	*mine = now << 8 | (c->index + 1);
	return __atomic_compare_exchange_n(&breakin_token, &old, *mine, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void breakin_poll(struct trapframe *tf, const struct pcpu *c)
{
	struct kstub_trap why = { .vector = KSTUB_TRAP_BREAKIN };
	uint64_t mine;

	if (!breakin_take(c, &mine))
		return;
	/* ^C from gdb, or a debugger that started talking. */
	if (kstub_poll_break(&kstub_state))
		enter_stub(tf, &why);
	/* Unless another CPU took it over meanwhile. */
	__atomic_compare_exchange_n(&breakin_token, &mine, 0, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void halt_here(void) __attribute__((noreturn));
static void halt_here(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* One panic per machine: the panicking CPU never returns. */
static char panic_msg[96];

static void exception(struct trapframe *tf)
{
	struct kstub_trap why = { .vector = (uint32_t)tf->vector,
				  .error_code = tf->error };
	const char *name = tf->vector < 32 && trap_names[tf->vector]
				   ? trap_names[tf->vector] : "trap";
	bool fault = tf->vector != KSTUB_TRAP_DB && tf->vector != KSTUB_TRAP_BP;

	if (tf->vector == KSTUB_TRAP_PF)
		READ_CR(2, why.fault_addr);
	if (fault) {
		kprintf("fatal trap %lu (%s) on cpu %u at rip 0x%lx, "
			"error 0x%lx, cr2 0x%lx\n", tf->vector, name,
			this_cpu()->index, tf->rip, tf->error, why.fault_addr);
		if (kstub_on && !kstub_attached(&kstub_state))
			kprintf("kstub: waiting for gdb\n");
	}
	/*
	 * A #DF too: it runs on its own IST stack, so the stub can show
	 * the state a stack overflow left (the saved rip is the faulting
	 * instruction's under QEMU, though the SDM leaves it undefined).
	 */
	if (kstub_on && enter_stub(tf, &why) == 0)
		return;
	/* Not the debugger's: a stale DR6 hit, an int3 inside the stub. */
	if (!fault)
		return;
	if (!kstub_on)
		panic(name);
	/* gdb continued the fault with its signal (its default for SIGSEGV). */
	snprintf(panic_msg, sizeof(panic_msg), "%s, %s", name,
		 kstub_attached(&kstub_state) ? "the debugger passed it on"
					      : "the debugger did not take it");
	panic(panic_msg);
}

/*
 * panic()'s int $KDB_VEC_PANIC: a stop in panic() itself. Each continue
 * or detach returns here, and panic() enters again; with no debugger
 * there is nobody to stop for, and the panic halts the machine.
 */
static void panic_enter(struct trapframe *tf)
{
	struct kstub_trap why = { .vector = KSTUB_TRAP_PANIC };

	if (!kstub_on || enter_stub(tf, &why) != 0)
		panic_proceed = 1;
}

static void timer_tick(struct trapframe *tf)
{
	struct pcpu *c = this_cpu();

	c->timer_ints++;
	lapic_eoi();
	wakeup(&c->tick_chan);
	if (c->index == 0) {
		hardclock();
		console_poll_input();
	}
	if (kstub_on)
		breakin_poll(tf, c);
}

static void nmi(struct trapframe *tf)
{
	struct kstub_frame f;

	if (machine_halting)
		halt_here();
	if (kstub_on) {
		frame_from_tf(&f, tf);
		if (kstub_cpu_park(&kstub_state, this_cpu()->index, &f) == 0) {
			frame_to_tf(&f, tf);
			return;
		}
	}
	nmi_unclaimed++;
}

void trap(struct trapframe *tf)
{
	switch (tf->vector) {
	case VEC_TIMER:
		timer_tick(tf);
		return;
	case VEC_SPURIOUS:
		return;
	case KSTUB_TRAP_NMI:
		nmi(tf);
		return;
	case KDB_VEC_PANIC:
		panic_enter(tf);
		return;
	case KSTUB_TRAP_PF:
	case KSTUB_TRAP_GP:
		if (fixup(tf))
			return;
		break;
	default:
		/* The masked 8259's spurious IRQ 7 and 15 land here. */
		if (tf->vector >= 32)
			return;
		break;
	}
	exception(tf);
}
