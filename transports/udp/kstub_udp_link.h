/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UDP transport, whole: the network layer (kstub_udp_net.h) under
 * the authenticated mode (kstub_udp_auth.h, the default) or, only when
 * the port asks for it, plain mode (kstub_udp_plain.h). A port supplies
 * the NIC hooks and the configuration and makes one call:
 *
 *	static struct kstub_udp_link link;
 *	struct kstub_udp_link_config lc = { .net = ..., .auth = ... };
 *	kstub_udp_link_setup(&link, &my_nic_ops, my_nic, &lc, &cfg);
 *	kstub_udp_auth_set_key(&link.auth, key_from_boot_param, 32);
 *	kstub_init(&ks, &cfg);
 */
#ifndef KSTUB_UDP_LINK_H
#define KSTUB_UDP_LINK_H

#include "kstub_udp_auth.h"
#include "kstub_udp_net.h"
#include "kstub_udp_plain.h"

/* The port owns it (static storage). One mode at a time. */
struct kstub_udp_link {
	union {
		struct kstub_udp_plain plain;
		struct kstub_udp_auth auth;
	};
	struct kstub_udp_net net;
};

struct kstub_udp_link_config {
	struct kstub_udp_net_config net;
	/*
	 * Authenticated mode's hooks (kstub_udp_auth.h); its key comes
	 * later, from kstub_udp_auth_set_key() (or key below).
	 */
	struct kstub_udp_auth_config auth;
	/*
	 * The pre-shared key, if the port has it at setup (read at run
	 * time, never compiled in); NULL: set it later.
	 */
	const uint8_t *key;
	size_t key_len;
	/*
	 * Plain mode instead: gdb's own "target remote udp:", with no
	 * authentication at all. Opt-in: anyone who can send the stub a
	 * datagram can then stop the kernel with a break-in request.
	 */
	bool plain;
};

/*
 * Initialise the network layer and the chosen mode, join them, and
 * point kcfg's link and link_ctx at the mode's link.
 * Called: once, at boot, before kstub_init(); thread context.
 * Returns: 0, or KSTUB_EINVAL as kstub_udp_net_init(),
 *   kstub_udp_auth_init() and kstub_udp_auth_set_key(), or for a key
 *   given with plain mode.
 */
int kstub_udp_link_setup(struct kstub_udp_link *l,
			 const struct kstub_udp_nic_ops *nic, void *nic_ctx,
			 const struct kstub_udp_link_config *c,
			 struct kstub_config *kcfg);

/*
 * Plain mode only (kept for ports written before the authenticated
 * mode): as kstub_udp_link_setup with .plain set; the port then passes
 * kstub_udp_plain_ops with &link.plain as the link.
 */
int kstub_udp_link_init(struct kstub_udp_link *l,
			const struct kstub_udp_nic_ops *nic, void *nic_ctx,
			const struct kstub_udp_net_config *cfg);

#endif /* KSTUB_UDP_LINK_H */
