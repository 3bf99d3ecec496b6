// SPDX-License-Identifier: BSD-2-Clause
/*
 * The UART model's I/O thread: moves bytes between the FIFOs and the far
 * end (through the cable buffers), paces them at the line rate if asked,
 * injects faults, raises the RX interrupt. Also open and close.
 *
 * RX path: far end -> read -> fault injector -> stage (the cable) ->
 *   [line pacing] -> rx ring (FIFO, elastic unless HS_UART_OVERRUN).
 * TX path: tx FIFO (16, timed by the register path when paced) ->
 *   backlog (what has left the UART, same ring) -> fault injector ->
 *   cable -> write -> far end. MCR.LOOP sends popped bytes to the rx
 *   ring instead.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ptsname_r, accept4, ppoll, eventfd */
#endif
#include "uart_int.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#define READ_CHUNK 4096
#define DEFAULT_CABLE 65536
#define HOLD_IDLE_NS 4000	/* kernel paused this long: write out now */
#define HOLD_MAX_NS 50000	/* never hold TX bytes longer than this */
#define FLUSH_AT 4096		/* or once this much has piled up */
#define MCR_LOOP 0x10

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

#define IER_RDI 0x01
#define LSR_OE 0x02

void hs_uart_set_carrier(struct hs_uart *u, bool on)
{
	if (u->connected == on)
		return;
	u->connected = on;
	atomic_store(&u->carrier, on);
	atomic_fetch_or(&u->msr_delta, 0x0b); /* DCTS | DDSR | DDCD */
	if (on) {
		atomic_fetch_add(&u->st_conn, 1);
	} else {
		/*
		 * Bytes on an unplugged cable are gone, both ways: what the
		 * old peer sent and the UART has not received yet must not
		 * reach the kernel as if the next peer had sent it.
		 */
		u->cable_off = u->cable_len = 0;
		u->cable_blocked = false;
		u->stage_off = u->stage_len = 0;
		u->rx_stalled = false;
		u->telnet = 0;
		hs_uart_fifos_clear(u);
		u->rx_told = atomic_load(&u->rx_pub); /* nothing to raise */
	}
}

static bool paced(const struct hs_uart *u)
{
	return u->clock_baud != 0;
}

/*
 * A character is a start bit, 5-8 data bits, an optional parity bit and
 * 1, 1.5 (5-bit words) or 2 stop bits (LCR, 16550A data sheet), each
 * lasting divisor / clock_baud seconds. Counted in half bits. A divisor
 * of 0 (between the two latch writes of a reprogramming) counts as 1.
 * Unpaced, 0.
 */
uint64_t hs_uart_byte_ns(const struct hs_uart *u)
{
	uint8_t lcr = atomic_load(&u->lcr);
	uint64_t div = (uint64_t)atomic_load(&u->dlm) << 8 | atomic_load(&u->dll);
	unsigned word = 5 + (lcr & 3u), half_bits;

	half_bits = 2 * (1 + word + ((lcr & 0x08u) ? 1 : 0));
	half_bits += !(lcr & 0x04u) ? 2 : word == 5 ? 3 : 4;
	if (div == 0)
		div = 1;
	if (!u->clock_baud)
		return 0;
	return half_bits * div * 500000000ull / u->clock_baud;
}

static bool looped(struct hs_uart *u)
{
	return atomic_load(&u->mcr) & MCR_LOOP;
}

static void cable_put(struct hs_uart *u, const uint8_t *p, size_t n)
{
	if (u->cable_off + u->cable_len + n > u->cable_cap) {
		memmove(u->cable, u->cable + u->cable_off, u->cable_len);
		u->cable_off = 0;
	}
	memcpy(u->cable + u->cable_off + u->cable_len, p, n);
	u->cable_len += n;
}

static void stage_put(struct hs_uart *u, uint16_t v)
{
	if (u->stage_off + u->stage_len == u->stage_cap) {
		memmove(u->stage, u->stage + u->stage_off,
			u->stage_len * sizeof(*u->stage));
		u->stage_off = 0;
	}
	u->stage[u->stage_off + u->stage_len++] = v;
}

/*
 * Hand one byte to the receiver, readable from due (ns; 0: at once).
 * Lossless mode waits for ring space (returns false); OVERRUN mode drops
 * it like a full 16550 FIFO (the caller hands such bytes over only once
 * due, so the FIFO's fill is the kernel's doing).
 */
static bool rx_deliver(struct hs_uart *u, uint16_t v, uint64_t due)
{
	uint32_t pub = atomic_load_explicit(&u->rx_pub, memory_order_relaxed);
	uint32_t count = hs_uart_rx_queued(u);

	if (u->flags & HS_UART_OVERRUN) {
		if (count >= (atomic_load(&u->fcr_on) ? HS_FIFO : 1)) {
			atomic_fetch_or(&u->lsr_sticky, LSR_OE);
			atomic_fetch_add(&u->st_overrun, 1);
			return true;
		}
	} else if (count > u->rx_mask) {
		atomic_store(&u->rx_want_room, 1);
		if (hs_uart_rx_queued(u) > u->rx_mask)
			return false;
		atomic_store(&u->rx_want_room, 0);
	}
	/* Slot and time first: a CPU reads them only below rx_pub. */
	atomic_store_explicit(&u->rx_due[pub & u->rx_mask], due,
			      memory_order_relaxed);
	atomic_store_explicit(&u->rx_slot[pub & u->rx_mask], v,
			      memory_order_relaxed);
	atomic_store_explicit(&u->rx_pub, pub + 1, memory_order_release);
	atomic_fetch_add_explicit(&u->st_rx, 1, memory_order_relaxed);
	return true;
}

/* Bytes the cable takes now (a faulty wire may double each one). */
static size_t tx_room(struct hs_uart *u)
{
	size_t room;

	if (!u->connected || looped(u))
		return SIZE_MAX; /* into the void, or back to the receiver */
	room = u->cable_cap - u->cable_len;
	return hs_linkfault_active(&u->txf) ? room / 2 : room;
}

/*
 * Paced: how many of the ring's bytes have left the UART by now (their
 * stop bit is over), and in *next the time the next one will have, or
 * 0 if none is under way. The ring may hold fewer than the FIFO
 * accepted (a writer between its two steps): then this counts low,
 * never early.
 */
static unsigned tx_sent(struct hs_uart *u, uint64_t now, uint64_t *next)
{
	uint64_t b = hs_uart_byte_ns(u), end = atomic_load(&u->tx_end);
	uint64_t un = hs_uart_tx_unended(end, now, b);
	unsigned level = hs_uart_tx_level(u);

	*next = un ? end - (un - 1) * b : 0;
	return level > un ? level - (unsigned)un : 0;
}

/*
 * Carry bytes that have left the UART to the far end (or back to the
 * receiver in loopback). Paced, the register path has timed them
 * already (tx_accept_paced): this thread only delivers what is due,
 * late if it was not scheduled, never early.
 */
static unsigned tx_pump(struct hs_uart *u, uint64_t now)
{
	uint8_t got[256], out[2 * sizeof(got)];
	bool loop = looped(u), fault = hs_linkfault_active(&u->txf);
	size_t room = tx_room(u), n = 0, due;
	uint64_t next;
	int b;

	if (room > sizeof(got))
		room = sizeof(got);
	if (paced(u) && (due = tx_sent(u, now, &next)) < room)
		room = due;
	while (n < room) {
		b = hs_uart_tx_pop(u);
		if (b < 0)
			break;
		got[n++] = (uint8_t)b;
	}
	if (n == 0)
		return 0;
	if (hs_uart_tx_level(u) == 0)
		atomic_store(&u->thri_pending, 1);
	atomic_fetch_add_explicit(&u->st_tx, n, memory_order_relaxed);
	if (loop) {
		/* The receiver hears the transmitter; nothing leaves. */
		for (size_t i = 0; i < n; i++)
			(void)rx_deliver(u, got[i], 0);
	} else if (u->connected) {
		size_t m = n;
		const uint8_t *p = got;

		if (fault) {
			uint64_t before = u->txf.corrupted + u->txf.dropped +
					  u->txf.duplicated;

			m = hs_linkfault_apply(&u->txf, got, n, out);
			p = out;
			atomic_fetch_add(&u->st_txf, u->txf.corrupted +
							     u->txf.dropped +
							     u->txf.duplicated -
							     before);
		}
		cable_put(u, p, m);
	}
	return (unsigned)n;
}

/* The edge and level rules of hs_uart_set_irq(). */
static void raise_irq(struct hs_uart *u, uint32_t vis_before)
{
	void (*irq)(void *) = atomic_load(&u->irq);
	uint32_t h = atomic_load(&u->rx_head);
	bool edge = (int32_t)(h - vis_before) >= 0;

	if (!irq || !(edge || (atomic_load(&u->ier) & IER_RDI)))
		return;
	atomic_fetch_add(&u->st_irq, 1);
	irq(atomic_load(&u->irq_arg));
}

/* Raise irq() for bytes that have come due since it was last raised. */
static void rx_announce(struct hs_uart *u)
{
	uint32_t upto = hs_uart_rx_due_upto(u);

	if (upto == u->rx_told)
		return;
	raise_irq(u, u->rx_told);
	u->rx_told = upto;
}

/*
 * Line pacing from the far end: a byte starts when the line is free, or
 * when it was read if the line had gone quiet (rx_fill), and is readable
 * one byte time later. Lossless, bytes are handed over at once with that
 * time and CPUs see them when it comes (hs_uart_rx_count), so a starved
 * I/O thread delays none it has read; after a full ring the far end
 * resumes from now. OVERRUN mode hands each over when it is due, since
 * whether the FIFO has room must be decided then.
 */
static unsigned rx_pump(struct hs_uart *u, uint64_t now)
{
	uint64_t b = hs_uart_byte_ns(u);
	unsigned n = 0;

	rx_announce(u);
	if (looped(u))
		return 0; /* the receiver is cut off from the line */
	while (u->stage_len) {
		uint64_t due = 0;

		if (paced(u)) {
			if (u->rx_stalled && u->rx_line_free < now)
				u->rx_line_free = now;
			due = u->rx_line_free + b;
			if ((u->flags & HS_UART_OVERRUN) && due > now)
				break; /* its stop bit is still on the way */
		}
		if (!rx_deliver(u, u->stage[u->stage_off], due)) {
			u->rx_stalled = true; /* lossless: kernel reads first */
			break;
		}
		u->rx_stalled = false;
		u->rx_line_free = due;
		u->stage_off++;
		u->stage_len--;
		n++;
	}
	rx_announce(u);
	return n;
}

/* Read what the far end sent: wire faults, then BREAK decoding. */
static void rx_fill(struct hs_uart *u)
{
	uint8_t raw[READ_CHUNK];
	const uint8_t *p = raw;
	size_t room = u->stage_cap - u->stage_len, cap = sizeof(raw);
	long n;

	if (hs_linkfault_active(&u->rxf))
		room /= 2;
	if (room < cap)
		cap = room;
	if (cap == 0)
		return;
	n = hs_far_read(u, raw, cap);
	if (n < 0) {
		hs_far_hangup(u);
		return;
	}
	if (n > 0) {
		uint64_t now = hs_uart_now_ns();

		/* A quiet line: these bytes start as they come in. */
		if (u->rx_line_free < now)
			u->rx_line_free = now;
	}
	if (hs_linkfault_active(&u->rxf)) {
		uint64_t before = u->rxf.corrupted + u->rxf.dropped +
				  u->rxf.duplicated;

		n = (long)hs_linkfault_apply(&u->rxf, raw, (size_t)n,
					     u->scratch);
		p = u->scratch;
		atomic_fetch_add(&u->st_rxf, u->rxf.corrupted + u->rxf.dropped +
						     u->rxf.duplicated - before);
	}
	for (long i = 0; i < n; i++) {
		if (!(u->flags & HS_UART_TELNET_BREAK)) {
			stage_put(u, p[i]);
		} else if (u->telnet) {
			u->telnet = 0;
			if (p[i] == 0xf3) {
				stage_put(u, HS_RX_BI); /* IAC BRK */
			} else {
				stage_put(u, 0xff);
				stage_put(u, p[i]);
			}
		} else if (p[i] == 0xff) {
			u->telnet = 1;
		} else {
			stage_put(u, p[i]);
		}
	}
}

static void tx_flush(struct hs_uart *u)
{
	while (u->cable_len && u->connected) {
		long n = hs_far_write(u, u->cable + u->cable_off, u->cable_len);

		if (n < 0) {
			hs_far_hangup(u);
			return;
		}
		if (n == 0) {
			u->cable_blocked = true;
			return;
		}
		u->cable_off += (size_t)n;
		u->cable_len -= (size_t)n;
	}
	u->cable_off = 0;
	u->cable_blocked = false;
}

/*
 * Could tx_pump take a byte right now, or has one come in that a sleep
 * without a TX timeout (timed false) would miss? Then do not sleep.
 */
static bool tx_ready(struct hs_uart *u, uint64_t now, bool timed)
{
	uint64_t next;

	if (hs_uart_tx_level(u) == 0 || tx_room(u) == 0)
		return false;
	return !paced(u) || !timed || tx_sent(u, now, &next) > 0;
}

static int64_t until(uint64_t t, uint64_t now)
{
	return t > now ? (int64_t)(t - now) : 0;
}

/* Sleep until a register write, a far-end event or the next byte time. */
static void wait_events(struct hs_uart *u, uint64_t now, bool busy)
{
	struct pollfd p[1 + HS_FAR_POLL_MAX] = {
		{.fd = u->wake_fd, .events = POLLIN}};
	int64_t far_ns = INT64_MAX, wait_ns = INT64_MAX;
	struct timespec ts, *tsp = NULL;
	int nfar = hs_far_pollfds(u, &p[1], &far_ns);
	uint64_t next = 0;
	bool timed = false;
	int ev;

	/* Paced: wake when the oldest byte in flight has left the UART. */
	if (paced(u) && hs_uart_tx_level(u) && tx_room(u)) {
		timed = true;
		wait_ns = tx_sent(u, now, &next) ? 0 : until(next, now);
	}
	if (paced(u)) {
		uint32_t k = u->rx_told, h = atomic_load(&u->rx_head);
		int64_t d = INT64_MAX;

		/* The next irq() to raise: read bytes are not waited for. */
		if ((int32_t)(h - k) > 0)
			k = h;
		if (k != atomic_load(&u->rx_pub))
			d = until(atomic_load(&u->rx_due[k & u->rx_mask]), now);
		if ((u->flags & HS_UART_OVERRUN) && u->stage_len &&
		    !looped(u) && until(u->rx_line_free + hs_uart_byte_ns(u),
					now) < d)
			d = until(u->rx_line_free + hs_uart_byte_ns(u), now);
		if (d < wait_ns)
			wait_ns = d;
	}
	if (far_ns < wait_ns)
		wait_ns = far_ns;
	if (busy)
		wait_ns = 0;
	if (wait_ns != 0) {
		/* No TX wakeups needed while a byte time is due or the far
		 * end holds the cable up (POLLOUT wakes us then). */
		atomic_store(&u->tx_watching, timed || tx_room(u) == 0);
		/* Dekker with kick(): we see the byte, or it sees us asleep. */
		atomic_store(&u->io_sleeping, 1);
		if (tx_ready(u, now, timed) || atomic_load(&u->break_req) ||
		    atomic_load(&u->stop))
			wait_ns = 0;
	}
	if (wait_ns != INT64_MAX) {
		ts.tv_sec = wait_ns / 1000000000;
		ts.tv_nsec = wait_ns % 1000000000;
		tsp = &ts;
	}
	if (ppoll(p, (nfds_t)(1 + nfar), tsp, NULL) < 0)
		p[0].revents = 0;
	atomic_store(&u->io_sleeping, 0);
	if (p[0].revents & POLLIN) {
		uint64_t v;

		if (read(u->wake_fd, &v, sizeof(v)) < 0)
			(void)0; /* EAGAIN: another reader got it */
		/* Woken by a register write: if the writer shares our core,
		 * let it finish its burst before we take it. */
		sched_yield();
	}
	ev = hs_far_events(u, &p[1], nfar);
	if (ev & 2)
		u->cable_blocked = false;
	if (ev & 1)
		rx_fill(u);
}

static void take_breaks(struct hs_uart *u)
{
	while (atomic_load(&u->break_req) && u->stage_len < u->stage_cap) {
		atomic_fetch_sub(&u->break_req, 1);
		stage_put(u, HS_RX_BI); /* a NUL with BI, as a UART stores it */
	}
}

/* hs_uart_test_hold_io(): stand still until released. */
static void hold_io(struct hs_uart *u)
{
	struct pollfd p = {.fd = u->wake_fd, .events = POLLIN};
	uint64_t v;

	atomic_store(&u->io_held, 1);
	while (atomic_load(&u->io_hold) && !atomic_load(&u->stop)) {
		if (ppoll(&p, 1, NULL, NULL) > 0 &&
		    read(u->wake_fd, &v, sizeof(v)) < 0)
			(void)0; /* EAGAIN: another reader got it */
	}
	atomic_store(&u->io_held, 0);
}

static void *io_main(void *arg)
{
	struct hs_uart *u = arg;
	uint64_t last_move = 0, hold_since = 0;

	/* Byte times are tens of microseconds: ask for precise wakeups. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load(&u->stop)) {
		uint64_t now;
		unsigned moved;

		if (atomic_load(&u->io_hold))
			hold_io(u);
		now = hs_uart_now_ns();
		take_breaks(u);
		moved = tx_pump(u, now) + rx_pump(u, now);
		if (moved) {
			last_move = now;
			if (!hold_since)
				hold_since = now;
		}
		/*
		 * Unpaced, the kernel refills the FIFO within a microsecond
		 * of THRE: spin briefly to gather its next bursts into one
		 * write instead of one syscall per 16 bytes.
		 */
		if (!paced(u) && u->cable_len && u->cable_len < FLUSH_AT &&
		    now - last_move < HOLD_IDLE_NS &&
		    now - hold_since < HOLD_MAX_NS) {
			cpu_relax();
			continue;
		}
		hold_since = 0;
		if (u->cable_len && !u->cable_blocked)
			tx_flush(u);
		wait_events(u, now, moved != 0);
	}
	return NULL;
}

static uint32_t ring_size(size_t want)
{
	uint32_t n = 64;

	while (n < want && n < (1u << 30))
		n <<= 1;
	return n;
}

static int fail(char *err, size_t errlen, const char *what)
{
	if (errlen)
		snprintf(err, errlen, "uart: %s", what);
	return -1;
}

static int start_thread(struct hs_uart *u)
{
	sigset_t all, old;
	int rc;

	/* The machine's signals (traps, IPIs, timers) are for CPU threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&u->thread, NULL, io_main, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	u->thread_started = rc == 0;
	return rc;
}

static void free_uart(struct hs_uart *u)
{
	if (u->wake_fd >= 0)
		close(u->wake_fd);
	free(u->rx_slot);
	free(u->rx_due);
	free(u->stage);
	free(u->cable);
	free(u->scratch);
	free(u);
}

int hs_uart_open_cfg(struct hs_uart **out, const struct hs_uart_config *cfg,
		     char *err, size_t errlen)
{
	size_t cable = cfg && cfg->cable_len ? cfg->cable_len : DEFAULT_CABLE;
	struct hs_uart *u;
	uint32_t rx;

	*out = NULL;
	if (!cfg || !cfg->spec)
		return fail(err, errlen, "no spec");
	if (cfg->pace_baud > 10000000)
		return fail(err, errlen, "pace_baud above 10 Mbaud");
	if (cfg->tx_backlog > HS_TX_RING - HS_FIFO)
		return fail(err, errlen, "tx_backlog above 4080");
	u = calloc(1, sizeof(*u));
	if (!u)
		return fail(err, errlen, "out of memory");
	u->wake_fd = u->far_fd = u->peer_fd = u->ino_fd = -1;
	for (unsigned i = 0; i < HS_REFUSED_MAX; i++)
		u->refused_fd[i] = -1;
	u->flags = cfg->flags;
	u->clock_baud = cfg->pace_baud;
	rx = ring_size(cable);
	u->rx_mask = rx - 1;
	u->rx_slot = calloc(rx, sizeof(*u->rx_slot));
	u->rx_due = calloc(rx, sizeof(*u->rx_due));
	u->stage_cap = cable;
	u->stage = calloc(cable, sizeof(*u->stage));
	u->cable_cap = cable;
	u->cable = malloc(cable);
	u->scratch = malloc(2 * READ_CHUNK);
	u->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!u->rx_slot || !u->rx_due || !u->stage || !u->cable || !u->scratch ||
	    u->wake_fd < 0) {
		free_uart(u);
		return fail(err, errlen, "out of memory or eventfd failed");
	}
	for (unsigned i = 0; i < HS_TX_RING; i++)
		atomic_init(&u->tx_slot[i], TX_EMPTY(i));
	u->tx_backlog = cfg->tx_backlog ? cfg->tx_backlog
					: HS_TX_RING - HS_FIFO;
	/* As firmware leaves a PC's COM port: divisor 1, 8N1. */
	atomic_init(&u->dll, 1);
	atomic_init(&u->lcr, 0x03);
	hs_linkfault_init(&u->rxf, &cfg->rx_fault);
	hs_linkfault_init(&u->txf, &cfg->tx_fault);
	if (hs_far_open(u, cfg->spec, err, errlen) < 0) {
		free_uart(u);
		return -1;
	}
	if (start_thread(u) != 0) {
		hs_far_close(u);
		free_uart(u);
		return fail(err, errlen, "cannot start the I/O thread");
	}
	*out = u;
	return 0;
}

int hs_uart_open(struct hs_uart **out, const char *spec, uint32_t pace_baud,
		 char *err, size_t errlen)
{
	struct hs_uart_config cfg = {.spec = spec, .pace_baud = pace_baud};

	return hs_uart_open_cfg(out, &cfg, err, errlen);
}

void hs_uart_close(struct hs_uart *u)
{
	if (!u)
		return;
	atomic_store(&u->stop, 1);
	hs_uart_wake(u);
	if (u->thread_started)
		pthread_join(u->thread, NULL);
	hs_far_close(u);
	free_uart(u);
}
