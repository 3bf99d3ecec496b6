/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated UDP protocol's wire format (transports/udp/PROTOCOL.md),
 * shared by both ends: the stub's link (udp_auth.c, freestanding) and the
 * host bridge (host/kstub-udp.c, hosted) include this header and link
 * udp_auth_wire.c, so the two cannot disagree on a constant or a field.
 *
 * A datagram is header (KSTUB_UDP_AUTH_HDR_LEN) || payload || tag
 * (KSTUB_UDP_TAG_LEN): the tag is HMAC-SHA-256 over header and payload,
 * truncated to 128 bits. All fields are big-endian.
 */
#ifndef KSTUB_UDP_AUTH_PROTO_H
#define KSTUB_UDP_AUTH_PROTO_H

#include "kstub_types.h"
#include "kstub_udp_hmac.h"
#include "kstub_udp_net.h"

#define KSTUB_UDP_AUTH_VERSION 1
#define KSTUB_UDP_AUTH_HDR_LEN 20
#define KSTUB_UDP_AUTH_OVERHEAD (KSTUB_UDP_AUTH_HDR_LEN + KSTUB_UDP_TAG_LEN)
/* Payload of one fragment: header, fragment and tag fill one datagram. */
#define KSTUB_UDP_AUTH_FRAG_MAX                                                \
	(KSTUB_UDP_NET_MAX_PAYLOAD - KSTUB_UDP_AUTH_OVERHEAD)
/*
 * Fragments of one RSP packet, at most: 8 * 1436 = 11488 bytes, so an
 * 8 KiB memory read or qXfer chunk is one round trip, and a receiver's
 * reassembly buffer stays bounded (one message of this size).
 */
#define KSTUB_UDP_AUTH_FRAGS_MAX 8
#define KSTUB_UDP_AUTH_MSG_MAX                                                 \
	(KSTUB_UDP_AUTH_FRAGS_MAX * KSTUB_UDP_AUTH_FRAG_MAX)
#define KSTUB_UDP_AUTH_KEY_LEN 32 /* the pre-shared key, bytes */
#define KSTUB_UDP_AUTH_NONCE_LEN 16
/*
 * HELLO's payload: the bridge's nonce, then zeros up to this length, so
 * that no answer to an unauthenticated HELLO is larger than the HELLO
 * (the stub is no amplifier for spoofed sources).
 */
#define KSTUB_UDP_AUTH_HELLO_LEN 64
#define KSTUB_UDP_AUTH_DGRAM_MAX                                               \
	(KSTUB_UDP_AUTH_OVERHEAD + KSTUB_UDP_AUTH_FRAG_MAX)

/* Datagram types (header byte 1). */
#define KSTUB_UDP_AUTH_HELLO 1	   /* bridge -> stub, tag under the PSK */
#define KSTUB_UDP_AUTH_CHALLENGE 2 /* stub -> bridge, session key s2b */
#define KSTUB_UDP_AUTH_BUSY 3	   /* stub -> bridge, tag under the PSK */
#define KSTUB_UDP_AUTH_DATA 4	   /* both, session keys: a fragment */
#define KSTUB_UDP_AUTH_ACK 5	   /* both, session keys: ack only */
#define KSTUB_UDP_AUTH_CLOSE 6	   /* bridge -> stub: session over */

struct kstub_udp_auth_hdr {
	uint8_t version; /* KSTUB_UDP_AUTH_VERSION */
	uint8_t type;	 /* KSTUB_UDP_AUTH_* */
	uint8_t frag;	 /* this fragment's index, < nfrags */
	uint8_t nfrags;	 /* DATA: 1..FRAGS_MAX; other types: 1 */
	uint32_t sid;	 /* session id (0 in HELLO and BUSY) */
	uint32_t seq;	 /* DATA: the sender's message number, from 1 */
	uint32_t ack;	 /* the last message received whole */
	uint16_t len;	 /* payload bytes in this datagram */
	uint16_t flags;	 /* 0; a receiver drops anything else */
};

/* Why a datagram was refused by kstub_udp_auth_parse(). */
#define KSTUB_UDP_AUTH_R_SHORT (-1)   /* shorter than header and tag */
#define KSTUB_UDP_AUTH_R_VERSION (-2) /* unknown version */
#define KSTUB_UDP_AUTH_R_LEN (-3)     /* len field against the size */
#define KSTUB_UDP_AUTH_R_TYPE (-4)    /* unknown type, or flags set */
#define KSTUB_UDP_AUTH_R_FRAG (-5)    /* fragment fields inconsistent */

/* The two session keys, as ready HMAC states (the raw keys are gone). */
struct kstub_udp_auth_keys {
	struct kstub_hmac b2s; /* bridge to stub */
	struct kstub_hmac s2b; /* stub to bridge */
};

/* A message being reassembled from its fragments. */
struct kstub_udp_auth_asm {
	uint32_t seq; /* 0: none under way */
	uint32_t len; /* known once the last fragment came */
	uint8_t nfrags;
	uint8_t have; /* bit i: fragment i is in the buffer */
	uint8_t pad[2];
};

/*
 * Check the header of the datagram d[0..n) and decode it into h.
 * Returns 0, or a KSTUB_UDP_AUTH_R_* reason. The tag is not checked.
 */
int kstub_udp_auth_parse(struct kstub_udp_auth_hdr *h, const uint8_t *d,
			 size_t n);

/*
 * Build a datagram in out (room for KSTUB_UDP_AUTH_DGRAM_MAX): h's
 * header (h->len is set from len), payload p[0..len), the tag under key.
 * Returns the datagram's length. len <= KSTUB_UDP_AUTH_FRAG_MAX.
 */
size_t kstub_udp_auth_seal(const struct kstub_hmac *key,
			   struct kstub_udp_auth_hdr *h, const uint8_t *p,
			   size_t len, uint8_t *out);

/* True if the last KSTUB_UDP_TAG_LEN bytes of d[0..n) are its tag. */
bool kstub_udp_auth_verify(const struct kstub_hmac *key, const uint8_t *d,
			   size_t n);

/*
 * The session keys from the PSK's HMAC state, both nonces and the
 * session id (PROTOCOL.md, "Keys").
 */
void kstub_udp_auth_derive(const struct kstub_hmac *psk,
			   const uint8_t *nonce_bridge,
			   const uint8_t *nonce_stub, uint32_t sid,
			   struct kstub_udp_auth_keys *out);

/* Fragments an RSP packet of len bytes travels in (at least 1). */
unsigned kstub_udp_auth_nfrags(size_t len);

/*
 * Add the DATA fragment h/payload to a reassembly into buf (room for
 * KSTUB_UDP_AUTH_MSG_MAX). h->seq must be the message expected next;
 * a fragment of another seq restarts the reassembly.
 * Returns 1 when the message is whole (a->len bytes in buf), 0 when a
 * fragment is still missing, KSTUB_UDP_AUTH_R_FRAG for a fragment that
 * contradicts the ones before it, 2 for a duplicate fragment.
 */
int kstub_udp_auth_asm_add(struct kstub_udp_auth_asm *a, uint8_t *buf,
			   const struct kstub_udp_auth_hdr *h,
			   const uint8_t *payload);

#endif /* KSTUB_UDP_AUTH_PROTO_H */
