/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub-fw: the host half of the DMA ring transport. It maps a file that
 * holds the target's physical memory (hostsim's --fw file, QEMU's guest
 * RAM backing file), finds the control block, and bridges gdb (stdio or
 * a TCP port) to the gdb rings and the console ring to a terminal.
 *
 * gdb speaks framed RSP ($data#xx, acks); the rings carry bare packet
 * data. The bridge checks gdb's checksums, acks until gdb and the stub
 * have agreed on QStartNoAckMode, and frames the stub's packets.
 *
 * --no-cpu: the target's CPUs do not answer (interrupts off, deadlock,
 * dead machine). The bridge answers gdb itself: memory reads through
 * the kernel page tables the stub published at its last entry, straight
 * from the file; registers and execution control are unavailable.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fw_host.h"

#define PKT_MAX 65536
/* Poll intervals: spin while the stub owes a reply, nap when idle. */
#define BUSY_NAP_NS 20000
#define IDLE_POLL_MS 5
/* After the last packet, stay quick this long (gdb's next request). */
#define BUSY_AFTER_NS 50000000ll

static const char hexdigits[] = "0123456789abcdef";

struct bridge {
	struct fw_host host;
	int in_fd, out_fd;
	int console_fd;
	bool no_cpu;
	bool noack;
	bool noack_asked;	/* QStartNoAckMode went to the stub */
	/* gdb's packet being parsed */
	int state;		/* 0 idle, 1 data, 2 csum hi, 3 csum lo */
	uint8_t sum, want;
	size_t len;
	uint8_t pkt[PKT_MAX];
	/* what we last sent gdb, for its '-' */
	uint8_t last[PKT_MAX + 4];
	size_t last_len;
	bool detached;
	bool direct;		/* data reads from the file while stopped */
	bool x_raw;		/* lldb asked for x replies without 'b' */
	bool direct_said;
	long long busy_until;
};

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kstub-fw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		b += w;
		n -= (size_t)w;
	}
}

/* One framed packet to gdb, kept for a '-'. */
static void to_gdb(struct bridge *b, const void *data, size_t len)
{
	const uint8_t *d = data;
	uint8_t sum = 0;
	size_t i;

	if (len > PKT_MAX)
		len = PKT_MAX;
	b->last[0] = '$';
	for (i = 0; i < len; i++) {
		sum = (uint8_t)(sum + d[i]);
		b->last[1 + i] = d[i];
	}
	b->last[1 + len] = '#';
	b->last[2 + len] = (uint8_t)hexdigits[sum >> 4];
	b->last[3 + len] = (uint8_t)hexdigits[sum & 15];
	b->last_len = len + 4;
	write_all(b->out_fd, b->last, b->last_len);
}

static void to_gdb_str(struct bridge *b, const char *s)
{
	to_gdb(b, s, strlen(s));
}

/* ---- hung-kernel mode: the bridge is the stub ---- */

#define PTE_PRESENT 0x1ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_NX (1ull << 63)

static bool phys_u64(const struct bridge *b, uint64_t pa, uint64_t *v)
{
	if (pa > b->host.mem_size - 8 || (pa & 7))
		return false;
	*v = *(const volatile uint64_t *)(b->host.mem + pa);
	return true;
}

/*
 * A kernel virtual address through the published x86-64 4-level page
 * tables; *room: bytes left in that page; *nx: not executable (NX at
 * some level). False: not mapped, or not in the file.
 */
static bool translate(const struct bridge *b, uint64_t va, uint64_t *pa,
		      uint64_t *room, bool *nx)
{
	uint64_t table = fw_host_get64(&b->host, KSTUB_FW_OFF_PT_ROOT) & PTE_ADDR;
	static const unsigned shift[4] = { 39, 30, 21, 12 };
	uint64_t e, page;
	unsigned level;

	if (!table)
		return false;
	*nx = false;
	for (level = 0; level < 4; level++) {
		if (!phys_u64(b, table + ((va >> shift[level]) & 511) * 8, &e) ||
		    !(e & PTE_PRESENT))
			return false;
		*nx = *nx || (e & PTE_NX);
		if (level == 3 || ((level == 1 || level == 2) && (e & PTE_PS)))
			break;
		table = e & PTE_ADDR;
	}
	page = 1ull << shift[level];
	*pa = (e & PTE_ADDR & ~(page - 1)) | (va & (page - 1));
	*room = page - (va & (page - 1));
	return *pa < b->host.mem_size;
}

/* The longest memory read answered here (gdb asks within PacketSize). */
#define READ_MAX 8192

/*
 * Answer a memory read (m: hex; x: binary, 'b' first unless lldb asked
 * for raw x replies) from the file. whole: only if every byte is
 * mapped to RAM in the file and not executable, else answer nothing
 * (the stub knows its breakpoints in text, and what is not RAM); else
 * as far as it is mapped, E0e if not at all. Returns: answered.
 */
static bool read_reply(struct bridge *b, uint64_t va, uint64_t len,
		       bool binary, bool whole)
{
	static uint8_t data[READ_MAX], out[2 * READ_MAX + 1];
	uint64_t done = 0, pa, room, i;
	size_t n = 0;
	bool nx;

	if (len > READ_MAX) {
		if (whole)
			return false;
		len = READ_MAX;
	}
	while (done < len) {
		if (!translate(b, va + done, &pa, &room, &nx) || (whole && !nx))
			break;
		for (i = 0; i < room && done < len && pa + i < b->host.mem_size; i++)
			data[done++] = b->host.mem[pa + i];
		if (i < room && done < len)
			break;	/* ran off the end of the file */
	}
	if (whole && done < len)
		return false;
	if (done == 0 && len > 0) {
		to_gdb_str(b, "E0e");
		return true;
	}
	if (binary && !b->x_raw)
		out[n++] = 'b';
	for (i = 0; i < done; i++) {
		uint8_t c = data[i];

		if (!binary) {
			out[n++] = (uint8_t)hexdigits[c >> 4];
			out[n++] = (uint8_t)hexdigits[c & 15];
		} else if (c == '$' || c == '#' || c == '}' || c == '*') {
			out[n++] = '}';
			out[n++] = c ^ 0x20;
		} else {
			out[n++] = c;
		}
	}
	to_gdb(b, out, n);
	return true;
}

/* "addr,len" and nothing else, hex: true if it is one. */
static bool parse_range(const uint8_t *p, size_t n, uint64_t *addr,
			uint64_t *len)
{
	char tmp[48], *comma, *end;

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = 0;
	comma = strchr(tmp, ',');
	if (!comma || comma == tmp || !isxdigit((unsigned char)comma[1]))
		return false;
	*addr = strtoull(tmp, &end, 16);
	if (end != comma)
		return false;
	*len = strtoull(comma + 1, &end, 16);
	return *end == 0;
}

static const char nocpu_why[] =
	"kstub-fw --no-cpu: the target's CPUs do not answer; memory reads "
	"only (through the kernel page tables published at the last "
	"debugger entry); registers and execution control are unavailable\n";

static void hex_text(char *out, const char *s)
{
	for (; *s; s++) {
		*out++ = hexdigits[(uint8_t)*s >> 4];
		*out++ = hexdigits[(uint8_t)*s & 15];
	}
	*out = 0;
}

static bool starts(const uint8_t *p, size_t n, const char *w)
{
	size_t l = strlen(w);

	return n >= l && memcmp(p, w, l) == 0;
}

static void nocpu_packet(struct bridge *b, const uint8_t *p, size_t n)
{
	char buf[2 * sizeof(nocpu_why) + 8], tmp[64];
	uint64_t off, a, l;

	if (starts(p, n, "qSupported")) {
		to_gdb_str(b, "PacketSize=2000;QStartNoAckMode+");
	} else if (starts(p, n, "QStartNoAckMode")) {
		to_gdb_str(b, "OK");
		b->noack = true;
	} else if (n == 1 && p[0] == '?') {
		to_gdb_str(b, "S00");
	} else if (n == 1 && p[0] == 'g') {
		/*
		 * rax..r15 unavailable ('x'); rip 0, because gdb drops a
		 * connection whose first stop has no pc at all. The banner
		 * and "monitor" say why it reads 0.
		 */
		memset(buf, 'x', 2 * 8 * 16);
		memset(buf + 2 * 8 * 16, '0', 2 * 8);
		to_gdb(b, buf, 2 * 8 * 17);
	} else if (p[0] == 'm' || p[0] == 'x') {
		if (!parse_range(p + 1, n - 1, &a, &l))
			to_gdb_str(b, "E16");
		else if (p[0] == 'x' && l == 0)
			to_gdb_str(b, "OK");	/* lldb's probe: raw from now on */
		else
			read_reply(b, a, l, p[0] == 'x', false);
		b->x_raw = b->x_raw || (p[0] == 'x' && l == 0);
	} else if (starts(p, n, "qOffsets")) {
		off = fw_host_get64(&b->host, KSTUB_FW_OFF_LOAD_OFFSET);
		snprintf(tmp, sizeof(tmp), "Text=%llx;Data=%llx;Bss=%llx",
			 (unsigned long long)off, (unsigned long long)off,
			 (unsigned long long)off);
		to_gdb_str(b, tmp);
	} else if (starts(p, n, "qfThreadInfo")) {
		to_gdb_str(b, "m1");
	} else if (starts(p, n, "qsThreadInfo")) {
		to_gdb_str(b, "l");
	} else if (starts(p, n, "qC")) {
		to_gdb_str(b, "QC1");
	} else if (starts(p, n, "qAttached")) {
		to_gdb_str(b, "1");
	} else if (starts(p, n, "qRcmd")) {
		hex_text(buf, nocpu_why);
		to_gdb_str(b, buf);
	} else if (p[0] == 'H' || p[0] == 'T') {
		to_gdb_str(b, "OK");
	} else if (p[0] == 'D') {
		to_gdb_str(b, "OK");
		b->detached = true;
	} else if (p[0] == 'k') {
		b->detached = true;
	} else if (strchr("cCsSGPMXZzi", p[0]) || starts(p, n, "vCont;")) {
		/* Execution control and writes need the target's CPU. */
		fprintf(stderr, "kstub-fw --no-cpu: '%c': memory writes, "
			"breakpoints and execution control need the target's "
			"CPU, which does not answer\n", p[0]);
		to_gdb_str(b, "E01");
	} else {
		to_gdb(b, "", 0);
	}
}

/* ---- live mode: packets through the rings ---- */

#define PUT_WAIT_NS 5000000000ll

/*
 * Into the ring to the target, waiting while it is full: gdb sends one
 * request at a time, so a full ring means the stub stopped reading.
 */
static void put_waiting(struct bridge *b, const uint8_t *p, size_t n)
{
	struct timespec nap = { 0, BUSY_NAP_NS };
	long long give_up = now_ns() + PUT_WAIT_NS;

	while (fw_host_put(&b->host, KSTUB_FW_GDB_RX, p, (uint32_t)n) != 0) {
		if (now_ns() > give_up) {
			fprintf(stderr, "kstub-fw: the target takes no packets "
				"(a hung kernel? kstub-fw --no-cpu reads its "
				"memory); one dropped\n");
			return;
		}
		nanosleep(&nap, NULL);
	}
}

/*
 * A CPU of the target is in the debugger: memory stands still where the
 * stub would read it, and the published page tables are this entry's.
 */
static bool stopped(const struct bridge *b)
{
	return fw_host_get32(&b->host, KSTUB_FW_OFF_STATE) == KSTUB_FW_STATE_STOPPED;
}

/*
 * A packet from gdb. Memory reads of data (RAM, not executable) while
 * the target is stopped are answered from the file, at the host's
 * speed: what the stub would read, without the target CPU's time.
 */
static void deliver(struct bridge *b, const uint8_t *p, size_t n)
{
	uint64_t a, l;

	if (b->no_cpu) {
		nocpu_packet(b, p, n);
		return;
	}
	if (starts(p, n, "QStartNoAckMode"))
		b->noack_asked = true;
	if ((p[0] == 'm' || p[0] == 'x') && parse_range(p + 1, n - 1, &a, &l)) {
		/* lldb's probe: the stub answers OK and sends raw x from now on. */
		if (p[0] == 'x' && l == 0)
			b->x_raw = true;
		else if (b->direct && stopped(b) &&
			 read_reply(b, a, l, p[0] == 'x', true)) {
			/* Said once: gdb ends a pipe's kstub-fw by SIGTERM. */
			if (!b->direct_said)
				fprintf(stderr, "kstub-fw: data reads come straight "
					"from memory while the target is stopped "
					"(--via-stub: all through the stub)\n");
			b->direct_said = true;
			return;
		}
	}
	put_waiting(b, p, n);
	b->busy_until = now_ns() + BUSY_AFTER_NS;
}

/* A checksum digit's value (either case), or -1. */
static int hexval(uint8_t c)
{
	const char *at = c ? strchr(hexdigits, tolower(c)) : NULL;

	return at ? (int)(at - hexdigits) : -1;
}

/* Bytes from gdb: packets, acks, naks and ^C. */
static void from_gdb(struct bridge *b, const uint8_t *d, size_t n)
{
	static const uint8_t brk = KSTUB_LINK_BREAK;
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		uint8_t c = d[i];

		switch (b->state) {
		case 0:
			if (c == '$') {
				b->state = 1;
				b->len = 0;
				b->sum = 0;
			} else if (c == 0x03) {
				if (b->no_cpu)
					continue;
				put_waiting(b, &brk, 1);
				b->busy_until = now_ns() + BUSY_AFTER_NS;
			} else if (c == '-' && b->last_len) {
				write_all(b->out_fd, b->last, b->last_len);
			}
			break;
		case 1:
			if (c == '#') {
				b->state = 2;
			} else if (b->len < PKT_MAX) {
				b->pkt[b->len++] = c;
				b->sum = (uint8_t)(b->sum + c);
			} else {
				b->state = 0;	/* too long: gdb resends on '-' */
				if (!b->noack)
					write_all(b->out_fd, "-", 1);
			}
			break;
		case 2:
			v = hexval(c);
			b->want = (uint8_t)((v < 0 ? 0 : v) << 4);
			b->state = v < 0 ? 0 : 3;
			break;
		default:
			v = hexval(c);
			b->state = 0;
			if (v < 0 || (uint8_t)(b->want | v) != b->sum) {
				if (!b->noack)
					write_all(b->out_fd, "-", 1);
				break;
			}
			if (!b->noack)
				write_all(b->out_fd, "+", 1);
			deliver(b, b->pkt, b->len);
		}
	}
}

/* The stub's packets to gdb; the console to its terminal. */
static bool pump_target(struct bridge *b)
{
	static uint8_t buf[PKT_MAX];
	bool moved = false;
	size_t cn;
	long n;

	while ((n = fw_host_get(&b->host, KSTUB_FW_GDB_TX, buf, sizeof(buf))) != -1) {
		if (n < 0) {
			fprintf(stderr, "kstub-fw: a bad record in the gdb ring, skipped\n");
			continue;
		}
		to_gdb(b, buf, (size_t)n);
		/* gdb and the stub both stop acking after the stub's OK. */
		if (b->noack_asked && n == 2 && memcmp(buf, "OK", 2) == 0) {
			b->noack = true;
			b->noack_asked = false;
		}
		moved = true;
	}
	while ((cn = fw_host_read_bytes(&b->host, KSTUB_FW_CONS_TX, buf, sizeof(buf))) > 0) {
		if (b->console_fd >= 0)
			write_all(b->console_fd, buf, cn);
		moved = true;
	}
	if (moved)
		b->busy_until = now_ns() + BUSY_AFTER_NS;
	return moved;
}

/* Bytes typed on the console terminal (a pty): to the console ring. */
static void pump_console_in(struct bridge *b, int fd)
{
	uint8_t buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0)
		fw_host_write_bytes(&b->host, KSTUB_FW_CONS_RX, buf, (size_t)n);
}

/* One gdb connection, until it goes or detaches. Returns 0; 3: target gone. */
static int serve(struct bridge *b, int console_in)
{
	uint8_t buf[8192];
	struct pollfd pf[2];
	int nfds, timeout;
	ssize_t n;

	b->state = 0;
	b->noack = false;
	b->noack_asked = false;
	b->last_len = 0;
	b->detached = false;
	b->x_raw = false;
	/* Replies to a previous debugger would desynchronise this one. */
	if (!b->no_cpu)
		fw_host_discard(&b->host, KSTUB_FW_GDB_TX);
	while (!b->detached) {
		if (!b->no_cpu && !fw_host_alive(&b->host)) {
			fprintf(stderr, "kstub-fw: the control block changed (magic "
				"gone or a new generation): the target rebooted or "
				"dropped the link\n");
			return 3;
		}
		if (!b->no_cpu)
			pump_target(b);
		timeout = now_ns() < b->busy_until ? 0 : IDLE_POLL_MS;
		pf[0].fd = b->in_fd;
		pf[0].events = POLLIN;
		nfds = 1;
		if (console_in >= 0) {
			pf[1].fd = console_in;
			pf[1].events = POLLIN;
			nfds = 2;
		}
		if (poll(pf, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			return 1;
		if (nfds == 2 && (pf[1].revents & POLLIN))
			pump_console_in(b, console_in);
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(b->in_fd, buf, sizeof(buf));
			if (n <= 0)
				break;	/* the debugger hung up */
			from_gdb(b, buf, (size_t)n);
		} else if (timeout == 0) {
			struct timespec nap = { 0, BUSY_NAP_NS };

			nanosleep(&nap, NULL);
		}
	}
	if (!b->no_cpu)
		pump_target(b);
	return 0;
}

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: kstub-fw --mem FILE [--addr PHYS] [--listen PORT]\n"
		"                [--console pty|FILE] [--no-cpu] [--via-stub]\n"
		"  --mem FILE       the target's physical memory (offset = physical address)\n"
		"  --addr PHYS      the control block's address (default: scan for it)\n"
		"  --listen PORT    serve gdb/lldb on 127.0.0.1:PORT (0 picks one)\n"
		"                   (default: gdb on stdin/stdout: target remote | kstub-fw ...)\n"
		"  --console pty    the console on a new pty (its path is printed)\n"
		"  --console FILE   the console appended to FILE\n"
		"                   (default: stdout with --listen, else stderr)\n"
		"  --no-cpu         hung-kernel mode: memory reads through the published\n"
		"                   page tables; no registers, no execution control\n"
		"  --via-stub       every memory read through the stub (default: data\n"
		"                   reads while the target is stopped come from FILE)\n");
	exit(code);
}

static int open_console(const char *spec, bool listen_mode, int *console_in)
{
	int fd;

	*console_in = -1;
	if (!spec)
		return listen_mode ? 1 : 2;
	if (strcmp(spec, "pty") == 0) {
		fd = posix_openpt(O_RDWR | O_NOCTTY);
		if (fd < 0 || grantpt(fd) || unlockpt(fd))
			die(2, "--console pty: %s", strerror(errno));
		fprintf(stderr, "kstub-fw: console on %s\n", ptsname(fd));
		*console_in = fd;
		return fd;
	}
	fd = open(spec, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		die(2, "--console %s: %s", spec, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "addr", required_argument, NULL, 'a' },
		{ "listen", required_argument, NULL, 'l' },
		{ "console", required_argument, NULL, 'c' },
		{ "no-cpu", no_argument, NULL, 'n' },
		{ "via-stub", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct bridge b = { .direct = true };
	const char *mem_path = NULL, *console = NULL;
	long listen_port = -1;
	bool have_addr = false;
	uint64_t phys = 0;
	uint32_t version = 0;
	int opt, fd, console_in, rc = 0;
	struct stat st;
	void *map;
	char err[256], *end;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			mem_path = optarg;
			break;
		case 'a':
			phys = strtoull(optarg, &end, 0);
			if (*end)
				die(2, "--addr: '%s' is not a number", optarg);
			have_addr = true;
			break;
		case 'l':
			listen_port = strtol(optarg, &end, 10);
			if (*end || listen_port < 0 || listen_port > 65535)
				die(2, "--listen: '%s' is not a port", optarg);
			break;
		case 'c':
			console = optarg;
			break;
		case 'n':
			b.no_cpu = true;
			break;
		case 'v':
			b.direct = false;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (!mem_path || optind != argc)
		usage(2);
	signal(SIGPIPE, SIG_IGN);
	/* The busy poll's 20 us naps, not the default 50 us of slack each. */
	prctl(PR_SET_TIMERSLACK, 1000ul, 0, 0, 0);

	fd = open(mem_path, b.no_cpu ? O_RDONLY : O_RDWR);
	if (fd < 0)
		die(2, "%s: %s", mem_path, strerror(errno));
	if (fstat(fd, &st) || st.st_size < (off_t)KSTUB_FW_HEADER_SIZE)
		die(2, "%s: too small to hold target memory", mem_path);
	map = mmap(NULL, (size_t)st.st_size,
		   PROT_READ | (b.no_cpu ? 0 : PROT_WRITE), MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die(2, "%s: mmap: %s", mem_path, strerror(errno));
	close(fd);

	if (!have_addr) {
		switch (fw_host_find(map, (size_t)st.st_size, &phys, &version)) {
		case FW_HOST_NONE:
			die(3, "%s: no kstub control block found (%zu MiB scanned; "
			    "is the kernel's fw link on?)", mem_path,
			    (size_t)st.st_size >> 20);
			break;
		case FW_HOST_VERSION:
			die(3, "%s: control block at 0x%llx has version %u; this "
			    "kstub-fw speaks version %u", mem_path,
			    (unsigned long long)phys, version, KSTUB_FW_VERSION);
			break;
		case FW_HOST_FOUND:
			break;
		}
	}
	if (fw_host_attach(&b.host, map, (size_t)st.st_size, phys, err, sizeof(err)))
		die(3, "%s: %s", mem_path, err);
	if (have_addr && !fw_host_alive(&b.host))
		die(3, "%s: no kstub control block at 0x%llx", mem_path,
		    (unsigned long long)phys);
	fprintf(stderr, "kstub-fw: control block at 0x%llx%s\n",
		(unsigned long long)phys,
		b.no_cpu ? "; hung-kernel mode: memory reads only" : "");
	if (b.no_cpu && !fw_host_get64(&b.host, KSTUB_FW_OFF_PT_ROOT))
		fprintf(stderr, "kstub-fw: the target published no page tables: "
			"every memory read will fail\n");
	b.console_fd = open_console(console, listen_port >= 0, &console_in);

	if (listen_port < 0) {
		b.in_fd = 0;
		b.out_fd = 1;
		return serve(&b, console_in);
	}
	{
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sa);
		int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0), c;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((uint16_t)listen_port);
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(ls, 1) || getsockname(ls, (struct sockaddr *)&sa, &sl))
			die(2, "--listen %ld: %s", listen_port, strerror(errno));
		fprintf(stderr, "kstub-fw: gdb: target remote 127.0.0.1:%u\n",
			ntohs(sa.sin_port));
		while (rc == 0) {
			c = accept(ls, NULL, NULL);
			if (c < 0)
				continue;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			b.in_fd = b.out_fd = c;
			rc = serve(&b, console_in);
			close(c);
		}
	}
	return rc;
}
