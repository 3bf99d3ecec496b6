// SPDX-License-Identifier: BSD-2-Clause
/* The synchronous register-level 16550 fake: see fake_uart.h. */
#include "fake_uart.h"

#include <string.h>

void fake_uart_reset(struct fake_uart *f)
{
	memset(f, 0, sizeof(*f));
}

struct kstub_uart_io fake_uart_io(struct fake_uart *f)
{
	struct kstub_uart_io io = {fake_uart_in, fake_uart_out, f};

	return io;
}

void fake_uart_clear_counts(struct fake_uart *f)
{
	memset(f->reads, 0, sizeof(f->reads));
	memset(f->writes, 0, sizeof(f->writes));
	f->log_len = 0;
}

static void log_access(struct fake_uart *f, char dir, unsigned reg,
		       uint8_t val)
{
	if (dir == 'r')
		f->reads[reg]++;
	else
		f->writes[reg]++;
	if (f->log_len < FAKE_UART_LOG_MAX) {
		struct fake_uart_access *a = &f->log[f->log_len++];

		a->dir = dir;
		a->reg = (uint8_t)reg;
		a->val = val;
		a->dlab = (f->lcr & KSTUB_UART_LCR_DLAB) != 0;
	}
}

long fake_uart_find(const struct fake_uart *f, size_t from, char dir,
		    unsigned reg, int val)
{
	for (size_t i = from; i < f->log_len; i++) {
		const struct fake_uart_access *a = &f->log[i];

		if (a->dir == dir && a->reg == reg && (val < 0 || a->val == val))
			return (long)i;
	}
	return -1;
}

void fake_uart_rx_push(struct fake_uart *f, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		fake_uart_rx_push_err(f, p[i], 0);
}

void fake_uart_rx_push_err(struct fake_uart *f, uint8_t byte, uint8_t err)
{
	if (f->rx_len < FAKE_UART_RX_MAX) {
		f->rx[f->rx_len] = byte;
		f->rx_err[f->rx_len] = err;
		f->rx_len++;
	}
}

/* Reading LSR is the fake's clock: the FIFO, then the shifter, drain. */
static uint8_t read_lsr(struct fake_uart *f)
{
	uint8_t lsr = f->lsr_sticky;

	f->lsr_sticky = 0;
	if (f->tx_level && !f->thre_stuck) {
		if (f->drain_left)
			f->drain_left--;
		else {
			f->tx_level = 0;
			f->temt_left = f->temt_lag;
		}
	} else if (!f->tx_level && f->temt_left) {
		f->temt_left--;
	}
	if (f->rx_pos < f->rx_len) {
		lsr |= KSTUB_UART_LSR_DR;
		/* An error bit shows once, while its byte is the oldest. */
		lsr |= f->rx_err[f->rx_pos];
		f->rx_err[f->rx_pos] = 0;
	}
	if (!f->tx_level) {
		lsr |= KSTUB_UART_LSR_THRE;
		if (!f->temt_left)
			lsr |= KSTUB_UART_LSR_TEMT;
	}
	return lsr;
}

static void write_thr(struct fake_uart *f, uint8_t val)
{
	unsigned cap = f->fifo_on ? KSTUB_UART_FIFO_LEN : 1;

	if (f->tx_level >= cap)
		f->tx_overflows++;
	else if (f->tx_level++ == 0)
		f->drain_left = f->drain_polls;
	if (f->tx_len < FAKE_UART_TX_MAX)
		f->tx[f->tx_len++] = val;
}

uint8_t fake_uart_in(void *ctx, unsigned reg)
{
	struct fake_uart *f = ctx;
	bool dlab = f->lcr & KSTUB_UART_LCR_DLAB;
	uint8_t v = 0xff;

	if (f->absent)
		goto out;
	switch (reg) {
	case KSTUB_UART_RBR:
		if (dlab)
			v = f->dll;
		else if (f->rx_pos < f->rx_len)
			v = f->rx[f->rx_pos++];
		else
			v = 0;
		break;
	case KSTUB_UART_IER:
		v = dlab ? f->dlm : f->ier;
		break;
	case KSTUB_UART_IIR:
		v = KSTUB_UART_IIR_NO_INT | (f->fifo_on ? KSTUB_UART_IIR_FIFO : 0);
		break;
	case KSTUB_UART_LCR:
		v = f->lcr;
		break;
	case KSTUB_UART_MCR:
		v = f->mcr;
		break;
	case KSTUB_UART_LSR:
		v = read_lsr(f);
		break;
	case KSTUB_UART_MSR:
		v = f->msr;
		f->msr &= 0xf0;
		break;
	case KSTUB_UART_SCR:
		v = f->no_scr ? 0 : f->scr;
		break;
	}
out:
	log_access(f, 'r', reg, v);
	return v;
}

void fake_uart_out(void *ctx, unsigned reg, uint8_t val)
{
	struct fake_uart *f = ctx;
	bool dlab = f->lcr & KSTUB_UART_LCR_DLAB;

	log_access(f, 'w', reg, val);
	if (f->absent)
		return;
	switch (reg) {
	case KSTUB_UART_THR:
		if (dlab)
			f->dll = val;
		else
			write_thr(f, val);
		break;
	case KSTUB_UART_IER:
		if (dlab)
			f->dlm = val;
		else
			f->ier = val & 0x0f;
		break;
	case KSTUB_UART_FCR:
		f->fifo_on = !f->no_fifo && (val & KSTUB_UART_FCR_ENABLE);
		if (val & KSTUB_UART_FCR_CLEAR_RX)
			f->rx_pos = f->rx_len;
		if (val & KSTUB_UART_FCR_CLEAR_TX)
			f->tx_level = 0;
		break;
	case KSTUB_UART_LCR:
		f->lcr = val;
		break;
	case KSTUB_UART_MCR:
		f->mcr = val & 0x1f;
		break;
	case KSTUB_UART_SCR:
		f->scr = val;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}
