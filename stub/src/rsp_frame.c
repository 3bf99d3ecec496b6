/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The receive framer: one byte in, at most one event out. It never
 * blocks and never writes past rx_buf, so a link that delivers garbage,
 * truncated packets or endless data can only cost a nak or an E07.
 */
#include "kstub_int.h"

enum { RX_IDLE, RX_DATA, RX_CSUM1, RX_CSUM2 };

void kstub_rx_reset(struct kstub *ks)
{
	ks->rx.state = RX_IDLE;
	ks->rx.len = 0;
	ks->rx.sum = 0;
	ks->rx.overflow = 0;
}

bool kstub_rx_busy(const struct kstub *ks)
{
	return ks->rx.state != RX_IDLE;
}

static void rx_start(struct kstub *ks)
{
	kstub_rx_reset(ks);
	ks->rx.state = RX_DATA;
}

enum kstub_rx_event kstub_rx_byte(struct kstub *ks, uint8_t b)
{
	struct kstub_rx *rx = &ks->rx;
	int d;

	switch (rx->state) {
	case RX_IDLE:
		if (b == '$')
			rx_start(ks);
		else if (b == 0x03)
			return KSTUB_RX_INTR;
		else if (b == '+')
			return KSTUB_RX_ACK;
		else if (b == '-')
			return KSTUB_RX_NAK;
		/* Anything else is line noise between packets. */
		return KSTUB_RX_NONE;
	case RX_DATA:
		if (b == '$') {
			/* gdb gave up on a packet and started over. */
			rx_start(ks);
		} else if (b == '#') {
			rx->state = RX_CSUM1;
		} else {
			rx->sum = (uint8_t)(rx->sum + b);
			if (rx->len < ks->pkt_max)
				ks->cfg.rx_buf[rx->len++] = b;
			else
				rx->overflow = 1;
		}
		return KSTUB_RX_NONE;
	case RX_CSUM1:
		d = kstub_hexval(b);
		if (d < 0) {
			rx->state = RX_IDLE;
			if (b == '$')
				rx_start(ks);
			return KSTUB_RX_BADSUM;
		}
		rx->csum_hi = (uint8_t)d;
		rx->state = RX_CSUM2;
		return KSTUB_RX_NONE;
	default:
		d = kstub_hexval(b);
		rx->state = RX_IDLE;
		if (d < 0 || (uint8_t)(rx->csum_hi << 4 | d) != rx->sum) {
			if (b == '$')
				rx_start(ks);
			return KSTUB_RX_BADSUM;
		}
		return KSTUB_RX_PACKET;
	}
}
