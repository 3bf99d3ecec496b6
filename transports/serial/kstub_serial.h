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

#define KSTUB_UART_LSR_DR 0x01		/* data ready */
#define KSTUB_UART_LSR_OE 0x02		/* overrun */
#define KSTUB_UART_LSR_BI 0x10		/* break received */
#define KSTUB_UART_LSR_THRE 0x20	/* THR empty: FIFO has room for 16 */
#define KSTUB_UART_LSR_TEMT 0x40	/* transmitter idle */
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

/* kstub_serial_init() flags */
#define KSTUB_SERIAL_CARRIER 0x1u	/* report KSTUB_ENOTCONN when DCD is low */
#define KSTUB_SERIAL_KEEP_BAUD 0x2u	/* the kernel set the line up: leave it */

/* Driver state; the port owns it. Members are private. */
struct kstub_serial {
	struct kstub_uart_io io;
	uint32_t baud;
	unsigned flags;
	uint8_t tx_room;	/* bytes the FIFO takes before LSR is read */
	uint8_t saved_ier;	/* the kernel driver's IER, restored on leave */
	uint8_t saved_mcr;
	uint8_t entered;
};

/*
 * Program the UART for polled use at baud (8N1, FIFOs on and cleared,
 * interrupts off) and check that it answers (scratch register probe).
 * Returns 0; KSTUB_EINVAL if baud does not divide 115200 or io is
 * incomplete; KSTUB_EIO if no UART answers at that address.
 */
int kstub_serial_init(struct kstub_serial *s, const struct kstub_uart_io *io,
		      uint32_t baud, unsigned flags);

/* Transmit bytes outside the debugger (a console sharing the line). */
int kstub_serial_write(struct kstub_serial *s, const uint8_t *buf,
		       size_t len);

/* The link: pass &kstub_serial_ops and the struct kstub_serial as ctx. */
extern const struct kstub_transport_ops kstub_serial_ops;

#endif /* KSTUB_SERIAL_H */
