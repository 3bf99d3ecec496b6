/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The polled 16550 serial transport (target half). It drives the UART
 * through a register access interface so the same driver runs on port
 * I/O in a kernel (inb/outb at COM1 0x3f8, COM2 0x2f8) and on hostsim's
 * modelled UART.
 *
 * A serial cable can lose and corrupt bytes, so this link never claims
 * KSTUB_LINK_RELIABLE: the stub stays in ack mode with checksums.
 */
#ifndef KSTUB_SERIAL_H
#define KSTUB_SERIAL_H

#include "kstub_transport.h"
#include "kstub_types.h"

/* 16550 register offsets (DLAB=0 unless noted). */
#define KSTUB_UART_RBR 0	/* read: receive buffer */
#define KSTUB_UART_THR 0	/* write: transmit holding */
#define KSTUB_UART_DLL 0	/* DLAB=1: divisor low */
#define KSTUB_UART_IER 1
#define KSTUB_UART_DLM 1	/* DLAB=1: divisor high */
#define KSTUB_UART_IIR 2	/* read */
#define KSTUB_UART_FCR 2	/* write */
#define KSTUB_UART_LCR 3
#define KSTUB_UART_MCR 4
#define KSTUB_UART_LSR 5
#define KSTUB_UART_MSR 6
#define KSTUB_UART_SCR 7

#define KSTUB_UART_IER_RDI 0x01	/* interrupt: received data */
#define KSTUB_UART_IER_THRI 0x02	/* interrupt: THR empty */
#define KSTUB_UART_IER_RLSI 0x04	/* interrupt: line status */
#define KSTUB_UART_IER_MSI 0x08		/* interrupt: modem status */
#define KSTUB_UART_IIR_NO_INT 0x01	/* no interrupt pending */
#define KSTUB_UART_IIR_FIFO 0xc0	/* both bits: 16550A FIFOs are on */
#define KSTUB_UART_FCR_ENABLE 0x01	/* FIFOs on */
#define KSTUB_UART_FCR_CLEAR_RX 0x02
#define KSTUB_UART_FCR_CLEAR_TX 0x04
#define KSTUB_UART_FCR_TRIG14 0xc0	/* RX interrupt at 14 bytes */
#define KSTUB_UART_LCR_8N1 0x03		/* 8 data bits, no parity, 1 stop */
#define KSTUB_UART_LCR_SBC 0x40		/* transmit a BREAK */
#define KSTUB_UART_LCR_DLAB 0x80	/* registers 0/1 are the divisor */
#define KSTUB_UART_MCR_DTR 0x01
#define KSTUB_UART_MCR_RTS 0x02
#define KSTUB_UART_MCR_OUT1 0x04
#define KSTUB_UART_MCR_OUT2 0x08	/* gates the IRQ line on PCs */
#define KSTUB_UART_MCR_LOOP 0x10	/* local loopback */
#define KSTUB_UART_LSR_DR 0x01		/* data ready */
#define KSTUB_UART_LSR_OE 0x02		/* overrun; cleared by reading LSR */
#define KSTUB_UART_LSR_PE 0x04		/* parity error (top byte) */
#define KSTUB_UART_LSR_FE 0x08		/* framing error (top byte) */
#define KSTUB_UART_LSR_BI 0x10		/* break received; cleared on read */
#define KSTUB_UART_LSR_THRE 0x20	/* THR empty: FIFO has room for 16 */
#define KSTUB_UART_LSR_TEMT 0x40	/* transmitter idle */
#define KSTUB_UART_LSR_FIFOERR 0x80	/* some byte in the RX FIFO has PE/FE/BI */
#define KSTUB_UART_MSR_DCTS 0x01	/* delta bits 0..3: cleared on read */
#define KSTUB_UART_MSR_DDSR 0x02
#define KSTUB_UART_MSR_TERI 0x04
#define KSTUB_UART_MSR_DDCD 0x08
#define KSTUB_UART_MSR_CTS 0x10
#define KSTUB_UART_MSR_DSR 0x20
#define KSTUB_UART_MSR_RI 0x40
#define KSTUB_UART_MSR_DCD 0x80		/* carrier detect */
#define KSTUB_UART_FIFO_LEN 16
#define KSTUB_UART_CLOCK_BAUD 115200	/* 1.8432 MHz / 16 */

/*
 * Register access. in/out are called with the register offset 0..7, in
 * any context the stub runs in; they must not sleep or take locks the
 * kernel takes. ctx is passed back unchanged.
 */
struct kstub_uart_io {
	uint8_t (*in)(void *ctx, unsigned reg);
	void (*out)(void *ctx, unsigned reg, uint8_t value);
	void *ctx;
};

/*
 * kstub_serial_init() flags.
 * CARRIER: recv_byte reports KSTUB_ENOTCONN when no byte is waiting and
 *   MSR.DCD is low, and once for every drop of the carrier (MSR.DDCD),
 *   even if it is back (a new peer) and bytes wait; send reports it
 *   instead of transmitting into an unplugged cable or to the new peer
 *   (the stub then ends the session at once). Only for
 *   lines whose far end drives DCD (a null-modem cable with DTR wired to
 *   DCD, hostsim's model); many three-wire cables leave it floating.
 * KEEP_BAUD: the kernel's own driver set the line up: leave divisor,
 *   LCR, FCR, MCR and IER as they are. baud must still be the rate the
 *   kernel chose; the driver only uses it to scale its time bounds.
 */
#define KSTUB_SERIAL_CARRIER 0x1u
#define KSTUB_SERIAL_KEEP_BAUD 0x2u

/* Driver state; the port owns it. Members are private. */
struct kstub_serial {
	struct kstub_uart_io io;
	uint32_t baud;
	unsigned flags;
	uint32_t spin_limit;	/* LSR polls before a wait gives up */
	uint8_t fifo_len;	/* 16 with working FIFOs, else 1 */
	uint8_t tx_room;	/* bytes the FIFO takes before LSR is read */
	uint8_t saved_ier;	/* the kernel driver's IER, restored on leave */
	uint8_t saved_mcr;
	uint8_t entered;
	uint8_t lsr_latch;	/* BI seen by a transmit wait, not yet acted on */
	uint8_t carrier_drop;	/* DDCD seen, not yet reported by recv_byte */
};

/*
 * Program the UART for polled use at baud (8N1, FIFOs on and cleared,
 * interrupts off) and check that it answers (scratch register probe).
 * Called: once by the port, before kstub_init(), where nothing else
 *   drives the UART. Context: any; waits in bounded time for the
 *   transmitter to drain before it changes the divisor.
 * Returns 0; KSTUB_EINVAL if baud is 0, does not divide 115200 or needs
 * a divisor above 0xffff, io is incomplete or flags has unknown bits;
 * KSTUB_EIO if no UART answers at that address.
 */
int kstub_serial_init(struct kstub_serial *s, const struct kstub_uart_io *io,
		      uint32_t baud, unsigned flags);

/*
 * Transmit bytes outside the debugger (a console sharing the line).
 * Context: any that serialises itself against the stub and the kernel's
 * own driver (the port's console lock); spins in bounded time.
 * Returns 0, KSTUB_EIO if the transmitter never became ready, or
 * KSTUB_ENOTCONN (CARRIER only) if no peer is there.
 */
int kstub_serial_write(struct kstub_serial *s, const uint8_t *buf,
		       size_t len);

/*
 * The link: pass &kstub_serial_ops and the struct kstub_serial as ctx.
 * flags never include KSTUB_LINK_RELIABLE: a cable loses and corrupts.
 * A BREAK on the line (gdb's "set remote interrupt-sequence BREAK")
 * reaches the stub as the byte 0x03, the same request as Ctrl-C; the
 * NUL byte a UART stores with a BREAK is swallowed. An overrun (LSR.OE)
 * is not reported: the lost bytes fail a checksum and gdb resends.
 * enter() masks the UART's interrupts (IER = 0) and keeps DTR/RTS up;
 * leave() waits for the transmitter to drain, then restores IER and MCR.
 * tx_time_us() is len character times at the baud given to init (10
 * bits a byte), so the stub's ack timeout starts once a reply is out.
 */
extern const struct kstub_transport_ops kstub_serial_ops;

#endif /* KSTUB_SERIAL_H */
