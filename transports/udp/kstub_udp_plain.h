/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Plain mode of the UDP transport (issue 14): RSP exactly as gdb's own
 * "target remote udp:IP:PORT" speaks it, one packet, ack or 0x03 per
 * datagram, over a packet link of kstub_transport.h. Opt-in and never
 * the default: nothing authenticates the peer, so the link declares
 * neither KSTUB_LINK_RELIABLE nor KSTUB_LINK_AUTHENTICATED, and only a
 * break-in may stop a running kernel. The link itself drops, unacked,
 * every other packet that comes while the kernel runs, so a spoofed
 * datagram gets no answer at all, not even a '+'.
 *
 * What gdb needs of a datagram stub (reference/transports.md 8.3): the
 * ack travels in the same datagram as the reply ("+$...#xx"), because
 * gdb throws away a reply that arrives before its ack; a '-' gets the
 * last reply again; a new '$' acks the last reply too; no datagram is
 * larger than one unfragmented IPv4 datagram on a 1500-byte Ethernet.
 * Residual hazard (RSP has no sequence numbers): a request whose reply
 * was lost is resent by gdb and runs twice. The authenticated mode
 * closes that; plain mode cannot.
 *
 * This layer sits on datagrams to and from the one configured peer; the
 * Ethernet/ARP/IPv4/UDP layer below it (kstub_udp_net.h, which drops
 * everything from anyone else) supplies them; kstub_udp_link.h joins
 * the two into one transport.
 */
#ifndef KSTUB_UDP_PLAIN_H
#define KSTUB_UDP_PLAIN_H

#include "kstub_transport.h"
#include "kstub_udp_net.h"

/*
 * Packet data per datagram: "+$" data "#xx" fills one unfragmented
 * datagram of the network layer below (1472 bytes of payload).
 */
#define KSTUB_UDP_PLAIN_MAX_PACKET (KSTUB_UDP_NET_MAX_PAYLOAD - 5)
#define KSTUB_UDP_PLAIN_DGRAM (KSTUB_UDP_PLAIN_MAX_PACKET + 5)

/*
 * Datagrams to and from the configured peer, supplied by the layer
 * below. Context, Must not: as kstub_transport.h's hooks (trap context,
 * polled, bounded time, no locks, no allocation).
 */
struct kstub_udp_dgram_ops {
	/*
	 * Send one datagram's payload to the peer.
	 * Returns: 0, or KSTUB_EIO / KSTUB_ENOTCONN if it was not sent.
	 */
	int (*send)(void *ctx, const uint8_t *p, size_t n);
	/*
	 * Take the next received payload from the peer, copying at most
	 * cap bytes (a longer one is cut: it then fails its checksum).
	 * Returns: its full length, KSTUB_EAGAIN if none is waiting,
	 *   KSTUB_ENOTCONN / KSTUB_EIO as recv_packet.
	 */
	long (*recv)(void *ctx, uint8_t *buf, size_t cap);
	/*
	 * Optional. Called: by plain mode's session_end (D, k, the
	 * stub's idle timeout), after its last datagram of the session.
	 * Forget a peer latched onto for this session, so the next gdb
	 * may connect. Returns: nothing.
	 */
	void (*forget)(void *ctx);
};

/* The link's context: the port owns it (static storage), zeroed. */
struct kstub_udp_plain {
	const struct kstub_udp_dgram_ops *dg;
	void *dg_ctx;
	uint32_t tx_len;	/* the last reply, "+$...#xx"; 0: none kept */
	uint8_t tx_acked;	/* tx[0] is the '+' of gdb's packet */
	uint8_t ack_held;	/* a delivered packet's '+' not yet sent */
	uint8_t stopped;	/* between enter() and leave() */
	uint8_t in_session;	/* between session_start and session_end */
	uint32_t bad;		/* datagrams dropped: bad checksum, junk */
	uint32_t dropped;	/* packets that came while the kernel ran */
	uint8_t tx[KSTUB_UDP_PLAIN_DGRAM];
	uint8_t rx[KSTUB_UDP_PLAIN_DGRAM];
};

/* Plain mode's link: pass it with the context to kstub_init(). */
extern const struct kstub_transport_ops kstub_udp_plain_ops;

/* Zero the context and attach the datagram layer. Returns 0. */
int kstub_udp_plain_init(struct kstub_udp_plain *u,
			 const struct kstub_udp_dgram_ops *dg, void *dg_ctx);

#endif /* KSTUB_UDP_PLAIN_H */
