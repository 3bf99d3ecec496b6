/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub-udp: the host half of the UDP transport's authenticated mode.
 * Plain RSP to the debugger (gdb on stdin/stdout with "target remote |",
 * or lldb and IDEs on a TCP port with --listen), the authenticated
 * protocol of PROTOCOL.md to the kernel's stub, with the same wire code
 * (udp_auth_wire.c) the stub links.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bridge_io.h"
#include "kstub_int.h" /* kstub_hexval: the stub's own hex digit */
#include "kstub_udp_auth_proto.h"

#define HDR KSTUB_UDP_AUTH_HDR_LEN
#define MSG_MAX KSTUB_UDP_AUTH_MSG_MAX
#define QUEUE 8 /* debugger packets waiting for the link */
#define RTO_MAX_MS 1000
#define DATA_TRIES 12	  /* sends of one message before giving up */
#define KEEPALIVE_MS 1000 /* the stub drops a session silent for 10 s */

struct msg {
	size_t len;
	uint8_t data[MSG_MAX];
};

static struct {
	const char *key_file, *pcap_file, *listen, *target;
	unsigned tries, rto_ms;
} opt = {.tries = 5, .rto_ms = 250};

static struct {
	int udp;
	struct sockaddr_in peer, local;
	struct kstub_hmac psk;
	struct kstub_udp_auth_keys k;
	uint8_t nb[KSTUB_UDP_AUTH_NONCE_LEN];
	uint32_t sid, tx_seq, rx_seq;
	struct msg q[QUEUE];
	unsigned qhead, qn, sends;
	int in_flight;
	uint64_t due_ms, last_tx_ms;
	unsigned rto_ms;
	struct kstub_udp_auth_asm as;
	uint8_t rx_msg[MSG_MAX];
	uint8_t dgram[KSTUB_UDP_NET_MAX_PAYLOAD + 1];
	/* The debugger's side. */
	int din, dout;
	int noack, noack_asked;
	uint8_t frame[MSG_MAX + 4]; /* the last reply, for a '-' */
	size_t frame_len;
	int pst; /* parser: 0 idle, 1 data, 2-3 checksum */
	uint8_t pbuf[MSG_MAX + 1];
	size_t plen;
	uint8_t psum;
	char pck[2];
} b;

static char target_name[128];

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* --- datagrams --- */

static void put(size_t n)
{
	bridge_capture(b.dgram, n, 1);
	/* A refused send (ICMP unreachable) shows as silence: resent. */
	if (send(b.udp, b.dgram, n, 0) < 0 && errno != ECONNREFUSED)
		bridge_die("send to %s: %s", target_name, strerror(errno));
	b.last_tx_ms = now_ms();
}

static void send_ctl(uint8_t type)
{
	struct kstub_udp_auth_hdr h = {
	    .type = type, .nfrags = 1, .sid = b.sid, .ack = b.rx_seq};

	put(kstub_udp_auth_seal(&b.k.b2s, &h, NULL, 0, b.dgram));
}

/* One datagram from the stub, if one is waiting: its length, or -1. */
static long take(void)
{
	ssize_t n = recv(b.udp, b.dgram, sizeof(b.dgram), MSG_DONTWAIT);

	if (n < 0)
		return -1;
	bridge_capture(b.dgram, (size_t)n, 0);
	return n;
}

/* Wait up to ms for the socket to be readable. */
static int wait_udp(int ms)
{
	struct pollfd p = {.fd = b.udp, .events = POLLIN};

	return poll(&p, 1, ms < 0 ? 0 : ms) > 0;
}

/* --- the handshake --- */

static void handshake(void)
{
	struct kstub_udp_auth_hdr hello = {.type = KSTUB_UDP_AUTH_HELLO,
					   .nfrags = 1},
				  h;
	uint8_t pl[KSTUB_UDP_AUTH_HELLO_LEN] = {0};
	unsigned rto = opt.rto_ms;
	int refused = 0;
	long n;

	if (getrandom(b.nb, sizeof(b.nb), 0) != (ssize_t)sizeof(b.nb))
		bridge_die("getrandom: %s", strerror(errno));
	memcpy(pl, b.nb, sizeof(b.nb));
	for (unsigned t = 0; t < opt.tries; t++, rto *= 2) {
		uint64_t end = now_ms() + rto;

		put(kstub_udp_auth_seal(&b.psk, &hello, pl, sizeof(pl),
					b.dgram));
		while (wait_udp((int)(end - now_ms()))) {
			n = take();
			if (n < 0) {
				refused |= errno == ECONNREFUSED;
				continue;
			}
			if (kstub_udp_auth_parse(&h, b.dgram, (size_t)n))
				continue;
			if (h.type == KSTUB_UDP_AUTH_BUSY) {
				if (!kstub_udp_auth_verify(&b.psk, b.dgram,
							   (size_t)n))
					break;
				if (h.len == sizeof(b.nb) &&
				    !memcmp(b.dgram + HDR, b.nb, sizeof(b.nb)))
					bridge_die(
					    "%s is busy: another bridge holds "
					    "the stub's debug session (it ends "
					    "when that debugger detaches or "
					    "falls silent)",
					    target_name);
				continue; /* an old HELLO's answer */
			}
			if (h.type != KSTUB_UDP_AUTH_CHALLENGE || h.len != 32 ||
			    memcmp(b.dgram + HDR + 16, b.nb, 16))
				continue;
			kstub_udp_auth_derive(&b.psk, b.nb, b.dgram + HDR,
					      h.sid, &b.k);
			if (!kstub_udp_auth_verify(&b.k.s2b, b.dgram,
						   (size_t)n))
				break;
			b.sid = h.sid;
			b.tx_seq = b.rx_seq = 0;
			send_ctl(KSTUB_UDP_AUTH_ACK); /* confirms it */
			return;
		}
		if (now_ms() < end) /* broke out: a reply that fails */
			bridge_die(
			    "%s answered, but its reply does not verify under "
			    "the key in %s (wrong key?)",
			    target_name, opt.key_file);
	}
	bridge_die("no answer from %s after %u tries%s (is the kernel's stub "
		   "listening there, in authenticated mode?)",
		   target_name, opt.tries,
		   refused ? "; ICMP says the port is closed" : "");
}

/* --- messages to the stub: one in flight, resent until acked --- */

static void transmit(void)
{
	const struct msg *m = &b.q[b.qhead];
	unsigned nf = kstub_udp_auth_nfrags(m->len);
	struct kstub_udp_auth_hdr h = {.type = KSTUB_UDP_AUTH_DATA,
				       .nfrags = (uint8_t)nf,
				       .sid = b.sid,
				       .seq = b.tx_seq,
				       .ack = b.rx_seq};

	for (unsigned i = 0; i < nf; i++) {
		size_t off = (size_t)i * KSTUB_UDP_AUTH_FRAG_MAX;
		size_t len = m->len - off;

		if (len > KSTUB_UDP_AUTH_FRAG_MAX)
			len = KSTUB_UDP_AUTH_FRAG_MAX;
		h.frag = (uint8_t)i;
		put(kstub_udp_auth_seal(&b.k.b2s, &h, m->data + off, len,
					b.dgram));
	}
	b.sends++;
	b.due_ms = now_ms() + b.rto_ms;
}

static void start_next(void)
{
	if (b.in_flight || !b.qn)
		return;
	b.tx_seq++;
	b.in_flight = 1;
	b.sends = 0;
	b.rto_ms = opt.rto_ms < 50 ? opt.rto_ms : 50;
	transmit();
}

static void enqueue(const uint8_t *p, size_t n)
{
	struct msg *m;

	if (n > MSG_MAX)
		bridge_die(
		    "the debugger sent a %zu-byte packet; the link carries "
		    "%d (its PacketSize)",
		    n, MSG_MAX);
	if (b.qn == QUEUE)
		bridge_die("the debugger sent %d packets without waiting",
			   QUEUE);
	m = &b.q[(b.qhead + b.qn++) % QUEUE];
	memcpy(m->data, p, n);
	m->len = n;
	start_next();
}

static void timers(void)
{
	uint64_t t = now_ms();

	if (b.in_flight && t >= b.due_ms) {
		if (b.sends >= DATA_TRIES)
			bridge_die(
			    "%s stopped answering (a packet went %u times "
			    "unacknowledged)",
			    target_name, b.sends);
		b.rto_ms =
		    b.rto_ms * 2 > RTO_MAX_MS ? RTO_MAX_MS : b.rto_ms * 2;
		transmit();
	}
	if (t - b.last_tx_ms >= KEEPALIVE_MS)
		send_ctl(KSTUB_UDP_AUTH_ACK);
}

/* --- the debugger's side: plain RSP --- */

static void dbg_write(const void *p, size_t n)
{
	const uint8_t *c = p;

	while (n) {
		ssize_t w = write(b.dout, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* The debugger went away: so does its session. */
			send_ctl(KSTUB_UDP_AUTH_CLOSE);
			exit(0);
		}
		c += w;
		n -= (size_t)w;
	}
}

/* A whole message from the stub: a packet for the debugger. */
static void to_debugger(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	b.frame[0] = '$';
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	memcpy(b.frame + 1, p, n);
	snprintf((char *)b.frame + 1 + n, 4, "#%02x", sum);
	b.frame_len = n + 4;
	dbg_write(b.frame, b.frame_len);
	/* gdb's QStartNoAckMode, then this OK: no acks from here on. */
	if (b.noack_asked && n == 2 && !memcmp(p, "OK", 2))
		b.noack = 1;
	b.noack_asked = 0;
}

static void stub_input(size_t n)
{
	struct kstub_udp_auth_hdr h;
	int r;

	if (kstub_udp_auth_parse(&h, b.dgram, n) || h.sid != b.sid ||
	    (h.type != KSTUB_UDP_AUTH_DATA && h.type != KSTUB_UDP_AUTH_ACK) ||
	    !kstub_udp_auth_verify(&b.k.s2b, b.dgram, n))
		return;
	if (b.in_flight && h.ack == b.tx_seq) {
		b.in_flight = 0;
		b.qhead = (b.qhead + 1) % QUEUE;
		b.qn--;
		start_next();
	}
	if (h.type != KSTUB_UDP_AUTH_DATA)
		return;
	if (h.seq <= b.rx_seq) {
		send_ctl(KSTUB_UDP_AUTH_ACK); /* our ack was lost */
		return;
	}
	if (h.seq != b.rx_seq + 1)
		return;
	r = kstub_udp_auth_asm_add(&b.as, b.rx_msg, &h, b.dgram + HDR);
	if (r != 1)
		return;
	b.rx_seq = h.seq;
	b.as.seq = 0;
	send_ctl(KSTUB_UDP_AUTH_ACK);
	to_debugger(b.rx_msg, b.as.len);
}

/* RSP "Packet Acknowledgment": bytes from the debugger. */
static void debugger_input(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		switch (b.pst) {
		case 0:
			if (c == '$') {
				b.pst = 1;
				b.plen = 0;
				b.psum = 0;
			} else if (c == 0x03) {
				enqueue(&c, 1);
			} else if (c == '-' && !b.noack && b.frame_len) {
				dbg_write(b.frame, b.frame_len);
			}
			break; /* '+' and noise need nothing */
		case 1:
			if (c == '#') {
				b.pst = 2;
			} else if (b.plen < sizeof(b.pbuf)) {
				b.pbuf[b.plen++] = c;
				b.psum = (uint8_t)(b.psum + c);
			}
			break;
		case 2:
			b.pck[0] = (char)c;
			b.pst = 3;
			break;
		default: {
			int hi = kstub_hexval((uint8_t)b.pck[0]),
			    lo = kstub_hexval(c);

			b.pst = 0;
			if (hi < 0 || lo < 0 || (hi << 4 | lo) != b.psum) {
				if (!b.noack)
					dbg_write("-", 1);
				break;
			}
			if (!b.noack)
				dbg_write("+", 1);
			b.noack_asked = b.plen == 15 &&
					!memcmp(b.pbuf, "QStartNoAckMode", 15);
			enqueue(b.pbuf, b.plen);
		}
		}
	}
}

/* One debugger's session, from handshake to its hanging up. */
static void serve(int din, int dout)
{
	uint8_t buf[4096];

	b.din = din;
	b.dout = dout;
	b.noack = b.noack_asked = 0;
	b.frame_len = 0;
	b.pst = 0;
	b.qn = b.qhead = 0;
	b.in_flight = 0;
	memset(&b.as, 0, sizeof(b.as));
	handshake();
	for (;;) {
		struct pollfd p[2] = {{.fd = din, .events = POLLIN},
				      {.fd = b.udp, .events = POLLIN}};
		uint64_t t = now_ms(), next = b.last_tx_ms + KEEPALIVE_MS;
		long n;

		if (b.in_flight && b.due_ms < next)
			next = b.due_ms;
		poll(p, 2, next > t ? (int)(next - t) : 0);
		if (p[0].revents) {
			ssize_t r = read(din, buf, sizeof(buf));

			if (r <= 0) {
				send_ctl(KSTUB_UDP_AUTH_CLOSE);
				return;
			}
			debugger_input(buf, (size_t)r);
		}
		while ((n = take()) >= 0)
			stub_input((size_t)n);
		timers();
	}
}

/* "IP:PORT" or "[HOST:]PORT" into a sockaddr. */
static void parse_addr(const char *s, const char *dflt_host,
		       struct sockaddr_in *out, int socktype)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = socktype},
			*res;
	int err;

	if (colon) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		s = colon + 1;
	} else if (dflt_host) {
		snprintf(host, sizeof(host), "%s", dflt_host);
	} else {
		bridge_die("%s: expected IP:PORT", s);
	}
	err = getaddrinfo(host, s, &hints, &res);
	if (err)
		bridge_die("%s:%s: %s", host, s, gai_strerror(err));
	memcpy(out, res->ai_addr, sizeof(*out));
	freeaddrinfo(res);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kstub-udp --key FILE [--listen [HOST:]PORT] "
		"[--pcap FILE] [--tries N] [--rto-ms MS] IP:PORT\n"
		"  gdb:  target remote | kstub-udp --key FILE IP:PORT\n"
		"  lldb: kstub-udp --key FILE --listen 1234 IP:PORT, then "
		"gdb-remote 1234\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = !strcmp(a, "--key")	    ? &opt.key_file
				   : !strcmp(a, "--pcap")   ? &opt.pcap_file
				   : !strcmp(a, "--listen") ? &opt.listen
							    : NULL;

		if (val || !strcmp(a, "--tries") || !strcmp(a, "--rto-ms")) {
			if (++i == argc)
				usage();
			if (val)
				*val = argv[i];
			else if (!strcmp(a, "--tries"))
				opt.tries = (unsigned)atoi(argv[i]);
			else
				opt.rto_ms = (unsigned)atoi(argv[i]);
		} else if (a[0] == '-' || opt.target) {
			usage();
		} else {
			opt.target = a;
		}
	}
	if (!opt.key_file || !opt.target || !opt.tries || !opt.rto_ms)
		usage();
}

int main(int argc, char **argv)
{
	socklen_t len = sizeof(b.local);
	struct sockaddr_in lsa;
	int lfd;

	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	/*
	 * gdb's ^C reaches us as 0x03 on the pipe, for the stub; the
	 * terminal's SIGINT to gdb's process group must not end the bridge.
	 */
	if (!opt.listen)
		signal(SIGINT, SIG_IGN);
	bridge_load_key(opt.key_file, &b.psk);
	parse_addr(opt.target, NULL, &b.peer, SOCK_DGRAM);
	snprintf(target_name, sizeof(target_name), "%s:%u",
		 inet_ntoa(b.peer.sin_addr), ntohs(b.peer.sin_port));
	b.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b.udp < 0 ||
	    connect(b.udp, (struct sockaddr *)&b.peer, sizeof(b.peer)) < 0)
		bridge_die("%s: %s", target_name, strerror(errno));
	getsockname(b.udp, (struct sockaddr *)&b.local, &len);
	if (opt.pcap_file)
		bridge_capture_open(opt.pcap_file, &b.local, &b.peer);
	if (!opt.listen) {
		serve(0, 1);
		bridge_capture_close();
		return 0;
	}
	parse_addr(opt.listen, "127.0.0.1", &lsa, SOCK_STREAM);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)) <
		0 ||
	    bind(lfd, (struct sockaddr *)&lsa, sizeof(lsa)) < 0 ||
	    listen(lfd, 1) < 0)
		bridge_die("--listen %s: %s", opt.listen, strerror(errno));
	len = sizeof(lsa);
	getsockname(lfd, (struct sockaddr *)&lsa, &len);
	fprintf(stderr, "kstub-udp: listening on %s:%u for %s\n",
		inet_ntoa(lsa.sin_addr), ntohs(lsa.sin_port), target_name);
	/*
	 * One debugger at a time, each served by a child: an error that
	 * ends its session (busy, wrong key, the stub gone) ends the child
	 * only, and the next debugger may connect.
	 */
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t child;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			bridge_die("accept: %s", strerror(errno));
		}
		child = fork();
		if (child == 0) {
			close(lfd);
			serve(c, c);
			bridge_capture_close();
			_exit(0);
		}
		close(c);
		if (child < 0)
			bridge_die("fork: %s", strerror(errno));
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
}
