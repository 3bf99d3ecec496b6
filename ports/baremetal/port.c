/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub's port hooks for this kernel, its link, and its monitor
 * commands: the part of the port a kernel developer writes (see
 * README.md). Every hook runs in trap context on the CPU that owns the
 * session, with the other CPUs parked; none takes a kernel lock.
 */
#include "fw.h"
#include "kstub_serial.h"
#include "kstub_udp_hmac.h"
#include "kstub_udp_link.h"
#include "machine.h"
#include "workload.h"

#define COM1 0x3f8
#define COM2 0x2f8

struct kstub kstub_state;
static struct kstub_serial serial;
static struct kstub_udp_link udp;
static struct e1000 *udp_nic;	/* non-NULL: the debugger is on UDP */
static bool udp_plain;		/* ... in plain mode (no kstub.key) */
static struct kstub_config udp_kcfg; /* the link kstub_udp_link_setup chose */
static uint8_t rx_buf[KSTUB_BUF_LEN_DEFAULT], tx_buf[KSTUB_BUF_LEN_DEFAULT];

static uint8_t uart_in(void *ctx, unsigned reg)
{
	return inb((uint16_t)((uintptr_t)ctx + reg));
}

static void uart_out(void *ctx, unsigned reg, uint8_t v)
{
	outb((uint16_t)((uintptr_t)ctx + reg), v);
}

static long mem_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	(void)ctx;
	if (!mmu_mapped_ram(addr, len))
		return KSTUB_EFAULT;
	return copy_nofault(dst, (const void *)(uintptr_t)addr, len);
}

static long mem_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	(void)ctx;
	if (!mmu_mapped_ram(addr, len))
		return KSTUB_EFAULT;
	return copy_nofault((void *)(uintptr_t)addr, src, len);
}

/* Text goes through the poke window; a breakpoint in writable memory
 * (code copied to data, say) is an ordinary store. */
static int text_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	int err = mmu_text_poke(addr, src, len);

	if (err == KSTUB_EFAULT && mem_write(ctx, addr, src, len) == (long)len)
		return 0;
	return err;
}

static int cpus_stop(void *ctx, uint32_t self)
{
	(void)ctx;
	(void)self;
	lapic_send_nmi_others();
	return 0;
}

static int thread_next(void *ctx, uint64_t after, uint64_t *tid)
{
	(void)ctx;
	if (after >= kthread_count())
		return KSTUB_ENOENT;
	*tid = after + 1;
	return 0;
}

static int thread_info(void *ctx, uint64_t tid, struct kstub_thread_info *o)
{
	struct kthread *t = kthread_by_tid(tid);
	const char *wmesg;
	uint32_t cpu;

	(void)ctx;
	if (!t)
		return KSTUB_ESRCH;
	snprintf(o->name, sizeof(o->name), "%s", t->name);
	wmesg = t->wmesg;
	if (t->state == KT_SLEEPING && wmesg)
		snprintf(o->state, sizeof(o->state), "sleeping on %s", wmesg);
	else
		snprintf(o->state, sizeof(o->state), "%s",
			 t->state == KT_RUNNABLE ? "runnable" : "running");
	o->cpu = kthread_on_cpu(t, &cpu) ? cpu : KSTUB_CPU_NONE;
	return 0;
}

static int thread_regs(void *ctx, uint64_t tid, struct kstub_frame *out)
{
	struct kthread *t = kthread_by_tid(tid);

	(void)ctx;
	return t ? kthread_saved_regs(t, out) : KSTUB_ESRCH;
}

static int cpu_thread(void *ctx, uint32_t cpu, uint64_t *tid)
{
	(void)ctx;
	if (cpu >= ncpus || !pcpus[cpu].cur)
		return KSTUB_ESRCH;
	*tid = pcpus[cpu].cur->tid;
	return 0;
}

static uint64_t now_us(void *ctx)
{
	(void)ctx;
	return clock_now_us();
}

/*
 * kernel.ld.S gathers the code that runs inside a debugger entry (trap
 * glue, these hooks and what they call, libkstub.a) between two
 * symbols; the stub refuses breakpoints there.
 */
extern const char kern_nodebug_start[], kern_nodebug_end[];

static bool debugger_text(void *ctx, uint64_t addr, size_t len)
{
	(void)ctx;
	return addr < (uint64_t)(uintptr_t)kern_nodebug_end &&
	       addr + len > (uint64_t)(uintptr_t)kern_nodebug_start;
}

/* The keyboard controller's reset line; QEMU's -no-reboot then exits. */
static void reboot(void *ctx)
{
	(void)ctx;
	outb(0x64, 0xfe);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* dprintf output (console.c says why it takes no lock). */
static void console_hook(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	console_write_trap(s, len);
}

static const struct kstub_port_ops bm_port_ops = {
	.mem_read = mem_read,
	.mem_write = mem_write,
	.text_write = text_write,
	.cpus_stop = cpus_stop,
	.thread_next = thread_next,
	.thread_info = thread_info,
	.thread_regs = thread_regs,
	.cpu_thread = cpu_thread,
	.now_us = now_us,
	.reboot = reboot,
	.dr_get = kstub_x86_dr_native_get,
	.dr_set = kstub_x86_dr_native_set,
	.debugger_text = debugger_text,
	.console_write = console_hook,
};

static int mon_ps(struct kstub *ks, void *ctx, const char *args, size_t len)
{
	struct kstub_thread_info info;
	char line[96];
	uint64_t tid;
	int n;

	(void)args;
	(void)len;
	for (tid = 1; thread_info(ctx, tid, &info) == 0; tid++) {
		n = snprintf(line, sizeof(line), "%3lu %-12s %s\n",
			     (unsigned long)tid, info.name, info.state);
		kstub_monitor_write(ks, line, (size_t)n);
	}
	return 0;
}

static int mon_ticks(struct kstub *ks, void *ctx, const char *args,
		     size_t len)
{
	char line[48];
	int n = snprintf(line, sizeof(line), "ticks = %lu\n", ticks);

	(void)ctx;
	(void)args;
	(void)len;
	return kstub_monitor_write(ks, line, (size_t)n);
}

static int mon_console(struct kstub *ks, void *ctx, const char *args,
		       size_t len)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "console: %lu dropped\n",
			 console_drops);

	(void)ctx;
	(void)args;
	(void)len;
	return kstub_monitor_write(ks, line, (size_t)n);
}

static int mon_panic_proceed(struct kstub *ks, void *ctx,
			     const char *args, size_t len)
{
	size_t n;
	const char *reply = panic_let_proceed(&n);

	(void)ctx;
	(void)args;
	(void)len;
	return kstub_monitor_write(ks, reply, n);
}

static int mon_net(struct kstub *ks, void *ctx, const char *args, size_t len)
{
	static const char serial_only[] = "net: the debugger is on serial\n";
	const struct kstub_udp_net_stats *s = &udp.net.stats;
	const struct e1000_stats *e;
	char line[160];
	int n;

	(void)ctx;
	(void)args;
	(void)len;
	if (!udp_nic)
		return kstub_monitor_write(ks, serial_only,
					   sizeof(serial_only) - 1);
	e = e1000_stats(udp_nic);
	n = snprintf(line, sizeof(line), "e1000: rx %lu, rx bad %lu, "
		     "rx missed %lu, tx bad length %lu, tx timeouts %lu\n",
		     e->rx_frames, e->rx_bad, e->rx_missed, e->tx_bad_len,
		     e->tx_timeouts);
	kstub_monitor_write(ks, line, (size_t)n);
	n = snprintf(line, sizeof(line), "udp: rx %u, delivered %u, tx %u, "
		     "arp replied %u, ping %u, not from the peer %u\n",
		     s->rx_frames, s->rx_delivered, s->tx_frames,
		     s->arp_replied, s->icmp_echoed, s->drop_peer);
	kstub_monitor_write(ks, line, (size_t)n);
	if (!udp_plain)	/* the authenticated link's are in "stats" */
		return 0;
	n = snprintf(line, sizeof(line), "plain: bad %u, dropped while "
		     "running %u\n", udp.plain.bad, udp.plain.dropped);
	return kstub_monitor_write(ks, line, (size_t)n);
}

/* The authenticated link's own (it says so when the link is another). */
static int mon_stats(struct kstub *ks, void *ctx, const char *args,
		     size_t len)
{
	return kstub_udp_auth_stats_cmd.fn(ks, ctx, args, len);
}

static const struct kstub_monitor_cmd monitor[] = {
	{ "ps", "kernel threads and what they wait for", mon_ps },
	{ "ticks", "the clock's tick count", mon_ticks },
	{ "console", "console writes dropped while gdb held the line",
	  mon_console },
	{ "panic-proceed", "let a panic halt the kernel at the next continue "
	  "or detach", mon_panic_proceed },
	{ "net", "the UDP link's NIC and frame counters", mon_net },
	{ "stats", "UDP link counters: datagrams refused, by reason",
	  mon_stats },
};

/* Step 1 of the port: the link (COM2, or COM1 shared with the console). */
struct kstub_serial *port_link_init(bool oneline)
{
	struct kstub_uart_io io = {
		.in = uart_in,
		.out = uart_out,
		.ctx = (void *)(uintptr_t)(oneline ? COM1 : COM2),
	};

	return kstub_serial_init(&serial, &io, 115200, 0) == 0 ? &serial
							      : NULL;
}

/*
 * An ARP announcement of our address (RFC 5227: a request whose sender
 * and target IP are both ours), as a host does when its link comes up.
 * Neighbours learn our MAC before the debugger's first datagram: QEMU's
 * user network would otherwise hold that datagram while it asks for it,
 * until the answer comes and its main loop runs again.
 */
static void announce(struct e1000 *nic, const uint8_t mac[6],
		     const uint8_t ip[4])
{
	uint8_t f[KSTUB_UDP_NET_FRAME_MIN] = { 0 };
	static const uint8_t arp_ipv4_request[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	__builtin_memset(f, 0xff, 6);
	__builtin_memcpy(f + 6, mac, 6);
	f[12] = 0x08;		/* ethertype ARP */
	f[13] = 0x06;
	__builtin_memcpy(f + 14, arp_ipv4_request, 8);
	__builtin_memcpy(f + 22, mac, 6);
	__builtin_memcpy(f + 28, ip, 4);
	__builtin_memcpy(f + 38, ip, 4);	/* target MAC stays zero */
	e1000_nic_ops.send_frame(nic, f, sizeof(f));
}

/*
 * The CMOS clock's time of day and date, read without waiting for an
 * update to finish (a torn read is still a varying input, which is all
 * the nonce fallback wants from it).
 */
static void cmos_time(uint8_t out[6])
{
	static const uint8_t regs[6] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09 };
	int i;

	for (i = 0; i < 6; i++) {
		outb(0x70, regs[i]);
		out[i] = inb(0x71);
	}
}

static bool rdrand64(uint64_t *v)
{
	uint8_t ok;
	int tries;

	/* Intel's guidance: a few retries cover a transiently empty DRNG. */
	for (tries = 0; tries < 10; tries++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

/*
 * The authenticated link's nonce hook (handshake, trap context).
 * With RDRAND (CPUID says so; QEMU's default TCG CPU has none, -cpu max
 * has it) the bytes are the CPU's DRNG output, hashed with the state
 * below so a failing RDRAND cannot make them repeat.
 * Without it there is no entropy source in this kernel, and what this
 * gives is weaker, said plainly: SHA-256 over a running state, a call
 * counter, the TSC, the CMOS clock's date and time, the clock's tick
 * count and the NIC's frame counters. The counter makes nonces distinct
 * within a boot; the CMOS time (seconds) and the TSC (cycles since
 * reset, which the network's timing of the HELLO perturbs) make a
 * repeat across boots unlikely, so a recorded session cannot be
 * replayed into a later one. It is NOT unpredictable to an attacker
 * who knows roughly when the machine booted: the TSC's jitter adds
 * perhaps a few tens of bits. The session keys stay secret whatever
 * (they need the PSK), and the bridge's nonce comes from its OS's
 * generator.
 */
static int get_nonce(void *ctx, uint8_t *buf, size_t len)
{
	static uint8_t pool[KSTUB_SHA256_LEN];
	static uint64_t calls;
	struct kstub_sha256 h;
	uint8_t digest[KSTUB_SHA256_LEN], clock[6];
	uint64_t v;
	size_t off = 0, n;
	int i;

	(void)ctx;
	calls++;
	kstub_sha256_init(&h);
	kstub_sha256_update(&h, pool, sizeof(pool));
	kstub_sha256_update(&h, &calls, sizeof(calls));
	v = rdtsc();
	kstub_sha256_update(&h, &v, sizeof(v));
	for (i = 0; cpu_rdrand && i < 4; i++)
		if (rdrand64(&v))
			kstub_sha256_update(&h, &v, sizeof(v));
	cmos_time(clock);
	kstub_sha256_update(&h, clock, sizeof(clock));
	kstub_sha256_update(&h, (const void *)&ticks, sizeof(ticks));
	if (udp_nic)
		kstub_sha256_update(&h, e1000_stats(udp_nic),
				    sizeof(struct e1000_stats));
	kstub_sha256_final(&h, pool);
	/* Output derived from the pool, never the pool itself. */
	while (off < len) {
		kstub_sha256_init(&h);
		kstub_sha256_update(&h, pool, sizeof(pool));
		kstub_sha256_update(&h, &off, sizeof(off));
		kstub_sha256_final(&h, digest);
		n = len - off < sizeof(digest) ? len - off : sizeof(digest);
		__builtin_memcpy(buf + off, digest, n);
		off += n;
	}
	return 0;
}

/*
 * Step 1 for a debugger on UDP instead (kstub.link=udp): the e1000 and,
 * with a key (kstub.key), the authenticated mode that kstub-udp speaks;
 * without one, plain mode, as gdb's "target remote udp:IP:PORT" speaks
 * it. In plain mode the peer is whoever talks first (QEMU's user
 * network: the gateway, 10.0.2.2, with the gateway's MAC), until the
 * session ends. key: KSTUB_UDP_AUTH_KEY_LEN bytes, or NULL for plain;
 * the caller wipes its copy (only HMAC states are kept).
 */
int port_udp_init(const uint8_t ip[4], uint16_t port, const uint8_t *key)
{
	struct kstub_udp_link_config lc = {
		.net = { .port = port },
		.auth = { .now_us = now_us, .get_nonce = get_nonce },
		.key = key,
		.key_len = key ? KSTUB_UDP_AUTH_KEY_LEN : 0,
		.plain = !key,
	};
	struct e1000 *nic = e1000_attach();
	int r;

	if (!nic)
		return KSTUB_EIO;
	__builtin_memcpy(lc.net.ip, ip, 4);
	r = kstub_udp_link_setup(&udp, &e1000_nic_ops, nic, &lc, &udp_kcfg);
	if (r != 0)
		return r;
	udp_nic = nic;
	udp_plain = !key;
	if (key)
		kprintf("kstub: handshake nonces from %s\n",
			cpu_rdrand ? "RDRAND"
				   : "the TSC and CMOS clock (no RDRAND: "
				     "predictable, see README)");
	announce(nic, udp.net.mac, ip);
	return 0;
}

/* Step 2: the stub itself, once the number of CPUs is known. */
int port_stub_init(void)
{
	struct kstub_config cfg = {
		.link = udp_nic ? udp_kcfg.link : &kstub_serial_ops,
		.link_ctx = udp_nic ? udp_kcfg.link_ctx : (void *)&serial,
		.port = &bm_port_ops,
		.rx_buf = rx_buf,
		.tx_buf = tx_buf,
		.buf_len = sizeof(rx_buf),
		.ncpus = ncpus,
		/*
		 * A CPU that misses the roundup keeps running under a gdb
		 * that thinks it stopped: wait longer than the stub's 1 s
		 * default (machine.h, CPU_ANSWER_MS).
		 */
		.roundup_timeout_ms = CPU_ANSWER_MS,
		.monitor = monitor,
		.monitor_count = sizeof(monitor) / sizeof(monitor[0]),
	};

	port_fw_use(&cfg);
	return kstub_init(&kstub_state, &cfg);
}
