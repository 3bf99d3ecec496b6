/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A synchronous polled NIC for the UDP transport's network layer
 * (kstub_udp_net.h): the test queues received frames of any length
 * (cut to the caller's buffer as a real ring would, the full length
 * reported), reads the frames sent, and can make sending fail. An
 * optional hook answers a sent frame with frames of its own (an ARP
 * reply to a request), as a peer on the wire would.
 */
#ifndef FAKE_NIC_H
#define FAKE_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstub_udp_net.h"

#define FAKE_NIC_FRAME_MAX 2048
#define FAKE_NIC_QUEUE 64

struct fake_nic {
	uint8_t mac[6];
	bool send_fails;	/* send_frame answers KSTUB_EIO */
	bool recv_fails;	/* recv_frame answers KSTUB_EIO */
	/* Called after each frame sent; may fake_nic_queue() answers. */
	void (*on_send)(struct fake_nic *nic, const uint8_t *f, size_t len);

	uint8_t in[FAKE_NIC_QUEUE][FAKE_NIC_FRAME_MAX];
	size_t in_len[FAKE_NIC_QUEUE];
	unsigned nin, in_pos;
	unsigned polls;		/* recv_frame calls */

	uint8_t out[FAKE_NIC_QUEUE][FAKE_NIC_FRAME_MAX];
	size_t out_len[FAKE_NIC_QUEUE];
	unsigned nout;
};

extern const struct kstub_udp_nic_ops fake_nic_ops;

void fake_nic_init(struct fake_nic *nic, const uint8_t mac[6]);
/* Queue one received frame of len bytes (len up to FAKE_NIC_FRAME_MAX). */
void fake_nic_queue(struct fake_nic *nic, const void *f, size_t len);
/* The layer's drop counters summed: one reason per dropped frame. */
uint32_t fake_nic_drops(const struct kstub_udp_net_stats *s);

#endif /* FAKE_NIC_H */
