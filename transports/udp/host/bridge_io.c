/* SPDX-License-Identifier: BSD-2-Clause */
/* kstub-udp's errors, key file and capture file (bridge_io.h). */
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "bridge_io.h"
#include "keyfile.h"
#include "kstub_udp_auth_proto.h"

static struct {
	pcap_t *pcap;
	pcap_dumper_t *dump;
	struct sockaddr_in local, peer;
} cap;

void bridge_die(const char *fmt, ...)
{
	va_list ap;

	fputs("kstub-udp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	bridge_capture_close();
	exit(1);
}

/* --- the key file (keyfile.h) --- */

void bridge_load_key(const char *path, struct kstub_hmac *psk)
{
	uint8_t key[KSTUB_UDP_AUTH_KEY_LEN];
	char err[512];

	if (kstub_udp_key_file_read(path, key, err, sizeof(err)))
		bridge_die("%s", err);
	kstub_hmac_init(psk, key, sizeof(key));
	explicit_bzero(key, sizeof(key));
}

/* --- the capture file --- */

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A datagram as Wireshark sees one: IPv4 and UDP headers, DLT_RAW. */
void bridge_capture(const uint8_t *p, size_t n, int outgoing)
{
	static uint8_t pkt[28 + 65536];
	const struct sockaddr_in *src = outgoing ? &cap.local : &cap.peer;
	const struct sockaddr_in *dst = outgoing ? &cap.peer : &cap.local;
	struct pcap_pkthdr h;
	uint16_t c;

	if (!cap.dump)
		return;
	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)((28 + n) >> 8);
	pkt[3] = (uint8_t)(28 + n);
	pkt[6] = 0x40; /* DF */
	pkt[8] = 64;
	pkt[9] = 17;
	memcpy(pkt + 12, &src->sin_addr, 4);
	memcpy(pkt + 16, &dst->sin_addr, 4);
	c = ip_csum(pkt, 20);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	memcpy(pkt + 20, &src->sin_port, 2);
	memcpy(pkt + 22, &dst->sin_port, 2);
	pkt[24] = (uint8_t)((8 + n) >> 8);
	pkt[25] = (uint8_t)(8 + n);
	memcpy(pkt + 28, p, n);
	gettimeofday(&h.ts, NULL);
	h.caplen = h.len = (bpf_u_int32)(28 + n);
	pcap_dump((u_char *)cap.dump, &h, pkt);
	pcap_dump_flush(cap.dump);
}

void bridge_capture_open(const char *path, const struct sockaddr_in *local,
			 const struct sockaddr_in *peer)
{
	cap.local = *local;
	cap.peer = *peer;
	cap.pcap = pcap_open_dead(DLT_RAW, 65535);
	cap.dump = cap.pcap ? pcap_dump_open(cap.pcap, path) : NULL;
	if (!cap.dump)
		bridge_die("--pcap %s: %s", path,
			   cap.pcap ? pcap_geterr(cap.pcap) : "pcap_open_dead");
}

void bridge_capture_close(void)
{
	if (cap.dump)
		pcap_dump_close(cap.dump);
	cap.dump = NULL;
}
