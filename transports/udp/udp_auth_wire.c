/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated protocol's datagrams (kstub_udp_auth_proto.h): header
 * parsing with every field checked against the datagram's size, sealing
 * and verifying tags, key derivation, and fragment reassembly. Shared by
 * the stub's link and the host bridge.
 */
#include "kstub_udp_auth_proto.h"

static const uint8_t derive_label[] = "kstub-udp1 key ";

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int kstub_udp_auth_parse(struct kstub_udp_auth_hdr *h, const uint8_t *d,
			 size_t n)
{
	if (n < KSTUB_UDP_AUTH_OVERHEAD)
		return KSTUB_UDP_AUTH_R_SHORT;
	h->version = d[0];
	h->type = d[1];
	h->frag = d[2];
	h->nfrags = d[3];
	h->sid = get32(d + 4);
	h->seq = get32(d + 8);
	h->ack = get32(d + 12);
	h->len = get16(d + 16);
	h->flags = get16(d + 18);
	if (h->version != KSTUB_UDP_AUTH_VERSION)
		return KSTUB_UDP_AUTH_R_VERSION;
	if ((size_t)h->len != n - KSTUB_UDP_AUTH_OVERHEAD ||
	    h->len > KSTUB_UDP_AUTH_FRAG_MAX)
		return KSTUB_UDP_AUTH_R_LEN;
	if (h->type < KSTUB_UDP_AUTH_HELLO || h->type > KSTUB_UDP_AUTH_CLOSE ||
	    h->flags)
		return KSTUB_UDP_AUTH_R_TYPE;
	if (h->type != KSTUB_UDP_AUTH_DATA)
		return h->frag == 0 && h->nfrags == 1 ? 0
						      : KSTUB_UDP_AUTH_R_FRAG;
	/* Every fragment but the last is full: offsets follow from index. */
	if (h->nfrags < 1 || h->nfrags > KSTUB_UDP_AUTH_FRAGS_MAX ||
	    h->frag >= h->nfrags || h->seq == 0 ||
	    (h->frag + 1 < h->nfrags && h->len != KSTUB_UDP_AUTH_FRAG_MAX))
		return KSTUB_UDP_AUTH_R_FRAG;
	return 0;
}

static void tag(const struct kstub_hmac *key, const uint8_t *d, size_t n,
		uint8_t *out)
{
	struct kstub_hmac m = *key;

	kstub_hmac_update(&m, d, n);
	kstub_hmac_final(&m, out);
}

size_t kstub_udp_auth_seal(const struct kstub_hmac *key,
			   struct kstub_udp_auth_hdr *h, const uint8_t *p,
			   size_t len, uint8_t *out)
{
	uint8_t full[KSTUB_SHA256_LEN];
	size_t n = KSTUB_UDP_AUTH_HDR_LEN + len;

	h->version = KSTUB_UDP_AUTH_VERSION;
	h->len = (uint16_t)len;
	out[0] = h->version;
	out[1] = h->type;
	out[2] = h->frag;
	out[3] = h->nfrags;
	put32(out + 4, h->sid);
	put32(out + 8, h->seq);
	put32(out + 12, h->ack);
	put16(out + 16, h->len);
	put16(out + 18, h->flags);
	if (len)
		__builtin_memmove(out + KSTUB_UDP_AUTH_HDR_LEN, p, len);
	tag(key, out, n, full);
	__builtin_memcpy(out + n, full, KSTUB_UDP_TAG_LEN);
	return n + KSTUB_UDP_TAG_LEN;
}

bool kstub_udp_auth_verify(const struct kstub_hmac *key, const uint8_t *d,
			   size_t n)
{
	uint8_t full[KSTUB_SHA256_LEN];

	if (n < KSTUB_UDP_TAG_LEN)
		return false;
	tag(key, d, n - KSTUB_UDP_TAG_LEN, full);
	return kstub_udp_tag_equal(full, d + n - KSTUB_UDP_TAG_LEN,
				   KSTUB_UDP_TAG_LEN);
}

/* K_dir = HMAC(PSK, label || dir || nonce_bridge || nonce_stub || sid). */
static void derive_one(const struct kstub_hmac *psk, const char *dir,
		       const uint8_t *nb, const uint8_t *ns, uint32_t sid,
		       struct kstub_hmac *out)
{
	struct kstub_hmac m = *psk;
	uint8_t k[KSTUB_SHA256_LEN], s[4];

	put32(s, sid);
	kstub_hmac_update(&m, derive_label, sizeof(derive_label) - 1);
	kstub_hmac_update(&m, dir, 3);
	kstub_hmac_update(&m, nb, KSTUB_UDP_AUTH_NONCE_LEN);
	kstub_hmac_update(&m, ns, KSTUB_UDP_AUTH_NONCE_LEN);
	kstub_hmac_update(&m, s, 4);
	kstub_hmac_final(&m, k);
	kstub_hmac_init(out, k, sizeof(k));
	__builtin_memset(k, 0, sizeof(k));
	__asm__ volatile("" : : "r"(k) : "memory"); /* keep the wipe */
}

void kstub_udp_auth_derive(const struct kstub_hmac *psk,
			   const uint8_t *nonce_bridge,
			   const uint8_t *nonce_stub, uint32_t sid,
			   struct kstub_udp_auth_keys *out)
{
	derive_one(psk, "b2s", nonce_bridge, nonce_stub, sid, &out->b2s);
	derive_one(psk, "s2b", nonce_bridge, nonce_stub, sid, &out->s2b);
}

unsigned kstub_udp_auth_nfrags(size_t len)
{
	if (len == 0)
		return 1;
	return (unsigned)((len + KSTUB_UDP_AUTH_FRAG_MAX - 1) /
			  KSTUB_UDP_AUTH_FRAG_MAX);
}

int kstub_udp_auth_asm_add(struct kstub_udp_auth_asm *a, uint8_t *buf,
			   const struct kstub_udp_auth_hdr *h,
			   const uint8_t *payload)
{
	uint8_t bit = (uint8_t)(1u << h->frag);
	uint8_t all = (uint8_t)((1u << h->nfrags) - 1);

	if (a->seq != h->seq) {
		a->seq = h->seq;
		a->nfrags = h->nfrags;
		a->have = 0;
		a->len = 0;
	}
	if (a->nfrags != h->nfrags)
		return KSTUB_UDP_AUTH_R_FRAG;
	if (a->have & bit)
		return 2;
	__builtin_memcpy(buf + (size_t)h->frag * KSTUB_UDP_AUTH_FRAG_MAX,
			 payload, h->len);
	a->have |= bit;
	if (h->frag + 1 == h->nfrags)
		a->len = (uint32_t)h->frag * KSTUB_UDP_AUTH_FRAG_MAX + h->len;
	return a->have == all ? 1 : 0;
}
