/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UDP transport's modes over the network layer (kstub_udp_link.h):
 * the datagram hooks each mode needs, served by kstub_udp_net.
 */
#include "kstub_errno.h"
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

static long dg_recv_from(void *ctx, uint8_t *buf, size_t cap,
			 struct kstub_udp_addr *from)
{
	return kstub_udp_net_recv_from(ctx, buf, cap, from);
}

static int dg_send_to(void *ctx, const struct kstub_udp_addr *to,
		      const uint8_t *p, size_t n)
{
	return kstub_udp_net_send_to(ctx, to, p, n);
}

static const struct kstub_udp_dgram_ops net_dgram_ops = {
    .send = dg_send,
    .recv = dg_recv,
    .forget = dg_forget,
    .recv_from = dg_recv_from,
    .send_to = dg_send_to,
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

int kstub_udp_link_setup(struct kstub_udp_link *l,
			 const struct kstub_udp_nic_ops *nic, void *nic_ctx,
			 const struct kstub_udp_link_config *c,
			 struct kstub_config *kcfg)
{
	int r;

	if (!c || !kcfg || (c->plain && c->key))
		return KSTUB_EINVAL;
	if (c->plain) {
		r = kstub_udp_link_init(l, nic, nic_ctx, &c->net);
		if (r < 0)
			return r;
		kcfg->link = &kstub_udp_plain_ops;
		kcfg->link_ctx = &l->plain;
		return 0;
	}
	r = kstub_udp_net_init(&l->net, nic, nic_ctx, &c->net);
	if (r < 0)
		return r;
	r = kstub_udp_auth_init(&l->auth, &net_dgram_ops, &l->net, &c->auth);
	if (r < 0)
		return r;
	l->auth.net_stats = &l->net.stats;
	if (c->key) {
		r = kstub_udp_auth_set_key(&l->auth, c->key, c->key_len);
		if (r < 0)
			return r;
	}
	kcfg->link = &kstub_udp_auth_ops;
	kcfg->link_ctx = &l->auth;
	return 0;
}
