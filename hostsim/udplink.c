// SPDX-License-Identifier: BSD-2-Clause
/*
 * kstub-sim --udp: the debug link is the UDP transport on the NIC model
 * (nic.h) over a real interface (nic_pcap.h), instead of the serial
 * line: authenticated with --udp-key, else plain mode. Parses --udp,
 * --udp-key and --nic-faults, wires the transport as a kernel's port
 * does, and reports the NIC's and the link's counters.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../transports/udp/host/keyfile.h"
#include "kstub_udp_link.h"
#include "nic.h"
#include "nic_pcap.h"
#include "sim.h"

static struct {
	bool on;
	char ifname[64];
	struct kstub_udp_net_config net;
	struct hs_nic_config nic;
	bool have_key;
	uint8_t key[KSTUB_UDP_AUTH_KEY_LEN]; /* wiped once the link has it */
} opt;

static struct hs_nic nic;
static struct hs_nic_pcap *wire;
static struct kstub_udp_link udp;

static __attribute__((noreturn)) void bad(const char *what, const char *why,
					  int n, const char *val)
{
	fprintf(stderr, "kstub-sim: %s: %s '%.*s'\n", what, why, n, val);
	exit(2);
}

/* A dotted quad of n bytes at s, strictly (inet_pton's AF_INET form). */
static void parse_ip(const char *key, const char *s, size_t n, uint8_t ip[4])
{
	char buf[INET_ADDRSTRLEN], why[64];

	snprintf(why, sizeof(why), "%s is not an IPv4 address A.B.C.D:", key);
	if (n >= sizeof(buf))
		bad("--udp", why, (int)n, s);
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, ip) != 1)
		bad("--udp", why, (int)n, s);
}

static uint16_t parse_port(const char *key, const char *s, size_t n)
{
	char buf[8];

	if (n == 0 || n >= sizeof(buf))
		bad(key, "is not a whole number from 1 to 65535:", (int)n, s);
	memcpy(buf, s, n);
	buf[n] = 0;
	return (uint16_t)sim_opt_number(key, buf, 1, 65535);
}

/*
 * IFACE,ip=A.B.C.D,port=N[,peer=IP[:PORT]][,gw=IP][,mac=MAC][,ring=N]
 * Each key once; the reason for a refusal names the key and the value.
 */
void sim_udp_parse(const char *spec)
{
	size_t n = strcspn(spec, ",");
	const char *p = spec + n;
	char buf[32];
	unsigned seen = 0;

	if (n == 0 || n >= sizeof(opt.ifname) || spec[0] == '=' ||
	    memchr(spec, '=', n))
		bad("--udp", "the first item must be an interface name, not",
		    (int)n, spec);
	memcpy(opt.ifname, spec, n);
	while (*p == ',') {
		static const char *const keys[] = { "ip", "port", "peer", "gw",
						    "mac", "ring" };
		const char *item = p + 1, *val;
		size_t len = strcspn(item, ","), klen;
		unsigned k;

		p = item + len;
		val = memchr(item, '=', len);
		klen = val ? (size_t)(val - item) : len;
		for (k = 0; k < 6; k++)
			if (strlen(keys[k]) == klen &&
			    !strncmp(item, keys[k], klen))
				break;
		if (!val || k == 6)
			bad("--udp", "not ip=, port=, peer=, gw=, mac= or ring=:",
			    (int)len, item);
		if (seen & (1u << k))
			bad("--udp", "given twice:", (int)len, item);
		seen |= 1u << k;
		val++;
		len -= klen + 1;
		switch (k) {
		case 0:
			parse_ip("ip=", val, len, opt.net.ip);
			break;
		case 1:
			opt.net.port = parse_port("--udp port=", val, len);
			break;
		case 2: {
			const char *colon = memchr(val, ':', len);
			size_t iplen = colon ? (size_t)(colon - val) : len;

			parse_ip("peer=", val, iplen, opt.net.peer_ip);
			if (colon)
				opt.net.peer_port = parse_port(
					"--udp peer port", colon + 1,
					len - iplen - 1);
			break;
		}
		case 3:
			parse_ip("gw=", val, len, opt.net.gateway_ip);
			break;
		case 4:
			if (len >= sizeof(buf))
				bad("--udp", "mac= is not aa:bb:cc:dd:ee:ff:",
				    (int)len, val);
			memcpy(buf, val, len);
			buf[len] = 0;
			if (hs_nic_parse_mac(buf, opt.nic.mac))
				bad("--udp", "mac= is not aa:bb:cc:dd:ee:ff:",
				    (int)len, val);
			break;
		default:
			if (len >= sizeof(buf))
				bad("--udp", "ring= is not a number:", (int)len,
				    val);
			memcpy(buf, val, len);
			buf[len] = 0;
			opt.nic.ring_slots = (unsigned)sim_opt_number(
				"--udp ring=", buf, 1, HS_NIC_RING_MAX);
		}
	}
	if ((seen & 3u) != 3u)
		bad("--udp", "needs ip= and port=:", (int)strlen(spec), spec);
	/*
	 * No mac=: 02:6b (locally administered, 'k') and the IPv4 address,
	 * the same at every boot, so a reboot leaves the peer's ARP cache
	 * right, as a NIC's burnt-in address would.
	 */
	if (!(seen & (1u << 4))) {
		opt.nic.mac[0] = 0x02;
		opt.nic.mac[1] = 0x6b;
		memcpy(opt.nic.mac + 2, opt.net.ip, 4);
	}
	opt.on = true;
}

/* --nic-faults [dir=to-kernel|from-kernel|both,]drop=P,dup=P,... */
void sim_nic_faults(const char *spec)
{
	struct hs_linkfault_cfg lf;
	bool rx, tx;

	if (hs_linkfault_parse_dir(&spec, &rx, &tx))
		bad("--nic-faults", "direction is not to-kernel, from-kernel "
		    "or both:", (int)strcspn(spec, ","), spec);
	if (hs_linkfault_parse(&lf, spec))
		bad("--nic-faults", "not corrupt=P,drop=P,dup=P,reorder=P,"
		    "seed=N (P from 0 to 1):", (int)strlen(spec), spec);
	if (rx)
		opt.nic.rx_fault = lf;
	if (tx) {
		opt.nic.tx_fault = lf;
		opt.nic.tx_fault.seed = lf.seed * 2 + 1;
	}
}

void sim_udp_key(const char *path)
{
	char err[512];

	if (kstub_udp_key_file_read(path, opt.key, err, sizeof(err))) {
		fprintf(stderr, "kstub-sim: --udp-key: %s\n", err);
		exit(2);
	}
	opt.have_key = true;
}

/* The authenticated mode's nonces: the host's CSPRNG, never blocking. */
static int get_nonce(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	while (len) {
		ssize_t n = getrandom(buf, len, GRND_NONBLOCK);

		if (n <= 0)
			return KSTUB_EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The sim's monitor commands and "stats", the authenticated link's. */
static struct kstub_monitor_cmd monitor_with_stats[32];

static int add_stats_cmd(struct kstub_config *cfg)
{
	size_t n = cfg->monitor_count;

	if (n + 1 > sizeof(monitor_with_stats) / sizeof(monitor_with_stats[0]))
		return -1;
	memcpy(monitor_with_stats, cfg->monitor, n * sizeof(*cfg->monitor));
	monitor_with_stats[n] = kstub_udp_auth_stats_cmd;
	cfg->monitor = monitor_with_stats;
	cfg->monitor_count = n + 1;
	return 0;
}

bool sim_udp_enabled(void)
{
	return opt.on;
}

int sim_udp_open(struct kstub_config *cfg)
{
	char err[512], ip[INET_ADDRSTRLEN];
	int r;

	if (hs_nic_pcap_open(&wire, &nic, &opt.nic, opt.ifname, err,
			     sizeof(err))) {
		fprintf(stderr, "kstub-sim: --udp %s: %s\n", opt.ifname, err);
		return -1;
	}
	struct kstub_udp_link_config lc = {
		.net = opt.net,
		.auth = { .now_us = sim_now_us, .get_nonce = get_nonce },
		.key = opt.have_key ? opt.key : NULL,
		.key_len = sizeof(opt.key),
		.plain = !opt.have_key,
	};
	r = kstub_udp_link_setup(&udp, &hs_nic_ops, &nic, &lc, cfg);
	explicit_bzero(opt.key, sizeof(opt.key));
	if (r) {
		fprintf(stderr, "kstub-sim: --udp: the transport refused the "
			"configuration (%d)\n", r);
		return -1;
	}
	if (opt.have_key && add_stats_cmd(cfg)) {
		fprintf(stderr, "kstub-sim: no room for monitor stats\n");
		return -1;
	}
	inet_ntop(AF_INET, opt.net.ip, ip, sizeof(ip));
	fprintf(stderr, "kstub-sim: nic %s: mac %02x:%02x:%02x:%02x:%02x:%02x,"
		" %u RX slots\n", opt.ifname, nic.mac[0], nic.mac[1],
		nic.mac[2], nic.mac[3], nic.mac[4], nic.mac[5], nic.slots);
	if (opt.have_key) {
		fprintf(stderr, "kstub-sim: udp: authenticated mode\n");
		fprintf(stderr, "kstub-sim: gdb: target remote | kstub-udp "
			"--key FILE %s:%u\n", ip, opt.net.port);
	} else {
		fprintf(stderr, "kstub-sim: udp: plain mode: unauthenticated, "
			"for a private link only\n");
		fprintf(stderr, "kstub-sim: gdb: target remote udp:%s:%u\n",
			ip, opt.net.port);
	}
	return 0;
}

/* The fault injector's work, both ways, in one line's words. */
static void faults_text(char *buf, size_t len, const struct hs_nic_stats *st)
{
	snprintf(buf, len, "to the kernel %llu dropped, %llu doubled, %llu "
		 "reordered, %llu corrupted; from it %llu dropped, %llu "
		 "doubled, %llu reordered, %llu corrupted",
		 (unsigned long long)st->rx_fault_dropped,
		 (unsigned long long)st->rx_fault_dup,
		 (unsigned long long)st->rx_fault_reordered,
		 (unsigned long long)st->rx_fault_corrupted,
		 (unsigned long long)st->tx_fault_dropped,
		 (unsigned long long)st->tx_fault_dup,
		 (unsigned long long)st->tx_fault_reordered,
		 (unsigned long long)st->tx_fault_corrupted);
}

int sim_nic_describe(char *buf, size_t len)
{
	const struct kstub_udp_net_stats *u = &udp.net.stats;
	struct hs_nic_stats st;
	char faults[256];
	int n;

	if (!opt.on)
		return snprintf(buf, len, "no NIC: the debug link is the "
				"serial line\n");
	hs_nic_get_stats(&nic, &st);
	faults_text(faults, sizeof(faults), &st);
	n = snprintf(buf, len,
		"nic: rx %llu off the wire, %llu filtered, %llu overrun "
		"(ring full), %llu taken; tx %llu, %llu errors\n"
		"nic faults: %s\n"
		"udp: %u delivered, %u from others (not the peer), %u to "
		"other ports, %u bad checksums, %u arp replies, %u pings\n",
		(unsigned long long)st.rx_wire,
		(unsigned long long)st.rx_filtered,
		(unsigned long long)st.rx_overrun,
		(unsigned long long)st.rx_taken,
		(unsigned long long)st.tx_frames,
		(unsigned long long)st.tx_errors, faults,
		u->rx_delivered, u->drop_peer, u->drop_udp_port,
		u->drop_ip_csum + u->drop_udp_csum + u->drop_icmp_bad,
		u->arp_replied, u->icmp_echoed);
	if (n >= 0 && (size_t)n < len && opt.have_key)
		n += snprintf(buf + n, len - (size_t)n, "udp authenticated: "
			      "monitor stats has the link's counters\n");
	else if (n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "udp plain: %u bad "
			      "datagrams, %u packets dropped while running\n",
			      udp.plain.bad, udp.plain.dropped);
	return n < 0 ? 0 : n >= (int)len ? (int)len - 1 : n;
}

void sim_udp_report(void)
{
	struct hs_nic_stats st;
	char faults[256];

	if (!opt.on || !nic.ring)
		return;
	hs_nic_get_stats(&nic, &st);
	if (st.rx_fault_dropped + st.rx_fault_dup + st.rx_fault_reordered +
	    st.rx_fault_corrupted + st.tx_fault_dropped + st.tx_fault_dup +
	    st.tx_fault_reordered + st.tx_fault_corrupted) {
		faults_text(faults, sizeof(faults), &st);
		fprintf(stderr, "kstub-sim: nic faults: %s\n", faults);
	}
	if (st.rx_overrun)
		fprintf(stderr, "kstub-sim: nic: %llu frames lost to a full "
			"RX ring\n", (unsigned long long)st.rx_overrun);
}
