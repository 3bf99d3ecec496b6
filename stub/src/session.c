/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A debugger session while the kernel is stopped: the command loop that
 * serves gdb until it resumes the kernel, and what happens when it
 * detaches or vanishes.
 */
#include "kstub_int.h"

/*
 * Serve gdb until a command resumes the kernel. If gdb is waiting for
 * this stop, tell it first. A debugger that vanishes takes its
 * breakpoints with it; then the kernel either resumes or waits here for
 * the next debugger, as configured.
 */
static void serve(struct kstub *ks)
{
	int err;

	ks->resume = 0;
	if (ks->hangup_pending) {
		/* Noticed while the kernel ran; its input went then. */
		ks->hangup_pending = 0;
		kstub_hangup_keep_input(ks);
	}
	/*
	 * A debugger waiting for a stop sends nothing but ^C: a packet that
	 * came while the kernel ran is from one that does not wait (a new
	 * one, on a line that cannot tell a hangup). It gets the answer to
	 * its packet, not a stop reply it did not ask for ('?' gives it).
	 */
	if (ks->pkt_ready)
		ks->waiting = 0;
	if (ks->waiting && ks->attached) {
		ks->waiting = 0;
		kstub_tx_begin(ks);
		kstub_stop_reply(ks);
		kstub_tx_finish(ks);
		if (kstub_link_send(ks) == KSTUB_ENOTCONN)
			kstub_hangup(ks);
	}
	ks->waiting = 0;
	while (!ks->resume) {
		err = kstub_link_recv(ks);
		if (err == 0)
			err = kstub_dispatch(ks);
		if (ks->detaching) {
			/* D: its OK is on the wire; now forget the debugger. */
			ks->detaching = 0;
			kstub_hangup(ks);
			continue;
		}
		if (err) {
			bool was = ks->attached;

			kstub_hangup(ks);
			if (was && (ks->cfg.flags & KSTUB_CFG_RESUME_ON_HANGUP) &&
			    !ks->stop.fault) {
				kstub_order_all(ks, KSTUB_GO_CONT);
				ks->resume = 1;
			}
		}
	}
}

/*
 * The session of one stop: stop the other CPUs, serve the debugger (or
 * only clean up after one that hung up while the kernel ran) and hand
 * the link back to the kernel. The caller is the master; it releases
 * the CPUs afterwards.
 */
void kstub_session_run(struct kstub *ks, uint32_t cpu, bool hangup_only)
{
	const struct kstub_transport_ops *link = ks->cfg.link;

	kstub_order_all(ks, KSTUB_GO_STAY);
	ks->other_tid = 0;
	ks->g_tid = 0;
	ks->c_tid = 0;
	kstub_roundup(ks, cpu);
	/*
	 * Ours now even if poll_break or console_write still holds it: the
	 * holder is parked, or is this CPU, interrupted (entry.c).
	 */
	kstub_store(&ks->poll_lock, 1);
	/* A parked sender's mark must not make the next master wait. */
	kstub_store(&ks->link_sending, 0);
	if (link->enter)
		link->enter(ks->cfg.link_ctx);
	if (hangup_only) {
		/* gdb vanished while the kernel ran: clean up, keep running. */
		ks->hangup_pending = 0;
		kstub_hangup(ks);
		kstub_order_all(ks, KSTUB_GO_CONT);
	} else {
		serve(ks);
	}
	if (link->leave)
		link->leave(ks->cfg.link_ctx);
	kstub_store(&ks->poll_lock, 0);
}

bool kstub_attached(const struct kstub *ks)
{
	return ks->attached;
}
