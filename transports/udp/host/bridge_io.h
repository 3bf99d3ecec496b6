/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub-udp's dealings with the outside apart from the protocol: its
 * errors, the key file, and the capture file (--pcap).
 */
#ifndef BRIDGE_IO_H
#define BRIDGE_IO_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "kstub_udp_hmac.h"

/* "kstub-udp: " and the message on stderr, the capture closed, exit 1. */
_Noreturn void bridge_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Read the pre-shared key from path (32 raw bytes, or 64 hex digits and
 * optional trailing white space) into psk's HMAC states. Refuses, as
 * ssh does, a file that group or others may read; dies with a word on
 * how to make a good one if it is malformed.
 */
void bridge_load_key(const char *path, struct kstub_hmac *psk);

/*
 * Write every datagram to path in libpcap's format, as IPv4/UDP packets
 * between local and peer (DLT_RAW), so Wireshark opens the session.
 */
void bridge_capture_open(const char *path, const struct sockaddr_in *local,
			 const struct sockaddr_in *peer);
/* One datagram's payload, sent (outgoing) or received; flushed at once. */
void bridge_capture(const uint8_t *p, size_t n, int outgoing);
void bridge_capture_close(void);

#endif
