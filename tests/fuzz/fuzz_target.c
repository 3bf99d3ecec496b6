/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The protocol harnesses' machine (fuzz_target.h) on the shared fake
 * (tests/fakes/fake_machine.h): the configuration byte, the kernel's own
 * text, a reboot that unwinds, and the trap loop of a whole session.
 */
#include "fuzz_target.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#define FT_ROUNDS 32			/* traps per session input */
#define FT_DR6_BS 0x4000ull		/* DR6: single step */
#define FT_TF 0x100ull
#define FT_CLOCK_CREEP_US 250		/* per clock read while bytes flow */
#define FT_CLOCK_LEAP_US 1500000	/* per clock read on a silent line */

static struct fx *m;
static unsigned round_no;
static jmp_buf reboot_env;
static uint8_t text_boot[FT_TEXT_LEN];

/* A failed check is a crash libFuzzer keeps. */
void fx_fail(const char *why)
{
	(void)why;
	abort();
}

static const struct fx_layout layout = {
	.ram = FT_RAM, .ram_len = FT_RAM_LEN,
	.text = FT_TEXT, .text_len = FT_TEXT_LEN,
	.text_locked = FT_TEXT + FT_TEXT_LEN, .load_offset = 0x200000,
};

/* Thread 1 on CPU 0, 2 and 3 asleep (3 with no saved registers). */
static const struct kstub_frame pcb_2 = {
	.gpr[KSTUB_REG_RSP] = FT_RAM + 0x100,
	.rip = FT_TEXT + 0x10,
	.valid[0] = KSTUB_VALID_CALLEE,
};

/* Names with characters qXfer's XML must escape. */
static const struct fx_thread threads[] = {
	{ 1, "t<1>&\"", "running", 0, NULL },
	{ 2, "t<2>&\"", "sleeping", KSTUB_CPU_NONE, &pcb_2 },
	{ 3, "t<3>&\"", "sleeping", KSTUB_CPU_NONE, NULL },
};

/* nop-like bytes, with a pushf and a popf in every 16 for the stepper. */
static uint8_t text_orig(size_t i)
{
	if (i == 0)
		return 0xcc;
	if (i % 16 == 12)
		return 0x9c;
	if (i % 16 == 13)
		return 0x9d;
	return (uint8_t)(0x90 + i % 7);
}

/* The machine restarts: unwind to ft_trap(), which reports it. */
static void reboot(void *ctx)
{
	(void)ctx;
	longjmp(reboot_env, 1);
}

void ft_reset(uint8_t c)
{
	struct fx_opts o = {
		.link_flags = c & FT_CFG_RELIABLE ? KSTUB_LINK_RELIABLE : 0,
		.packet_link = (c & FT_CFG_PACKET) != 0,
		.max_packet = c & FT_CFG_PACKET ? FT_MAX_PACKET : 0,
		.buf_len = c & FT_CFG_BIGBUF ? KSTUB_BUF_LEN_DEFAULT
					     : KSTUB_BUF_LEN_MIN,
		.idle_timeout_ms = c & FT_CFG_IDLE ? 5000 : 0,
		.cfg_flags = c & FT_CFG_RESUME ? KSTUB_CFG_RESUME_ON_HANGUP : 0,
		.bare = (c & FT_CFG_BARE) != 0,
		.threads = true,
		.escapes = true,
		.no_capture = true,
		.clock_step_us = FT_CLOCK_CREEP_US,
		.silent_step_us = FT_CLOCK_LEAP_US,
		.layout = &layout,
		.thread_table = threads,
		.nthreads = 3,
	};
	size_t i;

	/* A reliable packet link stands for the authenticated kind. */
	if ((c & FT_CFG_PACKET) && (c & FT_CFG_RELIABLE))
		o.link_flags |= KSTUB_LINK_AUTHENTICATED;

	m = m ? fx_renew(m, &o) : fx_new(&o);
	if (!o.bare)
		m->port_ops.reboot = reboot;
	round_no = 0;
	if (text_boot[0] != 0xcc) {	/* once: the loop is instrumented */
		for (i = 0; i < sizeof(text_boot); i++)
			text_boot[i] = text_orig(i);
	}
	memcpy(m->text, text_boot, sizeof(text_boot));
	memset(m->top, 0x5a, sizeof(m->top));
	memset(&m->frame, 0, sizeof(m->frame));
	m->frame.rip = FT_TEXT + 1;
	m->frame.gpr[KSTUB_REG_RSP] = FT_RAM + 0x800;
	m->frame.rflags = 0x246;
	m->frame.valid[0] = KSTUB_VALID_GPRS | KSTUB_VALID_SEGS |
			    KSTUB_VALID_FPU;
	fx_feed(m, NULL, 0, NULL);
}

void ft_feed(const uint8_t *data, size_t len, const char *tail)
{
	fx_feed(m, data, len, tail);
}

size_t ft_unread(void)
{
	return m->in_len - m->in_pos;
}

struct kstub *ft_stub(void)
{
	return &m->ks;
}

struct kstub_frame *ft_frame(void)
{
	return &m->frame;
}

void ft_sleep_us(uint64_t us)
{
	m->clock_us += us;
}

/* Nothing of the debugger may stay in text only text_write can change. */
static void check_text(void)
{
	if (memcmp(m->text, text_boot, sizeof(text_boot)) != 0)
		abort();
}

int ft_trap(uint32_t vector)
{
	int r;

	if (setjmp(reboot_env)) {
		m->in_trap = m->link_entered = false;
		check_text();
		return FT_REBOOTED;
	}
	r = fx_trap(m, vector);
	if (r != 0 && r != KSTUB_EPASS)
		abort();
	return r;
}

/* A write to a watched word, for a watchpoint that only reads trap on. */
static void poke(uint64_t addr)
{
	uint8_t b;

	if (fx_mem_access(m, addr, &b, 1, false) == 1) {
		b ^= 0xff;
		fx_mem_access(m, addr, &b, 1, true);
	}
}

uint32_t ft_next_vector(void)
{
	uint64_t dr7 = m->dr[7];
	unsigned i, n;

	round_no++;
	if (m->frame.rflags & FT_TF) {
		m->dr[6] |= FT_DR6_BS;
		m->frame.rip++;
		return KSTUB_TRAP_DB;
	}
	for (i = 0; i < 4; i++) {
		n = (i + round_no) % 4;
		if (!(dr7 & (3ull << (2 * n))))
			continue;
		m->dr[6] |= 1ull << n;
		/* exec: a fault before it runs */
		if (((dr7 >> (16 + 4 * n)) & 3) == 0)
			m->frame.rip = m->dr[n];
		else if (round_no & 1)
			poke(m->dr[n]);
		return KSTUB_TRAP_DB;
	}
	for (i = 0; i < FT_TEXT_LEN; i++) {
		n = (unsigned)((i + round_no * 97u) % FT_TEXT_LEN);
		if (m->text[n] == 0xcc && text_boot[n] != 0xcc) {
			m->frame.rip = FT_TEXT + n + 1;
			return KSTUB_TRAP_BP;
		}
	}
	return KSTUB_TRAP_BREAKIN;
}

void ft_finish(void)
{
	ft_feed(NULL, 0, "$D#44");
	if (ft_trap(KSTUB_TRAP_BREAKIN) == FT_REBOOTED)
		return;
	check_text();
	/* Detach cleared every debug register slot (L0-3, G0-3). */
	if (m->dr[7] & 0xff)
		abort();
}

void fuzz_session(const uint8_t *data, size_t len)
{
	static const uint32_t vectors[] = { KSTUB_TRAP_BREAKIN, KSTUB_TRAP_BP,
					    KSTUB_TRAP_DB, KSTUB_TRAP_PF };
	uint32_t v;
	unsigned n;

	if (len == 0)
		return;
	ft_reset(data[0]);
	ft_feed(data + 1, len - 1, "$D#44");
	v = vectors[data[0] & FT_CFG_VECTOR];
	if (v == KSTUB_TRAP_DB)
		m->dr[6] = FT_DR6_BS;	/* a step gdb did not ask for */
	for (n = 0; n < FT_ROUNDS; n++) {
		if (ft_trap(v) == FT_REBOOTED)
			return;
		if (!ft_unread())
			break;
		v = ft_next_vector();
	}
	ft_finish();
}
