/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) for the UDP
 * transport's authenticated mode (issue 14): every datagram carries a
 * tag of HMAC(K, header || payload) truncated to KSTUB_UDP_TAG_LEN bytes.
 *
 * Freestanding: no libc, no heap; every state lives in the caller's
 * struct. Context: any (trap, IRQ, thread); the functions never block,
 * fault on their own or keep global state, so two contexts may hash at
 * once with two structs. Not constant-time in the data's length (the
 * length is public), constant-time in its content.
 */
#ifndef KSTUB_UDP_HMAC_H
#define KSTUB_UDP_HMAC_H

#include "kstub_types.h"

#define KSTUB_SHA256_LEN 32		/* digest bytes */
#define KSTUB_SHA256_BLOCK 64		/* block bytes, the HMAC pad size */
#define KSTUB_UDP_TAG_LEN 16		/* HMAC-SHA-256-128, RFC 4231 4.6 */

struct kstub_sha256 {
	uint32_t h[8];			/* the chaining value */
	uint64_t len;			/* bytes hashed so far */
	uint8_t buf[KSTUB_SHA256_BLOCK];/* a block not yet full */
	uint32_t fill;			/* bytes in buf */
};

struct kstub_hmac {
	struct kstub_sha256 inner;	/* H(K ^ ipad || message ...) */
	struct kstub_sha256 outer;	/* H(K ^ opad, then the inner digest) */
};

void kstub_sha256_init(struct kstub_sha256 *c);
void kstub_sha256_update(struct kstub_sha256 *c, const void *p, size_t n);
/* Writes KSTUB_SHA256_LEN bytes; c must be initialised again to reuse. */
void kstub_sha256_final(struct kstub_sha256 *c, uint8_t *out);

/*
 * A key of any length (longer than a block is hashed first, RFC 2104 2).
 * The key is not kept: only the two padded, hashed states are, so the
 * caller may wipe its copy once this returns.
 */
void kstub_hmac_init(struct kstub_hmac *m, const uint8_t *key, size_t len);
void kstub_hmac_update(struct kstub_hmac *m, const void *p, size_t n);
/* Writes KSTUB_SHA256_LEN bytes; truncate by using the first ones. */
void kstub_hmac_final(struct kstub_hmac *m, uint8_t *out);

/*
 * Compare two tags in time that does not depend on where they differ,
 * so a forger cannot learn a tag byte by byte. Returns true if equal.
 */
bool kstub_udp_tag_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif /* KSTUB_UDP_HMAC_H */
