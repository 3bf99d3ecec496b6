/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The unit suites' bridge for the authenticated UDP link: a scripted
 * wire of datagrams (in: to the stub, out: what it sent), a fake clock
 * and nonce source, and a peer that speaks the protocol with the shared
 * wire code (kstub_udp_auth_proto.h), as host/kstub-udp.c does.
 */
#ifndef AUTH_PEER_H
#define AUTH_PEER_H

#include <stdbool.h>

#include "kstub_udp_auth.h"

#define AW_NQ 512

struct aw_dgram {
	uint8_t b[KSTUB_UDP_NET_MAX_PAYLOAD + 8];
	size_t n;
	struct kstub_udp_addr addr; /* from (in) or to (out) */
	uint64_t at_us;		    /* the clock when it was sent (out) */
};

struct aw_peer {
	struct kstub_hmac psk;
	uint8_t nb[KSTUB_UDP_AUTH_NONCE_LEN];
	struct kstub_udp_auth_keys k;
	uint32_t sid, seq, ack;
	struct kstub_udp_addr addr;
	struct kstub_udp_auth_asm as;
	uint8_t msg[KSTUB_UDP_AUTH_MSG_MAX + 1];
	unsigned cursor; /* next out[] datagram to read */
};

struct aw_wire {
	struct aw_dgram in[AW_NQ], out[AW_NQ];
	unsigned nin, pos, nout;
	uint64_t clock_us;
	uint32_t clock_step_us; /* per clock read */
	uint8_t nonce_ctr;
	struct aw_peer *autopilot; /* when in runs dry: acks, then D */
	bool d_sent;
};

extern struct aw_wire aw;
extern const struct kstub_udp_dgram_ops aw_dgram_ops;
extern const uint8_t aw_key[KSTUB_UDP_AUTH_KEY_LEN];

/* Reset the wire; a config whose hooks are the fake clock and nonces. */
void aw_reset(struct kstub_udp_auth_config *cfg);
/* A peer with key (32 bytes) at 10.0.0.<host>:port; nb from host. */
void aw_peer_init(struct aw_peer *p, const uint8_t *key, uint8_t host,
		  uint16_t port);
/* Queue a raw datagram from p. */
void aw_raw(struct aw_peer *p, const uint8_t *d, size_t n);
void aw_hello(struct aw_peer *p);
/* Read p's answer to its HELLO: 1 challenge verified, 2 busy
 * verified, 0 nothing, -1 a reply that does not verify. */
int aw_answer(struct aw_peer *p);
/* HELLO, one recv_packet, the challenge, the confirming ACK. */
bool aw_handshake(struct aw_peer *p, struct kstub_udp_auth *a);
/* A message (seq p->seq + 1) in as many fragments as it needs. */
void aw_data(struct aw_peer *p, const void *body, size_t len);
void aw_frag(struct aw_peer *p, uint32_t seq, unsigned frag, unsigned nfrags,
	     const uint8_t *pl, size_t len);
void aw_ctl(struct aw_peer *p, uint8_t type);
/* The next whole message from the stub to p (NUL-terminated), its
 * length, or -1 when out[] has none. Verifies every tag it reads. */
long aw_next(struct aw_peer *p);

/* The suites' link under test, its bridge and a second peer. */
extern struct kstub_udp_auth aw_auth;
extern struct aw_peer aw_bridge, aw_other;
extern uint8_t aw_pkt[KSTUB_UDP_AUTH_MAX_PACKET + 1];
/* A fresh wire and link with aw_key; aw_bridge at 10.0.0.2:40000. */
void aw_setup_link(void);
/* One recv_packet of the link into aw_pkt. */
long aw_recv1(void);
/* One whole request delivered, as the stub would take it. */
void aw_expect_packet(const char *body);

#endif
