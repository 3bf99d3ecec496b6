/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entering the stub: deciding whether a trap is ours, becoming the one
 * CPU that talks to gdb, and the stop reply that tells gdb why.
 */
#include "kstub_int.h"

#define POLL_LOCK_WAIT_MS 100
/* The reply size a line must carry before stop replies expedite. */
#define KSTUB_STOP_EXPEDITE_MIN 256

static bool is_fault(uint32_t vector)
{
	return vector < 32 && vector != KSTUB_TRAP_DB &&
	       vector != KSTUB_TRAP_NMI && vector != KSTUB_TRAP_BP;
}

/* The flags word a stepped pushf stored still has our TF and IF in it. */
static void fix_pushed_flags(struct kstub *ks, struct kstub_cpu_slot *s,
			     uint64_t addr)
{
	const struct kstub_port_ops *port = ks->cfg.port;
	uint8_t b[2];
	uint16_t v;

	if (port->mem_read(ks->cfg.port_ctx, addr, b, 2) != 2)
		return;
	v = kstub_arch_step_fix_pushed(&s->step, (uint16_t)(b[0] | b[1] << 8));
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	port->mem_write(ks->cfg.port_ctx, addr, b, 2);
}

static int classify_bp(struct kstub *ks, struct kstub_frame *f, bool stepped)
{
	uint64_t addr = f->rip - KSTUB_ARCH_BP_LEN;
	uint8_t byte;

	if (kstub_swbp_find(ks, addr)) {
		f->rip = addr;
		ks->stop.reason = KSTUB_STOP_SWBREAK;
		return 1;
	}
	if (ks->cfg.port->mem_read(ks->cfg.port_ctx, addr, &byte, 1) == 1 &&
	    byte != KSTUB_ARCH_BP_INSN) {
		/* Our int3, removed while this CPU was on its way in. */
		f->rip = addr;
		return stepped ? 1 : 0;
	}
	/* An int3 compiled into the kernel (kstub_breakpoint()). */
	return 1;
}

/*
 * DR6 names slots the master has freed: this CPU hit one while gdb was
 * removing it, before the new DR7 reached it. The hit is ours (the stub
 * owns DR0-3), so resume quietly. Its DRn still holds the old address;
 * if that is rip, it was an exec breakpoint (a fault: the instruction has
 * not run) and RF is needed to get past it. A data hit is a trap after
 * the access and must not get RF, or a breakpoint on the next
 * instruction would be skipped.
 */
static int stale_hit(struct kstub *ks, struct kstub_frame *f, uint64_t dr6)
{
	unsigned i;

	for (i = 0; i < KSTUB_DR_SLOTS; i++)
		if ((dr6 & (1ull << i)) &&
		    ks->cfg.port->dr_get(ks->cfg.port_ctx, i) == f->rip)
			f->rflags |= KSTUB_RFLAGS_RF;
	return 0;
}

static int classify_db(struct kstub *ks, struct kstub_cpu_slot *s,
		       struct kstub_frame *f, bool stepped)
{
	struct kstub_dr_hits hits;
	struct kstub_stop *st = &ks->stop;
	bool found = false;
	unsigned i;

	kstub_arch_dr6_decode(&ks->dr, s->dr6, &hits);
	for (i = 0; i < KSTUB_DR_SLOTS && !found; i++) {
		const struct kstub_hw_slot *slot = &ks->dr.slot[i];

		if (!(hits.slots & (1u << i)))
			continue;
		found = true;
		st->addr = slot->addr;
		switch (slot->kind) {
		case KSTUB_HW_EXEC:
			st->reason = KSTUB_STOP_HWBREAK;
			break;
		case KSTUB_HW_WRITE:
			st->reason = KSTUB_STOP_WATCH;
			break;
		case KSTUB_HW_ACCESS:
			st->reason = KSTUB_STOP_AWATCH;
			break;
		default:
			found = kstub_dr_read_hit(ks, i);
			st->reason = found ? KSTUB_STOP_RWATCH : KSTUB_STOP_NONE;
			break;
		}
	}
	if (found || stepped || hits.step)
		return 1;
	/* Only writes under a read watchpoint: nothing to tell gdb. */
	if (hits.slots)
		return 0;
	if (s->dr6 & 0xfu)
		return stale_hit(ks, f, s->dr6);
	return KSTUB_EPASS;
}

/*
 * Did the step end with its own trap? Only then did the instruction run
 * (and a pushf push our flags). Without the port's DR hooks DR6 cannot
 * be read, so a #DB during a step is taken to be the step's.
 */
static bool step_done(struct kstub *ks, struct kstub_cpu_slot *s,
		      uint32_t vector)
{
	if (vector != KSTUB_TRAP_DB)
		return false;
	return !kstub_have_dr(ks) || (s->dr6 & KSTUB_DR6_BS) != 0;
}

/*
 * Is this trap the stub's to report? 1: stop and tell gdb; 0: ours but
 * not worth a stop (resume at once); KSTUB_EPASS: the kernel's.
 */
static int classify(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		    const struct kstub_trap *why)
{
	struct kstub_cpu_slot *s = &ks->cpu[cpu];
	struct kstub_stop *st = &ks->stop;
	bool stepped = false;
	uint64_t fix;

	st->cpu = cpu;
	st->tid = kstub_cpu_tid(ks, cpu);
	st->addr = 0;
	st->reason = KSTUB_STOP_NONE;
	st->signo = kstub_arch_signal(why->vector);
	st->fault = is_fault(why->vector);
	if (s->step.active) {
		if (kstub_arch_step_end(&s->step, f, &fix,
					step_done(ks, s, why->vector)))
			fix_pushed_flags(ks, s, fix);
		stepped = true;
	}
	if (why->vector == KSTUB_TRAP_BP)
		return classify_bp(ks, f, stepped);
	if (why->vector == KSTUB_TRAP_DB)
		return classify_db(ks, s, f, stepped);
	return 1;
}

void kstub_stop_reply(struct kstub *ks)
{
	static const char *const names[] = {
		[KSTUB_STOP_SWBREAK] = "swbreak:",
		[KSTUB_STOP_HWBREAK] = "hwbreak:",
		[KSTUB_STOP_WATCH] = "watch:",
		[KSTUB_STOP_RWATCH] = "rwatch:",
		[KSTUB_STOP_AWATCH] = "awatch:",
	};
	const struct kstub_stop *st = &ks->stop;
	const struct kstub_frame *f =
		st->cpu < ks->ncpus ? ks->cpu[st->cpu].frame : NULL;
	struct kstub_dr_view dv;
	uint8_t buf[8];
	unsigned i, n;

	kstub_tx_putc(ks, 'T');
	kstub_tx_hex8(ks, st->signo);
	kstub_dr_view(ks, &dv);
	/*
	 * Expedited registers save gdb a 'g' per stop, but on a line that
	 * has shown it loses replies of this size they only make the one
	 * reply gdb cannot do without less likely to arrive: then gdb asks.
	 */
	if (ks->reply_cap < KSTUB_STOP_EXPEDITE_MIN)
		f = NULL;
	for (i = 0; f && i < KSTUB_ARCH_NEXPEDITE; i++) {
		n = kstub_arch_expedite[i];
		if (kstub_arch_reg_get(f, &dv, n, buf) != 8)
			continue;
		kstub_tx_hex8(ks, (uint8_t)n);
		kstub_tx_putc(ks, ':');
		kstub_tx_hexmem(ks, buf, 8);
		kstub_tx_putc(ks, ';');
	}
	kstub_tx_str(ks, "thread:");
	kstub_tx_hexnum(ks, st->tid);
	/* No "core:": qXfer:threads carries it, and every step pays for it. */
	kstub_tx_putc(ks, ';');
	if (st->reason == KSTUB_STOP_NONE ||
	    (st->reason == KSTUB_STOP_SWBREAK && !ks->peer_swbreak) ||
	    (st->reason == KSTUB_STOP_HWBREAK && !ks->peer_hwbreak))
		return;
	kstub_tx_str(ks, names[st->reason]);
	if (st->reason >= KSTUB_STOP_WATCH)
		kstub_tx_hexnum(ks, st->addr);
	kstub_tx_putc(ks, ';');
}

static void become_master(struct kstub *ks, uint32_t cpu,
			  struct kstub_frame *f)
{
	struct kstub_cpu_slot *s = &ks->cpu[cpu];
	uint64_t deadline;

	while (!kstub_cas(&ks->master, KSTUB_CPU_NONE, cpu)) {
		/* Another CPU owns the session and wants us parked. */
		if (kstub_cas(&s->want, 1, 0))
			kstub_park_wait(ks, cpu, f, false);
		kstub_arch_relax();
	}
	s->frame = f;
	kstub_store(&s->state, KSTUB_CPU_MASTER);
	/*
	 * poll_break or console_write may be using the link on another CPU
	 * (or under us on this one): wait a little, then take it anyway.
	 */
	deadline = kstub_now_us(ks) + POLL_LOCK_WAIT_MS * 1000ull;
	while (!kstub_cas(&ks->poll_lock, 0, 1) &&
	       kstub_now_us(ks) < deadline)
		kstub_arch_relax();
	kstub_store(&ks->poll_lock, 1);
}

static void give_up_master(struct kstub *ks, uint32_t cpu)
{
	kstub_store(&ks->poll_lock, 0);
	kstub_store(&ks->master, KSTUB_CPU_NONE);
	ks->cpu[cpu].frame = NULL;
	kstub_store(&ks->cpu[cpu].state, KSTUB_CPU_RUNNING);
}

static void run_session(struct kstub *ks, uint32_t cpu, bool hangup_only)
{
	const struct kstub_transport_ops *link = ks->cfg.link;

	kstub_order_all(ks, KSTUB_GO_STAY);
	ks->other_tid = 0;
	ks->g_tid = 0;
	ks->c_tid = 0;
	kstub_roundup(ks, cpu);
	if (link->enter)
		link->enter(ks->cfg.link_ctx);
	if (hangup_only) {
		/* gdb vanished while the kernel ran: clean up, keep running. */
		ks->hangup_pending = 0;
		kstub_hangup(ks);
		kstub_order_all(ks, KSTUB_GO_CONT);
	} else {
		kstub_session(ks);
	}
	if (link->leave)
		link->leave(ks->cfg.link_ctx);
	kstub_store(&ks->poll_lock, 0);
}

int kstub_trap(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
	       const struct kstub_trap *why)
{
	struct kstub_cpu_slot *s;
	bool hangup_only;
	int r;

	if (cpu >= ks->ncpus)
		return KSTUB_EPASS;
	s = &ks->cpu[cpu];
	/*
	 * A trap inside the stub on this CPU never recurses into it: a
	 * fault in a command is contained, anything else is the kernel's.
	 */
	if (!kstub_cas(&s->state, KSTUB_CPU_RUNNING, KSTUB_CPU_ENTERING))
		return kstub_recover_trap(ks, cpu, f, why);
	s->dr6 = kstub_dr_enter(ks);
	become_master(ks, cpu, f);
	r = classify(ks, cpu, f, why);
	if (r != 1) {
		if (r == 0)
			kstub_arch_resume_prepare(f, kstub_dr_exec_at(ks, f->rip));
		kstub_dr_load(ks);
		give_up_master(ks, cpu);
		return r;
	}
	hangup_only = why->vector == KSTUB_TRAP_BREAKIN && ks->hangup_pending &&
		      !ks->break_pending && !ks->pkt_ready;
	ks->break_pending = 0;
	run_session(ks, cpu, hangup_only);
	r = s->pass ? KSTUB_EPASS : 0;
	s->pass = 0;
	kstub_release(ks, cpu);
	if (r == KSTUB_EPASS) {
		kstub_dr_load(ks);
		s->frame = NULL;
		kstub_store(&s->state, KSTUB_CPU_RUNNING);
		return r;
	}
	kstub_cpu_leave(ks, cpu);
	return 0;
}

int kstub_cpu_park(struct kstub *ks, uint32_t cpu, struct kstub_frame *f)
{
	struct kstub_cpu_slot *s;
	uint32_t late;

	if (cpu >= ks->ncpus)
		return KSTUB_EPASS;
	s = &ks->cpu[cpu];
	if (kstub_load(&s->state) != KSTUB_CPU_RUNNING)
		return 0;	/* already in the stub: the IPI is redundant */
	if (kstub_cas(&s->want, 1, 0)) {
		s->dr6 = kstub_dr_enter(ks);
		/*
		 * A step still in flight has not run its instruction: the
		 * single-step trap outranks an NMI (SDM vol. 3 6.9), so had
		 * it run we would be in kstub_trap. Undo it, so this CPU
		 * does not leave with TF set and the kernel's IF lost.
		 */
		if (s->step.active) {
			uint64_t fix;

			kstub_arch_step_end(&s->step, f, &fix, false);
		}
		kstub_park_wait(ks, cpu, f, true);
		return 0;
	}
	late = kstub_load(&s->late);
	while (late && !kstub_cas(&s->late, late, late - 1))
		late = kstub_load(&s->late);
	return late ? 0 : KSTUB_EPASS;
}

bool kstub_poll_break(struct kstub *ks)
{
	bool brk;
	int r;

	if (kstub_load(&ks->master) != KSTUB_CPU_NONE ||
	    !kstub_cas(&ks->poll_lock, 0, 1))
		return false;
	r = kstub_link_drain(ks);
	if (r == KSTUB_RX_INTR)
		ks->break_pending = 1;
	else if (r == KSTUB_ENOTCONN && ks->attached)
		ks->hangup_pending = 1;
	brk = ks->break_pending || ks->pkt_ready || ks->hangup_pending;
	kstub_store(&ks->poll_lock, 0);
	return brk;
}

int kstub_console_write(struct kstub *ks, const char *s, size_t len)
{
	int err;

	if (!ks->attached || !ks->waiting)
		return KSTUB_ENOTCONN;
	if (kstub_load(&ks->master) != KSTUB_CPU_NONE ||
	    !kstub_cas(&ks->poll_lock, 0, 1))
		return KSTUB_EBUSY;
	err = kstub_send_console(ks, s, len);
	kstub_store(&ks->poll_lock, 0);
	return err;
}

bool kstub_attached(const struct kstub *ks)
{
	return ks->attached;
}
