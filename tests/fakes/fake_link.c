/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake link (fake_machine.h): plays the script with its escapes,
 * replays the tail so a stuck session ends, and checks every send the
 * way gdb reads it, keeping a copy for the suites.
 */
#include "fake_machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int silent(struct fx *fx)
{
	fx->clock_silent = true;
	return KSTUB_EAGAIN;
}

/* FX_ESC and its letter: an event (-1 when it is not one: data). */
static int escape(struct fx *fx, uint8_t letter)
{
	switch (letter) {
	case FX_ESC:
		return FX_ESC;
	case FX_ESC_QUIET:
		fx->quiet = 2;
		return KSTUB_EAGAIN;
	case FX_ESC_SILENCE:
		fx->quiet = 8;
		return KSTUB_EAGAIN;
	case FX_ESC_HANGUP:
		return KSTUB_ENOTCONN;
	case FX_ESC_SEND_EIO:
		fx->send_fail = KSTUB_EIO;
		return KSTUB_EAGAIN;
	case FX_ESC_SEND_GONE:
		fx->send_fail = KSTUB_ENOTCONN;
		return KSTUB_EAGAIN;
	}
	return -1;
}

static int recv_byte(void *ctx)
{
	struct fx *fx = ctx;
	uint8_t b;
	int r;

	for (;;) {
		if (fx->quiet) {
			fx->quiet--;
			return silent(fx);
		}
		if (fx->in_pos >= fx->in_len) {
			/* Out of script: detach, so a broken test ends. */
			if (!fx->in_trap || !fx->tail_len)
				return silent(fx);
			fx->clock_silent = false;
			return (uint8_t)
			       fx->tail[fx->tail_used++ % fx->tail_len];
		}
		fx->clock_silent = false;
		b = fx->src[fx->in_pos++];
		if (!fx->escapes || b != FX_ESC || fx->in_pos >= fx->in_len)
			return b;
		r = escape(fx, fx->src[fx->in_pos++]);
		if (r == -1) {
			fx->in_pos--;	/* a lone FX_ESC is data */
			return b;
		}
		/* An event that leaves the line as it was reads on. */
		if (r != KSTUB_EAGAIN)
			return r;
	}
}

/*
 * Every unit on the wire well-formed: whole packets and acks, checked
 * the way gdb reads them, and kept in out[] for fx_parse().
 */
static void capture(struct fx *fx, const uint8_t *buf, size_t len)
{
	const uint8_t *body;
	const char *why = "";
	size_t i = 0, n;
	char msg[64];

	if (len == 0)
		fx_fail("an empty send");
	while (i < len) {
		if (!fx_rsp_next(buf, len, &i, &body, &n, &why)) {
			snprintf(msg, sizeof(msg), "sent %s at %zu", why, i);
			fx_fail(msg);
		}
	}
	if (fx->out) {
		if (fx->out_len + len > FX_OUT_MAX)
			fx_fail("the stub sent more than FX_OUT_MAX");
		memcpy(fx->out + fx->out_len, buf, len);
		fx->out_len += len;
	}
}

static int send_bytes(void *ctx, const uint8_t *buf, size_t len)
{
	struct fx *fx = ctx;
	int err;

	capture(fx, buf, len);
	err = fx->send_fail;
	fx->send_fail = 0;
	return err;
}

static int flush(void *ctx)
{
	(void)ctx;
	return 0;
}

/*
 * The packet link (opts.packet_link): a datagram link that loses,
 * duplicates and reorders nothing. The script is written as for the
 * byte link, and each framed packet in it is one datagram whose data
 * the stub gets whole; acks and noise between packets are what a
 * packet link never delivers, so they are skipped. A lone 0x03 is the
 * break-in request. A packet whose tail the script lacks is dropped,
 * as a datagram link drops a short datagram.
 */
static long recv_packet(void *ctx, uint8_t *buf, size_t cap)
{
	struct fx *fx = ctx;
	bool in = false, over = false;
	size_t n = 0;
	int c, i;

	for (;;) {
		c = recv_byte(fx);
		if (c < 0)
			return c;
		if (!in) {
			if (c == KSTUB_LINK_BREAK) {
				buf[0] = KSTUB_LINK_BREAK;
				return 1;
			}
			in = c == '$';
			continue;
		}
		if (c != '#') {
			if (n < cap)
				buf[n++] = (uint8_t)c;
			else
				over = true;
			continue;
		}
		for (i = 0; i < 2; i++)
			if ((c = recv_byte(fx)) < 0)
				return c;
		fx->packets_in++;
		return over ? KSTUB_E2BIG : (long)n;
	}
}

/* Framed as gdb would see it, so fx_parse() reads it as any reply. */
static int send_packet(void *ctx, const uint8_t *buf, size_t len)
{
	struct fx *fx = ctx;
	uint8_t *frame = malloc(len + 5);	/* "$", "#xx" and the NUL */
	int err;

	if (!frame)
		fx_fail("out of memory");
	if (fx->link_ops.max_packet && len > fx->link_ops.max_packet)
		fx_fail("a packet larger than the link's max_packet");
	frame[0] = '$';
	memcpy(frame + 1, buf, len);
	snprintf((char *)frame + 1 + len, 4, "#%02x",
		 fx_rsp_checksum((const char *)buf, len));
	capture(fx, frame, len + 4);
	free(frame);
	if (len > fx->max_sent)
		fx->max_sent = len;
	err = fx->send_fail;
	fx->send_fail = 0;
	return err;
}

static void session_start(void *ctx)
{
	struct fx *fx = ctx;

	if (fx->sessions_started != fx->sessions_ended)
		fx_fail("a session started inside a session");
	fx->sessions_started++;
}

static void session_end(void *ctx)
{
	struct fx *fx = ctx;

	if (fx->sessions_started != fx->sessions_ended + 1)
		fx_fail("a session ended that never started");
	fx->sessions_ended++;
}

/* enter and leave come in pairs, once per debugger entry. */
static void link_enter(void *ctx)
{
	struct fx *fx = ctx;

	if (fx->link_entered || !fx->in_trap)
		fx_fail("link enter twice, or outside a trap");
	fx->link_entered = true;
}

static void link_leave(void *ctx)
{
	struct fx *fx = ctx;

	if (!fx->link_entered)
		fx_fail("link leave without enter");
	fx->link_entered = false;
}

void fx_link_ops(struct fx *fx, const struct fx_opts *o)
{
	struct kstub_transport_ops *link = &fx->link_ops;

	link->name = "fx";
	link->flags = o->link_flags;
	if (o->packet_link) {
		link->recv_packet = recv_packet;
		link->send_packet = send_packet;
		link->max_packet = o->max_packet;
	} else {
		link->recv_byte = recv_byte;
		link->send = send_bytes;
		link->flush = flush;
	}
	link->session_start = session_start;
	link->session_end = session_end;
	link->enter = link_enter;
	link->leave = link_leave;
	fx->escapes = o->escapes;
	fx->src = fx->in;
	fx->tail = "$D#44";
	fx->tail_len = 5;
}

void fx_raw(struct fx *fx, const void *p, size_t n)
{
	if (fx->src != fx->in || fx->in_len + n > sizeof(fx->in))
		fx_fail("script full, or fed from elsewhere");
	memcpy(fx->in + fx->in_len, p, n);
	fx->in_len += n;
}

void fx_pkt(struct fx *fx, const char *body)
{
	char tail[4];
	size_t n = strlen(body);

	fx_raw(fx, "$", 1);
	fx_raw(fx, body, n);
	snprintf(tail, sizeof(tail), "#%02x", fx_rsp_checksum(body, n));
	fx_raw(fx, tail, 3);
}

void fx_cmd(struct fx *fx, const char *body)
{
	fx_pkt(fx, body);
	fx_raw(fx, "+", 1);
}

void fx_feed(struct fx *fx, const uint8_t *data, size_t len,
	     const char *tail)
{
	fx->src = data;
	fx->in_len = len;
	fx->in_pos = 0;
	fx->quiet = 0;
	fx->tail = tail;
	fx->tail_len = tail ? strlen(tail) : 0;
	fx->tail_used = 0;
}
