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

static int link_send_raw(struct kstub *ks, const uint8_t *p, size_t n)
{
	const struct kstub_transport_ops *l = ks->cfg.link;
	int err = l->send(ks->cfg.link_ctx, p, n);

	if (err == 0 && l->flush)
		err = l->flush(ks->cfg.link_ctx);
	return err;
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
	ks->last_rx_us = kstub_now_us(ks);
	for (;;) {
		c = link_getc(ks, 0);
		if (c == KSTUB_ENOTCONN || c == KSTUB_EIO)
			return KSTUB_ENOTCONN;
		if (c == KSTUB_EAGAIN) {
			now = kstub_now_us(ks);
			if (kstub_rx_busy(ks)) {
				/* A packet cut short: drop it; gdb resends. */
				if (partial_since == 0)
					partial_since = now;
				else if (now - partial_since >=
					 ks->cfg.ack_timeout_ms * 1000ull)
					kstub_rx_reset(ks);
			}
			if (idle_ms && now - ks->last_rx_us >= idle_ms * 1000ull)
				return KSTUB_ENOTCONN;
			continue;
		}
		partial_since = 0;
		switch (kstub_rx_byte(ks, (uint8_t)c)) {
		case KSTUB_RX_PACKET:
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
 * silence retransmits it, at most ack_retries transmissions in all. A '$'
 * instead of the ack means gdb got the reply and is already sending the
 * next packet: that byte goes to the framer.
 */
int kstub_link_send(struct kstub *ks)
{
	struct kstub_tx *tx = &ks->tx;
	const uint8_t *p = ks->cfg.tx_buf + tx->start;
	size_t n = tx->end - tx->start;
	uint32_t tries = 1;
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
	deadline = kstub_now_us(ks) + ks->cfg.ack_timeout_ms * 1000ull;
	for (;;) {
		c = link_getc(ks, deadline);
		if (c == '+')
			return 0;
		if (c == '$') {
			kstub_rx_byte(ks, (uint8_t)c);
			return 0;
		}
		if (c == KSTUB_ENOTCONN || c == KSTUB_EIO)
			return KSTUB_ENOTCONN;
		if (c != '-' && c != KSTUB_EAGAIN)
			continue;
		if (tries >= ks->cfg.ack_retries)
			return KSTUB_ETIMEDOUT;
		tries++;
		err = link_send_raw(ks, p, n);
		if (err)
			return err;
		deadline = kstub_now_us(ks) + ks->cfg.ack_timeout_ms * 1000ull;
	}
}

/*
 * Read what is waiting on the link without blocking (for
 * kstub_poll_break): returns KSTUB_RX_INTR if gdb sent ^C, KSTUB_RX_PACKET
 * if a packet is complete, KSTUB_ENOTCONN if the link dropped, else 0.
 */
int kstub_link_drain(struct kstub *ks)
{
	int c;

	for (;;) {
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
}
