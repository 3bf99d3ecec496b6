// SPDX-License-Identifier: BSD-2-Clause
/*
 * The link layer's clocks on a slow line: a send() that returns before
 * the bytes are on the wire (QEMU's 16550 behind a paced relay) must not
 * make the stub resend a long reply gdb is still receiving, nor give up
 * on an idle debugger too early; and a link that never runs dry must not
 * keep kstub_poll_break() forever. Time is the fixture's fake clock.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "fake_uart.h"
#include "kstub_serial.h"

/* 115200 baud 8N1, in microseconds per byte (rounded up, as a UART is). */
#define BYTE_US 87u
#define GDB_TURNAROUND_US 2000u

/*
 * The line: what the stub sends is on the wire BYTE_US a byte after the
 * last byte queued; gdb's bytes (the fixture's script) come only once the
 * line is quiet and gdb had time to answer.
 */
static struct {
	struct fx *fx;
	int (*send)(void *, const uint8_t *, size_t);
	int (*recv)(void *);
	uint64_t wire_free;
	unsigned frames;	/* '$' sent: replies and their resends */
} line;

static int slow_send(void *c, const uint8_t *b, size_t n)
{
	size_t i;

	if (line.wire_free < line.fx->clock_us)
		line.wire_free = line.fx->clock_us;
	line.wire_free += n * BYTE_US;
	for (i = 0; i < n; i++)
		line.frames += b[i] == '$';
	return line.send(c, b, n);
}

static int slow_recv(void *c)
{
	if (line.fx->clock_us < line.wire_free + GDB_TURNAROUND_US)
		return KSTUB_EAGAIN;
	return line.recv(c);
}

static uint32_t wire_time(void *c, size_t n)
{
	(void)c;
	return (uint32_t)(n * BYTE_US);
}

static struct fx *slow_new(const struct fx_opts *o, bool says_wire_time)
{
	struct fx *fx = fx_new(o);
	struct kstub_transport_ops *link =
		(struct kstub_transport_ops *)fx->ks.cfg.link;

	memset(&line, 0, sizeof(line));
	line.fx = fx;
	line.send = link->send;
	line.recv = link->recv_byte;
	link->send = slow_send;
	link->recv_byte = slow_recv;
	link->tx_time_us = says_wire_time ? wire_time : NULL;
	return fx;
}

/* One 16 KiB reply: 1.4 s on the wire, past the 1 s ack timeout. */
static unsigned long_read(bool says_wire_time)
{
	struct fx_opts o = { .buf_len = 16384,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = slow_new(&o, says_wire_time);
	unsigned frames;

	fx_cmd(fx, "m10000,2000");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_parse(fx);
	ck_assert_uint_gt(strlen(fx_reply(fx, 0)), 16000);
	frames = line.frames;
	fx_free(fx);
	return frames;
}

START_TEST(long_reply_on_a_slow_line_is_sent_once)
{
	/* The line as modelled does resend when the stub cannot know... */
	ck_assert_uint_gt(long_read(false), 1);
	/* ... and does not once the link says how long the bytes take. */
	ck_assert_uint_eq(long_read(true), 1);
}
END_TEST

/* A cable session grows its replies only while no ack comes late. */
static size_t last_of_forty(bool says_wire_time)
{
	struct fx_opts o = { .buf_len = 16384 };
	struct fx *fx = slow_new(&o, says_wire_time);
	unsigned i, n;
	size_t len;

	for (i = 0; i < 40; i++)
		fx_cmd(fx, "m10000,2000");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	n = fx_parse(fx);
	ck_assert_uint_ge(n, 40);
	len = strlen(fx_reply(fx, 39));
	if (says_wire_time)
		ck_assert_uint_eq(line.frames, 40);	/* no resends */
	fx_free(fx);
	return len;
}

START_TEST(slow_line_earns_full_size_replies)
{
	ck_assert_uint_lt(last_of_forty(false), 12000);
	ck_assert_uint_gt(last_of_forty(true), 16000);
}
END_TEST

START_TEST(idle_timeout_counts_from_the_end_of_the_reply)
{
	struct fx_opts o = { .buf_len = 16384,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = slow_new(&o, true);
	struct kstub_config cfg = fx->ks.cfg;

	/*
	 * 0.5 s of silence means gdb is gone (and the kernel resumes); the
	 * reply alone takes 1.4 s to reach gdb.
	 */
	cfg.idle_timeout_ms = 500;
	cfg.flags |= KSTUB_CFG_RESUME_ON_HANGUP;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	fx_pkt(fx, "QStartNoAckMode");
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "m10000,2000");
	fx_pkt(fx, "qAttached");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_eq(fx->in_pos, fx->in_len);	/* served to the end */
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nreplies, 3);
	ck_assert_str_eq(fx_reply(fx, 2), "1");
	ck_assert(kstub_attached(&fx->ks));
	fx_free(fx);
}
END_TEST

START_TEST(drain_is_bounded_on_a_flooding_link)
{
	struct fx *fx = fx_new(NULL);
	static uint8_t junk[3 * KSTUB_BUF_LEN_MIN];

	memset(junk, 'x', sizeof(junk));
	fx_raw(fx, junk, sizeof(junk));
	/* Noise never ends a packet: each poll stops at its budget. */
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(fx->in_pos, KSTUB_BUF_LEN_MIN);
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(fx->in_pos, 2 * KSTUB_BUF_LEN_MIN);
	fx_free(fx);
}
END_TEST

START_TEST(drain_finds_a_packet_split_over_polls)
{
	struct fx *fx = fx_new(NULL);
	static uint8_t junk[KSTUB_BUF_LEN_MIN - 3];

	memset(junk, 'x', sizeof(junk));
	fx_raw(fx, junk, sizeof(junk));
	fx_cmd(fx, "qAttached");	/* its "$qA" in this poll, the rest next */
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert(kstub_poll_break(&fx->ks));
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "1");
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_free(fx);
}
END_TEST

START_TEST(serial_wire_time_follows_the_baud)
{
	static const struct {
		uint32_t baud;
		size_t len;
		uint32_t us;
	} rows[] = {
		{ 115200, 0, 0 },
		{ 115200, 1, 87 },		/* 86.8 rounded up */
		{ 115200, 11520, 1000000 },
		{ 9600, 960, 1000000 },
		{ 9600, 1, 1042 },
		{ 50, (size_t)1 << 40, 0xffffffffu },	/* saturates */
	};
	struct fake_uart u;
	struct kstub_serial s;
	struct kstub_uart_io io;
	size_t i;

	ck_assert_ptr_nonnull(kstub_serial_ops.tx_time_us);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fake_uart_reset(&u);
		io = fake_uart_io(&u);
		ck_assert_int_eq(kstub_serial_init(&s, &io, rows[i].baud, 0), 0);
		ck_assert_uint_eq(kstub_serial_ops.tx_time_us(&s, rows[i].len),
				  rows[i].us);
	}
}
END_TEST

Suite *core_link_suite(void);
Suite *core_link_suite(void)
{
	Suite *s = suite_create("core_link");
	TCase *tc = tcase_create("link");

	tcase_add_test(tc, long_reply_on_a_slow_line_is_sent_once);
	tcase_add_test(tc, slow_line_earns_full_size_replies);
	tcase_add_test(tc, idle_timeout_counts_from_the_end_of_the_reply);
	tcase_add_test(tc, drain_is_bounded_on_a_flooding_link);
	tcase_add_test(tc, drain_finds_a_packet_split_over_polls);
	tcase_add_test(tc, serial_wire_time_follows_the_baud);
	suite_add_tcase(s, tc);
	return s;
}
