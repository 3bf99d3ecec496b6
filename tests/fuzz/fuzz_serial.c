/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The 16550 receive path: bytes with arbitrary line errors (BREAK,
 * framing, parity, overrun) never make recv_byte return anything but a
 * byte or an error code, and it never spins without bound.
 */
#include <stdlib.h>

#include "fake_uart.h"
#include "kstub_errno.h"
#include "kstub_serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct fake_uart u;
	struct kstub_serial s;
	struct kstub_uart_io io;
	size_t i, reads = 0;
	int c;

	fake_uart_reset(&u);
	io = fake_uart_io(&u);
	if (kstub_serial_init(&s, &io, 115200, 0))
		abort();
	for (i = 0; i + 1 < len && i < 2 * FAKE_UART_RX_MAX; i += 2)
		fake_uart_rx_push_err(&u, data[i], data[i + 1] & 0x1e);
	kstub_serial_ops.enter(&s);
	for (;;) {
		c = kstub_serial_ops.recv_byte(&s);
		if (c == KSTUB_EAGAIN)
			break;
		if (c < 0 ? c != KSTUB_EIO && c != KSTUB_ENOTCONN : c > 255)
			abort();
		if (++reads > len + 16)
			abort();
	}
	kstub_serial_ops.leave(&s);
	return 0;
}
