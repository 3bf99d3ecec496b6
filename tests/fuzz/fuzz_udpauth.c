/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated UDP link (transports/udp/udp_auth.c) on datagrams
 * from the fuzzer, after a real handshake, so the fuzzer reaches the
 * session as well as the gate. The harness is the bridge: it holds the
 * key and seals what the input asks it to, and the fuzzer may also send
 * anything raw (forged, truncated, replayed bytes). Checked: nothing the
 * link hands up exceeds cap, no more packets come up than the harness
 * sealed, every datagram out fits one unfragmented datagram and carries
 * a tag valid under a key the harness holds, and no call runs unbounded
 * (the clock moves on every read, so every wait ends).
 * Input: records of an op byte and its fields (see the switch).
 */
#include <stdlib.h>
#include <string.h>

#include "kstub_errno.h"
#include "kstub_udp_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const uint8_t key[KSTUB_UDP_AUTH_KEY_LEN] = {0x42, 0x17};
static struct kstub_udp_auth a;
static struct kstub_hmac psk;
static struct kstub_udp_auth_keys k; /* the session's, once known */
static uint8_t nb[KSTUB_UDP_AUTH_NONCE_LEN];
static uint32_t sid;
static uint64_t clock_us;
static uint32_t step_us;
static uint8_t nonce_ctr;
static uint8_t in[2048]; /* a raw record: up to 2047 bytes */
static size_t in_n;
static int in_ready;
static unsigned sealed_msgs, delivered;
static uint8_t out[2048 * 8]; /* what the stub sends: up to past the max */

static uint64_t now(void *ctx)
{
	(void)ctx;
	clock_us += step_us;
	return clock_us;
}

static int nonce(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(++nonce_ctr * 131);
	return 0;
}

static long recv_from(void *ctx, uint8_t *buf, size_t cap,
		      struct kstub_udp_addr *from)
{
	(void)ctx;
	if (!in_ready)
		return KSTUB_EAGAIN;
	in_ready = 0;
	memset(from, 0, sizeof(*from));
	from->ip[0] = 10;
	from->ip[3] = 2;
	from->port = 4000;
	memcpy(buf, in, in_n < cap ? in_n : cap);
	return (long)in_n;
}

static int send_to(void *ctx, const struct kstub_udp_addr *to, const uint8_t *p,
		   size_t n)
{
	struct kstub_udp_auth_hdr h;
	struct kstub_udp_auth_keys ch;

	(void)ctx;
	(void)to;
	if (n > KSTUB_UDP_NET_MAX_PAYLOAD || kstub_udp_auth_parse(&h, p, n))
		abort();
	switch (h.type) {
	case KSTUB_UDP_AUTH_BUSY:
		if (!kstub_udp_auth_verify(&psk, p, n))
			abort();
		break;
	case KSTUB_UDP_AUTH_CHALLENGE:
		/* Ours only if it answers our nonce (else a forged HELLO's). */
		if (memcmp(p + KSTUB_UDP_AUTH_HDR_LEN + 16, nb, 16))
			break;
		kstub_udp_auth_derive(&psk, nb, p + KSTUB_UDP_AUTH_HDR_LEN,
				      h.sid, &ch);
		if (!kstub_udp_auth_verify(&ch.s2b, p, n))
			abort();
		k = ch;
		sid = h.sid;
		break;
	case KSTUB_UDP_AUTH_DATA:
	case KSTUB_UDP_AUTH_ACK:
		if (h.sid != sid || !kstub_udp_auth_verify(&k.s2b, p, n))
			abort();
		break;
	default:
		abort();
	}
	return 0;
}

static const struct kstub_udp_dgram_ops ops = {
    .recv_from = recv_from,
    .send_to = send_to,
};

static void pump(void)
{
	static uint8_t pkt[KSTUB_UDP_AUTH_MAX_PACKET];
	size_t cap = 1 + (clock_us >> 3) % sizeof(pkt);
	long r = kstub_udp_auth_ops.recv_packet(&a, pkt, cap);

	if (r > (long)cap)
		abort();
	if (r >= 0 || r == KSTUB_E2BIG)
		delivered++;
	if (delivered > sealed_msgs)
		abort(); /* a packet nobody with the key sent */
}

static void feed(const uint8_t *d, size_t n)
{
	memcpy(in, d, n);
	in_n = n;
	in_ready = 1;
	pump();
}

static void sealed(const struct kstub_hmac *m, struct kstub_udp_auth_hdr *h,
		   const uint8_t *p, size_t n)
{
	uint8_t d[KSTUB_UDP_AUTH_DGRAM_MAX];

	feed(d, kstub_udp_auth_seal(m, h, p, n, d));
}

static void hello(void)
{
	struct kstub_udp_auth_hdr h = {.type = KSTUB_UDP_AUTH_HELLO,
				       .nfrags = 1};
	uint8_t pl[KSTUB_UDP_AUTH_HELLO_LEN] = {0};

	nb[0]++;
	memcpy(pl, nb, sizeof(nb));
	sealed(&psk, &h, pl, sizeof(pl));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct kstub_udp_auth_config cfg = {.now_us = now, .get_nonce = nonce};
	struct kstub_udp_auth_hdr h;
	size_t n;

	clock_us = 1000000;
	step_us = 1000;
	nonce_ctr = 0;
	memset(out, 'x', sizeof(out));
	sealed_msgs = delivered = 0;
	sid = 0;
	memset(&k, 0, sizeof(k));
	memset(nb, 0, sizeof(nb));
	in_ready = 0;
	kstub_hmac_init(&psk, key, sizeof(key));
	kstub_udp_auth_init(&a, &ops, NULL, &cfg);
	kstub_udp_auth_set_key(&a, key, sizeof(key));
	hello();
	h = (struct kstub_udp_auth_hdr){
	    .type = KSTUB_UDP_AUTH_ACK, .nfrags = 1, .sid = sid};
	sealed(&k.b2s, &h, NULL, 0);
	while (len >= 4) {
		uint8_t op = data[0];

		n = (size_t)data[2] | (size_t)(data[3] & 7) << 8;
		data += 4;
		len -= 4;
		if (n > len)
			n = len;
		step_us = 1000u << (op >> 5); /* 1 .. 128 ms per read */
		switch (op & 7) {
		case 0: /* raw bytes */
			feed(data, n);
			break;
		case 1: /* a sealed DATA fragment, fields from input */
		case 2: /* the same, sealed with a wrong key */
			memset(&h, 0, sizeof(h));
			h.type = KSTUB_UDP_AUTH_DATA;
			h.sid = sid;
			h.nfrags = (uint8_t)(1 + (data[-3] & 7));
			h.frag = (uint8_t)((data[-3] >> 3) & 7);
			h.seq = a.rx_seq + (data[-3] >> 6);
			h.ack = a.tx_seq;
			if (n > KSTUB_UDP_AUTH_FRAG_MAX)
				n = KSTUB_UDP_AUTH_FRAG_MAX;
			if ((op & 7) == 1)
				sealed_msgs++; /* at most one whole each */
			sealed((op & 7) == 1 ? &k.b2s : &psk, &h, data, n);
			break;
		case 3: /* ACK, CLOSE or another type, sealed */
			h = (struct kstub_udp_auth_hdr){.type = data[-3],
							.nfrags = 1,
							.sid = sid,
							.ack = a.tx_seq};
			sealed(&k.b2s, &h, NULL, 0);
			break;
		case 4: /* the stub sends a packet */
			kstub_udp_auth_ops.send_packet(&a, out, n * 8);
			break;
		case 5: /* the stub's session events */
			if (data[-3] & 1)
				kstub_udp_auth_ops.session_start(&a);
			if (data[-3] & 2)
				kstub_udp_auth_ops.leave(&a);
			if (data[-3] & 4)
				kstub_udp_auth_ops.session_end(&a);
			break;
		case 6: /* a new handshake (busy while one lives) */
			hello();
			h = (struct kstub_udp_auth_hdr){.type =
							    KSTUB_UDP_AUTH_ACK,
							.nfrags = 1,
							.sid = sid};
			sealed(&k.b2s, &h, NULL, 0);
			break;
		default: /* poll only */
			pump();
			break;
		}
		data += n;
		len -= n;
	}
	return 0;
}
