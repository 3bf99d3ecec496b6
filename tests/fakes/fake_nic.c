/* SPDX-License-Identifier: BSD-2-Clause */
/* The fake polled NIC (fake_nic.h). */
#include <stdlib.h>
#include <string.h>

#include "fake_nic.h"
#include "kstub_errno.h"

void fake_nic_init(struct fake_nic *nic, const uint8_t mac[6])
{
	memset(nic, 0, sizeof(*nic));
	memcpy(nic->mac, mac, 6);
}

void fake_nic_queue(struct fake_nic *nic, const void *f, size_t len)
{
	if (nic->nin >= FAKE_NIC_QUEUE || len > FAKE_NIC_FRAME_MAX)
		abort();	/* a test's own mistake */
	memcpy(nic->in[nic->nin], f, len);
	nic->in_len[nic->nin++] = len;
}

uint32_t fake_nic_drops(const struct kstub_udp_net_stats *s)
{
	return s->drop_short + s->drop_oversize + s->drop_mac +
	       s->drop_ethertype + s->drop_arp_bad + s->drop_arp_other +
	       s->drop_ip_bad + s->drop_ip_options + s->drop_ip_frag +
	       s->drop_ip_csum + s->drop_ip_dst + s->drop_ip_src +
	       s->drop_ip_proto + s->drop_icmp_bad + s->drop_icmp_type +
	       s->drop_udp_bad + s->drop_udp_csum + s->drop_udp_port +
	       s->drop_peer + s->drop_unready;
}

static int send_frame(void *ctx, const uint8_t *f, size_t len)
{
	struct fake_nic *nic = ctx;

	/* The layer's contract: padded, never over one Ethernet frame. */
	if (len < KSTUB_UDP_NET_FRAME_MIN || len > KSTUB_UDP_NET_FRAME_MAX ||
	    nic->nout >= FAKE_NIC_QUEUE)
		abort();
	if (nic->send_fails)
		return KSTUB_EIO;
	memcpy(nic->out[nic->nout], f, len);
	nic->out_len[nic->nout++] = len;
	if (nic->on_send)
		nic->on_send(nic, f, len);
	return 0;
}

static long recv_frame(void *ctx, uint8_t *buf, size_t cap)
{
	struct fake_nic *nic = ctx;
	size_t len;

	nic->polls++;
	if (nic->recv_fails)
		return KSTUB_EIO;
	if (nic->in_pos >= nic->nin)
		return KSTUB_EAGAIN;
	len = nic->in_len[nic->in_pos];
	memcpy(buf, nic->in[nic->in_pos++], len < cap ? len : cap);
	return (long)len;
}

static void get_mac(void *ctx, uint8_t mac[6])
{
	memcpy(mac, ((struct fake_nic *)ctx)->mac, 6);
}

const struct kstub_udp_nic_ops fake_nic_ops = {
	.send_frame = send_frame,
	.recv_frame = recv_frame,
	.get_mac = get_mac,
};
