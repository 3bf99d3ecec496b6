/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Polled 16550A driver behind struct kstub_transport_ops: line setup and
 * probe, FIFO-burst transmit, non-blocking receive with BREAK and carrier
 * handling, and saving the kernel driver's interrupt state around a trap.
 */
#include "kstub_errno.h"
#include "kstub_serial.h"

/*
 * LSR polls allowed per unit of divisor before a wait gives up. Draining
 * a full FIFO plus the shifter takes 17 character times, 1.5 ms times the
 * divisor. At 1 us per port read (ISA timing; more under a hypervisor)
 * 2^21 polls last about 2 s at 115200; a simulated UART answering in
 * 20 ns still gets 40 ms, well above the real drain time.
 */
#define SPIN_PER_DIVISOR (1u << 21)

static uint8_t rd(const struct kstub_serial *s, unsigned reg)
{
	return s->io.in(s->io.ctx, reg);
}

static void wr(const struct kstub_serial *s, unsigned reg, uint8_t v)
{
	s->io.out(s->io.ctx, reg, v);
}

/*
 * Poll LSR until one of the bits in want is set. BI is latched for
 * recv_byte, since reading LSR clears it. Returns 0 or KSTUB_EIO.
 */
static int wait_lsr(struct kstub_serial *s, uint8_t want)
{
	uint32_t n;

	for (n = 0; n < s->spin_limit; n++) {
		uint8_t lsr = rd(s, KSTUB_UART_LSR);

		s->lsr_latch |= lsr & KSTUB_UART_LSR_BI;
		if (lsr & want)
			return 0;
	}
	return KSTUB_EIO;
}

/* 16 if the UART says its FIFOs are on (IIR bits 7:6 both set), else 1. */
static uint8_t probe_fifo(const struct kstub_serial *s)
{
	uint8_t iir = rd(s, KSTUB_UART_IIR);

	if ((iir & KSTUB_UART_IIR_FIFO) == KSTUB_UART_IIR_FIFO)
		return KSTUB_UART_FIFO_LEN;
	return 1;
}

/*
 * A UART keeps what is written to SCR; an empty ISA slot reads 0xff and
 * an 8250 without SCR returns junk. Two complementary patterns catch
 * both. The kernel's value is put back.
 */
static int probe_scr(const struct kstub_serial *s)
{
	static const uint8_t pat[2] = {0x5a, 0xa5};
	uint8_t old = rd(s, KSTUB_UART_SCR);
	int err = 0;
	unsigned i;

	for (i = 0; i < 2; i++) {
		wr(s, KSTUB_UART_SCR, pat[i]);
		if (rd(s, KSTUB_UART_SCR) != pat[i])
			err = KSTUB_EIO;
	}
	wr(s, KSTUB_UART_SCR, old);
	return err;
}

int kstub_serial_init(struct kstub_serial *s, const struct kstub_uart_io *io,
		      uint32_t baud, unsigned flags)
{
	uint32_t div;
	int err;

	if (!s || !io || !io->in || !io->out)
		return KSTUB_EINVAL;
	if (flags & ~(KSTUB_SERIAL_CARRIER | KSTUB_SERIAL_KEEP_BAUD))
		return KSTUB_EINVAL;
	if (baud == 0 || KSTUB_UART_CLOCK_BAUD % baud != 0)
		return KSTUB_EINVAL;
	div = KSTUB_UART_CLOCK_BAUD / baud;
	if (div > 0xffff)
		return KSTUB_EINVAL;

	__builtin_memset(s, 0, sizeof(*s));
	s->io = *io;
	s->baud = baud;
	s->flags = flags;
	s->spin_limit = SPIN_PER_DIVISOR * div;
	err = probe_scr(s);
	if (err)
		return err;
	if (!(flags & KSTUB_SERIAL_KEEP_BAUD)) {
		wr(s, KSTUB_UART_IER, 0);
		/* A divisor change corrupts the byte being shifted out. */
		(void)wait_lsr(s, KSTUB_UART_LSR_TEMT);
		wr(s, KSTUB_UART_LCR, KSTUB_UART_LCR_DLAB);
		wr(s, KSTUB_UART_DLL, (uint8_t)(div & 0xff));
		wr(s, KSTUB_UART_DLM, (uint8_t)(div >> 8));
		wr(s, KSTUB_UART_LCR, KSTUB_UART_LCR_8N1);
		wr(s, KSTUB_UART_FCR,
		   KSTUB_UART_FCR_ENABLE | KSTUB_UART_FCR_CLEAR_RX |
			   KSTUB_UART_FCR_CLEAR_TX | KSTUB_UART_FCR_TRIG14);
		wr(s, KSTUB_UART_MCR, KSTUB_UART_MCR_DTR | KSTUB_UART_MCR_RTS);
	}
	/*
	 * A 16450 or a 16550 with the broken FIFO gets one byte per THRE.
	 * Reading IIR acknowledges a pending THR-empty interrupt, which a
	 * live kernel driver (KEEP_BAUD) may be waiting for: then assume no
	 * FIFO until enter() can look with the interrupts masked.
	 */
	if (flags & KSTUB_SERIAL_KEEP_BAUD)
		s->fifo_len = 1;
	else
		s->fifo_len = probe_fifo(s);
	return 0;
}

/*
 * Has the peer gone since the stub last asked? DCD low, or DDCD set:
 * the carrier dropped since MSR was last read, and may be up again
 * already with a new peer on the line, who must not get what was meant
 * for the old one. Reading MSR clears DDCD, so a drop seen here (or by
 * kstub_serial_write) is kept in carrier_drop until recv_byte reports
 * it: every drop ends the session once.
 */
static bool carrier_lost(struct kstub_serial *s)
{
	uint8_t msr;

	if (!(s->flags & KSTUB_SERIAL_CARRIER))
		return false;
	msr = rd(s, KSTUB_UART_MSR);
	if (msr & KSTUB_UART_MSR_DDCD)
		s->carrier_drop = 1;
	return s->carrier_drop || !(msr & KSTUB_UART_MSR_DCD);
}

/*
 * One LSR poll per FIFO load, not per byte: once THRE is seen the FIFO
 * takes fifo_len bytes blind. tx_room carries what is left of that load
 * over to the next call, so an ack followed by a packet costs one poll.
 */
static int send_bytes(struct kstub_serial *s, const uint8_t *buf, size_t len)
{
	size_t i;
	int err;

	if (len && carrier_lost(s))
		return KSTUB_ENOTCONN;
	for (i = 0; i < len; i++) {
		if (s->tx_room == 0) {
			err = wait_lsr(s, KSTUB_UART_LSR_THRE);
			if (err)
				return err;
			s->tx_room = s->fifo_len;
		}
		wr(s, KSTUB_UART_THR, buf[i]);
		s->tx_room--;
	}
	return 0;
}

int kstub_serial_write(struct kstub_serial *s, const uint8_t *buf, size_t len)
{
	/* The kernel's driver may have written THR since our last burst. */
	if (!s->entered)
		s->tx_room = 0;
	return send_bytes(s, buf, len);
}

static int serial_send(void *ctx, const uint8_t *buf, size_t len)
{
	return send_bytes(ctx, buf, len);
}

/*
 * A BREAK arrives as a NUL byte with LSR.BI set while it is the oldest
 * byte in the FIFO. It is gdb's "interrupt-sequence BREAK", so it is
 * handed to the stub as 0x03 (Ctrl-C) and the NUL is dropped.
 */
static int serial_recv_byte(void *ctx)
{
	struct kstub_serial *s = ctx;
	uint8_t lsr = rd(s, KSTUB_UART_LSR) | s->lsr_latch;
	bool lost;

	s->lsr_latch = 0;
	if (lsr & KSTUB_UART_LSR_BI) {
		if (lsr & KSTUB_UART_LSR_DR)
			(void)rd(s, KSTUB_UART_RBR);
		return 0x03;
	}
	/*
	 * A carrier drop is reported before the next byte is taken: the
	 * bytes behind it may be a new peer's first packet, which belongs
	 * to the next session. Then bytes that arrived before a hangup are
	 * delivered before "no peer" is.
	 */
	lost = carrier_lost(s);
	if (s->carrier_drop) {
		s->carrier_drop = 0;
		return KSTUB_ENOTCONN;
	}
	if (lsr & KSTUB_UART_LSR_DR)
		return rd(s, KSTUB_UART_RBR);
	if (lost)
		return KSTUB_ENOTCONN;
	return KSTUB_EAGAIN;
}

/* The bytes are in the UART's FIFO already; nothing is buffered here. */
static int serial_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

/* Far ends wait for DTR/RTS; loopback would mute the line. */
static uint8_t session_mcr(uint8_t mcr)
{
	return (uint8_t)((mcr & ~KSTUB_UART_MCR_LOOP) | KSTUB_UART_MCR_DTR |
			 KSTUB_UART_MCR_RTS);
}

static void serial_enter(void *ctx)
{
	struct kstub_serial *s = ctx;

	if (s->entered)
		return;
	s->saved_ier = rd(s, KSTUB_UART_IER);
	s->saved_mcr = rd(s, KSTUB_UART_MCR);
	wr(s, KSTUB_UART_IER, 0);
	if (session_mcr(s->saved_mcr) != s->saved_mcr)
		wr(s, KSTUB_UART_MCR, session_mcr(s->saved_mcr));
	/* The kernel may have switched the FIFOs since init. */
	s->fifo_len = probe_fifo(s);
	s->tx_room = 0;
	s->entered = 1;
}

static void serial_leave(void *ctx)
{
	struct kstub_serial *s = ctx;

	if (!s->entered)
		return;
	/* The last reply must reach the wire before the kernel's driver
	 * (or a reset on detach) touches the line again. */
	(void)wait_lsr(s, KSTUB_UART_LSR_TEMT);
	if (session_mcr(s->saved_mcr) != s->saved_mcr)
		wr(s, KSTUB_UART_MCR, s->saved_mcr);
	/* Re-enabling THRI with THR empty raises the interrupt again, so
	 * the kernel's driver misses no transmit-ready event. */
	wr(s, KSTUB_UART_IER, s->saved_ier);
	s->tx_room = 0;
	s->entered = 0;
}

/*
 * 8N1: a start bit, 8 data bits and a stop bit, so baud / 10 bytes a
 * second. All of len, not just what the FIFO still holds: under an
 * emulated UART the "FIFO" takes everything at once and the line rate is
 * enforced further on; on real hardware, where send() already waited for
 * all but the last FIFO load, this is an upper bound.
 */
static uint32_t serial_tx_time_us(void *ctx, size_t len)
{
	const struct kstub_serial *s = ctx;
	uint64_t us = ((uint64_t)len * 10u * 1000000u + s->baud - 1) / s->baud;

	return us > 0xffffffffu ? 0xffffffffu : (uint32_t)us;
}

const struct kstub_transport_ops kstub_serial_ops = {
	.name = "serial",
	.flags = 0,
	.recv_byte = serial_recv_byte,
	.send = serial_send,
	.flush = serial_flush,
	.enter = serial_enter,
	.leave = serial_leave,
	.tx_time_us = serial_tx_time_us,
};
