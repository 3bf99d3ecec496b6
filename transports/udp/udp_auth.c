/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated UDP link (kstub_udp_auth.h): handshake, per-session
 * keys, sequenced and acknowledged messages with retransmission and
 * backoff, fragments, and the reply cache that keeps a resent request
 * from running twice. The wire format is PROTOCOL.md's.
 */
#include "kstub_errno.h"
#include "kstub_udp_auth.h"

#define RTO_MIN_US 50000u
#define RTO_MAX_US 1000000u
#define TX_TRIES 12u
#define PEER_TIMEOUT_MS 10000u

#define HDR KSTUB_UDP_AUTH_HDR_LEN
#define NONCE KSTUB_UDP_AUTH_NONCE_LEN

int kstub_udp_auth_init(struct kstub_udp_auth *a,
			const struct kstub_udp_dgram_ops *dg, void *dg_ctx,
			const struct kstub_udp_auth_config *cfg)
{
	if (!dg || !dg->recv_from || !dg->send_to || !cfg || !cfg->now_us ||
	    !cfg->get_nonce)
		return KSTUB_EINVAL;
	__builtin_memset(a, 0, sizeof(*a));
	a->dg = dg;
	a->dg_ctx = dg_ctx;
	a->cfg = *cfg;
	if (!a->cfg.rto_min_us)
		a->cfg.rto_min_us = RTO_MIN_US;
	if (!a->cfg.rto_max_us)
		a->cfg.rto_max_us = RTO_MAX_US;
	if (a->cfg.rto_max_us < a->cfg.rto_min_us)
		a->cfg.rto_max_us = a->cfg.rto_min_us;
	if (!a->cfg.tx_tries)
		a->cfg.tx_tries = TX_TRIES;
	if (!a->cfg.peer_timeout_ms)
		a->cfg.peer_timeout_ms = PEER_TIMEOUT_MS;
	return 0;
}

static uint64_t now(struct kstub_udp_auth *a)
{
	return a->cfg.now_us(a->cfg.ctx);
}

/* Forget the session: its keys, numbers and buffered messages. */
static void reset_session(struct kstub_udp_auth *a)
{
	a->live = 0;
	a->gone = 0;
	a->sid = 0;
	a->ack_held = 0;
	a->rx_ready = 0;
	a->tx_unacked = 0;
	a->rx_seq = 0;
	a->tx_seq = 0;
	__builtin_memset(&a->rx_asm, 0, sizeof(a->rx_asm));
	__builtin_memset(&a->keys, 0, sizeof(a->keys));
}

int kstub_udp_auth_set_key(struct kstub_udp_auth *a, const uint8_t *key,
			   size_t len)
{
	if (!key || len != KSTUB_UDP_AUTH_KEY_LEN)
		return KSTUB_EINVAL;
	kstub_hmac_init(&a->psk, key, len);
	a->have_key = 1;
	a->pending = 0;
	reset_session(a);
	return 0;
}

/*
 * The session's peer is gone (silent, closed, never acked). With a
 * stub session open, recv_packet says KSTUB_ENOTCONN until the stub
 * ends it; without one there is nothing to tell, so forget it now.
 */
static void lose(struct kstub_udp_auth *a)
{
	a->gone = 1;
	if (!a->core_session)
		reset_session(a);
}

static void put(struct kstub_udp_auth *a, const struct kstub_udp_addr *to,
		size_t n)
{
	if (a->dg->send_to(a->dg_ctx, to, a->dgram, n) < 0)
		a->stats.tx_errors++;
}

static void send_ack(struct kstub_udp_auth *a)
{
	struct kstub_udp_auth_hdr h = {.type = KSTUB_UDP_AUTH_ACK,
				       .nfrags = 1,
				       .sid = a->sid,
				       .ack = a->rx_seq};

	a->ack_held = 0;
	put(a, &a->peer, kstub_udp_auth_seal(&a->keys.s2b, &h, 0, 0, a->dgram));
}

/* tx_msg, every fragment, each carrying the ack of what we received. */
static void send_msg(struct kstub_udp_auth *a)
{
	unsigned nf = kstub_udp_auth_nfrags(a->tx_len), i;
	struct kstub_udp_auth_hdr h = {.type = KSTUB_UDP_AUTH_DATA,
				       .nfrags = (uint8_t)nf,
				       .sid = a->sid,
				       .seq = a->tx_seq,
				       .ack = a->rx_seq};
	size_t off, len;

	for (i = 0; i < nf; i++) {
		off = (size_t)i * KSTUB_UDP_AUTH_FRAG_MAX;
		len = a->tx_len - off;
		if (len > KSTUB_UDP_AUTH_FRAG_MAX)
			len = KSTUB_UDP_AUTH_FRAG_MAX;
		h.frag = (uint8_t)i;
		put(a, &a->peer,
		    kstub_udp_auth_seal(&a->keys.s2b, &h, a->tx_msg + off, len,
					a->dgram));
	}
	a->ack_held = 0;
	a->tx_sends++;
	a->tx_due_us = now(a) + a->rto_us;
}

/*
 * Timers of a live session: resend an unacked message when its timeout
 * expires (doubling it), and give the peer up after tx_tries sends or
 * peer_timeout_ms of silence. Returns false once the peer is gone.
 */
static bool tick(struct kstub_udp_auth *a)
{
	uint64_t t;

	if (!a->live || a->gone)
		return !a->gone;
	t = now(a);
	if (a->tx_unacked && t >= a->tx_due_us) {
		if (a->tx_sends >= a->cfg.tx_tries) {
			a->stats.sessions_lost++;
			lose(a);
			return false;
		}
		a->rto_us *= 2;
		if (a->rto_us > a->cfg.rto_max_us)
			a->rto_us = a->cfg.rto_max_us;
		a->stats.tx_resends++;
		send_msg(a);
	}
	if (t > a->last_rx_us &&
	    t - a->last_rx_us >= (uint64_t)a->cfg.peer_timeout_ms * 1000) {
		a->stats.sessions_lost++;
		lose(a);
		return false;
	}
	return true;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * A HELLO of n bytes in dgram: a CHALLENGE (a session key bound to both
 * nonces) while no session is live, an authenticated BUSY while one is.
 * A HELLO whose tag fails under the PSK is answered too, under keys that
 * are then thrown away: the bridge with the wrong key learns "wrong
 * key" rather than "no answer", and nothing here changes state.
 */
static void hello(struct kstub_udp_auth *a, const struct kstub_udp_auth_hdr *h,
		  size_t n, const struct kstub_udp_addr *from)
{
	struct kstub_udp_auth_hdr r = {.nfrags = 1};
	uint8_t pl[2 * NONCE], sidb[4];
	struct kstub_udp_auth_keys *k;
	bool ok;

	if (h->len != KSTUB_UDP_AUTH_HELLO_LEN || h->sid || h->seq || h->ack) {
		a->stats.rx_bad_len++;
		return;
	}
	ok = kstub_udp_auth_verify(&a->psk, a->dgram, n);
	if (!ok)
		a->stats.hs_bad_key++;
	__builtin_memcpy(pl + NONCE, a->dgram + HDR, NONCE);
	if (a->live) {
		if (ok)
			a->stats.hs_busy++;
		r.type = KSTUB_UDP_AUTH_BUSY;
		put(a, from,
		    kstub_udp_auth_seal(&a->psk, &r, pl + NONCE, NONCE,
					a->dgram));
		return;
	}
	/*
	 * The same HELLO again (its challenge was lost or is late): the
	 * same challenge, or a late first one and the resent one's answer
	 * would name two sessions and the bridge could pick the wrong one.
	 */
	if (ok && a->pending &&
	    !__builtin_memcmp(a->pending_nb, pl + NONCE, NONCE)) {
		__builtin_memcpy(pl, a->pending_ns, NONCE);
		r.sid = a->pending_sid;
		k = &a->pending_keys;
		a->stats.hs_hello++;
		goto answer;
	}
	if (a->cfg.get_nonce(a->cfg.ctx, pl, NONCE) < 0 ||
	    a->cfg.get_nonce(a->cfg.ctx, sidb, 4) < 0) {
		a->stats.hs_no_nonce++;
		return;
	}
	r.sid = get32(sidb) ? get32(sidb) : 1; /* 0 is "no session" */
	/* No session is live, so its key slot is free to scribble on. */
	k = ok ? &a->pending_keys : &a->keys;
	kstub_udp_auth_derive(&a->psk, pl + NONCE, pl, r.sid, k);
	if (ok) {
		a->pending = 1;
		a->pending_sid = r.sid;
		__builtin_memcpy(a->pending_nb, pl + NONCE, NONCE);
		__builtin_memcpy(a->pending_ns, pl, NONCE);
		a->stats.hs_hello++;
	}
answer:
	r.type = KSTUB_UDP_AUTH_CHALLENGE;
	put(a, from,
	    kstub_udp_auth_seal(&k->s2b, &r, pl, sizeof(pl), a->dgram));
	if (!ok)
		__builtin_memset(&a->keys, 0, sizeof(a->keys));
}

/* The first authentic datagram under a pending handshake's keys. */
static void establish(struct kstub_udp_auth *a,
		      const struct kstub_udp_addr *from)
{
	reset_session(a);
	a->live = 1;
	a->pending = 0;
	a->sid = a->pending_sid;
	a->keys = a->pending_keys;
	__builtin_memset(&a->pending_keys, 0, sizeof(a->pending_keys));
	a->peer = *from;
	a->stats.sessions++;
}

/* An authentic datagram of the live session. */
static void session_input(struct kstub_udp_auth *a,
			  const struct kstub_udp_auth_hdr *h,
			  const struct kstub_udp_addr *from)
{
	int r;

	a->last_rx_us = now(a);
	if (a->tx_unacked && h->ack == a->tx_seq)
		a->tx_unacked = 0;
	if (h->type == KSTUB_UDP_AUTH_CLOSE) {
		lose(a);
		return;
	}
	if (h->type != KSTUB_UDP_AUTH_DATA)
		return;
	if (h->seq <= a->rx_seq) {
		/* Our reply or ack was lost: send it again, run nothing. */
		a->stats.rx_dup++;
		if (a->tx_unacked) {
			a->stats.tx_resends++;
			send_msg(a);
		} else {
			send_ack(a);
		}
		return;
	}
	if (h->seq != a->rx_seq + 1 || a->rx_ready) {
		a->stats.rx_ahead++;
		return;
	}
	r = kstub_udp_auth_asm_add(&a->rx_asm, a->rx_msg, h, a->dgram + HDR);
	if (r < 0) {
		a->stats.rx_bad_frag++;
	} else if (r == 2) {
		a->stats.rx_dup_frag++;
	} else if (r == 1) {
		a->rx_seq = h->seq;
		a->rx_ready = 1;
		a->rx_asm.seq = 0;
		/*
		 * Replies follow the sender of each new message (a NAT that
		 * moved the bridge's port). Only the first copy of its last
		 * fragment completes a message, so a replay moves nothing.
		 */
		a->peer = *from;
	}
}

/* One datagram of n bytes in dgram, from the address from. */
static void input(struct kstub_udp_auth *a, size_t n,
		  const struct kstub_udp_addr *from)
{
	struct kstub_udp_auth_hdr h;
	int r;

	a->stats.rx_dgrams++;
	if (n > KSTUB_UDP_NET_MAX_PAYLOAD) {
		a->stats.rx_oversize++;
		return;
	}
	r = kstub_udp_auth_parse(&h, a->dgram, n);
	if (r == KSTUB_UDP_AUTH_R_SHORT)
		a->stats.rx_short++;
	else if (r == KSTUB_UDP_AUTH_R_VERSION)
		a->stats.rx_version++;
	else if (r == KSTUB_UDP_AUTH_R_LEN)
		a->stats.rx_bad_len++;
	else if (r == KSTUB_UDP_AUTH_R_TYPE)
		a->stats.rx_bad_type++;
	else if (r < 0)
		a->stats.rx_bad_frag++;
	if (r < 0)
		return;
	if (!a->have_key) {
		a->stats.rx_no_key++;
		return;
	}
	if (h.type == KSTUB_UDP_AUTH_HELLO) {
		hello(a, &h, n, from);
		return;
	}
	if (h.type == KSTUB_UDP_AUTH_CHALLENGE ||
	    h.type == KSTUB_UDP_AUTH_BUSY) {
		a->stats.rx_bad_type++; /* ours, reflected back */
		return;
	}
	if (a->live && !a->gone && h.sid == a->sid) {
		if (!kstub_udp_auth_verify(&a->keys.b2s, a->dgram, n)) {
			a->stats.rx_bad_tag++;
			return;
		}
	} else if (!a->live && a->pending && h.sid == a->pending_sid) {
		if (!kstub_udp_auth_verify(&a->pending_keys.b2s, a->dgram, n)) {
			a->stats.rx_bad_tag++;
			return;
		}
		establish(a, from);
	} else {
		if (a->live || a->pending)
			a->stats.rx_wrong_session++;
		else
			a->stats.rx_no_session++;
		return;
	}
	session_input(a, &h, from);
}

/* Take one datagram from below: 1 taken, 0 none, or a KSTUB_E* error. */
static int take(struct kstub_udp_auth *a)
{
	struct kstub_udp_addr from;
	long n = a->dg->recv_from(a->dg_ctx, a->dgram, sizeof(a->dgram), &from);

	if (n == KSTUB_EAGAIN)
		return 0;
	if (n < 0)
		return (int)n;
	input(a, (size_t)n, &from);
	return 1;
}

static long recv_packet(void *ctx, uint8_t *buf, size_t cap)
{
	struct kstub_udp_auth *a = ctx;
	unsigned budget = KSTUB_UDP_AUTH_POLL_DGRAMS;
	uint32_t len;
	int r;

	if (a->gone && a->core_session)
		return KSTUB_ENOTCONN;
	/* Called again without a reply: the last packet is acked alone. */
	if (a->ack_held && a->live)
		send_ack(a);
	while (!a->rx_ready && budget-- > 0) {
		r = take(a);
		if (r == 0)
			break;
		/* A device error ends a stub session, else waits it out. */
		if (r < 0 && a->core_session)
			return r;
		if (r < 0)
			break;
	}
	if (a->rx_ready && a->live && !a->gone) {
		a->rx_ready = 0;
		a->ack_held = 1;
		a->stats.rx_delivered++;
		len = a->rx_asm.len;
		if (len > cap)
			return KSTUB_E2BIG;
		__builtin_memcpy(buf, a->rx_msg, len);
		return (long)len;
	}
	if (!tick(a) && a->core_session)
		return KSTUB_ENOTCONN;
	return KSTUB_EAGAIN;
}

/*
 * Wait, in bounded time, until the bridge has acked tx_msg: one message
 * in flight at a time. What comes meanwhile is handled; a whole new
 * message waits in rx_msg. Returns 0, or KSTUB_ENOTCONN.
 */
static int wait_acked(struct kstub_udp_auth *a)
{
	while (a->tx_unacked) {
		if (take(a) < 0 || a->gone || !tick(a))
			return KSTUB_ENOTCONN;
	}
	return 0;
}

static int send_packet(void *ctx, const uint8_t *buf, size_t len)
{
	struct kstub_udp_auth *a = ctx;

	if (len > KSTUB_UDP_AUTH_MAX_PACKET)
		return KSTUB_E2BIG;
	if (!a->live || a->gone || wait_acked(a) < 0)
		return KSTUB_ENOTCONN;
	__builtin_memcpy(a->tx_msg, buf, len);
	a->tx_len = (uint32_t)len;
	a->tx_seq++;
	a->tx_unacked = 1;
	a->tx_sends = 0;
	a->rto_us = a->cfg.rto_min_us;
	a->stats.tx_msgs++;
	send_msg(a);
	return 0;
}

/* The kernel resumes after c or s: the bridge must not resend them. */
static void leave(void *ctx)
{
	struct kstub_udp_auth *a = ctx;

	if (a->ack_held && a->live && !a->gone)
		send_ack(a);
}

static void session_start(void *ctx)
{
	((struct kstub_udp_auth *)ctx)->core_session = 1;
}

/* D's OK must reach the bridge before the session's keys are gone. */
static void session_end(void *ctx)
{
	struct kstub_udp_auth *a = ctx;

	a->core_session = 0;
	if (a->live && !a->gone) {
		if (a->ack_held)
			send_ack(a);
		wait_acked(a);
	}
	reset_session(a);
}

const struct kstub_transport_ops kstub_udp_auth_ops = {
    .name = "udp-auth",
    .flags = KSTUB_LINK_RELIABLE | KSTUB_LINK_AUTHENTICATED,
    .recv_packet = recv_packet,
    .send_packet = send_packet,
    .max_packet = KSTUB_UDP_AUTH_MAX_PACKET,
    .session_start = session_start,
    .session_end = session_end,
    .leave = leave,
};
