/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated UDP link (transports/udp/udp_auth.c): handshake,
 * wrong key, replays from an old session, wrong session, truncation,
 * duplicates answered from the reply cache, fragments lost, doubled and
 * reordered, resends with backoff on a fake clock, a busy handshake, a
 * silent peer, on the link alone (test_udp_auth_core.c puts the stub
 * core behind it).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "auth_peer.h"
#include "fake_machine.h"
#include "kstub_errno.h"

static const struct kstub_transport_ops *ops = &kstub_udp_auth_ops;

START_TEST(config_is_checked)
{
	struct kstub_udp_auth_config cfg;
	struct kstub_udp_dgram_ops no_from = {0};

	aw_reset(&cfg);
	ck_assert_int_eq(kstub_udp_auth_init(&aw_auth, &no_from, NULL, &cfg),
			 KSTUB_EINVAL);
	cfg.get_nonce = NULL;
	ck_assert_int_eq(
	    kstub_udp_auth_init(&aw_auth, &aw_dgram_ops, NULL, &cfg),
	    KSTUB_EINVAL);
	aw_setup_link();
	ck_assert_int_eq(kstub_udp_auth_set_key(&aw_auth, aw_key, 16),
			 KSTUB_EINVAL);
	ck_assert_uint_eq(ops->flags,
			  KSTUB_LINK_RELIABLE | KSTUB_LINK_AUTHENTICATED);
}
END_TEST

START_TEST(no_key_refuses_everything)
{
	struct kstub_udp_auth_config cfg;

	aw_reset(&cfg);
	kstub_udp_auth_init(&aw_auth, &aw_dgram_ops, NULL, &cfg);
	aw_peer_init(&aw_bridge, aw_key, 2, 40000);
	aw_hello(&aw_bridge);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw.nout, 0);
	ck_assert_uint_eq(aw_auth.stats.rx_no_key, 1);
}
END_TEST

START_TEST(handshake_then_request_and_reply)
{
	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "qSupported", 10);
	aw_expect_packet("qSupported");
	ck_assert_uint_eq(aw_auth.stats.sessions, 1);
	ck_assert_int_eq(ops->send_packet(&aw_auth, (const uint8_t *)"OK", 2),
			 0);
	ck_assert_int_eq(aw_next(&aw_bridge), 2);
	ck_assert_str_eq((char *)aw_bridge.msg, "OK");
	/* The reply carried the ack of the request. */
	ck_assert_uint_eq(aw_auth.rx_seq, 1);
}
END_TEST

/* A late challenge and the resent HELLO's must name one session. */
START_TEST(resent_hello_gets_the_same_challenge)
{
	struct aw_peer late;

	aw_setup_link();
	aw_hello(&aw_bridge);
	aw_hello(&aw_bridge);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw.nout, 2);
	late = aw_bridge;
	ck_assert_int_eq(aw_answer(&late), 1); /* the first */
	aw_bridge.cursor = 1;
	ck_assert_int_eq(aw_answer(&aw_bridge), 1); /* the second */
	ck_assert_uint_eq(aw_bridge.sid, late.sid);
	ck_assert(!memcmp(aw.out[0].b, aw.out[1].b, aw.out[0].n));
	/* The first one's keys open the session. */
	aw_ctl(&late, KSTUB_UDP_AUTH_ACK);
	aw_data(&late, "g", 1);
	aw_expect_packet("g");
	/* A HELLO with a new nonce replaces an unconfirmed handshake. */
	aw_peer_init(&aw_other, aw_key, 3, 40001);
	ops->session_end(&aw_auth);
	aw_hello(&aw_other);
	aw_hello(&aw_bridge);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_answer(&aw_other), 1);
	aw_ctl(&aw_other, KSTUB_UDP_AUTH_ACK);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_wrong_session, 1);
	ck_assert(!aw_auth.live);
}
END_TEST

START_TEST(wrong_key_is_told_and_gets_nothing)
{
	static const uint8_t bad[32] = {1};

	aw_setup_link();
	aw_peer_init(&aw_other, bad, 3, 40001);
	aw_hello(&aw_other);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	/* A reply comes, and it fails under the wrong key: "wrong key?". */
	ck_assert_int_eq(aw_answer(&aw_other), -1);
	ck_assert_uint_eq(aw_auth.stats.hs_bad_key, 1);
	ck_assert(!aw_auth.pending);
	/* Its guess at a session is no session. */
	aw_other.sid = 0x01020304;
	aw_data(&aw_other, "g", 1);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_no_session, 1);
	ck_assert_uint_eq(aw_auth.stats.rx_delivered, 0);
}
END_TEST

START_TEST(old_session_replays_are_refused)
{
	struct aw_dgram old;
	uint32_t old_sid;

	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "M10000,1:ff", 11);
	old = aw.in[aw.nin - 1];
	aw_expect_packet("M10000,1:ff");
	ops->session_start(&aw_auth);
	ops->send_packet(&aw_auth, (const uint8_t *)"OK", 2);
	aw_next(&aw_bridge);
	aw_ctl(&aw_bridge, KSTUB_UDP_AUTH_ACK);
	ops->session_end(&aw_auth);
	ck_assert(!aw_auth.live);
	old_sid = aw_bridge.sid;
	/* A new session from the same bridge, fresh nonces on both sides. */
	aw_bridge.nb[0] ^= 0x80;
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	ck_assert_uint_ne(aw_bridge.sid, old_sid);
	aw_raw(&aw_bridge, old.b, old.n);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_wrong_session, 1);
	/* Rewritten to the new session's id, its tag no longer fits. */
	old.b[4] = (uint8_t)(aw_bridge.sid >> 24);
	old.b[5] = (uint8_t)(aw_bridge.sid >> 16);
	old.b[6] = (uint8_t)(aw_bridge.sid >> 8);
	old.b[7] = (uint8_t)aw_bridge.sid;
	aw_raw(&aw_bridge, old.b, old.n);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_bad_tag, 1);
	ck_assert_uint_eq(aw_auth.stats.rx_delivered, 1);
}
END_TEST

/* Replies follow a new message's sender; a replay moves nothing. */
START_TEST(peer_follows_new_messages_only)
{
	struct aw_dgram old;

	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "g", 1);
	old = aw.in[aw.nin - 1];
	aw_expect_packet("g");
	ops->send_packet(&aw_auth, (const uint8_t *)"00", 2);
	ck_assert_int_eq(aw_next(&aw_bridge), 2);
	/* A NAT gives the bridge a new port. */
	aw_bridge.addr.port = 40099;
	aw_data(&aw_bridge, "m0,1", 4);
	aw_expect_packet("m0,1");
	ops->send_packet(&aw_auth, (const uint8_t *)"E14", 3);
	ck_assert_uint_eq(aw.out[aw.nout - 1].addr.port, 40099);
	ck_assert_int_eq(aw_next(&aw_bridge), 3);
	/* Someone else replays the bridge's earlier datagram. */
	aw_peer_init(&aw_other, aw_key, 9, 666);
	aw_raw(&aw_other, old.b, old.n);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_dup, 1);
	ck_assert_uint_eq(aw.out[aw.nout - 1].addr.port, 40099);
	ck_assert_uint_eq(aw_auth.peer.port, 40099);
}
END_TEST

START_TEST(wrong_session_and_forged_tags)
{
	struct aw_peer liar;

	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	liar = aw_bridge;
	liar.sid ^= 1;
	aw_data(&liar, "k", 1);
	liar = aw_bridge;
	liar.k.b2s.inner.h[0] ^= 1; /* a key it does not have */
	aw_data(&liar, "k", 1);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_wrong_session, 1);
	ck_assert_uint_eq(aw_auth.stats.rx_bad_tag, 1);
	/* A stub's own datagram reflected back is refused by its type. */
	aw_raw(&aw_bridge, aw.out[0].b, aw.out[0].n);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_bad_type, 1);
	aw_data(&aw_bridge, "g", 1);
	aw_expect_packet("g");
}
END_TEST

START_TEST(truncated_datagrams_are_refused)
{
	struct aw_dgram d;

	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "m10000,10", 9);
	d = aw.in[--aw.nin];
	for (size_t n = 0; n < d.n; n++)
		aw_raw(&aw_bridge, d.b, n);
	for (unsigned i = 0; i < d.n / KSTUB_UDP_AUTH_POLL_DGRAMS + 1; i++)
		ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_short, KSTUB_UDP_AUTH_OVERHEAD);
	ck_assert_uint_eq(aw_auth.stats.rx_bad_len,
			  d.n - KSTUB_UDP_AUTH_OVERHEAD);
	aw_raw(&aw_bridge, d.b, d.n);
	aw_expect_packet("m10000,10");
}
END_TEST

START_TEST(duplicate_gets_the_cached_reply)
{
	struct aw_dgram req;

	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "m10000,2", 8);
	req = aw.in[aw.nin - 1];
	aw_expect_packet("m10000,2");
	ops->send_packet(&aw_auth, (const uint8_t *)"abcd", 4);
	ck_assert_int_eq(aw_next(&aw_bridge), 4);
	/* The reply was lost: the bridge sends the request again. */
	aw_raw(&aw_bridge, req.b, req.n);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_dup, 1);
	ck_assert_uint_eq(aw_auth.stats.rx_delivered, 1);
	aw_bridge.ack = 0; /* read the resent reply as new */
	ck_assert_int_eq(aw_next(&aw_bridge), 4);
	ck_assert_str_eq((char *)aw_bridge.msg, "abcd");
	/* Acked now: a late copy gets a bare ack, no reply, no run. */
	aw_ctl(&aw_bridge, KSTUB_UDP_AUTH_ACK);
	aw_raw(&aw_bridge, req.b, req.n);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_next(&aw_bridge), -1);
	ck_assert_uint_eq(aw_auth.stats.rx_delivered, 1);
}
END_TEST

START_TEST(fragments_in_any_order)
{
	static uint8_t big[3000];
	const size_t F = KSTUB_UDP_AUTH_FRAG_MAX;
	uint32_t seq;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	seq = ++aw_bridge.seq;
	aw_frag(&aw_bridge, seq, 2, 3, big + 2 * F, sizeof(big) - 2 * F);
	aw_frag(&aw_bridge, seq, 0, 3, big, F);
	aw_frag(&aw_bridge, seq, 0, 3, big, F);	    /* doubled */
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN); /* 1 is missing */
	aw_frag(&aw_bridge, seq, 1, 4, big + F, F); /* lies about count */
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	aw_frag(&aw_bridge, seq, 1, 3, big + F, F);
	ck_assert_int_eq(aw_recv1(), (long)sizeof(big));
	ck_assert(!memcmp(aw_pkt, big, sizeof(big)));
	ck_assert_uint_eq(aw_auth.stats.rx_dup_frag, 1);
	ck_assert_uint_eq(aw_auth.stats.rx_bad_frag, 1);
	/* A short middle fragment is malformed before any tag is checked. */
	aw_frag(&aw_bridge, seq + 1, 0, 2, big, F - 1);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_uint_eq(aw_auth.stats.rx_bad_frag, 2);
	/* The stub's own large reply: fragments that need no IP ones. */
	ck_assert_int_eq(ops->send_packet(&aw_auth, big, sizeof(big)), 0);
	ck_assert_int_eq(aw_next(&aw_bridge), (long)sizeof(big));
	ck_assert(!memcmp(aw_bridge.msg, big, sizeof(big)));
	ck_assert_int_eq(
	    ops->send_packet(&aw_auth, big, KSTUB_UDP_AUTH_MAX_PACKET + 1),
	    KSTUB_E2BIG);
}
END_TEST

START_TEST(resends_back_off_then_give_up)
{
	uint64_t gaps[16];
	unsigned n = 0, sent;
	long r;

	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "?", 1);
	aw_expect_packet("?");
	ops->session_start(&aw_auth);
	ops->send_packet(&aw_auth, (const uint8_t *)"S05", 3);
	sent = aw.nout;
	/* Keepalives would hold the session; none come, nor acks. */
	do
		r = aw_recv1();
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
	ck_assert_uint_eq(aw_auth.stats.tx_resends, 11);
	ck_assert_uint_eq(aw_auth.stats.sessions_lost, 1);
	ck_assert_int_eq(aw_recv1(), KSTUB_ENOTCONN);
	ops->session_end(&aw_auth);
	ck_assert(!aw_auth.live);
	/* A new bridge may now start a session. */
	aw_peer_init(&aw_other, aw_key, 3, 40001);
	ck_assert(aw_handshake(&aw_other, &aw_auth));
}
END_TEST

START_TEST(a_lost_reply_is_resent_on_time)
{
	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "g", 1);
	aw_expect_packet("g");
	ops->send_packet(&aw_auth, (const uint8_t *)"0011", 4);
	aw.nout = aw_bridge.cursor; /* the network ate it */
	while (aw.nout == aw_bridge.cursor)
		ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_next(&aw_bridge), 4);
	aw_ctl(&aw_bridge, KSTUB_UDP_AUTH_ACK);
	aw_recv1();
	ck_assert(!aw_auth.tx_unacked);
}
END_TEST

START_TEST(busy_while_a_session_lives)
{
	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_peer_init(&aw_other, aw_key, 3, 40001);
	aw_hello(&aw_other);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert_int_eq(aw_answer(&aw_other), 2); /* authentic "busy" */
	ck_assert_uint_eq(aw_auth.stats.hs_busy, 1);
	/* The live session goes on as before. */
	aw_data(&aw_bridge, "g", 1);
	aw_expect_packet("g");
	ck_assert_uint_eq(aw_auth.stats.sessions, 1);
	/* Once the bridge says goodbye, the other one may come in. */
	aw_ctl(&aw_bridge, KSTUB_UDP_AUTH_CLOSE);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	ck_assert(!aw_auth.live);
	ck_assert(aw_handshake(&aw_other, &aw_auth));
}
END_TEST

START_TEST(silent_peer_is_given_up)
{
	aw_setup_link();
	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "g", 1);
	aw_expect_packet("g");
	aw.clock_step_us = 100000;
	for (unsigned i = 0; i < 300 && aw_auth.live; i++)
		aw_recv1();
	ck_assert(!aw_auth.live); /* no stub session: forgotten at once */
	ck_assert_uint_eq(aw_auth.stats.sessions_lost, 1);
}
END_TEST

Suite *udp_auth_suite(void);
Suite *udp_auth_suite(void)
{
	Suite *s = suite_create("udp_auth");
	TCase *tc = tcase_create("link");

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
	return s;
}
