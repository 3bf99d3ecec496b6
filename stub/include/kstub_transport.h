/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a link (serial port, shared-memory ring, UDP) supplies to the stub.
 *
 * A transport exports one const struct kstub_transport_ops kstub_<name>_ops
 * and a kstub_<name>_init() that fills its context; the port passes both to
 * kstub_init(). The stub is the only caller of these hooks.
 *
 * Context of every hook unless said otherwise: trap context. The calling
 * CPU has interrupts disabled, other CPUs are parked in the stub or still
 * running kernel code that the stub does not control, and the kernel's
 * own locks may be held by anyone. So no hook may sleep, take a lock that
 * kernel code also takes, allocate memory, or fault; every hook must
 * return in bounded time (the stub does its own waiting and timeouts).
 */
#ifndef KSTUB_TRANSPORT_H
#define KSTUB_TRANSPORT_H

#include "kstub_types.h"

/*
 * The link neither loses nor corrupts bytes, end to end: the stub may
 * offer QStartNoAckMode. Set it only for links that are reliable all the
 * way to gdb (a ring with consumer indices, a sequenced UDP bridge behind a
 * TCP or pipe leg); never for a serial cable.
 */
#define KSTUB_LINK_RELIABLE 0x1u

/*
 * The link carries datagrams: flush() ends one datagram and each datagram
 * holds exactly one RSP packet (with its leading ack, if any). The stub
 * then builds each reply whole before a single send() and flush().
 */
#define KSTUB_LINK_DATAGRAM 0x2u

struct kstub_transport_ops {
	/* Short name for messages ("serial", "fw", "udp"). Required. */
	const char *name;

	/* KSTUB_LINK_* bits. */
	unsigned flags;

	/*
	 * Take one received byte, if there is one.
	 * Called: by the stub's receive loop and by kstub_poll_break().
	 * Context: trap context, or the port's timer/interrupt context for
	 *   kstub_poll_break(); never concurrently on two CPUs.
	 * Must not: block or wait for a byte to arrive.
	 * Returns: the byte (0..255); KSTUB_EAGAIN if none is waiting;
	 *   KSTUB_ENOTCONN if the link knows the peer is gone (carrier lost,
	 *   socket closed), which lets the stub end a session at once instead
	 *   of waiting for its idle timeout; KSTUB_EIO on a device error.
	 * Required.
	 */
	int (*recv_byte)(void *ctx);

	/*
	 * Transmit len bytes.
	 * Called: by the stub to send acks, packets and interrupt replies.
	 * Context: as recv_byte.
	 * Must not: return before the bytes are handed to the device or
	 *   buffered for it (it may spin on a transmit-ready bit, in bounded
	 *   time); drop bytes silently.
	 * Returns: 0, or KSTUB_EIO / KSTUB_ENOTCONN if the bytes were lost.
	 * Required.
	 */
	int (*send)(void *ctx, const uint8_t *buf, size_t len);

	/*
	 * End of a packet: push out anything buffered (for datagram links,
	 * transmit the datagram). Optional (NULL: nothing to flush).
	 * Context, Must not, Returns: as send.
	 */
	int (*flush)(void *ctx);

	/*
	 * A CPU enters the debugger: save device state the kernel's own
	 * driver relies on (interrupt enables, FIFO settings) and put the
	 * device into polled mode. Optional.
	 * Called: once per debugger entry, by the CPU that owns the session,
	 *   before any other hook. Context: trap context.
	 */
	void (*enter)(void *ctx);

	/*
	 * The CPU leaves the debugger: restore what enter() saved. Optional.
	 * Called: once, after the last send of the session, before the
	 *   kernel resumes. Context: trap context.
	 */
	void (*leave)(void *ctx);

	/*
	 * How long len bytes take on the wire, in microseconds: the time
	 * from send() returning until the last of them can have reached the
	 * peer, when send() may return before they are out (a UART whose
	 * FIFO or emulation swallows bytes faster than the line carries
	 * them, e.g. QEMU's 16550 behind a paced relay). The stub starts
	 * its ack timeout (and its idle timeout) only once that time has
	 * passed, so a long reply on a slow line is not resent while it is
	 * still being delivered. gdb's own timeout runs per character, so
	 * it waits as long as bytes keep coming.
	 * Called: after each successful send() and flush(), with the length
	 *   just sent. Context: as send.
	 * Must not: touch the device (it is arithmetic on the line rate).
	 * Returns: the time; an upper bound is fine (it only delays a
	 *   retransmission after a lost ack).
	 * Optional: NULL means the bytes are on their way when send()
	 *   returns, as on a ring or a datagram link.
	 */
	uint32_t (*tx_time_us)(void *ctx, size_t len);
};

#endif /* KSTUB_TRANSPORT_H */
