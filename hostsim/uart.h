/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostsim's model of a 16550 UART. The simulated kernel (through the
 * kstub serial driver) reads and writes its registers; the other end of
 * the modelled cable is a pty (with a symlink, as "socat PTY,link=PATH"
 * makes) or a TCP listener that accepts one debugger at a time.
 *
 * Register semantics follow a real 16550A: DLAB, divisor latch, 16-byte
 * RX and TX FIFOs, LSR DR/THRE/TEMT, MSR.DCD = a peer is connected. With
 * a pace_baud the model moves bytes at the rate the kernel programmed,
 * as a real cable does: pace_baud is the rate at divisor 1 (115200 for
 * a PC's 1.8432 MHz clock), and a character takes its start, data,
 * parity and stop bits (LCR) at pace_baud / divisor each way. The port
 * starts at divisor 1 and 8N1, as firmware leaves it. Without pace_baud
 * it moves bytes as fast as both sides go (as QEMU's 16550 does).
 *
 * Unpaced, both FIFOs are elastic: THRE means "room for 16 more" (a
 * 4 KiB ring behind it) and RX holds what the kernel has not read, so a
 * driver that bursts 16 bytes per THRE never waits for the I/O thread.
 * Paced, TX is a real 16-byte FIFO and TEMT lags THRE by a byte time,
 * and both follow from time alone: a byte written at t starts when the
 * line is free (at t, or when the byte before it ends) and has left the
 * UART one byte time later, whether or not the I/O thread has run, as a
 * real shifter runs at line rate whatever the CPUs do. Bytes that have
 * left wait in a backlog (tx_backlog) until the I/O thread carries them
 * to the far end; only when that backlog is full does THRE wait for the
 * I/O thread (the transmitter holds, as under flow control).
 * Unpaced, a kernel polling LSR with nothing happening gives its CPU
 * away (sched_yield) after 64 such reads, so an oversubscribed host
 * still runs the I/O thread.
 */
#ifndef HOSTSIM_UART_H
#define HOSTSIM_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkfault.h"

struct hs_uart;

/*
 * Open the far end. spec is "PATH" (make a pty, raw mode, symlink at
 * PATH, replacing a stale symlink) or "tcp:HOST:PORT" (listen; PORT 0
 * picks a free port). pace_baud 0 = unpaced (see above). Starts the I/O
 * thread.
 * Returns 0, or -1 with a message in err.
 */
int hs_uart_open(struct hs_uart **out, const char *spec, uint32_t pace_baud,
		 char *err, size_t errlen);

/* hs_uart_config.flags */
/*
 * A real 16550's receiver: the RX FIFO holds 16 bytes and a byte that
 * arrives while it is full is lost and sets LSR.OE. Without this flag
 * the model never loses a byte: the cable buffer holds what the kernel
 * has not read yet, and the far end is not read while that is full.
 */
#define HS_UART_OVERRUN 0x1u
/*
 * tcp only: the two bytes 0xff 0xf3 (telnet IAC BRK, which gdb sends
 * for "set remote interrupt-sequence BREAK" on a tcp: target) are a
 * BREAK, not data. Off by default: gdb does not escape 0xff, so binary
 * data (an X packet) may contain that pair.
 */
#define HS_UART_TELNET_BREAK 0x2u

/* Everything hs_uart_open() takes, and more; zero means the default. */
struct hs_uart_config {
	const char *spec;		/* as for hs_uart_open(); required */
	uint32_t pace_baud;		/* rate at divisor 1; 0: unpaced */
	unsigned flags;			/* HS_UART_* */
	size_t cable_len;		/* bytes buffered each way; 0: 64 KiB */
	/*
	 * Paced: bytes that have left the UART and the I/O thread has not
	 * carried yet, at most; 0: 4080 (354 ms at 115200 8N1 of a host
	 * too busy to run the I/O thread). Beyond it THRE waits.
	 */
	unsigned tx_backlog;
	struct hs_linkfault_cfg rx_fault;	/* far end -> kernel */
	struct hs_linkfault_cfg tx_fault;	/* kernel -> far end */
};

int hs_uart_open_cfg(struct hs_uart **out, const struct hs_uart_config *cfg,
		     char *err, size_t errlen);

/*
 * Register access, for struct kstub_uart_io. Any thread, never blocks,
 * and async-signal-safe: a register access may be interrupted by a
 * signal handler that makes register accesses of its own (a trap in the
 * middle of the kernel's console output), and both complete. No locks;
 * at most one write(2) to an eventfd to wake the I/O thread.
 */
uint8_t hs_uart_in(void *uart, unsigned reg);
void hs_uart_out(void *uart, unsigned reg, uint8_t value);

/*
 * The RX interrupt line: irq(arg) is called from the I/O thread when
 * bytes become readable and the kernel had read everything before them
 * (an edge), and on every arrival while IER.RDI is set (the level a
 * real 16550 holds). The handler must read until LSR.DR is clear, or it
 * gets no further edge. The I/O thread blocks every signal, so irq()
 * should raise the interrupt on a CPU thread (pthread_kill) rather than
 * run the kernel's handler itself. Set it once, before bytes flow.
 */
void hs_uart_set_irq(struct hs_uart *u, void (*irq)(void *arg), void *arg);

/* Where a debugger connects: the pty path or "HOST:PORT" actually bound. */
const char *hs_uart_where(const struct hs_uart *u);

/* The far end sends a BREAK (for tests and the machine's console). */
void hs_uart_send_break(struct hs_uart *u);

struct hs_uart_stats {
	uint64_t rx_bytes;	/* handed to the receiver (paced: some
				 * may still be on the line, due later) */
	uint64_t tx_bytes;	/* taken from the TX FIFO */
	uint64_t rx_overruns;	/* bytes lost to a full FIFO (OVERRUN) */
	uint64_t tx_overflows;	/* THR writes into a full TX FIFO */
	uint64_t tx_idle_starts;	/* paced: bytes that found the line
					 * idle (the first of a burst, or the
					 * kernel refilled the FIFO too late) */
	uint64_t rx_behind;	/* paced: RBR reads that found more than a
				 * FIFO load due (the kernel fell behind;
				 * a real 16550 would have overrun) */
	uint64_t irqs;		/* irq() calls */
	uint64_t connects;	/* peers accepted / pty opens seen */
	uint64_t refused;	/* second peers turned away (tcp) */
	uint64_t rx_faults, tx_faults;	/* bytes hit by the fault injector */
};

/* A snapshot of the counters; any thread. */
void hs_uart_get_stats(const struct hs_uart *u, struct hs_uart_stats *st);

/*
 * Tests only: hold (true) or release (false) the I/O thread, as a host
 * too busy to schedule it would. Holding returns once the thread has
 * stopped between two passes; held, it moves no byte either way and
 * waits for nothing but the release.
 */
void hs_uart_test_hold_io(struct hs_uart *u, bool hold);

/*
 * Stop the I/O thread, close the far end, remove the symlink. No CPU
 * thread may be inside hs_uart_in/out, or enter them, from here on.
 */
void hs_uart_close(struct hs_uart *u);

/*
 * Wiring notes for the machine. Each UART owns one thread, started with
 * every signal blocked (so traps, IPIs and timers land on CPU threads),
 * plus an eventfd, the far end's fds (all O_CLOEXEC) and, for a pty, an
 * inotify fd. It never raises SIGPIPE (sends use MSG_NOSIGNAL) and
 * calls nothing of the machine's except irq(). A debugger still
 * attached to the pty at close sees EIO (gdb then spins on it): detach
 * or kill it first.
 */

#endif /* HOSTSIM_UART_H */
