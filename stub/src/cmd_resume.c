/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * c, C, s, S, vCont, D, k, R: the commands that end a session. They only
 * record what each CPU does next; cpus.c carries it out (kstub_release,
 * kstub_cpu_leave) when the session loop returns.
 */
#include "kstub_int.h"

#define ORDER_UNSET 0xff

static void begin_resume(struct kstub *ks)
{
	ks->resume = 1;
	ks->waiting = 1;
}

/* A step done without resuming (over a hlt): stop there, as if trapped. */
static int stop_in_place(struct kstub *ks, uint32_t cpu)
{
	struct kstub_stop *st = &ks->stop;

	kstub_order_all(ks, KSTUB_GO_STAY);
	st->cpu = cpu;
	st->tid = kstub_cpu_tid(ks, cpu);
	st->addr = 0;
	st->reason = KSTUB_STOP_NONE;
	st->signo = kstub_arch_signal(KSTUB_TRAP_DB);
	st->fault = 0;
	ks->g_tid = 0;
	ks->c_tid = 0;
	ks->other_tid = 0;
	kstub_stop_reply(ks);
	return 0;
}

/*
 * Every CPU has its order: apply the stepping policy and resume. While a
 * CPU takes one step the others stay stopped unless the port asked
 * otherwise (kstub.h, KSTUB_CFG_STEP_RUNS_OTHERS): one instruction gives
 * them no progress anybody could observe, and letting them run would
 * cost an NMI roundup per step. Returns KSTUB_NOREPLY when the kernel
 * resumes, or 0 with a reply written when nothing moves.
 */
static int start(struct kstub *ks)
{
	uint32_t cpu, halted;
	bool step = false, moves = false;

	for (cpu = 0; cpu < ks->ncpus; cpu++)
		step |= ks->cpu[cpu].order == KSTUB_GO_STEP;
	halted = kstub_step_skip_halts(ks);
	if (halted != KSTUB_CPU_NONE ||
	    (step && !(ks->cfg.flags & KSTUB_CFG_STEP_RUNS_OTHERS)))
		for (cpu = 0; cpu < ks->ncpus; cpu++)
			if (ks->cpu[cpu].order == KSTUB_GO_CONT)
				ks->cpu[cpu].order = KSTUB_GO_STAY;
	for (cpu = 0; cpu < ks->ncpus; cpu++)
		moves |= ks->cpu[cpu].order != KSTUB_GO_STAY;
	if (moves) {
		begin_resume(ks);
		return KSTUB_NOREPLY;
	}
	if (halted != KSTUB_CPU_NONE)
		return stop_in_place(ks, halted);
	/* Only "t": everything is stopped already. */
	kstub_tx_str(ks, "OK");
	return 0;
}

/* A signal for a fault stop hands the fault to the kernel (oops/panic). */
static void pass_signal(struct kstub *ks, uint64_t sig)
{
	if (sig != 0 && ks->stop.fault && ks->stop.cpu < ks->ncpus)
		ks->cpu[ks->stop.cpu].pass = 1;
}

/* "c addr": resume the selected thread at addr. */
static int resume_at(struct kstub *ks, struct kstub_cur *a)
{
	struct kstub_frame *f;
	uint64_t addr;
	bool ro;
	int err;

	if (kstub_cur_eof(a))
		return 0;
	err = kstub_cur_hex(a, &addr);
	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	err = kstub_thread_frame(ks, kstub_resolve_tid(ks, ks->c_tid), &f, &ro);
	if (err)
		return err;
	if (ro)
		return KSTUB_EPERM;
	return kstub_arch_reg_set(f, KSTUB_REG_RIP, (const uint8_t *)&addr,
				  sizeof(addr));
}

static int parse_sig(struct kstub_cur *a, uint64_t *sig)
{
	int err = kstub_cur_hex(a, sig);

	if (err)
		return err;
	if (*sig > 0xff)
		return KSTUB_EINVAL;
	if (!kstub_cur_eof(a) && !kstub_cur_take(a, ';'))
		return KSTUB_EBADMSG;
	return 0;
}

static int do_continue(struct kstub *ks, struct kstub_cur *a, uint64_t sig)
{
	int err = resume_at(ks, a);

	if (err)
		return err;
	pass_signal(ks, sig);
	kstub_order_all(ks, KSTUB_GO_CONT);
	return start(ks);
}

/*
 * A plain s steps the Hc thread alone; the other CPUs stay stopped. S
 * with a signal hands a fault back to the kernel, as C does.
 */
static int do_step(struct kstub *ks, struct kstub_cur *a, uint64_t sig)
{
	int err = resume_at(ks, a);

	if (err)
		return err;
	kstub_order_all(ks, KSTUB_GO_STAY);
	err = kstub_order_tid(ks, kstub_resolve_tid(ks, ks->c_tid),
			      KSTUB_GO_STEP);
	if (err)
		return err;
	pass_signal(ks, sig);
	return start(ks);
}

int kstub_cmd_c(struct kstub *ks, struct kstub_cur *a)
{
	return do_continue(ks, a, 0);
}

int kstub_cmd_C(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t sig;
	int err = parse_sig(a, &sig);

	return err ? err : do_continue(ks, a, sig);
}

int kstub_cmd_s(struct kstub *ks, struct kstub_cur *a)
{
	return do_step(ks, a, 0);
}

int kstub_cmd_S(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t sig;
	int err = parse_sig(a, &sig);

	return err ? err : do_step(ks, a, sig);
}

int kstub_cmd_vcont_query(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	kstub_tx_str(ks, "vCont;c;C;s;S;t");
	return 0;
}

/* Apply one action to every CPU it names that has no order yet. */
static int vcont_apply(struct kstub *ks, uint8_t order, uint64_t sig,
		       bool all, uint64_t tid)
{
	uint32_t cpu;

	if (all) {
		for (cpu = 0; cpu < ks->ncpus; cpu++)
			if (ks->cpu[cpu].order == ORDER_UNSET &&
			    ks->cpu[cpu].frame)
				ks->cpu[cpu].order = order;
		if (order != KSTUB_GO_STAY)
			pass_signal(ks, sig);
		return 0;
	}
	cpu = kstub_tid_cpu(ks, tid);
	if (cpu == KSTUB_CPU_NONE)
		return kstub_thread_exists(ks, tid) ? KSTUB_EPERM : KSTUB_ESRCH;
	if (ks->cpu[cpu].order == ORDER_UNSET)
		ks->cpu[cpu].order = order;
	if (cpu == ks->stop.cpu && order != KSTUB_GO_STAY)
		pass_signal(ks, sig);
	return 0;
}

/* vCont;<action>[:<tid>]...: the first action naming a thread wins. */
int kstub_cmd_vcont(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t sig, tid;
	uint32_t cpu;
	bool all;
	uint8_t op, order;
	int err;

	for (cpu = 0; cpu < ks->ncpus; cpu++)
		ks->cpu[cpu].order = ORDER_UNSET;
	while (!kstub_cur_eof(a)) {
		if (!kstub_cur_take(a, ';') || kstub_cur_eof(a))
			goto bad;
		op = *a->p++;
		sig = 0;
		if (op == 'C' || op == 'S') {
			err = kstub_cur_hex(a, &sig);
			if (err)
				goto fail;
			/* The same limit as C and S: a GDB signal is a byte. */
			if (sig > 0xff) {
				err = KSTUB_EINVAL;
				goto fail;
			}
		} else if (op != 'c' && op != 's' && op != 't') {
			goto bad;
		}
		all = true;
		tid = 0;
		if (kstub_cur_take(a, ':')) {
			err = kstub_cur_tid(a, &tid, &all);
			if (err)
				goto fail;
		}
		order = op == 'c' || op == 'C'	 ? KSTUB_GO_CONT
			: op == 's' || op == 'S' ? KSTUB_GO_STEP
						 : KSTUB_GO_STAY;
		err = vcont_apply(ks, order, sig, all, tid);
		if (err)
			goto fail;
	}
	for (cpu = 0; cpu < ks->ncpus; cpu++)
		if (ks->cpu[cpu].order == ORDER_UNSET)
			ks->cpu[cpu].order = KSTUB_GO_STAY;
	return start(ks);
bad:
	err = KSTUB_EBADMSG;
fail:
	for (cpu = 0; cpu < ks->ncpus; cpu++)
		ks->cpu[cpu].pass = 0;
	kstub_order_all(ks, KSTUB_GO_STAY);
	return err;
}

/* The session state goes after the OK is sent (session.c). */
int kstub_cmd_detach(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	kstub_bp_remove_all(ks);
	kstub_order_all(ks, KSTUB_GO_CONT);
	ks->resume = 1;
	ks->detaching = 1;
	kstub_tx_str(ks, "OK");
	return 0;
}

/* A kernel cannot be killed; k ends the session as D does, silently. */
int kstub_cmd_kill(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	kstub_hangup(ks);
	kstub_order_all(ks, KSTUB_GO_CONT);
	ks->resume = 1;
	return KSTUB_NOREPLY;
}

int kstub_cmd_reboot(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	if (!ks->cfg.port->reboot)
		return KSTUB_ENOTSUP;
	kstub_hangup(ks);
	ks->cfg.port->reboot(ks->cfg.port_ctx);
	return KSTUB_NOREPLY;
}
