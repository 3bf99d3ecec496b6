/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UDP plain mode's datagram parser (transports/udp/udp_plain.c) on
 * datagrams from the fuzzer: what it hands the stub never passes cap,
 * and every datagram it sends is one well-formed, checksummed packet
 * (after at most one '+') or a lone '+'/'-', within the datagram limit.
 * Input: a byte of capacity, then records: an op byte (bit 0-1: enter,
 * leave, session end, none), two length bytes, that many bytes of one
 * datagram. Each record is received, and a delivered packet echoed back
 * as the reply.
 */
#include <stdlib.h>
#include <string.h>

#include "kstub_errno.h"
#include "kstub_udp_plain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const uint8_t *dg_p;
static size_t dg_n;
static int dg_ready;

static int dg_send(void *ctx, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t sum = 0;
	size_t i = 0;

	(void)ctx;
	if (n == 0 || n > KSTUB_UDP_PLAIN_DGRAM)
		abort();
	if (n == 1 && (p[0] == '+' || p[0] == '-'))
		return 0;
	if (p[0] == '+')
		i++;
	if (n - i < 4 || p[i] != '$' || p[n - 3] != '#')
		abort();
	for (i++; i < n - 3; i++) {
		if (p[i] == '$' || p[i] == '#')
			abort();
		sum = (uint8_t)(sum + p[i]);
	}
	if (p[n - 2] != hex[sum >> 4] || p[n - 1] != hex[sum & 15])
		abort();
	return 0;
}

static long dg_recv(void *ctx, uint8_t *buf, size_t cap)
{
	(void)ctx;
	if (!dg_ready)
		return KSTUB_EAGAIN;
	dg_ready = 0;
	memcpy(buf, dg_p, dg_n < cap ? dg_n : cap);
	return (long)dg_n;
}

static const struct kstub_udp_dgram_ops dg = { .send = dg_send,
						.recv = dg_recv };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct kstub_udp_plain u;
	static uint8_t pkt[KSTUB_UDP_PLAIN_MAX_PACKET];
	const struct kstub_transport_ops *ops = &kstub_udp_plain_ops;
	size_t cap, n;
	long got;

	if (len < 1)
		return 0;
	cap = 1 + data[0] * (sizeof(pkt) - 1) / 255;
	data++;
	len--;
	kstub_udp_plain_init(&u, &dg, NULL);
	while (len >= 3) {
		switch (data[0] & 3) {
		case 0:
			ops->enter(&u);
			break;
		case 1:
			ops->leave(&u);
			break;
		case 2:
			ops->session_end(&u);
			break;
		}
		n = (size_t)data[1] | (size_t)data[2] << 8;
		data += 3;
		len -= 3;
		if (n > len)
			n = len;
		dg_p = data;
		dg_n = n;
		dg_ready = 1;
		data += n;
		len -= n;
		got = ops->recv_packet(&u, pkt, cap);
		if (got > (long)cap)
			abort();
		if (got >= 0 && ops->send_packet(&u, pkt, (size_t)got) != 0)
			abort();
	}
	return 0;
}
