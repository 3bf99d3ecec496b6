/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Packets over a byte link (a UART): the stub frames them itself, with
 * acks, bounded retransmission and a reply size fitted to the line (RSP
 * "Packet Acknowledgment"). Only link.c calls in here; packet links
 * never come this way.
 */
#include "kstub_int.h"

/*
 * Hand bytes to the link. On a link that says how long they take on the
 * wire, note when they will all be out: they queue behind what is still
 * going out from earlier sends.
 */
static int send_raw(struct kstub *ks, const uint8_t *p, size_t n)
{
	const struct kstub_transport_ops *l = ks->cfg.link;
	int err = l->send(ks->cfg.link_ctx, p, n);
	uint64_t now;

	if (err == 0 && l->flush)
		err = l->flush(ks->cfg.link_ctx);
	if (err == 0 && l->tx_time_us) {
		now = kstub_now_us(ks);
		if (ks->wire_free_us < now)
			ks->wire_free_us = now;
		ks->wire_free_us += l->tx_time_us(ks->cfg.link_ctx, n);
	}
	return err;
}

/*
 * A holder's packet (own, see kstub_link_lost), marked as going out
 * while the transport has it: a master lets such a burst finish before
 * it parks its sender (entry.c), since the bytes left of a burst cut
 * there would reach the wire after the session, outside any packet.
 */
static int send_owned(struct kstub *ks, const uint8_t *p, size_t n,
		      uint32_t own)
{
	int err;

	if (!own)
		return send_raw(ks, p, n);
	kstub_store(&ks->link_sending, own);
	err = kstub_link_lost(ks, own) ? KSTUB_EBUSY : send_raw(ks, p, n);
	kstub_cas(&ks->link_sending, own, 0);
	return err;
}

/*
 * When a wait for gdb's answer starts: now, or once the bytes sent are
 * off the wire (gdb cannot answer what it has not got).
 */
uint64_t kstub_stream_answer_from(struct kstub *ks)
{
	uint64_t now = kstub_now_us(ks);

	if (ks->cfg.link->tx_time_us && ks->wire_free_us > now)
		return ks->wire_free_us;
	return now;
}

/*
 * Next byte from gdb, polling until deadline_us (0: just once).
 * Returns the byte, KSTUB_EAGAIN at the deadline, KSTUB_ENOTCONN or
 * KSTUB_EIO from the link.
 */
static int getc_until(struct kstub *ks, uint64_t deadline_us)
{
	int c;

	for (;;) {
		c = ks->cfg.link->recv_byte(ks->cfg.link_ctx);
		if (c >= 0) {
			ks->last_rx_us = kstub_now_us(ks);
			return c;
		}
		if (c != KSTUB_EAGAIN)
			return c;
		if (deadline_us == 0 || kstub_now_us(ks) >= deadline_us)
			return KSTUB_EAGAIN;
	}
}

/*
 * Line quality. gdb gives up on a reply after three bad copies, so on a
 * noisy line a long reply is lost for good: replies that may be short
 * (m, x, qXfer, thread lists) are sized to what the line has shown it
 * carries. A session starts at KSTUB_REPLY_CAP_START and grows to a
 * quarter of the bytes delivered cleanly, up to the buffer; once faults
 * (naks, lost acks, bad checksums, cut packets) are seen, it is kept to
 * a sixteenth of the average clean stretch between them, so that few
 * replies meet a fault at all.
 */
#define KSTUB_REPLY_CAP_MIN 64
#define KSTUB_REPLY_CAP_START 1024

static void line_size(struct kstub *ks)
{
	uint32_t want = ks->clean_bytes / 4;

	if (ks->cfg.link->flags & KSTUB_LINK_RELIABLE) {
		ks->reply_cap = ks->pkt_max;
		return;
	}
	if (ks->fault_gap && ks->fault_gap / 16 > want)
		want = ks->fault_gap / 16;
	if (!ks->fault_gap && want < KSTUB_REPLY_CAP_START)
		want = KSTUB_REPLY_CAP_START;
	if (want < KSTUB_REPLY_CAP_MIN)
		want = KSTUB_REPLY_CAP_MIN;
	ks->reply_cap = want < ks->pkt_max ? want : ks->pkt_max;
}

void kstub_stream_fresh(struct kstub *ks)
{
	ks->clean_bytes = 0;
	ks->fault_gap = 0;
	ks->unconfirmed = 0;
	line_size(ks);
}

static void line_fault(struct kstub *ks)
{
	uint64_t gap = ks->fault_gap ? (3ull * ks->fault_gap + ks->clean_bytes) / 4
				     : ks->clean_bytes;

	ks->fault_gap = gap ? (uint32_t)gap : 1;
	ks->clean_bytes = 0;
	line_size(ks);
}

static void line_clean(struct kstub *ks, size_t n)
{
	if (ks->clean_bytes < (1u << 30))
		ks->clean_bytes += (uint32_t)n;
	line_size(ks);
}

/* Got a whole packet: acknowledge it at once (own: see send_owned). */
static int accept_packet(struct kstub *ks, uint32_t own)
{
	static const uint8_t plus = '+';

	ks->pkt_ready = 1;
	if (ks->noack)
		return 0;
	return send_owned(ks, &plus, 1, own);
}

static int reject_packet(struct kstub *ks, uint32_t own)
{
	static const uint8_t minus = '-';

	line_fault(ks);
	if (ks->noack)
		return 0;
	return send_owned(ks, &minus, 1, own);
}

/*
 * A packet cut short (its '#' lost) while the kernel is stopped: once
 * the line has been quiet for an ack timeout, drop it and nak, so gdb
 * resends now rather than at its own timeout.
 */
static void cut_packet(struct kstub *ks)
{
	uint64_t now;

	if (!kstub_rx_busy(ks))
		return;
	now = kstub_now_us(ks);
	if (ks->partial_since == 0) {
		ks->partial_since = now;
	} else if (now - ks->partial_since >=
		   ks->cfg.ack_timeout_ms * 1000ull) {
		kstub_rx_reset(ks);
		reject_packet(ks, 0);
		ks->partial_since = 0;
	}
}

/*
 * A poll or console write holds the link with its own token in
 * poll_lock (kstub_link_take). A master that took the link since has
 * overwritten it: from then on the holder sends, reads and frames
 * nothing, since the line, the framer and tx_buf are the session's.
 */
bool kstub_link_lost(struct kstub *ks, uint32_t own)
{
	return own && kstub_load(&ks->poll_lock) != own;
}

/*
 * Read what is waiting, without blocking: at most buf_len bytes a call,
 * enough for a whole packet of the largest size, so a line that never
 * runs dry (a flood, a stuck receiver) cannot keep the caller. The
 * framer keeps its place between calls.
 * own: the kernel runs (kstub_poll_break holds the link with this
 * token; 0: a session): ^C counts, and neither a cut packet nor a nak
 * is acted on until the kernel stops.
 * Returns KSTUB_RX_PACKET (acked, in rx_buf), KSTUB_RX_INTR (running
 * only), 0 for nothing yet, or KSTUB_ENOTCONN.
 */
int kstub_stream_poll(struct kstub *ks, uint32_t own)
{
	size_t budget = ks->cfg.buf_len;
	bool running = own != 0;
	int c;

	while (budget-- > 0) {
		if (kstub_link_lost(ks, own))
			return 0;
		c = getc_until(ks, 0);
		if (c == KSTUB_EAGAIN) {
			if (!running)
				cut_packet(ks);
			return 0;
		}
		if (c < 0)
			return KSTUB_ENOTCONN;
		ks->partial_since = 0;
		/*
		 * gdb naks while waiting for a reply: the last one, whose ack
		 * we took from garbage, did not reach it after all.
		 */
		if (!running && c == '-' && ks->unconfirmed &&
		    !kstub_rx_busy(ks)) {
			ks->unconfirmed = 0;
			if (kstub_stream_send(ks) == KSTUB_ENOTCONN)
				return KSTUB_ENOTCONN;
			continue;
		}
		if (kstub_link_lost(ks, own))
			return 0;	/* the byte was the session's */
		switch (kstub_rx_byte(ks, (uint8_t)c)) {
		case KSTUB_RX_PACKET:
			ks->unconfirmed = 0;
			if (accept_packet(ks, own) == KSTUB_ENOTCONN)
				return KSTUB_ENOTCONN;
			return KSTUB_RX_PACKET;
		case KSTUB_RX_BADSUM:
			reject_packet(ks, own);
			break;
		case KSTUB_RX_INTR:
			/* ^C while stopped means nothing. */
			if (running)
				return KSTUB_RX_INTR;
			break;
		default:
			/* Stray acks mean nothing. */
			break;
		}
	}
	return 0;
}

/*
 * Transmit the reply framed in tx_buf and wait for its ack: a nak or
 * silence retransmits it. Silence ends it after ack_retries transmissions
 * in all; naks, which prove gdb is there and listening, after
 * KSTUB_NAK_FACTOR times as many. A '$' instead of the ack means gdb got
 * the reply and is already sending the next packet: that byte goes to
 * the framer. So does any other byte: it is a garbled ack or the body of
 * gdb's next packet, whose '$' the line ate. Resending on silence then
 * would hand gdb this reply as the answer to that next packet, the one
 * mistake RSP cannot recover from; if the ack was really a garbled nak,
 * gdb naks again and kstub_stream_poll() resends.
 */
#define KSTUB_NAK_FACTOR 16

int kstub_stream_send(struct kstub *ks)
{
	return kstub_stream_send_buf(ks, ks->cfg.tx_buf, ks->tx.end, 0);
}

/*
 * The same for a packet framed elsewhere (a console write's, on its own
 * stack) by a holder of the link with token own, which gives up with
 * KSTUB_EBUSY as soon as a session has taken the link: every send and
 * every read is checked against that first.
 */
int kstub_stream_send_buf(struct kstub *ks, const uint8_t *p, size_t n,
			  uint32_t own)
{
	uint32_t silent = 1, naks = 0;
	uint64_t deadline;
	int c, err;

	if (kstub_link_lost(ks, own))
		return KSTUB_EBUSY;
	err = send_owned(ks, p, n, own);
	if (err)
		return err;
	if (ks->noack)
		return 0;
	deadline = kstub_stream_answer_from(ks) +
		   ks->cfg.ack_timeout_ms * 1000ull;
	for (;;) {
		if (kstub_link_lost(ks, own))
			return KSTUB_EBUSY;
		c = getc_until(ks, deadline);
		if (kstub_link_lost(ks, own))
			return KSTUB_EBUSY;	/* the byte was the session's */
		if (c == '+' || c == '$') {
			if (silent + naks == 1)
				line_clean(ks, n);
			if (c == '$')
				kstub_rx_byte(ks, (uint8_t)c);
			return 0;
		}
		if (c == KSTUB_ENOTCONN || c == KSTUB_EIO)
			return KSTUB_ENOTCONN;
		if (c != '-' && c != KSTUB_EAGAIN) {
			line_fault(ks);
			/* A later nak resends tx_buf: only if this was it. */
			if (!own)
				ks->unconfirmed = 1;
			kstub_rx_byte(ks, (uint8_t)c);
			return 0;
		}
		line_fault(ks);
		if (c == '-')
			naks++;
		else
			silent++;
		if (silent > ks->cfg.ack_retries ||
		    naks >= ks->cfg.ack_retries * KSTUB_NAK_FACTOR) {
			/* Still the reply gdb waits for: a later nak gets it. */
			if (!own)
				ks->unconfirmed = 1;
			return KSTUB_ETIMEDOUT;
		}
		if (kstub_link_lost(ks, own))
			return KSTUB_EBUSY;
		err = send_owned(ks, p, n, own);
		if (err)
			return err;
		deadline = kstub_stream_answer_from(ks) +
			   ks->cfg.ack_timeout_ms * 1000ull;
	}
}
