// SPDX-License-Identifier: BSD-2-Clause
/*
 * Breakpoints, watchpoints, stepping, threads and CPUs through the
 * public API: what lands in the kernel's text and debug registers, what
 * the stop replies say, and what a frame looks like on resume.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"
#include "core_table.h"

#define BP "ffffffff81000020"

START_TEST(sw_breakpoint_patched_hidden_restored)
{
	struct fx *fx = fx_new(NULL);
	uint8_t orig = fx->text[0x20];

	fx_cmd(fx, "Z0," BP ",1");
	fx_cmd(fx, "Z0," BP ",1");		/* twice: still one patch */
	fx_cmd(fx, "m" BP ",1");		/* gdb sees the kernel's byte */
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_int_eq(fx->text[0x20], 0xcc);

	/* The CPU runs into it: int3 reports rip after the int3. */
	fx->frame.rip = FX_TEXT + 0x21;
	fx_raw(fx, "+", 1);
	fx_cmd(fx, "z0," BP ",1");
	fx_cmd(fx, "z0," BP ",1");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BP), 0);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "OK");
	ck_assert_str_eq(fx_reply(fx, 1), "OK");
	ck_assert_str_eq(fx_reply(fx, 2), "92");	/* 0x90 + 0x20 % 5 */
	ck_assert(strstr(fx_reply(fx, 3), "10:20000081ffffffff;"));
	ck_assert_str_eq(fx_reply(fx, 4), "OK");
	ck_assert_str_eq(fx_reply(fx, 5), "E02");
	ck_assert_uint_eq(fx->frame.rip, FX_TEXT + 0x20);	/* rewound */
	ck_assert_int_eq(fx->text[0x20], orig);
	fx_free(fx);
}
END_TEST

START_TEST(swbreak_reason_only_if_gdb_asked)
{
	struct fx *fx = fx_new(NULL);

	fx_cmd(fx, "qSupported:swbreak+");
	fx_cmd(fx, "Z0," BP ",1");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx->frame.rip = FX_TEXT + 0x21;
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BP);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, 2), "swbreak:;"));
	fx_free(fx);
}
END_TEST

static const struct row sw_errors[] = {
	{ "Z0,1000,1", "E0e" },			/* unmapped */
	{ "Z0,10000,1", "E0e" },		/* RAM: not text */
	{ "Z0," BP ",2", "E16" },		/* x86 kind is 1 */
	{ "Z0," BP, "E4a" },
	{ "Z0," BP ",1;X1,0", "E4a" },		/* no conditions offered */
	{ "Z9," BP ",1", "" },
	{ "z0,ffffffff81000030,1", "E02" },
};

START_TEST(sw_breakpoint_errors)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, sw_errors, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

START_TEST(sw_breakpoints_removed_on_detach_and_kill)
{
	const char *ends[] = { "D", "k" };
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct fx *fx = fx_new(NULL);

		fx_cmd(fx, "Z0," BP ",1");
		fx_cmd(fx, "Z0,ffffffff81000040,1");
		fx_cmd(fx, "Z2,10008,8");
		fx_cmd(fx, ends[i]);
		fx_trap(fx, KSTUB_TRAP_BREAKIN);
		ck_assert_int_eq(fx->text[0x20], 0x90 + 0x20 % 5);
		ck_assert_int_eq(fx->text[0x40], 0x90 + 0x40 % 5);
		ck_assert_uint_eq(fx->dr[7] & 0xff, 0);
		fx_free(fx);
	}
}
END_TEST

/* The port cannot take an int3 back: it stays the stub's, still hidden. */
START_TEST(sw_breakpoint_restore_fails)
{
	struct fx *fx = fx_new(NULL);
	uint8_t orig = fx->text[0x20];

	fx->text_writes_left = 2;		/* the insert, then no more */
	fx_cmd(fx, "Z0," BP ",1");
	fx_cmd(fx, "z0," BP ",1");
	fx_cmd(fx, "m" BP ",1");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert_int_eq(fx->text[0x20], 0xcc);
	/* The CPU runs into it: a breakpoint at its address, not past it. */
	fx->frame.rip = FX_TEXT + 0x21;
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BP), 0);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "OK");
	ck_assert_str_eq(fx_reply(fx, 1), "E1e");
	ck_assert_int_eq(strtol(fx_reply(fx, 2), NULL, 16), orig);
	ck_assert_uint_eq(fx->frame.rip, FX_TEXT + 0x20);
	fx->text_writes_left = 0;		/* let teardown restore it */
	fx_free(fx);
}
END_TEST

START_TEST(sw_breakpoint_table_full)
{
	struct fx *fx = fx_new(NULL);
	char cmd[64];
	unsigned i;

	for (i = 0; i < KSTUB_SWBP_MAX + 1; i++) {
		snprintf(cmd, sizeof(cmd), "Z0,%llx,1",
			 (unsigned long long)(FX_TEXT + 0x100 + i));
		fx_cmd(fx, cmd);
	}
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, KSTUB_SWBP_MAX - 1), "OK");
	ck_assert_str_eq(fx_reply(fx, KSTUB_SWBP_MAX), "E1c");
	fx_free(fx);
}
END_TEST

static const struct row hw_rows[] = {
	{ "Z1," BP ",1", "OK" },
	{ "Z2,10008,8", "OK" },
	{ "Z3,10010,4", "OK" },
	{ "Z4,10020,2", "OK" },
	{ "Z2,10030,1", "E1c" },	/* four slots only */
	{ "z4,10020,2", "OK" },
	{ "Z2,10009,8", "E16" },	/* unaligned */
	{ "Z2,10008,3", "E16" },	/* no such length */
	{ "Z2,10008,10", "E16" },	/* oversize */
	{ "Z1," BP ",2", "E16" },
	{ "Z2,800000000000,1", "E16" },	/* non-canonical */
	{ "z2,10040,8", "E02" },
	{ "Z2,10030,1", "OK" },
};

START_TEST(hw_slots_and_dr7)
{
	struct fx *fx = fx_new(NULL);

	RUN_ROWS(fx, hw_rows, KSTUB_TRAP_BREAKIN);
	/* Loaded on the way out: exec, write/8, access/4 (Z3), write/1. */
	ck_assert_uint_eq(fx->dr[0], FX_TEXT + 0x20);
	ck_assert_uint_eq(fx->dr[1], FX_RAM + 8);
	ck_assert_uint_eq(fx->dr[2], FX_RAM + 0x10);
	ck_assert_uint_eq(fx->dr[3], FX_RAM + 0x30);
	ck_assert_uint_eq(fx->dr[7], 0x1f9002aaull);
	fx_free(fx);
}
END_TEST

START_TEST(no_debug_registers_no_hw_packets)
{
	struct fx_opts o = { .no_dr = true, .no_text_write = true };
	struct fx *fx = fx_new(&o);
	static const struct row rows[] = {
		{ "qSupported", "PacketSize=7fc;qXfer:features:read+;"
				"qXfer:threads:read+;vContSupported+;binary-upload+;"
				"ConditionalBreakpoints+;BreakpointCommands+" },
		{ "Z0," BP ",1", "" },
		{ "Z2,10008,8", "" },
		{ "p46", "xx" },	/* dr7 */
	};

	RUN_ROWS(fx, rows, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

/* Insert slots, continue, then come back through #DB with dr6. */
static struct fx *hw_hit(const char *z, uint64_t dr6, const char *after)
{
	struct fx *fx = fx_new(NULL);

	fx_cmd(fx, "qSupported:swbreak+;hwbreak+");
	fx_cmd(fx, z);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	if (after)
		memcpy(fx->ram + 0x10, after, 4);
	fx->dr[6] = dr6;
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_DB);
	fx_parse(fx);
	return fx;
}

START_TEST(hw_hits_reported_with_reason)
{
	struct fx *fx;

	fx = hw_hit("Z2,10008,8", KSTUB_DR6_CLEAN | 1, NULL);
	ck_assert(strstr(fx_reply(fx, 2), "watch:10008;"));
	ck_assert_uint_eq(fx->dr[6], KSTUB_DR6_CLEAN);	/* cleared */
	fx_free(fx);

	fx = hw_hit("Z4,10008,8", KSTUB_DR6_CLEAN | 1, NULL);
	ck_assert(strstr(fx_reply(fx, 2), "awatch:10008;"));
	fx_free(fx);

	fx = hw_hit("Z1," BP ",1", KSTUB_DR6_CLEAN | 1, NULL);
	ck_assert(strstr(fx_reply(fx, 2), "hwbreak:;"));
	ck_assert(strncmp(fx_reply(fx, 2), "T05", 3) == 0);
	fx_free(fx);

	/* Z3 on an access slot: unchanged value = a read. */
	fx = hw_hit("Z3,10010,4", KSTUB_DR6_CLEAN | 1, NULL);
	ck_assert(strstr(fx_reply(fx, 2), "rwatch:10010;"));
	fx_free(fx);
}
END_TEST

START_TEST(read_watch_keeps_quiet_about_writes)
{
	struct fx *fx = hw_hit("Z3,10010,4", KSTUB_DR6_CLEAN | 1, "\1\2\3\4");

	/* The value changed: a write. No stop, the CPU just goes on. */
	ck_assert_uint_eq(fx->nreplies, 2);
	ck_assert_uint_eq(fx->in_pos, fx->in_len - 6);	/* "+$c#63" unread */
	ck_assert_uint_eq(fx->dr[7] & 3, 2);	/* re-armed */
	fx_free(fx);
}
END_TEST

/* No B bit and no step of ours (an icebp, say): the kernel's #DB. */
START_TEST(debug_trap_not_ours_passes)
{
	struct fx *fx = fx_new(NULL);

	fx->dr[6] = KSTUB_DR6_CLEAN;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_DB), KSTUB_EPASS);
	ck_assert_uint_eq(fx->out_len, 0);
	fx_free(fx);
}
END_TEST

/*
 * A hit on a slot gdb removed meanwhile (this CPU was on its way in): the
 * stub owns DR0-3, so it is ours; resume quietly. An exec hit (DRn still
 * holds rip) needs RF to get past it; a data hit must not get RF.
 */
START_TEST(stale_hw_hit_resumes_quietly)
{
	struct fx *fx = fx_new(NULL);

	fx->dr[0] = FX_TEXT + 0x10;	/* the CPU's DR0: its old exec slot */
	fx->dr[6] = KSTUB_DR6_CLEAN | 1;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_DB), 0);
	ck_assert_uint_eq(fx->out_len, 0);
	ck_assert(fx->frame.rflags & KSTUB_RFLAGS_RF);
	ck_assert_uint_eq(fx->dr[7], 0);
	fx_free(fx);

	fx = fx_new(NULL);
	fx->dr[1] = FX_RAM + 8;		/* an old write watchpoint */
	fx->dr[6] = KSTUB_DR6_CLEAN | 2;
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_DB), 0);
	ck_assert_uint_eq(fx->out_len, 0);
	ck_assert(!(fx->frame.rflags & KSTUB_RFLAGS_RF));
	fx_free(fx);
}
END_TEST

START_TEST(single_step_masks_interrupts_and_restores_if)
{
	struct fx *fx = fx_new(NULL);

	fx->text[0x10] = 0x90;	/* nop */
	fx_cmd(fx, "qSupported");
	fx_pkt(fx, "s");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert(fx->frame.rflags & KSTUB_RFLAGS_TF);
	ck_assert(!(fx->frame.rflags & KSTUB_RFLAGS_IF));
	/* The step ends with #DB, BS: stop reply, TF gone, IF back. */
	fx->frame.rip++;
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	fx_raw(fx, "+", 1);
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_DB);
	fx_parse(fx);
	ck_assert(strstr(fx_reply(fx, 1), "10:11000081ffffffff;"));
	ck_assert(!(fx->frame.rflags & KSTUB_RFLAGS_TF));
	ck_assert(fx->frame.rflags & KSTUB_RFLAGS_IF);
	fx_free(fx);
}
END_TEST

START_TEST(step_over_pushf_hides_tf)
{
	struct fx *fx = fx_new(NULL);
	uint64_t sp = FX_RAM + 0x1000;

	fx->text[0x10] = 0x9c;	/* pushf */
	fx_pkt(fx, "vCont;s:1");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	/* The CPU pushed flags with our TF set and IF clear. */
	sp -= 8;
	fx->frame.gpr[KSTUB_REG_RSP] = sp;
	fx->ram[sp - FX_RAM] = (uint8_t)(fx->frame.rflags);
	fx->ram[sp - FX_RAM + 1] = (uint8_t)(fx->frame.rflags >> 8);
	fx->frame.rip++;
	fx->dr[6] = KSTUB_DR6_CLEAN | KSTUB_DR6_BS;
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_DB);
	ck_assert_int_eq(fx->ram[sp - FX_RAM + 1] & 1, 0);	/* TF */
	ck_assert_int_eq(fx->ram[sp - FX_RAM + 1] & 2, 2);	/* IF */
	fx_free(fx);
}
END_TEST

START_TEST(resume_at_exec_breakpoint_sets_rf)
{
	struct fx *fx = fx_new(NULL);

	fx_cmd(fx, "Z1,ffffffff81000010,1");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert(fx->frame.rflags & KSTUB_RFLAGS_RF);
	fx_free(fx);

	fx = fx_new(NULL);
	fx_cmd(fx, "Z1,ffffffff81000018,1");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	ck_assert(!(fx->frame.rflags & KSTUB_RFLAGS_RF));
	fx_free(fx);
}
END_TEST

static const struct row port_threads[] = {
	{ "qfThreadInfo", "m10,11,12" },
	{ "qsThreadInfo", "l" },
	{ "qC", "QC10" },
	{ "?", "~thread:10;" },
	{ "qThreadExtraInfo,11", "7368" "3c313e" "2c20" "736c656570696e67206f6e20747479" },
	{ "qXfer:threads:read::0,1000",
	  "~<thread id=\"11\" name=\"sh&lt;1&gt;\">sleeping on tty</thread>" },
	{ "T12", "OK" },
	{ "T13", "E03" },
	{ "Hg11", "OK" },
	{ "p1", "b0b0000000000000" },	/* rbx */
	{ "p10", "40000081ffffffff" },
	{ "p0", "xx" },	/* not in a pcb */
	{ "P1=0000000000000000", "E01" },	/* a pcb is read-only */
	{ "Hg12", "OK" },
	{ "p10", "xx" },	/* nobody has its registers */
	{ "Hc11", "E01" },		/* sleeping: cannot be resumed */
	{ "Hc13", "E03" },
	{ "vCont;s:11", "E01" },
	{ "Hg10", "OK" },
	{ "p10", "10000081ffffffff" },
};

START_TEST(kernel_threads_from_port)
{
	struct fx_opts o = { .threads = true,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = fx_new(&o);

	RUN_ROWS(fx, port_threads, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

/* ---- lldb's queries: jThreadsInfo, qThreadStopInfo, qMemoryRegionInfo ---- */

/* A JSON reply with the packet layer's "}x" escapes undone, as lldb does. */
static const char *json_of(const char *reply)
{
	static uint8_t buf[8192];
	size_t n = fx_unescape(reply, strlen(reply), buf, sizeof(buf) - 1);

	buf[n] = 0;
	/* Every '}' travels escaped: the raw reply never has a bare one. */
	for (; *reply; reply++)
		if (*reply == '}')
			ck_assert_msg(reply[1] == ']', "bare '}' in %s", reply);
	return (const char *)buf;
}

static const struct row lldb_thread_rows[] = {
	{ "qThreadStopInfo10", "~^T02.*thread:10;$" },	/* the stopped thread */
	{ "qThreadStopInfo11", "T00thread:11;" },
	{ "qThreadStopInfo13", "E03" },
	{ "qThreadStopInfo", "E4a" },
	{ "qThreadStopInfo1x", "E4a" },
	{ "qThreadStopInfo:10", "E4a" },
	{ "jThreadsInfo:", "E4a" },
	{ "jThreadsInfoX", "" },			/* not a packet we know */
	{ "qMemoryRegionInfo", "OK" },
	{ "qMemoryRegionInfo:10", "start:0;size:1000;" },	/* below the RAM */
	{ "qMemoryRegionInfo:7fff12345678", "start:7fff12345000;size:1000;" },
	{ "qMemoryRegionInfo:10010",
	  "error:6d61707065643b20697473207065726d697373696f6e732061726520756e6b6e6f776e;" },
	{ "qMemoryRegionInfo:ffffffff81000123",
	  "error:6d61707065643b20697473207065726d697373696f6e732061726520756e6b6e6f776e;" },
	{ "qMemoryRegionInfo:", "E4a" },
	{ "qMemoryRegionInfo:10;", "E4a" },
	{ "qMemoryRegionInfo:zz", "E4a" },
	{ "qMemoryRegionInfo10", "" },
};

START_TEST(lldb_thread_and_region_queries)
{
	struct fx_opts o = { .threads = true,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = fx_new(&o);

	RUN_ROWS(fx, lldb_thread_rows, KSTUB_TRAP_BREAKIN);
	fx_free(fx);
}
END_TEST

/*
 * Names and tids of every thread; the stopped one with its signal and
 * the registers a stop expedites (rbp, rsp, rip by number, in decimal).
 */
START_TEST(lldb_threads_info_names_every_thread)
{
	struct fx_opts o = { .threads = true,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = fx_new(&o);

	fx_cmd(fx, "jThreadsInfo");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	check_reply(json_of(fx_reply(fx, 0)),
		    "~^\\[\\{\"tid\":16,\"name\":\"clock\",\"signal\":2,"
		    "\"registers\":\\{\"6\":\"[0-9a-f]{16}\",\"7\":\"[0-9a-f]{16}\","
		    "\"16\":\"10000081ffffffff\"\\}\\},"
		    "\\{\"tid\":17,\"name\":\"sh<1>\"\\},"
		    "\\{\"tid\":18,\"name\":\"idle\"\\}\\]$", "jThreadsInfo");
	fx_free(fx);
}
END_TEST

/* A watchpoint stop: lldb reads the address from description, in decimal. */
START_TEST(lldb_threads_info_watch_reason)
{
	struct fx *fx = fx_new(NULL);
	unsigned i;

	fx_cmd(fx, "Z2,10008,8");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx->dr[6] = KSTUB_DR6_CLEAN | 1;
	fx_raw(fx, "+", 1);
	fx_cmd(fx, "jThreadsInfo");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_DB), 0);
	fx_parse(fx);
	for (i = 0; i < fx->nreplies && fx_reply(fx, i)[0] != '['; i++)
		;
	ck_assert_uint_lt(i, fx->nreplies);
	check_reply(json_of(fx_reply(fx, i)),
		    "~^\\[\\{\"tid\":1,\"name\":\"CPU 0\",\"signal\":5,"
		    "\"reason\":\"watchpoint\",\"description\":\"65544\","
		    "\"registers\":\\{[^}]*\\}\\}\\]$", "jThreadsInfo");
	fx_free(fx);
}
END_TEST

/*
 * A kernel's name bytes become JSON that any parser takes: quotes,
 * backslashes, control and non-ASCII bytes, and the packet layer's own
 * # $ * } all as \u00XX.
 */
START_TEST(lldb_threads_info_escapes_names)
{
	static const struct fx_thread odd[] = {
		{ 0x10, "a\"b\\c#$*}\x01\xe9~", "", 0, NULL },
	};
	struct fx_opts o = { .threads = true, .thread_table = odd,
			     .nthreads = 1 };
	struct fx *fx = fx_new(&o);

	fx_cmd(fx, "jThreadsInfo");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	ck_assert_ptr_nonnull(strstr(json_of(fx_reply(fx, 0)),
		"\"name\":\"a\\u0022b\\u005cc\\u0023\\u0024\\u002a\\u007d"
		"\\u0001\\u00e9~\""));
	fx_free(fx);
}
END_TEST

/*
 * The same bound as the gdb list: past KSTUB_THREADS_LIST_MAX only the
 * thread on a CPU; after "monitor threads all", all 300, which do not fit
 * this fixture's 2 KiB reply: refused whole (E07), never cut short.
 */
START_TEST(lldb_threads_info_bounded_like_the_list)
{
	struct fx_opts o = { .threads = true, .many_threads = 300,
			     .link_flags = KSTUB_LINK_RELIABLE };
	struct fx *fx = fx_new(&o);
	char want[64];

	fx_cmd(fx, "jThreadsInfo");
	fx_cmd(fx, "qRcmd,7468726561647320616c6c");	/* threads all */
	fx_cmd(fx, "jThreadsInfo");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	fx_parse(fx);
	snprintf(want, sizeof(want), "[{\"tid\":%llu,\"name\":\"t0\",",
		 (unsigned long long)FX_TID_MANY);
	ck_assert_ptr_eq(strstr(json_of(fx_reply(fx, 0)), want),
			 json_of(fx_reply(fx, 0)));
	ck_assert_msg(strstr(json_of(fx_reply(fx, 0)) + 2, "{\"tid\"") == NULL, "%s", json_of(fx_reply(fx, 0)));
	ck_assert_str_eq(fx_reply(fx, fx->nreplies - 1), "E07");
	fx_free(fx);
}
END_TEST

/* ---- two CPUs: the second parks from the roundup IPI ---- */

START_TEST(second_cpu_parks_and_is_a_thread)
{
	struct fx_opts o = { .ncpus = 2, .roundup_ms = 600000 };
	struct fx *fx = fx_new(&o);
	struct fx_cpu c = { .fx = fx };
	pthread_t t;

	c.frame.rip = FX_TEXT + 0x300;
	c.frame.valid[0] = KSTUB_VALID_GPRS;
	pthread_create(&t, NULL, fx_cpu_park_once, &c);
	fx_cmd(fx, "qfThreadInfo");
	fx_cmd(fx, "Hg2");
	fx_cmd(fx, "p10");
	fx_cmd(fx, "P10=00040081ffffffff");
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, KSTUB_TRAP_BREAKIN), 0);
	pthread_join(t, NULL);
	fx_parse(fx);
	ck_assert_str_eq(fx_reply(fx, 0), "m1,2");
	ck_assert_str_eq(fx_reply(fx, 2), "00030081ffffffff");
	ck_assert_int_eq(c.ret, 0);
	ck_assert_uint_eq(c.frame.rip, FX_TEXT + 0x400);	/* gdb's write */
	fx_free(fx);
}
END_TEST

Suite *core_debug_suite(void);
Suite *core_debug_suite(void)
{
	Suite *s = suite_create("core_debug");
	TCase *tc = tcase_create("debug");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, sw_breakpoint_patched_hidden_restored);
	tcase_add_test(tc, swbreak_reason_only_if_gdb_asked);
	tcase_add_test(tc, sw_breakpoint_errors);
	tcase_add_test(tc, sw_breakpoints_removed_on_detach_and_kill);
	tcase_add_test(tc, sw_breakpoint_table_full);
	tcase_add_test(tc, sw_breakpoint_restore_fails);
	tcase_add_test(tc, hw_slots_and_dr7);
	tcase_add_test(tc, no_debug_registers_no_hw_packets);
	tcase_add_test(tc, hw_hits_reported_with_reason);
	tcase_add_test(tc, read_watch_keeps_quiet_about_writes);
	tcase_add_test(tc, debug_trap_not_ours_passes);
	tcase_add_test(tc, stale_hw_hit_resumes_quietly);
	tcase_add_test(tc, single_step_masks_interrupts_and_restores_if);
	tcase_add_test(tc, step_over_pushf_hides_tf);
	tcase_add_test(tc, resume_at_exec_breakpoint_sets_rf);
	tcase_add_test(tc, kernel_threads_from_port);
	tcase_add_test(tc, lldb_thread_and_region_queries);
	tcase_add_test(tc, lldb_threads_info_names_every_thread);
	tcase_add_test(tc, lldb_threads_info_watch_reason);
	tcase_add_test(tc, lldb_threads_info_escapes_names);
	tcase_add_test(tc, lldb_threads_info_bounded_like_the_list);
	tcase_add_test(tc, second_cpu_parks_and_is_a_thread);
	suite_add_tcase(s, tc);
	return s;
}
