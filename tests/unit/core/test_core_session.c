// SPDX-License-Identifier: BSD-2-Clause
/*
 * Session-level behaviour through the public API: the handshake orders
 * of gdb and lldb, a debugger that replaces a vanished one, the resume
 * packets' success paths and signals, registers the port cannot write
 * back, and the packets whose success paths had no test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "core_table.h"

#define BP "ffffffff81000020"
#define TF KSTUB_RFLAGS_TF

/* ---- qSupported and no-ack mode ---- */

/*
 * lldb asks for no-ack mode before qSupported. Once the OK is acked,
 * neither side acks again: the stub's only '+' is for QStartNoAckMode.
 */
START_TEST(lldb_order_keeps_noack)
{
	struct fx *fx = fx_new(&fx_reliable);

	fx_raw(fx, "+", 1);
	fx_cmd(fx, "QStartNoAckMode");
	fx_pkt(fx, "qSupported:xmlRegisters=i386");
	fx_pkt(fx, "qC");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nacks, 1);
	ck_assert_uint_eq(fx->nreplies, 3);
	ck_assert_str_eq(fx_reply(fx, 0), "OK");
	ck_assert(strncmp(fx_reply(fx, 1), "PacketSize=", 11) == 0);
	ck_assert_str_eq(fx_reply(fx, 2), "QC1");
	fx_free(fx);
}
END_TEST

/*
 * A second qSupported is a new debugger: the old one's breakpoints and
 * watchpoints leave the kernel before the answer, ack mode stays (in
 * both gdb's order, _i 0, and lldb's no-ack order, _i 1).
 */
START_TEST(second_qsupported_forgets_breakpoints)
{
	struct fx *fx = fx_new(&fx_reliable);
	void (*send)(struct fx *, const char *) = _i ? fx_pkt : fx_cmd;

	if (_i)
		fx_cmd(fx, "QStartNoAckMode");
	send(fx, "qSupported");
	send(fx, "Z0," BP ",1");
	send(fx, "Z2,10008,8");
	send(fx, "m" BP ",1");
	send(fx, "qSupported");
	send(fx, "z0," BP ",1");	/* gone already */
	send(fx, "z2,10008,8");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_parse(fx);
	ck_assert_int_eq(fx->text[0x20], 0x90 + 0x20 % 5);
	ck_assert_uint_eq(fx->dr[7], 0);
	ck_assert_str_eq(fx_reply(fx, _i + 3), "92");
	ck_assert_str_eq(fx_reply(fx, _i + 5), "E02");
	ck_assert_str_eq(fx_reply(fx, _i + 6), "E02");
	ck_assert_uint_eq(fx->nacks, _i ? 1 : 8);
	fx_free(fx);
}
END_TEST

/* buf_len 0 is the default size, as every other zero in the config. */
START_TEST(buf_len_zero_is_default)
{
	struct fx_opts o = { .default_buf = true };
	struct fx *fx = fx_new(&o);

	ck_assert_uint_eq(fx->ks.cfg.buf_len, KSTUB_BUF_LEN_DEFAULT);
	fx_cmd(fx, "qSupported");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert(strncmp(fx_reply(fx, 0), "PacketSize=3ffc;", 16) == 0);
	fx_free(fx);
}
END_TEST

/* No load_offset hook: nothing is known, so nothing is claimed. */
START_TEST(qoffsets_without_hook_is_empty)
{
	struct fx_opts o = { .no_load_offset = true };
	struct fx *fx = fx_new(&o);
	static const struct row rows[] = { { "qOffsets", "" } };

	RUN_ROWS(fx, rows, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

/* ---- resuming: every success path, with the exit it takes ---- */

static const struct {
	uint32_t vector;
	const char *pkt;
	int ret;	/* of kstub_trap: 0, or KSTUB_EPASS (to the kernel) */
	bool tf;	/* stepping */
	uint64_t rip;	/* 0: where it stopped */
} resume_rows[] = {
	{ KSTUB_TRAP_BREAKIN, "vCont;c:1", 0, false, 0 },
	{ KSTUB_TRAP_BREAKIN, "vCont;c:-1", 0, false, 0 },
	{ KSTUB_TRAP_BREAKIN, "vCont;C05", 0, false, 0 },
	{ KSTUB_TRAP_BREAKIN, "vCont;C05:1", 0, false, 0 },
	{ KSTUB_TRAP_BREAKIN, "vCont;s:1", 0, true, 0 },
	{ KSTUB_TRAP_BREAKIN, "vCont;s:1;c", 0, true, 0 },
	{ KSTUB_TRAP_BREAKIN, "vCont;S05:1;c", 0, true, 0 },
	{ KSTUB_TRAP_PF, "vCont;C0b:1", KSTUB_EPASS, false, 0 },
	{ KSTUB_TRAP_PF, "vCont;C0b", KSTUB_EPASS, false, 0 },
	{ KSTUB_TRAP_PF, "vCont;S0b:1", KSTUB_EPASS, false, 0 },
	{ KSTUB_TRAP_PF, "vCont;c:1", 0, false, 0 },	/* no signal: retry */
	{ KSTUB_TRAP_BREAKIN, "sffffffff81000080", 0, true, FX_TEXT + 0x80 },
	{ KSTUB_TRAP_BREAKIN, "S05", 0, true, 0 },
	{ KSTUB_TRAP_BREAKIN, "S05;ffffffff81000040", 0, true, FX_TEXT + 0x40 },
	{ KSTUB_TRAP_PF, "S0b", KSTUB_EPASS, false, 0 },	/* as C0b */
	{ KSTUB_TRAP_PF, "S00", 0, true, 0 },
};

START_TEST(resume_paths)
{
	struct fx *fx = fx_new(NULL);
	int ret;

	fx_pkt(fx, resume_rows[_i].pkt);
	ret = fx_trap(fx, resume_rows[_i].vector);
	ck_assert_msg(ret == resume_rows[_i].ret, "%s: %d",
		      resume_rows[_i].pkt, ret);
	ck_assert_uint_eq(fx->tail_used, 0);
	if (ret == 0)
		ck_assert_msg(((fx->frame.rflags & TF) != 0) ==
				      resume_rows[_i].tf,
			      "%s: TF", resume_rows[_i].pkt);
	ck_assert_uint_eq(fx->frame.rip, resume_rows[_i].rip
						 ? resume_rows[_i].rip
						 : FX_TEXT + 0x10);
	fx_free(fx);
}
END_TEST

/* vCont's signals have C's limit, and a refused vCont resumes nothing. */
static const struct row vcont_sig_rows[] = {
	{ "vCont;C1ff", "E16" },
	{ "vCont;S100:1", "E16" },
	{ "vCont;c:1;C100", "E16" },
	{ "C100", "E16" },
	{ "S100", "E16" },
};

START_TEST(vcont_signal_range)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, vcont_sig_rows, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

/* ---- breakpoints: idempotent Z, and z of each hardware kind ---- */

START_TEST(duplicate_hw_inserts_one_remove)
{
	static const char *const z[] = { "1," BP ",1", "2,10008,8",
					 "3,10010,4", "4,10020,2" };
	struct fx *fx = fx_new(NULL);
	char pkt[64];

	snprintf(pkt, sizeof(pkt), "Z%s", z[_i]);
	fx_cmd(fx, pkt);
	fx_cmd(fx, pkt);
	fx_cmd(fx, pkt);
	pkt[0] = 'z';
	fx_cmd(fx, pkt);
	fx_cmd(fx, pkt);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 2), "OK");
	ck_assert_str_eq(fx_reply(fx, 3), "OK");
	ck_assert_str_eq(fx_reply(fx, 4), "E02");
	ck_assert_uint_eq(fx->dr[7], 0);
	fx_free(fx);
}
END_TEST

START_TEST(z1_z3_remove_their_slot)
{
	struct fx *fx = fx_new(NULL);

	fx_cmd(fx, "Z1," BP ",1");
	fx_cmd(fx, "Z3,10010,4");
	fx_cmd(fx, "z1," BP ",1");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	/* Slot 0 free; slot 1 an access/4 slot (G1, R/W 11, LEN 11, GE). */
	ck_assert_uint_eq(fx->dr[0], 0);
	ck_assert_uint_eq(fx->dr[1], FX_RAM + 0x10);
	ck_assert_uint_eq(fx->dr[7], 0xf00208ull);
	fx_raw(fx, "+", 1);
	fx_cmd(fx, "z3,10010,4");
	fx_cmd(fx, "z3,10010,4");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 4), "OK");
	ck_assert_str_eq(fx_reply(fx, 5), "E02");
	ck_assert_uint_eq(fx->dr[7], 0);
	fx_free(fx);
}
END_TEST

/* ---- registers the port or the CPU cannot take back ---- */

START_TEST(read_only_registers)
{
	struct fx *fx = fx_new(NULL);
	char *same = fx_g_image(), *cs = fx_g_image(), *ds = fx_g_image();
	struct row rows[] = {
		{ NULL, "OK" },			/* G, all values unchanged */
		{ NULL, "E01" },		/* G changing cs */
		{ NULL, "E01" },		/* G changing ds (.ro) */
		{ "P12=10000000", "E01" },	/* cs */
		{ "P13=18000000", "E01" },	/* ss */
		{ "P14=18000000", "E01" },	/* ds: the port's .ro */
		{ "P39=0000000000000000", "E01" },	/* fs_base: .ro */
		{ "P15=18000000", "OK" },	/* es */
		{ "P15=1b000000", "E16" },	/* RPL 3 in ring 0 */
		{ "p15", "18000000" },
	};

	memcpy(cs + FX_G_CS, "08000000", 8);
	memcpy(ds + FX_G_DS, "18000000", 8);
	rows[0].send = same;
	rows[1].send = cs;
	rows[2].send = ds;
	kstub_frame_set_ro(&fx->frame, KSTUB_REG_DS);
	kstub_frame_set_ro(&fx->frame, KSTUB_REG_FS_BASE);
	RUN_ROWS(fx, rows, KSTUB_TRAP_BREAKIN);
	ck_assert_uint_eq(fx->frame.seg[0], 0x10);
	ck_assert_uint_eq(fx->frame.seg[2], 0);
	free(same);
	free(cs);
	free(ds);
	fx_free(fx);
}
END_TEST

/* G's failures leave the registers as they were. */
START_TEST(g_bad_hex_and_sleeping_thread)
{
	struct fx_opts o = { .threads = true };
	struct fx *fx = fx_new(&o);
	char *g = fx_g_image();
	struct row rows[] = {
		{ NULL, "E4a" },		/* rbx's digits are not hex */
		{ "Hg11", "OK" },
		{ NULL, "E01" },		/* a pcb is read-only */
		{ "Hg0", "OK" },
		{ "p1", "0000000000000000" },
	};
	char *bad = strdup(g);

	memcpy(bad + 1 + 16, "zz", 2);
	rows[0].send = bad;
	rows[2].send = g;
	RUN_ROWS(fx, rows, KSTUB_TRAP_BREAKIN);
	free(bad);
	free(g);
	fx_free(fx);
}
END_TEST

/* ---- threads and memory packets without a test so far ---- */

/*
 * Past KSTUB_THREADS_LIST_MAX threads only those on CPUs are listed (the
 * fake's 300 have one, on CPU 0), in qfThreadInfo and qXfer alike.
 */
START_TEST(thread_list_many_lists_cpus)
{
	struct fx_opts o = { .threads = true, .many_threads = 300,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = fx_new(&o);
	char want[32];

	ck_assert_uint_gt(300, KSTUB_THREADS_LIST_MAX);
	fx_cmd(fx, "qfThreadInfo");
	fx_cmd(fx, "qsThreadInfo");
	fx_cmd(fx, "qXfer:threads:read::0,3fff");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	snprintf(want, sizeof(want), "m%llx", (unsigned long long)FX_TID_MANY);
	ck_assert_str_eq(fx_reply(fx, 0), want);
	ck_assert_str_eq(fx_reply(fx, 1), "l");
	ck_assert_ptr_nonnull(strstr(fx_reply(fx, 2), "<thread id="));
	ck_assert_ptr_null(strstr(strstr(fx_reply(fx, 2), "<thread id=") + 1,
				  "<thread id="));
	fx_free(fx);
}
END_TEST

/*
 * After "monitor threads all", a list longer than one reply goes on, in
 * order, across qsThreadInfo.
 */
START_TEST(thread_list_spans_replies)
{
	struct fx_opts o = { .threads = true, .many_threads = 300,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = fx_new(&o);
	unsigned i, r, r0, seen = 0, parts = 0;
	uint64_t want = FX_TID_MANY;

	/* qRcmd "threads all": its O packet(s), then OK. */
	fx_cmd(fx, "qRcmd,7468726561647320616c6c");
	fx_cmd(fx, "qfThreadInfo");
	for (i = 0; i < 10; i++)
		fx_cmd(fx, "qsThreadInfo");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	for (r0 = 0; strcmp(fx_reply(fx, r0), "OK") != 0; r0++)
		ck_assert_uint_lt(r0, 4);
	for (r = r0 + 1; r < r0 + 12 && fx_reply(fx, r)[0] == 'm'; r++) {
		const char *p = fx_reply(fx, r) + 1;
		char *end;

		parts++;
		while (*p) {
			ck_assert_uint_eq(strtoull(p, &end, 16), want);
			want++;
			seen++;
			p = *end == ',' ? end + 1 : end;
		}
	}
	ck_assert_uint_gt(parts, 1);
	ck_assert_uint_eq(seen, 300);
	ck_assert_str_eq(fx_reply(fx, r), "l");
	ck_assert_str_eq(fx_reply(fx, r + 1), "l");
	fx_free(fx);
}
END_TEST

static const struct row x_rows[] = {
	{ "x10000", "E4a" },
	{ "xzz,1", "E4a" },
	{ "x10000,", "E4a" },
	{ "x,1", "E4a" },
	{ "x10003,2", "b\x15\x1c" },
};

START_TEST(malformed_x)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, x_rows, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

/*
 * kstub_port.h: the four thread hooks are optional as a group. A port
 * that leaves out any one of them is refused, so no later packet can
 * call a NULL hook; all four, or none, is accepted.
 */
START_TEST(thread_hooks_all_or_none)
{
	struct fx *fx = fx_new(&(struct fx_opts){ .threads = true });
	struct kstub_config cfg = fx->ks.cfg;
	struct kstub_port_ops full = *cfg.port, some;
	struct kstub ks;
	unsigned i;

	cfg.port = &full;
	ck_assert_int_eq(kstub_init(&ks, &cfg), 0);
	for (i = 0; i < 4; i++) {
		some = full;
		if (i == 0)
			some.thread_next = NULL;
		else if (i == 1)
			some.thread_info = NULL;
		else if (i == 2)
			some.thread_regs = NULL;
		else
			some.cpu_thread = NULL;
		cfg.port = &some;
		ck_assert_int_eq(kstub_init(&ks, &cfg), KSTUB_EINVAL);
	}
	some = full;
	some.thread_next = NULL;
	some.thread_info = NULL;
	some.thread_regs = NULL;
	some.cpu_thread = NULL;
	cfg.port = &some;
	ck_assert_int_eq(kstub_init(&ks, &cfg), 0);
	fx_free(fx);
}
END_TEST

Suite *core_session_suite(void);
Suite *core_session_suite(void)
{
	Suite *s = suite_create("core_session");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, lldb_order_keeps_noack);
	tcase_add_loop_test(tc, second_qsupported_forgets_breakpoints, 0, 2);
	tcase_add_test(tc, buf_len_zero_is_default);
	tcase_add_test(tc, qoffsets_without_hook_is_empty);
	tcase_add_loop_test(tc, resume_paths, 0,
			    sizeof(resume_rows) / sizeof(resume_rows[0]));
	tcase_add_test(tc, vcont_signal_range);
	tcase_add_loop_test(tc, duplicate_hw_inserts_one_remove, 0, 4);
	tcase_add_test(tc, z1_z3_remove_their_slot);
	tcase_add_test(tc, read_only_registers);
	tcase_add_test(tc, g_bad_hex_and_sleeping_thread);
	tcase_add_test(tc, thread_list_many_lists_cpus);
	tcase_add_test(tc, thread_list_spans_replies);
	tcase_add_test(tc, malformed_x);
	tcase_add_test(tc, thread_hooks_all_or_none);
	suite_add_tcase(s, tc);
	return s;
}
