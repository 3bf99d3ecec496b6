/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * "monitor stats" for the authenticated UDP link: every counter of
 * struct kstub_udp_auth_stats and, when the port joined them, the
 * network layer's drops, one "name value" line each.
 */
#include "kstub_errno.h"
#include "kstub_udp_auth.h"

struct counter {
	const char *name;
	uint16_t off;
};

#define A(f)                                                                   \
	{                                                                      \
#f, __builtin_offsetof(struct kstub_udp_auth_stats, f)         \
	}
static const struct counter auth_counters[] = {
    A(rx_dgrams),     A(rx_short),	   A(rx_oversize),  A(rx_version),
    A(rx_bad_len),    A(rx_bad_type),	   A(rx_bad_frag),  A(rx_no_key),
    A(rx_no_session), A(rx_wrong_session), A(rx_bad_tag),   A(rx_dup),
    A(rx_ahead),      A(rx_dup_frag),	   A(rx_delivered), A(hs_hello),
    A(hs_bad_key),    A(hs_busy),	   A(hs_no_nonce),  A(sessions),
    A(sessions_lost), A(tx_msgs),	   A(tx_resends),   A(tx_errors),
};

#define N(f)                                                                   \
	{                                                                      \
#f, __builtin_offsetof(struct kstub_udp_net_stats, f)          \
	}
static const struct counter net_counters[] = {
    N(rx_frames),      N(rx_delivered),	  N(rx_nic_error),    N(drop_short),
    N(drop_oversize),  N(drop_mac),	  N(drop_ethertype),  N(drop_arp_bad),
    N(drop_arp_other), N(drop_ip_bad),	  N(drop_ip_options), N(drop_ip_frag),
    N(drop_ip_csum),   N(drop_ip_dst),	  N(drop_ip_src),     N(drop_ip_proto),
    N(drop_icmp_bad),  N(drop_icmp_type), N(drop_udp_bad),    N(drop_udp_csum),
    N(drop_udp_port),  N(drop_peer),	  N(drop_unready),    N(udp_no_csum),
    N(arp_replied),    N(arp_learned),	  N(arp_timeouts),    N(icmp_echoed),
    N(tx_frames),      N(tx_errors),	  N(tx_oversize),     N(tx_no_peer),
};

/* Lines gather here and go out as one O packet when it fills. */
struct out {
	struct kstub *ks;
	char buf[160];
	size_t n;
};

static void flush(struct out *o)
{
	if (o->n)
		kstub_monitor_write(o->ks, o->buf, o->n);
	o->n = 0;
}

/* "prefix name value\n" */
static void line(struct out *o, const char *prefix, const char *name,
		 uint32_t v)
{
	char dec[10];
	size_t nd = 0, need = 0;
	const char *s;

	do {
		dec[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (s = prefix; *s; s++)
		need++;
	for (s = name; *s; s++)
		need++;
	need += nd + 2;
	if (o->n + need > sizeof(o->buf))
		flush(o);
	for (s = prefix; *s; s++)
		o->buf[o->n++] = *s;
	for (s = name; *s; s++)
		o->buf[o->n++] = *s;
	o->buf[o->n++] = ' ';
	while (nd)
		o->buf[o->n++] = dec[--nd];
	o->buf[o->n++] = '\n';
}

static void table(struct out *o, const char *prefix, const void *stats,
		  const struct counter *c, size_t count)
{
	const uint8_t *base = stats;
	uint32_t v;
	size_t i;

	for (i = 0; i < count; i++) {
		__builtin_memcpy(&v, base + c[i].off, sizeof(v));
		line(o, prefix, c[i].name, v);
	}
}

static int stats_cmd(struct kstub *ks, void *port_ctx, const char *args,
		     size_t len)
{
	const struct kstub_udp_auth *a = ks->cfg.link_ctx;
	struct out o;

	(void)port_ctx;
	(void)args;
	(void)len;
	if (ks->cfg.link != &kstub_udp_auth_ops)
		return KSTUB_ENOTSUP;
	o.ks = ks;
	o.n = 0;
	table(&o, "auth ", &a->stats, auth_counters,
	      sizeof(auth_counters) / sizeof(auth_counters[0]));
	if (a->net_stats)
		table(&o, "net ", a->net_stats, net_counters,
		      sizeof(net_counters) / sizeof(net_counters[0]));
	flush(&o);
	return 0;
}

const struct kstub_monitor_cmd kstub_udp_auth_stats_cmd = {
    .name = "stats",
    .help = "UDP link counters: datagrams refused, by reason",
    .fn = stats_cmd,
};
