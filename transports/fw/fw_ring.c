/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA ring link (kstub_fw.h). Each index is written by one side
 * only; data is written before the index that publishes it (release)
 * and read after the index that announced it (acquire). The host's
 * indices and record lengths are read once each and checked; every
 * data access is masked by the ring size, so no value the host writes
 * can move a stub access outside the ring it belongs to.
 */
#include "kstub_fw.h"
#include "kstub_errno.h"

#define FW_PAGE 4096u
#define FW_CONSOLE_TX_DEFAULT 16384u
#define FW_CONSOLE_RX_DEFAULT 1024u
#define FW_SEND_TIMEOUT_US_DEFAULT 1000000u
/* send_packet's wait without a clock: about a second of pause loops. */
#define FW_SEND_SPINS 50000000u

static uint32_t load_acquire(volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static volatile uint32_t *field32(struct kstub_fw *fw, uint32_t off)
{
	return (volatile uint32_t *)(fw->block + off);
}

static void put64(struct kstub_fw *fw, uint32_t off, uint64_t v)
{
	volatile uint64_t *p = (volatile uint64_t *)(fw->block + off);

	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int power_of_two(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

static void ring_write(struct kstub_fw_ring *r, uint32_t at,
		       const uint8_t *src, uint32_t n)
{
	uint32_t i, mask = r->size - 1;

	for (i = 0; i < n; i++)
		r->data[(at + i) & mask] = src[i];
}

static void ring_read(const struct kstub_fw_ring *r, uint32_t at,
		      uint8_t *dst, uint32_t n)
{
	uint32_t i, mask = r->size - 1;

	for (i = 0; i < n; i++)
		dst[i] = r->data[(at + i) & mask];
}

/* Free bytes in a ring this side produces; 0 if the host's index is absurd. */
static uint32_t tx_room(struct kstub_fw_ring *r)
{
	uint32_t used = r->own - load_acquire(r->cons);

	return used > r->size ? 0 : r->size - used;
}

/* Bytes the host published in a ring this side consumes; see rx_resync. */
static uint32_t rx_avail(struct kstub_fw_ring *r, uint32_t *prod)
{
	*prod = load_acquire(r->prod);
	return *prod - r->own;
}

/*
 * The host's index or a record's length cannot be right: take nothing
 * of what is there and start again at the host's producer index, so a
 * host that recovers (kstub-fw restarted) is heard again.
 */
static void rx_resync(struct kstub_fw *fw, struct kstub_fw_ring *r,
		      uint32_t prod)
{
	r->own = prod;
	store_release(r->cons, prod);
	fw->bad_records++;
	store_release(field32(fw, KSTUB_FW_OFF_BAD_RECORDS), fw->bad_records);
}

static void setup_ring(struct kstub_fw *fw, unsigned i, uint32_t data_off,
		       uint32_t size)
{
	uint32_t desc = KSTUB_FW_OFF_RINGS + i * KSTUB_FW_RING_DESC;
	struct kstub_fw_ring *r = &fw->ring[i];

	r->data = fw->block + data_off;
	r->prod = field32(fw, desc + KSTUB_FW_RING_OFF_PROD);
	r->cons = field32(fw, desc + KSTUB_FW_RING_OFF_CONS);
	r->size = size;
	r->own = 0;
	*field32(fw, desc + KSTUB_FW_RING_OFF_DATA) = data_off;
	*field32(fw, desc + KSTUB_FW_RING_OFF_SIZE) = size;
	store_release(r->prod, 0);
	store_release(r->cons, 0);
}

static void publish_kernel_view(struct kstub_fw *fw)
{
	const struct kstub_fw_config *c = &fw->cfg;

	put64(fw, KSTUB_FW_OFF_PT_ROOT,
	      c->page_table_root ? c->page_table_root(c->ctx) : 0);
	put64(fw, KSTUB_FW_OFF_LOAD_OFFSET,
	      c->load_offset ? c->load_offset(c->ctx) : 0);
}

int kstub_fw_init(struct kstub_fw *fw, const struct kstub_fw_config *cfg)
{
	uint32_t g, ctx_size, crx_size, off, generation = 1;
	uint64_t need, phys;
	uint8_t *p = (uint8_t *)fw;
	size_t i;

	if (!cfg || !cfg->region || !cfg->virt_to_phys ||
	    ((uintptr_t)cfg->region & (FW_PAGE - 1)) != 0)
		return KSTUB_EINVAL;
	g = cfg->gdb_ring_size;
	ctx_size = cfg->console_tx_size ? cfg->console_tx_size
					: FW_CONSOLE_TX_DEFAULT;
	crx_size = cfg->console_rx_size ? cfg->console_rx_size
					: FW_CONSOLE_RX_DEFAULT;
	if (!power_of_two(g) || !power_of_two(ctx_size) ||
	    !power_of_two(crx_size) || g > 0x40000000u ||
	    ctx_size > 0x40000000u || crx_size > 0x40000000u)
		return KSTUB_EINVAL;
	if (cfg->max_packet < KSTUB_LINK_PACKET_MIN ||
	    (uint64_t)cfg->max_packet + 8 > g)
		return KSTUB_EINVAL;
	need = (uint64_t)KSTUB_FW_HEADER_SIZE + 2ull * g + ctx_size + crx_size;
	if (need > cfg->region_size)
		return KSTUB_EINVAL;

	for (i = 0; i < sizeof(*fw); i++)
		p[i] = 0;
	fw->cfg = *cfg;
	fw->block = (volatile uint8_t *)cfg->region;
	phys = cfg->virt_to_phys(cfg->ctx, cfg->region);
	/* Only a number is taken from the old block, whatever it holds. */
	if (*(volatile uint64_t *)(fw->block + KSTUB_FW_OFF_MAGIC) == KSTUB_FW_MAGIC &&
	    *(volatile uint64_t *)(fw->block + KSTUB_FW_OFF_SELF_PHYS) == phys)
		generation = *field32(fw, KSTUB_FW_OFF_GENERATION) + 1;
	fw->generation = generation;
	/*
	 * Unpublish first, and say at once that this is a new start: a host
	 * polling the old block stops before the rings are reset under it.
	 */
	put64(fw, KSTUB_FW_OFF_MAGIC, 0);
	store_release(field32(fw, KSTUB_FW_OFF_GENERATION), generation);
	for (i = 8; i < KSTUB_FW_HEADER_SIZE; i++)
		if (i < KSTUB_FW_OFF_GENERATION || i >= KSTUB_FW_OFF_GENERATION + 4)
			fw->block[i] = 0;
	off = KSTUB_FW_HEADER_SIZE;
	setup_ring(fw, KSTUB_FW_GDB_TX, off, g);
	off += g;
	setup_ring(fw, KSTUB_FW_GDB_RX, off, g);
	off += g;
	setup_ring(fw, KSTUB_FW_CONS_TX, off, ctx_size);
	off += ctx_size;
	setup_ring(fw, KSTUB_FW_CONS_RX, off, crx_size);
	*field32(fw, KSTUB_FW_OFF_VERSION) = KSTUB_FW_VERSION;
	*field32(fw, KSTUB_FW_OFF_HEADER_SIZE) = KSTUB_FW_HEADER_SIZE;
	publish_kernel_view(fw);
	put64(fw, KSTUB_FW_OFF_SELF_PHYS, phys);
	put64(fw, KSTUB_FW_OFF_MAGIC, KSTUB_FW_MAGIC);
	return 0;
}

static long recv_packet(void *ctx, uint8_t *buf, size_t cap)
{
	struct kstub_fw *fw = ctx;
	struct kstub_fw_ring *r = &fw->ring[KSTUB_FW_GDB_RX];
	uint32_t prod, avail, len, rec;
	uint8_t hdr[KSTUB_FW_REC_HDR];

	avail = rx_avail(r, &prod);
	if (avail == 0)
		return KSTUB_EAGAIN;
	if (avail > r->size || avail < KSTUB_FW_REC_HDR) {
		rx_resync(fw, r, prod);
		return KSTUB_EAGAIN;
	}
	ring_read(r, r->own, hdr, KSTUB_FW_REC_HDR);
	len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
	      (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	if (len > r->size - 8) {
		rx_resync(fw, r, prod);
		return KSTUB_EAGAIN;
	}
	rec = KSTUB_FW_REC_HDR + KSTUB_FW_REC_ALIGN(len);
	if (rec > avail) {
		rx_resync(fw, r, prod);
		return KSTUB_EAGAIN;
	}
	if (len > cap) {
		r->own += rec;
		store_release(r->cons, r->own);
		return KSTUB_E2BIG;
	}
	ring_read(r, r->own + KSTUB_FW_REC_HDR, buf, len);
	r->own += rec;
	store_release(r->cons, r->own);
	return (long)len;
}

/* Wait, bounded, until the host has made room for need bytes. */
static int wait_room(struct kstub_fw *fw, struct kstub_fw_ring *r,
		     uint32_t need)
{
	const struct kstub_fw_config *c = &fw->cfg;
	uint32_t timeout = c->send_timeout_us ? c->send_timeout_us
					      : FW_SEND_TIMEOUT_US_DEFAULT;
	uint64_t start = c->now_us ? c->now_us(c->ctx) : 0;
	uint32_t spins = 0;

	while (tx_room(r) < need) {
		if (c->now_us) {
			if (c->now_us(c->ctx) - start >= timeout)
				return KSTUB_EIO;
		} else if (++spins >= FW_SEND_SPINS) {
			return KSTUB_EIO;
		}
		cpu_relax();
	}
	return 0;
}

static int send_packet(void *ctx, const uint8_t *buf, size_t len)
{
	struct kstub_fw *fw = ctx;
	struct kstub_fw_ring *r = &fw->ring[KSTUB_FW_GDB_TX];
	uint8_t hdr[KSTUB_FW_REC_HDR];
	uint32_t rec;
	int err;

	if (len > r->size - 8)
		return KSTUB_E2BIG;
	rec = KSTUB_FW_REC_HDR + KSTUB_FW_REC_ALIGN((uint32_t)len);
	err = wait_room(fw, r, rec);
	if (err)
		return err;
	hdr[0] = (uint8_t)len;
	hdr[1] = (uint8_t)(len >> 8);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 24);
	ring_write(r, r->own, hdr, KSTUB_FW_REC_HDR);
	ring_write(r, r->own + KSTUB_FW_REC_HDR, buf, (uint32_t)len);
	r->own += rec;
	store_release(r->prod, r->own);
	return 0;
}

/* The host may need the kernel's page tables before the next entry. */
static void enter(void *ctx)
{
	struct kstub_fw *fw = ctx;

	publish_kernel_view(fw);
	fw->entries++;
	store_release(field32(fw, KSTUB_FW_OFF_ENTRIES), fw->entries);
	store_release(field32(fw, KSTUB_FW_OFF_STATE), KSTUB_FW_STATE_STOPPED);
}

static void leave(void *ctx)
{
	struct kstub_fw *fw = ctx;

	store_release(field32(fw, KSTUB_FW_OFF_STATE), KSTUB_FW_STATE_RUNNING);
}

size_t kstub_fw_console_write(struct kstub_fw *fw, const char *s, size_t len)
{
	struct kstub_fw_ring *r = &fw->ring[KSTUB_FW_CONS_TX];
	uint32_t room, n;

	if (!fw->block || len == 0)
		return 0;
	if (__atomic_exchange_n(&fw->console_busy, 1, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&fw->console_lost, (uint32_t)len,
				   __ATOMIC_RELAXED);
		return 0;
	}
	room = tx_room(r);
	n = len < room ? (uint32_t)len : room;
	ring_write(r, r->own, (const uint8_t *)s, n);
	r->own += n;
	store_release(r->prod, r->own);
	if (n < len)
		__atomic_fetch_add(&fw->console_lost, (uint32_t)(len - n),
				   __ATOMIC_RELAXED);
	store_release(field32(fw, KSTUB_FW_OFF_CONSOLE_LOST),
		      __atomic_load_n(&fw->console_lost, __ATOMIC_RELAXED));
	__atomic_store_n(&fw->console_busy, 0, __ATOMIC_RELEASE);
	return n;
}

size_t kstub_fw_console_read(struct kstub_fw *fw, char *buf, size_t cap)
{
	struct kstub_fw_ring *r = &fw->ring[KSTUB_FW_CONS_RX];
	uint32_t prod, avail, n;

	if (!fw->block || cap == 0)
		return 0;
	if (__atomic_exchange_n(&fw->console_busy, 1, __ATOMIC_ACQUIRE))
		return 0;
	avail = rx_avail(r, &prod);
	if (avail > r->size) {
		rx_resync(fw, r, prod);
		avail = 0;
	}
	n = avail < cap ? avail : (uint32_t)cap;
	ring_read(r, r->own, (uint8_t *)buf, n);
	r->own += n;
	store_release(r->cons, r->own);
	__atomic_store_n(&fw->console_busy, 0, __ATOMIC_RELEASE);
	return n;
}

const struct kstub_transport_ops kstub_fw_ops = {
	.name = "fw",
	/*
	 * Consumer indices on both sides: nothing is lost or overwritten,
	 * so no acks. And whoever can write these rings can write any of
	 * the target's RAM: a packet from them may stop the kernel.
	 */
	.flags = KSTUB_LINK_RELIABLE | KSTUB_LINK_AUTHENTICATED,
	.recv_packet = recv_packet,
	.send_packet = send_packet,
	.max_packet = 0,
	.enter = enter,
	.leave = leave,
};
