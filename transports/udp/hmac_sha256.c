/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SHA-256 as FIPS 180-4 section 6.2 specifies it, and HMAC over it as
 * RFC 2104 does: the authenticated UDP mode's only cryptography.
 */
#include "kstub_udp_hmac.h"

/* First 32 bits of the fractional parts of the cube roots of the first
 * 64 primes (FIPS 180-4 4.2.2). */
static const uint32_t k[64] = {
	0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u,
	0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
	0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
	0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
	0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
	0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
	0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
	0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
	0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
	0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
	0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u,
	0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
	0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u,
	0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
	0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
	0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * One 64-byte block into the chaining value (FIPS 180-4 6.2.2). The
 * message schedule is a 16-word ring rather than 64 words, to keep the
 * frame small on a 2 KiB trap stack.
 */
static void compress(uint32_t *h, const uint8_t *blk)
{
	uint32_t w[16], a, b, c, d, e, f, g, hh, t1, t2, s0, s1;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(blk + 4 * i);
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		if (i >= 16) {
			s0 = w[(i + 1) & 15];
			s0 = ror(s0, 7) ^ ror(s0, 18) ^ (s0 >> 3);
			s1 = w[(i + 14) & 15];
			s1 = ror(s1, 17) ^ ror(s1, 19) ^ (s1 >> 10);
			w[i & 15] += s0 + s1 + w[(i + 9) & 15];
		}
		t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + k[i] + w[i & 15];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void kstub_sha256_init(struct kstub_sha256 *c)
{
	/* Square roots of the first 8 primes (FIPS 180-4 5.3.3). */
	static const uint32_t h0[8] = {
		0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
		0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
	};
	unsigned i;

	for (i = 0; i < 8; i++)
		c->h[i] = h0[i];
	c->len = 0;
	c->fill = 0;
}

void kstub_sha256_update(struct kstub_sha256 *c, const void *p, size_t n)
{
	const uint8_t *s = p;

	c->len += n;
	while (n > 0) {
		if (c->fill == 0 && n >= KSTUB_SHA256_BLOCK) {
			compress(c->h, s);	/* whole blocks: no copy */
			s += KSTUB_SHA256_BLOCK;
			n -= KSTUB_SHA256_BLOCK;
			continue;
		}
		c->buf[c->fill++] = *s++;
		n--;
		if (c->fill == KSTUB_SHA256_BLOCK) {
			compress(c->h, c->buf);
			c->fill = 0;
		}
	}
}

/* Padding (FIPS 180-4 5.1.1): 0x80, zeros, the bit length big-endian. */
void kstub_sha256_final(struct kstub_sha256 *c, uint8_t *out)
{
	uint64_t bits = c->len * 8;
	unsigned i;

	c->buf[c->fill++] = 0x80;
	if (c->fill > KSTUB_SHA256_BLOCK - 8) {
		while (c->fill < KSTUB_SHA256_BLOCK)
			c->buf[c->fill++] = 0;
		compress(c->h, c->buf);
		c->fill = 0;
	}
	while (c->fill < KSTUB_SHA256_BLOCK - 8)
		c->buf[c->fill++] = 0;
	store_be32(c->buf + 56, (uint32_t)(bits >> 32));
	store_be32(c->buf + 60, (uint32_t)bits);
	compress(c->h, c->buf);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
}

void kstub_hmac_init(struct kstub_hmac *m, const uint8_t *key, size_t len)
{
	uint8_t pad[KSTUB_SHA256_BLOCK];
	unsigned i;

	for (i = 0; i < KSTUB_SHA256_BLOCK; i++)
		pad[i] = 0;
	if (len > KSTUB_SHA256_BLOCK) {
		kstub_sha256_init(&m->inner);
		kstub_sha256_update(&m->inner, key, len);
		kstub_sha256_final(&m->inner, pad);
	} else {
		for (i = 0; i < len; i++)
			pad[i] = key[i];
	}
	for (i = 0; i < KSTUB_SHA256_BLOCK; i++)
		pad[i] ^= 0x36;
	kstub_sha256_init(&m->inner);
	kstub_sha256_update(&m->inner, pad, sizeof(pad));
	for (i = 0; i < KSTUB_SHA256_BLOCK; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	kstub_sha256_init(&m->outer);
	kstub_sha256_update(&m->outer, pad, sizeof(pad));
	/* The padded key is a key: leave none of it on the stack. */
	for (i = 0; i < KSTUB_SHA256_BLOCK; i++)
		((volatile uint8_t *)pad)[i] = 0;
}

void kstub_hmac_update(struct kstub_hmac *m, const void *p, size_t n)
{
	kstub_sha256_update(&m->inner, p, n);
}

void kstub_hmac_final(struct kstub_hmac *m, uint8_t *out)
{
	uint8_t d[KSTUB_SHA256_LEN];

	kstub_sha256_final(&m->inner, d);
	kstub_sha256_update(&m->outer, d, sizeof(d));
	kstub_sha256_final(&m->outer, out);
}

bool kstub_udp_tag_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}
