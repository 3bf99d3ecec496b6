/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A synchronous register-level 16550 for the serial driver's tests: the
 * test scripts received bytes (with line errors such as BREAK), reads
 * what was transmitted, sets LSR/MSR conditions, and checks every
 * register access in order. Time passes only when the driver reads LSR.
 */
#ifndef FAKE_UART_H
#define FAKE_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstub_serial.h"

#define FAKE_UART_RX_MAX 4096
#define FAKE_UART_TX_MAX 65536
#define FAKE_UART_LOG_MAX 256

struct fake_uart_access {
	char dir;	/* 'r' or 'w' */
	uint8_t reg;	/* 0..7 */
	uint8_t val;	/* read result or written value */
	bool dlab;	/* LCR.DLAB at the time */
};

struct fake_uart {
	/* Model configuration, set by the test before use. */
	bool absent;		/* nothing decodes the address: reads 0xff */
	bool no_scr;		/* an 8250: SCR reads back a constant */
	bool no_fifo;		/* a 16450: FCR does nothing, IIR bits 7:6 = 0 */
	bool thre_stuck;	/* the transmitter never drains */
	unsigned drain_polls;	/* LSR reads before a queued FIFO drains */
	unsigned temt_lag;	/* further LSR reads until the shifter idles */

	/* Registers. */
	uint8_t ier, lcr, mcr, scr, dll, dlm, msr;
	bool fifo_on;
	uint8_t lsr_sticky;	/* OE, cleared by reading LSR */

	/* Receive script: bytes with the LSR error bits each carries. */
	uint8_t rx[FAKE_UART_RX_MAX];
	uint8_t rx_err[FAKE_UART_RX_MAX];
	size_t rx_len, rx_pos;

	/* Transmit capture and the modelled FIFO. */
	uint8_t tx[FAKE_UART_TX_MAX];
	size_t tx_len;
	unsigned tx_level;	/* bytes in the FIFO */
	unsigned tx_overflows;	/* THR writes into a full FIFO */
	unsigned drain_left, temt_left;

	/* Accounting. */
	unsigned reads[8], writes[8];
	struct fake_uart_access log[FAKE_UART_LOG_MAX];
	size_t log_len;		/* saturates at FAKE_UART_LOG_MAX */
};

void fake_uart_reset(struct fake_uart *f);
struct kstub_uart_io fake_uart_io(struct fake_uart *f);
uint8_t fake_uart_in(void *ctx, unsigned reg);
void fake_uart_out(void *ctx, unsigned reg, uint8_t val);

/* Queue received bytes; err carries LSR bits (BI) for one byte. */
void fake_uart_rx_push(struct fake_uart *f, const void *buf, size_t len);
void fake_uart_rx_push_err(struct fake_uart *f, uint8_t byte, uint8_t err);

/* Forget counts and log (not state) so a test measures one phase. */
void fake_uart_clear_counts(struct fake_uart *f);

/* Index in the log of the first access matching; -1 if none. */
long fake_uart_find(const struct fake_uart *f, size_t from, char dir,
		    unsigned reg, int val);

#endif /* FAKE_UART_H */
