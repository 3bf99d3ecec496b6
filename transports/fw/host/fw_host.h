/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's side of the DMA rings (kstub_fw.h, PROTOCOL.md), over the
 * target's RAM as the host sees it: a mapping of its physical memory.
 * Hosted C; used by kstub-fw, the unit tests and the fuzz harness.
 * Nothing the target wrote is trusted either: ring places and sizes are
 * checked against the mapping once, at attach, and kept here.
 */
#ifndef KSTUB_FW_HOST_H
#define KSTUB_FW_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "kstub_fw.h"

struct fw_host_ring {
	volatile uint8_t *data;
	volatile uint32_t *prod;
	volatile uint32_t *cons;
	uint32_t size;
};

struct fw_host {
	volatile uint8_t *mem;	/* physical address 0 of the mapping */
	size_t mem_size;
	uint64_t phys;		/* the block's physical address */
	uint32_t generation;	/* the block's, when attached */
	struct fw_host_ring ring[KSTUB_FW_NRINGS];
};

enum fw_host_found {
	FW_HOST_FOUND = 0,
	FW_HOST_NONE,		/* no page with the magic and its own address */
	FW_HOST_VERSION,	/* a block, but another version */
};

/*
 * Scan mem (physical address 0 at mem[0]) page by page for the block:
 * the magic, and the self-address field equal to the page's address.
 * *phys: where; *version: what the block says (for FW_HOST_VERSION).
 */
enum fw_host_found fw_host_find(const volatile uint8_t *mem, size_t size,
				uint64_t *phys, uint32_t *version);

/*
 * Take the block at phys: 0, or -1 with why in err (sizes, places).
 */
int fw_host_attach(struct fw_host *h, volatile uint8_t *mem, size_t size,
		   uint64_t phys, char *err, size_t errlen);

/*
 * The block is still the one attached to: magic, self-address and
 * generation unchanged (else the target rebooted or dropped the link).
 */
int fw_host_alive(const struct fw_host *h);

uint32_t fw_host_get32(const struct fw_host *h, uint32_t off);
uint64_t fw_host_get64(const struct fw_host *h, uint32_t off);

/*
 * One record (gdb rings): put returns 0, or -1 when it does not fit yet
 * (or never: len > size - 8). get returns the length, -1 for none yet,
 * -2 for a record the target wrote wrong (the ring is then skipped to
 * the target's index) or one longer than cap.
 */
int fw_host_put(struct fw_host *h, unsigned ring, const void *p, uint32_t len);
long fw_host_get(struct fw_host *h, unsigned ring, void *buf, size_t cap);

/* Plain bytes (console rings): how many were moved. */
size_t fw_host_write_bytes(struct fw_host *h, unsigned ring, const void *p,
			   size_t len);
size_t fw_host_read_bytes(struct fw_host *h, unsigned ring, void *buf,
			  size_t cap);

/* Throw away what the target queued in a ring (a new gdb's session). */
void fw_host_discard(struct fw_host *h, unsigned ring);

/* Bytes waiting in a ring the host consumes. */
uint32_t fw_host_pending(const struct fw_host *h, unsigned ring);

#endif /* KSTUB_FW_HOST_H */
