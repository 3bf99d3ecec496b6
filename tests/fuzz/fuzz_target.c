/* SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstub.h"

static const uint8_t *in;
static size_t in_len, in_pos, tail_pos;
static uint64_t clock_us;
static uint8_t ram[FT_RAM_LEN], text[FT_TEXT_LEN], top[0x1000];
static uint64_t dr[8];
static struct kstub ks;
static uint8_t rx_buf[KSTUB_BUF_LEN_MIN], tx_buf[KSTUB_BUF_LEN_MIN];

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
	return clock_us += 250;
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

static int recv_byte(void *ctx)
{
	static const char tail[] = "$D#44";

	(void)ctx;
	if (in_pos < in_len)
		return in[in_pos++];
	return (uint8_t)tail[tail_pos++ % (sizeof(tail) - 1)];
}

/* Every packet on the wire: '$', no raw '#' or '$' inside, right sum. */
static int send(void *ctx, const uint8_t *buf, size_t len)
{
	char hex[3] = { 0 };
	size_t i = 0, j;
	unsigned sum;

	(void)ctx;
	while (i < len) {
		if (buf[i] == '+' || buf[i] == '-') {
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
		i = j + 3;
	}
	return 0;
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

static const struct kstub_transport_ops link_ops = {
	.name = "fuzz", .recv_byte = recv_byte, .send = send,
};

static const struct kstub_port_ops port_ops = {
	.mem_read = mem_read, .mem_write = mem_write, .text_write = text_write,
	.thread_next = thread_next, .thread_info = thread_info,
	.thread_regs = thread_regs, .cpu_thread = cpu_thread,
	.load_offset = load_offset, .now_us = now_us,
	.dr_get = dr_get, .dr_set = dr_set,
};

void fuzz_session(const uint8_t *data, size_t len, uint32_t vector)
{
	struct kstub_config cfg = {
		.link = &link_ops, .port = &port_ops,
		.rx_buf = rx_buf, .tx_buf = tx_buf, .buf_len = sizeof(rx_buf),
		.ack_timeout_ms = 1, .ack_retries = 2,
		.monitor = monitor, .monitor_count = 1,
	};
	struct kstub_frame f;
	struct kstub_trap why = { .vector = vector };
	size_t i;

	in = data;
	in_len = len;
	in_pos = tail_pos = 0;
	memset(dr, 0, sizeof(dr));
	for (i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)(0x90 + i % 7);
	memset(&f, 0, sizeof(f));
	f.rip = FT_TEXT + 1;
	f.gpr[KSTUB_REG_RSP] = FT_RAM + 0x800;
	f.rflags = 0x246;
	f.valid[0] = KSTUB_VALID_GPRS | KSTUB_VALID_SEGS | KSTUB_VALID_FPU;
	if (kstub_init(&ks, &cfg))
		abort();
	kstub_trap(&ks, 0, &f, &why);
	/*
	 * Break in again and detach: nothing of the debugger may stay in the
	 * kernel's text (which only text_write can change).
	 */
	in_len = 0;
	why.vector = KSTUB_TRAP_BREAKIN;
	kstub_trap(&ks, 0, &f, &why);
	for (i = 0; i < sizeof(text); i++)
		if (text[i] != (uint8_t)(0x90 + i % 7))
			abort();
}
