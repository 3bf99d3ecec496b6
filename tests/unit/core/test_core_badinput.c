// SPDX-License-Identifier: BSD-2-Clause
/*
 * README "Error replies", executable: one row per line of that table,
 * each named by the line's key, every packet of the row answered with the
 * row's reply, in ack mode and in no-ack mode. After each row the stream
 * must still be in step (the closing "c" is read, nothing is left over).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "core_table.h"

typedef void (*send_fn)(struct fx *, const char *);

struct bad_row {
	const char *key;     /* the README line */
	const char *send[6]; /* packets of the class */
	const char *want;    /* exact reply, or "~" + regex */
	unsigned (*setup)(struct fx *fx, send_fn send); /* replies it adds */
	char *(*make)(void); /* a packet built at run time */
	const char *raw;     /* bytes sent as they are */
	size_t max;	     /* replies at most this long (0: any) */
};

/* Four watchpoints take every debug register. */
static unsigned fill_dr(struct fx *fx, send_fn send)
{
	send(fx, "Z2,10000,8");
	send(fx, "Z2,10008,8");
	send(fx, "Z2,10010,8");
	send(fx, "Z2,10018,8");
	return 4;
}

static unsigned fill_swbp(struct fx *fx, send_fn send)
{
	char pkt[40];
	unsigned i;

	for (i = 0; i < KSTUB_SWBP_MAX; i++) {
		snprintf(pkt, sizeof(pkt), "Z0,%llx,1",
			 (unsigned long long)(FX_TEXT + 0x100 + i));
		send(fx, pkt);
	}
	return KSTUB_SWBP_MAX;
}

/*
 * FX_TEXT + 0x800..0x8ff plays the port's trap glue. The fixture has no
 * such hook of its own: the row installs it (the ops are the fixture's
 * own heap copy, so writing them is fine).
 */
#define FX_DEBUGGER_TEXT (FX_TEXT + 0x800)

static bool debugger_text(void *ctx, uint64_t addr, size_t len)
{
	(void)ctx;
	return addr < FX_DEBUGGER_TEXT + 0x100 && addr + len > FX_DEBUGGER_TEXT;
}

static unsigned debugger_hook(struct fx *fx, send_fn send)
{
	struct kstub_port_ops *port = (struct kstub_port_ops *)fx->ks.cfg.port;

	(void)send;
	port->debugger_text = debugger_text;
	return 0;
}

/* One byte more than PacketSize. */
static char *oversize(void)
{
	size_t n = KSTUB_BUF_LEN_MIN - 4 + 1;
	char *p = malloc(n + 1);

	memset(p, '0', n);
	memcpy(p, "M10000,400:", 11);
	p[n] = 0;
	return p;
}

/* G that writes every register as it is, except cs (0x10 -> 0x08). */
static char *g_changing_cs(void)
{
	char *g = fx_g_image();

	memcpy(g + FX_G_CS, "08000000", 8);
	return g;
}

static const struct bad_row rows[] = {
    /* README: bad-checksum. gdb's resend is answered. */
    {.key = "bad-checksum",
     .send = {"m10000,4"},
     .want = "00070e15",
     .raw = "$m10000,4#00"},
    /* README: bad-hex */
    {.key = "bad-hex",
     .send = {"m1000z,4", "m10000,zz", "M10000,2:abzz", "P0=11223344556677zz",
	      "Z2,1000g,8", "Hgzz"},
     .want = "E4a"},
    /* README: bad-syntax */
    {.key = "bad-syntax",
     .send = {"m10000", "m10000,4z", "M10000,2", "Z2,10000", "x,1", "P0"},
     .want = "E4a"},
    /* README: bad-escape */
    {.key = "bad-escape",
     .send = {"X10010,2:a}", "X10010,2:abc", "X10010,3:ab", "M10000,2:ab"},
     .want = "E4a"},
    /* README: oversize */
    {.key = "oversize", .send = {NULL}, .want = "E07", .make = oversize},
    /* README: beyond-buffer. As much of the 64 KiB as one reply holds. */
    {.key = "beyond-buffer",
     .send = {"m10000,ffff"},
     .want = "~^00070e151c232a31[0-9a-f]+$",
     .max = KSTUB_BUF_LEN_MIN},
    /* README: wrap */
    {.key = "wrap",
     .send = {"mffffffffffffff00,200", "Mffffffffffffffff,2:0000",
	      "Xffffffffffffffff,2:ab", "xfffffffffffffff0,20",
	      "Z2,ffffffffffffffff,8", "Z4,fffffffffffffffe,4"},
     .want = "E22"},
    /* README: unaligned-watch */
    {.key = "unaligned-watch",
     .send = {"Z2,10009,8", "Z3,10002,4", "Z4,10001,2"},
     .want = "E16"},
    /* README: oversize-watch */
    {.key = "oversize-watch",
     .send = {"Z2,10000,10", "Z3,10000,3", "Z4,10000,20"},
     .want = "E16"},
    /* README: bad-value */
    {.key = "bad-value",
     .send = {"p48", "Z0,ffffffff81000020,2", "C1ff", "vCont;S100",
	      "P10=0000000000008000", "P14=03000000"},
     .want = "E16"},
    /* README: no-dr */
    {.key = "no-dr",
     .send = {"Z2,10020,8", "Z1,ffffffff81000020,1"},
     .want = "E1c",
     .setup = fill_dr},
    /* README: swbp-full */
    {.key = "swbp-full",
     .send = {"Z0,ffffffff81000080,1"},
     .want = "E1c",
     .setup = fill_swbp},
    /* README: unknown */
    {.key = "unknown",
     .send = {"qFooBar", "!", "Z9,10000,1", "vFoo"},
     .want = ""},
    /* README: bp-fault */
    {.key = "bp-fault",
     .send = {"Z0,1000,1", "Z0,ffffffff80000000,1"},
     .want = "E0e"},
    /* README: bp-rofs */
    {.key = "bp-rofs", .send = {"Z0,ffffffff81000f00,1"}, .want = "E1e"},
    /* README: bp-debugger: both ends of the range. */
    {.key = "bp-debugger",
     .send = {"Z0,ffffffff81000800,1", "Z1,ffffffff810008ff,1",
	      "Z0,ffffffff810008ff,1"},
     .want = "E10",
     .setup = debugger_hook},
    /* README: mem-fault */
    {.key = "mem-fault",
     .send = {"m0,4", "M0,1:00", "X0,1:a", "x0,4", "Mffffffff81000000,1:00"},
     .want = "E0e"},
    /* README: no-bp */
    {.key = "no-bp",
     .send = {"z0,ffffffff81000030,1", "z2,10040,8", "z1,10000,1"},
     .want = "E02"},
    /* README: no-thread */
    {.key = "no-thread",
     .send = {"Hg7", "T7", "qThreadExtraInfo,7", "vCont;c:7"},
     .want = "E03"},
    /* README: not-on-cpu (0x11 sleeps) */
    {.key = "not-on-cpu", .send = {"Hc11", "vCont;s:11"}, .want = "E01"},
    /* README: read-only */
    {.key = "read-only",
     .send = {"P12=10000000", "P13=18000000", "P3c=00", "P46=00",
	      "P3b=0000000000000000"},
     .want = "E01",
     .make = g_changing_cs},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* _i: row _i / 2, in ack mode (even) or no-ack mode (odd). */
START_TEST(bad_input_row)
{
	const struct bad_row *row = &rows[_i / 2];
	bool noack = _i % 2;
	struct fx_opts o = {.threads = true,
			    .link_flags = noack ? KSTUB_LINK_RELIABLE : 0};
	struct fx *fx = fx_new(&o);
	send_fn send = noack ? fx_pkt : fx_cmd;
	unsigned skip = 0, n, i, k;
	char *made = row->make ? row->make() : NULL;
	char label[64];

	if (noack) {
		fx_cmd(fx, "QStartNoAckMode");
		skip++;
	}
	if (row->setup)
		skip += row->setup(fx, send);
	if (row->raw)
		fx_raw(fx, row->raw, strlen(row->raw));
	if (made)
		send(fx, made);
	for (k = 0; k < 6 && row->send[k]; k++)
		send(fx, row->send[k]);
	n = k + (made ? 1 : 0);
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_msg(fx->tail_used == 0, "%s: stream out of step", row->key);
	fx_parse(fx);
	ck_assert_msg(fx->nreplies == skip + n, "%s: %u replies, want %u",
		      row->key, fx->nreplies, skip + n);
	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "%s%s: %s",
			 noack ? "no-ack " : "", row->key,
			 made && i == 0 ? "(built)" : row->send[i - !!made]);
		check_reply(fx_reply(fx, skip + i), row->want, label);
		ck_assert_msg(!row->max || fx->reply_len[skip + i] <= row->max,
			      "%s: %zu bytes", label, fx->reply_len[skip + i]);
	}
	ck_assert_uint_eq(fx->nnaks, row->raw && !noack ? 1 : 0);
	free(made);
	fx_free(fx);
}
END_TEST

Suite *core_badinput_suite(void);
Suite *core_badinput_suite(void)
{
	Suite *s = suite_create("core_badinput");
	TCase *tc = tcase_create("badinput");

	tcase_add_loop_test(tc, bad_input_row, 0, 2 * NROWS);
	suite_add_tcase(s, tc);
	return s;
}
