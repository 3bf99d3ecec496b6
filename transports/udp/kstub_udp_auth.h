/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Authenticated mode of the UDP transport (issue 14; the wire protocol is
 * transports/udp/PROTOCOL.md): a packet link of kstub_transport.h over
 * datagrams (struct kstub_udp_dgram_ops) that lets in nothing but a peer
 * holding the pre-shared key. Every datagram carries a session id,
 * sequence and ack numbers and an HMAC-SHA-256-128 tag under keys fresh
 * for each session; a keyed handshake with nonces from both ends starts
 * it, so nothing recorded from an earlier session verifies. The link
 * retransmits its own messages until acked, never delivers a request
 * twice (a duplicate gets the cached reply again), and splits packets up
 * to KSTUB_UDP_AUTH_MAX_PACKET into datagrams that need no IP fragments.
 * So it declares KSTUB_LINK_RELIABLE | KSTUB_LINK_AUTHENTICATED: gdb may
 * use no-ack mode, and any packet may stop the running kernel.
 *
 * A datagram that fails any check is dropped before the stub sees it and
 * counted in struct kstub_udp_auth_stats ("monitor stats" prints them).
 * Work per recv_packet call is bounded (KSTUB_UDP_AUTH_POLL_DGRAMS
 * datagrams, one HMAC each), so a flood cannot hold the CPU that polls.
 *
 * Where it waits: one message is in flight at a time, so send_packet
 * first waits for the ack of the one before (console output and monitor
 * output send several in a row), and session_end waits for the ack of
 * the session's last reply (D's OK). Each wait ends with the ack or when
 * the resends run out (tx_tries, about 8.5 s with the defaults), after
 * which the peer counts as gone. A kernel that prints to a debugger that
 * vanished while the kernel ran therefore stalls in that print for that
 * long, once. The stack below the link's hooks is at most about 0.9 KiB
 * (a handshake's key derivation), on top of the stub's own.
 */
#ifndef KSTUB_UDP_AUTH_H
#define KSTUB_UDP_AUTH_H

#include "kstub.h"
#include "kstub_udp_auth_proto.h"
#include "kstub_udp_plain.h"

/* The largest RSP packet the link carries (PacketSize): 11488 bytes. */
#define KSTUB_UDP_AUTH_MAX_PACKET KSTUB_UDP_AUTH_MSG_MAX
/* Datagrams one recv_packet call may take from the layer below. */
#define KSTUB_UDP_AUTH_POLL_DGRAMS 16

/*
 * Hooks and tunables; zero fields take the default beside them.
 * Both hooks are required. Context of each: as the transport hooks
 * (trap context, or the port's timer/interrupt context while the kernel
 * runs; interrupts off; never concurrently).
 */
struct kstub_udp_auth_config {
	/*
	 * Microseconds from any fixed origin, never going backwards (the
	 * TSC scaled, a free-running timer). Drives retransmission and the
	 * peer's silence timeout. Must not: sleep, lock, fault.
	 */
	uint64_t (*now_us)(void *ctx);
	/*
	 * Fill buf[0..len) with bytes an attacker cannot predict and that
	 * never repeat across sessions or boots (RDRAND/RDSEED, the
	 * kernel's entropy pool read without blocking, or at the very least
	 * a hash of a persistent boot counter and the TSC). Called at each
	 * handshake for the stub's nonce and session id.
	 * Must not: block waiting for entropy, sleep, lock.
	 * Returns: 0, or a negative KSTUB_E* (the handshake is refused).
	 */
	int (*get_nonce)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;	     /* both hooks' first argument */
	uint32_t rto_min_us; /* 0: 50000, first retransmit timeout */
	uint32_t rto_max_us; /* 0: 1000000, backoff doubles up to it */
	uint32_t tx_tries;   /* 0: 12 sends, then the peer is gone */
	/*
	 * Silence from a live session's peer after which it is gone and a
	 * new handshake may start one (the bridge sends a keepalive each
	 * second). 0: 10000 ms.
	 */
	uint32_t peer_timeout_ms;
};

/* Every reason a datagram was refused, and what went well. */
struct kstub_udp_auth_stats {
	uint32_t rx_dgrams;	/* datagrams taken from the layer below */
	uint32_t rx_short;	/* shorter than header and tag */
	uint32_t rx_oversize;	/* longer than one unfragmented datagram */
	uint32_t rx_version;	/* unknown protocol version */
	uint32_t rx_bad_len;	/* length field against the datagram */
	uint32_t rx_bad_type;	/* unknown type, flags, or a stub's type */
	uint32_t rx_bad_frag;	/* fragment fields inconsistent */
	uint32_t rx_no_key;	/* no key set yet: everything refused */
	uint32_t rx_no_session; /* session datagram, no session or handshake */
	uint32_t rx_wrong_session; /* another session's id */
	uint32_t rx_bad_tag;	   /* tag fails under the session's key */
	uint32_t rx_dup;   /* authentic, already delivered: replayed/resent */
	uint32_t rx_ahead; /* authentic, beyond the next message */
	uint32_t rx_dup_frag;	/* a fragment received twice */
	uint32_t rx_delivered;	/* RSP packets handed to the stub */
	uint32_t hs_hello;	/* HELLOs answered with a challenge */
	uint32_t hs_bad_key;	/* HELLOs whose tag fails under the PSK */
	uint32_t hs_busy;	/* HELLOs refused: a session is live */
	uint32_t hs_no_nonce;	/* get_nonce failed: HELLO refused */
	uint32_t sessions;	/* handshakes completed */
	uint32_t sessions_lost; /* peer silent, closed or never acked */
	uint32_t tx_msgs;	/* RSP packets sent */
	uint32_t tx_resends;	/* messages sent again (timeout, dup) */
	uint32_t tx_errors;	/* the layer below refused a datagram */
};

/* The link's context: the port owns it (static storage). */
struct kstub_udp_auth {
	const struct kstub_udp_dgram_ops *dg;
	void *dg_ctx;
	struct kstub_udp_auth_config cfg;
	struct kstub_hmac psk; /* the PSK's padded states, not the key */
	uint8_t have_key;
	uint8_t live;	      /* a session is established */
	uint8_t pending;      /* a CHALLENGE is out, unconfirmed */
	uint8_t gone;	      /* the live session's peer is gone */
	uint8_t core_session; /* between session_start and _end */
	uint8_t ack_held;     /* a delivered message, not yet acked */
	uint8_t rx_ready;     /* rx_msg holds a whole, undelivered one */
	uint8_t tx_unacked;   /* tx_msg is out and not yet acked */
	uint32_t sid, pending_sid;
	/* The pending handshake's nonces: a resent HELLO gets the same. */
	uint8_t pending_nb[KSTUB_UDP_AUTH_NONCE_LEN];
	uint8_t pending_ns[KSTUB_UDP_AUTH_NONCE_LEN];
	struct kstub_udp_auth_keys keys, pending_keys;
	struct kstub_udp_addr peer; /* the live session's bridge */
	uint32_t rx_seq;	    /* the last message received whole */
	struct kstub_udp_auth_asm rx_asm;
	uint32_t tx_seq; /* the last message sent */
	uint32_t tx_len;
	uint32_t tx_sends; /* sends of tx_msg so far */
	uint32_t rto_us;
	uint64_t tx_due_us;  /* when to send tx_msg again */
	uint64_t last_rx_us; /* the peer's last authentic datagram */
	struct kstub_udp_auth_stats stats;
	/* The net layer's counters, for "monitor stats" (may be NULL). */
	const struct kstub_udp_net_stats *net_stats;
	uint8_t dgram[KSTUB_UDP_NET_MAX_PAYLOAD + 1];
	uint8_t rx_msg[KSTUB_UDP_AUTH_MSG_MAX];
	uint8_t tx_msg[KSTUB_UDP_AUTH_MSG_MAX];
};

/* The authenticated link: pass it with the context to kstub_init(). */
extern const struct kstub_transport_ops kstub_udp_auth_ops;

/*
 * Zero the context, attach the datagram layer (dg must have recv_from
 * and send_to) and the hooks. No key yet: every datagram is refused
 * until kstub_udp_auth_set_key().
 * Called: once, at boot, before kstub_init(); thread context.
 * Returns: 0, or KSTUB_EINVAL for a missing hook.
 */
int kstub_udp_auth_init(struct kstub_udp_auth *a,
			const struct kstub_udp_dgram_ops *dg, void *dg_ctx,
			const struct kstub_udp_auth_config *cfg);

/*
 * Set the pre-shared key: KSTUB_UDP_AUTH_KEY_LEN bytes, which the port
 * reads at run time (a boot parameter, a firmware variable, a hook);
 * never compile one into the image. Only its HMAC states are kept, so
 * the caller should wipe its copy. Ends any session made under an
 * earlier key.
 * Called: by the port, at boot or later while no debugger session is
 *   running (thread context, the stub not entered).
 * Returns: 0, or KSTUB_EINVAL for a key of another length.
 */
int kstub_udp_auth_set_key(struct kstub_udp_auth *a, const uint8_t *key,
			   size_t len);

/*
 * "monitor stats": this link's counters and, if net_stats is set, the
 * network layer's drops. The port lists it in kstub_config.monitor; it
 * finds the link through the stub's configuration (link_ctx), so it
 * answers KSTUB_ENOTSUP when the stub's link is another one.
 */
extern const struct kstub_monitor_cmd kstub_udp_auth_stats_cmd;

#endif /* KSTUB_UDP_AUTH_H */
