/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a debugger leaves behind when it goes: its breakpoints and
 * selections (a new one replaces it), and the link state (it hung up).
 */
#include "kstub_int.h"

/*
 * Forget what a debugger set up: its breakpoints and watchpoints, thread
 * selections and reply styles. The link state (ack mode, the packet
 * being handled) is left alone.
 */
void kstub_forget(struct kstub *ks)
{
	kstub_bp_remove_all(ks);
	ks->x_raw = 0;
	ks->g_tid = 0;
	ks->c_tid = 0;
	ks->list_cursor = 0;
	ks->greeted = 0;
	ks->threads_all = 0;
}

/*
 * The debugger is gone (or detached): nothing of it may stay in the
 * kernel, and the next debugger starts from scratch, in ack mode. The
 * link hears of it, so it can forget the peer it latched onto.
 */
void kstub_hangup(struct kstub *ks)
{
	kstub_hangup_keep_input(ks);
	kstub_rx_reset(ks);
	ks->pkt_ready = 0;
	kstub_link_end(ks);
}

/*
 * The same for a hangup whose input was dropped when it was noticed
 * (kstub_poll_break): a packet framed since is the next debugger's
 * first, and is answered.
 */
void kstub_hangup_keep_input(struct kstub *ks)
{
	kstub_forget(ks);
	ks->noack = 0;
	ks->attached = 0;
	ks->waiting = 0;
	kstub_link_fresh(ks);
}
