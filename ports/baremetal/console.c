/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The console on COM1: kprintf, the input lines the shell thread runs,
 * and, with kstub.oneline, sharing COM1 with the debugger. Then the
 * stub's 16550 driver owns the UART: while gdb waits for the kernel,
 * console text reaches it as O packets; with no debugger attached it
 * is written raw through kstub_serial_write(); in between it waits a
 * little, then is dropped (console_drops). Input belongs to gdb alone.
 */
#include "fw.h"
#include "kstub_serial.h"
#include "machine.h"
#include "workload.h"

#define COM1 0x3f8
#define LINES 16
#define LINE_MAX 128

static struct spinlock cons_lock;
static struct kstub_serial *shared;	/* non-NULL with kstub.oneline */

static char lines[LINES][LINE_MAX];
static uint32_t line_head, line_tail;
static int line_chan;
static char in_buf[LINE_MAX];
static uint32_t in_len;

void console_init(struct kstub_serial *share)
{
	shared = share;
	if (shared)
		return;
	outb(COM1 + KSTUB_UART_IER, 0);
	outb(COM1 + KSTUB_UART_LCR, KSTUB_UART_LCR_DLAB);
	outb(COM1 + KSTUB_UART_DLL, 1);		/* 115200 */
	outb(COM1 + KSTUB_UART_DLM, 0);
	outb(COM1 + KSTUB_UART_LCR, KSTUB_UART_LCR_8N1);
	outb(COM1 + KSTUB_UART_FCR, KSTUB_UART_FCR_ENABLE |
		KSTUB_UART_FCR_CLEAR_RX | KSTUB_UART_FCR_CLEAR_TX);
	outb(COM1 + KSTUB_UART_MCR, KSTUB_UART_MCR_DTR | KSTUB_UART_MCR_RTS);
}

static void com1_putc(char ch)
{
	uint32_t n;

	for (n = 0; n < 100000; n++)
		if (inb(COM1 + KSTUB_UART_LSR) & KSTUB_UART_LSR_THRE)
			break;
	outb(COM1 + KSTUB_UART_THR, (uint8_t)ch);
}

static void raw_write(const char *s, size_t n)
{
	static const uint8_t cr = '\r';
	size_t i;

	for (i = 0; i < n; i++) {
		if (shared) {
			if (s[i] == '\n')
				kstub_serial_write(shared, &cr, 1);
			kstub_serial_write(shared, (const uint8_t *)&s[i], 1);
			continue;
		}
		if (s[i] == '\n')
			com1_putc('\r');
		com1_putc(s[i]);
	}
}

/*
 * With the line shared and a debugger attached, every byte on it must be
 * part of a packet: raw text in the middle of one breaks its checksum,
 * and a '+' or '-' in it reads to gdb as an ack or a nak. So text goes
 * out as O packets, or not at all. The stub cannot take it while a
 * session is on (ENOTCONN: gdb is not waiting) or another CPU polls or
 * writes the link (EBUSY): wait for that to end, a while, then drop the
 * text and count it. A CPU in a session is usually parked by the NMI
 * during the wait, and finds gdb waiting again when it is released.
 */
#define CONSOLE_WAIT_US 100000

volatile unsigned long console_drops;

static bool sent_to_gdb(const char *s, size_t n)
{
	uint64_t deadline = 0;
	int err;

	for (;;) {
		err = kstub_console_write(&kstub_state, s, n);
		if (err == 0)
			return true;
		if (!kstub_attached(&kstub_state))
			return false;	/* nobody there: raw is safe */
		if (!deadline)
			deadline = clock_now_us() + CONSOLE_WAIT_US;
		if ((err != KSTUB_ENOTCONN && err != KSTUB_EBUSY) ||
		    clock_now_us() >= deadline)
			break;
		cpu_relax();
	}
	__atomic_fetch_add(&console_drops, 1, __ATOMIC_RELAXED);
	return true;
}

void console_write(const char *s, size_t n)
{
	uint64_t fl;

	port_fw_console(s, n);
	if (shared && kstub_on && sent_to_gdb(s, n))
		return;
	fl = spin_lock_irqsave(&cons_lock);
	raw_write(s, n);
	spin_unlock_irqrestore(&cons_lock, fl);
}

/*
 * The stub's console hook (dprintf output, kstub_port.h): it runs in the
 * trap of whichever CPU hit the breakpoint, which may hold cons_lock, so
 * it takes no lock; a line may interleave with another CPU's. On a shared
 * line with gdb attached the stub sends gdb the text itself, and raw
 * bytes there would break its packets.
 */
void console_write_trap(const char *s, size_t n)
{
	if (shared && kstub_attached(&kstub_state))
		return;
	raw_write(s, n);
}

void kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

/* From boot (run=) and the timer; a full queue drops input, as a tty does. */
void console_push_line(const char *line)
{
	uint32_t h = __atomic_load_n(&line_head, __ATOMIC_ACQUIRE);

	if (h - __atomic_load_n(&line_tail, __ATOMIC_ACQUIRE) >= LINES)
		return;
	snprintf(lines[h % LINES], LINE_MAX, "%s", line);
	__atomic_store_n(&line_head, h + 1, __ATOMIC_RELEASE);
	wakeup(&line_chan);
}

/* CPU 0's timer tick: collect typed bytes into lines (no echo). */
void console_poll_input(void)
{
	uint8_t ch;

	/* The shell may have missed a wakeup between its check and tsleep. */
	if (__atomic_load_n(&line_head, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&line_tail, __ATOMIC_ACQUIRE))
		wakeup(&line_chan);
	if (shared)
		return;
	while (inb(COM1 + KSTUB_UART_LSR) & KSTUB_UART_LSR_DR) {
		ch = inb(COM1 + KSTUB_UART_RBR);
		if (ch == '\r' || ch == '\n') {
			in_buf[in_len] = 0;
			if (in_len)
				console_push_line(in_buf);
			in_len = 0;
		} else if (in_len < LINE_MAX - 1) {
			in_buf[in_len++] = (char)ch;
		}
	}
}

void console_shell(void *arg)
{
	char line[LINE_MAX];
	uint32_t t;

	(void)arg;
	for (;;) {
		t = __atomic_load_n(&line_tail, __ATOMIC_ACQUIRE);
		if (t == __atomic_load_n(&line_head, __ATOMIC_ACQUIRE)) {
			tsleep(&line_chan, "ttyin");
			continue;
		}
		__builtin_memcpy(line, lines[t % LINES], sizeof(line));
		__atomic_store_n(&line_tail, t + 1, __ATOMIC_RELEASE);
		shell_exec(line);
	}
}
