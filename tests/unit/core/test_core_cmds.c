// SPDX-License-Identifier: BSD-2-Clause
/*
 * Every packet family, with its error replies, as transcripts: what gdb
 * sends and the exact reply (RLE already expanded by the fixture).
 * The machine: one CPU stopped by a break-in at FX_TEXT + 0x10.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "core_table.h"

#define STOP_T02 "T0206:1010010000000000;07:0010010000000000;" \
		 "10:10000081ffffffff;thread:1;"

static const struct row queries[] = {
	{ "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386",
	  "PacketSize=7fc;qXfer:features:read+;qXfer:threads:read+;"
	  "vContSupported+;binary-upload+;swbreak+;hwbreak+;"
	  "ConditionalBreakpoints+;BreakpointCommands+" },
	{ "?", STOP_T02 },
	{ "vMustReplyEmpty", "" },
	{ "qAttached", "1" },
	{ "qOffsets", "Text=1e00000;Data=1e00000;Bss=1e00000" },
	{ "qC", "QC1" },
	{ "qfThreadInfo", "m1" },
	{ "qsThreadInfo", "l" },
	{ "qThreadExtraInfo,1", "4350552030" },	/* "CPU 0" */
	{ "qThreadExtraInfo,7", "E03" },
	{ "qThreadExtraInfo", "E4a" },
	{ "vCont?", "vCont;c;C;s;S;t" },
	{ "qFooBar", "" },
	{ "!", "" },
	{ "qCRC:10000,4", "" },		/* not "qC" */
	{ "QStartNoAckMode", "" },	/* a serial line is not reliable */
};

START_TEST(query_packets)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, queries, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

static const struct row threads_cpu[] = {
	{ "T1", "OK" },
	{ "T2", "E03" },
	{ "T-1", "E03" },
	{ "Tzz", "E4a" },
	{ "Hg1", "OK" },
	{ "Hg0", "OK" },
	{ "Hg2", "E03" },
	{ "Hc-1", "OK" },
	{ "Hc1", "OK" },
	{ "Hx1", "" },
	{ "H", "E4a" },
	{ "Hg1z", "E4a" },
};

START_TEST(thread_packets_cpu_threads)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, threads_cpu, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

static const struct row registers[] = {
	{ "p10", "10000081ffffffff" },
	{ "p6", "1010010000000000" },
	/* Unavailable: one "xx" (lldb shows it so), never invented. */
	{ "p18", "xx" },			/* st0: no FPU state */
	{ "p3c", "xx" },			/* cr0 */
	{ "p48", "E16" },
	{ "pzz", "E4a" },
	{ "p", "E4a" },
	{ "P0=1122334455667788", "OK" },
	{ "p0", "1122334455667788" },
	{ "P0=11", "E16" },
	{ "P0=11223344556677zz", "E4a" },
	{ "P3c=0000000000000000", "E01" },	/* cr0 is read-only */
	{ "P10=0000000000008000", "E16" },	/* non-canonical rip */
	{ "P48=00", "E16" },
	{ "P0", "E4a" },
	{ "g", "~^1122334455667788[0-9a-fx]{1296}$" },
	{ "G00", "E16" },
	{ "g1", "E4a" },
};

START_TEST(register_packets)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, registers, KSTUB_TRAP_BREAKIN);
	ck_assert_uint_eq(fx->frame.gpr[0], 0x8877665544332211ull);
	fx_free(fx);
}
END_TEST

START_TEST(g_then_G_round_trip)
{
	struct fx *fx = fx_new(NULL);
	char *g, *G;

	fx_cmd(fx, "g");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	g = strdup(fx_reply(fx, 0));
	fx_free(fx);

	/* Write it all back with rbx changed: only rbx may change. */
	fx = fx_new(NULL);
	G = malloc(strlen(g) + 2);
	sprintf(G, "G%s", g);
	memcpy(G + 1 + 16, "efbeadde00000000", 16);
	fx_cmd(fx, G);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "OK");
	ck_assert_uint_eq(fx->frame.gpr[KSTUB_REG_RBX], 0xdeadbeef);
	ck_assert_uint_eq(fx->frame.gpr[KSTUB_REG_RSP], FX_RAM + 0x1000);
	ck_assert_uint_eq(fx->frame.rip, FX_TEXT + 0x10);
	free(g);
	free(G);
	fx_free(fx);
}
END_TEST

static const struct row memory[] = {
	{ "m10000,4", "00070e15" },
	{ "m1fffe,4", "f2f9" },			/* short read at a hole */
	{ "m10000,0", "" },
	{ "m0,4", "E0e" },
	{ "mffffffff80000000,1", "E0e" },
	{ "mffffffffffffff00,200", "E22" },	/* wraps past 2^64 */
	{ "mfffffffffffffffe,2", "0000" },
	{ "m10000,zz", "E4a" },
	{ "m10000", "E4a" },
	{ "m10000,4z", "E4a" },
	{ "m11111111111111111,1", "E4a" },	/* 17 digits */
	{ "M10000,2:abcd", "OK" },
	{ "m10000,2", "abcd" },
	{ "M10000,2:ab", "E4a" },
	{ "M10000,2:abcdef", "E4a" },
	{ "M10000,2:abzz", "E4a" },
	{ "M10000,2", "E4a" },
	{ "Mffffffff81000000,1:00", "E0e" },	/* text is read-only */
	{ "M0,1:00", "E0e" },
	{ "X10010,0:", "OK" },
	{ "X10010,3:a}]b", "OK" },
	{ "m10010,3", "617d62" },
	{ "X10010,2:a}", "E4a" },
	{ "X10010,2:abc", "E4a" },
	{ "X0,1:a", "E0e" },
	{ "x10000,2", "b\xab\xcd" },
	{ "x0,4", "E0e" },
	{ "x0,0", "OK" },			/* lldb's probe */
	{ "x10000,2", "\xab\xcd" },		/* then raw replies */
};

START_TEST(memory_packets)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, memory, KSTUB_TRAP_BREAKIN);
	ck_assert_int_eq(fx->ram[0], 0xab);
	ck_assert_int_eq(fx->ram[0x11], '}');
	ck_assert_int_eq(fx->text[0], 0x90);
	fx_free(fx);
}
END_TEST

START_TEST(big_read_fills_the_packet)
{
	/* A reliable link: a cable starts a session with short replies. */
	struct fx_opts o = { .buf_len = 16384,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = fx_new(&o);

	fx_cmd(fx, "m10000,4000");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	/* A short reply is fine for gdb; it must be whole bytes, and big. */
	ck_assert_uint_eq(fx->reply_len[0] % 2, 0);
	ck_assert_uint_gt(fx->reply_len[0], 16000);
	ck_assert_uint_le(fx->reply_len[0], 0x8000);
	fx_free(fx);
}
END_TEST

static const struct row xfer[] = {
	{ "qXfer:features:read:target.xml:0,40",
	  "m<target><architecture>i386:x86-64</architecture><feature name=\"o" },
	{ "qXfer:features:read:target.xml:100000,40", "l" },
	{ "qXfer:features:read:other.xml:0,40", "E16" },
	{ "qXfer:features:read:target.xml:0", "E4a" },
	{ "qXfer:features:read:target.xml:zz,10", "E4a" },
	{ "qXfer:threads:read::0,1000",
	  "l<threads><thread id=\"1\" core=\"0\" name=\"CPU 0\"></thread>"
	  "</threads>" },
	{ "qXfer:threads:read::5,5", "mads><" },
	{ "qXfer:libraries:read::0,10", "" },
	{ "qXfer:features:write:target.xml:0,1", "" },
};

START_TEST(xfer_packets)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, xfer, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

/* The whole target.xml, read in small windows, is one well-formed doc. */
START_TEST(xfer_windows_reassemble)
{
	struct fx *fx = fx_new(&fx_reliable);
	char cmd[80], *doc = calloc(1, 65536);
	unsigned i, off = 0;

	for (i = 0; i < 40; i++) {
		snprintf(cmd, sizeof(cmd),
			 "qXfer:features:read:target.xml:%x,100", i * 0x100);
		fx_cmd(fx, cmd);
	}
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	for (i = 0; i < 40; i++) {
		const char *r = fx_reply(fx, i);

		if (r[0] == 'l' && r[1] == 0)
			break;
		memcpy(doc + off, r + 1, fx->reply_len[i] - 1);
		off += (unsigned)fx->reply_len[i] - 1;
		if (r[0] == 'l')
			break;
	}
	ck_assert(strstr(doc, "<architecture>i386:x86-64</architecture>"));
	ck_assert(strstr(doc, "name=\"rip\""));
	ck_assert(strstr(doc, "name=\"cr3\""));
	ck_assert(strstr(doc, "</target>"));
	free(doc);
	fx_free(fx);
}
END_TEST

/*
 * A window fills the reply, escapes counted exactly: attaching over a
 * serial line fetches all of target.xml, and half-full replies would
 * double its round trips. Fresh unreliable link: replies capped at 1 KiB.
 */
START_TEST(xfer_window_fills_reply)
{
	struct fx_opts o = { .buf_len = 16384 };
	struct fx *fx = fx_new(&o);

	fx_cmd(fx, "qXfer:features:read:target.xml:0,3000");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_int_eq(fx_reply(fx, 0)[0], 'm');
	ck_assert_uint_gt(fx->reply_len[0], 1000);
	ck_assert_uint_le(fx->reply_len[0], 1024);
	fx_free(fx);
}
END_TEST

/* A hex-encoded reply as text; NULL if it is not all hex. */
static const char *unhex(const char *hex, char *out)
{
	size_t n = 0;

	while (hex[2 * n] && hex[2 * n + 1]) {
		if (sscanf(hex + 2 * n, "%2hhx", (unsigned char *)&out[n]) != 1)
			return NULL;
		n++;
	}
	out[n] = 0;
	return hex[2 * n] ? NULL : out;
}

START_TEST(monitor_help_and_commands)
{
	struct fx *fx = fx_new(NULL);
	char text[4096] = "", part[1024];
	unsigned i;
	size_t n;

	fx_pkt(fx, "qRcmd,68656c70");	/* help */
	for (i = 0; i < 8; i++)
		fx_raw(fx, "+", 1);
	fx_pkt(fx, "qRcmd,6563686f206869");	/* echo hi */
	fx_raw(fx, "++", 2);
	fx_pkt(fx, "qRcmd,626f677573");	/* bogus */
	fx_raw(fx, "++++", 4);
	fx_pkt(fx, "qRcmd,6");
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	for (i = 0; i < fx->nreplies; i++) {
		const char *r = fx_reply(fx, i);

		if (r[0] != 'O' || r[1] == 'K')
			continue;
		for (n = 0; r[1 + 2 * n] && n < sizeof(part) - 1; n++)
			sscanf(r + 1 + 2 * n, "%2hhx", (unsigned char *)&part[n]);
		part[n] = 0;
		strcat(text, part);
	}
	ck_assert(strstr(text, "help - this list"));
	ck_assert(strstr(text, "echo - print the rest of the line"));
	ck_assert(strstr(text, "hi"));
	/* help ends OK, echo ends OK, odd hex E4a (not a command at all) */
	ck_assert_str_eq(fx_reply(fx, fx->nreplies - 1), "E4a");
	/*
	 * bogus: its message is the final reply, hex-encoded, which gdb
	 * prints as it is; "Exx" would read "Protocol error with Rcmd".
	 */
	ck_assert_str_eq(unhex(fx_reply(fx, fx->nreplies - 2), part),
			 "kstub: unknown monitor command 'bogus'; "
			 "monitor help lists them\n");
	fx_free(fx);
}
END_TEST

static int fail_cmd(struct kstub *ks, void *ctx, const char *a, size_t n)
{
	(void)ks;
	(void)ctx;
	if (n == 0)
		return KSTUB_EBUSY;
	/* A command's own ENOENT is not "unknown command". */
	return a[0] == 'e' ? KSTUB_ENOENT : KSTUB_EFAULT;
}

static const struct kstub_monitor_cmd failing[] = {
	{ "fail", "returns an error", fail_cmd },
};

/* A command's KSTUB_E* reaches gdb as what it means, never as Exx. */
START_TEST(monitor_error_reads_as_its_meaning)
{
	struct fx *fx = fx_new(NULL);
	struct kstub_config cfg = fx->ks.cfg;
	char text[256];

	cfg.monitor = failing;
	ck_assert_int_eq(kstub_init(&fx->ks, &cfg), 0);
	fx_cmd(fx, "qRcmd,6661696c2078");	/* fail x */
	fx_cmd(fx, "qRcmd,6661696c");		/* fail */
	fx_cmd(fx, "qRcmd,6661696c2065");	/* fail e */
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nreplies, 3);
	ck_assert_str_eq(unhex(fx_reply(fx, 0), text),
			 "kstub: monitor fail: bad address\n");
	ck_assert_str_eq(unhex(fx_reply(fx, 1), text),
			 "kstub: monitor fail: busy\n");
	ck_assert_str_eq(unhex(fx_reply(fx, 2), text),
			 "kstub: monitor fail: no such entry\n");
	fx_free(fx);
}
END_TEST

static const struct row resume_errors[] = {
	{ "vCont;x", "E4a" },
	{ "vCont;c:9", "E03" },
	{ "vCont;t", "OK" },
	{ "vCont;t:1", "OK" },
	{ "vCont", "OK" },
	{ "cz", "E4a" },
	{ "C1ff", "E16" },
	{ "S05;zz", "E4a" },
	{ "c10000000000000000", "E4a" },
	{ "c0080000000000000", "E16" },		/* non-canonical */
};

START_TEST(resume_errors_keep_the_session)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, resume_errors, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

START_TEST(continue_at_address)
{
	struct fx *fx = fx_new(NULL);

	fx_pkt(fx, "cffffffff81000080");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	ck_assert_uint_eq(fx->frame.rip, FX_TEXT + 0x80);
	ck_assert_uint_eq(fx->frame.rflags & KSTUB_RFLAGS_TF, 0);
	fx_free(fx);
}
END_TEST

START_TEST(detach_and_kill_end_the_session)
{
	struct fx *fx = fx_new(NULL);

	fx_cmd(fx, "D");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "OK");
	ck_assert(!kstub_attached(&fx->ks));
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_free(fx);

	fx = fx_new(NULL);
	fx_pkt(fx, "k");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nreplies, 0);
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_free(fx);
}
END_TEST

/* After c, the next stop is reported without being asked. */
START_TEST(stop_reply_follows_continue)
{
	struct fx *fx = fx_new(NULL);

	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_PF);
	fx_parse(fx);
	ck_assert_uint_eq(fx->nreplies, 1);
	ck_assert(strncmp(fx_reply(fx, 0), "T0b", 3) == 0);
	fx_free(fx);
}
END_TEST

/* A fault handed back with its signal goes to the kernel (panic). */
START_TEST(fault_signal_passes_to_kernel)
{
	struct fx *fx = fx_new(NULL);

	fx_cmd(fx, "?");
	fx_pkt(fx, "C0b");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_PF), KSTUB_EPASS);
	fx_free(fx);

	fx = fx_new(NULL);
	fx_pkt(fx, "C02");	/* a break-in is no fault: just continue */
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_free(fx);
}
END_TEST

Suite *core_cmds_suite(void);
Suite *core_cmds_suite(void)
{
	Suite *s = suite_create("core_cmds");
	TCase *tc = tcase_create("cmds");

	tcase_add_test(tc, query_packets);
	tcase_add_test(tc, thread_packets_cpu_threads);
	tcase_add_test(tc, register_packets);
	tcase_add_test(tc, g_then_G_round_trip);
	tcase_add_test(tc, memory_packets);
	tcase_add_test(tc, big_read_fills_the_packet);
	tcase_add_test(tc, xfer_packets);
	tcase_add_test(tc, xfer_windows_reassemble);
	tcase_add_test(tc, xfer_window_fills_reply);
	tcase_add_test(tc, monitor_help_and_commands);
	tcase_add_test(tc, monitor_error_reads_as_its_meaning);
	tcase_add_test(tc, resume_errors_keep_the_session);
	tcase_add_test(tc, continue_at_address);
	tcase_add_test(tc, detach_and_kill_end_the_session);
	tcase_add_test(tc, stop_reply_follows_continue);
	tcase_add_test(tc, fault_signal_passes_to_kernel);
	suite_add_tcase(s, tc);
	return s;
}
