/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ethernet II, ARP (RFC 826), IPv4 (RFC 791), UDP (RFC 768) and ICMP
 * echo (RFC 792) for the UDP transport (kstub_udp_net.h): frames from
 * the NIC parsed with every length checked against what arrived, and
 * datagrams to the peer built into one unfragmented frame.
 */
#include "kstub_udp_net.h"
#include "kstub_errno.h"

#define ETH_HLEN KSTUB_UDP_NET_ETH_HLEN
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_LEN 28
#define IP_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8
#define PROTO_ICMP 1
#define PROTO_UDP 17
#define IP_DF 0x4000
#define IP_MF_OFFSET 0x3fff	/* more-fragments and the offset */
#define TTL 64

/* recv's "no datagram in this frame" (it was answered or dropped). */
#define NONE KSTUB_EAGAIN

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int same(const void *a, const void *b, size_t n)
{
	return __builtin_memcmp(a, b, n) == 0;
}

static int is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* 0.0.0.0, multicast, class E and broadcast: no host's address. */
static int bad_host_ip(const uint8_t *ip)
{
	return ip[0] >= 224 || is_zero(ip, 4);
}

/*
 * RFC 1071's one's complement sum: 16-bit words, big-endian, an odd
 * last byte padded with zero. 750 words of 0xffff fit 32 bits easily.
 */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	while (n > 1) {
		s += get16(p);
		p += 2;
		n -= 2;
	}
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

/* Folded and complemented: the field's value, or 0 when verifying. */
static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* UDP's checksum covers a pseudo-header of addresses, protocol, length. */
static uint16_t udp_csum(const uint8_t *src, const uint8_t *dst,
			 const uint8_t *udp, size_t len)
{
	uint32_t s = sum16(0, src, 4);

	s = sum16(s, dst, 4);
	s += PROTO_UDP + (uint32_t)len;
	return fold(sum16(s, udp, len));
}

int kstub_udp_net_init(struct kstub_udp_net *n,
		       const struct kstub_udp_nic_ops *nic, void *nic_ctx,
		       const struct kstub_udp_net_config *cfg)
{
	const uint8_t *pip = cfg ? cfg->peer_ip : 0;

	if (!nic || !nic->send_frame || !nic->recv_frame || !nic->get_mac ||
	    !cfg || bad_host_ip(cfg->ip) || !cfg->port ||
	    (!is_zero(pip, 4) && bad_host_ip(pip)) ||
	    (!is_zero(cfg->gateway_ip, 4) && bad_host_ip(cfg->gateway_ip)) ||
	    (cfg->peer_mac[0] & 1))
		return KSTUB_EINVAL;
	__builtin_memset(n, 0, sizeof(*n));
	n->nic = nic;
	n->nic_ctx = nic_ctx;
	n->cfg = *cfg;
	nic->get_mac(nic_ctx, n->mac);
	kstub_udp_net_forget(n);
	return 0;
}

void kstub_udp_net_forget(struct kstub_udp_net *n)
{
	const struct kstub_udp_net_config *c = &n->cfg;

	__builtin_memcpy(n->peer_ip, c->peer_ip, 4);
	n->peer_port = c->peer_port;
	__builtin_memcpy(n->peer_mac, c->peer_mac, 6);
	n->have_ip = !is_zero(c->peer_ip, 4);
	n->have_port = c->peer_port != 0;
	/* A MAC learned in this session may not be right for the next. */
	n->have_mac = !is_zero(c->peer_mac, 6);
}

/* The IP whose MAC the next hop is: the gateway, or the peer. */
static const uint8_t *next_hop(const struct kstub_udp_net *n)
{
	if (!is_zero(n->cfg.gateway_ip, 4))
		return n->cfg.gateway_ip;
	return n->have_ip ? n->peer_ip : 0;
}

/* 1 if mac is now the next hop's; a static MAC is never overridden. */
static int learn_mac(struct kstub_udp_net *n, const uint8_t *mac)
{
	if (!is_zero(n->cfg.peer_mac, 6))
		return 0;
	__builtin_memcpy(n->peer_mac, mac, 6);
	n->have_mac = 1;
	return 1;
}

/* Pad to the Ethernet minimum with zeros (no stale bytes leak) and send. */
static int xmit(struct kstub_udp_net *n, size_t len)
{
	if (len < KSTUB_UDP_NET_FRAME_MIN) {
		__builtin_memset(n->frame + len, 0,
				 KSTUB_UDP_NET_FRAME_MIN - len);
		len = KSTUB_UDP_NET_FRAME_MIN;
	}
	if (n->nic->send_frame(n->nic_ctx, n->frame, len) < 0) {
		n->stats.tx_errors++;
		return KSTUB_EIO;
	}
	n->stats.tx_frames++;
	return 0;
}

static void eth_header(struct kstub_udp_net *n, const uint8_t *dst,
		       uint16_t type)
{
	__builtin_memmove(n->frame, dst, 6);
	__builtin_memcpy(n->frame + 6, n->mac, 6);
	put16(n->frame + 12, type);
}

/*
 * RFC 826: learn the next hop's MAC from any ARP it sends (a request
 * or the reply to ours), and answer requests for our IP in place.
 */
static long arp_input(struct kstub_udp_net *n, size_t len)
{
	uint8_t *a = n->frame + ETH_HLEN;
	const uint8_t *hop = next_hop(n);
	uint16_t op;
	int from_hop = 0;

	if (len < ARP_LEN) {
		n->stats.drop_short++;
		return NONE;
	}
	op = get16(a + 6);
	if (get16(a) != 1 || get16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 ||
	    a[5] != 4 || (op != 1 && op != 2) || (a[8] & 1)) {
		n->stats.drop_arp_bad++;
		return NONE;
	}
	/* From the next hop: not "about other IPs", learned or not. */
	if (hop && same(a + 14, hop, 4)) {
		if (learn_mac(n, a + 8))
			n->stats.arp_learned++;
		from_hop = 1;
	}
	if (op == 1 && same(a + 24, n->cfg.ip, 4)) {
		/* The reply: target := sender, sender := us; op 2. */
		__builtin_memcpy(a + 18, a + 8, 10);
		__builtin_memcpy(a + 8, n->mac, 6);
		__builtin_memcpy(a + 14, n->cfg.ip, 4);
		put16(a + 6, 2);
		eth_header(n, a + 18, ETHERTYPE_ARP);
		if (xmit(n, ETH_HLEN + ARP_LEN) == 0)
			n->stats.arp_replied++;
		return NONE;
	}
	if (!from_hop)
		n->stats.drop_arp_other++;
	return NONE;
}

/* Finish an IPv4 header at ip (20 bytes) and its checksum. */
static void ip_header(struct kstub_udp_net *n, uint8_t *ip, size_t tot,
		      uint8_t proto, const uint8_t *dst)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, n->ip_id++);
	put16(ip + 6, IP_DF);	/* never fragmented, by us or on the way */
	ip[8] = TTL;
	ip[9] = proto;
	put16(ip + 10, 0);
	__builtin_memmove(ip + 16, dst, 4);
	__builtin_memcpy(ip + 12, n->cfg.ip, 4);
	put16(ip + 10, fold(sum16(0, ip, IP_HLEN)));
}

/* RFC 792 echo: the request turned round in place, same data. */
static long icmp_input(struct kstub_udp_net *n, uint8_t *ip, size_t len)
{
	uint8_t *icmp = ip + IP_HLEN;

	if (len < ICMP_HLEN || fold(sum16(0, icmp, len)) != 0) {
		n->stats.drop_icmp_bad++;
		return NONE;
	}
	if (icmp[0] != 8 || icmp[1] != 0) {
		n->stats.drop_icmp_type++;
		return NONE;
	}
	icmp[0] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 2, fold(sum16(0, icmp, len)));
	eth_header(n, n->frame + 6, ETHERTYPE_IPV4);
	ip_header(n, ip, IP_HLEN + len, PROTO_ICMP, ip + 12);
	if (xmit(n, ETH_HLEN + IP_HLEN + len) == 0)
		n->stats.icmp_echoed++;
	return NONE;
}

/*
 * A datagram to our port from the peer: its payload to buf (at most
 * cap bytes), its source latched if the config left it open. With from
 * (recv_from), from anyone the config admits: nothing latched, the
 * source written to *from.
 */
static long udp_input(struct kstub_udp_net *n, const uint8_t *ip,
		      size_t len, uint8_t *buf, size_t cap,
		      struct kstub_udp_addr *from)
{
	const uint8_t *u = ip + IP_HLEN;
	size_t ulen, plen;
	uint16_t sport;

	/* The UDP length must be the IP payload's: no trailing bytes. */
	if (len < UDP_HLEN || get16(u + 4) != len) {
		n->stats.drop_udp_bad++;
		return NONE;
	}
	ulen = len;
	if (get16(u + 2) != n->cfg.port) {
		n->stats.drop_udp_port++;
		return NONE;
	}
	/* Zero: the sender computed none, legal in IPv4 (RFC 768). */
	if (get16(u + 6) == 0)
		n->stats.udp_no_csum++;
	else if (udp_csum(ip + 12, ip + 16, u, ulen) != 0) {
		n->stats.drop_udp_csum++;
		return NONE;
	}
	sport = get16(u);
	if (from && buf) {
		if ((!is_zero(n->cfg.peer_ip, 4) &&
		     !same(ip + 12, n->cfg.peer_ip, 4)) ||
		    (n->cfg.peer_port && sport != n->cfg.peer_port) || !sport) {
			n->stats.drop_peer++;
			return NONE;
		}
		__builtin_memcpy(from->ip, ip + 12, 4);
		from->port = sport;
		__builtin_memcpy(from->mac, n->frame + 6, 6);
		goto deliver;
	}
	if ((n->have_ip && !same(ip + 12, n->peer_ip, 4)) ||
	    (n->have_port && sport != n->peer_port) || !sport) {
		n->stats.drop_peer++;
		return NONE;
	}
	if (!buf) {
		n->stats.drop_unready++;
		return NONE;
	}
	if (!n->have_ip)
		__builtin_memcpy(n->peer_ip, ip + 12, 4);
	n->peer_port = sport;
	n->have_ip = n->have_port = 1;
	/* The way back: the frame's source, the peer's or its router's. */
	learn_mac(n, n->frame + 6);
deliver:
	plen = ulen - UDP_HLEN;
	__builtin_memcpy(buf, u + UDP_HLEN, plen < cap ? plen : cap);
	n->stats.rx_delivered++;
	return (long)plen;
}

static long ip_input(struct kstub_udp_net *n, size_t avail, uint8_t *buf,
		     size_t cap, struct kstub_udp_addr *from)
{
	uint8_t *ip = n->frame + ETH_HLEN;
	size_t ihl, tot;

	if (avail < IP_HLEN) {
		n->stats.drop_short++;
		return NONE;
	}
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IP_HLEN || tot < ihl) {
		n->stats.drop_ip_bad++;
		return NONE;
	}
	/* Ethernet pads short frames: trust the total length, not flen. */
	if (tot > avail) {
		n->stats.drop_short++;
		return NONE;
	}
	if (fold(sum16(0, ip, ihl)) != 0) {
		n->stats.drop_ip_csum++;
		return NONE;
	}
	if (ihl != IP_HLEN) {
		n->stats.drop_ip_options++;
		return NONE;
	}
	/* No reassembly: a polled debug link has no memory for it. */
	if (get16(ip + 6) & IP_MF_OFFSET) {
		n->stats.drop_ip_frag++;
		return NONE;
	}
	if (!same(ip + 16, n->cfg.ip, 4)) {
		n->stats.drop_ip_dst++;
		return NONE;
	}
	if (bad_host_ip(ip + 12)) {
		n->stats.drop_ip_src++;
		return NONE;
	}
	if (ip[9] == PROTO_UDP)
		return udp_input(n, ip, tot - IP_HLEN, buf, cap, from);
	if (ip[9] == PROTO_ICMP)
		return icmp_input(n, ip, tot - IP_HLEN);
	n->stats.drop_ip_proto++;
	return NONE;
}

/* One frame of flen bytes in n->frame; buf NULL: no one takes UDP. */
static long input(struct kstub_udp_net *n, size_t flen, uint8_t *buf,
		  size_t cap, struct kstub_udp_addr *from)
{
	const uint8_t *f = n->frame;
	uint16_t type;

	n->stats.rx_frames++;
	if (flen > KSTUB_UDP_NET_FRAME_MAX) {
		n->stats.drop_oversize++;
		return NONE;
	}
	if (flen < ETH_HLEN) {
		n->stats.drop_short++;
		return NONE;
	}
	type = get16(f + 12);
	/* Broadcast is for ARP requests only; a multicast source is bogus. */
	if ((!same(f, n->mac, 6) &&
	     !(type == ETHERTYPE_ARP && same(f, bcast, 6))) || (f[6] & 1)) {
		n->stats.drop_mac++;
		return NONE;
	}
	if (type == ETHERTYPE_IPV4)
		return ip_input(n, flen - ETH_HLEN, buf, cap, from);
	if (type == ETHERTYPE_ARP)
		return arp_input(n, flen - ETH_HLEN);
	n->stats.drop_ethertype++;
	return NONE;
}

/* Take one frame from the NIC: its length, KSTUB_EAGAIN or KSTUB_EIO. */
static long poll_nic(struct kstub_udp_net *n)
{
	long r = n->nic->recv_frame(n->nic_ctx, n->frame, sizeof(n->frame));

	if (r == KSTUB_EAGAIN)
		return r;
	if (r < 0) {
		n->stats.rx_nic_error++;
		return KSTUB_EIO;
	}
	return r;
}

static long recv_any(struct kstub_udp_net *n, uint8_t *buf, size_t cap,
		     struct kstub_udp_addr *from)
{
	unsigned i;
	long r;

	for (i = 0; i < KSTUB_UDP_NET_POLL_FRAMES; i++) {
		r = poll_nic(n);
		if (r < 0)
			return r;
		r = input(n, (size_t)r, buf, cap, from);
		if (r >= 0)
			return r;
	}
	return KSTUB_EAGAIN;
}

long kstub_udp_net_recv(struct kstub_udp_net *n, uint8_t *buf, size_t cap)
{
	return recv_any(n, buf, cap, 0);
}

long kstub_udp_net_recv_from(struct kstub_udp_net *n, uint8_t *buf,
			     size_t cap, struct kstub_udp_addr *from)
{
	return recv_any(n, buf, cap, from);
}

/*
 * kstub speaks first to a peer it has not heard from (a configured
 * one): ask for the next hop's MAC and poll for the answer, answering
 * ARP and ping meanwhile. A datagram that comes in the meantime teaches
 * the MAC too, but is dropped: gdb resends it.
 */
static int resolve(struct kstub_udp_net *n)
{
	const uint8_t *hop = next_hop(n);
	uint32_t polls = n->cfg.arp_polls ? n->cfg.arp_polls :
					    KSTUB_UDP_NET_ARP_POLLS;
	uint32_t t, i;
	uint8_t *a;
	long r;

	for (t = 0; hop && t < KSTUB_UDP_NET_ARP_TRIES; t++) {
		a = n->frame + ETH_HLEN;
		eth_header(n, bcast, ETHERTYPE_ARP);
		put16(a, 1);
		put16(a + 2, ETHERTYPE_IPV4);
		a[4] = 6;
		a[5] = 4;
		put16(a + 6, 1);
		__builtin_memcpy(a + 8, n->mac, 6);
		__builtin_memcpy(a + 14, n->cfg.ip, 4);
		__builtin_memset(a + 18, 0, 6);
		__builtin_memcpy(a + 24, hop, 4);
		if (xmit(n, ETH_HLEN + ARP_LEN) < 0)
			return KSTUB_EIO;
		for (i = 0; i < polls; i++) {
			r = poll_nic(n);
			if (r == KSTUB_EAGAIN)
				continue;
			if (r < 0)
				return (int)r;
			input(n, (size_t)r, 0, 0, 0);
			if (n->have_mac)
				return 0;
		}
	}
	n->stats.arp_timeouts++;
	return KSTUB_ENOTCONN;
}

/* One datagram in one frame to mac / ip:port. */
static int send_dgram(struct kstub_udp_net *n, const uint8_t *mac,
		      const uint8_t *dip, uint16_t dport, const uint8_t *p,
		      size_t len)
{
	uint8_t *ip = n->frame + ETH_HLEN, *u = ip + IP_HLEN;
	size_t ulen = UDP_HLEN + len;
	uint16_t sum;

	eth_header(n, mac, ETHERTYPE_IPV4);
	put16(u, n->cfg.port);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	__builtin_memcpy(u + UDP_HLEN, p, len);
	ip_header(n, ip, IP_HLEN + ulen, PROTO_UDP, dip);
	sum = udp_csum(ip + 12, ip + 16, u, ulen);
	/* A computed 0 goes out as 0xffff: 0 would mean "none" (RFC 768). */
	put16(u + 6, sum ? sum : 0xffff);
	return xmit(n, ETH_HLEN + IP_HLEN + ulen);
}

int kstub_udp_net_send(struct kstub_udp_net *n, const uint8_t *p,
		       size_t len)
{
	int r;

	if (len > KSTUB_UDP_NET_MAX_PAYLOAD) {
		n->stats.tx_oversize++;
		return KSTUB_E2BIG;
	}
	if (!n->have_ip || !n->have_port) {
		n->stats.tx_no_peer++;
		return KSTUB_ENOTCONN;
	}
	if (!n->have_mac) {
		r = resolve(n);
		if (r < 0) {
			n->stats.tx_no_peer++;
			return r;
		}
	}
	return send_dgram(n, n->peer_mac, n->peer_ip, n->peer_port, p, len);
}

int kstub_udp_net_send_to(struct kstub_udp_net *n,
			  const struct kstub_udp_addr *to, const uint8_t *p,
			  size_t len)
{
	/* A configured static MAC (a fixed router) wins over the frame's. */
	const uint8_t *mac = is_zero(n->cfg.peer_mac, 6) ? to->mac :
							    n->cfg.peer_mac;

	if (len > KSTUB_UDP_NET_MAX_PAYLOAD) {
		n->stats.tx_oversize++;
		return KSTUB_E2BIG;
	}
	if (!to->port || bad_host_ip(to->ip) || (mac[0] & 1)) {
		n->stats.tx_no_peer++;
		return KSTUB_ENOTCONN;
	}
	return send_dgram(n, mac, to->ip, to->port, p, len);
}
