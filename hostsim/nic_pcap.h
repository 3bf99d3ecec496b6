/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The NIC model's wire on a real kernel interface through libpcap
 * (nic_pcap.c). The interface must exist and be up; opening it needs
 * CAP_NET_RAW (root), as any packet capture does.
 */
#ifndef HOSTSIM_NIC_PCAP_H
#define HOSTSIM_NIC_PCAP_H

#include <stddef.h>

#include "nic.h"

struct hs_nic_pcap;

/*
 * Open ifname, set nic up with cfg (whose wire fields are filled here)
 * and start the thread that receives into its ring. The machine's
 * signals are blocked in that thread. Returns 0, or -1 with a reason in
 * err (libpcap's words: no such device, permission, not Ethernet).
 */
int hs_nic_pcap_open(struct hs_nic_pcap **out, struct hs_nic *nic,
		     struct hs_nic_config *cfg, const char *ifname, char *err,
		     size_t errlen);

#endif /* HOSTSIM_NIC_PCAP_H */
