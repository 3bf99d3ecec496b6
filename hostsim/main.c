/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub-sim: a userland machine that hosts the stub the way a kernel
 * does (see hostsim/README). Boot: the link, the stub, the kernel
 * threads, the CPUs; then the console: stdin lines go to the shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kstub_serial.h"
#include "sim.h"
#include "uart.h"
#include "../workload/kern.h"
#include "../workload/workload.h"

struct kstub sim_ks;
bool sim_console_to_gdb;
const char *sim_pty_link;

static struct hs_uart *uart;
static struct kstub_serial serial;
static uint8_t rx_buf[KSTUB_BUF_LEN_DEFAULT], tx_buf[KSTUB_BUF_LEN_DEFAULT];

/* Console input: lines from stdin and --run, for the shell thread. */
#define CONS_LINES 64
#define CONS_LINE_MAX 128
static char cons[CONS_LINES][CONS_LINE_MAX];
static uint32_t cons_head, cons_tail;
static int cons_chan;

/* The sanitizers must leave the machine's trap signals to it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
	       "handle_sigill=0:allow_user_segv_handler=1:detect_leaks=0:"
	       "use_sigaltstack=0";
}

void sim_exit(int status)
{
	struct hs_uart_stats st;

	if (uart) {
		hs_uart_get_stats(uart, &st);
		if (st.rx_faults || st.tx_faults)
			fprintf(stderr, "kstub-sim: link faults: %llu of %llu "
				"bytes to the kernel, %llu of %llu from it\n",
				(unsigned long long)st.rx_faults,
				(unsigned long long)st.rx_bytes,
				(unsigned long long)st.tx_faults,
				(unsigned long long)st.tx_bytes);
	}
	if (sim_pty_link)
		unlink(sim_pty_link);
	fflush(stdout);
	_exit(status);
}

void sim_console_out(const char *s, size_t n)
{
	if (sim_console_to_gdb && kstub_console_write(&sim_ks, s, n) == 0)
		return;
	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sim_console_out(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void kdb_enter(const char *why)
{
	kprintf("kdb_enter: %s\n", why);
	kstub_breakpoint();
}

void machine_halt(void)
{
	fprintf(stderr, "kstub-sim: halted\n");
	sim_exit(0);
}

static void cons_push(const char *line)
{
	uint32_t h = __atomic_load_n(&cons_head, __ATOMIC_ACQUIRE);

	if (h - __atomic_load_n(&cons_tail, __ATOMIC_ACQUIRE) >= CONS_LINES)
		return;	/* a full tty drops input, as a real one does */
	snprintf(cons[h % CONS_LINES], CONS_LINE_MAX, "%s", line);
	__atomic_store_n(&cons_head, h + 1, __ATOMIC_RELEASE);
	wakeup(&cons_chan);
}

static void sh_main(void *arg)
{
	char line[CONS_LINE_MAX];
	uint32_t t;

	(void)arg;
	for (;;) {
		t = __atomic_load_n(&cons_tail, __ATOMIC_ACQUIRE);
		if (t == __atomic_load_n(&cons_head, __ATOMIC_ACQUIRE)) {
			tsleep(&cons_chan, "ttyin");
			continue;
		}
		memcpy(line, cons[t % CONS_LINES], sizeof(line));
		__atomic_store_n(&cons_tail, t + 1, __ATOMIC_RELEASE);
		shell_exec(line);
	}
}

static void *stop_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	sigwait(set, &sig);
	sim_exit(0);
}

/*
 * KSTUB_SIM_TRACE=FILE: every byte the stub reads or writes, for
 * debugging the machine (a transport that wraps the serial one).
 */
static int trace_fd = -1;

static int trace_recv(void *ctx)
{
	int c = kstub_serial_ops.recv_byte(ctx);
	char b;

	if (c >= 0) {
		b = (char)c;
		if (write(trace_fd, &b, 1) < 0)
			trace_fd = -1;
	}
	return c;
}

static int trace_send(void *ctx, const uint8_t *buf, size_t len)
{
	if (write(trace_fd, "\n>>", 3) < 0 || write(trace_fd, buf, len) < 0 ||
	    write(trace_fd, "\n", 1) < 0)
		trace_fd = -1;
	return kstub_serial_ops.send(ctx, buf, len);
}

static struct kstub_transport_ops trace_ops;

static const struct kstub_transport_ops *link_ops(void)
{
	const char *path = getenv("KSTUB_SIM_TRACE");

	if (!path)
		return &kstub_serial_ops;
	trace_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	trace_ops = kstub_serial_ops;
	trace_ops.recv_byte = trace_recv;
	trace_ops.send = trace_send;
	return trace_fd < 0 ? &kstub_serial_ops : &trace_ops;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kstub-sim [--cpus N] [--serial PATH|tcp:HOST:PORT] "
		"[--baud-limit] [--wait]\n"
		"                 [--run \"CMD; CMD\"] [--console-to-gdb] "
		"[--idle-timeout MS] [--resume-on-hangup]\n"
		"                 [--link-faults [dir=to-kernel|from-kernel|both,]"
		"corrupt=P,drop=P,dup=P,seed=N]\n");
	exit(2);
}

/*
 * --link-faults [dir=to-kernel|from-kernel|both,]corrupt=P,drop=P,dup=P,seed=N
 * Both directions by default, alike but not with the same faults. May be
 * given once per direction. Says what is wrong before usage() lists it.
 */
static int link_faults(struct hs_uart_config *ucfg, const char *spec)
{
	static const char *const dirs[] = { "to-kernel", "from-kernel",
					    "both" };
	struct hs_linkfault_cfg lf;
	bool rx = true, tx = true;

	if (strncmp(spec, "dir=", 4) == 0) {
		size_t n = strcspn(spec + 4, ",");
		unsigned d;

		for (d = 0; d < 3; d++)
			if (strlen(dirs[d]) == n &&
			    !strncmp(spec + 4, dirs[d], n))
				break;
		if (d == 3) {
			fprintf(stderr, "kstub-sim: --link-faults: "
				"direction '%.*s' is not to-kernel, "
				"from-kernel or both\n", (int)n, spec + 4);
			return -1;
		}
		rx = d != 1;
		tx = d != 0;
		spec += 4 + n + (spec[4 + n] == ',');
	}
	if (hs_linkfault_parse(&lf, spec)) {
		fprintf(stderr, "kstub-sim: --link-faults: cannot parse "
			"'%s' (corrupt=P,drop=P,dup=P,seed=N; P 0 to 1)\n",
			spec);
		return -1;
	}
	if (lf.reorder_ppm) {
		fprintf(stderr, "kstub-sim: --link-faults: a UART carries "
			"bytes, not frames: reorder= does not apply\n");
		return -1;
	}
	if (rx)
		ucfg->rx_fault = lf;
	if (tx) {
		ucfg->tx_fault = lf;
		ucfg->tx_fault.seed = lf.seed * 2 + 1;
	}
	return 0;
}

static void uart_irq(void *arg)
{
	(void)arg;
	pthread_kill(sim_cpus[0].thread, SIG_IRQ);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "serial", required_argument, NULL, 's' },
		{ "baud-limit", no_argument, NULL, 'b' },
		{ "wait", no_argument, NULL, 'w' },
		{ "run", required_argument, NULL, 'r' },
		{ "console-to-gdb", no_argument, NULL, 'g' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "resume-on-hangup", no_argument, NULL, 'h' },
		{ "link-faults", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct hs_uart_config ucfg = { .spec = "tcp:127.0.0.1:0" };
	struct kstub_config cfg = { 0 };
	struct kstub_uart_io io;
	const char *run = NULL, *where;
	bool wait = false;
	int ncpus = 2, opt, err;
	char msg[256], line[CONS_LINE_MAX];
	sigset_t stop;
	pthread_t stopper;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ncpus = atoi(optarg);
			if (ncpus < 1 || ncpus > SIM_CPUS_MAX)
				usage();
			break;
		case 's':
			ucfg.spec = optarg;
			break;
		case 'b':
			ucfg.pace_baud = 115200;
			break;
		case 'w':
			wait = true;
			break;
		case 'r':
			run = optarg;
			break;
		case 'g':
			sim_console_to_gdb = true;
			break;
		case 'i':
			cfg.idle_timeout_ms = (uint32_t)atoi(optarg);
			break;
		case 'h':
			cfg.flags |= KSTUB_CFG_RESUME_ON_HANGUP;
			break;
		case 'f':
			if (link_faults(&ucfg, optarg))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* SIGTERM/SIGINT end the machine cleanly, from one thread. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	pthread_create(&stopper, NULL, stop_thread, &stop);

	if (hs_uart_open_cfg(&uart, &ucfg, msg, sizeof(msg))) {
		fprintf(stderr, "kstub-sim: %s\n", msg);
		return 2;
	}
	if (strncmp(ucfg.spec, "tcp:", 4) != 0)
		sim_pty_link = ucfg.spec;
	io.in = hs_uart_in;
	io.out = hs_uart_out;
	io.ctx = uart;
	err = kstub_serial_init(&serial, &io, 115200, KSTUB_SERIAL_CARRIER);
	cfg.link = link_ops();
	cfg.link_ctx = &serial;
	cfg.port = &sim_port_ops;
	cfg.rx_buf = rx_buf;
	cfg.tx_buf = tx_buf;
	cfg.buf_len = sizeof(rx_buf);
	cfg.ncpus = (uint32_t)ncpus;
	cfg.monitor = sim_monitor;
	cfg.monitor_count = sim_monitor_count;
	if (err || (err = kstub_init(&sim_ks, &cfg)) != 0) {
		fprintf(stderr, "kstub-sim: stub setup failed (%d)\n", err);
		return 2;
	}
	where = hs_uart_where(uart);
	fprintf(stderr, "kstub-sim: gdb: target remote %s%s\n",
		sim_pty_link ? "" : "tcp:", where);

	cpu_install_handlers();
	workload_init();
	kthread_create("sh", sh_main, NULL);
	if (run) {
		char *copy = strdup(run), *save = NULL, *cmd;

		for (cmd = strtok_r(copy, ";", &save); cmd;
		     cmd = strtok_r(NULL, ";", &save))
			cons_push(cmd);
		free(copy);
	}
	fprintf(stderr, "kstub-sim: booted, %d cpus\n", ncpus);
	hs_uart_set_irq(uart, uart_irq, NULL);
	cpu_start_all(ncpus, wait);

	/* The console: this thread is the terminal's keyboard. */
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		cons_push(line);
	}
	for (;;)
		pause();
}
