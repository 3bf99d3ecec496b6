/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Plain mode (kstub_udp_plain.h): gdb's datagrams to whole packets for
 * the stub and its replies to "+$...#xx" datagrams, with the acks,
 * naks and resends RSP's "Packet Acknowledgment" asks for. The stub's
 * core knows none of this; it sees recv_packet and send_packet only.
 */
#include "kstub_udp_plain.h"
#include "kstub_errno.h"

/* Datagrams one recv_packet call may read and drop (acks, junk). */
#define PLAIN_POLL_DGRAMS 8

static const char hexdigits[] = "0123456789abcdef";

int kstub_udp_plain_init(struct kstub_udp_plain *u,
			 const struct kstub_udp_dgram_ops *dg, void *dg_ctx)
{
	uint8_t *p = (uint8_t *)u;
	size_t i;

	for (i = 0; i < sizeof(*u); i++)
		p[i] = 0;
	u->dg = dg;
	u->dg_ctx = dg_ctx;
	return 0;
}

static int send_ack(struct kstub_udp_plain *u, uint8_t c)
{
	return u->dg->send(u->dg_ctx, &c, 1);
}

/* The '+' of a packet that got no reply (c, s: the kernel runs on). */
static void release_ack(struct kstub_udp_plain *u)
{
	if (!u->ack_held)
		return;
	u->ack_held = 0;
	send_ack(u, '+');
}

/*
 * "$data#xx" at d[0..n): the data's length, or -1 if it is not one
 * whole packet with a good checksum. RSP's checksum is two lower-case
 * hex digits, and gdb sends them so.
 */
static long check_frame(const uint8_t *d, size_t n)
{
	uint8_t sum = 0;
	size_t i;

	if (n < 4 || d[0] != '$' || d[n - 3] != '#')
		return -1;
	for (i = 1; i < n - 3; i++) {
		if (d[i] == '$' || d[i] == '#')
			return -1;
		sum = (uint8_t)(sum + d[i]);
	}
	if (d[n - 2] != hexdigits[sum >> 4] || d[n - 1] != hexdigits[sum & 15])
		return -1;
	return (long)(n - 4);
}

static long recv_packet(void *ctx, uint8_t *buf, size_t cap)
{
	struct kstub_udp_plain *u = ctx;
	unsigned budget = PLAIN_POLL_DGRAMS;
	const uint8_t *d;
	long n, len;
	size_t i;

	/* Called again without a reply in between: ack what it had. */
	release_ack(u);
	while (budget-- > 0) {
		n = u->dg->recv(u->dg_ctx, u->rx, sizeof(u->rx));
		if (n < 0)
			return n;
		if ((size_t)n > sizeof(u->rx)) {
			u->bad++;	/* cut: it cannot be a packet we take */
			continue;
		}
		d = u->rx;
		if (n == 1 && d[0] == KSTUB_LINK_BREAK) {
			buf[0] = KSTUB_LINK_BREAK;
			return 1;
		}
		/*
		 * Anything else while the kernel runs with no session (gdb's
		 * '+' for D's OK, a stray datagram) must not keep the source
		 * the layer below latched onto: the next gdb would be shut
		 * out until a reboot.
		 */
		if (!u->stopped && !u->in_session) {
			u->dropped++;
			if (u->dg->forget)
				u->dg->forget(u->dg_ctx);
			continue;
		}
		/* Leading acks: gdb got our last reply. */
		while (n > 0 && d[0] == '+') {
			u->tx_len = 0;
			d++;
			n--;
		}
		if (n == 1 && d[0] == '-') {
			if (u->tx_len)
				u->dg->send(u->dg_ctx, u->tx + u->tx_acked,
					    u->tx_len - u->tx_acked);
			continue;
		}
		if (n == 0)
			continue;
		len = check_frame(d, (size_t)n);
		if (len < 0) {
			u->bad++;
			if (d[0] == '$')
				send_ack(u, '-');	/* gdb resends now */
			continue;
		}
		/* A new packet: gdb has our last reply (an implicit ack). */
		u->tx_len = 0;
		if (!u->stopped) {
			u->dropped++;	/* only a break may stop the kernel */
			continue;
		}
		u->ack_held = 1;
		if ((size_t)len > cap)
			return KSTUB_E2BIG;
		for (i = 0; i < (size_t)len; i++)
			buf[i] = d[1 + i];
		return len;
	}
	return KSTUB_EAGAIN;
}

/* One datagram: the held '+', then the packet; kept for a '-'. */
static int send_packet(void *ctx, const uint8_t *buf, size_t len)
{
	struct kstub_udp_plain *u = ctx;
	uint8_t sum = 0;
	size_t i, n = 0;

	if (len > KSTUB_UDP_PLAIN_MAX_PACKET)
		return KSTUB_E2BIG;	/* the stub never asks: max_packet */
	u->tx_acked = u->ack_held;
	if (u->ack_held)
		u->tx[n++] = '+';
	u->ack_held = 0;
	u->tx[n++] = '$';
	for (i = 0; i < len; i++) {
		sum = (uint8_t)(sum + buf[i]);
		u->tx[n++] = buf[i];
	}
	u->tx[n++] = '#';
	u->tx[n++] = (uint8_t)hexdigits[sum >> 4];
	u->tx[n++] = (uint8_t)hexdigits[sum & 15];
	u->tx_len = (uint32_t)n;
	return u->dg->send(u->dg_ctx, u->tx, n);
}

static void enter(void *ctx)
{
	((struct kstub_udp_plain *)ctx)->stopped = 1;
}

/* The kernel resumes: gdb must not wait for the ack of its c or s. */
static void leave(void *ctx)
{
	struct kstub_udp_plain *u = ctx;

	release_ack(u);
	u->stopped = 0;
}

static void session_start(void *ctx)
{
	((struct kstub_udp_plain *)ctx)->in_session = 1;
}

/* D's OK is out, or the debugger is gone: keep nothing of it. */
static void session_end(void *ctx)
{
	struct kstub_udp_plain *u = ctx;

	release_ack(u);
	u->tx_len = 0;
	u->in_session = 0;
	if (u->dg->forget)
		u->dg->forget(u->dg_ctx);
}

const struct kstub_transport_ops kstub_udp_plain_ops = {
	.name = "udp-plain",
	.flags = 0,
	.recv_packet = recv_packet,
	.send_packet = send_packet,
	.max_packet = KSTUB_UDP_PLAIN_MAX_PACKET,
	.enter = enter,
	.leave = leave,
	.session_start = session_start,
	.session_end = session_end,
};
