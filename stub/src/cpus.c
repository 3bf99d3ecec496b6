/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stopping and releasing the other CPUs. One CPU (the master) owns the
 * session; the others, sent here by the NMI (kstub_cpu_park), wait in
 * kstub_park_wait() on their own slot. Every
 * wait is bounded or waits on a CPU that is known to be on its way.
 *
 * The roundup handshake: the master sets a CPU's "want" flag and sends
 * the IPI; the CPU claims the request by clearing "want" (a CAS) and
 * parks. At release, a request nobody claimed is withdrawn by the master
 * with the same CAS and counted as "late", so the IPI that is still in
 * flight is swallowed instead of parking a CPU forever.
 */
#include "kstub_int.h"

static void relax(struct kstub *ks)
{
	if (ks->cfg.port->cpu_relax)
		ks->cfg.port->cpu_relax(ks->cfg.port_ctx);
	else
		kstub_arch_relax();
}

static void wait_state(struct kstub *ks, struct kstub_cpu_slot *s,
		       uint32_t state)
{
	while (kstub_load(&s->state) != state)
		relax(ks);
}

void kstub_order_all(struct kstub *ks, uint8_t order)
{
	uint32_t cpu;

	for (cpu = 0; cpu < ks->ncpus; cpu++)
		ks->cpu[cpu].order = order;
}

/* Give tid's CPU an order. A thread not on a stopped CPU cannot move. */
int kstub_order_tid(struct kstub *ks, uint64_t tid, uint8_t order)
{
	uint32_t cpu = kstub_tid_cpu(ks, tid);

	if (cpu == KSTUB_CPU_NONE)
		return kstub_thread_exists(ks, tid) ? KSTUB_EPERM : KSTUB_ESRCH;
	ks->cpu[cpu].order = order;
	return 0;
}

/*
 * Stop every CPU still running kernel code. Returns 0, or
 * KSTUB_ETIMEDOUT if some did not park in time (they are then shown
 * without registers and released with the others).
 */
static int roundup(struct kstub *ks, uint32_t self)
{
	const struct kstub_port_ops *port = ks->cfg.port;
	uint64_t deadline;
	uint32_t cpu, st;
	bool any = false;

	if (ks->ncpus < 2 || !port->cpus_stop)
		return 0;
	for (cpu = 0; cpu < ks->ncpus; cpu++) {
		st = kstub_load(&ks->cpu[cpu].state);
		if (cpu == self ||
		    (st != KSTUB_CPU_RUNNING && st != KSTUB_CPU_ENTERING))
			continue;
		ks->cpu[cpu].asked = 1;
		kstub_store(&ks->cpu[cpu].want, 1);
		any = true;
	}
	if (!any)
		return 0;
	if (port->cpus_stop(ks->cfg.port_ctx, self))
		return KSTUB_ETIMEDOUT;
	deadline = kstub_now_us(ks) + ks->cfg.roundup_timeout_ms * 1000ull;
	for (cpu = 0; cpu < ks->ncpus; cpu++) {
		if (!ks->cpu[cpu].asked)
			continue;
		while (kstub_load(&ks->cpu[cpu].state) != KSTUB_CPU_PARKED) {
			if (kstub_now_us(ks) >= deadline)
				return KSTUB_ETIMEDOUT;
			relax(ks);
		}
	}
	return 0;
}

/*
 * roundup(), timed and counted for "monitor cpus": how long the stop
 * took, and which CPUs never came (bounded by roundup_timeout_ms; their
 * threads then say "its CPU did not park").
 */
int kstub_roundup(struct kstub *ks, uint32_t self)
{
	uint64_t t0 = kstub_now_us(ks), dt;
	uint32_t cpu, missing = 0;
	int err = roundup(ks, self);

	dt = kstub_now_us(ks) - t0;
	ks->roundup_us = dt > 0xffffffffu ? 0xffffffffu : (uint32_t)dt;
	for (cpu = 0; cpu < ks->ncpus; cpu++)
		if (ks->cpu[cpu].asked &&
		    kstub_load(&ks->cpu[cpu].state) != KSTUB_CPU_PARKED)
			missing++;
	ks->roundup_missing = missing;
	return err;
}

/*
 * Wait here until the master lets this CPU go. If apply, carry out the
 * order and leave; otherwise (a CPU with its own trap still to report)
 * just return to contend for the session again.
 */
void kstub_park_wait(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		     bool apply)
{
	struct kstub_cpu_slot *s = &ks->cpu[cpu];

	s->frame = f;
	s->order = KSTUB_GO_STAY;
	kstub_store(&s->state, KSTUB_CPU_PARKED);
	while (!kstub_load(&s->go))
		relax(ks);
	kstub_store(&s->go, 0);
	if (apply) {
		kstub_cpu_leave(ks, cpu);
		return;
	}
	s->frame = NULL;
	kstub_store(&s->state, KSTUB_CPU_ENTERING);
}

static void read_insn(struct kstub *ks, uint64_t rip, uint8_t *buf,
		      size_t *n)
{
	long got = ks->cfg.port->mem_read(ks->cfg.port_ctx, rip, buf, 15);

	*n = got > 0 ? (size_t)got : 0;
	kstub_swbp_hide(ks, rip, buf, *n);
}

/*
 * hlt is never single-stepped. With IF clear for the step (step_begin),
 * no interrupt would end the halt and the CPU would stay halted for
 * good; with IF left set, the interrupt handler would run inside the
 * step. A halt may end at any interrupt, so a kernel already copes with
 * one that ends at once: the stub moves rip past the hlt, runs nothing,
 * and the step is done. The CPU stays stopped. Returns the first CPU
 * whose step was done this way, or KSTUB_CPU_NONE.
 */
uint32_t kstub_step_skip_halts(struct kstub *ks)
{
	uint32_t cpu, first = KSTUB_CPU_NONE;
	uint8_t insn[15];
	size_t n;

	for (cpu = 0; cpu < ks->ncpus; cpu++) {
		struct kstub_cpu_slot *s = &ks->cpu[cpu];

		/* A CPU handing a fault back to the kernel steps nothing. */
		if (s->order != KSTUB_GO_STEP || !s->frame || s->pass)
			continue;
		read_insn(ks, s->frame->rip, insn, &n);
		if (kstub_arch_insn_classify(insn, n) != KSTUB_INSN_HLT)
			continue;
		s->frame->rip += kstub_arch_insn_opcode(insn, n) + 1;
		s->order = KSTUB_GO_STAY;
		if (first == KSTUB_CPU_NONE)
			first = cpu;
	}
	return first;
}

/* Carry out this CPU's order on its frame and load the debug registers. */
void kstub_cpu_leave(struct kstub *ks, uint32_t cpu)
{
	struct kstub_cpu_slot *s = &ks->cpu[cpu];
	struct kstub_frame *f = s->frame;
	bool rf = kstub_dr_exec_at(ks, f->rip);
	uint8_t insn[15];
	size_t n;

	/* A roundup undid its quiet step (kstub_cpu_park): re-arm. */
	if (s->agent_step)
		kstub_agent_step_end(ks, s);
	if (s->order == KSTUB_GO_STEP) {
		read_insn(ks, f->rip, insn, &n);
		kstub_arch_step_begin(&s->step, f,
				      kstub_arch_insn_classify(insn, n), rf);
	} else {
		kstub_arch_resume_prepare(f, rf);
	}
	kstub_dr_load(ks);
	s->frame = NULL;
	kstub_store(&s->state, KSTUB_CPU_RUNNING);
}

/*
 * End the session: release the parked CPUs that have somewhere to go,
 * give up mastership, and, if this CPU itself was told to stay (another
 * CPU steps alone), park until a later session releases it.
 */
void kstub_release(struct kstub *ks, uint32_t self)
{
	struct kstub_cpu_slot *s;
	uint32_t cpu;

	kstub_dr_refresh_shadows(ks);
	for (cpu = 0; cpu < ks->ncpus; cpu++) {
		s = &ks->cpu[cpu];
		if (cpu == self)
			continue;
		if (s->asked) {
			s->asked = 0;
			if (kstub_cas(&s->want, 1, 0)) {
				__atomic_fetch_add(&s->late, 1, __ATOMIC_ACQ_REL);
				continue;
			}
			/* It claimed the request: it is parking right now. */
			wait_state(ks, s, KSTUB_CPU_PARKED);
		}
		if (kstub_load(&s->state) != KSTUB_CPU_PARKED ||
		    s->order == KSTUB_GO_STAY)
			continue;
		kstub_store(&s->go, 1);
		/*
		 * Wait until it has read its order and left: a trap right
		 * after this one (a step is one instruction long) would
		 * otherwise reset that order and count the CPU as parked
		 * while it runs.
		 */
		while (kstub_load(&s->state) == KSTUB_CPU_PARKED)
			relax(ks);
	}
	s = &ks->cpu[self];
	if (s->order == KSTUB_GO_STAY) {
		kstub_store(&s->state, KSTUB_CPU_PARKED);
		kstub_store(&ks->master, KSTUB_CPU_NONE);
		while (!kstub_load(&s->go))
			relax(ks);
		kstub_store(&s->go, 0);
		return;
	}
	kstub_store(&ks->master, KSTUB_CPU_NONE);
}

/*
 * The roundup IPI's handler: park if the master asked for this CPU, or
 * swallow an IPI whose request was withdrawn (kstub_release's "late").
 */
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
			s->agent_redo = s->agent_step;
		}
		kstub_park_wait(ks, cpu, f, true);
		return 0;
	}
	late = kstub_load(&s->late);
	while (late && !kstub_cas(&s->late, late, late - 1))
		late = kstub_load(&s->late);
	return late ? 0 : KSTUB_EPASS;
}
