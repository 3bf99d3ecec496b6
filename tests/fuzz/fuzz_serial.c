/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The 16550 receive path and the transmit path that shares LSR with it.
 * data[0]: driver flags (bits 0-1: CARRIER, KEEP_BAUD), baud (bits 2-4),
 * a 16450 without FIFOs (bit 5), the UART (bits 6-7: present, present,
 * an 8250 without SCR, nothing at the address). data[1]: drain speed
 * (bits 0-3), carrier down at the start (bit 4), an unknown flag bit
 * (bit 5), an io without out() (bit 6). Then pairs: a byte the line delivers and what goes with it:
 * LSR error bits (0x1e: OE PE FE BI), the carrier toggles first (0x01),
 * the stub transmits the byte first (0x20), the stub drains the FIFO
 * first (0x40), the trap ends or begins first (0x80).
 * Checks: init accepts exactly the valid setups; every byte comes out
 * once and in order, a BREAK as 0x03 with its NUL swallowed;
 * KSTUB_ENOTCONN exactly when CARRIER is set and either DCD is low with
 * nothing waiting, or the carrier changed since the last report (DDCD):
 * that is reported once, before the next byte (a BREAK still comes
 * first), since the bytes behind it may be a new peer's; a send fails
 * exactly while either holds, and what it sends reaches THR.
 */
#include <stdlib.h>

#include "fake_uart.h"
#include "kstub_errno.h"
#include "kstub_serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define SER_ERR_BITS 0x1e
#define SER_CARRIER_FLIP 0x01
#define SER_SEND_FIRST 0x20
#define SER_DRAIN_FIRST 0x40
#define SER_TRAP_EDGE 0x80

static struct fake_uart u;
static struct kstub_serial s;
static uint8_t expect[FAKE_UART_RX_MAX];
static size_t exp_len, exp_pos;
static int entered;
/* The carrier changed and recv_byte has not reported it yet. */
static int drop_pending;

static int carrier_gone(void)
{
	return (s.flags & KSTUB_SERIAL_CARRIER) &&
	       !(u.msr & KSTUB_UART_MSR_DCD);
}

static int link_down(void)
{
	return drop_pending || carrier_gone();
}

/* Read until the FIFO is empty, checking each result. */
static void drain(void)
{
	size_t reads = 0;
	int c, waiting;

	for (;;) {
		waiting = u.rx_pos < u.rx_len;
		c = kstub_serial_ops.recv_byte(&s);
		if (c == KSTUB_ENOTCONN && drop_pending) {
			drop_pending = 0;
			continue;
		}
		if (c == KSTUB_EAGAIN || c == KSTUB_ENOTCONN) {
			if (waiting || (c == KSTUB_ENOTCONN) != carrier_gone())
				abort();
			return;
		}
		/* Only a BREAK may overtake a pending carrier report. */
		if (drop_pending && c != 0x03)
			abort();
		if (c < 0 || c > 255 || exp_pos >= exp_len ||
		    c != expect[exp_pos++])
			abort();
		if (++reads > FAKE_UART_RX_MAX)
			abort();
	}
}

static void transmit(uint8_t b)
{
	size_t before = u.tx_len;
	int gone = link_down();
	int r = entered ? kstub_serial_ops.send(&s, &b, 1) :
			  kstub_serial_write(&s, &b, 1);

	if (gone ? r != KSTUB_ENOTCONN : r != 0)
		abort();
	if (entered && kstub_serial_ops.flush(&s) != 0)
		abort();
	if (!gone && (u.tx_len != before + 1 || u.tx[before] != b))
		abort();
}

static int init_expect(uint8_t c0, uint8_t c1, uint32_t baud,
		       unsigned flags)
{
	if ((c1 & 0x40) ||
	    (flags & ~(KSTUB_SERIAL_CARRIER | KSTUB_SERIAL_KEEP_BAUD)) ||
	    baud == 0 || KSTUB_UART_CLOCK_BAUD % baud ||
	    KSTUB_UART_CLOCK_BAUD / baud > 0xffff)
		return KSTUB_EINVAL;
	return c0 >> 6 >= 2 ? KSTUB_EIO : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint32_t bauds[] = { 115200, 57600, 38400, 9600,
					  1200, 0, 7, 1 };
	struct kstub_uart_io io;
	uint32_t baud;
	unsigned flags;
	size_t i;
	uint8_t b, e;

	if (len < 2)
		return 0;
	fake_uart_reset(&u);
	u.no_fifo = (data[0] >> 5) & 1;
	u.no_scr = data[0] >> 6 == 2;
	u.absent = data[0] >> 6 == 3;
	u.drain_polls = data[1] & 3;
	u.temt_lag = (data[1] >> 2) & 3;
	u.msr = data[1] & 0x10 ? 0 : KSTUB_UART_MSR_DCD | KSTUB_UART_MSR_DSR;
	flags = (data[0] & 3) | (data[1] & 0x20 ? 0x4 : 0);
	baud = bauds[(data[0] >> 2) & 7];
	io = fake_uart_io(&u);
	if (data[1] & 0x40)
		io.out = NULL;
	if (kstub_serial_init(&s, &io, baud, flags) !=
	    init_expect(data[0], data[1], baud, flags))
		abort();
	if (init_expect(data[0], data[1], baud, flags))
		return 0;
	exp_len = exp_pos = 0;
	drop_pending = 0;
	kstub_serial_ops.enter(&s);
	entered = 1;
	for (i = 2; i + 1 < len && exp_len < FAKE_UART_RX_MAX; i += 2) {
		b = data[i];
		e = data[i + 1];
		if (e & SER_TRAP_EDGE) {
			if (entered)
				kstub_serial_ops.leave(&s);
			else
				kstub_serial_ops.enter(&s);
			entered = !entered;
		}
		if (e & SER_CARRIER_FLIP) {
			/* DDCD stays set until MSR is read, as in a 16550. */
			u.msr ^= KSTUB_UART_MSR_DCD;
			u.msr |= KSTUB_UART_MSR_DDCD;
			if (s.flags & KSTUB_SERIAL_CARRIER)
				drop_pending = 1;
		}
		if (e & SER_DRAIN_FIRST)
			drain();
		if (e & SER_SEND_FIRST)
			transmit(b);
		fake_uart_rx_push_err(&u, b, e & SER_ERR_BITS);
		expect[exp_len++] = e & KSTUB_UART_LSR_BI ? 0x03 : b;
	}
	drain();
	if (exp_pos != exp_len)
		abort();
	if (entered)
		kstub_serial_ops.leave(&s);
	return 0;
}
