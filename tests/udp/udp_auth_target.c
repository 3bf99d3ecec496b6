/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A kernel for the bridge's integration test (tests/udp/test_bridge.py):
 * the fake machine of the unit suites with the stub core, behind the
 * authenticated UDP link on a loopback UDP socket instead of a NIC.
 * Usage: udp-auth-target KEYFILE; prints "port N" once it listens on
 * 127.0.0.1:N, then waits for a debugger as kstub.wait does; after a
 * continue it "runs", polling for a break-in as a timer tick would.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fake_machine.h"
#include "kstub_udp_auth.h"

static int sock;
static struct kstub_udp_auth auth;

_Noreturn void fx_fail(const char *why)
{
	fprintf(stderr, "udp-auth-target: %s\n", why);
	exit(1);
}

static uint64_t now_us(void *ctx)
{
	struct timespec t;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static int nonce(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : KSTUB_EIO;
}

/* Nothing waiting: nap up to 1 ms on the socket, as a CPU would spin. */
static long recv_from(void *ctx, uint8_t *buf, size_t cap,
		      struct kstub_udp_addr *from)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct pollfd p = {.fd = sock, .events = POLLIN};
	ssize_t n;

	(void)ctx;
	n = recvfrom(sock, buf, cap, MSG_DONTWAIT | MSG_TRUNC,
		     (struct sockaddr *)&sa, &len);
	if (n < 0) {
		poll(&p, 1, 1);
		return KSTUB_EAGAIN;
	}
	memset(from, 0, sizeof(*from));
	memcpy(from->ip, &sa.sin_addr, 4);
	from->port = ntohs(sa.sin_port);
	return n;
}

static int send_to(void *ctx, const struct kstub_udp_addr *to, const uint8_t *p,
		   size_t n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(to->port)};

	(void)ctx;
	memcpy(&sa.sin_addr, to->ip, 4);
	return sendto(sock, p, n, 0, (struct sockaddr *)&sa, sizeof(sa)) ==
		       (ssize_t)n
		   ? 0
		   : KSTUB_EIO;
}

static const struct kstub_udp_dgram_ops socket_ops = {
    .recv_from = recv_from,
    .send_to = send_to,
};

int main(int argc, char **argv)
{
	struct kstub_udp_auth_config ac = {.now_us = now_us,
					   .get_nonce = nonce};
	struct fx_opts o = {.buf_len = KSTUB_BUF_LEN_DEFAULT};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	uint8_t key[KSTUB_UDP_AUTH_KEY_LEN];
	struct kstub_config cfg;
	struct fx *fx;
	int fd;

	if (argc != 2)
		fx_fail("usage: udp-auth-target KEYFILE");
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || read(fd, key, sizeof(key)) != sizeof(key))
		fx_fail("cannot read a 32-byte key");
	close(fd);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(sock, (struct sockaddr *)&sa, &len) < 0)
		fx_fail(strerror(errno));
	fx = fx_new(&o);
	if (kstub_udp_auth_init(&auth, &socket_ops, NULL, &ac) ||
	    kstub_udp_auth_set_key(&auth, key, sizeof(key)))
		fx_fail("auth link refused its configuration");
	cfg = fx->ks.cfg;
	cfg.link = &kstub_udp_auth_ops;
	cfg.link_ctx = &auth;
	cfg.monitor = &kstub_udp_auth_stats_cmd;
	cfg.monitor_count = 1;
	if (kstub_init(&fx->ks, &cfg))
		fx_fail("kstub_init refused the link");
	printf("port %u\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (;;) {
		fx_trap(fx, KSTUB_TRAP_BREAKIN);
		while (!kstub_poll_break(&fx->ks))
			; /* recv_from naps while the line is quiet */
	}
}
