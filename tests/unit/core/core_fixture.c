/* SPDX-License-Identifier: BSD-2-Clause */
#include "core_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The link and port hooks get the fixture as their context. */
static uint8_t *region(struct fx *fx, uint64_t a, size_t *room, bool *rw)
{
	if (a >= FX_RAM && a - FX_RAM < FX_RAM_LEN) {
		*room = FX_RAM + FX_RAM_LEN - a;
		*rw = true;
		return fx->ram + (a - FX_RAM);
	}
	if (a >= FX_TEXT && a - FX_TEXT < FX_TEXT_LEN) {
		*room = FX_TEXT + FX_TEXT_LEN - a;
		*rw = false;
		return fx->text + (a - FX_TEXT);
	}
	if (a >= FX_TOP) {
		*room = (size_t)(0 - a);
		*rw = true;
		return fx->top + (a - FX_TOP);
	}
	return NULL;
}

static long mem_io(struct fx *fx, uint64_t a, void *buf, size_t n, bool wr)
{
	size_t room;
	bool rw;
	uint8_t *p = region(fx, a, &room, &rw);

	if (!p || (wr && !rw))
		return KSTUB_EFAULT;
	if (n > room)
		n = room;
	if (wr)
		memcpy(p, buf, n);
	else
		memcpy(buf, p, n);
	return (long)n;
}

static long mem_read(void *c, uint64_t a, void *d, size_t n)
{
	return mem_io(c, a, d, n, false);
}

static long mem_write(void *c, uint64_t a, const void *s, size_t n)
{
	return mem_io(c, a, (void *)s, n, true);
}

static int text_write(void *c, uint64_t a, const void *s, size_t n)
{
	struct fx *fx = c;

	if (a < FX_TEXT || a - FX_TEXT >= FX_TEXT_LEN ||
	    n > FX_TEXT + FX_TEXT_LEN - a)
		return KSTUB_EFAULT;
	if (a + n > FX_TEXT_LOCKED)
		return KSTUB_EROFS;	/* a page the kernel will not let us patch */
	if (fx->text_writes_left && --fx->text_writes_left == 0) {
		fx->text_writes_left = 1;	/* and so it stays */
		return KSTUB_EROFS;
	}
	memcpy(fx->text + (a - FX_TEXT), s, n);
	return 0;
}

static uint64_t now_us(void *c)
{
	return ((struct fx *)c)->clock_us += 100;
}

static uint64_t dr_get(void *c, unsigned n)
{
	return ((struct fx *)c)->dr[n & 7];
}

static void dr_set(void *c, unsigned n, uint64_t v)
{
	((struct fx *)c)->dr[n & 7] = v;
}

/*
 * Threads 0x10 (on CPU 0), 0x11 (sleeping, with a pcb), 0x12 (no regs);
 * or, with many_threads, FX_TID_MANY (on CPU 0) and those after it.
 */
static bool many_ok(const struct fx *fx, uint64_t tid)
{
	return tid >= FX_TID_MANY && tid - FX_TID_MANY < fx->many_threads;
}

static int thread_next(void *c, uint64_t after, uint64_t *tid)
{
	struct fx *fx = c;

	if (fx->many_threads) {
		if (after == 0)
			*tid = FX_TID_MANY;
		else if (many_ok(fx, after + 1))
			*tid = after + 1;
		else
			return KSTUB_ENOENT;
		return 0;
	}
	if (after == 0)
		*tid = 0x10;
	else if (after >= 0x10 && after < 0x12)
		*tid = after + 1;
	else
		return KSTUB_ENOENT;
	return 0;
}

static int thread_info(void *c, uint64_t tid, struct kstub_thread_info *o)
{
	static const char *const names[] = { "clock", "sh<1>", "idle" };
	struct fx *fx = c;

	if (fx->many_threads) {
		if (!many_ok(fx, tid))
			return KSTUB_ESRCH;
		snprintf(o->name, sizeof(o->name), "t%llu",
			 (unsigned long long)(tid - FX_TID_MANY));
		o->state[0] = 0;
		o->cpu = tid == FX_TID_MANY ? 0 : KSTUB_CPU_NONE;
		return 0;
	}
	if (tid < 0x10 || tid > 0x12)
		return KSTUB_ESRCH;
	snprintf(o->name, sizeof(o->name), "%s", names[tid - 0x10]);
	snprintf(o->state, sizeof(o->state), "%s",
		 tid == 0x11 ? "sleeping on tty" : "");
	o->cpu = tid == 0x10 ? 0 : KSTUB_CPU_NONE;
	return 0;
}

static int thread_regs(void *c, uint64_t tid, struct kstub_frame *f)
{
	(void)c;
	if (tid != 0x11)
		return KSTUB_ESRCH;
	f->gpr[KSTUB_REG_RBX] = 0xb0b0;
	f->gpr[KSTUB_REG_RSP] = FX_RAM + 0x800;
	f->rip = FX_TEXT + 0x40;
	f->valid[0] = KSTUB_VALID_CALLEE;
	return 0;
}

static int cpu_thread(void *c, uint32_t cpu, uint64_t *tid)
{
	struct fx *fx = c;

	*tid = (fx->many_threads ? FX_TID_MANY : 0x10) + cpu;
	return cpu == 0 ? 0 : KSTUB_ESRCH;
}

static uint64_t load_offset(void *c)
{
	(void)c;
	return 0x1e00000;
}

static int cpus_stop(void *c, uint32_t self)
{
	(void)c;
	(void)self;
	return 0;
}

static int recv_byte(void *c)
{
	static const char tail[] = "$D#44";
	struct fx *fx = c;

	if (fx->in_pos < fx->in_len)
		return fx->in[fx->in_pos++];
	/* The script ran out: detach, so a broken test ends. */
	return (uint8_t)tail[fx->tail_used++ % 5];
}

static int send_bytes(void *c, const uint8_t *b, size_t n)
{
	struct fx *fx = c;

	ck_assert_uint_le(fx->out_len + n, FX_OUT_MAX);
	memcpy(fx->out + fx->out_len, b, n);
	fx->out_len += n;
	return 0;
}

static int echo_cmd(struct kstub *ks, void *ctx, const char *a, size_t n)
{
	(void)ctx;
	return kstub_monitor_write(ks, a, n);
}

static const struct kstub_monitor_cmd monitor[] = {
	{ "echo", "print the rest of the line", echo_cmd },
};

struct fx *fx_new(const struct fx_opts *o)
{
	static const struct fx_opts none;
	struct fx *fx = calloc(1, sizeof(*fx));
	struct kstub_port_ops *port = calloc(1, sizeof(*port));
	struct kstub_transport_ops *link = calloc(1, sizeof(*link));
	struct kstub_config cfg = { 0 };
	size_t i;

	if (!o)
		o = &none;
	ck_assert(fx && port && link);
	link->name = "fx";
	link->flags = o->link_flags;
	link->recv_byte = recv_byte;
	link->send = send_bytes;
	port->mem_read = mem_read;
	port->mem_write = mem_write;
	port->text_write = o->no_text_write ? NULL : text_write;
	port->now_us = now_us;
	port->load_offset = o->no_load_offset ? NULL : load_offset;
	port->cpus_stop = cpus_stop;
	if (!o->no_dr) {
		port->dr_get = dr_get;
		port->dr_set = dr_set;
	}
	if (o->threads) {
		port->thread_next = thread_next;
		port->thread_info = thread_info;
		port->thread_regs = thread_regs;
		port->cpu_thread = cpu_thread;
	}
	for (i = 0; i < FX_TEXT_LEN; i++)
		fx->text[i] = (uint8_t)(0x90 + i % 5);
	for (i = 0; i < FX_RAM_LEN; i++)
		fx->ram[i] = (uint8_t)(i * 7);
	cfg.link = link;
	cfg.link_ctx = fx;
	cfg.port = port;
	cfg.port_ctx = fx;
	cfg.rx_buf = fx->rx;
	cfg.tx_buf = fx->tx;
	cfg.buf_len = o->buf_len ? o->buf_len : KSTUB_BUF_LEN_MIN;
	if (o->default_buf)
		cfg.buf_len = 0;	/* rx and tx are 32 KiB: room for it */
	cfg.flags = o->cfg_flags;
	fx->many_threads = o->many_threads;
	cfg.ncpus = o->ncpus;
	cfg.roundup_timeout_ms = o->roundup_ms;
	cfg.monitor = monitor;
	cfg.monitor_count = 1;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	fx->frame.rip = FX_TEXT + 0x10;
	fx->frame.rflags = 0x246;
	fx->frame.gpr[KSTUB_REG_RSP] = FX_RAM + 0x1000;
	fx->frame.gpr[KSTUB_REG_RBP] = FX_RAM + 0x1010;
	fx->frame.seg[0] = 0x10;
	fx->frame.valid[0] = KSTUB_VALID_GPRS | KSTUB_VALID_SEGS;
	return fx;
}

void fx_free(struct fx *fx)
{
	unsigned i;

	for (i = 0; i < fx->nreplies; i++)
		free(fx->reply[i]);
	free((void *)fx->ks.cfg.port);
	free((void *)fx->ks.cfg.link);
	free(fx);
}

void fx_raw(struct fx *fx, const void *p, size_t n)
{
	ck_assert_uint_le(fx->in_len + n, sizeof(fx->in));
	memcpy(fx->in + fx->in_len, p, n);
	fx->in_len += n;
}

const struct fx_opts fx_reliable = { .link_flags = KSTUB_LINK_RELIABLE };

void fx_pkt(struct fx *fx, const char *body)
{
	char tail[4];
	unsigned sum = 0;
	size_t i, n = strlen(body);

	for (i = 0; i < n; i++)
		sum += (uint8_t)body[i];
	fx_raw(fx, "$", 1);
	fx_raw(fx, body, n);
	snprintf(tail, sizeof(tail), "#%02x", sum & 0xff);
	fx_raw(fx, tail, 3);
}

void fx_cmd(struct fx *fx, const char *body)
{
	fx_pkt(fx, body);
	fx_raw(fx, "+", 1);
}

int fx_trap(struct fx *fx, uint32_t vector)
{
	struct kstub_trap why = { .vector = vector };

	return kstub_trap(&fx->ks, 0, &fx->frame, &why);
}

size_t fx_rle_decode(const char *in, size_t n, char *out, size_t max)
{
	size_t i, k = 0;
	int r;

	for (i = 0; i < n; i++) {
		if (in[i] == '*' && k > 0 && i + 1 < n) {
			for (r = in[i + 1] - 29; r > 0 && k < max; r--, k++)
				out[k] = out[k - 1];
			i++;
		} else if (k < max) {
			out[k++] = in[i];
		}
	}
	return k;
}

size_t fx_unescape(const char *in, size_t n, uint8_t *out, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n && k < max; i++)
		out[k++] = in[i] == '}' && i + 1 < n ? (uint8_t)(in[++i] ^ 0x20)
						   : (uint8_t)in[i];
	return k;
}

unsigned fx_parse(struct fx *fx)
{
	size_t i = 0, j, n;
	unsigned sum;
	char *buf;

	while (i < fx->out_len) {
		uint8_t b = fx->out[i];

		if (b == '+' || b == '-') {
			b == '+' ? fx->nacks++ : fx->nnaks++;
			i++;
			continue;
		}
		ck_assert_msg(b == '$', "junk 0x%02x at %zu", b, i);
		for (j = i + 1, sum = 0; j < fx->out_len && fx->out[j] != '#'; j++) {
			ck_assert_msg(fx->out[j] != '$', "raw $ in a reply");
			sum += fx->out[j];
		}
		ck_assert_uint_lt(j + 2, fx->out_len);
		{
			char hex[3] = { (char)fx->out[j + 1], (char)fx->out[j + 2], 0 };

			ck_assert_msg(strtoul(hex, NULL, 16) == (sum & 0xff),
				      "bad checksum");
		}
		n = j - i - 1;
		buf = malloc(100 * n + 1);
		ck_assert_uint_lt(fx->nreplies, FX_MAX_REPLIES);
		fx->reply_len[fx->nreplies] =
			fx_rle_decode((char *)fx->out + i + 1, n, buf, 100 * n);
		buf[fx->reply_len[fx->nreplies]] = 0;
		fx->reply[fx->nreplies++] = buf;
		i = j + 3;
	}
	return fx->nreplies;
}

const char *fx_reply(struct fx *fx, unsigned i)
{
	ck_assert_msg(i < fx->nreplies, "reply %u of %u", i, fx->nreplies);
	return fx->reply[i];
}

char *fx_g_image(void)
{
	struct fx *fx = fx_new(NULL);
	char *g;

	fx_cmd(fx, "g");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	g = malloc(strlen(fx_reply(fx, 0)) + 2);
	ck_assert_ptr_nonnull(g);
	sprintf(g, "G%s", fx_reply(fx, 0));
	fx_free(fx);
	return g;
}
