/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated UDP link (transports/udp/udp_auth.c): handshake,
 * wrong key, replays from an old session, wrong session, truncation,
 * duplicates answered from the reply cache, fragments lost, doubled and
 * reordered, resends with backoff on a fake clock, a busy handshake, and
 * break-ins while the kernel runs, first on the link alone, then with
 * the stub core of the fake machine behind it.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "auth_peer.h"
#include "fake_machine.h"
#include "kstub_errno.h"

static struct kstub_udp_auth auth;
static struct aw_peer bridge, other;
static const struct kstub_transport_ops *ops = &kstub_udp_auth_ops;
static uint8_t pkt[KSTUB_UDP_AUTH_MAX_PACKET + 1];

static void setup_link(void)
{
	struct kstub_udp_auth_config cfg;

	aw_reset(&cfg);
	ck_assert_int_eq(kstub_udp_auth_init(&auth, &aw_dgram_ops, NULL, &cfg),
			 0);
	ck_assert_int_eq(kstub_udp_auth_set_key(&auth, aw_key, 32), 0);
	aw_peer_init(&bridge, aw_key, 2, 40000);
}

static long recv1(void)
{
	return ops->recv_packet(&auth, pkt, sizeof(pkt) - 1);
}

/* One whole request delivered, as the stub would take it. */
static void expect_packet(const char *body)
{
	long n = recv1();

	ck_assert_int_eq(n, (long)strlen(body));
	pkt[n] = 0;
	ck_assert_str_eq((char *)pkt, body);
}

START_TEST(config_is_checked)
{
	struct kstub_udp_auth_config cfg;
	struct kstub_udp_dgram_ops no_from = {0};

	aw_reset(&cfg);
	ck_assert_int_eq(kstub_udp_auth_init(&auth, &no_from, NULL, &cfg),
			 KSTUB_EINVAL);
	cfg.get_nonce = NULL;
	ck_assert_int_eq(kstub_udp_auth_init(&auth, &aw_dgram_ops, NULL, &cfg),
			 KSTUB_EINVAL);
	setup_link();
	ck_assert_int_eq(kstub_udp_auth_set_key(&auth, aw_key, 16),
			 KSTUB_EINVAL);
	ck_assert_uint_eq(ops->flags,
			  KSTUB_LINK_RELIABLE | KSTUB_LINK_AUTHENTICATED);
}
END_TEST

START_TEST(no_key_refuses_everything)
{
	struct kstub_udp_auth_config cfg;

	aw_reset(&cfg);
	kstub_udp_auth_init(&auth, &aw_dgram_ops, NULL, &cfg);
	aw_peer_init(&bridge, aw_key, 2, 40000);
	aw_hello(&bridge);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw.nout, 0);
	ck_assert_uint_eq(auth.stats.rx_no_key, 1);
}
END_TEST

START_TEST(handshake_then_request_and_reply)
{
	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "qSupported", 10);
	expect_packet("qSupported");
	ck_assert_uint_eq(auth.stats.sessions, 1);
	ck_assert_int_eq(ops->send_packet(&auth, (const uint8_t *)"OK", 2), 0);
	ck_assert_int_eq(aw_next(&bridge), 2);
	ck_assert_str_eq((char *)bridge.msg, "OK");
	/* The reply carried the ack of the request. */
	ck_assert_uint_eq(auth.rx_seq, 1);
}
END_TEST

/* A late challenge and the resent HELLO's must name one session. */
START_TEST(resent_hello_gets_the_same_challenge)
{
	struct aw_peer late;

	setup_link();
	aw_hello(&bridge);
	aw_hello(&bridge);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw.nout, 2);
	late = bridge;
	ck_assert_int_eq(aw_answer(&late), 1); /* the first */
	bridge.cursor = 1;
	ck_assert_int_eq(aw_answer(&bridge), 1); /* the second */
	ck_assert_uint_eq(bridge.sid, late.sid);
	ck_assert(!memcmp(aw.out[0].b, aw.out[1].b, aw.out[0].n));
	/* The first one's keys open the session. */
	aw_ctl(&late, KSTUB_UDP_AUTH_ACK);
	aw_data(&late, "g", 1);
	expect_packet("g");
	/* A HELLO with a new nonce replaces an unconfirmed handshake. */
	aw_peer_init(&other, aw_key, 3, 40001);
	ops->session_end(&auth);
	aw_hello(&other);
	aw_hello(&bridge);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_answer(&other), 1);
	aw_ctl(&other, KSTUB_UDP_AUTH_ACK);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_wrong_session, 1);
	ck_assert(!auth.live);
}
END_TEST

START_TEST(wrong_key_is_told_and_gets_nothing)
{
	static const uint8_t bad[32] = {1};

	setup_link();
	aw_peer_init(&other, bad, 3, 40001);
	aw_hello(&other);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	/* A reply comes, and it fails under the wrong key: "wrong key?". */
	ck_assert_int_eq(aw_answer(&other), -1);
	ck_assert_uint_eq(auth.stats.hs_bad_key, 1);
	ck_assert(!auth.pending);
	/* Its guess at a session is no session. */
	other.sid = 0x01020304;
	aw_data(&other, "g", 1);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_no_session, 1);
	ck_assert_uint_eq(auth.stats.rx_delivered, 0);
}
END_TEST

START_TEST(old_session_replays_are_refused)
{
	struct aw_dgram old;
	uint32_t old_sid;

	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "M10000,1:ff", 11);
	old = aw.in[aw.nin - 1];
	expect_packet("M10000,1:ff");
	ops->session_start(&auth);
	ops->send_packet(&auth, (const uint8_t *)"OK", 2);
	aw_next(&bridge);
	aw_ctl(&bridge, KSTUB_UDP_AUTH_ACK);
	ops->session_end(&auth);
	ck_assert(!auth.live);
	old_sid = bridge.sid;
	/* A new session from the same bridge, fresh nonces on both sides. */
	bridge.nb[0] ^= 0x80;
	ck_assert(aw_handshake(&bridge, &auth));
	ck_assert_uint_ne(bridge.sid, old_sid);
	aw_raw(&bridge, old.b, old.n);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_wrong_session, 1);
	/* Rewritten to the new session's id, its tag no longer fits. */
	old.b[4] = (uint8_t)(bridge.sid >> 24);
	old.b[5] = (uint8_t)(bridge.sid >> 16);
	old.b[6] = (uint8_t)(bridge.sid >> 8);
	old.b[7] = (uint8_t)bridge.sid;
	aw_raw(&bridge, old.b, old.n);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_bad_tag, 1);
	ck_assert_uint_eq(auth.stats.rx_delivered, 1);
}
END_TEST

/* Replies follow a new message's sender; a replay moves nothing. */
START_TEST(peer_follows_new_messages_only)
{
	struct aw_dgram old;

	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "g", 1);
	old = aw.in[aw.nin - 1];
	expect_packet("g");
	ops->send_packet(&auth, (const uint8_t *)"00", 2);
	ck_assert_int_eq(aw_next(&bridge), 2);
	/* A NAT gives the bridge a new port. */
	bridge.addr.port = 40099;
	aw_data(&bridge, "m0,1", 4);
	expect_packet("m0,1");
	ops->send_packet(&auth, (const uint8_t *)"E14", 3);
	ck_assert_uint_eq(aw.out[aw.nout - 1].addr.port, 40099);
	ck_assert_int_eq(aw_next(&bridge), 3);
	/* Someone else replays the bridge's earlier datagram. */
	aw_peer_init(&other, aw_key, 9, 666);
	aw_raw(&other, old.b, old.n);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_dup, 1);
	ck_assert_uint_eq(aw.out[aw.nout - 1].addr.port, 40099);
	ck_assert_uint_eq(auth.peer.port, 40099);
}
END_TEST

START_TEST(wrong_session_and_forged_tags)
{
	struct aw_peer liar;

	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	liar = bridge;
	liar.sid ^= 1;
	aw_data(&liar, "k", 1);
	liar = bridge;
	liar.k.b2s.inner.h[0] ^= 1; /* a key it does not have */
	aw_data(&liar, "k", 1);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_wrong_session, 1);
	ck_assert_uint_eq(auth.stats.rx_bad_tag, 1);
	/* A stub's own datagram reflected back is refused by its type. */
	aw_raw(&bridge, aw.out[0].b, aw.out[0].n);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_bad_type, 1);
	aw_data(&bridge, "g", 1);
	expect_packet("g");
}
END_TEST

START_TEST(truncated_datagrams_are_refused)
{
	struct aw_dgram d;

	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "m10000,10", 9);
	d = aw.in[--aw.nin];
	for (size_t n = 0; n < d.n; n++)
		aw_raw(&bridge, d.b, n);
	for (unsigned i = 0; i < d.n / KSTUB_UDP_AUTH_POLL_DGRAMS + 1; i++)
		ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_short, KSTUB_UDP_AUTH_OVERHEAD);
	ck_assert_uint_eq(auth.stats.rx_bad_len, d.n - KSTUB_UDP_AUTH_OVERHEAD);
	aw_raw(&bridge, d.b, d.n);
	expect_packet("m10000,10");
}
END_TEST

START_TEST(duplicate_gets_the_cached_reply)
{
	struct aw_dgram req;

	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "m10000,2", 8);
	req = aw.in[aw.nin - 1];
	expect_packet("m10000,2");
	ops->send_packet(&auth, (const uint8_t *)"abcd", 4);
	ck_assert_int_eq(aw_next(&bridge), 4);
	/* The reply was lost: the bridge sends the request again. */
	aw_raw(&bridge, req.b, req.n);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_dup, 1);
	ck_assert_uint_eq(auth.stats.rx_delivered, 1);
	bridge.ack = 0; /* read the resent reply as new */
	ck_assert_int_eq(aw_next(&bridge), 4);
	ck_assert_str_eq((char *)bridge.msg, "abcd");
	/* Acked now: a late copy gets a bare ack, no reply, no run. */
	aw_ctl(&bridge, KSTUB_UDP_AUTH_ACK);
	aw_raw(&bridge, req.b, req.n);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_next(&bridge), -1);
	ck_assert_uint_eq(auth.stats.rx_delivered, 1);
}
END_TEST

START_TEST(fragments_in_any_order)
{
	static uint8_t big[3000];
	const size_t F = KSTUB_UDP_AUTH_FRAG_MAX;
	uint32_t seq;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	seq = ++bridge.seq;
	aw_frag(&bridge, seq, 2, 3, big + 2 * F, sizeof(big) - 2 * F);
	aw_frag(&bridge, seq, 0, 3, big, F);
	aw_frag(&bridge, seq, 0, 3, big, F);	 /* doubled */
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN); /* 1 is missing */
	aw_frag(&bridge, seq, 1, 4, big + F, F); /* lies about count */
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	aw_frag(&bridge, seq, 1, 3, big + F, F);
	ck_assert_int_eq(recv1(), (long)sizeof(big));
	ck_assert(!memcmp(pkt, big, sizeof(big)));
	ck_assert_uint_eq(auth.stats.rx_dup_frag, 1);
	ck_assert_uint_eq(auth.stats.rx_bad_frag, 1);
	/* A short middle fragment is malformed before any tag is checked. */
	aw_frag(&bridge, seq + 1, 0, 2, big, F - 1);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(auth.stats.rx_bad_frag, 2);
	/* The stub's own large reply: fragments that need no IP ones. */
	ck_assert_int_eq(ops->send_packet(&auth, big, sizeof(big)), 0);
	ck_assert_int_eq(aw_next(&bridge), (long)sizeof(big));
	ck_assert(!memcmp(bridge.msg, big, sizeof(big)));
	ck_assert_int_eq(
	    ops->send_packet(&auth, big, KSTUB_UDP_AUTH_MAX_PACKET + 1),
	    KSTUB_E2BIG);
}
END_TEST

START_TEST(resends_back_off_then_give_up)
{
	uint64_t gaps[16];
	unsigned n = 0, sent;
	long r;

	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "?", 1);
	expect_packet("?");
	ops->session_start(&auth);
	ops->send_packet(&auth, (const uint8_t *)"S05", 3);
	sent = aw.nout;
	/* Keepalives would hold the session; none come, nor acks. */
	do
		r = recv1();
	while (r == KSTUB_EAGAIN);
	ck_assert_int_eq(r, KSTUB_ENOTCONN);
	for (unsigned i = sent; i < aw.nout && n < 16; i++)
		gaps[n++] = aw.out[i].at_us - aw.out[i - 1].at_us;
	ck_assert_uint_eq(n, 11); /* 12 sends in all */
	ck_assert_uint_ge(gaps[0], 50000);
	ck_assert_uint_lt(gaps[0], 52000);
	ck_assert_uint_ge(gaps[1], 100000);
	ck_assert_uint_lt(gaps[1], 102000);
	ck_assert_uint_ge(gaps[3], 400000);
	ck_assert_uint_ge(gaps[10], 1000000); /* capped at rto_max */
	ck_assert_uint_lt(gaps[10], 1002000);
	ck_assert_uint_eq(auth.stats.tx_resends, 11);
	ck_assert_uint_eq(auth.stats.sessions_lost, 1);
	ck_assert_int_eq(recv1(), KSTUB_ENOTCONN);
	ops->session_end(&auth);
	ck_assert(!auth.live);
	/* A new bridge may now start a session. */
	aw_peer_init(&other, aw_key, 3, 40001);
	ck_assert(aw_handshake(&other, &auth));
}
END_TEST

START_TEST(a_lost_reply_is_resent_on_time)
{
	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "g", 1);
	expect_packet("g");
	ops->send_packet(&auth, (const uint8_t *)"0011", 4);
	aw.nout = bridge.cursor; /* the network ate it */
	while (aw.nout == bridge.cursor)
		ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_next(&bridge), 4);
	aw_ctl(&bridge, KSTUB_UDP_AUTH_ACK);
	recv1();
	ck_assert(!auth.tx_unacked);
}
END_TEST

START_TEST(busy_while_a_session_lives)
{
	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_peer_init(&other, aw_key, 3, 40001);
	aw_hello(&other);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_answer(&other), 2); /* authentic "busy" */
	ck_assert_uint_eq(auth.stats.hs_busy, 1);
	/* The live session goes on as before. */
	aw_data(&bridge, "g", 1);
	expect_packet("g");
	ck_assert_uint_eq(auth.stats.sessions, 1);
	/* Once the bridge says goodbye, the other one may come in. */
	aw_ctl(&bridge, KSTUB_UDP_AUTH_CLOSE);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	ck_assert(!auth.live);
	ck_assert(aw_handshake(&other, &auth));
}
END_TEST

START_TEST(silent_peer_is_given_up)
{
	setup_link();
	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "g", 1);
	expect_packet("g");
	aw.clock_step_us = 100000;
	for (unsigned i = 0; i < 300 && auth.live; i++)
		recv1();
	ck_assert(!auth.live); /* no stub session: forgotten at once */
	ck_assert_uint_eq(auth.stats.sessions_lost, 1);
}
END_TEST

/* ---- with the stub core of the fake machine behind the link ---- */

static struct fx *auth_fx(void)
{
	static const struct kstub_monitor_cmd *mon = &kstub_udp_auth_stats_cmd;
	struct fx_opts o = {.buf_len = KSTUB_BUF_LEN_DEFAULT};
	struct fx *fx = fx_new(&o);
	struct kstub_config cfg = fx->ks.cfg;

	setup_link();
	cfg.link = &kstub_udp_auth_ops;
	cfg.link_ctx = &auth;
	cfg.monitor = mon;
	cfg.monitor_count = 1;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	return fx;
}

/* Enter the stub; the bridge acks what comes and ends with D. */
static void trap(struct fx *fx)
{
	aw.autopilot = &bridge;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	aw.autopilot = NULL;
}

START_TEST(stub_offers_big_packets_and_no_ack)
{
	struct fx *fx = auth_fx();
	char ps[32];

	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "qSupported:swbreak+", 19);
	trap(fx);
	ck_assert_int_gt(aw_next(&bridge), 0);
	snprintf(ps, sizeof(ps), "PacketSize=%x;",
		 (unsigned)KSTUB_UDP_AUTH_MAX_PACKET);
	ck_assert_ptr_nonnull(strstr((char *)bridge.msg, ps));
	ck_assert_ptr_nonnull(strstr((char *)bridge.msg, "QStartNoAckMode+"));
	ck_assert_int_eq(aw_next(&bridge), 2); /* D's OK */
	ck_assert(!auth.live);
	fx_free(fx);
}
END_TEST

START_TEST(stub_runs_a_resent_command_once)
{
	struct fx *fx = auth_fx();
	struct aw_dgram req;

	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "M10000,1:5a", 11);
	req = aw.in[aw.nin - 1];
	aw_data(&bridge, "m10000,1", 8);
	/* The M again, as if the reply were lost: after the m it is old. */
	aw_raw(&bridge, req.b, req.n);
	trap(fx);
	ck_assert_uint_eq(fx->ram[0], 0x5a);
	ck_assert_uint_eq(auth.stats.rx_dup, 1);
	ck_assert_int_eq(aw_next(&bridge), 2);
	ck_assert_str_eq((char *)bridge.msg, "OK");
	ck_assert_int_eq(aw_next(&bridge), 2);
	ck_assert_str_eq((char *)bridge.msg, "5a");
	fx_free(fx);
}
END_TEST

START_TEST(only_authentic_breaks_stop_the_kernel)
{
	struct fx *fx = auth_fx();
	struct aw_peer liar;
	struct aw_dgram brk;
	static uint8_t junk[200];

	ck_assert(aw_handshake(&bridge, &auth));
	liar = bridge;
	liar.k.b2s.outer.h[3] ^= 4;
	aw_data(&liar, "\x03", 1);	     /* forged tag */
	aw_raw(&bridge, junk, sizeof(junk)); /* junk */
	aw_peer_init(&other, aw_key, 3, 40001);
	aw_hello(&other); /* a handshake: busy */
	/* A flood: each poll takes a bounded number, then lets go. */
	for (int i = 0; i < 3 * KSTUB_UDP_AUTH_POLL_DGRAMS; i++)
		aw_raw(&bridge, junk, 40);
	for (int i = 0; i < 8; i++) {
		unsigned before = aw.pos;

		ck_assert(!kstub_poll_break(&fx->ks));
		ck_assert_uint_le(aw.pos - before, KSTUB_UDP_AUTH_POLL_DGRAMS);
	}
	ck_assert_uint_eq(aw.pos, aw.nin);
	ck_assert_uint_eq(auth.stats.rx_bad_tag, 1);
	ck_assert_uint_eq(auth.stats.rx_version,
			  1 + 3 * KSTUB_UDP_AUTH_POLL_DGRAMS);
	ck_assert_uint_eq(auth.stats.hs_busy, 1);
	aw_data(&bridge, "\x03", 1);
	brk = aw.in[aw.nin - 1];
	ck_assert(kstub_poll_break(&fx->ks));
	aw_data(&bridge, "?", 1);
	trap(fx);
	ck_assert_int_gt(aw_next(&bridge), 0);
	ck_assert_int_eq(bridge.msg[0], 'T'); /* the stop reply */
	/* After the session, the break replayed stops nothing. */
	aw_raw(&bridge, brk.b, brk.n);
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(auth.stats.rx_no_session, 1);
	fx_free(fx);
}
END_TEST

/* The bridge dies while the kernel runs: given up, the next gets in. */
START_TEST(vanished_bridge_frees_the_stub)
{
	struct fx *fx = auth_fx();
	bool brk = false;

	ck_assert(aw_handshake(&bridge, &auth));
	aw_data(&bridge, "qAttached", 9);
	aw_data(&bridge, "c", 1);
	aw.autopilot = &bridge;
	aw.d_sent = true;	/* only acks: the c resumes the kernel */
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	aw.autopilot = NULL;
	ck_assert(kstub_attached(&fx->ks));
	aw_peer_init(&other, aw_key, 3, 40001);
	aw_hello(&other);
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_int_eq(aw_answer(&other), 2);	/* busy, for now */
	aw.clock_step_us = 100000;
	for (int i = 0; i < 200 && !brk; i++)
		brk = kstub_poll_break(&fx->ks);
	ck_assert(brk);		/* the port enters to clean up */
	ck_assert_uint_eq(auth.stats.sessions_lost, 1);
	ck_assert(!auth.live);
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert(!kstub_attached(&fx->ks));
	aw.clock_step_us = 1000;
	ck_assert(aw_handshake(&other, &auth));
	fx_free(fx);
}
END_TEST

START_TEST(monitor_stats_prints_reject_counters)
{
	struct fx *fx = auth_fx();
	static const char cmd[] = "qRcmd,7374617473"; /* "stats" */
	char text[4096] = "";
	long n;

	ck_assert(aw_handshake(&bridge, &auth));
	aw_raw(&bridge, (const uint8_t *)"xx", 2);
	ck_assert_int_eq(recv1(), KSTUB_EAGAIN);
	aw_data(&bridge, cmd, strlen(cmd));
	trap(fx);
	while ((n = aw_next(&bridge)) > 0) {
		size_t t = strlen(text);

		if (bridge.msg[0] != 'O' || n < 3)
			continue;
		for (long i = 1; i + 1 < n && t + 1 < sizeof(text); i += 2) {
			unsigned c;

			sscanf((char *)bridge.msg + i, "%2x", &c);
			text[t++] = (char)c;
		}
		text[t] = 0;
	}
	ck_assert_ptr_nonnull(strstr(text, "auth rx_short 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "auth sessions 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "auth tx_errors 0\n"));
	fx_free(fx);
}
END_TEST

Suite *udp_auth_suite(void);
Suite *udp_auth_suite(void)
{
	Suite *s = suite_create("udp_auth");
	TCase *tc = tcase_create("link");
	TCase *core = tcase_create("core");

	tcase_add_test(tc, config_is_checked);
	tcase_add_test(tc, no_key_refuses_everything);
	tcase_add_test(tc, handshake_then_request_and_reply);
	tcase_add_test(tc, resent_hello_gets_the_same_challenge);
	tcase_add_test(tc, wrong_key_is_told_and_gets_nothing);
	tcase_add_test(tc, old_session_replays_are_refused);
	tcase_add_test(tc, peer_follows_new_messages_only);
	tcase_add_test(tc, wrong_session_and_forged_tags);
	tcase_add_test(tc, truncated_datagrams_are_refused);
	tcase_add_test(tc, duplicate_gets_the_cached_reply);
	tcase_add_test(tc, fragments_in_any_order);
	tcase_add_test(tc, resends_back_off_then_give_up);
	tcase_add_test(tc, a_lost_reply_is_resent_on_time);
	tcase_add_test(tc, busy_while_a_session_lives);
	tcase_add_test(tc, silent_peer_is_given_up);
	suite_add_tcase(s, tc);
	tcase_add_test(core, stub_offers_big_packets_and_no_ack);
	tcase_add_test(core, stub_runs_a_resent_command_once);
	tcase_add_test(core, only_authentic_breaks_stop_the_kernel);
	tcase_add_test(core, vanished_bridge_frees_the_stub);
	tcase_add_test(core, monitor_stats_prints_reject_counters);
	suite_add_tcase(s, core);
	return s;
}
