// SPDX-License-Identifier: BSD-2-Clause
/*
 * The NIC model (nic.h): receive filter, RX ring, transmitter, and the
 * fault injector on both directions of its wire.
 */
#include "nic.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "kstub_errno.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int hs_nic_init(struct hs_nic *nic, const struct hs_nic_config *cfg,
		char *err, size_t errlen)
{
	static const uint8_t zero[6];
	unsigned slots = cfg->ring_slots ? cfg->ring_slots
					 : HS_NIC_RING_DEFAULT;

	memset(nic, 0, sizeof(*nic));
	if (!cfg->wire_send) {
		snprintf(err, errlen, "no wire to send on");
		return -1;
	}
	if (slots > HS_NIC_RING_MAX) {
		snprintf(err, errlen, "an RX ring of %u slots: at most %u",
			 slots, HS_NIC_RING_MAX);
		return -1;
	}
	if (cfg->mac[0] & 1) {
		snprintf(err, errlen, "a multicast MAC cannot be a NIC's own");
		return -1;
	}
	if (memcmp(cfg->mac, zero, 6)) {
		memcpy(nic->mac, cfg->mac, 6);
	} else {
		/* Locally administered, unicast: 02 in the first octet. */
		if (getrandom(nic->mac, 6, 0) != 6) {
			snprintf(err, errlen, "no random bytes for a MAC");
			return -1;
		}
		nic->mac[0] = (uint8_t)((nic->mac[0] & 0xfc) | 0x02);
	}
	nic->ring = calloc(slots, sizeof(*nic->ring));
	if (!nic->ring) {
		snprintf(err, errlen, "no memory for %u RX slots", slots);
		return -1;
	}
	nic->slots = slots;
	nic->wire_send = cfg->wire_send;
	nic->wire_ctx = cfg->wire_ctx;
	hs_linkfault_frame_init(&nic->rx_fault, &cfg->rx_fault, nic->rx_hold,
				sizeof(nic->rx_hold));
	hs_linkfault_frame_init(&nic->tx_fault, &cfg->tx_fault, nic->tx_hold,
				sizeof(nic->tx_hold));
	return 0;
}

void hs_nic_fini(struct hs_nic *nic)
{
	free(nic->ring);
	nic->ring = NULL;
}

/* The receive filter: our unicast MAC or broadcast, as a NIC's RAR. */
static bool for_us(const struct hs_nic *nic, const uint8_t *f, size_t len)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	return len >= 6 && (!memcmp(f, nic->mac, 6) || !memcmp(f, bcast, 6));
}

/* What the fault injector lets through, into the ring (wire thread). */
static void ring_put(void *ctx, const uint8_t *frame, size_t len)
{
	struct hs_nic *nic = ctx;
	uint64_t head = atomic_load_explicit(&nic->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&nic->tail, memory_order_acquire);
	struct hs_nic_slot *s;
	size_t keep;

	if (!for_us(nic, frame, len)) {
		atomic_fetch_add(&nic->rx_filtered, 1);
		return;
	}
	if (head - tail >= nic->slots) {
		atomic_fetch_add(&nic->rx_overrun, 1);
		return;
	}
	s = &nic->ring[head % nic->slots];
	keep = len < HS_NIC_FRAME_MAX ? len : HS_NIC_FRAME_MAX;
	memcpy(s->data, frame, keep);
	s->len = (uint32_t)len;
	atomic_store_explicit(&nic->head, head + 1, memory_order_release);
}

void hs_nic_wire_in(struct hs_nic *nic, const uint8_t *frame, size_t caplen,
		    size_t len)
{
	size_t keep = caplen < HS_NIC_FRAME_MAX ? caplen : HS_NIC_FRAME_MAX;

	atomic_fetch_add(&nic->rx_wire, 1);
	/* The wire's minimum: a short frame arrives padded (veth sends
	 * them short, a real Ethernet cannot). */
	memcpy(nic->rx_scratch, frame, keep);
	if (len < HS_NIC_FRAME_MIN) {
		memset(nic->rx_scratch + keep, 0, HS_NIC_FRAME_MIN - keep);
		len = HS_NIC_FRAME_MIN;
	}
	/* A frame longer than a slot is cut; its length says so. */
	if (len > HS_NIC_FRAME_MAX) {
		ring_put(nic, nic->rx_scratch, len);
		return;
	}
	hs_linkfault_frame(&nic->rx_fault, nic->rx_scratch, len, ring_put, nic);
}

void hs_nic_wire_idle(struct hs_nic *nic)
{
	hs_linkfault_frame_flush(&nic->rx_fault, ring_put, nic);
}

static void wire_put(void *ctx, const uint8_t *frame, size_t len)
{
	struct hs_nic *nic = ctx;

	if (nic->wire_send(nic->wire_ctx, frame, len))
		atomic_fetch_add(&nic->tx_errors, 1);
	else
		atomic_fetch_add(&nic->tx_frames, 1);
}

/* A transmitted frame held back for reordering goes out at the latest
 * this long after: a wire that went quiet would otherwise keep it. */
static void tx_flush_stale(struct hs_nic *nic)
{
	if (nic->tx_fault.held_copies &&
	    now_ns() - nic->tx_held_since_ns > HS_NIC_HOLD_MAX_NS)
		hs_linkfault_frame_flush(&nic->tx_fault, wire_put, nic);
}

static int send_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct hs_nic *nic = ctx;
	bool held;

	if (len < HS_NIC_FRAME_MIN || len > HS_NIC_FRAME_MAX)
		return KSTUB_EIO;	/* the hardware would not send it */
	if (!hs_linkfault_active(&nic->tx_fault)) {
		wire_put(nic, frame, len);
		return 0;
	}
	memcpy(nic->tx_scratch, frame, len);
	held = nic->tx_fault.held_copies != 0;
	hs_linkfault_frame(&nic->tx_fault, nic->tx_scratch, len, wire_put, nic);
	if (!held && nic->tx_fault.held_copies)
		nic->tx_held_since_ns = now_ns();
	return 0;
}

/*
 * A polling kernel spins on an empty ring. On a host with no more cores
 * than busy threads (the polling CPU, a parked one spinning) that spin
 * starves the wire thread it waits for, by milliseconds a frame; so
 * after a run of empty polls each further one gives the host core away,
 * as the UART model does. No hardware does this; it only keeps the
 * simulation moving. sched_yield takes no lock.
 */
#define IDLE_POLLS_BEFORE_YIELD 64

static void poll_backoff(struct hs_nic *nic)
{
	int saved;

	if (nic->idle_polls++ < IDLE_POLLS_BEFORE_YIELD)
		return;
	saved = errno;
	sched_yield();
	errno = saved;
}

/*
 * Take the oldest frame. A CPU parked by a roundup in the middle of this
 * may find, when it runs again, that another CPU took the frame and the
 * wire refilled the slot: the claim (compare-and-swap of tail) fails and
 * the copy, possibly torn, is thrown away.
 */
static long recv_frame(void *ctx, uint8_t *buf, size_t cap)
{
	struct hs_nic *nic = ctx;
	const struct hs_nic_slot *s;
	uint64_t tail, head;
	size_t len;

	tx_flush_stale(nic);
	for (;;) {
		tail = atomic_load_explicit(&nic->tail, memory_order_acquire);
		head = atomic_load_explicit(&nic->head, memory_order_acquire);
		if (tail == head) {
			poll_backoff(nic);
			return KSTUB_EAGAIN;
		}
		s = &nic->ring[tail % nic->slots];
		len = s->len;
		if (len > HS_NIC_FRAME_MAX)
			memcpy(buf, s->data, cap < HS_NIC_FRAME_MAX ? cap
							: HS_NIC_FRAME_MAX);
		else
			memcpy(buf, s->data, cap < len ? cap : len);
		if (atomic_compare_exchange_strong(&nic->tail, &tail,
						   tail + 1))
			break;
	}
	atomic_fetch_add(&nic->rx_taken, 1);
	nic->idle_polls = 0;
	return (long)len;
}

static void get_mac(void *ctx, uint8_t mac[6])
{
	memcpy(mac, ((struct hs_nic *)ctx)->mac, 6);
}

const struct kstub_udp_nic_ops hs_nic_ops = {
	.send_frame = send_frame,
	.recv_frame = recv_frame,
	.get_mac = get_mac,
};

void hs_nic_get_stats(struct hs_nic *nic, struct hs_nic_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->rx_wire = atomic_load(&nic->rx_wire);
	st->rx_filtered = atomic_load(&nic->rx_filtered);
	st->rx_overrun = atomic_load(&nic->rx_overrun);
	st->rx_ring = atomic_load(&nic->head);
	st->rx_taken = atomic_load(&nic->rx_taken);
	st->tx_frames = atomic_load(&nic->tx_frames);
	st->tx_errors = atomic_load(&nic->tx_errors);
	/* Another thread's plain counters: a monitor's snapshot. */
	st->rx_fault_dropped = nic->rx_fault.dropped;
	st->rx_fault_dup = nic->rx_fault.duplicated;
	st->rx_fault_reordered = nic->rx_fault.reordered;
	st->rx_fault_corrupted = nic->rx_fault.corrupted;
	st->tx_fault_dropped = nic->tx_fault.dropped;
	st->tx_fault_dup = nic->tx_fault.duplicated;
	st->tx_fault_reordered = nic->tx_fault.reordered;
	st->tx_fault_corrupted = nic->tx_fault.corrupted;
}

int hs_nic_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int v = 0;

		for (int d = 0; d < 2; d++, s++) {
			int c = *s;

			if (c >= '0' && c <= '9')
				v = v * 16 + c - '0';
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v = v * 16 + c - 'A' + 10;
			else
				return -1;
		}
		mac[i] = (uint8_t)v;
		if (*s != (i == 5 ? '\0' : ':'))
			return -1;
		if (i < 5)
			s++;
	}
	return 0;
}
