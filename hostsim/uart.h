/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostsim's model of a 16550 UART. The simulated kernel (through the
 * kstub serial driver) reads and writes its registers; the other end of
 * the modelled cable is a pty (with a symlink, as "socat PTY,link=PATH"
 * makes) or a TCP listener that accepts one debugger at a time.
 *
 * Register semantics follow a real 16550A: DLAB, divisor latch, 16-byte
 * RX and TX FIFOs, LSR DR/THRE/TEMT, MSR.DCD = a peer is connected. With
 * a pace_baud the model moves bytes at the 8N1 rate of that baud (one
 * byte per 10 bit times each way), as a real cable does; without it, it
 * moves them as fast as both sides go (as QEMU's 16550 does).
 */
#ifndef HOSTSIM_UART_H
#define HOSTSIM_UART_H

#include <stddef.h>
#include <stdint.h>

struct hs_uart;

/*
 * Open the far end. spec is "PATH" (make a pty, raw mode, symlink at
 * PATH, replacing a stale symlink) or "tcp:HOST:PORT" (listen; PORT 0
 * picks a free port). pace_baud 0 = unpaced. Starts the I/O thread.
 * Returns 0, or -1 with a message in err.
 */
int hs_uart_open(struct hs_uart **out, const char *spec, uint32_t pace_baud,
		 char *err, size_t errlen);

/* Register access, for struct kstub_uart_io. Any thread, never blocks. */
uint8_t hs_uart_in(void *uart, unsigned reg);
void hs_uart_out(void *uart, unsigned reg, uint8_t value);

/*
 * The RX interrupt line: irq(arg) is called from the I/O thread whenever
 * bytes arrive while IER.RDI... (or always, since the kernel polls): the
 * machine turns it into an interrupt on a CPU. Set before bytes flow.
 */
void hs_uart_set_irq(struct hs_uart *u, void (*irq)(void *arg), void *arg);

/* Where a debugger connects: the pty path or "HOST:PORT" actually bound. */
const char *hs_uart_where(const struct hs_uart *u);

/* Stop the I/O thread, close the far end, remove the symlink. */
void hs_uart_close(struct hs_uart *u);

#endif /* HOSTSIM_UART_H */
