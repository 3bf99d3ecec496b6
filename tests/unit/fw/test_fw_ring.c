/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA ring transport (transports/fw/): packets both ways through
 * the rings and around their ends, the console ring with no host
 * reading, the host's scan for the block, and a hostile host that
 * writes random indices and record lengths: the stub never reads or
 * writes outside its rings, never hands the stub core more than it has
 * room for, and hears the host again once it behaves.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fw_host.h"
#include "kstub_errno.h"
#include "kstub_fw.h"

#define PAGE 4096u
#define GDB_RING 4096u
#define MAXPKT 2048u
#define REGION (PAGE + 2 * GDB_RING + 2048u + 1024u)
#define REGION_PAGES ((REGION + PAGE - 1) / PAGE)
#define GUARD PAGE
#define PHYS_BASE (3 * PAGE)	/* the region's physical address */
#define CANARY 0xa5

/*
 * Physical memory as the host maps it: three pages of other memory,
 * the region, a guard page. The stub's region is a page-aligned piece
 * of it.
 */
struct world {
	uint8_t *mem;
	size_t mem_size;
	struct kstub_fw fw;
	struct fw_host host;
	uint64_t clock_us;
};

static struct world *cur;

static uint64_t virt_to_phys(void *ctx, const void *va)
{
	struct world *w = ctx;

	return (uint64_t)((const uint8_t *)va - w->mem);
}

/* A clock that moves a millisecond each look: waits end quickly. */
static uint64_t fake_now(void *ctx)
{
	struct world *w = ctx;

	return w->clock_us += 1000;
}

static uint64_t fake_root(void *ctx)
{
	(void)ctx;
	return 0x1234000;
}

static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct kstub_fw_config c = { 0 };
	char err[128];

	ck_assert_ptr_nonnull(w);
	w->mem_size = PHYS_BASE + REGION_PAGES * PAGE + GUARD;
	w->mem = aligned_alloc(PAGE, w->mem_size);
	ck_assert_ptr_nonnull(w->mem);
	memset(w->mem, CANARY, w->mem_size);
	c.region = w->mem + PHYS_BASE;
	c.region_size = REGION;
	c.gdb_ring_size = GDB_RING;
	c.console_tx_size = 2048;
	c.console_rx_size = 1024;
	c.max_packet = MAXPKT;
	c.ctx = w;
	c.virt_to_phys = virt_to_phys;
	c.page_table_root = fake_root;
	c.now_us = fake_now;
	c.send_timeout_us = 20000;	/* 20 looks at the fake clock */
	ck_assert_int_eq(kstub_fw_init(&w->fw, &c), 0);
	ck_assert_int_eq(fw_host_attach(&w->host, w->mem, w->mem_size,
					PHYS_BASE, err, sizeof(err)), 0);
	cur = w;
	return w;
}

static void world_free(struct world *w)
{
	free(w->mem);
	free(w);
}

/* Nothing outside the region changed (the canary pattern is intact). */
static size_t first_changed(const uint8_t *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != CANARY)
			return i;
	return to;
}

static void assert_outside_untouched(const struct world *w)
{
	ck_assert_uint_eq(first_changed(w->mem, 0, PHYS_BASE), PHYS_BASE);
	ck_assert_uint_eq(first_changed(w->mem, PHYS_BASE + REGION, w->mem_size),
			  w->mem_size);
}

START_TEST(packets_both_ways_and_around_the_end)
{
	struct world *w = world_new();
	uint8_t out[MAXPKT], in[MAXPKT + 16];
	unsigned round;
	long n;

	for (round = 0; round < 200; round++) {
		uint32_t len = (round * 37) % MAXPKT;

		memset(out, (int)round, len);
		ck_assert_int_eq(fw_host_put(&w->host, KSTUB_FW_GDB_RX, out, len), 0);
		n = kstub_fw_ops.recv_packet(&w->fw, in, sizeof(in));
		ck_assert_int_eq(n, len);
		ck_assert_mem_eq(in, out, len);
		ck_assert_int_eq(kstub_fw_ops.recv_packet(&w->fw, in, sizeof(in)),
				 KSTUB_EAGAIN);
		ck_assert_int_eq(kstub_fw_ops.send_packet(&w->fw, out, len), 0);
		ck_assert_int_eq(fw_host_get(&w->host, KSTUB_FW_GDB_TX, in,
					     sizeof(in)), len);
		ck_assert_mem_eq(in, out, len);
	}
	/* A whole max_packet fits, as kstub_fw_init promised. */
	memset(out, 'x', MAXPKT);
	ck_assert_int_eq(kstub_fw_ops.send_packet(&w->fw, out, MAXPKT), 0);
	ck_assert_int_eq(fw_host_get(&w->host, KSTUB_FW_GDB_TX, in, sizeof(in)),
			 MAXPKT);
	assert_outside_untouched(w);
	world_free(w);
}
END_TEST

START_TEST(a_packet_larger_than_the_stubs_buffer_is_e2big)
{
	struct world *w = world_new();
	uint8_t out[1000] = { 0 }, in[100];

	ck_assert_int_eq(fw_host_put(&w->host, KSTUB_FW_GDB_RX, out, 1000), 0);
	ck_assert_int_eq(fw_host_put(&w->host, KSTUB_FW_GDB_RX, "g", 1), 0);
	ck_assert_int_eq(kstub_fw_ops.recv_packet(&w->fw, in, sizeof(in)),
			 KSTUB_E2BIG);
	/* Consumed whole: the next packet is intact. */
	ck_assert_int_eq(kstub_fw_ops.recv_packet(&w->fw, in, sizeof(in)), 1);
	ck_assert_uint_eq(in[0], 'g');
	world_free(w);
}
END_TEST

START_TEST(a_full_ring_is_never_overwritten)
{
	struct world *w = world_new();
	uint8_t pkt[MAXPKT], in[MAXPKT];
	unsigned sent = 0;

	memset(pkt, 'p', sizeof(pkt));
	/* Nobody reads: the stub fills the ring, then gives up in bounded time. */
	while (kstub_fw_ops.send_packet(&w->fw, pkt, 1000) == 0)
		sent++;
	ck_assert_uint_eq(sent, GDB_RING / 1004);
	ck_assert_int_eq(kstub_fw_ops.send_packet(&w->fw, pkt, 1000), KSTUB_EIO);
	while (sent--)
		ck_assert_int_eq(fw_host_get(&w->host, KSTUB_FW_GDB_TX, in,
					     sizeof(in)), 1000);
	ck_assert_int_eq(fw_host_get(&w->host, KSTUB_FW_GDB_TX, in, sizeof(in)), -1);
	world_free(w);
}
END_TEST

START_TEST(console_output_without_a_host_is_dropped_and_counted)
{
	struct world *w = world_new();
	char text[3000], got[3000];
	size_t i, n;

	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	n = kstub_fw_console_write(&w->fw, text, sizeof(text));
	ck_assert_uint_eq(n, 2048);
	ck_assert_uint_eq(fw_host_get32(&w->host, KSTUB_FW_OFF_CONSOLE_LOST),
			  sizeof(text) - 2048);
	ck_assert_uint_eq(fw_host_read_bytes(&w->host, KSTUB_FW_CONS_TX, got,
					     sizeof(got)), 2048);
	ck_assert_mem_eq(got, text, 2048);
	/* Room again: the rest goes through, wrapping the ring. */
	ck_assert_uint_eq(kstub_fw_console_write(&w->fw, text + 2048, 952), 952);
	ck_assert_uint_eq(fw_host_read_bytes(&w->host, KSTUB_FW_CONS_TX, got,
					     sizeof(got)), 952);
	ck_assert_mem_eq(got, text + 2048, 952);
	ck_assert_uint_eq(fw_host_write_bytes(&w->host, KSTUB_FW_CONS_RX, "ps\n", 3), 3);
	ck_assert_uint_eq(kstub_fw_console_read(&w->fw, got, sizeof(got)), 3);
	ck_assert_mem_eq(got, "ps\n", 3);
	world_free(w);
}
END_TEST

START_TEST(the_host_finds_the_block_by_its_own_address)
{
	struct world *w = world_new();
	uint64_t phys = 0, magic = KSTUB_FW_MAGIC;
	uint32_t version = 0;

	/* The magic in "kernel image" pages, without the right self-address. */
	memcpy(w->mem, &magic, 8);
	memcpy(w->mem + PAGE, &magic, 8);
	memset(w->mem + PAGE + KSTUB_FW_OFF_SELF_PHYS, 0, 8);
	ck_assert_int_eq(fw_host_find(w->mem, w->mem_size, &phys, &version),
			 FW_HOST_FOUND);
	ck_assert_uint_eq(phys, PHYS_BASE);
	ck_assert_uint_eq(fw_host_get64(&w->host, KSTUB_FW_OFF_PT_ROOT), 0x1234000);
	ck_assert(fw_host_alive(&w->host));
	w->mem[PHYS_BASE + KSTUB_FW_OFF_VERSION] = 9;
	ck_assert_int_eq(fw_host_find(w->mem, w->mem_size, &phys, &version),
			 FW_HOST_VERSION);
	ck_assert_uint_eq(version, 9);
	memset(w->mem + PHYS_BASE, 0, 8);
	ck_assert(!fw_host_alive(&w->host));
	ck_assert_int_eq(fw_host_find(w->mem, w->mem_size, &phys, &version),
			 FW_HOST_NONE);
	world_free(w);
}
END_TEST

/* A second init over the block (a warm reboot) is a new generation. */
START_TEST(a_new_init_is_a_new_generation_the_host_notices)
{
	struct world *w = world_new();
	struct kstub_fw again;
	char err[128];

	ck_assert_uint_eq(fw_host_get32(&w->host, KSTUB_FW_OFF_GENERATION), 1);
	ck_assert_int_eq(kstub_fw_init(&again, &w->fw.cfg), 0);
	ck_assert(!fw_host_alive(&w->host));
	ck_assert_int_eq(fw_host_attach(&w->host, w->mem, w->mem_size, PHYS_BASE,
					err, sizeof(err)), 0);
	ck_assert_uint_eq(fw_host_get32(&w->host, KSTUB_FW_OFF_GENERATION), 2);
	ck_assert(fw_host_alive(&w->host));
	world_free(w);
}
END_TEST

START_TEST(init_refuses_what_cannot_work)
{
	struct world *w = world_new();
	struct kstub_fw fw;
	struct kstub_fw_config c = w->fw.cfg;

	c.gdb_ring_size = 3000;		/* not a power of two */
	ck_assert_int_eq(kstub_fw_init(&fw, &c), KSTUB_EINVAL);
	c = w->fw.cfg;
	c.max_packet = GDB_RING;	/* a packet would not fit */
	ck_assert_int_eq(kstub_fw_init(&fw, &c), KSTUB_EINVAL);
	c = w->fw.cfg;
	c.region_size = REGION - 1;
	ck_assert_int_eq(kstub_fw_init(&fw, &c), KSTUB_EINVAL);
	c = w->fw.cfg;
	c.region = w->mem + PHYS_BASE + 8;	/* not page-aligned */
	ck_assert_int_eq(kstub_fw_init(&fw, &c), KSTUB_EINVAL);
	world_free(w);
}
END_TEST

static uint32_t rnd32(void)
{
	return (uint32_t)random() << 16 ^ (uint32_t)random();
}

static void put32(struct world *w, uint32_t off, uint32_t v)
{
	memcpy(w->mem + PHYS_BASE + off, &v, 4);
}

static uint32_t desc(unsigned ring, uint32_t field)
{
	return KSTUB_FW_OFF_RINGS + ring * KSTUB_FW_RING_DESC + field;
}

/*
 * The host scribbles: producer index of the ring to the target, the
 * consumer index of the ring from it, record lengths where the stub
 * will look, the descriptors' places and sizes, and ring data. The stub
 * must stay inside its rings and its buffer, and report no packet
 * longer than the buffer it was given.
 */
START_TEST(a_hostile_host_cannot_move_the_stub_outside_its_rings)
{
	struct world *w = world_new();
	uint8_t buf[MAXPKT + 64], pkt[64];
	unsigned i, j;
	long n;

	srandom(16);
	for (i = 0; i < 20000; i++) {
		size_t cap = 1 + rnd32() % MAXPKT;
		uint32_t own_rx = w->fw.ring[KSTUB_FW_GDB_RX].own;

		switch (rnd32() % 6) {
		case 0:
			put32(w, desc(KSTUB_FW_GDB_RX, KSTUB_FW_RING_OFF_PROD), rnd32());
			break;
		case 1:	/* a plausible index with a wild length under it */
			put32(w, desc(KSTUB_FW_GDB_RX, KSTUB_FW_RING_OFF_PROD),
			      own_rx + rnd32() % (2 * GDB_RING));
			put32(w, PAGE + GDB_RING + (own_rx & (GDB_RING - 1)),
			      rnd32() % 3 ? rnd32() : rnd32() % (GDB_RING + 16));
			break;
		case 2:
			put32(w, desc(KSTUB_FW_GDB_TX, KSTUB_FW_RING_OFF_CONS), rnd32());
			break;
		case 3:
			put32(w, desc(rnd32() % 4, rnd32() % 2 * 4), rnd32());
			break;
		case 4:
			put32(w, desc(KSTUB_FW_CONS_RX, KSTUB_FW_RING_OFF_PROD), rnd32());
			break;
		default:
			for (j = 0; j < 16; j++)
				w->mem[PHYS_BASE + PAGE + rnd32() % (REGION - PAGE)] =
					(uint8_t)rnd32();
		}
		memset(buf, CANARY, sizeof(buf));
		n = kstub_fw_ops.recv_packet(&w->fw, buf, cap);
		ck_assert(n == KSTUB_EAGAIN || n == KSTUB_E2BIG ||
			  (n >= 0 && (size_t)n <= cap));
		j = n > 0 ? (unsigned)n : 0;
		ck_assert_uint_eq(first_changed(buf, j, sizeof(buf)), sizeof(buf));
		n = kstub_fw_ops.send_packet(&w->fw, pkt, rnd32() % sizeof(pkt));
		ck_assert(n == 0 || n == KSTUB_EIO);
		kstub_fw_console_write(&w->fw, "hello\n", 6);
		kstub_fw_console_read(&w->fw, (char *)buf, rnd32() % 64);
		assert_outside_untouched(w);
	}
	assert_outside_untouched(w);
	ck_assert_uint_gt(fw_host_get32(&w->host, KSTUB_FW_OFF_BAD_RECORDS), 0);
	/*
	 * The host behaves again: it takes the stub's indices as they are
	 * now (the descriptors it scribbled on mean nothing to the stub)
	 * and its next packet gets through.
	 */
	put32(w, desc(KSTUB_FW_GDB_RX, KSTUB_FW_RING_OFF_PROD),
	      w->fw.ring[KSTUB_FW_GDB_RX].own);
	put32(w, desc(KSTUB_FW_GDB_RX, KSTUB_FW_RING_OFF_DATA), PAGE + GDB_RING);
	put32(w, desc(KSTUB_FW_GDB_RX, KSTUB_FW_RING_OFF_SIZE), GDB_RING);
	ck_assert_int_eq(fw_host_put(&w->host, KSTUB_FW_GDB_RX, "qC", 2), 0);
	ck_assert_int_eq(kstub_fw_ops.recv_packet(&w->fw, buf, sizeof(buf)), 2);
	ck_assert_mem_eq(buf, "qC", 2);
	world_free(w);
}
END_TEST

Suite *fw_ring_suite(void);
Suite *fw_ring_suite(void)
{
	Suite *s = suite_create("fw_ring");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, packets_both_ways_and_around_the_end);
	tcase_add_test(tc, a_packet_larger_than_the_stubs_buffer_is_e2big);
	tcase_add_test(tc, a_full_ring_is_never_overwritten);
	tcase_add_test(tc, console_output_without_a_host_is_dropped_and_counted);
	tcase_add_test(tc, the_host_finds_the_block_by_its_own_address);
	tcase_add_test(tc, a_new_init_is_a_new_generation_the_host_notices);
	tcase_add_test(tc, init_refuses_what_cannot_work);
	tcase_add_test(tc, a_hostile_host_cannot_move_the_stub_outside_its_rings);
	suite_add_tcase(s, tc);
	return s;
}
