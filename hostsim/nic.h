/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostsim's model of a polled Ethernet NIC, the hardware under the UDP
 * transport (kstub_udp_nic_ops). It has what a simple NIC has and no
 * more: a MAC address, a receive filter (frames to that MAC and
 * broadcasts; everything else is dropped in hardware), a bounded RX
 * descriptor ring that the wire fills whatever the CPUs do (a frame
 * that finds the ring full is lost and counted, as an overrun), and a
 * transmitter. No interrupt line: the stub polls it, from the trap and
 * from the timer tick. The wire is someone else's (nic_pcap.c: a real
 * kernel interface through libpcap; a unit test: a function); with a
 * fault configuration each direction drops, duplicates, corrupts and
 * reorders frames (the frame face of linkfault.h).
 *
 * Threads: exactly one wire thread calls hs_nic_wire_in()/_idle(); the
 * kernel's side (kstub's hooks, in any CPU's trap or tick, one at a time
 * except for a CPU parked mid-call by a roundup) calls hs_nic_ops. The
 * ring between them is lock-free, so the kernel's side never waits for
 * the wire thread and is safe in a signal handler.
 */
#ifndef HOSTSIM_NIC_H
#define HOSTSIM_NIC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstub_udp_net.h"
#include "linkfault.h"

/* Ethernet without FCS: what a slot holds; longer frames are cut. */
#define HS_NIC_FRAME_MAX KSTUB_UDP_NET_FRAME_MAX
/* The wire's shortest frame: shorter ones arrive padded with zeros. */
#define HS_NIC_FRAME_MIN KSTUB_UDP_NET_FRAME_MIN
#define HS_NIC_RING_DEFAULT 64
#define HS_NIC_RING_MAX 4096
/* A frame held back for reordering goes out anyway after this long. */
#define HS_NIC_HOLD_MAX_NS 20000000ull

/* Puts one frame on the wire; 0, or -1 if the wire refused it. */
typedef int hs_nic_wire_send_fn(void *ctx, const uint8_t *frame, size_t len);

struct hs_nic_config {
	uint8_t mac[6];			/* all zero: a locally administered one */
	unsigned ring_slots;		/* 0: HS_NIC_RING_DEFAULT */
	struct hs_linkfault_cfg rx_fault;	/* wire -> ring */
	struct hs_linkfault_cfg tx_fault;	/* transmitter -> wire */
	hs_nic_wire_send_fn *wire_send;	/* required */
	void *wire_ctx;
};

/* What the NIC counts (monitor nic prints them). */
struct hs_nic_stats {
	uint64_t rx_wire;	/* frames that came off the wire */
	uint64_t rx_filtered;	/* not for our MAC nor broadcast */
	uint64_t rx_overrun;	/* ring full: lost */
	uint64_t rx_ring;	/* put in the ring */
	uint64_t rx_taken;	/* taken by the kernel */
	uint64_t tx_frames;	/* handed to the wire */
	uint64_t tx_errors;	/* the wire refused them */
	/* The fault injector's own counts, per direction. */
	uint64_t rx_fault_dropped, rx_fault_dup, rx_fault_reordered,
		rx_fault_corrupted;
	uint64_t tx_fault_dropped, tx_fault_dup, tx_fault_reordered,
		tx_fault_corrupted;
};

struct hs_nic_slot {
	uint32_t len;			/* the frame's full length */
	uint8_t data[HS_NIC_FRAME_MAX];
};

struct hs_nic {
	uint8_t mac[6];
	unsigned slots;
	struct hs_nic_slot *ring;
	/* Counters of frames in and out; head - tail are waiting. */
	_Atomic uint64_t head, tail;
	_Atomic uint64_t rx_overrun, rx_filtered, rx_wire, rx_taken;
	_Atomic uint64_t tx_frames, tx_errors;
	hs_nic_wire_send_fn *wire_send;
	void *wire_ctx;
	/* The wire thread's: faults towards the ring. */
	struct hs_linkfault rx_fault;
	uint8_t rx_hold[HS_NIC_FRAME_MAX], rx_scratch[HS_NIC_FRAME_MAX];
	/* The kernel side's: faults towards the wire. */
	struct hs_linkfault tx_fault;
	uint8_t tx_hold[HS_NIC_FRAME_MAX], tx_scratch[HS_NIC_FRAME_MAX];
	uint64_t tx_held_since_ns;
	unsigned idle_polls;		/* empty polls in a row (nic.c) */
};

/*
 * Set the NIC up (allocates the ring). Returns 0, or -1 with a reason in
 * err for a bad configuration (ring size, multicast MAC, no wire).
 */
int hs_nic_init(struct hs_nic *nic, const struct hs_nic_config *cfg,
		char *err, size_t errlen);
void hs_nic_fini(struct hs_nic *nic);

/* The kernel's side: kstub_udp_nic_ops with a struct hs_nic as ctx. */
extern const struct kstub_udp_nic_ops hs_nic_ops;

/*
 * The wire thread's side. A frame off the wire (len bytes, of which
 * only the first caplen are here when the capture cut it): through the
 * RX faults and the filter into the ring.
 */
void hs_nic_wire_in(struct hs_nic *nic, const uint8_t *frame, size_t caplen,
		    size_t len);
/* The wire has been quiet a while: a frame held back arrives now. */
void hs_nic_wire_idle(struct hs_nic *nic);

void hs_nic_get_stats(struct hs_nic *nic, struct hs_nic_stats *st);

/* "02:00:5e:..." into buf (18 bytes); 0 or -1. */
int hs_nic_parse_mac(const char *s, uint8_t mac[6]);

#endif /* HOSTSIM_NIC_H */
