/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The packet seam of kstub_transport.h, driven through the fake packet
 * link (tests/fakes/fake_link.c, opts.packet_link): whole packets in
 * and out, no acks, the link's largest packet bounding PacketSize and
 * every reply, session start and end reaching the link, and the trust
 * stance of kstub_poll_break() on links that have or have not
 * authenticated their peer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_machine.h"

#define MAXPKT 600	/* a small datagram, well under the buffers */

static struct fx *packet_fx(unsigned flags, size_t max_packet)
{
	struct fx_opts o = { .packet_link = true, .link_flags = flags,
			     .max_packet = max_packet };

	return fx_new(&o);
}

static unsigned long field_hex(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	ck_assert_msg(p != NULL, "no %s in %s", key, s);
	return strtoul(p + strlen(key), NULL, 16);
}

START_TEST(packet_size_is_the_links)
{
	struct fx *fx = packet_fx(0, MAXPKT);

	fx_pkt(fx, "qSupported:swbreak+");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_uint_eq(field_hex(fx_reply(fx, 0), "PacketSize="), MAXPKT);
	/* A packet link carries no '+' or '-': the link frames. */
	ck_assert_uint_eq(fx->nacks, 0);
	ck_assert_uint_eq(fx->nnaks, 0);
	fx_free(fx);

	/* Without a limit of its own, the buffers set it, as for bytes. */
	fx = packet_fx(0, 0);
	fx_pkt(fx, "qSupported");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_uint_eq(field_hex(fx_reply(fx, 0), "PacketSize="),
			  KSTUB_BUF_LEN_MIN - 4);
	fx_free(fx);
}
END_TEST

/*
 * gdb reads 4 KiB as it reads any range: m from where the last short
 * reply ended. Every reply fits the link (send_packet fails the test
 * otherwise) and the bytes are RAM's.
 */
START_TEST(large_read_comes_in_link_sized_replies)
{
	uint64_t addr = FX_RAM, end = FX_RAM + 4096;
	unsigned replies = 0, v;
	char cmd[48];
	const char *r;
	struct fx *fx;
	size_t i, n;

	while (addr < end) {
		fx = packet_fx(KSTUB_LINK_RELIABLE, MAXPKT);
		snprintf(cmd, sizeof(cmd), "m%llx,%llx",
			 (unsigned long long)addr,
			 (unsigned long long)(end - addr));
		fx_pkt(fx, cmd);
		fx_pkt(fx, "c");
		ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
		ck_assert_uint_eq(fx_parse(fx), 1);
		ck_assert_uint_le(fx->max_sent, MAXPKT);
		r = fx_reply(fx, 0);
		n = strlen(r) / 2;
		ck_assert_uint_gt(n, 0);
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(sscanf(r + 2 * i, "%2x", &v), 1);
			ck_assert_uint_eq(v, (uint8_t)((addr - FX_RAM + i) * 7));
		}
		addr += n;
		replies++;
		fx_free(fx);
	}
	ck_assert_uint_eq(addr, end);
	/* Two hex digits a byte: at least 4096 * 2 / MAXPKT replies. */
	ck_assert_uint_ge(replies, 4096 * 2 / MAXPKT);
}
END_TEST

/* Replies that are not cut to the room left: they fit, or are E07. */
START_TEST(every_reply_fits_the_link)
{
	struct fx *fx = packet_fx(0, KSTUB_LINK_PACKET_MIN);

	fx_pkt(fx, "qSupported:swbreak+;hwbreak+");
	fx_pkt(fx, "?");
	fx_pkt(fx, "g");
	fx_pkt(fx, "qXfer:features:read:target.xml:0,ffff");
	fx_pkt(fx, "qfThreadInfo");
	fx_pkt(fx, "qRcmd,68656c70");	/* monitor help: O packets */
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_ge(fx_parse(fx), 6);
	ck_assert_uint_le(fx->max_sent, KSTUB_LINK_PACKET_MIN);
	ck_assert_int_eq(fx_reply(fx, 3)[0], 'm');	/* a part of target.xml */
	fx_free(fx);
}
END_TEST

/* A packet longer than PacketSize: the link says E2BIG, gdb gets E07. */
START_TEST(oversized_packet_is_answered_e07)
{
	struct fx *fx = packet_fx(0, KSTUB_LINK_PACKET_MIN);
	char *m = malloc(KSTUB_LINK_PACKET_MIN + 64);

	snprintf(m, 32, "M%llx,200:", (unsigned long long)FX_RAM);
	memset(m + strlen(m), '5', KSTUB_LINK_PACKET_MIN + 16);
	m[KSTUB_LINK_PACKET_MIN + 40] = 0;
	fx_pkt(fx, m);
	fx_pkt(fx, "qAttached");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "E07");
	ck_assert_str_eq(fx_reply(fx, 1), "1");
	ck_assert_uint_eq(fx->ram[0], 0);	/* nothing written */
	free(m);
	fx_free(fx);
}
END_TEST

/* D, k and an idle debugger each end the session at the link, once. */
START_TEST(session_end_reaches_the_link)
{
	static const char *const enders[] = { "D", "k" };
	struct fx_opts o = { .packet_link = true, .max_packet = MAXPKT,
			     .idle_timeout_ms = 5, .escapes = true,
			     .silent_step_us = 1000 };
	struct fx *fx;
	unsigned i;

	for (i = 0; i < 2; i++) {
		fx = packet_fx(0, MAXPKT);
		fx_pkt(fx, "qSupported");
		ck_assert_uint_eq(fx->sessions_started, 0);
		fx_pkt(fx, enders[i]);
		fx_trap(fx, KSTUB_TRAP_BREAKIN);
		ck_assert_uint_eq(fx->sessions_started, 1);
		ck_assert_uint_eq(fx->sessions_ended, 1);
		ck_assert(!kstub_attached(&fx->ks));
		fx_free(fx);
	}

	/* Silent past idle_timeout_ms: the session ends, then the tail's D
	 * is a new debugger's, which starts and ends a second one. */
	fx = fx_new(&o);
	fx_pkt(fx, "qSupported");
	fx_raw(fx, "\xf5S", 2);	/* 8 ms of silence */
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_uint_eq(fx->sessions_started, 2);
	ck_assert_uint_eq(fx->sessions_ended, 2);
	fx_free(fx);
}
END_TEST

/*
 * An unauthenticated packet link while the kernel runs: anyone who can
 * send a datagram could send this packet, so it is dropped unanswered;
 * only a break-in request stops the kernel.
 */
START_TEST(unauthenticated_packet_does_not_stop_the_kernel)
{
	struct fx *fx = packet_fx(0, MAXPKT);

	fx_pkt(fx, "qSupported");
	fx_pkt(fx, "M10000,1:ff");
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(fx->in_pos, fx->in_len);	/* read and dropped */
	ck_assert_uint_eq(fx->out_len, 0);		/* and never answered */
	ck_assert_uint_eq(fx->sessions_started, 0);
	ck_assert(!kstub_poll_break(&fx->ks));

	fx_raw(fx, "\x03", 1);
	ck_assert(kstub_poll_break(&fx->ks));
	fx_pkt(fx, "qSupported");
	fx_pkt(fx, "?");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_int_eq(fx_reply(fx, 1)[0], 'T');
	ck_assert_uint_eq(fx->ram[0], 0);	/* the dropped M never ran */
	fx_free(fx);
}
END_TEST

/* A flood of unauthenticated packets cannot keep the timer tick. */
START_TEST(unauthenticated_flood_is_bounded)
{
	struct fx *fx = packet_fx(0, MAXPKT);
	size_t first;
	unsigned i;

	for (i = 0; i < 100; i++)
		fx_pkt(fx, "qAttached");
	ck_assert(!kstub_poll_break(&fx->ks));
	first = fx->packets_in;
	ck_assert_uint_gt(first, 0);
	ck_assert_uint_lt(first, 100);
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_gt(fx->packets_in, first);
	fx_free(fx);
}
END_TEST

/* Authenticated: any packet is a debugger starting to talk. */
START_TEST(authenticated_packet_stops_the_kernel)
{
	struct fx *fx = packet_fx(KSTUB_LINK_AUTHENTICATED, MAXPKT);

	fx_pkt(fx, "qAttached");
	ck_assert(kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(fx->sessions_started, 1);
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	/* It is answered, not greeted with a stop reply it did not ask for. */
	ck_assert_str_eq(fx_reply(fx, 0), "1");
	ck_assert_uint_eq(fx->nreplies, 1);
	fx_free(fx);
}
END_TEST

/* The link goes away while the kernel runs: the session ends there. */
START_TEST(link_gone_while_running_ends_the_session)
{
	struct fx_opts o = { .packet_link = true, .max_packet = MAXPKT,
			     .escapes = true };
	struct fx *fx = fx_new(&o);

	fx_pkt(fx, "qSupported");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_uint_eq(fx->sessions_started, 1);
	ck_assert_uint_eq(fx->sessions_ended, 0);
	fx_raw(fx, "\xf5h", 2);
	ck_assert(kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(fx->sessions_ended, 1);
	fx_free(fx);
}
END_TEST

static int no_byte(void *ctx)
{
	(void)ctx;
	return KSTUB_EAGAIN;
}

/* A link is bytes or packets, and a packet link's packet holds a reply. */
START_TEST(init_checks_the_link_kind)
{
	struct fx *fx = packet_fx(0, MAXPKT);
	struct kstub_transport_ops ops = fx->link_ops;
	struct kstub_config cfg = fx->ks.cfg;
	static struct kstub ks;

	cfg.link = &ops;
	ck_assert_int_eq(kstub_init(&ks, &cfg), 0);
	ops.recv_byte = no_byte;
	ck_assert_int_eq(kstub_init(&ks, &cfg), KSTUB_EINVAL);	/* both */
	ops = fx->link_ops;
	ops.send_packet = NULL;
	ck_assert_int_eq(kstub_init(&ks, &cfg), KSTUB_EINVAL);	/* half */
	ops = fx->link_ops;
	ops.recv_packet = NULL;
	ops.send_packet = NULL;
	ck_assert_int_eq(kstub_init(&ks, &cfg), KSTUB_EINVAL);	/* none */
	ops = fx->link_ops;
	ops.max_packet = KSTUB_LINK_PACKET_MIN - 1;
	ck_assert_int_eq(kstub_init(&ks, &cfg), KSTUB_EINVAL);
	fx_free(fx);
}
END_TEST

Suite *packet_link_suite(void);
Suite *packet_link_suite(void)
{
	Suite *s = suite_create("packet_link");
	TCase *tc = tcase_create("packet_link");

	tcase_add_test(tc, packet_size_is_the_links);
	tcase_add_test(tc, large_read_comes_in_link_sized_replies);
	tcase_add_test(tc, every_reply_fits_the_link);
	tcase_add_test(tc, oversized_packet_is_answered_e07);
	tcase_add_test(tc, session_end_reaches_the_link);
	tcase_add_test(tc, unauthenticated_packet_does_not_stop_the_kernel);
	tcase_add_test(tc, unauthenticated_flood_is_bounded);
	tcase_add_test(tc, authenticated_packet_stops_the_kernel);
	tcase_add_test(tc, link_gone_while_running_ends_the_session);
	tcase_add_test(tc, init_checks_the_link_kind);
	suite_add_tcase(s, tc);
	return s;
}
