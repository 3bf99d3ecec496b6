// SPDX-License-Identifier: BSD-2-Clause
/*
 * The UART model's register file: what a simulated CPU sees when it reads
 * or writes one of the eight 16550 registers. Lock-free and
 * async-signal-safe (see uart_int.h); the I/O thread is in uart_io.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ptsname_r, accept4, ppoll, eventfd */
#endif
#include "uart_int.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { R_DATA, R_IER, R_IIR, R_LCR, R_MCR, R_LSR, R_MSR, R_SCR };

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must not lock");
_Static_assert(ATOMIC_SHORT_LOCK_FREE == 2, "16-bit atomics must not lock");
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "pointer atomics must not lock");

uint64_t hs_uart_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* write(2) is async-signal-safe; errno belongs to whoever we interrupted. */
void hs_uart_wake(struct hs_uart *u)
{
	uint64_t one = 1;
	int saved = errno;

	if (write(u->wake_fd, &one, sizeof(one)) < 0)
		(void)0; /* the counter is full: a wakeup is pending anyway */
	errno = saved;
}

/* At most one wakeup per sleep of the I/O thread. */
static void kick(struct hs_uart *u)
{
	if (atomic_load(&u->io_sleeping) && atomic_exchange(&u->io_sleeping, 0))
		hs_uart_wake(u);
}

/* TX news, unless the I/O thread will look at the FIFO anyway (a byte
 * time is due, or it waits for the far end to take the cable). */
static void kick_tx(struct hs_uart *u)
{
	if (!atomic_load(&u->tx_watching))
		kick(u);
}

/*
 * TX FIFO. Position p has been filled once its slot's tag is above p or
 * the slot is FULL(p); it has been taken once the tag is above p. Every
 * operation first helps the shared counters past such slots, so an
 * operation interrupted between its two compare-and-swaps delays nobody.
 */
static void tx_help(struct hs_uart *u)
{
	for (;;) {
		uint64_t t = atomic_load(&u->tx_tail);
		uint64_t v = atomic_load(&u->tx_slot[t % HS_TX_RING]);

		if ((v >> 9) < t || v == TX_EMPTY(t))
			break;
		atomic_compare_exchange_strong(&u->tx_tail, &t, t + 1);
	}
	for (;;) {
		uint64_t h = atomic_load(&u->tx_head);
		uint64_t v = atomic_load(&u->tx_slot[h % HS_TX_RING]);

		if ((v >> 9) <= h)
			break;
		atomic_compare_exchange_strong(&u->tx_head, &h, h + 1);
	}
}

unsigned hs_uart_tx_level(struct hs_uart *u)
{
	uint64_t h, t;

	tx_help(u);
	h = atomic_load(&u->tx_head);
	t = atomic_load(&u->tx_tail);
	return t > h ? (unsigned)(t - h) : 0;
}

/*
 * Paced: the FIFO takes the byte if fewer than its depth are waiting to
 * start and the backlog has room; the byte then starts when the line is
 * free and ends a byte time later. 16450 mode (FIFOs off) has a single
 * holding register.
 */
static bool tx_accept_paced(struct hs_uart *u)
{
	uint64_t now = hs_uart_now_ns(), b = hs_uart_byte_ns(u);
	uint64_t end = atomic_load(&u->tx_end), un;
	unsigned depth = atomic_load(&u->fcr_on) ? HS_FIFO : 1;

	do {
		un = hs_uart_tx_unended(end, now, b);
		if ((un ? un - 1 : 0) >= depth ||
		    hs_uart_tx_level(u) >= u->tx_backlog + HS_FIFO)
			return false;
	} while (!atomic_compare_exchange_weak(&u->tx_end, &end,
					       (end > now ? end : now) + b));
	if (end < now) /* the line had gone quiet: the kernel was late */
		atomic_fetch_add_explicit(&u->st_idle_starts, 1,
					  memory_order_relaxed);
	return true;
}

/*
 * Returns false if the FIFO was full (the byte is lost, as on a 16550).
 * Paced, the time slot is taken before the ring slot: a signal handler
 * that writes THR in between goes first on the wire, as its OUT would.
 */
static bool tx_put(struct hs_uart *u, uint8_t b)
{
	if (u->clock_baud && !tx_accept_paced(u))
		return false;
	for (;;) {
		uint64_t t = atomic_load(&u->tx_tail);
		_Atomic uint64_t *slot = &u->tx_slot[t % HS_TX_RING];
		uint64_t v = atomic_load(slot);

		if (v == TX_EMPTY(t)) {
			if (atomic_compare_exchange_strong(slot, &v,
							   TX_FULL(t, b))) {
				atomic_compare_exchange_strong(&u->tx_tail, &t,
							       t + 1);
				return true;
			}
		} else if ((v >> 9) < t) {
			return false; /* position t - HS_TX_RING not taken */
		} else {
			atomic_compare_exchange_strong(&u->tx_tail, &t, t + 1);
		}
	}
}

/* Take the oldest byte: the I/O thread, or FCR's clear. -1 if empty. */
int hs_uart_tx_pop(struct hs_uart *u)
{
	for (;;) {
		uint64_t h = atomic_load(&u->tx_head);
		_Atomic uint64_t *slot = &u->tx_slot[h % HS_TX_RING];
		uint64_t v = atomic_load(slot);

		if ((v >> 9) == h && (v & 0x100)) {
			if (atomic_compare_exchange_strong(
				    slot, &v, TX_EMPTY(h + HS_TX_RING))) {
				atomic_compare_exchange_strong(&u->tx_head, &h,
							       h + 1);
				return (int)(v & 0xff);
			}
		} else if ((v >> 9) > h) {
			atomic_compare_exchange_strong(&u->tx_head, &h, h + 1);
		} else {
			return -1;
		}
	}
}

/*
 * Move rx_vis over the published bytes whose stop bit has arrived, as
 * the clock says: any CPU may, so a byte is readable on time whether or
 * not the I/O thread runs then. rx_due is read only below rx_pub, which
 * the I/O thread publishes after the slot and its time.
 */
static uint32_t rx_visible(struct hs_uart *u)
{
	uint32_t v = atomic_load(&u->rx_vis);
	uint32_t pub = atomic_load_explicit(&u->rx_pub, memory_order_acquire);
	uint64_t now = 0;

	/* Another CPU may have moved rx_vis past our (older) rx_pub. */
	while ((int32_t)(pub - v) > 0) {
		uint64_t due = atomic_load(&u->rx_due[v & u->rx_mask]);

		if (due && !now)
			now = hs_uart_now_ns();
		if (due > now)
			break;
		/* On failure v is what another CPU moved it to. */
		if (atomic_compare_exchange_weak(&u->rx_vis, &v, v + 1))
			v++;
	}
	return v;
}

uint32_t hs_uart_rx_count(struct hs_uart *u)
{
	uint32_t h = atomic_load(&u->rx_head);

	return rx_visible(u) - h;
}

uint32_t hs_uart_rx_due_upto(struct hs_uart *u)
{
	return rx_visible(u);
}

uint32_t hs_uart_rx_queued(struct hs_uart *u)
{
	uint32_t h = atomic_load(&u->rx_head);

	return atomic_load(&u->rx_pub) - h;
}

/* RX: one producer (the I/O thread), any number of takers. */
static int rx_take(struct hs_uart *u, uint32_t max)
{
	int n = 0;

	for (;;) {
		uint32_t h = atomic_load(&u->rx_head);
		uint32_t avail = rx_visible(u) - h;
		uint32_t take = avail < max ? avail : max;
		uint16_t v;

		if (take == 0)
			break;
		v = atomic_load(&u->rx_slot[h & u->rx_mask]);
		if (atomic_compare_exchange_strong(&u->rx_head, &h, h + take)) {
			atomic_store(&u->rbr_last, (uint8_t)v);
			n = (int)(v & 0xff);
			break;
		}
	}
	/* Room again for a waiting I/O thread: half the ring, to batch. */
	if (atomic_load(&u->rx_want_room) &&
	    hs_uart_rx_queued(u) <= u->rx_mask / 2 &&
	    atomic_exchange(&u->rx_want_room, 0))
		hs_uart_wake(u);
	return n;
}

/*
 * A polling kernel spins on LSR. On a host with fewer cores than busy
 * threads that spin would starve the I/O thread it waits for, so after
 * a run of LSR reads with no THR write or RBR read between them each
 * further one gives the CPU away. No hardware does this; it only keeps
 * an oversubscribed simulation moving. Not when paced: there the kernel
 * must answer THRE within a byte time, as on real hardware, and a
 * yielded CPU may come back too late. sched_yield takes no lock.
 */
static void poll_backoff(struct hs_uart *u)
{
	int saved;

	if (u->clock_baud || atomic_fetch_add_explicit(&u->idle_polls, 1,
						    memory_order_relaxed) < 64)
		return;
	saved = errno;
	sched_yield();
	errno = saved;
}

static void poll_progress(struct hs_uart *u)
{
	atomic_store_explicit(&u->idle_polls, 0, memory_order_relaxed);
}

/*
 * The carrier dropped: empty both FIFOs. On a real line the next peer
 * comes long after the kernel has read what the old one sent and the
 * transmitter has shifted the rest into the dead line, so no driver
 * ever finds both peers' bytes in one FIFO; here peers change within
 * microseconds, and without this the old session's replies would greet
 * the next debugger and its stale packets be answered to it.
 */
void hs_uart_fifos_clear(struct hs_uart *u)
{
	unsigned n;

	/* The I/O thread (the caller) is the only producer: what it has
	 * published and is not due yet goes too. */
	uint32_t v = atomic_load(&u->rx_vis), pub = atomic_load(&u->rx_pub);

	while (v != pub && !atomic_compare_exchange_weak(&u->rx_vis, &v, pub))
		;
	while (hs_uart_rx_count(u))
		rx_take(u, UINT32_MAX);
	for (n = hs_uart_tx_level(u); n && hs_uart_tx_pop(u) >= 0; n--)
		;
}

static uint8_t read_rbr(struct hs_uart *u)
{
	uint32_t n = hs_uart_rx_count(u);

	if (n == 0)
		return atomic_load(&u->rbr_last);
	if (u->clock_baud && n > HS_FIFO)
		atomic_fetch_add_explicit(&u->st_rx_behind, 1,
					  memory_order_relaxed);
	poll_progress(u);
	return (uint8_t)rx_take(u, 1);
}

/*
 * THRE and TEMT. Unpaced: THRE is room for a FIFO load in the elastic
 * ring. Paced: THRE once the last accepted byte has started (the FIFO
 * is empty), TEMT once it has ended, both from the clock; the ring
 * (level) only matters when the backlog behind the UART is full.
 */
static uint8_t tx_empty_bits(struct hs_uart *u, unsigned level)
{
	uint64_t un;

	if (!u->clock_baud)
		return level <= HS_TX_RING - HS_FIFO
			       ? (level == 0 ? LSR_THRE | LSR_TEMT : LSR_THRE)
			       : 0;
	if (level > u->tx_backlog)
		return 0; /* the I/O thread is that far behind: hold */
	un = hs_uart_tx_unended(atomic_load(&u->tx_end), hs_uart_now_ns(),
				hs_uart_byte_ns(u));
	return un == 0 ? LSR_THRE | LSR_TEMT : un == 1 ? LSR_THRE : 0;
}

static uint8_t read_lsr(struct hs_uart *u)
{
	uint8_t lsr = atomic_exchange(&u->lsr_sticky, 0) & LSR_OE;
	uint32_t h = atomic_load(&u->rx_head);
	unsigned level;

	if (rx_visible(u) != h) {
		_Atomic uint16_t *slot = &u->rx_slot[h & u->rx_mask];
		uint16_t v = atomic_load(slot);

		lsr |= LSR_DR;
		/* BI shows while its NUL is the oldest byte, and only once. */
		if ((v & HS_RX_BI) &&
		    atomic_compare_exchange_strong(slot, &v,
						   (uint16_t)(v & ~HS_RX_BI)))
			lsr |= LSR_BI;
	}
	level = hs_uart_tx_level(u);
	lsr |= tx_empty_bits(u, level);
	if (level)
		kick_tx(u); /* the end of a burst of THR writes */
	poll_backoff(u);
	return lsr;
}

static uint8_t read_msr(struct hs_uart *u)
{
	uint8_t mcr = atomic_load(&u->mcr), st = 0;

	if (mcr & MCR_LOOP) {
		st |= (mcr & MCR_RTS) ? MSR_CTS : 0;
		st |= (mcr & MCR_DTR) ? MSR_DSR : 0;
		st |= (mcr & MCR_OUT1) ? MSR_RI : 0;
		st |= (mcr & MCR_OUT2) ? MSR_DCD : 0;
	} else if (atomic_load(&u->carrier)) {
		st = MSR_DCD | MSR_DSR | MSR_CTS;
	}
	return st | (atomic_exchange(&u->msr_delta, 0) & 0x0f);
}

/* Highest-priority pending interrupt, as the 16550 ranks them. */
static uint8_t read_iir(struct hs_uart *u)
{
	uint8_t fifo = atomic_load(&u->fcr_on) ? 0xc0 : 0;
	uint8_t ier = atomic_load(&u->ier);
	uint8_t one = 1;

	if ((ier & IER_RLSI) && (atomic_load(&u->lsr_sticky) & LSR_OE))
		return fifo | 0x06;
	if ((ier & IER_RDI) && hs_uart_rx_count(u))
		return fifo | 0x04;
	if ((ier & IER_THRI) &&
	    atomic_compare_exchange_strong(&u->thri_pending, &one, 0))
		return fifo | 0x02;
	if ((ier & IER_MSI) && (atomic_load(&u->msr_delta) & 0x0f))
		return fifo | 0x00;
	return fifo | 0x01;
}

uint8_t hs_uart_in(void *uart, unsigned reg)
{
	struct hs_uart *u = uart;
	bool dlab = atomic_load(&u->lcr) & LCR_DLAB;

	switch (reg & 7) {
	case R_DATA:
		return dlab ? atomic_load(&u->dll) : read_rbr(u);
	case R_IER:
		return dlab ? atomic_load(&u->dlm) : atomic_load(&u->ier);
	case R_IIR:
		return read_iir(u);
	case R_LCR:
		return atomic_load(&u->lcr);
	case R_MCR:
		return atomic_load(&u->mcr);
	case R_LSR:
		return read_lsr(u);
	case R_MSR:
		return read_msr(u);
	default:
		return atomic_load(&u->scr);
	}
}

static void write_thr(struct hs_uart *u, uint8_t b)
{
	unsigned level;

	atomic_store(&u->thri_pending, 0);
	poll_progress(u);
	if (!tx_put(u, b))
		atomic_fetch_add_explicit(&u->st_overflow, 1,
					  memory_order_relaxed);
	/*
	 * Wake the I/O thread for the first byte of a burst (it yields
	 * once before looking, so a kernel on the same core can finish
	 * the burst), again when a FIFO load is queued, and at the LSR read
	 * that ends a burst (read_lsr). Each costs a syscall only if the
	 * thread sleeps.
	 */
	level = hs_uart_tx_level(u);
	if (level == 1 || level >= HS_FIFO)
		kick_tx(u);
}

static void write_ier(struct hs_uart *u, uint8_t v)
{
	uint8_t old = atomic_exchange(&u->ier, v & 0x0f);

	/* Enabling THRI with the FIFO empty raises it at once. */
	if (!(old & IER_THRI) && (v & IER_THRI) &&
	    (tx_empty_bits(u, hs_uart_tx_level(u)) & LSR_THRE))
		atomic_store(&u->thri_pending, 1);
}

/*
 * Paced FCR clear-TX: bytes waiting to start are gone, the one in the
 * shifter finishes. The ring was emptied whole, so bytes that had left
 * but were not carried yet (the backlog) are lost too: only a kernel
 * that clears TX with bytes in flight can tell, and drivers clear it at
 * init after TEMT.
 */
static void tx_clear_paced(struct hs_uart *u)
{
	uint64_t now = hs_uart_now_ns(), b = hs_uart_byte_ns(u);
	uint64_t end = atomic_load(&u->tx_end), un;

	do {
		un = hs_uart_tx_unended(end, now, b);
		if (un <= 1)
			return;
	} while (!atomic_compare_exchange_weak(&u->tx_end, &end,
					       end - (un - 1) * b));
}

static void write_fcr(struct hs_uart *u, uint8_t v)
{
	bool on = v & FCR_ENABLE;

	/* Switching the FIFOs on or off empties them (16550A datasheet). */
	if (atomic_exchange(&u->fcr_on, on) != on)
		v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
	if (v & FCR_CLEAR_RX)
		rx_take(u, HS_FIFO);
	if (v & FCR_CLEAR_TX) {
		while (hs_uart_tx_pop(u) >= 0)
			;
		if (u->clock_baud)
			tx_clear_paced(u);
	}
}

void hs_uart_out(void *uart, unsigned reg, uint8_t value)
{
	struct hs_uart *u = uart;
	bool dlab = atomic_load(&u->lcr) & LCR_DLAB;

	switch (reg & 7) {
	case R_DATA:
		if (dlab)
			atomic_store(&u->dll, value);
		else
			write_thr(u, value);
		break;
	case R_IER:
		if (dlab)
			atomic_store(&u->dlm, value);
		else
			write_ier(u, value);
		break;
	case R_IIR:
		write_fcr(u, value);
		break;
	case R_LCR:
		atomic_store(&u->lcr, value);
		break;
	case R_MCR:
		atomic_store(&u->mcr, value & 0x1f);
		kick(u); /* loopback reroutes the TX path */
		break;
	case R_SCR:
		atomic_store(&u->scr, value);
		break;
	default: /* LSR and MSR writes are factory test modes: ignored */
		break;
	}
}

void hs_uart_set_irq(struct hs_uart *u, void (*irq)(void *arg), void *arg)
{
	atomic_store(&u->irq_arg, arg);
	atomic_store(&u->irq, irq);
}

const char *hs_uart_where(const struct hs_uart *u)
{
	return u->where;
}

void hs_uart_send_break(struct hs_uart *u)
{
	atomic_fetch_add(&u->break_req, 1);
	hs_uart_wake(u);
}

void hs_uart_test_hold_io(struct hs_uart *u, bool hold)
{
	atomic_store(&u->io_hold, hold);
	hs_uart_wake(u);
	/* A condition, not a delay: the thread says where it is. */
	while (atomic_load(&u->io_held) != hold)
		sched_yield();
}

void hs_uart_get_stats(const struct hs_uart *u, struct hs_uart_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->rx_bytes = atomic_load(&u->st_rx);
	st->tx_bytes = atomic_load(&u->st_tx);
	st->rx_overruns = atomic_load(&u->st_overrun);
	st->tx_overflows = atomic_load(&u->st_overflow);
	st->tx_idle_starts = atomic_load(&u->st_idle_starts);
	st->rx_behind = atomic_load(&u->st_rx_behind);
	st->irqs = atomic_load(&u->st_irq);
	st->connects = atomic_load(&u->st_conn);
	st->refused = atomic_load(&u->st_refused);
	st->rx_faults = atomic_load(&u->st_rxf);
	st->tx_faults = atomic_load(&u->st_txf);
}
