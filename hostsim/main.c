/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub-sim: a userland machine that hosts the stub the way a kernel
 * does (see the hostsim section of README). Boot: the link, the stub, the kernel
 * threads, the CPUs; then the console: stdin lines go to the shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fw.h"
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
static bool uart_paced;
static uint8_t rx_buf[KSTUB_BUF_LEN_DEFAULT], tx_buf[KSTUB_BUF_LEN_DEFAULT];

/* The sanitizers must leave the machine's trap signals to it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
	       "handle_sigill=0:allow_user_segv_handler=1:detect_leaks=0:"
	       "use_sigaltstack=0";
}

/* Set by main(): what a reboot runs again. */
static char **boot_argv;
static long boot_count;	/* 0 at power-on */

/* The machine's last words, before it ends or reboots. */
static void sim_report(void)
{
	struct hs_uart_stats st;

	sim_udp_report();
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
	fflush(stdout);
}

void sim_exit(int status)
{
	sim_report();
	if (sim_pty_link)
		unlink(sim_pty_link);
	_exit(status);
}

/*
 * The machine starts over in this process: exec of this binary with the
 * same options, so --wait, --run and the rest act as at power-on. The
 * far end stays where the debugger knows it: a tcp port picked at boot
 * (port 0) is bound again by number (the listener has SO_REUSEADDR, so
 * the connection that just closed does not block it), and the pty's
 * symlink is left for the new machine to point at its new pty. Both go
 * in the environment, not argv: argv stays what the user typed.
 */
#define REBOOT_ENV_COUNT "KSTUB_SIM_REBOOT_COUNT"
#define REBOOT_ENV_SERIAL "KSTUB_SIM_REBOOT_SERIAL"

void sim_reboot(void)
{
	char spec[300], count[24];
	sigset_t all;

	fprintf(stderr, "kstub-sim: rebooting\n");
	sim_report();
	/* --udp names its endpoint in argv: nothing to carry over. */
	snprintf(spec, sizeof(spec), "%s%s", sim_pty_link ? "" : "tcp:",
		 uart ? hs_uart_where(uart) : "");
	snprintf(count, sizeof(count), "%ld", boot_count + 1);
	/*
	 * Nothing runs a handler from here on: exec keeps this thread's
	 * mask and pending signals, and main() opens what it needs.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (setenv(REBOOT_ENV_COUNT, count, 1) == 0 &&
	    (!uart || setenv(REBOOT_ENV_SERIAL, spec, 1) == 0))
		execv("/proc/self/exe", boot_argv);
	fprintf(stderr, "kstub-sim: reboot: %s\n", strerror(errno));
	sim_exit(1);
}

static void stdout_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/*
 * With --console-to-gdb, the text goes to gdb while it waits for the
 * kernel. The stub is busy for a moment at times (a timer tick polling
 * the link, CPUs on their way out of a session): wait that out, for a
 * bounded time, rather than print on the wrong terminal. A CPU the stub
 * wants parked takes the IPI during the nap and parks.
 */
#define CONSOLE_BUSY_NAP_NS 100000
#define CONSOLE_BUSY_TRIES 5000	/* half a second */

void sim_console_out(const char *s, size_t n)
{
	struct timespec nap = { 0, CONSOLE_BUSY_NAP_NS };
	int tries, err;

	sim_fw_console(s, n);
	for (tries = 0; sim_console_to_gdb; tries++) {
		err = kstub_console_write(&sim_ks, s, n);
		if (err == 0)
			return;
		if (err != KSTUB_EBUSY || tries == CONSOLE_BUSY_TRIES)
			break;
		nanosleep(&nap, NULL);
	}
	stdout_write(s, n);
}

void sim_halt(void)
{
	fprintf(stderr, "kstub-sim: halted\n");
	sim_exit(0);
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

static const char usage_text[] =
	"usage: kstub-sim [--cpus N] [--kthreads N] [--serial PATH|tcp:HOST:PORT]\n"
	"                 [--baud N] [--baud-limit] [--wait] [--run \"CMD; CMD\"]\n"
	"                 [--console-to-gdb] [--fw FILE]"
	" [--idle-timeout MS] [--resume-on-hangup]\n"
	"                 [--link-faults [dir=to-kernel|from-kernel|both,]"
	"corrupt=P,drop=P,dup=P,seed=N]\n"
	"                 [--udp IFACE,ip=A.B.C.D,port=N[,peer=IP[:PORT]]"
	"[,gw=IP][,mac=MAC][,ring=N]]\n"
	"                 [--udp-key FILE] [--nic-faults [dir=...,]drop=P,"
	"dup=P,reorder=P,corrupt=P,seed=N]\n";

/*
 * One line per option the parser in main() accepts: e2e's
 * options_refused_with_reason checks the two against each other.
 */
static const char options_text[] =
	"  --cpus N            CPUs (1-64, default 2): threads idle/0 .. idle/N-1\n"
	"  --kthreads N        N more kernel threads (0-10000, default 0), asleep for\n"
	"                      good in bio_wait, soreceive_wait, vm_fault_wait or\n"
	"                      vm_pageout_scan; the console says \"kthreads: N asleep\"\n"
	"  --serial PATH       the debug UART's far end: a pty with a symlink at PATH,\n"
	"  --serial tcp:H:P    or a tcp listener (port 0-65535, 0 picks one; the\n"
	"                      default); stderr says where (\"kstub-sim: gdb: target\n"
	"                      remote ...\"); monitor reboot comes back on the same one\n"
	"  --baud N            the rate the kernel programs (a divisor of 115200)\n"
	"  --baud-limit        move bytes at that rate, 8N1, as a real cable does\n"
	"  --wait              stop in the debugger at boot, before any kernel thread\n"
	"  --run \"CMD; CMD\"    console commands to run at boot\n"
	"  --console-to-gdb    kernel output goes to gdb (O packets) while it waits\n"
	"  --idle-timeout MS   a debugger silent for MS (0-4294967295; 0, the default:\n"
	"                      never) while the kernel is stopped counts as gone\n"
	"  --resume-on-hangup  a debugger that disappears lets the kernel run on\n"
	"                      (default: the kernel waits, stopped, for the next one)\n"
	"  --link-faults ...   corrupt, drop and double bytes on the cable\n"
	"  --udp IFACE,...     the debug link is UDP, not the serial line: a\n"
	"                      modelled NIC on interface IFACE (libpcap; root),\n"
	"                      the stub's own IPv4 address ip= and port=, and\n"
	"                      optionally the only peer= allowed (else the first\n"
	"                      one heard, until it detaches), a gateway gw=, the\n"
	"                      NIC's mac= (default 02:6b and the IP) and its\n"
	"                      RX ring= slots (1-4096, default 64). Plain mode:\n"
	"                      gdb -ex 'target remote udp:IP:PORT'. It is NOT\n"
	"                      authenticated: whoever can send from the peer's\n"
	"                      address can debug the kernel; use it only on a\n"
	"                      private link, or add --udp-key\n"
	"  --udp-key FILE      the UDP link's authenticated mode, under the key in\n"
	"                      FILE (kstub-udp's format: 32 raw bytes or 64 hex\n"
	"                      digits, mode 0600); gdb: target remote | kstub-udp\n"
	"                      --key FILE IP:PORT; monitor stats counts refusals\n"
	"  --nic-faults ...    drop, double, corrupt and reorder the NIC's frames\n"
	"                      (probabilities 0-1, seed=N), both ways unless dir=\n"
	"  --fw FILE           debug link: DMA rings in FILE, the machine's memory\n"
	"                      (kstub-fw --mem FILE); the console goes there too\n"
	"  --help              this, on stdout\n";

static __attribute__((noreturn)) void usage(int status)
{
	if (status) {
		fprintf(stderr, "%sTry kstub-sim --help.\n", usage_text);
	} else {
		fputs(usage_text, stdout);
		fputs(options_text, stdout);
		fputs("See the hostsim section of README.\n", stdout);
	}
	exit(status);
}

/*
 * A whole decimal number in [min, max], or exit 2 naming the option,
 * the value and the range: atoi took "2abc" as 2 and "-5" as 4294967291.
 */
long sim_opt_number(const char *opt, const char *val, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	/* strtol also skips leading blanks and takes a '+': not here. */
	if ((*val != '-' && (*val < '0' || *val > '9')) || end == val ||
	    *end || errno || v < min || v > max) {
		fprintf(stderr, "kstub-sim: %s: '%s' is not a whole number "
			"from %ld to %ld\n", opt, val, min, max);
		exit(2);
	}
	return v;
}

/* getaddrinfo takes "99999" and wraps it to 34463: check it first. */
static void check_tcp_port(const char *spec)
{
	const char *colon = strrchr(spec, ':');

	if (colon && colon > spec + 3)
		sim_opt_number("--serial port", colon + 1, 0, 65535);
}

/*
 * --link-faults [dir=to-kernel|from-kernel|both,]corrupt=P,drop=P,dup=P,seed=N
 * Both directions by default, alike but not with the same faults. May be
 * given once per direction. Says what is wrong before usage() lists it.
 */
static int link_faults(struct hs_uart_config *ucfg, const char *spec)
{
	struct hs_linkfault_cfg lf;
	bool rx, tx;

	if (hs_linkfault_parse_dir(&spec, &rx, &tx)) {
		fprintf(stderr, "kstub-sim: --link-faults: direction '%.*s' "
			"is not to-kernel, from-kernel or both\n",
			(int)strcspn(spec, ","), spec);
		return -1;
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

int sim_uart_describe(char *buf, size_t len)
{
	struct hs_uart_stats st;
	int n;

	if (!uart)
		return snprintf(buf, len, "uart: none: the debug link is "
				"UDP (monitor nic)\n");
	hs_uart_get_stats(uart, &st);
	n = snprintf(buf, len, "uart: %u baud%s, %llu bytes to the kernel, "
		     "%llu from it\n", serial.baud,
		     uart_paced ? " (paced)" : "",
		     (unsigned long long)st.rx_bytes,
		     (unsigned long long)st.tx_bytes);
	return n < 0 ? 0 : n >= (int)len ? (int)len - 1 : n;
}

static void uart_irq(void *arg)
{
	(void)arg;
	pthread_kill(sim_cpus[0].thread, SIG_IRQ);
}

/*
 * The UART raises its interrupt on CPU 0, so the line is connected only
 * once CPU 0's thread exists (cpu_main calls this): a debugger's byte
 * that arrives during boot must not signal a thread not yet created.
 * Until then the stub polls the link itself (--wait) or the first tick
 * finds the bytes.
 */
void sim_attach_irq(void)
{
	/* The NIC has no interrupt line: the timer tick polls it. */
	if (uart)
		hs_uart_set_irq(uart, uart_irq, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "kthreads", required_argument, NULL, 'k' },
		{ "serial", required_argument, NULL, 's' },
		{ "baud-limit", no_argument, NULL, 'b' },
		{ "wait", no_argument, NULL, 'w' },
		{ "run", required_argument, NULL, 'r' },
		{ "console-to-gdb", no_argument, NULL, 'g' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "resume-on-hangup", no_argument, NULL, 'h' },
		{ "link-faults", required_argument, NULL, 'f' },
		{ "fw", required_argument, NULL, 'F' },
		{ "baud", required_argument, NULL, 'B' },
		{ "udp", required_argument, NULL, 'u' },
		{ "nic-faults", required_argument, NULL, 'n' },
		{ "udp-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, '?' + 256 },
		{ NULL, 0, NULL, 0 },
	};
	struct hs_uart_config ucfg = { .spec = "tcp:127.0.0.1:0" };
	struct kstub_config cfg = { 0 };
	struct kstub_uart_io io;
	const char *run = NULL, *where, *fw_path = NULL;
	bool wait = false;
	int ncpus = 2, opt, err;
	unsigned kthreads = 0;
	unsigned long baud = 115200;
	char msg[256], line[SIM_CONS_LINE_MAX];
	sigset_t stop;
	pthread_t stopper;
	const char *reboot;
	const char *serial_only = NULL, *nic_only = NULL;

	/*
	 * After a reboot this thread has every signal blocked (see
	 * sim_reboot). The machine's own stay blocked here for good: the CPU
	 * threads open them, and one left pending by the exec is harmless.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIG_TIMER);
	sigaddset(&stop, SIG_IRQ);
	sigaddset(&stop, SIG_IPI);
	pthread_sigmask(SIG_SETMASK, &stop, NULL);
	boot_argv = argv;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ncpus = (int)sim_opt_number("--cpus", optarg, 1,
						SIM_CPUS_MAX);
			break;
		case 'k':
			kthreads = (unsigned)sim_opt_number(
				"--kthreads", optarg, 0, SIM_KTHREADS_CROWD_MAX);
			break;
		case 's':
			serial_only = "--serial";
			ucfg.spec = optarg;
			if (strncmp(optarg, "tcp:", 4) == 0)
				check_tcp_port(optarg);
			break;
		case 'b':
			/* A 1.8432 MHz clock: 115200 at divisor 1. */
			ucfg.pace_baud = KSTUB_UART_CLOCK_BAUD;
			serial_only = "--baud-limit";
			break;
		case 'B':
			baud = (unsigned long)sim_opt_number(
				"--baud", optarg, 1, KSTUB_UART_CLOCK_BAUD);
			if (KSTUB_UART_CLOCK_BAUD % baud != 0) {
				fprintf(stderr, "kstub-sim: --baud: '%s' does "
					"not divide %u\n", optarg,
					KSTUB_UART_CLOCK_BAUD);
				exit(2);
			}
			break;
		case '?' + 256:
			usage(0);
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
			cfg.idle_timeout_ms = (uint32_t)sim_opt_number(
				"--idle-timeout", optarg, 0, UINT32_MAX);
			break;
		case 'h':
			cfg.flags |= KSTUB_CFG_RESUME_ON_HANGUP;
			break;
		case 'f':
			if (link_faults(&ucfg, optarg))
				usage(2);
			serial_only = "--link-faults";
			break;
		case 'u':
			sim_udp_parse(optarg);
			break;
		case 'n':
			sim_nic_faults(optarg);
			nic_only = "--nic-faults";
			break;
		case 'K':
			sim_udp_key(optarg);
			nic_only = "--udp-key";
			break;
		case 'F':
			fw_path = optarg;
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kstub-sim: unexpected argument '%s'\n",
			argv[optind]);
		usage(2);
	}

	if (sim_udp_enabled() && serial_only) {
		fprintf(stderr, "kstub-sim: %s is for the serial line; --udp "
			"makes the link UDP\n", serial_only);
		usage(2);
	}
	if (!sim_udp_enabled() && nic_only) {
		fprintf(stderr, "kstub-sim: %s needs --udp (the NIC)\n",
			nic_only);
		usage(2);
	}

	reboot = getenv(REBOOT_ENV_COUNT);
	if (reboot) {
		boot_count = sim_opt_number(REBOOT_ENV_COUNT, reboot, 1,
					LONG_MAX - 1);
		ucfg.spec = getenv(REBOOT_ENV_SERIAL);
		if (!ucfg.spec && !sim_udp_enabled()) {
			fprintf(stderr, "kstub-sim: %s without %s\n",
				REBOOT_ENV_COUNT, REBOOT_ENV_SERIAL);
			return 2;
		}
	}

	/* SIGTERM/SIGINT end the machine cleanly, from one thread. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	pthread_create(&stopper, NULL, stop_thread, &stop);

	cfg.port = &sim_port_ops;
	cfg.rx_buf = rx_buf;
	cfg.tx_buf = tx_buf;
	cfg.buf_len = sizeof(rx_buf);
	cfg.ncpus = (uint32_t)ncpus;
	cfg.monitor = sim_monitor;
	cfg.monitor_count = sim_monitor_count;
	uart_paced = ucfg.pace_baud != 0;
	if (sim_udp_enabled()) {
		if (sim_udp_open(&cfg))
			return 2;
	} else {
		if (hs_uart_open_cfg(&uart, &ucfg, msg, sizeof(msg))) {
			/* The model's message names the call, not the path. */
			fprintf(stderr, "kstub-sim: --serial %s: %s\n",
				ucfg.spec, msg);
			return 2;
		}
		if (strncmp(ucfg.spec, "tcp:", 4) != 0)
			sim_pty_link = ucfg.spec;
		io.in = hs_uart_in;
		io.out = hs_uart_out;
		io.ctx = uart;
		err = kstub_serial_init(&serial, &io, (uint32_t)baud,
					KSTUB_SERIAL_CARRIER);
		if (err) {
			fprintf(stderr, "kstub-sim: serial setup failed (%d)\n",
				err);
			return 2;
		}
		cfg.link = link_ops();
		cfg.link_ctx = &serial;
	}
	if (fw_path && sim_udp_enabled()) {
		fprintf(stderr, "kstub-sim: --fw and --udp are two debug links; "
			"choose one\n");
		return 2;
	}
	if (fw_path && sim_fw_link(fw_path, &cfg))
		return 2;
	if ((err = kstub_init(&sim_ks, &cfg)) != 0) {
		fprintf(stderr, "kstub-sim: stub setup failed (%d)\n", err);
		return 2;
	}
	if (uart) {
		where = hs_uart_where(uart);
		fprintf(stderr, "kstub-sim: gdb: target remote %s%s\n",
			sim_pty_link ? "" : "tcp:", where);
	}
	if (fw_path)
		fprintf(stderr, "kstub-sim: fw: kstub-fw --mem %s\n", fw_path);

	cpu_install_handlers();
	sim_mem_init();
	workload_init();
	kthread_create("sh", sh_main, NULL);
	if (kthreads && workload_kthreads(kthreads)) {
		fprintf(stderr, "kstub-sim: no room for %u kthreads\n", kthreads);
		return 2;
	}
	if (run) {
		char *copy = strdup(run), *save = NULL, *cmd;

		for (cmd = strtok_r(copy, ";", &save); cmd;
		     cmd = strtok_r(NULL, ";", &save))
			cons_push(cmd);
		free(copy);
	}
	if (boot_count)
		fprintf(stderr, "kstub-sim: booted, %d cpus (reboot %ld)\n",
			ncpus, boot_count);
	else
		fprintf(stderr, "kstub-sim: booted, %d cpus\n", ncpus);
	cpu_start_all(ncpus, wait);

	/* The console: this thread is the terminal's keyboard. */
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		cons_push(line);
	}
	for (;;)
		pause();
}
