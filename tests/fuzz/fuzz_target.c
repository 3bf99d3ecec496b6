/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake machine behind the protocol harnesses (fuzz_target.h): the
 * link with its escapes and checks, the port's memory map, threads and
 * debug registers, and the trap loop of a whole session.
 */
#include "fuzz_target.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FT_ROUNDS 32			/* traps per session input */
#define FT_DR6_BS 0x4000ull		/* DR6: single step */
#define FT_TF 0x100ull
#define FT_CLOCK_CREEP_US 250		/* per clock read while bytes flow */
#define FT_CLOCK_LEAP_US 1500000	/* per clock read on a silent line */

/* The line. */
static const uint8_t *in;
static size_t in_len, in_pos, tail_pos, tail_len;
static const char *tail;
static int in_trap, send_fail, flush_due, datagram, link_entered;
static unsigned quiet;

/* The machine. */
static uint64_t clock_us;
static int clock_fast;
static uint8_t ram[FT_RAM_LEN], text[FT_TEXT_LEN], top[FT_TOP_LEN];
static uint64_t dr[8];
static struct kstub_frame frame;
static unsigned round_no;
static jmp_buf reboot_env;

static struct kstub ks;
/* Exactly buf_len bytes each, so ASan sees a write one past the end. */
static uint8_t rx_min[KSTUB_BUF_LEN_MIN], tx_min[KSTUB_BUF_LEN_MIN];
static uint8_t rx_big[KSTUB_BUF_LEN_DEFAULT], tx_big[KSTUB_BUF_LEN_DEFAULT];

static uint8_t text_boot[FT_TEXT_LEN], ram_boot[FT_RAM_LEN];

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

/* Where addr lives, and how many bytes from it are in that region. */
static uint8_t *region(uint64_t addr, size_t *room, int *writable)
{
	if (addr >= FT_RAM && addr - FT_RAM < FT_RAM_LEN) {
		*room = FT_RAM + FT_RAM_LEN - addr;
		*writable = 1;
		return ram + (addr - FT_RAM);
	}
	if (addr >= FT_TEXT && addr - FT_TEXT < FT_TEXT_LEN) {
		*room = FT_TEXT + FT_TEXT_LEN - addr;
		*writable = 0;
		return text + (addr - FT_TEXT);
	}
	if (addr >= FT_TOP) {
		*room = (size_t)(0 - addr);
		*writable = 1;
		return top + (addr - FT_TOP);
	}
	return NULL;
}

static long mem_access(uint64_t addr, void *buf, size_t len, int write)
{
	size_t room;
	int writable;
	uint8_t *p = region(addr, &room, &writable);

	if (!p || (write && !writable))
		return KSTUB_EFAULT;
	if (len > room)
		len = room;
	if (write)
		memcpy(p, buf, len);
	else
		memcpy(buf, p, len);
	return (long)len;
}

static long mem_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	(void)ctx;
	return mem_access(addr, dst, len, 0);
}

static long mem_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	(void)ctx;
	return mem_access(addr, (void *)src, len, 1);
}

static int text_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	(void)ctx;
	if (addr < FT_TEXT || addr - FT_TEXT >= FT_TEXT_LEN ||
	    len > FT_TEXT + FT_TEXT_LEN - addr)
		return KSTUB_EFAULT;
	memcpy(text + (addr - FT_TEXT), src, len);
	return 0;
}

static uint64_t now_us(void *ctx)
{
	(void)ctx;
	return clock_us += clock_fast ? FT_CLOCK_LEAP_US : FT_CLOCK_CREEP_US;
}

static uint64_t dr_get(void *ctx, unsigned n)
{
	(void)ctx;
	return dr[n & 7];
}

static void dr_set(void *ctx, unsigned n, uint64_t v)
{
	(void)ctx;
	dr[n & 7] = v;
}

/* Threads 1 (on CPU 0), 2 and 3 (sleeping, 3 with no saved registers). */
static int thread_next(void *ctx, uint64_t after, uint64_t *tid)
{
	(void)ctx;
	if (after >= 3)
		return KSTUB_ENOENT;
	*tid = after + 1;
	return 0;
}

static int thread_info(void *ctx, uint64_t tid, struct kstub_thread_info *o)
{
	(void)ctx;
	if (tid < 1 || tid > 3)
		return KSTUB_ESRCH;
	snprintf(o->name, sizeof(o->name), "t<%u>&\"", (unsigned)tid);
	snprintf(o->state, sizeof(o->state), tid == 1 ? "running" : "sleeping");
	o->cpu = tid == 1 ? 0 : KSTUB_CPU_NONE;
	return 0;
}

static int thread_regs(void *ctx, uint64_t tid, struct kstub_frame *out)
{
	(void)ctx;
	if (tid != 2)
		return KSTUB_ESRCH;
	out->gpr[KSTUB_REG_RSP] = FT_RAM + 0x100;
	out->rip = FT_TEXT + 0x10;
	out->valid[0] = KSTUB_VALID_CALLEE;
	return 0;
}

static int cpu_thread(void *ctx, uint32_t cpu, uint64_t *tid)
{
	(void)ctx;
	if (cpu != 0)
		return KSTUB_ESRCH;
	*tid = 1;
	return 0;
}

static uint64_t load_offset(void *ctx)
{
	(void)ctx;
	return 0x200000;
}

/* The machine restarts: unwind to ft_trap(), which reports it. */
static void reboot(void *ctx)
{
	(void)ctx;
	longjmp(reboot_env, 1);
}

static int silent(void)
{
	quiet--;
	clock_fast = 1;
	return KSTUB_EAGAIN;
}

static int recv_byte(void *ctx)
{
	uint8_t b;

	(void)ctx;
	for (;;) {
		if (quiet)
			return silent();
		if (in_pos >= in_len) {
			if (!in_trap || !tail) {
				clock_fast = 1;
				return KSTUB_EAGAIN;
			}
			clock_fast = 0;
			return (uint8_t)tail[tail_pos++ % tail_len];
		}
		clock_fast = 0;
		b = in[in_pos++];
		if (b != FT_ESC || in_pos >= in_len)
			return b;
		/* An escape: take its letter and act on it. */
		switch (in[in_pos++]) {
		case FT_ESC:
			return FT_ESC;
		case FT_ESC_QUIET:
			quiet = 2;
			break;
		case FT_ESC_SILENCE:
			quiet = 8;
			break;
		case FT_ESC_HANGUP:
			return KSTUB_ENOTCONN;
		case FT_ESC_SEND_EIO:
			send_fail = KSTUB_EIO;
			break;
		case FT_ESC_SEND_GONE:
			send_fail = KSTUB_ENOTCONN;
			break;
		default:
			in_pos--;	/* a lone FT_ESC is data */
			return b;
		}
	}
}

/*
 * Every packet on the wire: '$', no raw '#' or '$' inside, right sum.
 * A datagram link gets one packet (with at most one ack before it) or
 * one bare ack per send, and a flush after each.
 */
static int send(void *ctx, const uint8_t *buf, size_t len)
{
	char hex[3] = { 0 };
	size_t i = 0, j, acks = 0, packets = 0;
	unsigned sum;
	int err;

	(void)ctx;
	if (flush_due || len == 0)
		abort();
	while (i < len) {
		if (buf[i] == '+' || buf[i] == '-') {
			acks++;
			i++;
			continue;
		}
		if (buf[i] != '$')
			abort();
		for (j = i + 1, sum = 0; j < len && buf[j] != '#'; j++) {
			if (buf[j] == '$')
				abort();
			sum += buf[j];
		}
		if (j + 2 >= len)
			abort();
		hex[0] = (char)buf[j + 1];
		hex[1] = (char)buf[j + 2];
		if (strtoul(hex, NULL, 16) != (sum & 0xff))
			abort();
		packets++;
		i = j + 3;
	}
	if (datagram && !(len == 1 && acks == 1) &&
	    !(packets == 1 && acks == (buf[0] != '$')))
		abort();
	err = send_fail;
	send_fail = 0;
	if (err)
		return err;
	flush_due = datagram;
	return 0;
}

static int flush(void *ctx)
{
	(void)ctx;
	flush_due = 0;
	return 0;
}

/* enter and leave come in pairs, once per debugger entry. */
static void link_enter(void *ctx)
{
	(void)ctx;
	if (link_entered || !in_trap)
		abort();
	link_entered = 1;
}

static void link_leave(void *ctx)
{
	(void)ctx;
	if (!link_entered)
		abort();
	link_entered = 0;
}

static int monitor_echo(struct kstub *k, void *ctx, const char *args,
			size_t len)
{
	(void)ctx;
	return kstub_monitor_write(k, args, len);
}

static const struct kstub_monitor_cmd monitor[] = {
	{ "echo", "say it back", monitor_echo },
};

#define LINK(f) { .name = "fuzz", .flags = (f), .recv_byte = recv_byte, \
		  .send = send, .flush = flush, .enter = link_enter, \
		  .leave = link_leave }
static const struct kstub_transport_ops link_ops[4] = {
	LINK(0), LINK(KSTUB_LINK_RELIABLE), LINK(KSTUB_LINK_DATAGRAM),
	LINK(KSTUB_LINK_RELIABLE | KSTUB_LINK_DATAGRAM),
};

static const struct kstub_port_ops port_full = {
	.mem_read = mem_read, .mem_write = mem_write, .text_write = text_write,
	.thread_next = thread_next, .thread_info = thread_info,
	.thread_regs = thread_regs, .cpu_thread = cpu_thread,
	.load_offset = load_offset, .now_us = now_us, .reboot = reboot,
	.dr_get = dr_get, .dr_set = dr_set,
};

static const struct kstub_port_ops port_bare = {
	.mem_read = mem_read, .mem_write = mem_write, .now_us = now_us,
};

void ft_reset(uint8_t c)
{
	int big = (c & FT_CFG_BIGBUF) != 0;
	struct kstub_config cfg = {
		.link = &link_ops[(c & (FT_CFG_RELIABLE | FT_CFG_DATAGRAM)) >> 2],
		.port = c & FT_CFG_BARE ? &port_bare : &port_full,
		.rx_buf = big ? rx_big : rx_min,
		.tx_buf = big ? tx_big : tx_min,
		.buf_len = big ? sizeof(rx_big) : sizeof(rx_min),
		.idle_timeout_ms = c & FT_CFG_IDLE ? 5000 : 0,
		.flags = c & FT_CFG_RESUME ? KSTUB_CFG_RESUME_ON_HANGUP : 0,
		.monitor = c & FT_CFG_BARE ? NULL : monitor,
		.monitor_count = c & FT_CFG_BARE ? 0 : 1,
	};
	size_t i;

	datagram = (c & FT_CFG_DATAGRAM) != 0;
	ft_feed(NULL, 0, NULL);
	send_fail = flush_due = link_entered = 0;
	clock_us = 0;
	clock_fast = 0;
	round_no = 0;
	memset(dr, 0, sizeof(dr));
	if (text_boot[0] != 0xcc) {
		for (i = 0; i < sizeof(text); i++)
			text_boot[i] = text_orig(i);
		for (i = 0; i < sizeof(ram); i++)
			ram_boot[i] = (uint8_t)(i * 7);
	}
	memcpy(text, text_boot, sizeof(text));
	memcpy(ram, ram_boot, sizeof(ram));
	memset(top, 0x5a, sizeof(top));
	memset(&frame, 0, sizeof(frame));
	frame.rip = FT_TEXT + 1;
	frame.gpr[KSTUB_REG_RSP] = FT_RAM + 0x800;
	frame.rflags = 0x246;
	frame.valid[0] = KSTUB_VALID_GPRS | KSTUB_VALID_SEGS | KSTUB_VALID_FPU;
	if (kstub_init(&ks, &cfg))
		abort();
}

void ft_feed(const uint8_t *data, size_t len, const char *t)
{
	in = data;
	in_len = len;
	in_pos = 0;
	quiet = 0;
	tail = t;
	tail_pos = 0;
	tail_len = t ? strlen(t) : 0;
}

size_t ft_unread(void)
{
	return in_len - in_pos;
}

struct kstub *ft_stub(void)
{
	return &ks;
}

struct kstub_frame *ft_frame(void)
{
	return &frame;
}

void ft_sleep_us(uint64_t us)
{
	clock_us += us;
}

/* Nothing of the debugger may stay in text only text_write can change. */
static void check_text(void)
{
	if (memcmp(text, text_boot, sizeof(text)) != 0)
		abort();
}

int ft_trap(uint32_t vector)
{
	struct kstub_trap why = { .vector = vector };
	int r;

	if (setjmp(reboot_env)) {
		in_trap = link_entered = 0;
		check_text();
		return FT_REBOOTED;
	}
	in_trap = 1;
	r = kstub_trap(&ks, 0, &frame, &why);
	in_trap = 0;
	if ((r != 0 && r != KSTUB_EPASS) || link_entered)
		abort();
	return r;
}

/* A write to a watched word, for a watchpoint that only reads trap on. */
static void poke(uint64_t addr)
{
	uint8_t b;

	if (mem_access(addr, &b, 1, 0) == 1) {
		b ^= 0xff;
		mem_access(addr, &b, 1, 1);
	}
}

uint32_t ft_next_vector(void)
{
	uint64_t dr7 = dr[7];
	unsigned i, n;

	round_no++;
	if (frame.rflags & FT_TF) {
		dr[6] |= FT_DR6_BS;
		frame.rip++;
		return KSTUB_TRAP_DB;
	}
	for (i = 0; i < 4; i++) {
		n = (i + round_no) % 4;
		if (!(dr7 & (3ull << (2 * n))))
			continue;
		dr[6] |= 1ull << n;
		if (((dr7 >> (16 + 4 * n)) & 3) == 0)
			frame.rip = dr[n];	/* exec: a fault before it runs */
		else if (round_no & 1)
			poke(dr[n]);
		return KSTUB_TRAP_DB;
	}
	for (i = 0; i < FT_TEXT_LEN; i++) {
		n = (unsigned)((i + round_no * 97u) % FT_TEXT_LEN);
		if (text[n] == 0xcc && text_boot[n] != 0xcc) {
			frame.rip = FT_TEXT + n + 1;
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
	if (dr[7] & 0xff)
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
		dr[6] = FT_DR6_BS;	/* a step gdb did not ask for */
	for (n = 0; n < FT_ROUNDS; n++) {
		if (ft_trap(v) == FT_REBOOTED)
			return;
		if (!ft_unread())
			break;
		v = ft_next_vector();
	}
	ft_finish();
}
