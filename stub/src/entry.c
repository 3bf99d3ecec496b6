/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entering the stub: deciding whether a trap is ours, becoming the one
 * CPU that talks to gdb (the master), and polling the link for a
 * break-in while the kernel runs.
 */
#include "kstub_int.h"

#define POLL_LOCK_WAIT_MS 100
#define SEND_WAIT_MS 1000	/* more, for a holder in send() (below) */

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

static int classify_bp(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		       bool stepped, bool redo)
{
	uint64_t addr = f->rip - KSTUB_ARCH_BP_LEN;
	uint8_t byte;

	if (kstub_swbp_find(ks, addr)) {
		f->rip = addr;
		ks->stop.reason = KSTUB_STOP_SWBREAK;
		return stepped ? 1 : kstub_agent_hit(ks, cpu, f, false, redo);
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

static int classify_db(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		       bool stepped)
{
	struct kstub_cpu_slot *s = &ks->cpu[cpu];
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
			st->reason = kstub_agent_z0_on_dr(ks, slot->addr) ?
				     KSTUB_STOP_SWBREAK : KSTUB_STOP_HWBREAK;
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
	/* An exec hit is a fault before the insn: rip is the address. */
	if (found && (st->reason == KSTUB_STOP_HWBREAK ||
		      st->reason == KSTUB_STOP_SWBREAK) && !stepped &&
	    !hits.step && f->rip == st->addr)
		return kstub_agent_hit(ks, cpu, f, true, false);
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
	bool stepped = false, done = false;
	bool redo = s->agent_redo && f->rip - KSTUB_ARCH_BP_LEN == s->agent_addr;
	uint64_t fix;

	s->agent_redo = 0;
	st->cpu = cpu;
	st->tid = kstub_cpu_tid(ks, cpu);
	st->addr = 0;
	st->reason = KSTUB_STOP_NONE;
	st->signo = kstub_arch_signal(why->vector);
	st->fault = is_fault(why->vector);
	if (s->step.active) {
		done = step_done(ks, s, why->vector);
		if (kstub_arch_step_end(&s->step, f, &fix, done))
			fix_pushed_flags(ks, s, fix);
		stepped = true;
	}
	/*
	 * The stub's own step over a breakpoint whose condition was false
	 * (agent_hit.c), not gdb's: re-arm, and go on quietly unless
	 * something else (a watchpoint, a fault) came with it.
	 */
	if (s->agent_step) {
		kstub_agent_step_end(ks, s);
		stepped = false;
		if (done && !(s->dr6 & 0xfu))
			return 0;
		s->dr6 &= ~KSTUB_DR6_BS;
	}
	if (why->vector == KSTUB_TRAP_BP)
		return classify_bp(ks, cpu, f, stepped, redo);
	if (why->vector == KSTUB_TRAP_DB)
		return classify_db(ks, cpu, f, stepped);
	return 1;
}

/* Returns whether the link came with it (see below). */
static bool become_master(struct kstub *ks, uint32_t cpu,
			  struct kstub_frame *f)
{
	struct kstub_cpu_slot *s = &ks->cpu[cpu];
	uint64_t deadline, now;

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
	 * (or under us on this one). Give a writer on another CPU a moment
	 * to finish its packet. If it has not, the session takes the link
	 * only once the roundup has parked every other CPU (session.c):
	 * taken now, our stop reply would be written into the middle of a
	 * packet that a slow CPU is still sending (seen under QEMU on a
	 * loaded host, where a vCPU can stall for longer than this wait).
	 * A holder inside the transport's send() gets longer: parked there,
	 * it would put the rest of that burst on the wire after the session
	 * (its later sends it drops itself, rsp_stream.c). The longer wait
	 * is lost only when the holder is this CPU, interrupted mid-burst.
	 */
	deadline = kstub_now_us(ks) + POLL_LOCK_WAIT_MS * 1000ull;
	while ((now = kstub_now_us(ks)) < deadline ||
	       (kstub_load(&ks->link_sending) &&
		now < deadline + SEND_WAIT_MS * 1000ull)) {
		if (kstub_cas(&ks->poll_lock, 0, 1))
			return true;
		kstub_arch_relax();
	}
	return false;
}

static void give_up_master(struct kstub *ks, uint32_t cpu, bool link)
{
	if (link)
		kstub_store(&ks->poll_lock, 0);
	kstub_store(&ks->master, KSTUB_CPU_NONE);
	ks->cpu[cpu].frame = NULL;
	kstub_store(&ks->cpu[cpu].state, KSTUB_CPU_RUNNING);
}

int kstub_trap(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
	       const struct kstub_trap *why)
{
	struct kstub_cpu_slot *s;
	bool hangup_only, link;
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
	link = become_master(ks, cpu, f);
	r = classify(ks, cpu, f, why);
	if (r != 1) {
		/* A quiet step over a breakpoint keeps its TF (agent_hit.c). */
		if (r == 0 && !s->agent_step)
			kstub_arch_resume_prepare(f, kstub_dr_exec_at(ks, f->rip));
		kstub_dr_load(ks);
		give_up_master(ks, cpu, link);
		return r;
	}
	hangup_only = why->vector == KSTUB_TRAP_BREAKIN && ks->hangup_pending &&
		      !ks->break_pending && !ks->pkt_ready;
	ks->break_pending = 0;
	kstub_session_run(ks, cpu, hangup_only);
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

bool kstub_poll_break(struct kstub *ks)
{
	uint32_t own = kstub_link_take(ks);
	bool brk;
	int r;

	if (!own)
		return false;
	r = kstub_link_poll(ks, own);
	/* A session took the link while we drained it: all is its now. */
	if (kstub_link_lost(ks, own))
		return false;
	if (r == KSTUB_RX_INTR) {
		ks->break_pending = 1;
	} else if (r == KSTUB_ENOTCONN) {
		/*
		 * The peer is gone: what it sent is dropped now, so that
		 * whatever is framed from here on is the next peer's and
		 * survives the hangup (session.c).
		 */
		kstub_rx_reset(ks);
		ks->pkt_ready = 0;
		ks->break_pending = 0;
		kstub_link_end(ks);
		if (ks->attached)
			ks->hangup_pending = 1;
	}
	brk = ks->break_pending || ks->pkt_ready || ks->hangup_pending;
	kstub_link_give(ks, own);
	return brk;
}
