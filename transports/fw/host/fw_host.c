/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's side of the DMA rings (fw_host.h). The mirror image of
 * transports/fw/fw_ring.c: the host writes the producer index of the
 * rings to the target and the consumer index of the rings from it, each
 * after the data (release), and reads the target's after (acquire).
 */
#include <stdio.h>
#include <string.h>

#include "fw_host.h"

static uint32_t load_acquire(volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static uint64_t read64(const volatile uint8_t *p)
{
	return __atomic_load_n((const volatile uint64_t *)p, __ATOMIC_ACQUIRE);
}

enum fw_host_found fw_host_find(const volatile uint8_t *mem, size_t size,
				uint64_t *phys, uint32_t *version)
{
	enum fw_host_found best = FW_HOST_NONE;
	size_t off;

	for (off = 0; off + KSTUB_FW_HEADER_SIZE <= size;
	     off += KSTUB_FW_HEADER_SIZE) {
		const volatile uint8_t *b = mem + off;

		if (read64(b + KSTUB_FW_OFF_MAGIC) != KSTUB_FW_MAGIC ||
		    read64(b + KSTUB_FW_OFF_SELF_PHYS) != off)
			continue;
		*phys = off;
		*version = *(const volatile uint32_t *)(b + KSTUB_FW_OFF_VERSION);
		if (*version == KSTUB_FW_VERSION)
			return FW_HOST_FOUND;
		best = FW_HOST_VERSION;
	}
	return best;
}

static int power_of_two(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

int fw_host_attach(struct fw_host *h, volatile uint8_t *mem, size_t size,
		   uint64_t phys, char *err, size_t errlen)
{
	volatile uint8_t *b;
	unsigned i;

	memset(h, 0, sizeof(*h));
	if (phys > size || size - phys < KSTUB_FW_HEADER_SIZE) {
		snprintf(err, errlen, "block at 0x%llx lies outside memory",
			 (unsigned long long)phys);
		return -1;
	}
	b = mem + phys;
	h->mem = mem;
	h->mem_size = size;
	h->phys = phys;
	for (i = 0; i < KSTUB_FW_NRINGS; i++) {
		uint32_t d = KSTUB_FW_OFF_RINGS + i * KSTUB_FW_RING_DESC;
		uint32_t off = *(volatile uint32_t *)(b + d + KSTUB_FW_RING_OFF_DATA);
		uint32_t rs = *(volatile uint32_t *)(b + d + KSTUB_FW_RING_OFF_SIZE);

		if (!power_of_two(rs) || off < KSTUB_FW_HEADER_SIZE ||
		    (uint64_t)off + rs > size - phys) {
			snprintf(err, errlen, "block at 0x%llx is corrupt: "
				 "ring %u at +0x%x size 0x%x",
				 (unsigned long long)phys, i, off, rs);
			return -1;
		}
		h->ring[i].data = b + off;
		h->ring[i].prod = (volatile uint32_t *)(b + d + KSTUB_FW_RING_OFF_PROD);
		h->ring[i].cons = (volatile uint32_t *)(b + d + KSTUB_FW_RING_OFF_CONS);
		h->ring[i].size = rs;
	}
	h->generation = load_acquire((volatile uint32_t *)(b + KSTUB_FW_OFF_GENERATION));
	return 0;
}

int fw_host_alive(const struct fw_host *h)
{
	const volatile uint8_t *b = h->mem + h->phys;

	return read64(b + KSTUB_FW_OFF_MAGIC) == KSTUB_FW_MAGIC &&
	       read64(b + KSTUB_FW_OFF_SELF_PHYS) == h->phys &&
	       load_acquire((volatile uint32_t *)(b + KSTUB_FW_OFF_GENERATION)) ==
		       h->generation;
}

uint32_t fw_host_get32(const struct fw_host *h, uint32_t off)
{
	return load_acquire((volatile uint32_t *)(h->mem + h->phys + off));
}

uint64_t fw_host_get64(const struct fw_host *h, uint32_t off)
{
	return read64(h->mem + h->phys + off);
}

static void ring_copy_in(struct fw_host_ring *r, uint32_t at, const uint8_t *p,
			 uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		r->data[(at + i) & (r->size - 1)] = p[i];
}

static void ring_copy_out(const struct fw_host_ring *r, uint32_t at,
			  uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = r->data[(at + i) & (r->size - 1)];
}

int fw_host_put(struct fw_host *h, unsigned ring, const void *p, uint32_t len)
{
	struct fw_host_ring *r = &h->ring[ring];
	uint32_t prod = *r->prod, used, rec;
	uint8_t hdr[4] = { (uint8_t)len, (uint8_t)(len >> 8),
			   (uint8_t)(len >> 16), (uint8_t)(len >> 24) };

	if (len > r->size - 8)
		return -1;
	rec = KSTUB_FW_REC_HDR + KSTUB_FW_REC_ALIGN(len);
	used = prod - load_acquire(r->cons);
	if (used > r->size || r->size - used < rec)
		return -1;
	ring_copy_in(r, prod, hdr, 4);
	ring_copy_in(r, prod + 4, p, len);
	store_release(r->prod, prod + rec);
	return 0;
}

long fw_host_get(struct fw_host *h, unsigned ring, void *buf, size_t cap)
{
	struct fw_host_ring *r = &h->ring[ring];
	uint32_t cons = *r->cons, prod = load_acquire(r->prod);
	uint32_t avail = prod - cons, len, rec;
	uint8_t hdr[4];

	if (avail == 0)
		return -1;
	if (avail > r->size || avail < 4)
		goto bad;
	ring_copy_out(r, cons, hdr, 4);
	len = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	if (len > r->size - 8)
		goto bad;
	rec = KSTUB_FW_REC_HDR + KSTUB_FW_REC_ALIGN(len);
	if (rec > avail || len > cap)
		goto bad;
	ring_copy_out(r, cons + 4, buf, len);
	store_release(r->cons, cons + rec);
	return len;
bad:
	store_release(r->cons, prod);
	return -2;
}

size_t fw_host_write_bytes(struct fw_host *h, unsigned ring, const void *p,
			   size_t len)
{
	struct fw_host_ring *r = &h->ring[ring];
	uint32_t prod = *r->prod, used = prod - load_acquire(r->cons), n;

	if (used > r->size)
		return 0;
	n = r->size - used;
	if (len < n)
		n = (uint32_t)len;
	ring_copy_in(r, prod, p, n);
	store_release(r->prod, prod + n);
	return n;
}

size_t fw_host_read_bytes(struct fw_host *h, unsigned ring, void *buf,
			  size_t cap)
{
	struct fw_host_ring *r = &h->ring[ring];
	uint32_t cons = *r->cons, prod = load_acquire(r->prod);
	uint32_t n = prod - cons;

	if (n > r->size) {	/* the target's index is absurd: skip */
		store_release(r->cons, prod);
		return 0;
	}
	if (cap < n)
		n = (uint32_t)cap;
	ring_copy_out(r, cons, buf, n);
	store_release(r->cons, cons + n);
	return n;
}

void fw_host_discard(struct fw_host *h, unsigned ring)
{
	struct fw_host_ring *r = &h->ring[ring];

	store_release(r->cons, load_acquire(r->prod));
}

uint32_t fw_host_pending(const struct fw_host *h, unsigned ring)
{
	const struct fw_host_ring *r = &h->ring[ring];

	return load_acquire(r->prod) - *r->cons;
}
