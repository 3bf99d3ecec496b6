/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA ring transport, target half (issue 16): gdb and the console
 * travel through rings in the target's RAM that a host reads and writes
 * by physical DMA (FireWire, a PCIe/Thunderbolt debug window, a
 * hypervisor's view of guest RAM) without the target CPU's help. The
 * host half is transports/fw/host/kstub-fw.c; the layout both share is
 * in PROTOCOL.md next to this file and in the KSTUB_FW_OFF_* offsets
 * below, which are the normative ones.
 *
 * Trust: whoever can write the target's RAM by DMA owns the machine
 * already, so every packet may stop the kernel (KSTUB_LINK_AUTHENTICATED).
 * A buggy host must still never make the stub read or write outside its
 * rings: the stub keeps the rings' places and sizes and its own indices
 * in its private context, reads only the host's indices and record
 * lengths from shared memory, each once, and checks them before use;
 * every data access is masked by the ring size.
 */
#ifndef KSTUB_FW_H
#define KSTUB_FW_H

#include "kstub_transport.h"

/* "kstubFW!" as a little-endian 64-bit word. */
#define KSTUB_FW_MAGIC 0x215746627574736bULL
#define KSTUB_FW_VERSION 1u

/* The control block: one page, the rings' data after it. */
#define KSTUB_FW_HEADER_SIZE 4096u

/* Byte offsets in the control block; every field is little-endian. */
#define KSTUB_FW_OFF_MAGIC 0x00		/* u64, written last at init */
#define KSTUB_FW_OFF_VERSION 0x08	/* u32 */
#define KSTUB_FW_OFF_HEADER_SIZE 0x0c	/* u32 */
#define KSTUB_FW_OFF_SELF_PHYS 0x10	/* u64, the block's physical address */
#define KSTUB_FW_OFF_PT_ROOT 0x18	/* u64, kernel page-table root (CR3) */
#define KSTUB_FW_OFF_LOAD_OFFSET 0x20	/* u64, the kernel's load offset */
#define KSTUB_FW_OFF_ENTRIES 0x28	/* u32, debugger entries so far */
#define KSTUB_FW_OFF_STATE 0x2c		/* u32, KSTUB_FW_STATE_* */
#define KSTUB_FW_OFF_CONSOLE_LOST 0x30	/* u32, console bytes dropped */
#define KSTUB_FW_OFF_BAD_RECORDS 0x34	/* u32, host records refused */
#define KSTUB_FW_OFF_GENERATION 0x38	/* u32, +1 at each init over a block */
#define KSTUB_FW_OFF_RINGS 0x40		/* four ring descriptors */

/* A ring descriptor, KSTUB_FW_RING_DESC bytes, at OFF_RINGS + i * that. */
#define KSTUB_FW_RING_DESC 0x40
#define KSTUB_FW_RING_OFF_DATA 0x00	/* u32, data's offset from the block */
#define KSTUB_FW_RING_OFF_SIZE 0x04	/* u32, a power of two */
#define KSTUB_FW_RING_OFF_PROD 0x08	/* u32, producer's free-running index */
#define KSTUB_FW_RING_OFF_CONS 0x20	/* u32, consumer's (own cache line half) */

/* The rings, by descriptor index. TX: target to host; RX: host to target. */
#define KSTUB_FW_GDB_TX 0
#define KSTUB_FW_GDB_RX 1
#define KSTUB_FW_CONS_TX 2
#define KSTUB_FW_CONS_RX 3
#define KSTUB_FW_NRINGS 4

#define KSTUB_FW_STATE_RUNNING 0u
#define KSTUB_FW_STATE_STOPPED 1u	/* a CPU is in the debugger */

/*
 * A gdb ring carries records: a u32 length, then that many bytes of
 * packet data, then padding to a multiple of 4. A record may wrap
 * around the ring's end. The console rings carry plain bytes.
 */
#define KSTUB_FW_REC_HDR 4u
#define KSTUB_FW_REC_ALIGN(n) (((n) + 3u) & ~3u)

/* What the port supplies. Zero means default where one is named. */
struct kstub_fw_config {
	/*
	 * The region for the block and its rings: page-aligned, physically
	 * contiguous, reachable by the host's DMA (real OHCI: below 4 GiB),
	 * mapped cacheable-coherent (x86: ordinary write-back RAM).
	 */
	void *region;
	size_t region_size;
	/* Each gdb ring's size (power of two, >= max_packet + 8). */
	uint32_t gdb_ring_size;
	/* Console rings (power of two each; 0: 16 KiB out, 1 KiB in). */
	uint32_t console_tx_size;
	uint32_t console_rx_size;
	/* The stub's buffer length (kstub_config.buf_len): the longest packet. */
	uint32_t max_packet;
	/* How long send_packet waits for room in a full ring (0: 1 s). */
	uint32_t send_timeout_us;

	void *ctx;	/* passed to the hooks below */
	/*
	 * The physical address of a byte of the region. Required.
	 * Called: by kstub_fw_init() only. Context: the port's init.
	 */
	uint64_t (*virt_to_phys)(void *ctx, const void *va);
	/*
	 * The kernel page-table root (x86-64: CR3 with its flag bits) that
	 * maps the kernel's addresses, for a host that reads memory without
	 * the target's CPU. Optional (NULL: 0 is published, and the host's
	 * --no-cpu mode cannot work).
	 * Called: at init and at each debugger entry (enter hook), on the
	 *   CPU that owns the session. Context: trap context; must not fault.
	 */
	uint64_t (*page_table_root)(void *ctx);
	/*
	 * The kernel's load offset (what the port's load_offset gives
	 * qOffsets). Optional (NULL: 0). Called, Context: as page_table_root.
	 */
	uint64_t (*load_offset)(void *ctx);
	/*
	 * Monotonic microseconds, for send_packet's wait. Optional (NULL:
	 * a fixed spin count stands in). Context: trap context.
	 */
	uint64_t (*now_us)(void *ctx);
};

/* One ring as the stub sees it: never read back from shared memory. */
struct kstub_fw_ring {
	volatile uint8_t *data;
	volatile uint32_t *prod;
	volatile uint32_t *cons;
	uint32_t size;
	uint32_t own;		/* the index this side writes */
};

/* The link's context: the port owns it (static storage). */
struct kstub_fw {
	volatile uint8_t *block;
	struct kstub_fw_config cfg;
	struct kstub_fw_ring ring[KSTUB_FW_NRINGS];
	uint32_t entries;
	uint32_t console_lost;
	uint32_t bad_records;
	uint32_t console_busy;	/* kstub_fw_console_write's lock */
	uint32_t generation;
};

/*
 * The link: pass &kstub_fw_ops and the context to kstub_init(). Its
 * max_packet is 0 (the stub's buffer): kstub_fw_init() checks that the
 * gdb rings hold a packet of cfg.max_packet.
 */
extern const struct kstub_transport_ops kstub_fw_ops;

/*
 * Lay out the block and rings in cfg->region and publish them: the
 * magic is written last, and the block's physical address with it, so a
 * host never takes a half-built block (or the magic's copy in the
 * kernel image) for the real one. A block found in the region from
 * before (a warm reboot, a second init) gets the next generation, so a
 * host still attached to it learns that the target started over.
 * Called: once by the port at boot, before kstub_init().

 * Returns: 0; KSTUB_EINVAL for a region too small or misaligned, a ring
 *   size that is not a power of two, or gdb rings smaller than a packet.
 */
int kstub_fw_init(struct kstub_fw *fw, const struct kstub_fw_config *cfg);

/*
 * Console output into the console ring, whether or not a debugger is
 * attached. Lossy by design: bytes that do not fit (no host reading)
 * are counted in the block's console_lost and dropped, so the kernel
 * never waits for a host. Called: by the port's console driver, from any
 * context, on any CPU (a try-lock inside: a CPU that finds another
 * writing drops its text and counts it rather than spin).
 * Returns: bytes queued (0..len).
 */
size_t kstub_fw_console_write(struct kstub_fw *fw, const char *s, size_t len);

/*
 * Console input the host typed: up to cap bytes into buf. Called: by
 * the port's console driver (polled). Returns: bytes taken (0: none).
 */
size_t kstub_fw_console_read(struct kstub_fw *fw, char *buf, size_t cap);

#endif /* KSTUB_FW_H */
