/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA ring link (transports/fw/fw_ring.c) as a hostile host sees
 * it: the fuzzer writes the host's indices, record lengths, descriptors
 * and ring bytes, and calls the stub's side in between. The stub must
 * never read or write outside its region (ASan, and guard bytes around
 * the region checked after every step), never hand up more than cap,
 * never write its caller's buffer past what it returned, and return in
 * bounded time.
 * Input: records of an op byte (low 3 bits), then: 0: a 4-byte value
 * for the 2-byte offset in the block that follows (the host's word);
 * 1: a 2-byte cap for recv_packet; 2: a 2-byte length for send_packet;
 * 3/4: a byte count for console write/read; 5: one byte of ring data at
 * a 2-byte offset.
 */
#include <stdlib.h>
#include <string.h>

#include "kstub_errno.h"
#include "kstub_fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define PAGE 4096u
#define GUARD 64u
#define GDB_RING 2048u
#define MAXPKT 1024u
#define REGION (PAGE + 2 * GDB_RING + 512u + 256u)
#define POISON 0x5a

/* The region, page-aligned, with guard bytes on both sides. */
static uint8_t mem[PAGE + REGION + GUARD] __attribute__((aligned(4096)));
static struct kstub_fw fw;
static uint64_t clock_us;

static uint64_t virt_to_phys(void *ctx, const void *va)
{
	(void)ctx;
	return (uint64_t)((const uint8_t *)va - mem);
}

static uint64_t tick(void *ctx)
{
	(void)ctx;
	return clock_us += 500;
}

static void guards_intact(void)
{
	size_t i;

	for (i = PAGE - GUARD; i < PAGE; i++)
		if (mem[i] != POISON)
			abort();
	for (i = PAGE + REGION; i < sizeof(mem); i++)
		if (mem[i] != POISON)
			abort();
}

static unsigned take16(const uint8_t **p, const uint8_t *end)
{
	unsigned v = 0;

	if (end - *p >= 2) {
		v = (unsigned)(*p)[0] | (unsigned)(*p)[1] << 8;
		*p += 2;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static uint8_t buf[MAXPKT + 64], out[MAXPKT + 64];
	struct kstub_fw_config c = { 0 };
	const uint8_t *p = data, *end = data + len;
	unsigned steps = 0, off, n, i;
	long got;

	memset(mem, POISON, sizeof(mem));
	c.region = mem + PAGE;
	c.region_size = REGION;
	c.gdb_ring_size = GDB_RING;
	c.console_tx_size = 512;
	c.console_rx_size = 256;
	c.max_packet = MAXPKT;
	c.send_timeout_us = 2000;
	c.virt_to_phys = virt_to_phys;
	c.now_us = tick;
	if (kstub_fw_init(&fw, &c))
		abort();
	while (p < end && steps++ < 4096) {
		switch (*p++ & 7) {
		case 0:
			off = take16(&p, end) % (PAGE - 4) & ~3u;
			if (end - p >= 4) {
				memcpy(mem + PAGE + off, p, 4);
				p += 4;
			}
			break;
		case 1:
			n = take16(&p, end) % (sizeof(buf) + 1);
			memset(buf, POISON, sizeof(buf));
			got = kstub_fw_ops.recv_packet(&fw, buf, n);
			if (got != KSTUB_EAGAIN && got != KSTUB_E2BIG &&
			    (got < 0 || (size_t)got > n))
				abort();
			for (i = got > 0 ? (unsigned)got : 0; i < sizeof(buf); i++)
				if (buf[i] != POISON)
					abort();
			break;
		case 2:
			n = take16(&p, end) % (MAXPKT + 1);
			memset(out, 'x', n);
			got = kstub_fw_ops.send_packet(&fw, out, n);
			if (got != 0 && got != KSTUB_EIO)
				abort();
			break;
		case 3:
			n = p < end ? *p++ : 0;
			if (kstub_fw_console_write(&fw, (const char *)out, n) > n)
				abort();
			break;
		case 4:
			n = p < end ? *p++ : 0;
			if (kstub_fw_console_read(&fw, (char *)buf, n) > n)
				abort();
			break;
		default:
			off = take16(&p, end) % (REGION - PAGE);
			if (p < end)
				mem[2 * PAGE + off] = *p++;
		}
		guards_intact();
	}
	return 0;
}
