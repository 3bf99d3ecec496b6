/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DR0-DR7 in software, since this CPU does not fire debug registers for
 * a user process. Exec breakpoints are hidden int3s that fault before
 * the instruction (rip = the address, DR6.Bn) and honour RF by stepping
 * the real instruction once. Data breakpoints protect the watched pages;
 * the faulting access is single-stepped with the page open, then the
 * trap after it reports DR6.Bn for every slot the access overlapped.
 * The stub writes DR7 = 0 on entry, which lifts everything, so its own
 * memory accesses never see the model.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim.h"

#define PAGE 4096ull
#define DR6_BS (1u << 14)
#define MAX_PAGES 8

/* The machine-wide state: every CPU loads the same DRs. */
static struct {
	uint64_t addr[4];
	uint64_t dr7;
	uint8_t exec_orig[4];	/* bytes under the hidden int3s */
	uint8_t exec_armed;	/* bit n: slot n's int3 is in the text */
	uint8_t exec_unarmed;	/* bit n: slot n could not be armed */
	uint64_t pages[MAX_PAGES];	/* protected pages */
	int prot[MAX_PAGES];
	unsigned npages;
	/*
	 * Every page the model ever protected: a CPU may fault on one just
	 * before another CPU opens it for a step, and must then simply
	 * retry the access instead of taking a fault the kernel never made.
	 */
	uint64_t seen[4 * MAX_PAGES];
	unsigned nseen;
} m;
static uint32_t model_lock;

static void lock(sigset_t *old)
{
	sigset_t ipi;

	/* The IPI handler also enters the model: keep it out meanwhile. */
	sigemptyset(&ipi);
	sigaddset(&ipi, SIG_IPI);
	pthread_sigmask(SIG_BLOCK, &ipi, old);
	while (__atomic_exchange_n(&model_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(const sigset_t *old)
{
	__atomic_store_n(&model_lock, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static bool enabled(uint64_t dr7, unsigned i)
{
	return (dr7 >> (2 * i)) & 3;
}

static unsigned rw(uint64_t dr7, unsigned i)
{
	return (dr7 >> (16 + 4 * i)) & 3;
}

static unsigned len(uint64_t dr7, unsigned i)
{
	static const unsigned lens[4] = { 1, 2, 8, 4 };

	return lens[(dr7 >> (18 + 4 * i)) & 3];
}

/*
 * The range slot i watches: the CPU ignores the address bits below the
 * length (SDM vol. 3 18.2.5), so DR0 = 0x1003 with LEN 4 is 0x1000-3.
 */
static uint64_t lo_addr(unsigned i)
{
	return m.addr[i] & ~(uint64_t)(len(m.dr7, i) - 1);
}

static void unprotect_all(void)
{
	unsigned i;

	for (i = 0; i < m.npages; i++)
		mprotect((void *)m.pages[i], PAGE, PROT_READ | PROT_WRITE);
	m.npages = 0;
}

static void protect_page(uint64_t page, int prot)
{
	unsigned i;

	for (i = 0; i < m.npages; i++) {
		if (m.pages[i] == page) {
			if (prot == PROT_NONE)
				m.prot[i] = PROT_NONE;
			mprotect((void *)page, PAGE, m.prot[i]);
			return;
		}
	}
	if (m.npages == MAX_PAGES)
		return;
	for (i = 0; i < m.nseen && m.seen[i] != page; i++)
		;
	if (i == m.nseen && m.nseen < sizeof(m.seen) / sizeof(m.seen[0]))
		m.seen[m.nseen++] = page;
	m.pages[m.npages] = page;
	m.prot[m.npages++] = prot;
	mprotect((void *)page, PAGE, prot);
}

static void protect_all(void)
{
	uint64_t a, end;
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (!enabled(m.dr7, i) || rw(m.dr7, i) == 0)
			continue;
		a = lo_addr(i) & ~(PAGE - 1);
		end = lo_addr(i) + len(m.dr7, i) - 1;
		for (; a <= end; a += PAGE)
			protect_page(a, rw(m.dr7, i) == 1 ? PROT_READ
							  : PROT_NONE);
	}
}

static void disarm_exec(void)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		if (m.exec_armed & (1u << i))
			sim_text_patch(m.addr[i], &m.exec_orig[i], 1);
	m.exec_armed = 0;
}

/*
 * An exec slot is a hidden int3, which only kernel text can take: the
 * simulator's own code (and libc) also runs where no CPU can trap. Such
 * a slot would never fire, so say so on the machine's console (stderr)
 * rather than let gdb wait for it; dr_model_unarmed() tells the tests.
 * write(2) only: this runs in trap context, other CPUs parked anywhere.
 */
static void report_unarmable(unsigned i, uint64_t addr)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg),
			 "kstub-sim: DR%u: exec breakpoint at 0x%llx is "
			 "outside kernel text: not armed, it will not fire\n",
			 i, (unsigned long long)addr);

	if (n > 0 && write(2, msg, (size_t)n) < 0)
		return;
}

static void arm_exec(void)
{
	static const uint8_t int3 = 0xcc;
	unsigned i;

	m.exec_unarmed = 0;
	for (i = 0; i < 4; i++) {
		if (!enabled(m.dr7, i) || rw(m.dr7, i) != 0)
			continue;
		if (sim_text_contains(m.addr[i], 1)) {
			m.exec_orig[i] = *(volatile uint8_t *)m.addr[i];
			if (sim_text_patch(m.addr[i], &int3, 1) == 0) {
				m.exec_armed |= 1u << i;
				continue;
			}
		}
		m.exec_unarmed |= 1u << i;
		report_unarmable(i, m.addr[i]);
	}
}

unsigned dr_model_unarmed(void)
{
	return m.exec_unarmed;
}

uint64_t dr_model_get(struct cpu *c, unsigned n)
{
	return n < 8 ? c->dr[n] : 0;
}

void dr_model_set(struct cpu *c, unsigned n, uint64_t v)
{
	sigset_t old;

	if (n >= 8)
		return;
	c->dr[n] = v;
	if (n != 7)
		return;
	lock(&old);
	/*
	 * Every CPU loads the same state on its way out of the stub; only a
	 * change may touch the text and page protections, or each reload
	 * would open a window in which the other CPUs run unwatched.
	 */
	if (v == m.dr7 && !memcmp(m.addr, c->dr, sizeof(m.addr))) {
		unlock(&old);
		return;
	}
	disarm_exec();
	unprotect_all();
	memcpy(m.addr, c->dr, sizeof(m.addr));
	m.dr7 = v;
	arm_exec();
	protect_all();
	unlock(&old);
}

static int exec_slot_at(uint64_t addr)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		if ((m.exec_armed & (1u << i)) && m.addr[i] == addr)
			return (int)i;
	return -1;
}

static void set_tf(ucontext_t *uc, bool on)
{
	if (on)
		uc->uc_mcontext.gregs[REG_EFL] |= KSTUB_RFLAGS_TF;
	else
		uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)KSTUB_RFLAGS_TF;
}

int dr_model_sigtrap(struct cpu *c, ucontext_t *uc, const siginfo_t *si)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint8_t step = c->drstep;
	sigset_t old;
	int slot;

	if (si->si_code == TRAP_TRACE) {
		c->drstep = DRSTEP_NONE;
		if (step == DRSTEP_NONE) {
			c->dr[6] = KSTUB_DR6_CLEAN | DR6_BS;
			return KSTUB_TRAP_DB;
		}
		lock(&old);
		if (step == DRSTEP_WATCH) {
			protect_all();
		} else if (exec_slot_at(c->rf_addr) < 0) {
			/* Put back the int3 the RF step lifted. */
			int i;

			for (i = 0; i < 4; i++)
				if (enabled(m.dr7, i) && rw(m.dr7, i) == 0 &&
				    m.addr[i] == c->rf_addr &&
				    sim_text_patch(c->rf_addr,
						   &(const uint8_t){ 0xcc },
						   1) == 0)
					m.exec_armed |= 1u << i;
		}
		unlock(&old);
		set_tf(uc, c->user_tf);
		if (!c->user_tf && !(step == DRSTEP_WATCH && c->watch_hits))
			return 0;
		c->dr[6] = KSTUB_DR6_CLEAN | (c->user_tf ? DR6_BS : 0) |
			   (step == DRSTEP_WATCH ? c->watch_hits : 0);
		return KSTUB_TRAP_DB;
	}
	slot = exec_slot_at((uint64_t)g[REG_RIP] - 1);
	if (slot < 0)
		return KSTUB_TRAP_BP;
	/* An exec breakpoint faults before the instruction. */
	g[REG_RIP]--;
	c->dr[6] = KSTUB_DR6_CLEAN | (1u << slot);
	return KSTUB_TRAP_DB;
}

bool dr_model_sigsegv(struct cpu *c, ucontext_t *uc, const siginfo_t *si)
{
	uint64_t a = (uint64_t)(uintptr_t)si->si_addr, page = a & ~(PAGE - 1);
	bool write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
	unsigned i, size, hits = 0;
	bool ours = false;
	sigset_t old;

	lock(&old);
	for (i = 0; i < m.npages; i++)
		ours |= m.pages[i] == page;
	if (!ours) {
		for (i = 0; i < m.nseen; i++)
			ours |= m.seen[i] == page;
		unlock(&old);
		return ours;	/* stale: the page is open again, retry */
	}
	size = insn_access_size((const uint8_t *)uc->uc_mcontext.gregs[REG_RIP],
				15);
	for (i = 0; i < 4; i++) {
		uint64_t lo = lo_addr(i), hi = lo + len(m.dr7, i);

		if (!enabled(m.dr7, i) || rw(m.dr7, i) == 0)
			continue;
		if (rw(m.dr7, i) == 1 && !write)
			continue;
		if (a < hi && a + size > lo)
			hits |= 1u << i;
	}
	/* Let the access happen, then trap right after it. */
	unprotect_all();
	unlock(&old);
	c->drstep = DRSTEP_WATCH;
	c->watch_hits = (uint8_t)hits;
	c->user_tf = (uc->uc_mcontext.gregs[REG_EFL] & KSTUB_RFLAGS_TF) != 0;
	set_tf(uc, true);
	return true;
}

void dr_model_resume(struct cpu *c, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];
	sigset_t old;
	int slot;

	if (!(g[REG_EFL] & KSTUB_RFLAGS_RF))
		return;
	g[REG_EFL] &= ~(greg_t)KSTUB_RFLAGS_RF;
	lock(&old);
	slot = exec_slot_at(rip);
	if (slot >= 0) {
		/* RF: run the real instruction once, then re-arm. */
		sim_text_patch(rip, &m.exec_orig[slot], 1);
		m.exec_armed &= (uint8_t)~(1u << slot);
		c->drstep = DRSTEP_RF;
		c->rf_addr = rip;
		c->user_tf = (g[REG_EFL] & KSTUB_RFLAGS_TF) != 0;
		set_tf(uc, true);
	}
	unlock(&old);
}

/*
 * The size of the memory access of an instruction, for the overlap test
 * of a data breakpoint: byte forms, 0x66 (16-bit), REX.W (64-bit), else
 * 32-bit; good for the moves, ALU ops and inc/dec compilers emit.
 */
unsigned insn_access_size(const uint8_t *p, size_t n)
{
	bool opsize = false, rexw = false;
	size_t i = 0;
	uint8_t op;

	for (; i < n; i++) {
		if (p[i] == 0x66)
			opsize = true;
		else if (p[i] == 0xf0 || p[i] == 0xf2 || p[i] == 0xf3 ||
			 p[i] == 0x2e || p[i] == 0x3e || p[i] == 0x26 ||
			 p[i] == 0x64 || p[i] == 0x65 || p[i] == 0x36)
			continue;
		else
			break;
	}
	if (i < n && (p[i] & 0xf0) == 0x40) {
		rexw = (p[i] & 8) != 0;
		i++;
	}
	if (i >= n)
		return 8;
	op = p[i];
	if (op == 0x0f)
		return i + 1 < n && (p[i + 1] == 0xb6 || p[i + 1] == 0xbe) ? 1
		       : i + 1 < n && (p[i + 1] == 0xb7 || p[i + 1] == 0xbf) ? 2
											: 16;
	if (op == 0x88 || op == 0x8a || op == 0xc6 || op == 0x80 ||
	    op == 0xfe || op == 0xf6 || (op < 0x40 && (op & 7) <= 2 && !(op & 1)))
		return 1;
	return rexw ? 8 : opsize ? 2 : 4;
}
