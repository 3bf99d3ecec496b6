// SPDX-License-Identifier: BSD-2-Clause
/* Helpers for the UART model's tests: see model_util.h. */
#include "model_util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kstub_errno.h"

static char tmp_dir[64], tmp_path[96];

uint64_t mu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void mu_pause(void)
{
	struct timespec ts = {0, 50000};

	nanosleep(&ts, NULL);
}

struct hs_uart *mu_open(const struct hs_uart_config *cfg)
{
	struct hs_uart *u = NULL;
	char err[256] = "";

	ck_assert_msg(hs_uart_open_cfg(&u, cfg, err, sizeof(err)) == 0, "%s",
		      err);
	return u;
}

const char *mu_tmp_path(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/kstub-uart-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
	snprintf(tmp_path, sizeof(tmp_path), "%s/ttyS0", tmp_dir);
	return tmp_path;
}

void mu_rmdir(void)
{
	unlink(tmp_path);
	rmdir(tmp_dir);
}

static int tcp_connect(const char *where)
{
	const char *colon = strrchr(where, ':');
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd, one = 1;

	ck_assert_ptr_nonnull(colon);
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

int mu_connect(struct hs_uart *u)
{
	const char *w = hs_uart_where(u);
	int fd;

	if (w[0] != '/')
		return tcp_connect(w);
	/* What "target remote PATH" does: open the symlink. */
	fd = open(w, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", w, strerror(errno));
	return fd;
}

bool mu_dcd(struct hs_uart *u)
{
	return hs_uart_in(u, KSTUB_UART_MSR) & KSTUB_UART_MSR_DCD;
}

void mu_kernel_init(struct kstub_serial *s, struct hs_uart *u, unsigned fl)
{
	struct kstub_uart_io io = {hs_uart_in, hs_uart_out, u};

	ck_assert_int_eq(kstub_serial_init(s, &io, 115200, fl), 0);
}

size_t mu_kernel_recv(struct kstub_serial *s, uint8_t *buf, size_t n,
		      double secs, uint64_t *t_first, uint64_t *t_last)
{
	uint64_t end = mu_now_ns() + (uint64_t)(secs * 1e9);
	size_t got = 0;

	while (got < n) {
		int c = kstub_serial_ops.recv_byte(s);

		if (c >= 0) {
			uint64_t t = mu_now_ns();

			if (got == 0 && t_first)
				*t_first = t;
			if (t_last)
				*t_last = t;
			buf[got++] = (uint8_t)c;
			continue;
		}
		ck_assert_int_eq(c, KSTUB_EAGAIN);
		if (mu_now_ns() > end)
			break;
		sched_yield();
	}
	return got;
}

static void *pump_main(void *arg)
{
	struct mu_pump *p = arg;
	uint64_t end = mu_now_ns() + (uint64_t)(p->secs * 1e9);

	while (p->done < p->len && mu_now_ns() < end && !p->stop) {
		struct pollfd pf = {p->fd, p->writer ? POLLOUT : POLLIN, 0};
		ssize_t n;

		if (poll(&pf, 1, 20) <= 0)
			continue;
		if (p->writer)
			n = write(p->fd, p->buf + p->done, p->len - p->done);
		else
			n = read(p->fd, p->buf + p->done, p->len - p->done);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		if (p->done == 0)
			p->t_first = mu_now_ns();
		p->done += (size_t)n;
		p->t_last = mu_now_ns();
	}
	return NULL;
}

void mu_pump_start(struct mu_pump *p)
{
	p->done = 0;
	p->stop = false;
	p->t_first = p->t_last = 0;
	ck_assert_int_eq(pthread_create(&p->th, NULL, pump_main, p), 0);
}

size_t mu_pump_join(struct mu_pump *p)
{
	pthread_join(p->th, NULL);
	return p->done;
}

void mu_fill(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x >> 8);
	}
}
