/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UDP plain mode (transports/udp/udp_plain.c) on the stub's packet seam:
 * a scripted peer of gdb's datagrams (one packet, ack or 0x03 each)
 * drives the fake machine, and every datagram the stub sends is kept.
 * What gdb needs: the ack inside the reply's datagram, a nak answered by
 * the reply alone, a bad packet nakked, datagrams within the limit, a
 * running kernel stopped by nothing but a break-in, and no peer latched
 * onto by a datagram outside a session.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "fake_machine.h"
#include "kstub_udp_plain.h"

#define NDG 64

struct wire {
	char in[NDG][64];
	unsigned nin, pos;
	bool tail;		/* out of script: "$D#44", so a session ends */
	char out[NDG][KSTUB_UDP_PLAIN_DGRAM + 1];
	size_t out_len[NDG];
	unsigned nout;
	unsigned forgets;	/* the datagram layer's forget calls */
};

static struct wire w;
static struct kstub_udp_plain plain;

static int dg_send(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	ck_assert_uint_lt(w.nout, NDG);
	ck_assert_uint_le(n, KSTUB_UDP_PLAIN_DGRAM);
	memcpy(w.out[w.nout], p, n);
	w.out[w.nout][n] = 0;
	w.out_len[w.nout++] = n;
	return 0;
}

static long dg_recv(void *ctx, uint8_t *buf, size_t cap)
{
	const char *d;
	size_t n;

	(void)ctx;
	if (w.pos < w.nin)
		d = w.in[w.pos++];
	else if (w.tail)
		d = "$D#44";
	else
		return KSTUB_EAGAIN;
	n = strlen(d);
	memcpy(buf, d, n < cap ? n : cap);
	return (long)n;
}

static void dg_forget(void *ctx)
{
	(void)ctx;
	w.forgets++;
}

static const struct kstub_udp_dgram_ops dg = { .send = dg_send,
						.recv = dg_recv,
						.forget = dg_forget };

/* One datagram from gdb: a packet framed with its checksum. */
static void pkt(const char *body)
{
	snprintf(w.in[w.nin++], sizeof(w.in[0]), "$%s#%02x", body,
		 fx_rsp_checksum(body, strlen(body)));
}

static void raw(const char *d)
{
	snprintf(w.in[w.nin++], sizeof(w.in[0]), "%s", d);
}

/* The fake machine with plain mode as its link. */
static struct fx *plain_fx(void)
{
	struct fx *fx = fx_new(NULL);
	struct kstub_config cfg = fx->ks.cfg;

	memset(&w, 0, sizeof(w));
	kstub_udp_plain_init(&plain, &dg, NULL);
	cfg.link = &kstub_udp_plain_ops;
	cfg.link_ctx = &plain;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	return fx;
}

static void trap(struct fx *fx)
{
	w.tail = true;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	w.tail = false;
}

START_TEST(ack_rides_with_the_reply)
{
	struct fx *fx = plain_fx();

	pkt("qAttached");
	raw("+");
	pkt("c");
	trap(fx);
	ck_assert_uint_eq(w.nout, 2);
	ck_assert_str_eq(w.out[0], "+$1#31");
	/* c has no reply: its ack goes alone as the kernel resumes. */
	ck_assert_str_eq(w.out[1], "+");
	fx_free(fx);
}
END_TEST

START_TEST(nak_gets_the_reply_alone)
{
	struct fx *fx = plain_fx();

	pkt("qAttached");
	raw("-");
	raw("+");
	pkt("c");
	trap(fx);
	ck_assert_uint_eq(w.nout, 3);
	ck_assert_str_eq(w.out[0], "+$1#31");
	ck_assert_str_eq(w.out[1], "$1#31");
	ck_assert_str_eq(w.out[2], "+");
	fx_free(fx);
}
END_TEST

START_TEST(bad_packet_is_nakked_not_run)
{
	struct fx *fx = plain_fx();

	raw("$M10000,1:ff#00");		/* wrong checksum */
	raw("$qAttac");			/* a datagram that lost its tail */
	pkt("qAttached");
	pkt("c");
	trap(fx);
	ck_assert_str_eq(w.out[0], "-");
	ck_assert_str_eq(w.out[1], "-");
	ck_assert_str_eq(w.out[2], "+$1#31");
	ck_assert_uint_eq(plain.bad, 2);
	ck_assert_uint_eq(fx->ram[0], 0);	/* the M never ran */
	fx_free(fx);
}
END_TEST

/* PacketSize is the datagram's, no-ack is not offered, m fits. */
START_TEST(replies_fit_one_datagram)
{
	struct fx_opts o = { .buf_len = KSTUB_BUF_LEN_DEFAULT };
	struct fx *fx = fx_new(&o);
	struct kstub_config cfg = fx->ks.cfg;
	char *r, ps[32];

	memset(&w, 0, sizeof(w));
	/* PacketSize is the link's, derived from the network layer's MTU. */
	snprintf(ps, sizeof(ps), "PacketSize=%x;",
		 (unsigned)KSTUB_UDP_PLAIN_MAX_PACKET);
	kstub_udp_plain_init(&plain, &dg, NULL);
	cfg.link = &kstub_udp_plain_ops;
	cfg.link_ctx = &plain;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	pkt("qSupported:swbreak+");
	raw("+");
	pkt("m10000,1000");
	raw("+");
	pkt("c");
	trap(fx);
	ck_assert_ptr_nonnull(strstr(w.out[0], ps));
	ck_assert_ptr_null(strstr(w.out[0], "QStartNoAckMode"));
	r = w.out[1];
	ck_assert_int_eq(r[0], '+');
	/* As much as fits (the stub keeps 4 bytes for a pending run). */
	ck_assert_uint_ge(w.out_len[1], KSTUB_UDP_PLAIN_DGRAM - 8);
	ck_assert_int_eq(strncmp(r + 2, "00070e151c", 10), 0);
	fx_free(fx);
}
END_TEST

START_TEST(only_a_break_stops_the_running_kernel)
{
	struct fx *fx = plain_fx();

	pkt("qSupported");
	pkt("M10000,1:ff");
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(w.pos, w.nin);	/* read and dropped, */
	ck_assert_uint_eq(plain.dropped, 2);
	ck_assert_uint_eq(w.nout, 0);		/* not even acked */
	raw("\x03");
	ck_assert(kstub_poll_break(&fx->ks));
	pkt("?");
	raw("+");
	pkt("c");
	trap(fx);
	ck_assert_int_eq(w.out[0][0], '+');
	ck_assert_int_eq(w.out[0][2], 'T');
	ck_assert_uint_eq(fx->ram[0], 0);
	fx_free(fx);
}
END_TEST

/*
 * With no session on, a datagram the stub does not take lets go of the
 * peer it latched onto: gdb's ack of D's OK, which comes after the
 * session ended, or a stranger's junk, must not keep the next gdb out.
 * In a session the peer stays, whatever it sends.
 */
START_TEST(stray_datagrams_latch_nobody)
{
	struct fx *fx = plain_fx();

	raw("+");
	raw("-");
	raw("$m0,1#00");
	pkt("qSupported");
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(w.pos, w.nin);
	ck_assert_uint_eq(w.forgets, 4);
	raw("\x03");
	ck_assert(kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(w.forgets, 4);
	raw("+");
	pkt("?");
	raw("+");
	raw("junk");
	trap(fx);		/* ... and D: the session ends, once */
	ck_assert_uint_eq(w.forgets, 5);
	raw("+");		/* D's OK acked, after the end */
	ck_assert(!kstub_poll_break(&fx->ks));
	ck_assert_uint_eq(w.forgets, 6);
	fx_free(fx);
}
END_TEST

Suite *udp_plain_suite(void);
Suite *udp_plain_suite(void)
{
	Suite *s = suite_create("udp_plain");
	TCase *tc = tcase_create("plain");

	tcase_add_test(tc, ack_rides_with_the_reply);
	tcase_add_test(tc, nak_gets_the_reply_alone);
	tcase_add_test(tc, bad_packet_is_nakked_not_run);
	tcase_add_test(tc, replies_fit_one_datagram);
	tcase_add_test(tc, only_a_break_stops_the_running_kernel);
	tcase_add_test(tc, stray_datagrams_latch_nobody);
	suite_add_tcase(s, tc);
	return s;
}
