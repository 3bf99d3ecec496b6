// SPDX-License-Identifier: BSD-2-Clause
/* The 16550 driver against the register-level fake (tests/fakes). */
#include <check.h>
#include <string.h>
#include <time.h>

#include "fake_uart.h"
#include "kstub_errno.h"
#include "kstub_serial.h"

static struct fake_uart f;
static struct kstub_serial s;

static void setup(void)
{
	fake_uart_reset(&f);
	memset(&s, 0xa5, sizeof(s)); /* init must not rely on zeroed state */
}

static void init_ok(unsigned flags)
{
	struct kstub_uart_io io = fake_uart_io(&f);

	ck_assert_int_eq(kstub_serial_init(&s, &io, 115200, flags), 0);
	fake_uart_clear_counts(&f);
}

static unsigned total(const unsigned *counts)
{
	unsigned n = 0;

	for (int i = 0; i < 8; i++)
		n += counts[i];
	return n;
}

static const struct {
	uint32_t baud;
	unsigned div;
} divisors[] = {
	{115200, 1}, {57600, 2}, {38400, 3},  {19200, 6},
	{9600, 12},  {2400, 48}, {300, 384}, {50, 2304},
};

START_TEST(test_init_divisor)
{
	struct kstub_uart_io io = fake_uart_io(&f);
	long ier0, dlab, dll, dlm, lcr, fcr;

	f.scr = 0x42; /* the kernel's scratch value survives the probe */
	ck_assert_int_eq(kstub_serial_init(&s, &io, divisors[_i].baud, 0), 0);
	ck_assert_uint_eq(f.dll | (unsigned)f.dlm << 8, divisors[_i].div);
	ck_assert_uint_eq(f.lcr, KSTUB_UART_LCR_8N1);
	ck_assert_uint_eq(f.ier, 0);
	ck_assert_uint_eq(f.mcr, KSTUB_UART_MCR_DTR | KSTUB_UART_MCR_RTS);
	ck_assert(f.fifo_on);
	ck_assert_uint_eq(f.scr, 0x42);
	/* Order: interrupts off, DLAB, divisor, 8N1, FIFOs. */
	ier0 = fake_uart_find(&f, 0, 'w', KSTUB_UART_IER, 0);
	dlab = fake_uart_find(&f, 0, 'w', KSTUB_UART_LCR, KSTUB_UART_LCR_DLAB);
	dll = fake_uart_find(&f, (size_t)dlab, 'w', KSTUB_UART_DLL, -1);
	dlm = fake_uart_find(&f, (size_t)dlab, 'w', KSTUB_UART_DLM, -1);
	lcr = fake_uart_find(&f, 0, 'w', KSTUB_UART_LCR, KSTUB_UART_LCR_8N1);
	fcr = fake_uart_find(&f, 0, 'w', KSTUB_UART_FCR, -1);
	ck_assert(ier0 >= 0 && ier0 < dlab);
	ck_assert(dlab >= 0 && dlab < dll && dlab < dlm);
	ck_assert(f.log[dll].dlab && f.log[dlm].dlab);
	ck_assert(dll < lcr && dlm < lcr && lcr < fcr);
	ck_assert_uint_eq(f.log[fcr].val & 0x07, 0x07); /* on, clear both */
	ck_assert_uint_eq(f.tx_len, 0);
}
END_TEST

static const struct {
	const char *what;
	uint32_t baud;
	unsigned flags;
	int io; /* 0 complete, 1 no in, 2 no out, 3 no io at all */
} bad_args[] = {
	{"baud 0", 0, 0, 0},
	{"baud 7 does not divide", 7, 0, 0},
	{"baud 1 needs divisor > 0xffff", 1, 0, 0},
	{"baud 230400 above the clock", 230400, 0, 0},
	{"baud 0 with KEEP_BAUD", 0, KSTUB_SERIAL_KEEP_BAUD, 0},
	{"unknown flag", 115200, 0x80, 0},
	{"no in", 115200, 0, 1},
	{"no out", 115200, 0, 2},
	{"no io", 115200, 0, 3},
};

START_TEST(test_init_bad_args)
{
	struct kstub_uart_io io = fake_uart_io(&f);

	if (bad_args[_i].io == 1)
		io.in = NULL;
	if (bad_args[_i].io == 2)
		io.out = NULL;
	ck_assert_msg(kstub_serial_init(&s, bad_args[_i].io == 3 ? NULL : &io,
					bad_args[_i].baud,
					bad_args[_i].flags) == KSTUB_EINVAL,
		      "%s", bad_args[_i].what);
	ck_assert_uint_eq(total(f.reads) + total(f.writes), 0);
}
END_TEST

START_TEST(test_init_absent)
{
	struct kstub_uart_io io = fake_uart_io(&f);

	if (_i == 0)
		f.absent = true; /* empty bus: every read is 0xff */
	else
		f.no_scr = true; /* an 8250 without a scratch register */
	ck_assert_int_eq(kstub_serial_init(&s, &io, 9600, 0), KSTUB_EIO);
	ck_assert_uint_eq(f.writes[KSTUB_UART_LCR], 0);
	ck_assert_uint_eq(f.writes[KSTUB_UART_THR], 0);
}
END_TEST

START_TEST(test_init_waits_temt)
{
	struct kstub_uart_io io = fake_uart_io(&f);
	long dlab, last_lsr = -1;

	/* The kernel's last console bytes are still going out. */
	f.tx_level = 3;
	f.drain_left = 4;
	f.temt_lag = 3;
	ck_assert_int_eq(kstub_serial_init(&s, &io, 115200, 0), 0);
	dlab = fake_uart_find(&f, 0, 'w', KSTUB_UART_LCR, KSTUB_UART_LCR_DLAB);
	ck_assert(dlab > 0);
	for (long i = 0; i < dlab; i++)
		if (f.log[i].dir == 'r' && f.log[i].reg == KSTUB_UART_LSR)
			last_lsr = i;
	ck_assert(last_lsr >= 0);
	ck_assert(f.log[last_lsr].val & KSTUB_UART_LSR_TEMT);
	ck_assert_uint_ge(f.reads[KSTUB_UART_LSR], 1 + 4 + 3);
}
END_TEST

START_TEST(test_init_keep_baud)
{
	struct kstub_uart_io io = fake_uart_io(&f);

	f.lcr = KSTUB_UART_LCR_8N1;
	f.dll = 12;
	f.ier = KSTUB_UART_IER_RDI;
	f.mcr = 0x0b;
	f.fifo_on = true;
	ck_assert_int_eq(kstub_serial_init(&s, &io, 9600,
					   KSTUB_SERIAL_KEEP_BAUD), 0);
	/* Only the scratch probe (two patterns and the restore) writes. */
	ck_assert_uint_eq(f.writes[KSTUB_UART_SCR], 3);
	ck_assert_uint_eq(total(f.writes), 3);
	/* IIR is not read: that would ack the live driver's interrupt. */
	ck_assert_uint_eq(f.reads[KSTUB_UART_IIR], 0);
	ck_assert_uint_eq(f.dll, 12);
	ck_assert_uint_eq(f.ier, KSTUB_UART_IER_RDI);
}
END_TEST

static void fill(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
}

static const size_t send_lens[] = {1, 15, 16, 17, 32, 100, 1000};

START_TEST(test_send_bursts)
{
	size_t len = send_lens[_i];
	uint8_t buf[1000];

	init_ok(0);
	fill(buf, len);
	ck_assert_int_eq(kstub_serial_ops.send(&s, buf, len), 0);
	ck_assert_uint_eq(f.tx_len, len);
	ck_assert_mem_eq(f.tx, buf, len);
	/* One LSR poll per 16 bytes, and never a byte into a full FIFO. */
	ck_assert_uint_eq(f.reads[KSTUB_UART_LSR], (len + 15) / 16);
	ck_assert_uint_eq(f.tx_overflows, 0);
}
END_TEST

START_TEST(test_send_room_carries_over)
{
	uint8_t c = '+';

	init_ok(0);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(kstub_serial_ops.send(&s, &c, 1), 0);
	ck_assert_uint_eq(f.reads[KSTUB_UART_LSR], 1);
	ck_assert_int_eq(kstub_serial_ops.send(&s, &c, 1), 0);
	ck_assert_uint_eq(f.reads[KSTUB_UART_LSR], 2);
	ck_assert_uint_eq(f.tx_overflows, 0);
}
END_TEST

START_TEST(test_send_slow_drain)
{
	uint8_t buf[100];

	init_ok(0);
	f.drain_polls = 5; /* a slow line: THRE takes a while each time */
	fill(buf, sizeof(buf));
	ck_assert_int_eq(kstub_serial_ops.send(&s, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(f.tx, buf, sizeof(buf));
	ck_assert_uint_eq(f.tx_overflows, 0);
}
END_TEST

START_TEST(test_send_no_fifo)
{
	uint8_t buf[40];

	f.no_fifo = true; /* a 16450 */
	init_ok(0);
	fill(buf, sizeof(buf));
	ck_assert_int_eq(kstub_serial_ops.send(&s, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(f.reads[KSTUB_UART_LSR], sizeof(buf));
	ck_assert_uint_eq(f.tx_overflows, 0);
	ck_assert_mem_eq(f.tx, buf, sizeof(buf));
}
END_TEST

START_TEST(test_send_thre_stuck)
{
	struct timespec t0, t1;
	uint8_t buf[40];
	double secs;

	init_ok(0);
	f.thre_stuck = true;
	fill(buf, sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(kstub_serial_ops.send(&s, buf, sizeof(buf)),
			 KSTUB_EIO);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* The first FIFO load went out; the second never found room. */
	ck_assert_uint_eq(f.tx_len, 16);
	ck_assert_uint_eq(f.tx_overflows, 0);
	ck_assert_uint_gt(f.reads[KSTUB_UART_LSR], 1000);
	ck_assert_msg(secs < 10.0, "gave up after %.2f s", secs);
}
END_TEST

START_TEST(test_recv)
{
	init_ok(0);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_EAGAIN);
	ck_assert_uint_eq(f.reads[KSTUB_UART_RBR], 0);
	fake_uart_rx_push(&f, "$g#67", 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), "$g#67"[i]);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_EAGAIN);
	ck_assert_uint_eq(f.reads[KSTUB_UART_RBR], 5);
	/* Every byte value passes, including 0x00 and 0xff. */
	fake_uart_rx_push_err(&f, 0x00, 0);
	fake_uart_rx_push_err(&f, 0xff, 0);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), 0x00);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), 0xff);
}
END_TEST

static const struct {
	unsigned flags;
	bool dcd, data;
	int want;
} carrier[] = {
	{KSTUB_SERIAL_CARRIER, false, false, KSTUB_ENOTCONN},
	{KSTUB_SERIAL_CARRIER, false, true, 'x'}, /* bytes before hangup */
	{KSTUB_SERIAL_CARRIER, true, false, KSTUB_EAGAIN},
	{KSTUB_SERIAL_CARRIER, true, true, 'x'},
	{0, false, false, KSTUB_EAGAIN}, /* DCD ignored without the flag */
	{0, false, true, 'x'},
};

START_TEST(test_recv_carrier)
{
	init_ok(carrier[_i].flags);
	f.msr = carrier[_i].dcd ? KSTUB_UART_MSR_DCD : 0;
	if (carrier[_i].data)
		fake_uart_rx_push(&f, "x", 1);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), carrier[_i].want);
	if (!carrier[_i].flags)
		ck_assert_uint_eq(f.reads[KSTUB_UART_MSR], 0);
}
END_TEST

START_TEST(test_send_carrier)
{
	init_ok(KSTUB_SERIAL_CARRIER);
	f.msr = 0;
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"+", 1),
			 KSTUB_ENOTCONN);
	ck_assert_uint_eq(f.tx_len, 0);
	f.msr = KSTUB_UART_MSR_DCD;
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"+", 1), 0);
	ck_assert_uint_eq(f.tx_len, 1);
}
END_TEST

/*
 * The carrier dropped and is back (DDCD with DCD): a new peer, whose
 * first byte already waits. The drop is reported once, before that
 * byte, so the stub ends the old session first; then the byte comes.
 */
START_TEST(test_recv_carrier_flap)
{
	init_ok(KSTUB_SERIAL_CARRIER);
	f.msr = KSTUB_UART_MSR_DCD | KSTUB_UART_MSR_DDCD;
	fake_uart_rx_push(&f, "$", 1);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_ENOTCONN);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), '$');
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_EAGAIN);
}
END_TEST

/* A drop that send saw (and whose DDCD it cleared) still reaches recv. */
START_TEST(test_send_carrier_flap)
{
	init_ok(KSTUB_SERIAL_CARRIER);
	f.msr = KSTUB_UART_MSR_DCD | KSTUB_UART_MSR_DDCD;
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"+", 1),
			 KSTUB_ENOTCONN);
	ck_assert_uint_eq(f.tx_len, 0);	/* nothing for the new peer */
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_ENOTCONN);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_EAGAIN);
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"+", 1), 0);
	ck_assert_uint_eq(f.tx_len, 1);
}
END_TEST

START_TEST(test_break_is_ctrl_c)
{
	init_ok(0);
	fake_uart_rx_push(&f, "x", 1);
	fake_uart_rx_push_err(&f, 0x00, KSTUB_UART_LSR_BI);
	fake_uart_rx_push(&f, "y", 1);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), 'x');
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), 0x03);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), 'y'); /* NUL gone */
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_EAGAIN);
}
END_TEST

START_TEST(test_break_seen_while_sending)
{
	uint8_t buf[40];

	init_ok(0);
	fake_uart_rx_push_err(&f, 0x00, KSTUB_UART_LSR_BI);
	fill(buf, sizeof(buf));
	/* The transmit waits read LSR, which clears BI in the UART. */
	ck_assert_int_eq(kstub_serial_ops.send(&s, buf, sizeof(buf)), 0);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), 0x03);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_EAGAIN);
}
END_TEST

static const struct {
	uint8_t ier, mcr, session_mcr;
} kernel_state[] = {
	{0x0f, 0x0b, 0x0b}, /* interrupt driven, OUT2: MCR untouched */
	{0x01, 0x08, 0x0b}, /* DTR/RTS down: raised for the session */
	{0x00, 0x13, 0x03}, /* loopback: off for the session */
};

START_TEST(test_enter_leave)
{
	uint8_t ier = kernel_state[_i].ier, mcr = kernel_state[_i].mcr;
	long temt = -1, ier_w;

	init_ok(0);
	f.ier = ier;
	f.mcr = mcr;
	kstub_serial_ops.enter(&s);
	ck_assert_uint_eq(f.ier, 0);
	ck_assert_uint_eq(f.mcr, kernel_state[_i].session_mcr);
	kstub_serial_ops.enter(&s); /* a nested entry keeps the saved state */
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"$OK#9a",
					       6), 0);
	f.temt_lag = 4;
	fake_uart_clear_counts(&f);
	kstub_serial_ops.leave(&s);
	ck_assert_uint_eq(f.ier, ier);
	ck_assert_uint_eq(f.mcr, mcr);
	/* The reply had left the shifter before IER went back. */
	ier_w = fake_uart_find(&f, 0, 'w', KSTUB_UART_IER, ier);
	for (long i = 0; i < ier_w; i++)
		if (f.log[i].reg == KSTUB_UART_LSR &&
		    (f.log[i].val & KSTUB_UART_LSR_TEMT))
			temt = i;
	ck_assert(temt >= 0 && temt < ier_w);
	if (mcr == kernel_state[_i].session_mcr)
		ck_assert_uint_eq(f.writes[KSTUB_UART_MCR], 0);
	kstub_serial_ops.leave(&s); /* unbalanced leave: no effect */
	ck_assert_uint_eq(f.ier, ier);
}
END_TEST

START_TEST(test_enter_probes_fifo)
{
	uint8_t buf[32];

	f.fifo_on = true;
	init_ok(KSTUB_SERIAL_KEEP_BAUD);
	fill(buf, sizeof(buf));
	/* Before any entry the driver cannot know: one byte per THRE. */
	ck_assert_int_eq(kstub_serial_write(&s, buf, 4), 0);
	ck_assert_uint_eq(f.reads[KSTUB_UART_LSR], 4);
	kstub_serial_ops.enter(&s);
	fake_uart_clear_counts(&f);
	ck_assert_int_eq(kstub_serial_ops.send(&s, buf, 32), 0);
	ck_assert_uint_eq(f.reads[KSTUB_UART_LSR], 2);
	kstub_serial_ops.leave(&s);
	ck_assert_uint_eq(f.tx_overflows, 0);
}
END_TEST

START_TEST(test_console_write_rechecks_thre)
{
	init_ok(0);
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"a", 1), 0);
	/* Between sessions the kernel's driver may have filled the FIFO. */
	f.tx_level = 16;
	f.drain_polls = 2;
	fake_uart_clear_counts(&f);
	ck_assert_int_eq(kstub_serial_write(&s, (const uint8_t *)"b", 1), 0);
	ck_assert_uint_ge(f.reads[KSTUB_UART_LSR], 1);
	ck_assert_uint_eq(f.tx_overflows, 0);
}
END_TEST

START_TEST(test_ops_table)
{
	ck_assert_str_eq(kstub_serial_ops.name, "serial");
	ck_assert_uint_eq(kstub_serial_ops.flags & KSTUB_LINK_RELIABLE, 0);
	ck_assert_ptr_null(kstub_serial_ops.recv_packet);
	ck_assert_ptr_nonnull(kstub_serial_ops.recv_byte);
	ck_assert_ptr_nonnull(kstub_serial_ops.send);
	ck_assert_ptr_nonnull(kstub_serial_ops.enter);
	ck_assert_ptr_nonnull(kstub_serial_ops.leave);
	init_ok(0);
	ck_assert_int_eq(kstub_serial_ops.flush(&s), 0);
	ck_assert_int_eq(kstub_serial_ops.send(&s, NULL, 0), 0);
	ck_assert_uint_eq(total(f.reads) + total(f.writes), 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *serial_suite(void);

Suite *serial_suite(void)
{
	Suite *su = suite_create("serial");
	TCase *tc = tcase_create("driver");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_init_divisor, 0, N(divisors));
	tcase_add_loop_test(tc, test_init_bad_args, 0, N(bad_args));
	tcase_add_loop_test(tc, test_init_absent, 0, 2);
	tcase_add_test(tc, test_init_waits_temt);
	tcase_add_test(tc, test_init_keep_baud);
	tcase_add_loop_test(tc, test_send_bursts, 0, N(send_lens));
	tcase_add_test(tc, test_send_room_carries_over);
	tcase_add_test(tc, test_send_slow_drain);
	tcase_add_test(tc, test_send_no_fifo);
	tcase_add_test(tc, test_send_thre_stuck);
	tcase_add_test(tc, test_recv);
	tcase_add_loop_test(tc, test_recv_carrier, 0, N(carrier));
	tcase_add_test(tc, test_send_carrier);
	tcase_add_test(tc, test_recv_carrier_flap);
	tcase_add_test(tc, test_send_carrier_flap);
	tcase_add_test(tc, test_break_is_ctrl_c);
	tcase_add_test(tc, test_break_seen_while_sending);
	tcase_add_loop_test(tc, test_enter_leave, 0, N(kernel_state));
	tcase_add_test(tc, test_enter_probes_fifo);
	tcase_add_test(tc, test_console_write_rechecks_thre);
	tcase_add_test(tc, test_ops_table);
	suite_add_tcase(su, tc);
	return su;
}
