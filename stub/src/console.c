/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Text for the debugger's console, as O packets: a monitor command's
 * output (in a session, through tx_buf), and the kernel's console while
 * gdb waits for it to stop (framed apart, see below).
 */
#include "kstub_int.h"

/*
 * Send text as O packets, each acked before the next, in pieces that
 * fit the reply buffer.
 */
int kstub_send_console(struct kstub *ks, const char *s, size_t len)
{
	size_t n;
	int err;

	while (len > 0) {
		kstub_tx_begin(ks);
		kstub_tx_putc(ks, 'O');
		n = (kstub_tx_room(ks)) / 2;
		if (n > len)
			n = len;
		kstub_tx_hexstr(ks, s, n);
		kstub_tx_finish(ks);
		err = kstub_link_send(ks);
		if (err)
			return err;
		s += n;
		len -= n;
	}
	return 0;
}

/*
 * Console text while the kernel runs and gdb waits. The packet is
 * framed on this stack, not in tx_buf: a roundup may park this CPU
 * mid-packet (or a trap on this CPU interrupt it), and the session
 * then owns tx_buf and the line. When this CPU runs again the link
 * token says so (kstub_link_lost) and the rest of the text is dropped:
 * nothing more is sent, so the line carries the session's packets
 * after at most a cut one of ours, which gdb drops at their '$'.
 * Packets are small so the frame stays small; O text is hex only, so
 * there is nothing to escape or run-length encode.
 */
#define CONSOLE_PKT 128

int kstub_console_write(struct kstub *ks, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t pkt[CONSOLE_PKT];
	size_t n, i, cap = CONSOLE_PKT;
	uint32_t own;
	uint8_t sum;
	int err = 0;

	if (!ks->attached || !ks->waiting)
		return KSTUB_ENOTCONN;
	own = kstub_link_take(ks);
	if (!own)
		return KSTUB_EBUSY;
	/* "$O", two digits a byte, "#xx", within what the peer takes. */
	if (ks->reply_cap && ks->reply_cap + 4 < cap)
		cap = ks->reply_cap + 4;
	while (len > 0 && !err) {
		n = (cap - 5) / 2;
		if (n > len)
			n = len;
		pkt[0] = '$';
		pkt[1] = 'O';
		sum = 'O';
		for (i = 0; i < n; i++) {
			pkt[2 + 2 * i] = (uint8_t)hex[(uint8_t)s[i] >> 4];
			pkt[3 + 2 * i] = (uint8_t)hex[(uint8_t)s[i] & 15];
			sum = (uint8_t)(sum + pkt[2 + 2 * i] + pkt[3 + 2 * i]);
		}
		i = 2 + 2 * n;
		pkt[i++] = '#';
		pkt[i++] = (uint8_t)hex[sum >> 4];
		pkt[i++] = (uint8_t)hex[sum & 15];
		err = kstub_link_send_buf(ks, pkt, i, own);
		s += n;
		len -= n;
	}
	kstub_link_give(ks, own);
	return err;
}
