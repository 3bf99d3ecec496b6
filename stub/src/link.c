/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whole packets over a transport: acks, bounded retransmission and
 * timeouts. Every wait here has a deadline from the port's clock, so a
 * silent or vanished debugger can never hang the kernel in a loop.
 */
#include "kstub_int.h"

uint64_t kstub_now_us(struct kstub *ks)
{
	return ks->cfg.port->now_us(ks->cfg.port_ctx);
}

/*
 * Hand bytes to the link. On a link that says how long they take on the
 * wire, note when they will all be out: they queue behind what is still
 * going out from earlier sends.
 */
static int link_send_raw(struct kstub *ks, const uint8_t *p, size_t n)
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
 * When a wait for gdb's answer starts: now, or once the bytes sent are
 * off the wire (gdb cannot answer what it has not got).
 */
static uint64_t answer_from(struct kstub *ks)
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
static int link_getc(struct kstub *ks, uint64_t deadline_us)
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

void kstub_link_fresh(struct kstub *ks)
{
	ks->clean_bytes = 0;
	ks->fault_gap = 0;
	ks->unconfirmed = 0;
	ks->g_nregs = KSTUB_NREGS;
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

int kstub_link_send_bare_ack(struct kstub *ks)
{
	static const uint8_t plus = '+';

	ks->ack_due = 0;
	return link_send_raw(ks, &plus, 1);
}

/*
 * Got a whole packet: acknowledge it at once, unless a datagram link
 * wants the '+' in front of the reply.
 */
static int accept_packet(struct kstub *ks)
{
	ks->pkt_ready = 1;
	if (ks->noack)
		return 0;
	if (ks->cfg.link->flags & KSTUB_LINK_DATAGRAM) {
		ks->ack_due = 1;
		return 0;
	}
	return kstub_link_send_bare_ack(ks);
}

static int reject_packet(struct kstub *ks)
{
	static const uint8_t minus = '-';

	line_fault(ks);
	if (ks->noack)
		return 0;
	return link_send_raw(ks, &minus, 1);
}

/*
 * Wait for the next packet from gdb. Returns 0 with the packet in rx_buf
 * (rx.len bytes, or rx.overflow), or KSTUB_ENOTCONN when the debugger is
 * gone: the link says so, or it was silent for idle_timeout_ms.
 */
int kstub_link_next_packet(struct kstub *ks)
{
	uint32_t idle_ms = ks->cfg.idle_timeout_ms;
	uint64_t now, partial_since = 0;
	int c;

	if (ks->pkt_ready)
		return 0;
	ks->last_rx_us = answer_from(ks);
	for (;;) {
		c = link_getc(ks, 0);
		if (c == KSTUB_ENOTCONN || c == KSTUB_EIO)
			return KSTUB_ENOTCONN;
		if (c == KSTUB_EAGAIN) {
			now = kstub_now_us(ks);
			if (kstub_rx_busy(ks)) {
				/*
				 * A packet cut short (its '#' lost): drop it
				 * and nak, so gdb resends now rather than at
				 * its own timeout.
				 */
				if (partial_since == 0) {
					partial_since = now;
				} else if (now - partial_since >=
					   ks->cfg.ack_timeout_ms * 1000ull) {
					kstub_rx_reset(ks);
					reject_packet(ks);
					partial_since = 0;
				}
			}
			if (idle_ms && now >= ks->last_rx_us &&
			    now - ks->last_rx_us >= idle_ms * 1000ull)
				return KSTUB_ENOTCONN;
			continue;
		}
		partial_since = 0;
		/*
		 * gdb naks while waiting for a reply: the last one, whose ack
		 * we took from garbage, did not reach it after all.
		 */
		if (c == '-' && ks->unconfirmed && !kstub_rx_busy(ks)) {
			ks->unconfirmed = 0;
			if (kstub_link_send(ks) == KSTUB_ENOTCONN)
				return KSTUB_ENOTCONN;
			continue;
		}
		switch (kstub_rx_byte(ks, (uint8_t)c)) {
		case KSTUB_RX_PACKET:
			ks->unconfirmed = 0;
			if (accept_packet(ks) == KSTUB_ENOTCONN)
				return KSTUB_ENOTCONN;
			return 0;
		case KSTUB_RX_BADSUM:
			reject_packet(ks);
			break;
		default:
			/* Stray acks and ^C while stopped mean nothing. */
			break;
		}
	}
}

/*
 * Transmit the reply built in tx_buf and wait for its ack: a nak or
 * silence retransmits it. Silence ends it after ack_retries transmissions
 * in all; naks, which prove gdb is there and listening, after
 * KSTUB_NAK_FACTOR times as many. A '$' instead of the ack means gdb got
 * the reply and is already sending the next packet: that byte goes to
 * the framer. So does any other byte: it is a garbled ack or the body of
 * gdb's next packet, whose '$' the line ate. Resending on silence then
 * would hand gdb this reply as the answer to that next packet, the one
 * mistake RSP cannot recover from; if the ack was really a garbled nak,
 * gdb naks again and kstub_link_next_packet() resends.
 */
#define KSTUB_NAK_FACTOR 16

int kstub_link_send(struct kstub *ks)
{
	struct kstub_tx *tx = &ks->tx;
	const uint8_t *p = ks->cfg.tx_buf + tx->start;
	size_t n = tx->end - tx->start;
	uint32_t silent = 1, naks = 0;
	uint64_t deadline;
	int c, err;

	err = link_send_raw(ks, p, n);
	ks->ack_due = 0;
	if (err)
		return err;
	if (ks->noack)
		return 0;
	/* The piggybacked ack was for gdb's packet; resend only ours. */
	if (tx->start == 0) {
		p++;
		n--;
	}
	deadline = answer_from(ks) + ks->cfg.ack_timeout_ms * 1000ull;
	for (;;) {
		c = link_getc(ks, deadline);
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
			ks->unconfirmed = 1;
			return KSTUB_ETIMEDOUT;
		}
		err = link_send_raw(ks, p, n);
		if (err)
			return err;
		deadline = answer_from(ks) + ks->cfg.ack_timeout_ms * 1000ull;
	}
}

/*
 * Read what is waiting on the link without blocking (for
 * kstub_poll_break): returns KSTUB_RX_INTR if gdb sent ^C, KSTUB_RX_PACKET
 * if a packet is complete, KSTUB_ENOTCONN if the link dropped, else 0.
 * At most buf_len bytes a call, enough for a whole packet of the largest
 * size: a link that never runs dry (a flood, a stuck receiver) must not
 * keep the timer tick that polls here. The framer keeps its place, so
 * the next tick goes on where this one stopped.
 */
int kstub_link_drain(struct kstub *ks)
{
	size_t budget = ks->cfg.buf_len;
	int c;

	while (budget-- > 0) {
		c = link_getc(ks, 0);
		if (c == KSTUB_EAGAIN)
			return 0;
		if (c < 0)
			return KSTUB_ENOTCONN;
		switch (kstub_rx_byte(ks, (uint8_t)c)) {
		case KSTUB_RX_INTR:
			return KSTUB_RX_INTR;
		case KSTUB_RX_PACKET:
			accept_packet(ks);
			return KSTUB_RX_PACKET;
		case KSTUB_RX_BADSUM:
			reject_packet(ks);
			break;
		default:
			break;
		}
	}
	return 0;
}
