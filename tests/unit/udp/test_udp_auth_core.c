/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated UDP link (transports/udp/udp_auth.c) with the stub
 * core of the fake machine behind it: what the stub offers over it,
 * a resent command run once, only authentic break-ins stopping the
 * running kernel, a vanished bridge given up, and "monitor stats".
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "auth_peer.h"
#include "fake_machine.h"
#include "kstub_errno.h"

static struct fx *auth_fx(void)
{
	static const struct kstub_monitor_cmd *mon = &kstub_udp_auth_stats_cmd;
	struct fx_opts o = {.buf_len = KSTUB_BUF_LEN_DEFAULT};
	struct fx *fx = fx_new(&o);
	struct kstub_config cfg = fx->ks.cfg;

	aw_setup_link();
	cfg.link = &kstub_udp_auth_ops;
	cfg.link_ctx = &aw_auth;
	cfg.monitor = mon;
	cfg.monitor_count = 1;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	return fx;
}

/* Enter the stub; the bridge acks what comes and ends with D. */
static void trap(struct fx *fx)
{
	aw.autopilot = &aw_bridge;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	aw.autopilot = NULL;
}

START_TEST(stub_offers_big_packets_and_no_ack)
{
	struct fx *fx = auth_fx();
	char ps[32];

	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "qSupported:swbreak+", 19);
	trap(fx);
	ck_assert_int_gt(aw_next(&aw_bridge), 0);
	snprintf(ps, sizeof(ps), "PacketSize=%x;",
		 (unsigned)KSTUB_UDP_AUTH_MAX_PACKET);
	ck_assert_ptr_nonnull(strstr((char *)aw_bridge.msg, ps));
	ck_assert_ptr_nonnull(
	    strstr((char *)aw_bridge.msg, "QStartNoAckMode+"));
	ck_assert_int_eq(aw_next(&aw_bridge), 2); /* D's OK */
	ck_assert(!aw_auth.live);
	fx_free(fx);
}
END_TEST

START_TEST(stub_runs_a_resent_command_once)
{
	struct fx *fx = auth_fx();
	struct aw_dgram req;

	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "M10000,1:5a", 11);
	req = aw.in[aw.nin - 1];
	aw_data(&aw_bridge, "m10000,1", 8);
	/* The M again, as if the reply were lost: after the m it is old. */
	aw_raw(&aw_bridge, req.b, req.n);
	trap(fx);
	ck_assert_uint_eq(fx->ram[0], 0x5a);
	ck_assert_uint_eq(aw_auth.stats.rx_dup, 1);
	ck_assert_int_eq(aw_next(&aw_bridge), 2);
	ck_assert_str_eq((char *)aw_bridge.msg, "OK");
	ck_assert_int_eq(aw_next(&aw_bridge), 2);
	ck_assert_str_eq((char *)aw_bridge.msg, "5a");
	fx_free(fx);
}
END_TEST

START_TEST(only_authentic_breaks_stop_the_kernel)
{
	struct fx *fx = auth_fx();
	struct aw_peer liar;
	struct aw_dgram brk;
	static uint8_t junk[200];

	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	liar = aw_bridge;
	liar.k.b2s.outer.h[3] ^= 4;
	aw_data(&liar, "\x03", 1);		/* forged tag */
	aw_raw(&aw_bridge, junk, sizeof(junk)); /* junk */
	aw_peer_init(&aw_other, aw_key, 3, 40001);
	aw_hello(&aw_other); /* a handshake: busy */
	/* A flood: each poll takes a bounded number, then lets go. */
	for (int i = 0; i < 3 * KSTUB_UDP_AUTH_POLL_DGRAMS; i++)
		aw_raw(&aw_bridge, junk, 40);
	for (int i = 0; i < 8; i++) {
		unsigned before = aw.pos;

		ck_assert(!kstub_poll_break(&fx->ks));
		ck_assert_uint_le(aw.pos - before, KSTUB_UDP_AUTH_POLL_DGRAMS);
	}
	ck_assert_uint_eq(aw.pos, aw.nin);
	ck_assert_uint_eq(aw_auth.stats.rx_bad_tag, 1);
	ck_assert_uint_eq(aw_auth.stats.rx_version,
			  1 + 3 * KSTUB_UDP_AUTH_POLL_DGRAMS);
	ck_assert_uint_eq(aw_auth.stats.hs_busy, 1);
	aw_data(&aw_bridge, "\x03", 1);
	brk = aw.in[aw.nin - 1];
	ck_assert(kstub_poll_break(&fx->ks));
	aw_data(&aw_bridge, "?", 1);
	trap(fx);
	ck_assert_int_gt(aw_next(&aw_bridge), 0);
	ck_assert_int_eq(aw_bridge.msg[0], 'T'); /* the stop reply */
	/* After the session, the break replayed stops nothing. */
	aw_raw(&aw_bridge, brk.b, brk.n);
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(aw_auth.stats.rx_no_session, 1);
	fx_free(fx);
}
END_TEST

/* The bridge dies while the kernel runs: given up, the next gets in. */
START_TEST(vanished_bridge_frees_the_stub)
{
	struct fx *fx = auth_fx();
	bool brk = false;

	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_data(&aw_bridge, "qAttached", 9);
	aw_data(&aw_bridge, "c", 1);
	aw.autopilot = &aw_bridge;
	aw.d_sent = true; /* only acks: the c resumes the kernel */
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	aw.autopilot = NULL;
	ck_assert(kstub_attached(&fx->ks));
	aw_peer_init(&aw_other, aw_key, 3, 40001);
	aw_hello(&aw_other);
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_int_eq(aw_answer(&aw_other), 2); /* busy, for now */
	aw.clock_step_us = 100000;
	for (int i = 0; i < 200 && !brk; i++)
		brk = kstub_poll_break(&fx->ks);
	ck_assert(brk); /* the port enters to clean up */
	ck_assert_uint_eq(aw_auth.stats.sessions_lost, 1);
	ck_assert(!aw_auth.live);
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert(!kstub_attached(&fx->ks));
	aw.clock_step_us = 1000;
	ck_assert(aw_handshake(&aw_other, &aw_auth));
	fx_free(fx);
}
END_TEST

START_TEST(monitor_stats_prints_reject_counters)
{
	struct fx *fx = auth_fx();
	static const char cmd[] = "qRcmd,7374617473"; /* "stats" */
	char text[4096] = "";
	long n;

	ck_assert(aw_handshake(&aw_bridge, &aw_auth));
	aw_raw(&aw_bridge, (const uint8_t *)"xx", 2);
	ck_assert_int_eq(aw_recv1(), KSTUB_EAGAIN);
	aw_data(&aw_bridge, cmd, strlen(cmd));
	trap(fx);
	while ((n = aw_next(&aw_bridge)) > 0) {
		size_t t = strlen(text);

		if (aw_bridge.msg[0] != 'O' || n < 3)
			continue;
		for (long i = 1; i + 1 < n && t + 1 < sizeof(text); i += 2) {
			unsigned c;

			sscanf((char *)aw_bridge.msg + i, "%2x", &c);
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

Suite *udp_auth_core_suite(void);
Suite *udp_auth_core_suite(void)
{
	Suite *s = suite_create("udp_auth_core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, stub_offers_big_packets_and_no_ack);
	tcase_add_test(tc, stub_runs_a_resent_command_once);
	tcase_add_test(tc, only_authentic_breaks_stop_the_kernel);
	tcase_add_test(tc, vanished_bridge_frees_the_stub);
	tcase_add_test(tc, monitor_stats_prints_reject_counters);
	suite_add_tcase(s, tc);
	return s;
}
