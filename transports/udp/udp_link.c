/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Plain mode over the network layer (kstub_udp_link.h): the datagram
 * hooks plain mode needs, served by kstub_udp_net.
 */
#include "kstub_udp_link.h"

static int dg_send(void *ctx, const uint8_t *p, size_t n)
{
	return kstub_udp_net_send(ctx, p, n);
}

static long dg_recv(void *ctx, uint8_t *buf, size_t cap)
{
	return kstub_udp_net_recv(ctx, buf, cap);
}

static void dg_forget(void *ctx)
{
	kstub_udp_net_forget(ctx);
}

static const struct kstub_udp_dgram_ops net_dgram_ops = {
	.send = dg_send,
	.recv = dg_recv,
	.forget = dg_forget,
};

int kstub_udp_link_init(struct kstub_udp_link *l,
			const struct kstub_udp_nic_ops *nic, void *nic_ctx,
			const struct kstub_udp_net_config *cfg)
{
	int r = kstub_udp_net_init(&l->net, nic, nic_ctx, cfg);

	if (r < 0)
		return r;
	return kstub_udp_plain_init(&l->plain, &net_dgram_ops, &l->net);
}
