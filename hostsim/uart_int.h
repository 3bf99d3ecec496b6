/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to the UART model: the state shared between the register path
 * (uart.c, run by the simulated CPUs, possibly in signal handlers), the
 * I/O thread (uart_io.c) and the far ends (uart_far.c).
 *
 * Sharing rules. CPU threads touch only the atomics in the first block,
 * with no lock: every register operation is a short sequence of loads,
 * stores and compare-and-swaps that any other register operation
 * (another CPU, or a signal handler interrupting this one on the same
 * thread) can overtake and complete without waiting for it. The I/O
 * thread owns everything in the last block.
 */
#ifndef HOSTSIM_UART_INT_H
#define HOSTSIM_UART_INT_H

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "linkfault.h"
#include "uart.h"

#define HS_FIFO 16u		/* 16550A FIFO depth, each way */
/*
 * TX slots. Paced, only HS_FIFO of them are used, as on a 16550A.
 * Unpaced, the FIFO is elastic like the RX side (QEMU's THR never
 * fills): THRE means room for HS_FIFO more, so a driver that writes 16
 * per THRE never waits for the I/O thread, even on a crowded host.
 */
#define HS_TX_RING 4096u
#define HS_RX_BI 0x100u		/* RX slot flag: BREAK arrived with this NUL */

/*
 * TX FIFO slots carry their position so a stale compare-and-swap can
 * never land in the wrong lap: EMPTY(p) = p << 9 means "free for the
 * byte at position p"; FULL(p, b) = p << 9 | 0x100 | b.
 */
#define TX_EMPTY(p) ((uint64_t)(p) << 9)
#define TX_FULL(p, b) (TX_EMPTY(p) | 0x100u | (uint8_t)(b))

enum hs_far_kind { HS_FAR_PTY, HS_FAR_TCP };

/* Second debuggers still being told that one is attached (tcp). */
#define HS_REFUSED_MAX 2
#define HS_HELD_MAX 4096	/* one far-end read chunk */

struct hs_uart {
	/* ---- shared with CPU threads: atomics only ---- */
	_Atomic uint8_t ier, lcr, mcr, scr, dll, dlm, fcr_on;
	_Atomic uint8_t lsr_sticky;	/* OE until LSR is read */
	_Atomic uint8_t msr_delta;	/* DCTS/DDSR/DDCD until MSR is read */
	_Atomic uint8_t carrier;	/* a peer is connected */
	_Atomic uint8_t thri_pending;	/* THR-empty interrupt not yet seen */
	_Atomic uint8_t rbr_last;	/* what RBR reads when the FIFO is empty */
	_Atomic uint32_t idle_polls;	/* LSR reads that brought nothing */

	/*
	 * RX: the I/O thread fills [rx_pub..), each byte with the time its
	 * stop bit arrives (rx_due); CPUs move rx_vis over the bytes that
	 * are due (hs_uart_rx_count), so a paced byte shows on time even
	 * if the I/O thread is not running then, and take from rx_head.
	 */
	_Atomic uint16_t *rx_slot;	/* byte | HS_RX_BI */
	_Atomic uint64_t *rx_due;	/* ns; 0: at once */
	uint32_t rx_mask;		/* ring size - 1 */
	_Atomic uint32_t rx_head, rx_vis, rx_pub;
	_Atomic uint8_t rx_want_room;	/* I/O thread waits for space */

	/* TX: CPUs put (tagged slots), the I/O thread takes. */
	_Atomic uint64_t tx_slot[HS_TX_RING];
	_Atomic uint64_t tx_head, tx_tail;
	/*
	 * Paced: ns when the stop bit of the last byte the FIFO accepted
	 * ends. The register path alone moves it (see hs_uart_tx_unended),
	 * so THRE, TEMT and FIFO room follow from time, not from when the
	 * I/O thread last ran (issue 13).
	 */
	_Atomic uint64_t tx_end;

	_Atomic uint8_t io_sleeping;	/* I/O thread is (about to be) in poll */
	_Atomic uint8_t tx_watching;	/* ...and wakes for TX by itself */
	_Atomic uint8_t stop;
	_Atomic uint8_t io_hold, io_held;	/* hs_uart_test_hold_io() */
	_Atomic uint32_t break_req;	/* BREAKs asked for by the far end */
	int wake_fd;			/* eventfd: register path -> I/O thread */
	void (*_Atomic irq)(void *);
	void *_Atomic irq_arg;

	_Atomic uint64_t st_rx, st_tx, st_overrun, st_overflow, st_irq;
	_Atomic uint64_t st_idle_starts, st_rx_behind;
	_Atomic uint64_t st_conn, st_refused, st_rxf, st_txf;

	/* ---- configuration: fixed after open ---- */
	uint32_t clock_baud;		/* paced: the rate at divisor 1; 0: unpaced */
	unsigned tx_backlog;		/* paced: sent, not yet carried */
	unsigned flags;
	enum hs_far_kind kind;
	char where[PATH_MAX];
	char pts_name[64];

	/* ---- the I/O thread's own ---- */
	pthread_t thread;
	bool thread_started;
	int far_fd;		/* pty master, or the tcp listener */
	int peer_fd;		/* connected peer (pty: = far_fd), else -1 */
	int ino_fd;		/* pty: inotify watch on the slave, or -1 */
	unsigned pty_opens;	/* pty: opens of the slave the watch saw, less closes */
	/* tcp: debuggers turned away, told why, read until they close. */
	int refused_fd[HS_REFUSED_MAX];
	bool refused_asked[HS_REFUSED_MAX];	/* it sent a whole packet */
	bool connected;
	bool link_made;		/* we created the symlink at where */
	uint16_t *stage;	/* RX: read from the far end, not yet sent */
	size_t stage_cap, stage_off, stage_len;
	uint8_t *cable;		/* TX: sent, not yet written to the far end */
	size_t cable_cap, cable_off, cable_len;
	bool cable_blocked;	/* last far-end write would block */
	uint8_t *scratch;	/* fault injector output, 2 x read chunk */
	uint64_t rx_line_free;	/* ns: the line is busy until */
	bool rx_stalled;	/* lossless: the ring was full */
	uint32_t rx_told;	/* how far irq() has been raised */
	uint8_t telnet;		/* 1: last byte read was IAC (0xff) */
	/*
	 * pty: bytes read at a hangup that may be the next peer's (it
	 * opened the slave while we drained the old one's): theirs,
	 * delivered before anything else is read.
	 */
	uint8_t held[HS_HELD_MAX];
	size_t held_off, held_len;
	struct hs_linkfault rxf, txf;
};

/* uart.c: FIFO primitives shared with the I/O thread. */
int hs_uart_tx_pop(struct hs_uart *u);
unsigned hs_uart_tx_level(struct hs_uart *u);
/* Bytes the kernel can read now (due); any thread. */
uint32_t hs_uart_rx_count(struct hs_uart *u);
/* Bytes published, due or not: room left for the I/O thread. */
uint32_t hs_uart_rx_queued(struct hs_uart *u);
/* The position up to which bytes are due (rx_vis, moved on). */
uint32_t hs_uart_rx_due_upto(struct hs_uart *u);
void hs_uart_wake(struct hs_uart *u);
/* The carrier dropped: nothing in either FIFO outlives the peer. */
void hs_uart_fifos_clear(struct hs_uart *u);
uint64_t hs_uart_now_ns(void);
/* Paced: one character's time on the line, from DLL/DLM and LCR now. */
uint64_t hs_uart_byte_ns(const struct hs_uart *u);

/*
 * Paced: of the bytes the FIFO accepted, how many have not finished
 * their stop bit by now (the one in the shifter included), for tx_end
 * end and byte time b. Those still waiting sit back to back behind the
 * shifter's byte (each started when the one before it ended), so the
 * count follows from end alone. The I/O thread may carry every byte
 * older than these to the far end: they have left the UART.
 */
static inline uint64_t hs_uart_tx_unended(uint64_t end, uint64_t now,
					  uint64_t b)
{
	return end > now ? (end - now + b - 1) / b : 0;
}

/* uart_far.c: the far end of the cable. */
int hs_far_open(struct hs_uart *u, const char *spec, char *err,
		size_t errlen);
void hs_far_close(struct hs_uart *u);
/* Fill poll slots; returns how many (at most HS_FAR_POLL_MAX) and a
 * timeout cap. */
#define HS_FAR_POLL_MAX (2 + HS_REFUSED_MAX)
int hs_far_pollfds(struct hs_uart *u, struct pollfd *p, int64_t *max_ns);
/* Act on the poll result: accept, notice a reopened pty. Returns bit 0
 * if the peer has bytes (or its hangup) to read, bit 1 if writable. */
int hs_far_events(struct hs_uart *u, const struct pollfd *p, int n);
/* Bytes from the peer: > 0, 0 (none now), -1 (peer gone). */
long hs_far_read(struct hs_uart *u, uint8_t *buf, size_t len);
/* Bytes to the peer: >= 0 written (0: would block), -1 (peer gone). */
long hs_far_write(struct hs_uart *u, const uint8_t *buf, size_t len);
/* The peer is gone: release it and wait for the next one. */
void hs_far_hangup(struct hs_uart *u);

/* uart_io.c: called by uart_far.c when a peer arrives. */
void hs_uart_set_carrier(struct hs_uart *u, bool on);

#endif /* HOSTSIM_UART_INT_H */
