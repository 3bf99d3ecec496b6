/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake machine put together (fake_machine.h): its link and port,
 * kstub_init() with buffers sized exactly, and the trap entry.
 */
#include "fake_machine.h"

#include <stdlib.h>
#include <string.h>

static int echo_cmd(struct kstub *ks, void *ctx, const char *a, size_t n)
{
	(void)ctx;
	return kstub_monitor_write(ks, a, n);
}

static const struct kstub_monitor_cmd monitor[] = {
	{ "echo", "print the rest of the line", echo_cmd },
};

static void *alloc_or_fail(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		fx_fail("out of memory");
	return p;
}

/* Everything fx_new() allocated besides the machine itself. */
static void release(struct fx *fx)
{
	unsigned i;

	for (i = 0; i < fx->nreplies; i++)
		free(fx->reply[i]);
	free(fx->out);
	free(fx->rx);
	free(fx->tx);
}

/*
 * Text of nop-like bytes, RAM of i * 7: built once and copied, since a
 * fuzz harness makes a machine per input and its instrumented loops
 * would cost more than the session.
 */
static void fill_patterns(struct fx *fx)
{
	static uint8_t ram[FX_RAM_LEN], text[FX_TEXT_LEN];
	static bool built;
	size_t i;

	if (!built) {
		for (i = 0; i < FX_TEXT_LEN; i++)
			text[i] = (uint8_t)(0x90 + i % 5);
		for (i = 0; i < FX_RAM_LEN; i++)
			ram[i] = (uint8_t)(i * 7);
		built = true;
	}
	memcpy(fx->text, text, fx->layout->text_len);
	memcpy(fx->ram, ram, fx->layout->ram_len);
}

struct fx *fx_new(const struct fx_opts *o)
{
	return fx_renew(alloc_or_fail(sizeof(struct fx)), o);
}

struct fx *fx_renew(struct fx *fx, const struct fx_opts *o)
{
	static const struct fx_opts none;
	struct kstub_config cfg = { 0 };
	size_t bufs;

	if (!o)
		o = &none;
	release(fx);
	memset(fx, 0, sizeof(*fx));
	fx_link_ops(fx, o);
	fx_port_ops(fx, o);
	if (!o->no_capture)
		fx->out = alloc_or_fail(FX_OUT_MAX);
	fill_patterns(fx);
	cfg.link = &fx->link_ops;
	cfg.link_ctx = fx;
	cfg.port = &fx->port_ops;
	cfg.port_ctx = fx;
	cfg.buf_len = o->buf_len ? o->buf_len : KSTUB_BUF_LEN_MIN;
	bufs = cfg.buf_len;
	if (o->default_buf) {
		cfg.buf_len = 0;	/* the stub picks the default */
		bufs = KSTUB_BUF_LEN_DEFAULT;
	}
	fx->rx = cfg.rx_buf = alloc_or_fail(bufs);
	fx->tx = cfg.tx_buf = alloc_or_fail(bufs);
	cfg.flags = o->cfg_flags;
	cfg.ncpus = o->ncpus;
	cfg.roundup_timeout_ms = o->roundup_ms;
	cfg.idle_timeout_ms = o->idle_timeout_ms;
	if (!o->bare) {
		cfg.monitor = monitor;
		cfg.monitor_count = 1;
	}
	if (kstub_init(&fx->ks, &cfg) != 0)
		fx_fail("kstub_init refused the fake machine");
	fx->frame.rip = fx->layout->text + 0x10;
	fx->frame.rflags = 0x246;
	fx->frame.gpr[KSTUB_REG_RSP] = fx->layout->ram + 0x1000;
	fx->frame.gpr[KSTUB_REG_RBP] = fx->layout->ram + 0x1010;
	fx->frame.seg[0] = 0x10;
	fx->frame.valid[0] = KSTUB_VALID_GPRS | KSTUB_VALID_SEGS;
	return fx;
}

void fx_free(struct fx *fx)
{
	if (!fx)
		return;
	release(fx);
	free(fx);
}

int fx_trap(struct fx *fx, uint32_t vector)
{
	struct kstub_trap why = { .vector = vector };
	int r;

	fx->in_trap = true;
	r = kstub_trap(&fx->ks, 0, &fx->frame, &why);
	fx->in_trap = false;
	if (fx->link_entered)
		fx_fail("the stub left without the link's leave");
	return r;
}
