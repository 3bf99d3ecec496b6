/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UDP transport in plain mode, whole: plain mode (kstub_udp_plain.h)
 * over the network layer (kstub_udp_net.h), which also forgets a peer
 * it latched onto when plain mode ends the session. A port supplies
 * only the NIC hooks and the configuration:
 *
 *	static struct kstub_udp_link link;
 *	kstub_udp_link_init(&link, &my_nic_ops, my_nic, &net_cfg);
 *	cfg.link = &kstub_udp_plain_ops; cfg.link_ctx = &link.plain;
 */
#ifndef KSTUB_UDP_LINK_H
#define KSTUB_UDP_LINK_H

#include "kstub_udp_plain.h"
#include "kstub_udp_net.h"

/* The port owns it (static storage). */
struct kstub_udp_link {
	struct kstub_udp_plain plain;
	struct kstub_udp_net net;
};

/*
 * Initialise both layers and join them.
 * Called: once, at boot, before kstub_init(); thread context.
 * Returns: 0, or KSTUB_EINVAL as kstub_udp_net_init().
 */
int kstub_udp_link_init(struct kstub_udp_link *l,
			const struct kstub_udp_nic_ops *nic, void *nic_ctx,
			const struct kstub_udp_net_config *cfg);

#endif /* KSTUB_UDP_LINK_H */
