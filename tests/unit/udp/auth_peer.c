/* SPDX-License-Identifier: BSD-2-Clause */
/* The scripted wire and bridge of auth_peer.h. */
#include <check.h>
#include <string.h>

#include "auth_peer.h"
#include "kstub_errno.h"

struct aw_wire aw;
struct kstub_udp_auth aw_auth;
struct aw_peer aw_bridge, aw_other;
uint8_t aw_pkt[KSTUB_UDP_AUTH_MAX_PACKET + 1];

const uint8_t aw_key[KSTUB_UDP_AUTH_KEY_LEN] = {
    0x6b, 0x73, 0x74, 0x75, 0x62, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x2d,
    0x6b, 0x65, 0x79, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
};

static uint64_t clock_now(void *ctx)
{
	(void)ctx;
	aw.clock_us += aw.clock_step_us;
	return aw.clock_us;
}

static int nonce(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(++aw.nonce_ctr * 37);
	return 0;
}

static void autopilot(void)
{
	struct aw_peer *p = aw.autopilot;
	uint32_t top = 0;

	for (unsigned i = 0; i < aw.nout; i++) {
		struct kstub_udp_auth_hdr h;

		if (kstub_udp_auth_parse(&h, aw.out[i].b, aw.out[i].n) == 0 &&
		    h.type == KSTUB_UDP_AUTH_DATA && h.seq > top)
			top = h.seq;
	}
	/* The test reads the replies itself later, from its own ack on. */
	uint32_t mine = p->ack;

	p->ack = top;
	if (aw.d_sent) {
		aw_ctl(p, KSTUB_UDP_AUTH_ACK);
	} else {
		aw.d_sent = true;
		aw_data(p, "D", 1);
	}
	p->ack = mine;
}

static long dg_recv_from(void *ctx, uint8_t *buf, size_t cap,
			 struct kstub_udp_addr *from)
{
	struct aw_dgram *d;

	(void)ctx;
	if (aw.pos == aw.nin && aw.autopilot)
		autopilot();
	if (aw.pos == aw.nin)
		return KSTUB_EAGAIN;
	d = &aw.in[aw.pos++];
	memcpy(buf, d->b, d->n < cap ? d->n : cap);
	*from = d->addr;
	return (long)d->n;
}

static int dg_send_to(void *ctx, const struct kstub_udp_addr *to,
		      const uint8_t *p, size_t n)
{
	struct aw_dgram *d;

	(void)ctx;
	ck_assert_uint_lt(aw.nout, AW_NQ);
	ck_assert_uint_le(n, KSTUB_UDP_NET_MAX_PAYLOAD);
	d = &aw.out[aw.nout++];
	memcpy(d->b, p, n);
	d->n = n;
	d->addr = *to;
	d->at_us = aw.clock_us;
	return 0;
}

const struct kstub_udp_dgram_ops aw_dgram_ops = {
    .recv_from = dg_recv_from,
    .send_to = dg_send_to,
};

void aw_reset(struct kstub_udp_auth_config *cfg)
{
	memset(&aw, 0, sizeof(aw));
	aw.clock_us = 1000000;
	aw.clock_step_us = 1000;
	memset(cfg, 0, sizeof(*cfg));
	cfg->now_us = clock_now;
	cfg->get_nonce = nonce;
}

void aw_peer_init(struct aw_peer *p, const uint8_t *key, uint8_t host,
		  uint16_t port)
{
	memset(p, 0, sizeof(*p));
	kstub_hmac_init(&p->psk, key, KSTUB_UDP_AUTH_KEY_LEN);
	for (unsigned i = 0; i < sizeof(p->nb); i++)
		p->nb[i] = (uint8_t)(host * 16 + i);
	p->addr.ip[0] = 10;
	p->addr.ip[3] = host;
	p->addr.port = port;
}

void aw_raw(struct aw_peer *p, const uint8_t *d, size_t n)
{
	struct aw_dgram *q;

	ck_assert_uint_lt(aw.nin, AW_NQ);
	q = &aw.in[aw.nin++];
	ck_assert_uint_le(n, sizeof(q->b));
	memcpy(q->b, d, n);
	q->n = n;
	q->addr = p->addr;
}

static void sealed(struct aw_peer *p, const struct kstub_hmac *key,
		   struct kstub_udp_auth_hdr *h, const uint8_t *pl, size_t len)
{
	uint8_t d[KSTUB_UDP_AUTH_DGRAM_MAX];

	aw_raw(p, d, kstub_udp_auth_seal(key, h, pl, len, d));
}

void aw_hello(struct aw_peer *p)
{
	struct kstub_udp_auth_hdr h = {.type = KSTUB_UDP_AUTH_HELLO,
				       .nfrags = 1};
	uint8_t pl[KSTUB_UDP_AUTH_HELLO_LEN] = {0};

	memcpy(pl, p->nb, sizeof(p->nb));
	sealed(p, &p->psk, &h, pl, sizeof(pl));
}

static bool to_me(const struct aw_peer *p, const struct aw_dgram *d)
{
	return !memcmp(d->addr.ip, p->addr.ip, 4) &&
	       d->addr.port == p->addr.port;
}

int aw_answer(struct aw_peer *p)
{
	struct kstub_udp_auth_hdr h;

	for (; p->cursor < aw.nout; p->cursor++) {
		struct aw_dgram *d = &aw.out[p->cursor];

		if (!to_me(p, d) || kstub_udp_auth_parse(&h, d->b, d->n))
			continue;
		p->cursor++;
		if (h.type == KSTUB_UDP_AUTH_BUSY)
			return kstub_udp_auth_verify(&p->psk, d->b, d->n) &&
				       h.len == sizeof(p->nb) &&
				       !memcmp(d->b + KSTUB_UDP_AUTH_HDR_LEN,
					       p->nb, sizeof(p->nb))
				   ? 2
				   : -1;
		if (h.type != KSTUB_UDP_AUTH_CHALLENGE || h.len != 32)
			return -1;
		kstub_udp_auth_derive(&p->psk, p->nb,
				      d->b + KSTUB_UDP_AUTH_HDR_LEN, h.sid,
				      &p->k);
		if (!kstub_udp_auth_verify(&p->k.s2b, d->b, d->n) ||
		    memcmp(d->b + KSTUB_UDP_AUTH_HDR_LEN + 16, p->nb, 16))
			return -1;
		p->sid = h.sid;
		p->seq = p->ack = 0;
		return 1;
	}
	return 0;
}

bool aw_handshake(struct aw_peer *p, struct kstub_udp_auth *a)
{
	uint8_t buf[16];

	aw_hello(p);
	ck_assert_int_eq(kstub_udp_auth_ops.recv_packet(a, buf, sizeof(buf)),
			 KSTUB_EAGAIN);
	if (aw_answer(p) != 1)
		return false;
	aw_ctl(p, KSTUB_UDP_AUTH_ACK);
	return true;
}

void aw_frag(struct aw_peer *p, uint32_t seq, unsigned frag, unsigned nfrags,
	     const uint8_t *pl, size_t len)
{
	struct kstub_udp_auth_hdr h = {.type = KSTUB_UDP_AUTH_DATA,
				       .frag = (uint8_t)frag,
				       .nfrags = (uint8_t)nfrags,
				       .sid = p->sid,
				       .seq = seq,
				       .ack = p->ack};

	sealed(p, &p->k.b2s, &h, pl, len);
}

void aw_data(struct aw_peer *p, const void *body, size_t len)
{
	unsigned nf = kstub_udp_auth_nfrags(len);
	const uint8_t *b = body;

	p->seq++;
	for (unsigned i = 0; i < nf; i++) {
		size_t off = (size_t)i * KSTUB_UDP_AUTH_FRAG_MAX;
		size_t n = len - off < KSTUB_UDP_AUTH_FRAG_MAX
			       ? len - off
			       : KSTUB_UDP_AUTH_FRAG_MAX;

		aw_frag(p, p->seq, i, nf, b + off, n);
	}
}

void aw_ctl(struct aw_peer *p, uint8_t type)
{
	struct kstub_udp_auth_hdr h = {
	    .type = type, .nfrags = 1, .sid = p->sid, .ack = p->ack};

	sealed(p, &p->k.b2s, &h, NULL, 0);
}

long aw_next(struct aw_peer *p)
{
	struct kstub_udp_auth_hdr h;

	for (; p->cursor < aw.nout; p->cursor++) {
		struct aw_dgram *d = &aw.out[p->cursor];

		if (!to_me(p, d))
			continue;
		ck_assert_int_eq(kstub_udp_auth_parse(&h, d->b, d->n), 0);
		ck_assert(kstub_udp_auth_verify(&p->k.s2b, d->b, d->n));
		ck_assert_uint_eq(h.sid, p->sid);
		if (h.type != KSTUB_UDP_AUTH_DATA || h.seq != p->ack + 1)
			continue;
		if (kstub_udp_auth_asm_add(&p->as, p->msg, &h,
					   d->b + KSTUB_UDP_AUTH_HDR_LEN) ==
		    1) {
			p->cursor++;
			p->ack = h.seq;
			p->as.seq = 0;
			p->msg[p->as.len] = 0;
			return p->as.len;
		}
	}
	return -1;
}

void aw_setup_link(void)
{
	struct kstub_udp_auth_config cfg;

	aw_reset(&cfg);
	ck_assert_int_eq(
	    kstub_udp_auth_init(&aw_auth, &aw_dgram_ops, NULL, &cfg), 0);
	ck_assert_int_eq(kstub_udp_auth_set_key(&aw_auth, aw_key, 32), 0);
	aw_peer_init(&aw_bridge, aw_key, 2, 40000);
}

long aw_recv1(void)
{
	return kstub_udp_auth_ops.recv_packet(&aw_auth, aw_pkt,
					      sizeof(aw_pkt) - 1);
}

void aw_expect_packet(const char *body)
{
	long n = aw_recv1();

	ck_assert_int_eq(n, (long)strlen(body));
	aw_pkt[n] = 0;
	ck_assert_str_eq((char *)aw_pkt, body);
}
