/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A polled driver for the Intel 82540EM (QEMU's "-device e1000"): the
 * NIC under the UDP debug link (kstub_udp_net.h's kstub_udp_nic_ops).
 * The kernel has no network stack, so the debugger owns the device
 * outright: no interrupts, one static ring each way, no heap.
 *
 * What the driver relies on, from Intel's "PCI/PCI-X Family of Gigabit
 * Ethernet Controllers Software Developer's Manual" (8254x), in our
 * words:
 * - PCI configuration: the device is 8086:100e; BAR0 is a 128 KiB
 *   memory BAR holding every register. The command register's memory
 *   space and bus master bits must be on, or the device neither decodes
 *   its registers nor reaches the rings ("PCI Configuration Space").
 * - Device Control (CTRL): setting RST resets the MAC to its power-on
 *   state and clears itself when done; SLU forces the link up
 *   ("Device Control Register", "Software Reset").
 * - Interrupts: writing ones to Interrupt Mask Clear (IMC) masks every
 *   cause; reading ICR clears what is pending ("Interrupt Mask Clear
 *   Register"). Polled, we never unmask any.
 * - The MAC address: Receive Address Low/High 0 (RAL0/RAH0) hold it
 *   once the device has loaded it from the EEPROM after reset, with the
 *   Address Valid bit in RAH0; failing that, the EEPROM Read register
 *   (EERD) reads words 0-2 ("Receive Address Low/High", "EEPROM Read
 *   Register", "Ethernet Address" in the EEPROM map).
 * - Descriptor rings: base address (low/high), length in bytes (a
 *   multiple of 128, i.e. of 8 descriptors of 16 bytes), head and tail.
 *   The device owns the descriptors from head up to, not including,
 *   tail; software moves tail, the device moves head ("Receive/Transmit
 *   Descriptor Queue Structure").
 * - Receive descriptor (legacy): buffer address, then the length the
 *   device wrote, a checksum, status (DD: done, EOP: last of a frame)
 *   and errors ("Receive Descriptor Format"). RCTL: EN, BAM (accept
 *   broadcast: ARP requests), BSIZE 00 (2048-byte buffers), SECRC
 *   (strip the Ethernet CRC, so a frame's length excludes it)
 *   ("Receive Control Register").
 * - Transmit descriptor (legacy): buffer address, length, command (EOP:
 *   the frame ends here, IFCS: insert the CRC, RS: report status, i.e.
 *   set DD in status when done) ("Transmit Descriptor (TDESC) Layout").
 *   TCTL: EN, PSP (pad short frames), collision threshold/distance; TIPG
 *   the recommended inter-packet gap for copper ("Transmit Control
 *   Register", "Transmit IPG Register").
 * QEMU's model, besides: every write to RCTL makes it refuse frames
 * for one second (they wait in QEMU's queue, none is lost), so the
 * first datagram after boot can take that long to arrive.
 * Everything the device writes (a length, a status) is checked before
 * use: a frame longer than its buffer, spread over several buffers, or
 * marked with a receive error is dropped and counted.
 */
#include "kstub_udp_net.h"
#include "machine.h"

#define E1000_VENDOR 0x8086
#define E1000_82540EM 0x100e

#define PCI_COMMAND 0x04
#define PCI_CMD_MEM 0x0002
#define PCI_CMD_MASTER 0x0004
#define PCI_CMD_INTX_OFF 0x0400
#define PCI_BAR0 0x10
#define BAR_IO 0x1
#define BAR_TYPE_MASK 0x6
#define BAR_TYPE_64 0x4
#define E1000_BAR_SIZE 0x20000

/* Register offsets in BAR0. */
#define REG_CTRL 0x0000
#define REG_STATUS 0x0008
#define REG_EERD 0x0014
#define REG_ICR 0x00c0
#define REG_IMC 0x00d8
#define REG_RCTL 0x0100
#define REG_TCTL 0x0400
#define REG_TIPG 0x0410
#define REG_RDBAL 0x2800
#define REG_RDBAH 0x2804
#define REG_RDLEN 0x2808
#define REG_RDH 0x2810
#define REG_RDT 0x2818
#define REG_TDBAL 0x3800
#define REG_TDBAH 0x3804
#define REG_TDLEN 0x3808
#define REG_TDH 0x3810
#define REG_TDT 0x3818
#define REG_MPC 0x4010
#define REG_MTA 0x5200
#define REG_RAL0 0x5400
#define REG_RAH0 0x5404

#define CTRL_SLU (1u << 6)
#define CTRL_RST (1u << 26)
#define STATUS_LU (1u << 1)
#define EERD_START (1u << 0)
#define EERD_DONE (1u << 4)
#define RAH_AV (1u << 31)
#define RCTL_EN (1u << 1)
#define RCTL_BAM (1u << 15)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define TCTL_CT (0x0fu << 4)
#define TCTL_COLD (0x40u << 12)
#define TIPG_COPPER (10u | 8u << 10 | 6u << 20)

#define TX_EOP (1u << 0)
#define TX_IFCS (1u << 1)
#define TX_RS (1u << 3)
#define DESC_DD (1u << 0)
#define RX_EOP (1u << 1)

/*
 * Descriptors per ring. QEMU's model drops, rather than keeps, what it
 * had queued for a full receive ring once the driver frees one slot
 * (the rest overrun: MPC), and gdb acks every packet the stub sends in
 * a burst (a monitor command's O packets) while the stub reads nothing:
 * the receive ring holds a long burst. We send one frame at a time.
 */
#define RX_RING 256
#define TX_RING 16
#define BUF 2048		/* RCTL.BSIZE 00 */
/* Polls of a bounded wait: QEMU finishes a transmit within the tail
 * write and a reset at once; hardware needs microseconds. */
#define SPIN_BOUND 1000000u

struct rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

struct tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

_Static_assert(sizeof(struct rx_desc) == 16, "rx descriptor layout");
_Static_assert(sizeof(struct tx_desc) == 16, "tx descriptor layout");
_Static_assert(RX_RING * 16 % 128 == 0 && TX_RING * 16 % 128 == 0,
	       "ring length: a multiple of 128");
_Static_assert(BUF >= KSTUB_UDP_NET_FRAME_MAX + 4, "a whole frame");

/* DMA memory: in the kernel image, whose physical address is known. */
static volatile struct rx_desc rx_ring[RX_RING] __attribute__((aligned(128)));
static volatile struct tx_desc tx_ring[TX_RING] __attribute__((aligned(128)));
static uint8_t rx_buf[RX_RING][BUF] __attribute__((aligned(BUF)));
static uint8_t tx_buf[TX_RING][BUF] __attribute__((aligned(BUF)));

struct e1000 {
	volatile uint8_t *regs;
	uint8_t mac[6];
	uint32_t rx_next;	/* the next descriptor the device fills */
	uint32_t tx_next;	/* the next descriptor we fill */
	struct e1000_stats stats;
};

static struct e1000 nic;

static uint64_t dma_addr(const volatile void *kva)
{
	return (uint64_t)(uintptr_t)kva - KERNBASE;
}

static uint32_t rd(const struct e1000 *e, unsigned reg)
{
	return *(volatile uint32_t *)(e->regs + reg);
}

static void wr(struct e1000 *e, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(e->regs + reg) = v;
}

/* Device writes to the rings are seen in order on x86; the compiler
 * must not move our ring accesses across a register access. */
static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static bool eeprom_word(struct e1000 *e, unsigned idx, uint16_t *w)
{
	uint32_t v, n;

	wr(e, REG_EERD, EERD_START | (uint32_t)idx << 8);
	for (n = 0; n < SPIN_BOUND; n++) {
		v = rd(e, REG_EERD);
		if (v & EERD_DONE) {
			*w = (uint16_t)(v >> 16);
			return true;
		}
		cpu_relax();
	}
	return false;
}

static bool read_mac(struct e1000 *e)
{
	uint32_t lo = rd(e, REG_RAL0), hi = rd(e, REG_RAH0);
	uint16_t w;
	unsigned i;

	if (hi & RAH_AV) {
		for (i = 0; i < 4; i++)
			e->mac[i] = (uint8_t)(lo >> (8 * i));
		e->mac[4] = (uint8_t)hi;
		e->mac[5] = (uint8_t)(hi >> 8);
		return true;
	}
	for (i = 0; i < 3; i++) {
		if (!eeprom_word(e, i, &w))
			return false;
		e->mac[2 * i] = (uint8_t)w;
		e->mac[2 * i + 1] = (uint8_t)(w >> 8);
	}
	/* Tell the receive filter, as the reset would have. */
	wr(e, REG_RAL0, (uint32_t)e->mac[0] | (uint32_t)e->mac[1] << 8 |
		(uint32_t)e->mac[2] << 16 | (uint32_t)e->mac[3] << 24);
	wr(e, REG_RAH0,
	   (uint32_t)e->mac[4] | (uint32_t)e->mac[5] << 8 | RAH_AV);
	return true;
}

/* A station's address: not multicast, not all zeros. */
static bool mac_usable(const uint8_t *mac)
{
	return !(mac[0] & 1) &&
	       (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

static void rings_init(struct e1000 *e)
{
	uint32_t i;

	for (i = 0; i < RX_RING; i++) {
		rx_ring[i].addr = dma_addr(rx_buf[i]);
		rx_ring[i].status = 0;
	}
	for (i = 0; i < TX_RING; i++) {
		tx_ring[i].addr = dma_addr(tx_buf[i]);
		tx_ring[i].cmd = 0;
		tx_ring[i].status = 0;
	}
	for (i = 0; i < 128; i++)
		wr(e, REG_MTA + 4 * i, 0);
	wr(e, REG_RDBAL, (uint32_t)dma_addr(rx_ring));
	wr(e, REG_RDBAH, (uint32_t)(dma_addr(rx_ring) >> 32));
	wr(e, REG_RDLEN, sizeof(rx_ring));
	wr(e, REG_RDH, 0);
	/* All but one: head == tail would mean "none". */
	wr(e, REG_RDT, RX_RING - 1);
	wr(e, REG_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
	wr(e, REG_TDBAL, (uint32_t)dma_addr(tx_ring));
	wr(e, REG_TDBAH, (uint32_t)(dma_addr(tx_ring) >> 32));
	wr(e, REG_TDLEN, sizeof(tx_ring));
	wr(e, REG_TDH, 0);
	wr(e, REG_TDT, 0);
	wr(e, REG_TIPG, TIPG_COPPER);
	wr(e, REG_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);
	e->rx_next = 0;
	e->tx_next = 0;
}

/* BAR0 as a physical address, or 0 if it is not a usable memory BAR. */
static uint64_t bar0(const struct pci_dev *d)
{
	uint64_t bar = pci_read32(d, PCI_BAR0);

	if (bar & BAR_IO)
		return 0;
	if ((bar & BAR_TYPE_MASK) == BAR_TYPE_64)
		bar |= (uint64_t)pci_read32(d, PCI_BAR0 + 4) << 32;
	return bar & ~0xfull;
}

struct e1000 *e1000_attach(void)
{
	struct e1000 *e = &nic;
	struct pci_dev d;
	uint64_t bar;
	uint32_t n;

	if (!pci_find(E1000_VENDOR, E1000_82540EM, &d)) {
		kprintf("e1000: no 8086:100e on PCI\n");
		return NULL;
	}
	bar = bar0(&d);
	/* The direct map's uncached window (mmu.c) is where we reach it. */
	if (bar < DMAP_MMIO || bar + E1000_BAR_SIZE > DMAP_SIZE) {
		kprintf("e1000: BAR0 0x%lx outside the uncached window\n",
			(unsigned long)bar);
		return NULL;
	}
	pci_write32(&d, PCI_COMMAND, (pci_read32(&d, PCI_COMMAND) & 0xffff) |
		    PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
	e->regs = (volatile uint8_t *)(uintptr_t)(DMAP_BASE + bar);
	wr(e, REG_IMC, ~0u);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_RST);
	for (n = 0; n < SPIN_BOUND && (rd(e, REG_CTRL) & CTRL_RST); n++)
		cpu_relax();
	if (rd(e, REG_CTRL) & CTRL_RST) {
		kprintf("e1000: reset did not finish\n");
		return NULL;
	}
	/* The reset unmasks nothing, but say so once more, and drop
	 * whatever was pending. */
	wr(e, REG_IMC, ~0u);
	(void)rd(e, REG_ICR);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_SLU);
	if (!read_mac(e) || !mac_usable(e->mac)) {
		kprintf("e1000: no MAC address\n");
		return NULL;
	}
	rings_init(e);
	kprintf("e1000: %02x:%02x:%02x:%02x:%02x:%02x at pci %u:%u.%u, "
		"BAR0 0x%lx, link %s\n", e->mac[0], e->mac[1], e->mac[2],
		e->mac[3], e->mac[4], e->mac[5], d.bus, d.dev, d.fn,
		(unsigned long)bar,
		rd(e, REG_STATUS) & STATUS_LU ? "up" : "down");
	return e;
}

/*
 * Copy, hand the descriptor over, and wait for its DD bit: the frame
 * buffer is ours again on return, and the next send finds the next
 * descriptor free.
 */
static int send_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct e1000 *e = ctx;
	uint32_t i = e->tx_next, n;
	volatile struct tx_desc *t = &tx_ring[i];

	if (len < KSTUB_UDP_NET_FRAME_MIN || len > KSTUB_UDP_NET_FRAME_MAX) {
		e->stats.tx_bad_len++;
		return KSTUB_EIO;
	}
	__builtin_memcpy(tx_buf[i], frame, len);
	t->length = (uint16_t)len;
	t->cso = 0;
	t->css = 0;
	t->special = 0;
	t->status = 0;
	t->cmd = TX_EOP | TX_IFCS | TX_RS;
	e->tx_next = (i + 1) % TX_RING;
	barrier();
	wr(e, REG_TDT, e->tx_next);
	for (n = 0; n < SPIN_BOUND; n++) {
		if (t->status & DESC_DD)
			return 0;
		cpu_relax();
	}
	e->stats.tx_timeouts++;
	return KSTUB_EIO;
}

/* The descriptor at rx_next back to the device, whatever it held. */
static void rx_recycle(struct e1000 *e)
{
	uint32_t i = e->rx_next;

	rx_ring[i].status = 0;
	e->rx_next = (i + 1) % RX_RING;
	barrier();
	/* The tail moves onto the one we keep; the one before it (the
	 * slot kept until now) goes to the device. */
	wr(e, REG_RDT, i);
}

/*
 * The next complete frame, if one is waiting. A descriptor that is not
 * a whole good frame (an error, no EOP, a length off its buffer) is
 * given back and counted: at most a ring's worth per call.
 */
static long recv_frame(void *ctx, uint8_t *buf, size_t cap)
{
	struct e1000 *e = ctx;
	volatile struct rx_desc *r;
	uint32_t tries;
	size_t len;

	for (tries = 0; tries < RX_RING; tries++) {
		r = &rx_ring[e->rx_next];
		if (!(r->status & DESC_DD))
			return KSTUB_EAGAIN;
		barrier();
		len = r->length;
		if (r->errors || !(r->status & RX_EOP) || len == 0 ||
		    len > BUF) {
			e->stats.rx_bad++;
			rx_recycle(e);
			continue;
		}
		__builtin_memcpy(buf, rx_buf[e->rx_next],
				 len < cap ? len : cap);
		e->stats.rx_frames++;
		rx_recycle(e);
		return (long)len;
	}
	return KSTUB_EAGAIN;
}

static void get_mac(void *ctx, uint8_t mac[6])
{
	__builtin_memcpy(mac, ((struct e1000 *)ctx)->mac, 6);
}

const struct kstub_udp_nic_ops e1000_nic_ops = {
	.send_frame = send_frame,
	.recv_frame = recv_frame,
	.get_mac = get_mac,
};

/* MPC: frames dropped for want of a receive buffer ("Missed Packets
 * Count"; clear-on-read in the datasheet, a running total in QEMU). */
const struct e1000_stats *e1000_stats(struct e1000 *e)
{
	e->stats.rx_missed = rd(e, REG_MPC);
	return &e->stats;
}
