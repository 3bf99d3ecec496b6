// SPDX-License-Identifier: BSD-2-Clause
/*
 * The far end of the modelled cable, run by the I/O thread: a pty whose
 * slave a debugger opens through a symlink, or a TCP listener taking one
 * peer at a time. Knows when a peer comes and goes (that is MSR.DCD).
 *
 * pty hangup: while nobody has the slave open the master polls POLLHUP
 * for ever, so it is left out of the poll set then, and an inotify watch
 * for IN_OPEN on /dev/pts/N says when a debugger opens it again. The
 * same watch sees the slave closed (IN_CLOSE): a debugger that closes
 * it and one that opens it right after are two peers, with a carrier
 * drop between them, even if the master never polled HUP in between.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ptsname_r, accept4, ppoll, eventfd */
#endif
#include "uart_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define PTY_RECHECK_NS 100000000 /* without inotify: look every 100 ms */

static int fail(char *err, size_t errlen, const char *what, int e)
{
	if (errlen)
		snprintf(err, errlen, "uart: %s%s%s", what, e ? ": " : "",
			 e ? strerror(e) : "");
	return -1;
}

/* Is anyone holding the slave open? (The master polls HUP if not.) */
static bool pty_has_peer(struct hs_uart *u)
{
	struct pollfd p = {.fd = u->far_fd, .events = POLLIN};

	return poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

/*
 * PATH may already be a symlink from an earlier run (its pty is gone or
 * reused): replace it. Anything else at PATH is not ours to remove.
 */
static int make_link(struct hs_uart *u, const char *path, char *err,
		     size_t errlen)
{
	char tmp[PATH_MAX], old[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) == 0) {
		if (!S_ISLNK(st.st_mode))
			return fail(err, errlen, "refusing to replace a file "
						 "that is not a symlink", 0);
		n = readlink(path, old, sizeof(old) - 1);
		if (n < 0)
			return fail(err, errlen, "readlink", errno);
		old[n] = 0;
		if (strncmp(old, "/dev/pts/", 9) != 0 && stat(path, &st) == 0)
			return fail(err, errlen, "refusing to replace a "
						 "symlink to a non-pty", 0);
	} else if (errno != ENOENT) {
		return fail(err, errlen, "lstat", errno);
	}
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return fail(err, errlen, "path too long", 0);
	unlink(tmp);
	if (symlink(u->pts_name, tmp) < 0)
		return fail(err, errlen, "symlink", errno);
	if (rename(tmp, path) < 0) { /* atomic replacement */
		int e = errno;

		unlink(tmp);
		return fail(err, errlen, "rename", e);
	}
	u->link_made = true;
	return 0;
}

static int pty_open(struct hs_uart *u, const char *path, char *err,
		    size_t errlen)
{
	struct termios t;
	int s;

	if (strlen(path) >= sizeof(u->where))
		return fail(err, errlen, "path too long", 0);
	u->far_fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (u->far_fd < 0)
		return fail(err, errlen, "posix_openpt", errno);
	if (grantpt(u->far_fd) < 0 || unlockpt(u->far_fd) < 0 ||
	    ptsname_r(u->far_fd, u->pts_name, sizeof(u->pts_name)) != 0)
		return fail(err, errlen, "grantpt/unlockpt/ptsname", errno);
	/* Raw before any byte flows, or the line discipline echoes our
	 * output back to us and eats ^C, ^S and CR. It sticks to the pty
	 * across later opens of the slave. */
	s = open(u->pts_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return fail(err, errlen, "open pty slave", errno);
	if (tcgetattr(s, &t) < 0) {
		close(s);
		return fail(err, errlen, "tcgetattr", errno);
	}
	cfmakeraw(&t);
	if (tcsetattr(s, TCSANOW, &t) < 0) {
		close(s);
		return fail(err, errlen, "tcsetattr", errno);
	}
	close(s);
	u->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (u->ino_fd >= 0 &&
	    inotify_add_watch(u->ino_fd, u->pts_name,
			      IN_OPEN | IN_CLOSE) < 0) {
		close(u->ino_fd);
		u->ino_fd = -1; /* fall back to a slow recheck */
	}
	if (make_link(u, path, err, errlen) < 0)
		return -1;
	snprintf(u->where, sizeof(u->where), "%s", path);
	return 0;
}

static int tcp_open(struct hs_uart *u, const char *hostport, char *err,
		    size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	char host[256], serv[16], *colon;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addrinfo *ai;
	int one = 1, rc;

	colon = strrchr(hostport, ':');
	if (!colon || colon == hostport ||
	    (size_t)(colon - hostport) >= sizeof(host) ||
	    strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(serv))
		return fail(err, errlen, "spec is tcp:HOST:PORT", 0);
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = 0;
	snprintf(serv, sizeof(serv), "%s", colon + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1] */
		memmove(host, host + 1, strlen(host) - 2);
		host[strlen(host) - 2] = 0;
	}
	rc = getaddrinfo(host, serv, &hints, &ai);
	if (rc != 0) {
		if (errlen)
			snprintf(err, errlen, "uart: %s: %s", hostport,
				 gai_strerror(rc));
		return -1;
	}
	u->far_fd = socket(ai->ai_family,
			   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->far_fd < 0) {
		freeaddrinfo(ai);
		return fail(err, errlen, "socket", errno);
	}
	setsockopt(u->far_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(u->far_fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0)
		return fail(err, errlen, "bind", errno);
	if (listen(u->far_fd, 4) < 0)
		return fail(err, errlen, "listen", errno);
	if (getsockname(u->far_fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return fail(err, errlen, "getsockname", errno);
	snprintf(u->where, sizeof(u->where),
		 ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
	return 0;
}

static void refused_drop(struct hs_uart *u, unsigned i)
{
	if (u->refused_fd[i] >= 0)
		close(u->refused_fd[i]);
	u->refused_fd[i] = -1;
}

/*
 * One debugger per cable. A second one is told why in the only words
 * it shows at connect: the reply to its first packet (qSupported), an
 * RSP error with text, which gdb prints as "Remote failure reply:
 * E.kstub-sim: ...". It goes out unasked, with the '+' gdb waits for
 * after sending qSupported (a packet in its place gdb skips). Closing
 * the socket at once would answer the peer's packet with a reset, which
 * can throw the reply away unread; so our side is shut and the socket
 * read until the peer acks a packet after sending one (it has read the
 * reply: gdb and lldb both do so) or leaves.
 */
static void refuse(struct hs_uart *u, int fd)
{
	static const char why[] =
		"kstub-sim: another debugger is attached to this line; "
		"detach it (or end it) first";
	char pkt[sizeof(why) + 16], host[64] = "?", serv[16] = "?";
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	unsigned sum = 0, i;
	int n;

	for (i = 0; i < sizeof(why) - 1; i++)
		sum += (unsigned char)why[i];
	n = snprintf(pkt, sizeof(pkt), "+$E.%s#%02x", why,
		     (sum + 'E' + '.') & 0xffu);
	if (send(fd, pkt, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0; /* it left already: nothing to tell */
	shutdown(fd, SHUT_WR);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host),
			    serv, sizeof(serv),
			    NI_NUMERICHOST | NI_NUMERICSERV);
	fprintf(stderr, "kstub-sim: a second debugger (%s:%s) was turned "
			"away: one is attached already\n", host, serv);
	/* The oldest refused peer makes room. */
	refused_drop(u, 0);
	for (i = 1; i < HS_REFUSED_MAX; i++) {
		u->refused_fd[i - 1] = u->refused_fd[i];
		u->refused_asked[i - 1] = u->refused_asked[i];
	}
	u->refused_fd[HS_REFUSED_MAX - 1] = fd;
	u->refused_asked[HS_REFUSED_MAX - 1] = false;
}

/* A refused peer sent more, or left: discard, or close on EOF. */
static void refused_read(struct hs_uart *u, unsigned i)
{
	char buf[512];
	bool acked = false;
	ssize_t n;

	while ((n = read(u->refused_fd[i], buf, sizeof(buf))) > 0) {
		/*
		 * lldb opens with this, takes the reply as its answer and
		 * never shows it; its handshake then stalls on a reply that
		 * is not coming unless reset before it goes on.
		 */
		if (memmem(buf, (size_t)n, "$QStartNoAckMode#", 17))
			acked = true;
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] == '#')
				u->refused_asked[i] = true;
			else if (buf[k] == '+' && u->refused_asked[i])
				acked = true;
		}
	}
	/*
	 * It has the reply: reset the connection. lldb 14 waits for ever
	 * on a plain end (FIN) in the middle of its handshake, and gives up
	 * at once on a reset; gdb has printed the reply by now.
	 */
	if (acked) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(u->refused_fd[i], SOL_SOCKET, SO_LINGER, &lg,
			   sizeof(lg));
	}
	if (acked || n == 0 || (errno != EAGAIN && errno != EINTR))
		refused_drop(u, i);
}

int hs_far_open(struct hs_uart *u, const char *spec, char *err,
		size_t errlen)
{
	int rc;

	if (strncmp(spec, "tcp:", 4) == 0) {
		u->kind = HS_FAR_TCP;
		rc = tcp_open(u, spec + 4, err, errlen);
	} else if (spec[0]) {
		u->kind = HS_FAR_PTY;
		rc = pty_open(u, spec, err, errlen);
	} else {
		rc = fail(err, errlen, "empty spec", 0);
	}
	if (rc < 0) {
		hs_far_close(u);
		return -1;
	}
	if (u->kind == HS_FAR_PTY && pty_has_peer(u)) {
		u->peer_fd = u->far_fd;
		hs_uart_set_carrier(u, true);
	}
	return 0;
}

void hs_far_close(struct hs_uart *u)
{
	char old[PATH_MAX];
	ssize_t n;

	if (u->kind == HS_FAR_TCP && u->peer_fd >= 0)
		close(u->peer_fd);
	u->peer_fd = -1;
	for (unsigned i = 0; i < HS_REFUSED_MAX; i++)
		refused_drop(u, i);
	if (u->far_fd >= 0)
		close(u->far_fd);
	u->far_fd = -1;
	if (u->ino_fd >= 0)
		close(u->ino_fd);
	u->ino_fd = -1;
	/* Remove the link only if it still names our pty. */
	if (u->link_made) {
		n = readlink(u->where, old, sizeof(old) - 1);
		if (n > 0) {
			old[n] = 0;
			if (strcmp(old, u->pts_name) == 0)
				unlink(u->where);
		}
		u->link_made = false;
	}
}

int hs_far_pollfds(struct hs_uart *u, struct pollfd *p, int64_t *max_ns)
{
	int n = 0;
	short ev = 0;

	if (u->kind == HS_FAR_TCP)
		p[n++] = (struct pollfd){.fd = u->far_fd, .events = POLLIN};
	if (u->connected) {
		if (u->stage_len < u->stage_cap)
			ev |= POLLIN;
		if (u->cable_blocked)
			ev |= POLLOUT;
		/* No events wanted: leave it out, or HUP would spin us. */
		if (ev)
			p[n++] = (struct pollfd){.fd = u->peer_fd, .events = ev};
	}
	for (unsigned i = 0; i < HS_REFUSED_MAX; i++)
		if (u->refused_fd[i] >= 0)
			p[n++] = (struct pollfd){.fd = u->refused_fd[i],
						 .events = POLLIN};
	if (u->kind == HS_FAR_PTY) {
		if (u->ino_fd >= 0)
			p[n++] = (struct pollfd){.fd = u->ino_fd,
						 .events = POLLIN};
		else if (!u->connected)
			*max_ns = PTY_RECHECK_NS;
	}
	return n;
}

/*
 * gdb's detach closes its socket and a new gdb may connect before the
 * I/O thread has read that EOF; a peer that hung up must not make the
 * next one look like a second debugger.
 */
/*
 * Has the peer on fd closed? wait_ms bounds how long to wait for its
 * close to show. A debugger that closes and connects again at once can
 * be accepted before its close is visible here (fresh_session_tcp, 1
 * run in 30 on a loaded host: the newcomer was refused). So
 * before a newcomer is refused, the peer it would be refused for gets
 * a moment to turn out gone (only POLLRDHUP is asked for: bytes the old
 * peer sent end no wait early).
 */
#define HS_REPLACE_WAIT_MS 250

static bool peer_gone(int fd, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, wait_ms) > 0 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void tcp_accept(struct hs_uart *u)
{
	int one = 1;

	for (;;) {
		int fd = accept4(u->far_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (u->connected && peer_gone(u->peer_fd, HS_REPLACE_WAIT_MS))
			hs_far_hangup(u);	/* it left; we had not looked yet */
		if (u->connected) {
			/* Counted first, so its reply implies the count. */
			atomic_fetch_add(&u->st_refused, 1);
			refuse(u, fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		u->peer_fd = fd;
		hs_uart_set_carrier(u, true);
	}
}

/*
 * Read the slave's watch: did anyone close it since we last looked?
 * pty_opens counts the opens not yet closed. Counting, not ordering,
 * says whether anyone still has it: a close can be reported after the
 * next debugger's open, when a process that forked meanwhile held a
 * copy of the old descriptor until its exec (the e2e runner starts
 * machines from other threads all the time).
 */
static bool pty_watch(struct hs_uart *u)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool closed = false;
	ssize_t n;

	if (u->ino_fd < 0)
		return false;
	while ((n = read(u->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if ((ev->mask & IN_CLOSE) && u->pty_opens > 0) {
				u->pty_opens--;
				closed = true;
			}
			if (ev->mask & IN_OPEN)
				u->pty_opens++;
			p += sizeof(*ev) + ev->len;
		}
	}
	return closed;
}

/* Does anyone have the slave open now (a new peer, after a hangup)? */
static bool pty_held(struct hs_uart *u)
{
	return u->ino_fd < 0 ? pty_has_peer(u) : u->pty_opens > 0;
}

static void hs_far_hangup_seen(struct hs_uart *u, bool reopened);

static void pty_recheck(struct hs_uart *u)
{
	if (!u->connected && pty_has_peer(u)) {
		u->peer_fd = u->far_fd;
		hs_uart_set_carrier(u, true);
	}
}

int hs_far_events(struct hs_uart *u, const struct pollfd *p, int n)
{
	int ret = 0;

	for (int i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		for (unsigned r = 0; r < HS_REFUSED_MAX; r++)
			if (p[i].fd == u->refused_fd[r])
				refused_read(u, r);
		if (u->kind == HS_FAR_TCP && p[i].fd == u->far_fd)
			tcp_accept(u);
		else if (p[i].fd == u->ino_fd) {
			/* A peer that closed is gone, even if one reopened. */
			if (pty_watch(u) && u->connected)
				hs_far_hangup_seen(u, pty_held(u));
			pty_recheck(u);
		}
		else if (p[i].fd == u->peer_fd) {
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
				ret |= 1;
			if (p[i].revents & POLLOUT)
				ret |= 2;
		}
	}
	if (u->kind == HS_FAR_PTY && !u->connected && u->ino_fd < 0)
		pty_recheck(u);
	return ret;
}

long hs_far_read(struct hs_uart *u, uint8_t *buf, size_t len)
{
	ssize_t n;

	if (u->held_len) {
		n = (ssize_t)(len < u->held_len ? len : u->held_len);
		memcpy(buf, u->held + u->held_off, (size_t)n);
		u->held_off += (size_t)n;
		u->held_len -= (size_t)n;
		return n;
	}
	n = read(u->peer_fd, buf, len);

	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1; /* EOF (tcp), EIO (pty slave closed), reset */
}

long hs_far_write(struct hs_uart *u, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (u->kind == HS_FAR_TCP)
		n = send(u->peer_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		n = write(u->peer_fd, buf, len);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return -1;
}

/*
 * Throw away what the old peer wrote and we have not read, without
 * losing a byte of a new peer that opens the slave meanwhile: one pty
 * queue carries both, so a flush could take the newcomer's first
 * packet. Each chunk read is the old peer's if nobody had the slave
 * open after reading it; the chunk read when someone has may hold the
 * new peer's bytes and is kept for it (old bytes in front of a packet are
 * line noise to the stub's framer; a lost packet would go unanswered).
 */
static void pty_drop_old_input(struct hs_uart *u)
{
	for (;;) {
		ssize_t n = read(u->far_fd, u->held, sizeof(u->held));

		if (n <= 0)
			return;	/* empty (EAGAIN), or no slave open (EIO) */
		pty_watch(u);
		if (pty_held(u)) {
			u->held_off = 0;
			u->held_len = (size_t)n;
			return;
		}
	}
}

static void hs_far_hangup_seen(struct hs_uart *u, bool reopened)
{
	if (!u->connected)
		return;
	/* Bytes held for the peer that is leaving were its own. */
	u->held_len = 0;
	if (u->kind == HS_FAR_TCP) {
		close(u->peer_fd);
	} else {
		/* What the last debugger left unread must not greet the next. */
		tcflush(u->far_fd, TCOFLUSH);
		if (!reopened)
			pty_drop_old_input(u);
	}
	u->peer_fd = -1;
	hs_uart_set_carrier(u, false);
	if (u->kind == HS_FAR_PTY)
		pty_recheck(u); /* reopened before we looked */
}

void hs_far_hangup(struct hs_uart *u)
{
	if (u->kind == HS_FAR_PTY)
		pty_watch(u);
	hs_far_hangup_seen(u, u->kind == HS_FAR_PTY && pty_held(u));
}
