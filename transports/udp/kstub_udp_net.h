/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UDP transport's own network layer (issue 14): Ethernet II, ARP,
 * IPv4, UDP and ICMP echo over a polled NIC the port supplies. It runs
 * inside a trap with interrupts off, so it cannot use the kernel's
 * network stack; it keeps all state in one caller-owned struct and
 * allocates nothing. Above it sit datagrams to and from one peer
 * (kstub_udp_net_send/recv), which plain mode (kstub_udp_plain.h)
 * turns into RSP packets; kstub_udp_link.h wires the two together.
 *
 * Everything off the wire is checked before it is used: frames for
 * other MACs or IPs, other ethertypes, IP fragments and options, bad
 * lengths and bad checksums are dropped and counted (struct
 * kstub_udp_net_stats, for "monitor stats"), never answered.
 */
#ifndef KSTUB_UDP_NET_H
#define KSTUB_UDP_NET_H

#include "kstub_types.h"

/* Ethernet II without FCS: 14 header + 1500 (the MTU) of IPv4. */
#define KSTUB_UDP_NET_ETH_HLEN 14
#define KSTUB_UDP_NET_MTU 1500
#define KSTUB_UDP_NET_FRAME_MAX (KSTUB_UDP_NET_ETH_HLEN + KSTUB_UDP_NET_MTU)
/* The shortest frame on the wire without FCS; we pad up to it. */
#define KSTUB_UDP_NET_FRAME_MIN 60
/*
 * The largest UDP payload that fits one unfragmented IPv4 datagram on
 * a 1500-byte Ethernet: 1500 - 20 (IPv4, no options) - 8 (UDP). Every
 * datagram kstub sends fits it; plain mode derives its packet size
 * from it. The NIC never sees a larger frame, and no fragments.
 */
#define KSTUB_UDP_NET_MAX_PAYLOAD (KSTUB_UDP_NET_MTU - 20 - 8)

/*
 * Frames a recv call may take from the NIC before it reports "none"
 * (KSTUB_EAGAIN): this bounds the time one poll spends on a flood.
 */
#define KSTUB_UDP_NET_POLL_FRAMES 32
/*
 * Resolving the peer's MAC by ARP when kstub must send first: requests
 * sent, and NIC polls after each before the next (the default of
 * cfg.arp_polls). A bound in polls, not microseconds, because the NIC
 * interface has no clock.
 */
#define KSTUB_UDP_NET_ARP_TRIES 3
#define KSTUB_UDP_NET_ARP_POLLS 20000

/*
 * The polled NIC, supplied by the port (an e1000 ring, hostsim's pcap
 * model, a test's fake). For every hook:
 * Called: by this layer only, from kstub_udp_net_send/recv, i.e. from
 *   the stub's transport hooks (trap context, or kstub_poll_break from
 *   a timer tick or the NIC's interrupt while the kernel runs).
 * Context: interrupts off, other CPUs parked or not yet stopped, the
 *   kernel's network stack possibly mid-operation on the same NIC (a
 *   debug NIC should be dedicated, or its rings saved in enter()).
 * Must not: sleep, take a lock a stopped CPU may hold, allocate, call
 *   the kernel's network stack, or wait without a bound.
 */
struct kstub_udp_nic_ops {
	/*
	 * Transmit one Ethernet II frame (no FCS; the NIC appends it),
	 * 60..KSTUB_UDP_NET_FRAME_MAX bytes, already padded. The buffer is
	 * ours again on return: copy it or finish the DMA before returning.
	 * Returns: 0 once the frame is queued or sent, KSTUB_EIO if not.
	 */
	int (*send_frame)(void *ctx, const uint8_t *frame, size_t len);
	/*
	 * Take the next received frame (without FCS) if one is waiting,
	 * copying at most cap bytes into buf; never wait for one.
	 * Returns: the frame's full length (more than cap if it was cut;
	 *   it is then dropped as oversize), KSTUB_EAGAIN if none is
	 *   waiting, KSTUB_EIO on a device error.
	 */
	long (*recv_frame)(void *ctx, uint8_t *buf, size_t cap);
	/*
	 * The NIC's MAC address. Called once, by kstub_udp_net_init().
	 * Returns: nothing; writes 6 bytes.
	 */
	void (*get_mac)(void *ctx, uint8_t mac[6]);
};

/*
 * Fixed configuration; zero fields mean "not set". IPv4 addresses and
 * MACs are in wire order, ports in host order.
 */
struct kstub_udp_net_config {
	uint8_t ip[4];		/* ours: required, not 0.0.0.0 */
	uint16_t port;		/* ours: required */
	/*
	 * The allowed peer. A set IP or port admits that one only; an
	 * unset one latches onto the first datagram's source and keeps it
	 * until kstub_udp_net_forget() (at session end), so a second
	 * sender cannot take over a live session.
	 */
	uint8_t peer_ip[4];
	uint16_t peer_port;
	/*
	 * The next hop towards the peer, when it is on another subnet
	 * (the gateway); 0.0.0.0: the peer is on this link. Used only to
	 * resolve a MAC by ARP when kstub must send before it has heard
	 * from the peer (see kstub_udp_net_send).
	 */
	uint8_t gateway_ip[4];
	/* A static MAC for the next hop; zero: learn it or ARP for it. */
	uint8_t peer_mac[6];
	/*
	 * NIC polls to wait for each ARP answer; 0: the default,
	 * KSTUB_UDP_NET_ARP_POLLS. A port whose NIC polls much faster or
	 * slower than a microsecond or so scales it to its hardware.
	 */
	uint32_t arp_polls;
};

/* One counter per reason a frame was dropped, and what went well. */
struct kstub_udp_net_stats {
	uint32_t rx_frames;	/* frames taken from the NIC */
	uint32_t rx_delivered;	/* UDP payloads handed up */
	uint32_t rx_nic_error;	/* recv_frame said KSTUB_EIO */
	uint32_t drop_short;	/* shorter than a header or a length says */
	uint32_t drop_oversize;	/* longer than KSTUB_UDP_NET_FRAME_MAX */
	uint32_t drop_mac;	/* for another (or a multicast) MAC */
	uint32_t drop_ethertype;	/* neither IPv4 nor ARP (VLAN too) */
	uint32_t drop_arp_bad;	/* not Ethernet/IPv4 ARP, unknown op */
	uint32_t drop_arp_other;	/* ARP about other IPs */
	uint32_t drop_ip_bad;	/* version, header or total length */
	uint32_t drop_ip_options;	/* IHL > 5: options not handled */
	uint32_t drop_ip_frag;	/* MF set or a fragment offset */
	uint32_t drop_ip_csum;	/* IPv4 header checksum */
	uint32_t drop_ip_dst;	/* for another IPv4 address */
	uint32_t drop_ip_src;	/* from a broadcast/multicast/zero IP */
	uint32_t drop_ip_proto;	/* neither UDP nor ICMP */
	uint32_t drop_icmp_bad;	/* ICMP checksum or too short */
	uint32_t drop_icmp_type;	/* ICMP other than echo request */
	uint32_t drop_udp_bad;	/* UDP length against IPv4 length */
	uint32_t drop_udp_csum;	/* UDP checksum (non-zero and wrong) */
	uint32_t drop_udp_port;	/* to another UDP port */
	uint32_t drop_peer;	/* from someone other than the peer */
	uint32_t drop_unready;	/* for us, but no recv to take it */
	uint32_t udp_no_csum;	/* accepted with a zero UDP checksum */
	uint32_t arp_replied;	/* ARP requests for our IP answered */
	uint32_t arp_learned;	/* next hop MACs learned from ARP */
	uint32_t arp_timeouts;	/* resolutions that got no answer */
	uint32_t icmp_echoed;	/* pings answered */
	uint32_t tx_frames;	/* frames the NIC took */
	uint32_t tx_errors;	/* send_frame failed */
	uint32_t tx_oversize;	/* datagrams over KSTUB_UDP_NET_MAX_PAYLOAD */
	uint32_t tx_no_peer;	/* datagrams with nowhere to go */
};

/* The layer's state: the port owns it (static storage). */
struct kstub_udp_net {
	const struct kstub_udp_nic_ops *nic;
	void *nic_ctx;
	struct kstub_udp_net_config cfg;
	uint8_t mac[6];		/* ours, from the NIC */
	uint8_t peer_ip[4];	/* the peer in use (cfg's or latched) */
	uint16_t peer_port;
	uint8_t peer_mac[6];	/* the next hop's MAC, when have_mac */
	uint8_t have_ip, have_port, have_mac;
	uint16_t ip_id;		/* IPv4 identification of our next datagram */
	struct kstub_udp_net_stats stats;
	/* One frame, in or out: send and recv never overlap (trap context). */
	uint8_t frame[KSTUB_UDP_NET_FRAME_MAX];
};

/*
 * Zero n, copy cfg and read the NIC's MAC.
 * Called: once, at boot, before kstub_init(); thread context.
 * Returns: 0, or KSTUB_EINVAL for a missing NIC hook, a zero IP or
 *   port, or a peer/gateway IP that is broadcast or multicast.
 */
int kstub_udp_net_init(struct kstub_udp_net *n,
		       const struct kstub_udp_nic_ops *nic, void *nic_ctx,
		       const struct kstub_udp_net_config *cfg);

/*
 * Send one datagram of len bytes to the peer. The next hop's MAC is
 * the source MAC of the peer's last datagram (the router's, when the
 * peer is off-link: the way back the reply must take); only when kstub
 * speaks first is it resolved by ARP, within the bounds above.
 * Called, Context, Must not: as the transport hooks (trap context).
 * Returns: 0; KSTUB_E2BIG over KSTUB_UDP_NET_MAX_PAYLOAD; KSTUB_ENOTCONN
 *   with no peer yet or no ARP answer; KSTUB_EIO if the NIC failed.
 */
int kstub_udp_net_send(struct kstub_udp_net *n, const uint8_t *p,
		       size_t len);

/*
 * Poll the NIC for up to KSTUB_UDP_NET_POLL_FRAMES frames, answering
 * ARP and ping on the way, until a UDP datagram from the peer comes;
 * copy at most cap bytes of its payload into buf.
 * Called, Context, Must not: as kstub_udp_net_send.
 * Returns: the payload's full length (more than cap: it was cut),
 *   KSTUB_EAGAIN if none came, KSTUB_EIO if the NIC failed.
 */
long kstub_udp_net_recv(struct kstub_udp_net *n, uint8_t *buf, size_t cap);

/*
 * Where a datagram came from, to answer it: IPv4 address and UDP port
 * (wire order, host order), and the MAC of the hop it came through
 * (left zero by layers with no use for it, such as a hosted socket).
 */
struct kstub_udp_addr {
	uint8_t ip[4];
	uint16_t port;
	uint8_t mac[6];
};

/*
 * As kstub_udp_net_recv, but from any sender the configuration admits
 * (a configured peer IP or port still filters), latching nothing: the
 * source goes to *from, to answer with kstub_udp_net_send_to. For the
 * authenticated mode, which authenticates senders itself.
 */
long kstub_udp_net_recv_from(struct kstub_udp_net *n, uint8_t *buf,
			     size_t cap, struct kstub_udp_addr *from);

/*
 * Send one datagram to the address a recv_from gave (through the MAC it
 * came from, or the configured static peer MAC).
 * Returns: 0; KSTUB_E2BIG; KSTUB_ENOTCONN for an unusable address;
 *   KSTUB_EIO if the NIC failed.
 */
int kstub_udp_net_send_to(struct kstub_udp_net *n,
			  const struct kstub_udp_addr *to, const uint8_t *p,
			  size_t len);

/*
 * Forget a latched peer IP/port and the learned MAC (the session is
 * over); configured ones stay. Called: at session end, trap context.
 */
void kstub_udp_net_forget(struct kstub_udp_net *n);

#endif /* KSTUB_UDP_NET_H */
