// SPDX-License-Identifier: BSD-2-Clause
/*
 * The protocol layer through the public API: framing, acks and naks,
 * retransmission, resynchronisation, oversize packets, no-ack mode,
 * datagram links, and the RLE/escape encoding checked against a decoder
 * written from the manual's rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "core_table.h"

START_TEST(acks_each_packet_then_replies)
{
	struct fx *fx = fx_new(NULL);

	fx_cmd(fx, "vMustReplyEmpty");
	fx_cmd(fx, "qAttached");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	/* '+' for each packet, before its reply. */
	ck_assert_int_eq(memcmp(fx->out, "+$#00+$1#31+", 12), 0);
	fx_free(fx);
}
END_TEST

START_TEST(bad_checksum_gets_nak_and_no_reply)
{
	struct fx *fx = fx_new(NULL);

	fx_raw(fx, "$qAttached#00", 13);
	fx_cmd(fx, "qAttached");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nnaks, 1);
	ck_assert_uint_eq(fx->nreplies, 1);
	ck_assert_str_eq(fx_reply(fx, 0), "1");
	ck_assert_int_eq(fx->out[0], '-');
	fx_free(fx);
}
END_TEST

START_TEST(garbage_and_restarts_resynchronise)
{
	struct fx *fx = fx_new(NULL);

	/* Noise, a packet cut by '$', a bad checksum digit, stray acks. */
	fx_raw(fx, "xyz\r\n+-", 7);
	fx_raw(fx, "$qAtta", 6);
	fx_cmd(fx, "qAttached");
	fx_raw(fx, "$g#zz", 5);
	fx_cmd(fx, "qC");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nreplies, 2);
	ck_assert_str_eq(fx_reply(fx, 0), "1");
	ck_assert_str_eq(fx_reply(fx, 1), "QC1");
	ck_assert_uint_eq(fx->nnaks, 1);
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_free(fx);
}
END_TEST

START_TEST(oversize_packet_is_read_whole_and_refused)
{
	struct fx *fx = fx_new(NULL);
	size_t n = KSTUB_BUF_LEN_MIN + 100;
	char *big = malloc(n + 1);

	memset(big, 'a', n);
	big[0] = 'M';
	big[n] = 0;
	fx_cmd(fx, big);
	fx_cmd(fx, "qAttached");	/* the stream is still in step */
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "E07");
	ck_assert_str_eq(fx_reply(fx, 1), "1");
	ck_assert_uint_eq(fx->nreplies, 2);
	free(big);
	fx_free(fx);
}
END_TEST

START_TEST(packet_size_advertised_from_config)
{
	struct fx_opts o = { .buf_len = 8192 };
	struct fx *fx = fx_new(&o);
	static const struct row rows[] = {
		{ "qSupported:swbreak+;hwbreak+",
		  "PacketSize=1ffc;qXfer:features:read+;qXfer:threads:read+;"
		  "vContSupported+;binary-upload+;swbreak+;hwbreak+;"
		  "ConditionalBreakpoints+;BreakpointCommands+" },
	};

	RUN_ROWS(fx, rows, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

START_TEST(nak_and_silence_retransmit_then_give_up)
{
	struct fx *fx = fx_new(NULL);
	unsigned i, copies = 0;

	fx_pkt(fx, "qAttached");
	fx_raw(fx, "-", 1);	/* once more, please */
	/* then silence: the ack timeout resends, up to 4 transmissions */
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	for (i = 0; i < fx->nreplies; i++)
		copies += strcmp(fx_reply(fx, i), "1") == 0;
	/* The '$' of "c" acked the third copy. */
	ck_assert_uint_eq(copies, 2);
	fx_free(fx);
}
END_TEST

START_TEST(naks_retransmit_up_to_a_bound)
{
	struct fx *fx = fx_new(NULL);
	char naks[100];
	unsigned i, copies = 0;

	memset(naks, '-', sizeof(naks));
	fx_pkt(fx, "qAttached");
	fx_raw(fx, naks, sizeof(naks));
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	for (i = 0; i < fx->nreplies; i++)
		copies += strcmp(fx_reply(fx, i), "1") == 0;
	/*
	 * A nak proves gdb listens: 16 x ack_retries transmissions in one
	 * burst; then the stub reads packets again, and a nak that comes
	 * while no new packet has still gets the reply gdb is waiting for.
	 */
	ck_assert_uint_eq(copies, 100);
	fx_free(fx);
}
END_TEST

/* Ten naks: the line is bad, so what a reply may carry drops to 64. */
static void fx_noisy(struct fx *fx)
{
	fx_pkt(fx, "qAttached");
	fx_raw(fx, "----------+", 11);
}

START_TEST(noisy_line_stop_replies_drop_expedited_registers)
{
	struct fx *fx = fx_new(NULL);
	unsigned n;

	fx_cmd(fx, "?");
	fx_noisy(fx);
	fx_cmd(fx, "?");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	n = fx_parse(fx);
	ck_assert_uint_eq(n, 1 + 11 + 1 + 1);
	/* A clean line: rbp, rsp and rip ride along. */
	ck_assert_ptr_nonnull(strstr(fx_reply(fx, 0), "10:"));
	/* After ten naks: the shortest stop reply, and gdb asks with 'g'. */
	ck_assert_ptr_null(strstr(fx_reply(fx, n - 2), "10:"));
	ck_assert_ptr_nonnull(strstr(fx_reply(fx, n - 2), "thread:"));
	fx_free(fx);
}
END_TEST

START_TEST(noisy_line_shortens_reads_until_it_recovers)
{
	struct fx *fx = fx_new(NULL);
	unsigned i, n;
	size_t len, prev = 0;
	const char *r;
	char want[1025];

	for (i = 0; i < 512; i++)
		fx->ram[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < 512; i++)
		snprintf(want + 2 * i, 3, "%02x", fx->ram[i]);
	fx_noisy(fx);
	for (i = 0; i < 60; i++)
		fx_cmd(fx, "m10000,200");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	n = fx_parse(fx);
	ck_assert_uint_eq(n, 11 + 60 + 1);	/* and D's OK */
	ck_assert_uint_le(strlen(fx_reply(fx, 11)), 64);
	/* Clean replies earn longer ones, up to all that was asked. */
	for (i = 11; i < n - 1; i++) {
		r = fx_reply(fx, i);
		len = strlen(r);
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_ge(len, prev);
		ck_assert_int_eq(strncmp(r, want, len), 0);
		prev = len;
	}
	ck_assert_str_eq(fx_reply(fx, n - 2), want);
	fx_free(fx);
}
END_TEST

START_TEST(a_cable_session_starts_short_and_grows)
{
	struct fx_opts o = { .buf_len = 16384 };
	struct fx *fx = fx_new(&o);
	unsigned i, n;

	for (i = 0; i < 40; i++)
		fx_cmd(fx, "m10000,2000");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	n = fx_parse(fx);
	ck_assert_uint_eq(n, 41);
	/* An unproven line: a reply gdb would lose at 3 bad copies is short */
	ck_assert_uint_le(strlen(fx_reply(fx, 0)), 2048);
	/* ... and a clean one earns the whole buffer within a few dozen. */
	ck_assert_uint_gt(strlen(fx_reply(fx, n - 2)), 16000);
	fx_free(fx);
}
END_TEST

START_TEST(noisy_line_shortens_g_for_the_session)
{
	struct fx *fx = fx_new(NULL);
	size_t full, part;
	unsigned i, n;
	char cmd[2100];

	fx_cmd(fx, "g");
	fx_noisy(fx);
	fx_cmd(fx, "g");
	for (i = 0; i < 64; i++)
		fx_cmd(fx, "qAttached");
	fx_cmd(fx, "g");	/* the line is good again: still short */
	fx_cmd(fx, "qSupported");
	fx_cmd(fx, "g");	/* a new session: whole again */
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	n = fx_parse(fx);
	ck_assert_uint_eq(n, 1 + 11 + 1 + 64 + 1 + 1 + 1 + 1);
	full = strlen(fx_reply(fx, 0));
	part = strlen(fx_reply(fx, 12));
	ck_assert_uint_gt(part, 0);
	ck_assert_uint_lt(part, full);
	ck_assert_uint_eq(part % 8, 0);	/* whole registers */
	ck_assert_str_eq(fx_reply(fx, 77), fx_reply(fx, 12));
	ck_assert_uint_eq(strlen(fx_reply(fx, n - 2)), full);

	/* A G as short as that g writes those registers and no others. */
	fx = (fx_free(fx), fx_new(NULL));
	fx_noisy(fx);
	fx_cmd(fx, "g");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	part = strlen(fx_reply(fx, 11));
	snprintf(cmd, sizeof(cmd), "G%s", fx_reply(fx, 11));
	memcpy(cmd + 1, "0102030405060708", 16);	/* rax */
	fx_free(fx);
	fx = fx_new(NULL);
	fx->frame.gpr[KSTUB_REG_RBX] = 0x1234;
	fx_cmd(fx, cmd);
	fx_cmd(fx, "p0");
	fx_cmd(fx, "G01");	/* half a register */
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	n = fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "OK");
	ck_assert_str_eq(fx_reply(fx, 1), "0102030405060708");
	ck_assert_uint_eq(fx->frame.gpr[KSTUB_REG_RBX], part > 16 ? 0 : 0x1234);
	ck_assert_int_eq(fx_reply(fx, 2)[0], 'E');
	fx_free(fx);
}
END_TEST

START_TEST(noack_only_on_reliable_links)
{
	struct fx *fx = fx_new(NULL);
	static const struct row serial[] = {
		{ "QStartNoAckMode", "" },
	};
	struct fx_opts o = { .link_flags = KSTUB_LINK_RELIABLE };

	RUN_ROWS(fx, serial, KSTUB_TRAP_BREAKIN);
	fx_free(fx);

	fx = fx_new(&o);
	fx_cmd(fx, "qSupported");
	fx_cmd(fx, "QStartNoAckMode");
	fx_pkt(fx, "qAttached");	/* no '+' from either side now */
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, 0), "QStartNoAckMode+") != NULL);
	ck_assert_str_eq(fx_reply(fx, 1), "OK");
	ck_assert_str_eq(fx_reply(fx, 2), "1");
	ck_assert_uint_eq(fx->nacks, 2);	/* qSupported, QStartNoAckMode */
	fx_free(fx);
}
END_TEST

START_TEST(interrupt_byte_while_stopped_is_harmless)
{
	struct fx *fx = fx_new(NULL);

	fx_raw(fx, "\x03", 1);
	fx_cmd(fx, "qAttached");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "1");
	fx_free(fx);
}
END_TEST

/* Fill RAM with pattern, read it with m, and decode by the manual. */
static void rle_round_trip(const uint8_t *pattern, size_t n)
{
	struct fx *fx = fx_new(&fx_reliable);
	char cmd[64], *hex = malloc(2 * n + 1);
	size_t i;

	memcpy(fx->ram, pattern, n);
	snprintf(cmd, sizeof(cmd), "m%llx,%zx", (unsigned long long)FX_RAM, n);
	fx_cmd(fx, cmd);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", pattern[i]);
	ck_assert_str_eq(fx_reply(fx, 0), hex);
	/* Never a count of '#' or '$', never a non-printable one. */
	for (i = 0; i + 1 < fx->out_len; i++)
		if (fx->out[i] == '*')
			ck_assert(fx->out[i + 1] >= 32 && fx->out[i + 1] < 127 &&
				  fx->out[i + 1] != '#' && fx->out[i + 1] != '$');
	free(hex);
	fx_free(fx);
}

START_TEST(rle_every_run_length)
{
	uint8_t buf[900];
	size_t n, pos;

	/* Runs of 1..200 bytes of one value give hex runs of 2..400. */
	for (n = 1; n <= 200; n += (n < 20 ? 1 : 7)) {
		for (pos = 0; pos < n; pos++)
			buf[pos] = 0x00;
		buf[pos++] = 0x5a;
		rle_round_trip(buf, pos);
	}
}
END_TEST

START_TEST(rle_random_and_adversarial)
{
	uint8_t buf[1000];
	unsigned seed = 12345, round;
	size_t i;

	for (round = 0; round < 30; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			/* Long runs of few values, so runs of every length. */
			buf[i] = (seed >> 16) % 7 == 0 ? (uint8_t)(seed >> 8)
						       : (i ? buf[i - 1] : 0);
		}
		rle_round_trip(buf, 300 + round * 20);
	}
}
END_TEST

START_TEST(rle_compresses_zeros)
{
	struct fx *fx = fx_new(NULL);

	memset(fx->ram, 0, 1024);
	fx_cmd(fx, "m10000,400");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	/* 2048 hex digits travel in a few dozen bytes. */
	ck_assert_uint_lt(fx->out_len, 120);
	fx_free(fx);
}
END_TEST

START_TEST(binary_escapes_round_trip)
{
	struct fx *fx = fx_new(&fx_reliable);
	uint8_t data[256], got[256];
	size_t i, n;

	for (i = 0; i < 256; i++)
		data[i] = (uint8_t)i;
	memcpy(fx->ram, data, 256);
	fx_cmd(fx, "x10000,100");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_int_eq(fx_reply(fx, 0)[0], 'b');
	n = fx_unescape(fx_reply(fx, 0) + 1, fx->reply_len[0] - 1, got,
			sizeof(got));
	ck_assert_uint_eq(n, 256);
	ck_assert_int_eq(memcmp(got, data, 256), 0);
	fx_free(fx);
}
END_TEST

Suite *core_rsp_suite(void);
Suite *core_rsp_suite(void)
{
	Suite *s = suite_create("core_rsp");
	TCase *tc = tcase_create("rsp");

	tcase_add_test(tc, acks_each_packet_then_replies);
	tcase_add_test(tc, bad_checksum_gets_nak_and_no_reply);
	tcase_add_test(tc, garbage_and_restarts_resynchronise);
	tcase_add_test(tc, oversize_packet_is_read_whole_and_refused);
	tcase_add_test(tc, packet_size_advertised_from_config);
	tcase_add_test(tc, nak_and_silence_retransmit_then_give_up);
	tcase_add_test(tc, naks_retransmit_up_to_a_bound);
	tcase_add_test(tc, noisy_line_stop_replies_drop_expedited_registers);
	tcase_add_test(tc, noisy_line_shortens_reads_until_it_recovers);
	tcase_add_test(tc, noisy_line_shortens_g_for_the_session);
	tcase_add_test(tc, a_cable_session_starts_short_and_grows);
	tcase_add_test(tc, noack_only_on_reliable_links);
	tcase_add_test(tc, interrupt_byte_while_stopped_is_harmless);
	tcase_add_test(tc, rle_every_run_length);
	tcase_add_test(tc, rle_random_and_adversarial);
	tcase_add_test(tc, rle_compresses_zeros);
	tcase_add_test(tc, binary_escapes_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
