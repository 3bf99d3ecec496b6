/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a link (serial port, shared-memory ring, UDP) supplies to the stub:
 * a byte stream that the stub frames (the UART), or whole packets that
 * the link frames itself (datagrams, ring slots).
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
 * TCP or pipe leg); never for a serial cable. On a packet link the stub
 * has no acks to drop: whatever acks gdb's side (a bridge) sees gdb's
 * QStartNoAckMode and the stub's OK go by and stops acking after them.
 */
#define KSTUB_LINK_RELIABLE 0x1u

/*
 * Every packet recv_packet() delivers comes from a peer the link has
 * authenticated (a keyed handshake, a MAC on every datagram), so any
 * packet may stop the running kernel. Without it, kstub_poll_break()
 * stops the kernel only for a break-in request (KSTUB_LINK_BREAK) and
 * drops every other packet that arrives while the kernel runs: a link
 * that cannot tell who sent a datagram must not let anyone who can send
 * one stop the machine. Such a link still delivers nothing but what its
 * configured peer (address and port) sent, a break-in request included.
 * Byte links ignore the flag: a cable is as trusted as whoever plugged
 * it in.
 */
#define KSTUB_LINK_AUTHENTICATED 0x2u

/*
 * A packet link's break-in request (gdb's ^C): a packet of exactly this
 * one byte. No RSP command is a lone 0x03, so the stub cannot mistake a
 * command for it. A plain-RSP datagram link delivers gdb's bare 0x03
 * datagram this way; an authenticated one its own authenticated break.
 */
#define KSTUB_LINK_BREAK 0x03

/*
 * The smallest max_packet a packet link may declare: the stub's longest
 * fixed reply (qSupported, a stop reply with expedited registers) must
 * fit in one packet.
 */
#define KSTUB_LINK_PACKET_MIN 512

struct kstub_transport_ops {
	/* Short name for messages ("serial", "fw", "udp"). Required. */
	const char *name;

	/* KSTUB_LINK_* bits. */
	unsigned flags;

	/*
	 * A link is a byte link (recv_byte and send) or a packet link
	 * (recv_packet and send_packet): exactly one pair, or kstub_init()
	 * says KSTUB_EINVAL. On a byte link the stub frames packets itself
	 * ($data#xx, acks, retransmission: RSP "Packet Acknowledgment").
	 * A packet link moves whole RSP packets and does its own framing:
	 * the stub hands it and takes from it only a packet's data (what
	 * lies between '$' and '#', escapes and run-length encoding as on
	 * the wire), and never sends or expects '+' or '-'. Delivery is the
	 * link's business: a datagram that lost its tail, a duplicate or a
	 * packet that fails the link's checks never reaches the stub.
	 */

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
	 * Byte links only.
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
	 * Byte links only.
	 */
	int (*send)(void *ctx, const uint8_t *buf, size_t len);

	/*
	 * End of a packet: push out anything buffered. Optional (NULL:
	 * nothing to flush). Byte links only.
	 * Context, Must not, Returns: as send.
	 */
	int (*flush)(void *ctx);

	/*
	 * Take one whole received packet, if there is one: copy its data
	 * (between '$' and '#', as on the wire) to buf.
	 * Called: by the stub's receive loop and by kstub_poll_break().
	 * Context: as recv_byte.
	 * Must not: block; write more than cap bytes to buf; deliver part
	 *   of a packet, a packet twice or one that failed its checks.
	 * Returns: the data's length (0 for an empty packet); KSTUB_E2BIG
	 *   for a whole packet longer than cap (the stub answers E07);
	 *   KSTUB_EAGAIN if none is waiting; KSTUB_ENOTCONN if the peer is
	 *   gone; KSTUB_EIO on a device error. A break-in request is the
	 *   one byte KSTUB_LINK_BREAK.
	 * A link that acknowledges packets itself (plain RSP in datagrams)
	 *   may hold the ack of a delivered packet and send it in front of
	 *   the reply: after delivering a packet the stub calls send_packet
	 *   with its reply or, for a packet that has none yet (c, s, vCont),
	 *   recv_packet again or leave(), before the kernel resumes.
	 * Packet links only.
	 */
	long (*recv_packet)(void *ctx, uint8_t *buf, size_t cap);

	/*
	 * Transmit one packet whose data is buf[0..len): a reply, a stop
	 * reply or console output (O). len never exceeds max_packet.
	 * Called: once per packet; the stub never resends one (a link that
	 *   loses packets resends them itself, or gdb asks again).
	 * Context, Must not: as send.
	 * Returns: 0, or KSTUB_EIO / KSTUB_ENOTCONN if the packet was lost.
	 * Packet links only.
	 */
	int (*send_packet)(void *ctx, const uint8_t *buf, size_t len);

	/*
	 * The largest packet data, in bytes, the link carries in one piece
	 * (one datagram, one ring slot), at least KSTUB_LINK_PACKET_MIN. The
	 * stub advertises no larger a PacketSize and builds no larger a
	 * reply, so nothing it sends needs IP fragments or a second slot.
	 * 0: as large as the stub's buffers (byte links: leave it 0).
	 */
	size_t max_packet;

	/*
	 * A debugger session starts: the stub took the first packet from a
	 * new debugger. Optional.
	 * Called: before that packet is handled. Context: trap context, or
	 *   kstub_poll_break()'s context for a packet that stops the kernel.
	 * Must not: as send.
	 */
	void (*session_start)(void *ctx);

	/*
	 * The session is over: the debugger detached (D), killed (k), went
	 * silent for idle_timeout_ms, or the link reported it gone. The
	 * link may forget the peer it latched onto and accept a new one.
	 * Optional; called once per session_start (also for a byte link).
	 * Called: after the last reply of the session (D's OK) was sent.
	 * Context: trap context, or kstub_poll_break()'s context when the
	 *   link reported the peer gone while the kernel ran.
	 * Must not: as send.
	 */
	void (*session_end)(void *ctx);

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
	 *   returns. Byte links only: a packet link times its own resends.
	 */
	uint32_t (*tx_time_us)(void *ctx, size_t len);
};

#endif /* KSTUB_TRANSPORT_H */
