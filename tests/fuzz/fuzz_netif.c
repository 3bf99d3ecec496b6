/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UDP transport's frame parser (transports/udp/udp_net.c) and plain
 * mode over it, on frames from the fuzzer through the fake NIC: nothing
 * is read or written past a frame or the caller's buffer (ASan), what
 * goes up never exceeds cap or the frame, every frame sent is padded
 * and within one Ethernet frame (the fake NIC aborts otherwise), every
 * IPv4 frame sent is unfragmented with good checksums, and each frame
 * taken is dropped for at most one reason.
 * Input: a config byte (bit 0: peer IP set, 1: peer port set, 2:
 * gateway, 3: static peer MAC), then records: an op byte (bit 0-1:
 * frame to net_recv, frame to plain mode's recv_packet, that many bytes
 * sent, session end), two length bytes, that many bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_nic.h"
#include "kstub_errno.h"
#include "kstub_udp_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static struct fake_nic nic;
static struct kstub_udp_link link;

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Independent of udp_net.c's fold: the sum mod 0xffff. */
static uint64_t sum_words(const uint8_t *p, size_t n, uint64_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint64_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint64_t)p[n - 1] << 8;
	return s;
}

static int sums_to_ffff(uint64_t s)
{
	return s != 0 && s % 0xffff == 0;
}

static void check_sent(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t tot;

	if (memcmp(f + 6, nic.mac, 6) != 0)
		abort();
	if (g16(f + 12) == 0x0806) {
		if (g16(f + 20) != 1 && g16(f + 20) != 2)
			abort();
		return;
	}
	if (g16(f + 12) != 0x0800 || ip[0] != 0x45 || (g16(ip + 6) & 0x3fff))
		abort();
	tot = g16(ip + 2);
	if (tot < 28 || tot > 1500 || 14 + tot > len ||
	    !sums_to_ffff(sum_words(ip, 20, 0)))
		abort();
	if (ip[9] == 17 && (g16(ip + 24) != tot - 20 ||
			    !sums_to_ffff(sum_words(ip + 20, tot - 20,
						    sum_words(ip + 12, 8, 17 +
							      tot - 20)))))
		abort();
	if (ip[9] == 1 && !sums_to_ffff(sum_words(ip + 20, tot - 20, 0)))
		abort();
}

static void setup(uint8_t c)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 2 };
	struct kstub_udp_net_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.ip, "\x0a\x00\x00\x02", 4);
	cfg.port = 4000;
	cfg.arp_polls = 4;	/* a timed-out resolution in a few polls */
	if (c & 1)
		memcpy(cfg.peer_ip, "\x0a\x00\x00\x01", 4);
	if (c & 2)
		cfg.peer_port = 50000;
	if (c & 4)
		memcpy(cfg.gateway_ip, "\x0a\x00\x00\xfe", 4);
	if (c & 8)
		memcpy(cfg.peer_mac, "\x02\x00\x00\x00\x00\x01", 6);
	fake_nic_init(&nic, mac);
	if (kstub_udp_link_init(&link, &fake_nic_ops, &nic, &cfg) != 0)
		abort();
	kstub_udp_plain_ops.enter(&link.plain);
}

static void one(uint8_t op, const uint8_t *p, size_t n)
{
	const struct kstub_transport_ops *ops = &kstub_udp_plain_ops;
	size_t cap = (size_t)(op >> 2) * 37 % 1600;
	uint8_t *buf = malloc(cap ? cap : 1);
	unsigned i, sent = nic.nout;
	long r = KSTUB_EAGAIN;

	if (!buf)
		abort();
	switch (op & 3) {
	case 0:
		nic.nin = nic.in_pos = 0;
		fake_nic_queue(&nic, p, n);
		r = kstub_udp_net_recv(&link.net, buf, cap);
		/* A delivered payload fits in the frame it came in. */
		if (r > (long)n)
			abort();
		break;
	case 1:
		nic.nin = nic.in_pos = 0;
		fake_nic_queue(&nic, p, n);
		r = ops->recv_packet(&link.plain, buf, cap);
		if (r > (long)cap || r > (long)n)
			abort();
		break;
	case 2:
		r = kstub_udp_net_send(&link.net, p, n);
		if (r == 0 && n > KSTUB_UDP_NET_MAX_PAYLOAD)
			abort();
		break;
	default:
		ops->session_end(&link.plain);
	}
	for (i = sent; i < nic.nout; i++)
		check_sent(nic.out[i], nic.out_len[i]);
	nic.nout = 0;
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct kstub_udp_net_stats *s = &link.net.stats;
	size_t n;
	uint8_t op;

	if (len < 1)
		return 0;
	setup(data[0]);
	data++, len--;
	while (len >= 3) {
		op = data[0];
		n = g16(data + 1);
		data += 3, len -= 3;
		if (n > len)
			n = len;
		if (n > FAKE_NIC_FRAME_MAX)
			n = FAKE_NIC_FRAME_MAX;
		one(op, data, n);
		data += n, len -= n;
		/* At most one outcome per frame: dropped or delivered. */
		if (fake_nic_drops(s) + s->rx_delivered > s->rx_frames)
			abort();
	}
	return 0;
}
