// SPDX-License-Identifier: BSD-2-Clause
/*
 * Console text while gdb waits (kstub_console_write), and polls
 * (kstub_poll_break),
 * against a session that takes the link in the middle of it: the writer
 * is stopped at every call it makes into the link and the clock (where
 * a roundup NMI or a trap on its own CPU could stop it), a master runs
 * a whole session, then the writer goes on. Whatever the point, the line
 * must carry only well-formed packets, the session's replies intact,
 * and nothing of the writer built from the session's state.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"

#define TEXT_LEN 300

static struct {
	struct fx *fx;
	int (*send)(void *, const uint8_t *, size_t);
	int (*send_packet)(void *, const uint8_t *, size_t);
	int (*recv)(void *);
	long (*recv_packet)(void *, uint8_t *, size_t);
	uint64_t (*now)(void *);
	bool armed;		/* the writer runs: count its calls */
	unsigned point, at;	/* calls seen; the one a session stops */
	bool interrupted;
	int trap_r;
	uint8_t sess[256];	/* gdb's side of that session */
	size_t sess_len;
	unsigned sess_first;	/* index of its first reply in fx_parse() */
	size_t out_after;	/* out_len when that session ended */
} w;

static void add_pkt(const char *body, bool ack)
{
	size_t n = strlen(body);
	char tail[4];

	snprintf(tail, sizeof(tail), "#%02x", fx_rsp_checksum(body, n));
	w.sess[w.sess_len++] = '$';
	memcpy(w.sess + w.sess_len, body, n);
	w.sess_len += n;
	memcpy(w.sess + w.sess_len, tail, 3);
	w.sess_len += 3;
	if (ack)
		w.sess[w.sess_len++] = '+';
}

/* gdb's line for the session: ack the stop reply, read memory, go on. */
static void session_script(void)
{
	w.sess_len = 0;
	w.sess[w.sess_len++] = '+';
	add_pkt("m10000,4", true);
	add_pkt("c", false);
}

/* Stop the writer here, if this is the chosen point: a whole session. */
static void point(void)
{
	struct fx *fx = w.fx;
	const uint8_t *src = fx->src;
	size_t len = fx->in_len, pos = fx->in_pos, pos_out = 0;

	if (!w.armed || w.point++ != w.at)
		return;
	w.armed = false;
	w.interrupted = true;
	/* Replies so far: each has one '$', and O text is hex. */
	for (w.sess_first = 0; pos_out < fx->out_len; pos_out++)
		w.sess_first += fx->out[pos_out] == '$';
	fx_feed(fx, w.sess, w.sess_len, NULL);
	w.trap_r = fx_trap(fx, KSTUB_TRAP_BREAKIN);
	w.out_after = fx->out_len;
	fx->src = src;
	fx->in_len = len;
	fx->in_pos = pos;
	w.armed = true;
}

static int hook_send(void *c, const uint8_t *b, size_t n)
{
	point();
	return w.send(c, b, n);
}

static int hook_send_packet(void *c, const uint8_t *b, size_t n)
{
	point();
	return w.send_packet(c, b, n);
}

static int hook_recv(void *c)
{
	point();
	return w.recv(c);
}

static long hook_recv_packet(void *c, uint8_t *b, size_t n)
{
	point();
	return w.recv_packet(c, b, n);
}

static uint64_t hook_now(void *c)
{
	point();
	return w.now(c);
}

/* gdb attached and waiting for the kernel, which runs. */
static struct fx *waiting(bool packet_link)
{
	struct fx_opts o = { .packet_link = packet_link };
	struct fx *fx = fx_new(&o);
	struct kstub_transport_ops *link =
		(struct kstub_transport_ops *)fx->ks.cfg.link;

	fx_cmd(fx, "?");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	memset(&w, 0, sizeof(w));
	w.fx = fx;
	w.send = link->send;
	w.send_packet = link->send_packet;
	w.recv = link->recv_byte;
	w.recv_packet = link->recv_packet;
	w.now = fx->port_ops.now_us;
	link->send = hook_send;
	if (link->send_packet)
		link->send_packet = hook_send_packet;
	link->recv_byte = hook_recv;
	if (link->recv_packet)
		link->recv_packet = hook_recv_packet;
	fx->port_ops.now_us = hook_now;
	session_script();
	return fx;
}

static void text_of(char *text)
{
	size_t i;

	for (i = 0; i < TEXT_LEN; i++)
		text[i] = (char)(' ' + i % 95);
}

/* An O packet's text, hex-decoded, appended to got. */
static void o_text(const char *r, char *got, size_t *len)
{
	size_t i, n = strlen(r + 1) / 2;
	unsigned v;

	ck_assert_uint_eq(strlen(r + 1) % 2, 0);
	for (i = 0; i < n; i++) {
		ck_assert(sscanf(r + 1 + 2 * i, "%2x", &v) == 1);
		ck_assert_uint_lt(*len, TEXT_LEN);
		got[(*len)++] = (char)v;
	}
}

/*
 * Check the line after one run: O packets carrying a prefix of the text,
 * in order; if a session ran, its stop reply and memory read exactly,
 * and after them nothing but O packets of ours.
 */
static void check_line(struct fx *fx, const char *text)
{
	char got[TEXT_LEN], mem[4], hex[9];
	unsigned i, n = fx_parse(fx);
	size_t len = 0;
	bool stop = false, read = false;

	ck_assert_uint_eq(fx->bad_frames, 0);
	ck_assert_int_eq(fx_mem_access(fx, FX_RAM, mem, 4, false), 4);
	for (i = 0; i < 4; i++)
		snprintf(hex + 2 * i, 3, "%02x", (uint8_t)mem[i]);
	for (i = 0; i < n; i++) {
		const char *r = fx_reply(fx, i);

		if (w.interrupted && i == w.sess_first) {
			ck_assert_msg(r[0] == 'T' || r[0] == 'S',
				      "stop reply %s", r);
			stop = true;
			continue;
		}
		if (w.interrupted && i == w.sess_first + 1) {
			ck_assert_str_eq(r, hex);
			read = true;
			continue;
		}
		ck_assert_msg(r[0] == 'O', "at %u, reply %u: %s", w.at, i, r);
		o_text(r, got, &len);
	}
	ck_assert_int_eq(memcmp(got, text, len), 0);
	if (w.interrupted)
		ck_assert(stop && read);
	else
		ck_assert_uint_eq(len, TEXT_LEN);
}

static void every_point(bool packet_link)
{
	char text[TEXT_LEN];
	unsigned at;
	int r;

	text_of(text);
	for (at = 0;; at++) {
		struct fx *fx = waiting(packet_link);
		static const uint8_t acks[] = "++++++++++++++++";

		fx_feed(fx, acks, sizeof(acks) - 1, NULL);
		fx->out_len = 0;
		w.at = at;
		w.armed = true;
		r = kstub_console_write(&fx->ks, text, TEXT_LEN);
		w.armed = false;
		if (w.interrupted) {
			ck_assert_int_eq(w.trap_r, 0);
			/*
			 * The session had the link: the rest of the text
			 * goes. Stopped just before a packet link takes its
			 * last datagram, the writer sends it after the
			 * session: whole and its own, gdb waits again.
			 */
			ck_assert(r == KSTUB_EBUSY || (r == 0 && packet_link));
		} else {
			ck_assert_int_eq(r, 0);
		}
		/* Free for the next writer: ours gone, the master's too. */
		ck_assert_uint_eq(fx->ks.poll_lock, 0);
		check_line(fx, text);
		fx_free(fx);
		if (!w.interrupted)
			break;
	}
	/* Several packets, each stopped at every call it makes. */
	ck_assert_uint_gt(at, packet_link ? 4 : 10);
}

START_TEST(console_write_stopped_anywhere_sends_nothing_stale)
{
	every_point(false);
}
END_TEST

START_TEST(console_write_on_a_packet_link_stopped_anywhere)
{
	every_point(true);
}
END_TEST

/*
 * kstub_poll_break draining a packet from a new debugger while the
 * kernel runs, stopped at every call by a whole session: once that
 * session had the line, the poll acks nothing, frames nothing and
 * reports nothing; left alone, it acks the packet and says stop.
 */
START_TEST(poll_stopped_anywhere_leaves_the_line_to_the_session)
{
	static uint8_t line[16];
	unsigned at;
	size_t n;
	bool brk;

	n = (size_t)snprintf((char *)line, sizeof(line), "$qC#%02x",
			     fx_rsp_checksum("qC", 2));
	for (at = 0;; at++) {
		struct fx *fx = waiting(false);

		fx_feed(fx, line, n, NULL);
		fx->out_len = 0;
		w.at = at;
		w.armed = true;
		brk = kstub_poll_break(&fx->ks);
		w.armed = false;
		ck_assert_uint_eq(fx->ks.poll_lock, 0);
		if (!w.interrupted) {
			ck_assert(brk);
			ck_assert_uint_eq(fx->out_len, 1);	/* its '+' */
			fx_free(fx);
			break;
		}
		ck_assert_int_eq(w.trap_r, 0);
		ck_assert(!brk);
		/*
		 * Nothing of the poll's after the session, but the ack it
		 * was handing to the transport when stopped: whole, and a
		 * stray ack means nothing to gdb...
		 */
		ck_assert(fx->out_len == w.out_after ||
			  (fx->out_len == w.out_after + 1 &&
			   fx->out[w.out_after] == '+'));
		/* ...and the session's replies whole. */
		fx_parse(fx);
		ck_assert_uint_eq(fx->bad_frames, 0);
		fx_free(fx);
	}
	ck_assert_uint_gt(at, 5);
}
END_TEST

Suite *core_console_suite(void);
Suite *core_console_suite(void)
{
	Suite *s = suite_create("core_console");
	TCase *tc = tcase_create("console");

	tcase_add_test(tc, console_write_stopped_anywhere_sends_nothing_stale);
	tcase_add_test(tc, console_write_on_a_packet_link_stopped_anywhere);
	tcase_add_test(tc, poll_stopped_anywhere_leaves_the_line_to_the_session);
	suite_add_tcase(s, tc);
	return s;
}
