/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UDP transport's network layer (transports/udp/udp_net.c) and the
 * whole plain-mode link over it (udp_link.c), on a fake NIC: ARP and
 * ping answered byte for byte, a gdb datagram up to plain mode and its
 * reply back to the sender, one row per drop reason (counted, nothing
 * delivered, nothing sent), every frame length, the MTU on output, and
 * ARP resolution when the stub speaks first. Checksums of what the
 * layer sends are checked by an independent computation here.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fake_machine.h"
#include "fake_nic.h"
#include "kstub_errno.h"
#include "kstub_udp_link.h"
#include "auth_peer.h"	/* aw_reset: the auth hooks of a fake clock */

static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t other_mac[6] = { 2, 0, 0, 0, 0, 9 };
#define OUR_PORT 4000
#define PEER_PORT 50000

static struct fake_nic nic;
static struct kstub_udp_link link;
static struct kstub_udp_net *net = &link.net;
/* What a port passes to kstub_init(): plain mode's ops on link.plain. */
static const struct kstub_transport_ops *ops = &kstub_udp_plain_ops;
static void *lc = &link.plain;
static struct kstub_udp_net_config cfg;
static uint8_t f[FAKE_NIC_FRAME_MAX];

static void setup_cfg(int peer_configured)
{
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.ip, "\x0a\x00\x00\x02", 4);
	cfg.port = OUR_PORT;
	if (peer_configured)
		memcpy(cfg.peer_ip, "\x0a\x00\x00\x01", 4);
	fake_nic_init(&nic, our_mac);
	ck_assert_int_eq(kstub_udp_link_init(&link, &fake_nic_ops, &nic,
					     &cfg), 0);
}

static void setup(void)
{
	setup_cfg(1);
}

/*
 * The test's own checksum: the 64-bit sum of words reduced mod 0xffff
 * (one's complement addition is addition mod 2^16 - 1), not the fold
 * loop udp_net.c uses.
 */
static uint16_t ref_csum(const uint8_t *p, size_t n, uint64_t s)
{
	uint64_t r;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint64_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint64_t)p[n - 1] << 8;
	r = s % 0xffff;
	if (r == 0 && s != 0)
		r = 0xffff;
	return (uint16_t)~r;
}

static uint16_t ref_udp_csum(const uint8_t *ip)
{
	uint16_t ulen = (uint16_t)(ip[24] << 8 | ip[25]);
	uint64_t s = 17 + ulen;
	size_t i;

	for (i = 12; i < 20; i += 2)
		s += (uint64_t)ip[i] << 8 | ip[i + 1];
	return ref_csum(ip + 20, ulen, s);
}

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void p16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute the IPv4 header and UDP checksums of a frame in f. */
static void fix_csums(uint8_t *fr)
{
	uint8_t *ip = fr + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4;

	p16(ip + 10, 0);
	p16(ip + 10, ref_csum(ip, ihl, 0));
	if (ihl == 20 && ip[9] == 17) {
		p16(ip + 26, 0);
		p16(ip + 26, ref_udp_csum(ip));
	} else if (ihl == 20 && ip[9] == 1) {
		p16(ip + 22, 0);
		p16(ip + 22, ref_csum(ip + 20, g16(ip + 2) - 20u, 0));
	}
}

/* A well-formed datagram from the peer to our port: its frame length. */
static size_t udp_frame(uint8_t *fr, const void *payload, size_t len)
{
	uint8_t *ip = fr + 14;

	memcpy(fr, our_mac, 6);
	memcpy(fr + 6, peer_mac, 6);
	p16(fr + 12, 0x0800);
	memcpy(ip, "\x45\x00\x00\x00\x00\x01\x40\x00\x40\x11\x00\x00"
	       "\x0a\x00\x00\x01\x0a\x00\x00\x02", 20);
	p16(ip + 2, 28 + len);
	p16(ip + 20, PEER_PORT);
	p16(ip + 22, OUR_PORT);
	p16(ip + 24, 8 + len);
	memcpy(ip + 28, payload, len);
	fix_csums(fr);
	return 42 + len;
}

static uint32_t drops(void)
{
	return fake_nic_drops(&net->stats);
}

static long recv1(uint8_t *buf, size_t cap)
{
	return kstub_udp_net_recv(net, buf, cap);
}

/* 10.0.0.1 asks who has 10.0.0.2: the reply, byte for byte, padded. */
START_TEST(arp_request_answered)
{
	static const uint8_t req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1,
		0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1,
		2, 0, 0, 0, 0, 1, 10, 0, 0, 1,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
	};
	static const uint8_t rep[60] = {
		2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2,
		0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 2,
		2, 0, 0, 0, 0, 2, 10, 0, 0, 2,
		2, 0, 0, 0, 0, 1, 10, 0, 0, 1,
	};
	uint8_t buf[64];

	memcpy(f, req, sizeof(req));
	memset(f + 42, 0xee, 18);	/* padding the reply must not echo */
	fake_nic_queue(&nic, f, 60);
	ck_assert_int_eq(recv1(buf, sizeof(buf)), KSTUB_EAGAIN);
	ck_assert_uint_eq(nic.nout, 1);
	ck_assert_uint_eq(nic.out_len[0], 60);
	ck_assert_mem_eq(nic.out[0], rep, 60);
	ck_assert_uint_eq(net->stats.arp_replied, 1);
	ck_assert_uint_eq(drops(), 0);
	/* The peer's MAC came with it: a send needs no ARP of its own. */
	ck_assert(net->have_mac);
}
END_TEST

START_TEST(arp_for_other_ip_ignored)
{
	static const uint8_t req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 7,
		0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1,
		2, 0, 0, 0, 0, 7, 10, 0, 0, 7,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 3,
	};
	uint8_t buf[64];

	fake_nic_queue(&nic, req, sizeof(req));
	ck_assert_int_eq(recv1(buf, sizeof(buf)), KSTUB_EAGAIN);
	ck_assert_uint_eq(nic.nout, 0);
	ck_assert_uint_eq(net->stats.drop_arp_other, 1);
	ck_assert_uint_eq(drops(), 1);
	ck_assert(!net->have_mac);
}
END_TEST

/* ping 10.0.0.2 from 10.0.0.1; checksums precomputed by hand. */
START_TEST(icmp_echo_answered)
{
	static const uint8_t req[] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x26, 0x00, 0x07, 0x40, 0x00, 0x40, 0x01,
		0x26, 0xce, 10, 0, 0, 1, 10, 0, 0, 2,
		0x08, 0x00, 0xc4, 0xe3, 0x12, 0x34, 0x00, 0x01,
		'k', 's', 't', 'u', 'b', '-', 'p', 'i', 'n', 'g',
	};
	const uint8_t *o, *ip;
	uint8_t buf[64];

	fake_nic_queue(&nic, req, sizeof(req));
	ck_assert_int_eq(recv1(buf, sizeof(buf)), KSTUB_EAGAIN);
	ck_assert_uint_eq(nic.nout, 1);
	ck_assert_uint_eq(net->stats.icmp_echoed, 1);
	o = nic.out[0];
	ip = o + 14;
	ck_assert_uint_eq(nic.out_len[0], 60);	/* 52, padded */
	ck_assert_mem_eq(o, peer_mac, 6);
	ck_assert_mem_eq(o + 6, our_mac, 6);
	ck_assert_uint_eq(g16(o + 12), 0x0800);
	ck_assert_uint_eq(g16(ip + 2), 38);
	ck_assert_mem_eq(ip + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	ck_assert_uint_eq(ip[9], 1);
	ck_assert_uint_eq(ref_csum(ip, 20, 0), 0);
	/* Echo reply, id, seq and data kept; checksum as computed by hand. */
	ck_assert_uint_eq(ip[20], 0);
	ck_assert_uint_eq(g16(ip + 22), 0xcce3);
	ck_assert_uint_eq(ref_csum(ip + 20, 18, 0), 0);
	ck_assert_mem_eq(ip + 24, req + 38, 14);
	ck_assert(memcmp(o + 52, "\0\0\0\0\0\0\0\0", 8) == 0);
}
END_TEST

/* gdb's "$?#3f" reaches plain mode; "+$S05#b8" goes back to its source. */
START_TEST(udp_to_plain_and_back)
{
	const uint8_t *o, *ip;
	uint8_t buf[256];
	long n;

	fake_nic_queue(&nic, f, udp_frame(f, "$?#3f", 5));
	ops->enter(lc);
	n = ops->recv_packet(lc, buf, sizeof(buf));
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(buf[0], '?');
	ck_assert_int_eq(ops->send_packet(lc, (const uint8_t *)"S05", 3), 0);
	ck_assert_uint_eq(nic.nout, 1);
	o = nic.out[0];
	ip = o + 14;
	ck_assert_mem_eq(o, peer_mac, 6);
	ck_assert_mem_eq(o + 6, our_mac, 6);
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(g16(ip + 6), 0x4000);	/* DF, no fragments */
	ck_assert_mem_eq(ip + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	ck_assert_uint_eq(ref_csum(ip, 20, 0), 0);
	ck_assert_uint_eq(g16(ip + 20), OUR_PORT);
	ck_assert_uint_eq(g16(ip + 22), PEER_PORT);
	ck_assert_uint_eq(g16(ip + 24), 8 + 8);
	ck_assert_uint_ne(g16(ip + 26), 0);
	ck_assert_uint_eq(ref_udp_csum(ip), 0);
	ck_assert_mem_eq(ip + 28, "+$S05#b8", 8);
	ck_assert_uint_eq(net->stats.rx_delivered, 1);
	ck_assert_uint_eq(drops(), 0);
	ops->leave(lc);
}
END_TEST

/* One row per drop reason: a mutation of a good datagram, its counter. */
struct drop_row {
	const char *what;
	size_t stat;		/* offsetof in the stats */
	int fix;		/* recompute checksums after the mutation */
	size_t (*mutate)(uint8_t *fr, size_t len);
};

static size_t m_cut(uint8_t *fr, size_t len)
{
	(void)fr;
	return len - 1;
}
static size_t m_runt(uint8_t *fr, size_t len)
{
	(void)fr, (void)len;
	return 13;
}
static size_t m_huge(uint8_t *fr, size_t len)
{
	(void)len;
	memset(fr + 20, 0, 1600);
	return 1515;
}
static size_t m_mac(uint8_t *fr, size_t len)
{
	memcpy(fr, other_mac, 6);
	return len;
}
static size_t m_bcast_ip(uint8_t *fr, size_t len)
{
	memset(fr, 0xff, 6);
	return len;
}
static size_t m_mcast_src(uint8_t *fr, size_t len)
{
	fr[6] = 1;
	return len;
}
static size_t m_ipv6(uint8_t *fr, size_t len)
{
	p16(fr + 12, 0x86dd);
	return len;
}
static size_t m_vlan(uint8_t *fr, size_t len)
{
	p16(fr + 12, 0x8100);
	return len;
}
static size_t m_arp_bad(uint8_t *fr, size_t len)
{
	(void)len;
	memcpy(fr, "\xff\xff\xff\xff\xff\xff", 6);
	memcpy(fr + 12, "\x08\x06\x00\x06\x08\x00\x06\x04\x00\x01", 10);
	return 60;
}
static size_t m_version(uint8_t *fr, size_t len)
{
	fr[14] = 0x65;
	return len;
}
static size_t m_ihl(uint8_t *fr, size_t len)
{
	fr[14] = 0x44;
	return len;
}
static size_t m_totlen(uint8_t *fr, size_t len)
{
	p16(fr + 16, len - 14 + 1);
	return len;
}
static size_t m_totlen_small(uint8_t *fr, size_t len)
{
	p16(fr + 16, 16);
	return len;
}
static size_t m_ip_csum(uint8_t *fr, size_t len)
{
	fr[24] ^= 1;
	return len;
}
static size_t m_options(uint8_t *fr, size_t len)
{
	/* IHL 6: a 4-byte NOP option moves the UDP header along. */
	memmove(fr + 38, fr + 34, len - 34);
	memset(fr + 34, 1, 4);
	fr[14] = 0x46;
	p16(fr + 16, len - 14 + 4);
	return len + 4;
}
static size_t m_mf(uint8_t *fr, size_t len)
{
	p16(fr + 20, 0x2000);
	return len;
}
static size_t m_offset(uint8_t *fr, size_t len)
{
	p16(fr + 20, 0x0001);
	return len;
}
static size_t m_ip_dst(uint8_t *fr, size_t len)
{
	fr[33] = 3;
	return len;
}
static size_t m_ip_src(uint8_t *fr, size_t len)
{
	memset(fr + 26, 0xff, 4);
	return len;
}
static size_t m_tcp(uint8_t *fr, size_t len)
{
	fr[23] = 6;
	return len;
}
static size_t m_icmp_csum(uint8_t *fr, size_t len)
{
	fr[23] = 1;
	fix_csums(fr);
	fr[36] ^= 1;
	return len;
}
static size_t m_icmp_type(uint8_t *fr, size_t len)
{
	fr[23] = 1;
	fr[34] = 13;	/* timestamp request */
	return len;
}
static size_t m_udp_len(uint8_t *fr, size_t len)
{
	p16(fr + 38, g16(fr + 38) - 1);
	return len;
}
static size_t m_udp_csum(uint8_t *fr, size_t len)
{
	fr[40] ^= 0x10;
	return len;
}
static size_t m_port(uint8_t *fr, size_t len)
{
	p16(fr + 36, OUR_PORT + 1);
	return len;
}
static size_t m_peer(uint8_t *fr, size_t len)
{
	fr[29] = 5;	/* from 10.0.0.5, not the configured 10.0.0.1 */
	return len;
}

#define ROW(w, s, fx, m) { w, offsetof(struct kstub_udp_net_stats, s), fx, m }
static const struct drop_row drop_rows[] = {
	ROW("truncated by one", drop_short, 0, m_cut),
	ROW("runt", drop_short, 0, m_runt),
	ROW("over 1514", drop_oversize, 0, m_huge),
	ROW("other MAC", drop_mac, 0, m_mac),
	ROW("IPv4 to broadcast MAC", drop_mac, 0, m_bcast_ip),
	ROW("multicast source MAC", drop_mac, 0, m_mcast_src),
	ROW("IPv6 ethertype", drop_ethertype, 0, m_ipv6),
	ROW("VLAN tag", drop_ethertype, 0, m_vlan),
	ROW("ARP htype 6", drop_arp_bad, 0, m_arp_bad),
	ROW("IP version 6", drop_ip_bad, 1, m_version),
	ROW("IHL 4", drop_ip_bad, 0, m_ihl),
	ROW("total length past frame", drop_short, 1, m_totlen),
	ROW("total length under header", drop_ip_bad, 1, m_totlen_small),
	ROW("IP checksum", drop_ip_csum, 0, m_ip_csum),
	ROW("IP options", drop_ip_options, 1, m_options),
	ROW("more fragments", drop_ip_frag, 1, m_mf),
	ROW("fragment offset", drop_ip_frag, 1, m_offset),
	ROW("other IP", drop_ip_dst, 1, m_ip_dst),
	ROW("broadcast source IP", drop_ip_src, 1, m_ip_src),
	ROW("TCP", drop_ip_proto, 1, m_tcp),
	ROW("ICMP checksum", drop_icmp_bad, 0, m_icmp_csum),
	ROW("ICMP timestamp", drop_icmp_type, 1, m_icmp_type),
	ROW("UDP length", drop_udp_bad, 1, m_udp_len),
	ROW("UDP checksum", drop_udp_csum, 0, m_udp_csum),
	ROW("other port", drop_udp_port, 1, m_port),
	ROW("other peer", drop_peer, 1, m_peer),
};

START_TEST(drop_reasons)
{
	const struct drop_row *r = &drop_rows[_i];
	uint8_t buf[64];
	size_t len;

	memset(f, 0, sizeof(f));
	len = r->mutate(f, udp_frame(f, "$?#3f", 5));
	if (r->fix)
		fix_csums(f);
	fake_nic_queue(&nic, f, len);
	ck_assert_msg(recv1(buf, sizeof(buf)) == KSTUB_EAGAIN, "%s", r->what);
	ck_assert_msg(*(const uint32_t *)((const char *)&net->stats +
					  r->stat) == 1, "%s", r->what);
	ck_assert_msg(drops() == 1, "%s", r->what);
	ck_assert_uint_eq(net->stats.rx_delivered, 0);
	ck_assert_uint_eq(nic.nout, 0);
	/* The layer was not poisoned: a good datagram still gets through. */
	fake_nic_queue(&nic, f, udp_frame(f, "$?#3f", 5));
	ck_assert_int_eq(recv1(buf, sizeof(buf)), 5);
}
END_TEST

/*
 * Every length 0..1600: 42..1514 is a whole datagram (delivered, its
 * payload intact), shorter ones are cut datagrams, longer ones too big.
 */
START_TEST(every_frame_length)
{
	static uint8_t payload[1600], buf[KSTUB_UDP_NET_MAX_PAYLOAD];
	size_t len, i;
	long n;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	for (len = 0; len <= 1600; len++) {
		memset(&net->stats, 0, sizeof(net->stats));
		if (len >= 42 && len <= 1514)
			udp_frame(f, payload, len - 42);
		else
			udp_frame(f, payload, 1472);
		nic.nin = nic.in_pos = 0;	/* one slot, reused */
		fake_nic_queue(&nic, f, len);
		n = recv1(buf, sizeof(buf));
		if (len >= 42 && len <= 1514) {
			ck_assert_int_eq(n, (long)len - 42);
			ck_assert_mem_eq(buf, payload, len - 42);
			ck_assert_uint_eq(drops(), 0);
		} else {
			ck_assert_int_eq(n, KSTUB_EAGAIN);
			ck_assert_uint_eq(drops(), 1);
			ck_assert_uint_eq(len < 42 ? net->stats.drop_short :
					  net->stats.drop_oversize, 1);
		}
		ck_assert_uint_eq(nic.nout, 0);
	}
}
END_TEST

/* 1472 bytes of payload fill one 1514-byte frame; one more is refused. */
START_TEST(mtu_on_output)
{
	static uint8_t big[KSTUB_UDP_NET_MAX_PAYLOAD + 1];
	static uint8_t pkt[KSTUB_UDP_PLAIN_MAX_PACKET];
	uint8_t buf[64];

	ck_assert_uint_eq(KSTUB_UDP_NET_MAX_PAYLOAD, 1472);
	ck_assert_uint_eq(ops->max_packet,
			  KSTUB_UDP_NET_MAX_PAYLOAD - 5);
	fake_nic_queue(&nic, f, udp_frame(f, "+", 1));
	ck_assert_int_eq(recv1(buf, sizeof(buf)), 1);	/* learn the peer */
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(kstub_udp_net_send(net, big, sizeof(big)),
			 KSTUB_E2BIG);
	ck_assert_uint_eq(net->stats.tx_oversize, 1);
	ck_assert_uint_eq(nic.nout, 0);
	ck_assert_int_eq(kstub_udp_net_send(net, big, sizeof(big) - 1), 0);
	ck_assert_uint_eq(nic.out_len[0], 1514);
	ck_assert_uint_eq(g16(nic.out[0] + 16), 1500);
	ck_assert_uint_eq(ref_udp_csum(nic.out[0] + 14), 0);
	/* Plain mode's largest reply, its ack included, fits exactly. */
	memset(pkt, 'y', sizeof(pkt));
	fake_nic_queue(&nic, f, udp_frame(f, "$?#3f", 5));
	ops->enter(lc);
	ck_assert_int_eq(ops->recv_packet(lc, buf, sizeof(buf)), 1);
	ck_assert_int_eq(ops->send_packet(lc, pkt, sizeof(pkt)), 0);
	ck_assert_uint_eq(nic.nout, 2);
	ck_assert_uint_eq(nic.out_len[1], 1514);
}
END_TEST

/* RFC 768: a zero UDP checksum means "none"; taken, and counted. */
START_TEST(zero_udp_checksum_taken)
{
	uint8_t buf[64];
	size_t len = udp_frame(f, "$?#3f", 5);

	p16(f + 40, 0);
	fake_nic_queue(&nic, f, len);
	ck_assert_int_eq(recv1(buf, sizeof(buf)), 5);
	ck_assert_uint_eq(net->stats.udp_no_csum, 1);
}
END_TEST

/* No peer configured: the first sender is latched until session end. */
START_TEST(unconfigured_peer_latched)
{
	uint8_t buf[64];
	size_t len;

	setup_cfg(0);
	fake_nic_queue(&nic, f, udp_frame(f, "$?#3f", 5));
	ck_assert_int_eq(recv1(buf, sizeof(buf)), 5);
	len = udp_frame(f, "$k#6b", 5);
	f[29] = 5;
	fix_csums(f);
	fake_nic_queue(&nic, f, len);
	ck_assert_int_eq(recv1(buf, sizeof(buf)), KSTUB_EAGAIN);
	ck_assert_uint_eq(net->stats.drop_peer, 1);
	ops->session_end(lc);
	fake_nic_queue(&nic, f, len);
	ck_assert_int_eq(recv1(buf, sizeof(buf)), 5);
	ck_assert_uint_eq(net->peer_ip[3], 5);
}
END_TEST

/*
 * After D the kernel runs and gdb's '+' for the OK comes late: it must
 * not latch that gdb again, or the next gdb is shut out for good.
 */
START_TEST(stray_after_session_end_unlatched)
{
	uint8_t buf[64];
	size_t len;

	setup_cfg(0);
	ops->enter(lc);
	fake_nic_queue(&nic, f, udp_frame(f, "$D#44", 5));
	ck_assert_int_eq(ops->recv_packet(lc, buf, sizeof(buf)), 1);
	ck_assert_int_eq(ops->send_packet(lc, (const uint8_t *)"OK", 2), 0);
	ops->session_end(lc);
	ops->leave(lc);
	fake_nic_queue(&nic, f, udp_frame(f, "+", 1));
	ck_assert_int_eq(ops->recv_packet(lc, buf, sizeof(buf)), KSTUB_EAGAIN);
	/* Another gdb, elsewhere: its break-in is taken. */
	len = udp_frame(f, "\x03", 1);
	f[29] = 5;
	fix_csums(f);
	fake_nic_queue(&nic, f, len);
	ck_assert_int_eq(ops->recv_packet(lc, buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], KSTUB_LINK_BREAK);
	ck_assert_uint_eq(net->peer_ip[3], 5);
}
END_TEST

/* An ARP reply from the peer to whatever asked (the wire's answer). */
static void answer_arp(struct fake_nic *n, const uint8_t *fr, size_t len)
{
	uint8_t rep[60] = { 0 };

	(void)len;
	if (g16(fr + 12) != 0x0806)
		return;
	ck_assert_mem_eq(fr, "\xff\xff\xff\xff\xff\xff", 6);
	ck_assert_uint_eq(g16(fr + 20), 1);
	ck_assert_mem_eq(fr + 38, "\x0a\x00\x00\x01", 4);
	memcpy(rep, our_mac, 6);
	memcpy(rep + 6, peer_mac, 6);
	memcpy(rep + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02", 10);
	memcpy(rep + 22, peer_mac, 6);
	memcpy(rep + 28, "\x0a\x00\x00\x01", 4);
	memcpy(rep + 32, our_mac, 6);
	memcpy(rep + 38, "\x0a\x00\x00\x02", 4);
	fake_nic_queue(n, rep, sizeof(rep));
}

/* Speaking first to a configured peer: ARP for it, then send. */
START_TEST(send_first_resolves_by_arp)
{
	setup_cfg(1);
	cfg.peer_port = PEER_PORT;
	ck_assert_int_eq(kstub_udp_link_init(&link, &fake_nic_ops, &nic,
					     &cfg), 0);
	nic.on_send = answer_arp;
	ck_assert_int_eq(kstub_udp_net_send(net, (const uint8_t *)"$T05#b9",
					    7), 0);
	ck_assert_uint_eq(nic.nout, 2);
	ck_assert_uint_eq(net->stats.arp_learned, 1);
	ck_assert_mem_eq(nic.out[1], peer_mac, 6);
	ck_assert_mem_eq(nic.out[1] + 42, "$T05#b9", 7);
}
END_TEST

START_TEST(send_first_arp_timeout)
{
	cfg.peer_port = PEER_PORT;
	ck_assert_int_eq(kstub_udp_link_init(&link, &fake_nic_ops, &nic,
					     &cfg), 0);
	ck_assert_int_eq(kstub_udp_net_send(net, (const uint8_t *)"x", 1),
			 KSTUB_ENOTCONN);
	ck_assert_uint_eq(nic.nout, KSTUB_UDP_NET_ARP_TRIES);
	ck_assert_uint_eq(net->stats.arp_timeouts, 1);
	ck_assert_uint_eq(nic.polls,
			  KSTUB_UDP_NET_ARP_TRIES * KSTUB_UDP_NET_ARP_POLLS);
	/* The port's own bound, when it sets one. */
	cfg.arp_polls = 5;
	nic.polls = nic.nout = 0;
	ck_assert_int_eq(kstub_udp_link_init(&link, &fake_nic_ops, &nic,
					     &cfg), 0);
	ck_assert_int_eq(kstub_udp_net_send(net, (const uint8_t *)"x", 1),
			 KSTUB_ENOTCONN);
	ck_assert_uint_eq(nic.polls, KSTUB_UDP_NET_ARP_TRIES * 5);
}
END_TEST

/* No peer at all yet: nothing to send to, and nothing is sent. */
START_TEST(send_without_peer)
{
	setup_cfg(0);
	ck_assert_int_eq(kstub_udp_net_send(net, (const uint8_t *)"x", 1),
			 KSTUB_ENOTCONN);
	ck_assert_uint_eq(nic.nout, 0);
	ck_assert_uint_eq(net->stats.tx_no_peer, 1);
}
END_TEST

/* A flood of junk is bounded per poll; a NIC error is passed up. */
START_TEST(poll_bounded_and_nic_error)
{
	uint8_t buf[64];
	unsigned i;

	for (i = 0; i < KSTUB_UDP_NET_POLL_FRAMES + 3; i++)
		fake_nic_queue(&nic, other_mac, 6);
	ck_assert_int_eq(recv1(buf, sizeof(buf)), KSTUB_EAGAIN);
	ck_assert_uint_eq(nic.polls, KSTUB_UDP_NET_POLL_FRAMES);
	ck_assert_uint_eq(net->stats.drop_short, KSTUB_UDP_NET_POLL_FRAMES);
	/* The three left over go first, then the good datagram. */
	fake_nic_queue(&nic, f, udp_frame(f, "$?#3f", 5));
	ck_assert_int_eq(recv1(buf, sizeof(buf)), 5);
	ck_assert_uint_eq(net->stats.drop_short,
			  KSTUB_UDP_NET_POLL_FRAMES + 3);
	nic.send_fails = true;
	ck_assert_int_eq(kstub_udp_net_send(net, buf, 1), KSTUB_EIO);
	ck_assert_uint_eq(net->stats.tx_errors, 1);
	nic.recv_fails = true;
	fake_nic_queue(&nic, f, udp_frame(f, "$?#3f", 5));
	ck_assert_int_eq(recv1(buf, sizeof(buf)), KSTUB_EIO);
	ck_assert_uint_eq(net->stats.rx_nic_error, 1);
}
END_TEST

/* A datagram from gdb at 10.0.0.1 (or, with from 5, 10.0.0.5). */
static void gdb_sends(const char *d, uint8_t from)
{
	size_t len = udp_frame(f, d, strlen(d));

	if (from) {
		f[29] = from;
		fix_csums(f);
	}
	fake_nic_queue(&nic, f, len);
}

/*
 * The whole stub on the fake machine, its link nothing but plain mode
 * over this layer on the fake NIC: a ping answered while gdb talks, an
 * intruder ignored, the reply to gdb in one UDP datagram with its ack.
 */
START_TEST(whole_stub_over_the_nic)
{
	static const uint8_t echo[16] = { 8, 0, 0, 0, 0x12, 0x34, 0, 2 };
	struct fx *fx = fx_new(NULL);
	struct kstub_config kc = fx->ks.cfg;
	char d[32];

	kc.link = ops;
	kc.link_ctx = lc;
	ck_assert_int_eq(kstub_init(&fx->ks, &kc), 0);
	snprintf(d, sizeof(d), "$qAttached#%02x",
		 fx_rsp_checksum("qAttached", 9));
	gdb_sends(d, 0);
	gdb_sends("$M10000,1:ff#a1", 5);	/* not the peer: never runs */
	udp_frame(f, "", 0);
	memcpy(f + 34, echo, sizeof(echo));
	p16(f + 16, 20 + sizeof(echo));
	f[23] = 1;
	fix_csums(f);
	fake_nic_queue(&nic, f, 50);
	gdb_sends("+", 0);
	gdb_sends("$c#63", 0);
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_eq(nic.nout, 3);
	ck_assert_uint_eq(g16(nic.out[0] + 14 + 20 + 4), 8 + 6);
	ck_assert_mem_eq(nic.out[0] + 42, "+$1#31", 6);
	ck_assert_uint_eq(nic.out[1][14 + 9], 1);	/* the echo reply */
	ck_assert_uint_eq(nic.out[1][34], 0);
	ck_assert_mem_eq(nic.out[2] + 42, "+", 1);	/* c's ack, alone */
	ck_assert_uint_eq(g16(nic.out[2] + 14 + 20 + 4), 8 + 1);
	ck_assert_uint_eq(net->stats.drop_peer, 1);
	ck_assert_uint_eq(fx->ram[0], 0);
	fx_free(fx);
}
END_TEST

/*
 * The authenticated mode's view: datagrams from anyone the config
 * admits, each with its sender, nothing latched; the answer goes back
 * to that sender through the MAC its frame came from.
 */
START_TEST(recv_from_any_sender_send_to_it)
{
	struct kstub_udp_addr from;
	uint8_t buf[64], *ip;

	setup_cfg(0);
	gdb_sends("one", 5);
	ck_assert_int_eq(kstub_udp_net_recv_from(net, buf, sizeof(buf), &from),
			 3);
	ck_assert_mem_eq(from.ip, "\x0a\x00\x00\x05", 4);
	ck_assert_uint_eq(from.port, PEER_PORT);
	ck_assert_mem_eq(from.mac, peer_mac, 6);
	ck_assert(!net->have_ip && !net->have_port);	/* nothing latched */
	gdb_sends("two", 0);
	ck_assert_int_eq(kstub_udp_net_recv_from(net, buf, sizeof(buf), &from),
			 3);
	ck_assert_mem_eq(from.ip, "\x0a\x00\x00\x01", 4);
	ck_assert_int_eq(kstub_udp_net_send_to(net, &from,
					       (const uint8_t *)"re", 2), 0);
	ck_assert_uint_eq(nic.nout, 1);
	ip = nic.out[0] + 14;
	ck_assert_mem_eq(nic.out[0], peer_mac, 6);
	ck_assert_mem_eq(ip + 16, "\x0a\x00\x00\x01", 4);
	ck_assert_uint_eq(g16(ip + 22), PEER_PORT);
	ck_assert_uint_eq(ref_csum(ip, 20, 0), 0);
	ck_assert_uint_eq(ref_udp_csum(ip), 0);
	ck_assert_mem_eq(ip + 28, "re", 2);
	/* No usable address: refused, not sent. */
	from.port = 0;
	ck_assert_int_eq(kstub_udp_net_send_to(net, &from, buf, 1),
			 KSTUB_ENOTCONN);
	/* A configured peer still filters. */
	setup_cfg(1);
	gdb_sends("x", 5);
	ck_assert_int_eq(kstub_udp_net_recv_from(net, buf, sizeof(buf), &from),
			 KSTUB_EAGAIN);
	ck_assert_uint_eq(net->stats.drop_peer, 1);
}
END_TEST

/* One call picks the mode; plain only when asked, never with a key. */
START_TEST(setup_picks_the_mode)
{
	struct kstub_udp_link_config lc = { .net = cfg };
	struct kstub_config kc = { 0 };
	uint8_t key[32] = { 7 };

	ck_assert_int_eq(kstub_udp_link_setup(&link, &fake_nic_ops, &nic, &lc,
					      &kc), KSTUB_EINVAL); /* no hooks */
	lc.plain = true;
	lc.key = key;
	lc.key_len = sizeof(key);
	ck_assert_int_eq(kstub_udp_link_setup(&link, &fake_nic_ops, &nic, &lc,
					      &kc), KSTUB_EINVAL);
	lc.key = NULL;
	ck_assert_int_eq(kstub_udp_link_setup(&link, &fake_nic_ops, &nic, &lc,
					      &kc), 0);
	ck_assert_ptr_eq(kc.link, &kstub_udp_plain_ops);
	ck_assert_ptr_eq(kc.link_ctx, &link.plain);
	aw_reset(&lc.auth);
	lc.plain = false;
	lc.key = key;
	lc.key_len = 31;
	ck_assert_int_eq(kstub_udp_link_setup(&link, &fake_nic_ops, &nic, &lc,
					      &kc), KSTUB_EINVAL);
	lc.key_len = sizeof(key);
	ck_assert_int_eq(kstub_udp_link_setup(&link, &fake_nic_ops, &nic, &lc,
					      &kc), 0);
	ck_assert_ptr_eq(kc.link, &kstub_udp_auth_ops);
	ck_assert_ptr_eq(kc.link_ctx, &link.auth);
	ck_assert(link.auth.have_key);
	ck_assert_ptr_eq(link.auth.net_stats, &net->stats);
}
END_TEST

START_TEST(bad_config_refused)
{
	struct kstub_udp_net_config c = cfg;
	struct kstub_udp_nic_ops no_mac = fake_nic_ops;

	no_mac.get_mac = NULL;
	ck_assert_int_eq(kstub_udp_net_init(net, &no_mac, &nic, &c),
			 KSTUB_EINVAL);
	c.port = 0;
	ck_assert_int_eq(kstub_udp_net_init(net, &fake_nic_ops, &nic, &c),
			 KSTUB_EINVAL);
	c = cfg;
	memset(c.ip, 0, 4);
	ck_assert_int_eq(kstub_udp_net_init(net, &fake_nic_ops, &nic, &c),
			 KSTUB_EINVAL);
	c = cfg;
	memcpy(c.peer_ip, "\xe0\x00\x00\x01", 4);
	ck_assert_int_eq(kstub_udp_net_init(net, &fake_nic_ops, &nic, &c),
			 KSTUB_EINVAL);
	c = cfg;
	c.peer_mac[0] = 1;
	ck_assert_int_eq(kstub_udp_link_init(&link, &fake_nic_ops, &nic, &c),
			 KSTUB_EINVAL);
}
END_TEST

Suite *udp_net_suite(void);
Suite *udp_net_suite(void)
{
	Suite *s = suite_create("udp_net");
	TCase *tc = tcase_create("net");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, arp_request_answered);
	tcase_add_test(tc, arp_for_other_ip_ignored);
	tcase_add_test(tc, icmp_echo_answered);
	tcase_add_test(tc, udp_to_plain_and_back);
	tcase_add_loop_test(tc, drop_reasons, 0,
			    sizeof(drop_rows) / sizeof(drop_rows[0]));
	tcase_add_test(tc, every_frame_length);
	tcase_add_test(tc, mtu_on_output);
	tcase_add_test(tc, zero_udp_checksum_taken);
	tcase_add_test(tc, unconfigured_peer_latched);
	tcase_add_test(tc, stray_after_session_end_unlatched);
	tcase_add_test(tc, send_first_resolves_by_arp);
	tcase_add_test(tc, send_first_arp_timeout);
	tcase_add_test(tc, send_without_peer);
	tcase_add_test(tc, poll_bounded_and_nic_error);
	tcase_add_test(tc, whole_stub_over_the_nic);
	tcase_add_test(tc, recv_from_any_sender_send_to_it);
	tcase_add_test(tc, setup_picks_the_mode);
	tcase_add_test(tc, bad_config_refused);
	suite_add_tcase(s, tc);
	return s;
}
