// SPDX-License-Identifier: BSD-2-Clause
/*
 * hostsim's 16550 model through its registers: the far ends (pty, tcp),
 * carrier, register semantics, BREAK, the interrupt line, and the kstub
 * driver running on it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "kstub_errno.h"
#include "kstub_serial.h"
#include "model_util.h"

static struct hs_uart *open_spec(const char *spec, unsigned flags)
{
	struct hs_uart_config cfg = {.spec = spec, .flags = flags};

	return mu_open(&cfg);
}

/* The far end reads exactly len bytes within a deadline. */
static void far_expect(int fd, const void *want, size_t len)
{
	uint8_t buf[256];
	struct mu_pump p = {.fd = fd, .buf = buf, .len = len, .secs = 5};

	ck_assert_uint_le(len, sizeof(buf));
	mu_pump_start(&p);
	ck_assert_uint_eq(mu_pump_join(&p), len);
	ck_assert_mem_eq(buf, want, len);
}

/* Bytes both ways between the far end and the driver. */
static void exchange(struct hs_uart *u, int fd)
{
	struct kstub_serial s;
	uint8_t got[8];

	mu_kernel_init(&s, u, 0);
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"$OK#9a",
					       6), 0);
	far_expect(fd, "$OK#9a", 6);
	ck_assert_int_eq(write(fd, "+$g#67", 6), 6);
	ck_assert_uint_eq(mu_kernel_recv(&s, got, 6, 5, NULL, NULL), 6);
	ck_assert_mem_eq(got, "+$g#67", 6);
}

START_TEST(test_pty_link)
{
	const char *path = mu_tmp_path();
	struct hs_uart *u = open_spec(path, 0);
	char target[64] = "";
	struct termios t;
	struct stat st;
	int fd;

	ck_assert_str_eq(hs_uart_where(u), path);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_gt(readlink(path, target, sizeof(target) - 1), 9);
	ck_assert_int_eq(strncmp(target, "/dev/pts/", 9), 0);
	ck_assert(!mu_dcd(u)); /* nobody has the slave open */

	fd = mu_connect(u);
	ck_assert(MU_WAIT(mu_dcd(u), 5));
	/* Raw already: no echo, no line editing, no ^C signal. */
	ck_assert_int_eq(tcgetattr(fd, &t), 0);
	ck_assert_uint_eq(t.c_lflag & (ECHO | ICANON | ISIG), 0);
	ck_assert_uint_eq(t.c_iflag & (IXON | ICRNL), 0);
	exchange(u, fd);

	close(fd); /* the debugger goes away... */
	ck_assert(MU_WAIT(!mu_dcd(u), 5));
	fd = mu_connect(u); /* ...and comes back */
	ck_assert(MU_WAIT(mu_dcd(u), 5));
	exchange(u, fd);
	close(fd);
	hs_uart_close(u);
	ck_assert_int_eq(lstat(path, &st), -1); /* symlink removed */
	mu_rmdir();
}
END_TEST

/*
 * One pty queue carries an old debugger's last bytes and a new one's
 * first: the hangup between them may drop the old ones but never the
 * newcomer's packet, here written before the model saw either peer.
 */
START_TEST(test_pty_reopen_keeps_newcomer_bytes)
{
	const char *path = mu_tmp_path();
	struct hs_uart *u = open_spec(path, 0);
	struct kstub_serial s;
	uint8_t got[64];
	size_t n = 0;
	int fd, c;

	mu_kernel_init(&s, u, 0);
	fd = mu_connect(u);
	ck_assert(MU_WAIT(mu_dcd(u), 5));
	hs_uart_test_hold_io(u, true);
	ck_assert_int_eq(write(fd, "$m0,4", 5), 5); /* never finished */
	close(fd);
	fd = mu_connect(u);
	ck_assert_int_eq(write(fd, "$?#3f", 5), 5);
	hs_uart_test_hold_io(u, false);
	/* Until the packet's last byte: the carrier drop may come between. */
	while (n < sizeof(got) && (n < 5 || got[n - 1] != 'f') &&
	       MU_WAIT((c = kstub_serial_ops.recv_byte(&s)) != KSTUB_EAGAIN,
		       5)) {
		if (c >= 0)
			got[n++] = (uint8_t)c;
		else
			ck_assert_int_eq(c, KSTUB_ENOTCONN);
	}
	ck_assert_uint_ge(n, 5);
	ck_assert_mem_eq(got + n - 5, "$?#3f", 5);
	ck_assert(MU_WAIT(mu_dcd(u), 5));
	close(fd);
	hs_uart_close(u);
	mu_rmdir();
}
END_TEST

START_TEST(test_pty_link_rules)
{
	const char *path = mu_tmp_path();
	struct hs_uart *u = NULL;
	char err[256], target[64];
	FILE *fp;

	/* A dangling link from an earlier run is replaced. */
	ck_assert_int_eq(symlink("/dev/pts/4242", path), 0);
	u = open_spec(path, 0);
	ck_assert_int_gt(readlink(path, target, sizeof(target)), 0);
	ck_assert(strncmp(target, "/dev/pts/4242", 13) != 0);
	hs_uart_close(u);

	/* A regular file is somebody's data: refused, left alone. */
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("keep me", fp);
	fclose(fp);
	ck_assert_int_eq(hs_uart_open(&u, path, 0, err, sizeof(err)), -1);
	ck_assert_ptr_null(u);
	ck_assert_ptr_nonnull(strstr(err, "refusing"));
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);

	/* So is a live symlink to something that is not a pty. */
	ck_assert_int_eq(symlink("/etc/hostname", path), 0);
	ck_assert_int_eq(hs_uart_open(&u, path, 0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "refusing"));
	mu_rmdir();
}
END_TEST

START_TEST(test_tcp_link)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", 0);
	struct hs_uart_stats st;
	const char *w = hs_uart_where(u);
	uint8_t msr;
	int fd, fd2;
	char why[128];
	size_t got = 0;
	ssize_t n;

	ck_assert_int_eq(strncmp(w, "127.0.0.1:", 10), 0);
	ck_assert_int_ne(atoi(w + 10), 0); /* the port actually bound */
	ck_assert(!mu_dcd(u));
	fd = mu_connect(u);
	/* The read that first sees DCD also sees its delta bit. */
	ck_assert(MU_WAIT((msr = hs_uart_in(u, KSTUB_UART_MSR)) &
				  KSTUB_UART_MSR_DCD, 5));
	ck_assert_uint_eq(msr & 0x0f, KSTUB_UART_MSR_DCTS |
					      KSTUB_UART_MSR_DDSR |
					      KSTUB_UART_MSR_DDCD);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_MSR) & 0x0f, 0);

	/*
	 * A second debugger is turned away, told why in an RSP reply (gdb
	 * prints "Remote failure reply: E.kstub-sim: ..."), then EOF; the
	 * first keeps the line.
	 */
	fd2 = mu_connect(u);
	ck_assert(MU_WAIT((n = read(fd2, why + got, sizeof(why) - 1 - got)) == 0 ||
				  (n > 0 && (got += (size_t)n) == sizeof(why) - 1),
			  5));
	why[got] = 0;
	ck_assert_str_eq(why, "+$E.kstub-sim: another debugger is attached "
			      "to this line; detach it (or end it) first#6e");
	close(fd2);
	hs_uart_get_stats(u, &st);
	ck_assert_uint_eq(st.refused, 1);
	exchange(u, fd);

	close(fd);
	ck_assert(MU_WAIT(!mu_dcd(u), 5));
	fd = mu_connect(u);
	ck_assert(MU_WAIT(mu_dcd(u), 5));
	exchange(u, fd);
	close(fd);
	hs_uart_get_stats(u, &st);
	ck_assert_uint_eq(st.connects, 2);
	hs_uart_close(u);
}
END_TEST

static const char *const bad_specs[] = {
	"",
	"tcp:",
	"tcp:127.0.0.1",
	"tcp::80",
	"tcp:256.1.1.1:0",
	"tcp:127.0.0.1:notaport",
	"/nonexistent-dir-kstub/ttyS0",
};

START_TEST(test_bad_spec)
{
	struct hs_uart *u = (struct hs_uart *)1;
	char err[256] = "";

	ck_assert_int_eq(hs_uart_open(&u, bad_specs[_i], 0, err, sizeof(err)),
			 -1);
	ck_assert_ptr_null(u);
	ck_assert_msg(strncmp(err, "uart: ", 6) == 0, "'%s'", err);
}
END_TEST

START_TEST(test_registers)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", 0);

	/* Reset state: transmitter idle, nothing received. */
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_LSR), 0x60);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_IIR), 0x01);
	/* Divisor latch behind DLAB; registers 0/1 are RBR/IER again after. */
	hs_uart_out(u, KSTUB_UART_IER, 0xff);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_IER), 0x0f);
	hs_uart_out(u, KSTUB_UART_LCR, 0x80 | 0x1b);
	hs_uart_out(u, KSTUB_UART_DLL, 0x34);
	hs_uart_out(u, KSTUB_UART_DLM, 0x12);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_DLL), 0x34);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_DLM), 0x12);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_LCR), 0x9b);
	hs_uart_out(u, KSTUB_UART_LCR, 0x03);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_IER), 0x0f);
	hs_uart_out(u, KSTUB_UART_LCR, 0x80);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_DLL), 0x34); /* kept */
	hs_uart_out(u, KSTUB_UART_LCR, 0x03);
	hs_uart_out(u, KSTUB_UART_SCR, 0x5a);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_SCR), 0x5a);
	/* IIR: FIFO bits follow FCR; THRI pending once enabled, read once. */
	hs_uart_out(u, KSTUB_UART_FCR, 0xc7);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_IIR), 0xc2);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_IIR), 0xc1);
	hs_uart_out(u, KSTUB_UART_FCR, 0x00);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_IIR), 0x01);
	/* MCR keeps 5 bits; in loopback MSR mirrors them. */
	hs_uart_out(u, KSTUB_UART_MCR, 0xff);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_MCR), 0x1f);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_MSR) & 0xf0, 0xf0);
	hs_uart_out(u, KSTUB_UART_MCR, 0x10 | KSTUB_UART_MCR_DTR);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_MSR) & 0xf0,
			  KSTUB_UART_MSR_DSR);
	hs_uart_close(u);
}
END_TEST

START_TEST(test_loopback)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", 0);
	struct kstub_serial s;
	uint8_t got[5];

	mu_kernel_init(&s, u, 0);
	hs_uart_out(u, KSTUB_UART_MCR, 0x10 | 0x03);
	ck_assert_int_eq(kstub_serial_ops.send(&s, (const uint8_t *)"loop!",
					       5), 0);
	ck_assert_uint_eq(mu_kernel_recv(&s, got, 5, 5, NULL, NULL), 5);
	ck_assert_mem_eq(got, "loop!", 5);
	hs_uart_close(u);
}
END_TEST

START_TEST(test_fifo_clear)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", 0);
	struct hs_uart_stats st;
	struct kstub_serial s;
	uint8_t buf[40], got[40];
	int fd = mu_connect(u);

	mu_kernel_init(&s, u, 0);
	mu_fill(buf, sizeof(buf), 3);
	ck_assert_int_eq(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert(MU_WAIT((hs_uart_get_stats(u, &st), st.rx_bytes == 40), 5));
	/* FCR clear-RX empties the 16-byte FIFO; the rest is still coming. */
	hs_uart_out(u, KSTUB_UART_FCR, 0x03);
	ck_assert_uint_eq(mu_kernel_recv(&s, got, 24, 5, NULL, NULL), 24);
	ck_assert_mem_eq(got, buf + 16, 24);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_LSR) & 1, 0);
	close(fd);
	hs_uart_close(u);
}
END_TEST

START_TEST(test_driver_on_model)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", 0);
	struct kstub_uart_io io = {hs_uart_in, hs_uart_out, u};
	struct kstub_serial s;

	ck_assert_int_eq(kstub_serial_init(&s, &io, 9600, 0), 0);
	hs_uart_out(u, KSTUB_UART_LCR, 0x83);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_DLL), 12);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_DLM), 0);
	hs_uart_out(u, KSTUB_UART_LCR, 0x03);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_IIR) & 0xc0, 0xc0);
	ck_assert_uint_eq(hs_uart_in(u, KSTUB_UART_MCR), 0x03);
	ck_assert_int_eq(kstub_serial_init(&s, &io, 7, 0), KSTUB_EINVAL);
	/* Carrier: nobody connected, so the session would end at once. */
	mu_kernel_init(&s, u, KSTUB_SERIAL_CARRIER);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_ENOTCONN);
	/* With nobody listening the line still drains: no EIO. */
	mu_kernel_init(&s, u, 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(kstub_serial_ops.send(&s,
						       (const uint8_t *)"x", 1),
				 0);
	hs_uart_close(u);
}
END_TEST

START_TEST(test_break)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", HS_UART_TELNET_BREAK);
	static const uint8_t telnet[] = {'a', 0xff, 0xf3, 'b', 0xff, 0x00};
	struct kstub_serial s;
	uint8_t got[5];
	int fd;

	mu_kernel_init(&s, u, 0);
	hs_uart_send_break(u);
	ck_assert_uint_eq(mu_kernel_recv(&s, got, 1, 5, NULL, NULL), 1);
	ck_assert_uint_eq(got[0], 0x03);
	ck_assert_int_eq(kstub_serial_ops.recv_byte(&s), KSTUB_EAGAIN);
	/* gdb's tcp BREAK is telnet IAC BRK; other IAC pairs are data. */
	fd = mu_connect(u);
	ck_assert(MU_WAIT(mu_dcd(u), 5));
	ck_assert_int_eq(write(fd, telnet, sizeof(telnet)), sizeof(telnet));
	ck_assert_uint_eq(mu_kernel_recv(&s, got, 5, 5, NULL, NULL), 5);
	ck_assert_mem_eq(got, "a\x03" "b\xff\x00", 5);
	close(fd);
	hs_uart_close(u);
}
END_TEST

static atomic_int irq_count;

static void count_irq(void *arg)
{
	ck_assert_ptr_eq(arg, &irq_count);
	atomic_fetch_add(&irq_count, 1);
}

START_TEST(test_irq)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", 0);
	struct hs_uart_stats st;
	struct kstub_serial s;
	uint8_t got[3];
	int fd, n;

	hs_uart_set_irq(u, count_irq, &irq_count);
	mu_kernel_init(&s, u, 0);
	fd = mu_connect(u);
	ck_assert_int_eq(write(fd, "a", 1), 1);
	ck_assert(MU_WAIT(atomic_load(&irq_count) == 1, 5));
	/* Unread bytes: no new edge, whatever else arrives. */
	ck_assert_int_eq(write(fd, "b", 1), 1);
	ck_assert(MU_WAIT((hs_uart_get_stats(u, &st), st.rx_bytes == 2), 5));
	ck_assert_uint_eq(mu_kernel_recv(&s, got, 2, 5, NULL, NULL), 2);
	ck_assert_int_eq(atomic_load(&irq_count), 1);
	/* Drained: the next byte is an edge again. */
	ck_assert_int_eq(write(fd, "c", 1), 1);
	ck_assert(MU_WAIT(atomic_load(&irq_count) == 2, 5));
	ck_assert_uint_eq(mu_kernel_recv(&s, got, 1, 5, NULL, NULL), 1);
	/* IER.RDI set: every arrival raises it, read or not. */
	hs_uart_out(u, KSTUB_UART_IER, KSTUB_UART_IER_RDI);
	for (n = 0; n < 3; n++) {
		ck_assert_int_eq(write(fd, "d", 1), 1);
		ck_assert(MU_WAIT(atomic_load(&irq_count) == 3 + n, 5));
	}
	close(fd);
	hs_uart_close(u);
}
END_TEST

/* Bytes written with no LSR read after them (console output) still go. */
START_TEST(test_tx_without_lsr_read)
{
	struct hs_uart *u = open_spec("tcp:127.0.0.1:0", 0);
	int fd = mu_connect(u);

	ck_assert(MU_WAIT(mu_dcd(u), 5));
	hs_uart_out(u, KSTUB_UART_FCR, 0x07);
	for (int i = 0; i < 3; i++)
		hs_uart_out(u, KSTUB_UART_THR, (uint8_t)"ok\n"[i]);
	far_expect(fd, "ok\n", 3);
	close(fd);
	hs_uart_close(u);
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Open and close with a peer attached: every fd and thread goes. */
START_TEST(test_close_releases_everything)
{
	int before = count_fds();
	const char *specs[2] = {mu_tmp_path(), "tcp:127.0.0.1:0"};

	for (int i = 0; i < 2; i++) {
		struct hs_uart *u = open_spec(specs[i], 0);
		int fd = mu_connect(u);

		ck_assert(MU_WAIT(mu_dcd(u), 5));
		hs_uart_close(u); /* while the peer is still there */
		close(fd);
	}
	ck_assert_int_eq(count_fds(), before);
	ck_assert_int_eq(access(specs[0], F_OK), -1);
	mu_rmdir();
}
END_TEST

Suite *uart_model_suite(void);

Suite *uart_model_suite(void)
{
	Suite *su = suite_create("uart_model");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_pty_link);
	tcase_add_test(tc, test_pty_link_rules);
	tcase_add_test(tc, test_pty_reopen_keeps_newcomer_bytes);
	tcase_add_test(tc, test_tcp_link);
	tcase_add_loop_test(tc, test_bad_spec, 0,
			    (int)(sizeof(bad_specs) / sizeof(bad_specs[0])));
	tcase_add_test(tc, test_registers);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_fifo_clear);
	tcase_add_test(tc, test_driver_on_model);
	tcase_add_test(tc, test_break);
	tcase_add_test(tc, test_irq);
	tcase_add_test(tc, test_tx_without_lsr_read);
	tcase_add_test(tc, test_close_releases_everything);
	suite_add_tcase(su, tc);
	return su;
}
