/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stop reply (RSP "Stop Reply Packets"): why the kernel stopped, on
 * which thread, with the registers gdb needs first.
 */
#include "kstub_int.h"

/* The reply size a line must carry before stop replies expedite. */
#define KSTUB_STOP_EXPEDITE_MIN 256

/*
 * The registers a stop expedites, from f: "nn:value;" in a T reply,
 * "\"n\":\"value\"" members (comma-separated) in a JSON object.
 */
void kstub_tx_expedite(struct kstub *ks, const struct kstub_frame *f,
		       bool json)
{
	uint8_t buf[8];
	unsigned i, n;
	bool first = true;

	for (i = 0; i < KSTUB_ARCH_NEXPEDITE; i++) {
		n = kstub_arch_expedite[i];
		/* None of them is a debug register: no view of those. */
		if (kstub_arch_reg_get(f, NULL, n, buf) != 8)
			continue;
		if (json) {
			kstub_tx_str(ks, first ? "\"" : ",\"");
			kstub_tx_decnum(ks, n);
			kstub_tx_str(ks, "\":\"");
		} else {
			kstub_tx_hex8(ks, (uint8_t)n);
			kstub_tx_putc(ks, ':');
		}
		kstub_tx_hexmem(ks, buf, 8);
		kstub_tx_putc(ks, json ? '"' : ';');
		first = false;
	}
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

	kstub_tx_putc(ks, 'T');
	kstub_tx_hex8(ks, st->signo);
	/*
	 * Expedited registers save gdb a 'g' per stop, but on a line that
	 * has shown it loses replies of this size they only make the one
	 * reply gdb cannot do without less likely to arrive: then gdb asks.
	 */
	if (f && ks->reply_cap >= KSTUB_STOP_EXPEDITE_MIN)
		kstub_tx_expedite(ks, f, false);
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
