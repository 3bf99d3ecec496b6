/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The session's view of the link: the next packet up, a reply down,
 * a poll while the kernel runs, and the session's start and end. A
 * byte link goes through the framer with acks (rsp_stream.c); a packet
 * link's hooks are called here directly. Every wait has a deadline
 * from the port's clock, so a silent debugger never hangs the kernel.
 */
#include "kstub_int.h"

/* Packets a poll may read and drop on an unauthenticated link. */
#define KSTUB_POLL_PACKETS 32

uint64_t kstub_now_us(struct kstub *ks)
{
	return ks->cfg.port->now_us(ks->cfg.port_ctx);
}

static bool packet_link(const struct kstub *ks)
{
	return ks->cfg.link->recv_packet != NULL;
}

/*
 * PacketSize: what rx_buf holds once the frame is stripped, and no more
 * than the link carries in one piece.
 */
void kstub_link_init(struct kstub *ks)
{
	size_t max = ks->cfg.link->max_packet;

	ks->pkt_max = (uint32_t)ks->cfg.buf_len - 4;
	if (max && max < ks->pkt_max)
		ks->pkt_max = (uint32_t)max;
	kstub_link_fresh(ks);
}

/* A new debugger: nothing learned about the line or the registers. */
void kstub_link_fresh(struct kstub *ks)
{
	ks->g_nregs = KSTUB_NREGS;
	if (packet_link(ks))
		ks->reply_cap = ks->pkt_max;	/* the link sees to delivery */
	else
		kstub_stream_fresh(ks);
}

/* The first packet of a debugger: tell the link a session started. */
static void session_started(struct kstub *ks)
{
	const struct kstub_transport_ops *l = ks->cfg.link;

	if (ks->link_session)
		return;
	ks->link_session = 1;
	if (l->session_start)
		l->session_start(ks->cfg.link_ctx);
}

void kstub_link_end(struct kstub *ks)
{
	const struct kstub_transport_ops *l = ks->cfg.link;

	if (!ks->link_session)
		return;
	ks->link_session = 0;
	if (l->session_end)
		l->session_end(ks->cfg.link_ctx);
}

/*
 * One packet from a packet link into rx_buf. Returns KSTUB_RX_PACKET,
 * KSTUB_RX_INTR for a break-in request, 0 for nothing, KSTUB_ENOTCONN.
 */
static int packet_poll(struct kstub *ks)
{
	long n = ks->cfg.link->recv_packet(ks->cfg.link_ctx, ks->cfg.rx_buf,
					   ks->pkt_max);

	if (n == KSTUB_EAGAIN)
		return 0;
	kstub_rx_reset(ks);
	if (n == KSTUB_E2BIG) {
		ks->rx.overflow = 1;
	} else if (n < 0) {
		return KSTUB_ENOTCONN;
	} else if ((size_t)n > ks->pkt_max) {
		/* A link breaking its contract: the data is not trusted. */
		ks->rx.overflow = 1;
	} else if (n == 1 && ks->cfg.rx_buf[0] == KSTUB_LINK_BREAK) {
		return KSTUB_RX_INTR;
	} else {
		ks->rx.len = (uint32_t)n;
	}
	ks->last_rx_us = kstub_now_us(ks);
	ks->pkt_ready = 1;
	return KSTUB_RX_PACKET;
}

/*
 * Wait for the next packet from gdb. Returns 0 with the packet in rx_buf
 * (rx.len bytes, or rx.overflow), or KSTUB_ENOTCONN when the debugger is
 * gone: the link says so, or it was silent for idle_timeout_ms.
 */
int kstub_link_recv(struct kstub *ks)
{
	uint32_t idle_ms = ks->cfg.idle_timeout_ms;
	bool pkt = packet_link(ks);
	uint64_t now;
	int r;

	if (ks->pkt_ready)
		goto got;
	ks->partial_since = 0;
	ks->last_rx_us = pkt ? kstub_now_us(ks) : kstub_stream_answer_from(ks);
	for (;;) {
		r = pkt ? packet_poll(ks) : kstub_stream_poll(ks, 0);
		if (r == KSTUB_ENOTCONN)
			return r;
		if (r == KSTUB_RX_PACKET)
			goto got;
		/* ^C while stopped means nothing. */
		if (r == KSTUB_RX_INTR)
			continue;
		now = kstub_now_us(ks);
		if (idle_ms && now >= ks->last_rx_us &&
		    now - ks->last_rx_us >= idle_ms * 1000ull)
			return KSTUB_ENOTCONN;
	}
got:
	session_started(ks);
	return 0;
}

/* Send the reply finished in tx_buf: 0, or a KSTUB_E* error. */
int kstub_link_send(struct kstub *ks)
{
	const struct kstub_tx *tx = &ks->tx;

	if (!packet_link(ks))
		return kstub_stream_send(ks);
	/* The data only: "$" before it and "#xx" after it are the frame. */
	return ks->cfg.link->send_packet(ks->cfg.link_ctx, ks->cfg.tx_buf + 1,
					 tx->end - 4);
}

/*
 * The link for kstub_poll_break or kstub_console_write while the kernel
 * runs: a token of its own in poll_lock, or 0 if it is busy. A master
 * takes the link by overwriting poll_lock (session.c) even from a holder
 * the roundup parked mid-packet, or interrupted on the master's own CPU;
 * the token tells that holder, when it runs again, that the link, the
 * framer and tx_buf were the session's since (kstub_link_lost). A fresh
 * token per hold, never 0 or the master's 1, so a late holder cannot
 * mistake a later hold for its own.
 */
uint32_t kstub_link_take(struct kstub *ks)
{
	uint32_t own = (__atomic_add_fetch(&ks->link_seq, 1,
					   __ATOMIC_ACQ_REL) << 1) | 2u;

	if (kstub_load(&ks->master) != KSTUB_CPU_NONE ||
	    !kstub_cas(&ks->poll_lock, 0, own))
		return 0;
	return own;
}

/* Give the link back, unless a session took it meanwhile. */
void kstub_link_give(struct kstub *ks, uint32_t own)
{
	kstub_cas(&ks->poll_lock, own, 0);
}

/*
 * Send a packet framed by a holder of the link (own, see above) in a
 * buffer of its own: p[0..n) is "$data#xx". KSTUB_EBUSY once a session
 * took the link: nothing of it is sent from then on.
 */
int kstub_link_send_buf(struct kstub *ks, const uint8_t *p, size_t n,
			uint32_t own)
{
	int err;

	if (!packet_link(ks))
		return kstub_stream_send_buf(ks, p, n, own);
	/* Marked as going out, as rsp_stream.c's send_owned() does. */
	kstub_store(&ks->link_sending, own);
	err = kstub_link_lost(ks, own) ? KSTUB_EBUSY :
		ks->cfg.link->send_packet(ks->cfg.link_ctx, p + 1, n - 4);
	kstub_cas(&ks->link_sending, own, 0);
	return err;
}

/*
 * Read what is waiting without blocking (for kstub_poll_break, holding
 * the link with token own): returns
 * KSTUB_RX_INTR if gdb asked to stop, KSTUB_RX_PACKET if a packet waits
 * in rx_buf, KSTUB_ENOTCONN if the link dropped, else 0. A packet link
 * that has not authenticated its peer stops the kernel only for a
 * break-in request: any other packet is dropped, a bounded number a
 * call, so a flood cannot keep the timer tick that polls here.
 */
int kstub_link_poll(struct kstub *ks, uint32_t own)
{
	unsigned budget = KSTUB_POLL_PACKETS;
	int r;

	if (!packet_link(ks)) {
		r = kstub_stream_poll(ks, own);
		goto out;
	}
	do {
		if (kstub_link_lost(ks, own))
			return 0;
		r = packet_poll(ks);
		if (r == KSTUB_RX_PACKET &&
		    !(ks->cfg.link->flags & KSTUB_LINK_AUTHENTICATED)) {
			ks->pkt_ready = 0;
			kstub_rx_reset(ks);
			r = 0;
			continue;
		}
		break;
	} while (--budget > 0);
out:
	if (r == KSTUB_RX_PACKET && !kstub_link_lost(ks, own))
		session_started(ks);
	return r;
}
