/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Boot: paging, this CPU's tables, the console, the clocks, the other
 * CPUs, the stub, the threads; then every CPU runs its idle loop.
 * Kernel command line (multiboot):
 *   kstub.wait     stop in the debugger before any thread runs (kgdbwait)
 *   kstub.oneline  console and debugger share COM1 (else gdb is on COM2)
 *   kstub.off      no debugger: a fatal trap panics and halts
 *   kstub.link=udp the debugger on UDP over the e1000, at kstub.ip
 *                  (10.0.2.15, QEMU's user network) and kstub.port
 *                  (5555); the console stays on COM1. Authenticated
 *                  (kstub-udp --key) under kstub.key=HEX, the 256-bit
 *                  pre-shared key as 64 hex digits; or, only with
 *                  kstub.udp=plain, plain RSP (gdb's "target remote
 *                  udp:IP:PORT"); with neither, the debugger is off.
 *                  kstub.link=serial: COM2 (the default, or COM1 with
 *                  kstub.oneline).
 *   kstub.fw       the debugger on DMA rings in RAM (fw.h), for kstub-fw
 *   run=CMD;CMD    console commands for the shell; takes the rest of the line
 * and, to make a slow CPU for the tests, smp.apdelay=MS (each other CPU
 * waits that long before it says it is up) and smp.aptimeout=MS (how
 * long the boot CPU waits for that; CPU_ANSWER_MS by default).
 */
#include "fw.h"
#include "kstub_serial.h"
#include "kstub_udp_auth_proto.h"
#include "machine.h"
#include "workload.h"

#define MB_BOOT_MAGIC 0x2badb002
#define MB_INFO_CMDLINE 0x4
#define CMDLINE_MAX 256

bool kstub_on = true;
static char cmdline[CMDLINE_MAX];
/* The multiboot loader's copy, which kstub.key is wiped from too. */
static char *boot_cmdline;

void kmain(uint32_t magic, uint32_t mbi) __attribute__((noreturn));

static void read_cmdline(uint32_t magic, uint32_t mbi)
{
	const uint32_t *info = (const uint32_t *)(uintptr_t)(DMAP_BASE + mbi);
	const char *s;
	size_t i;

	if (magic != MB_BOOT_MAGIC || !(info[0] & MB_INFO_CMDLINE))
		return;
	s = (const char *)(uintptr_t)(DMAP_BASE + info[4]);
	boot_cmdline = (char *)(uintptr_t)s;
	for (i = 0; i < CMDLINE_MAX - 1 && s[i]; i++)
		cmdline[i] = s[i];
}

/* The value of "name" (a flag, or name=value up to the next space). */
static const char *option(const char *name)
{
	const char *p = cmdline, *n;

	while (*p) {
		while (*p == ' ')
			p++;
		for (n = name; *n && *p == *n; n++, p++)
			;
		if (!*n && (*p == ' ' || *p == '=' || !*p))
			return *p == '=' ? p + 1 : p;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

/* A decimal option's value, or def if it is absent or not a number. */
static uint32_t option_num(const char *name, uint32_t def)
{
	const char *p = option(name);
	uint32_t v = 0;

	if (!p || *p < '0' || *p > '9')
		return def;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint32_t)(*p++ - '0');
	return v;
}

/* name's value is exactly word (up to the next space). */
static bool option_is(const char *name, const char *word)
{
	const char *p = option(name);

	if (!p)
		return false;
	while (*word && *p == *word) {
		p++;
		word++;
	}
	return !*word && (*p == ' ' || !*p);
}

/* A dotted-quad option into ip; false (ip untouched) if malformed. */
static bool option_ip(const char *name, uint8_t ip[4])
{
	const char *p = option(name);
	uint8_t v[4];
	uint32_t n;
	int i;

	if (!p)
		return false;
	for (i = 0; i < 4; i++) {
		if (*p < '0' || *p > '9')
			return false;
		for (n = 0; *p >= '0' && *p <= '9' && n <= 255; p++)
			n = n * 10 + (uint32_t)(*p - '0');
		if (n > 255 || (i < 3 && *p++ != '.'))
			return false;
		v[i] = (uint8_t)n;
	}
	if (*p && *p != ' ')
		return false;
	__builtin_memcpy(ip, v, 4);
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * kstub.key: the link's pre-shared key, KSTUB_UDP_AUTH_KEY_LEN bytes
 * as twice as many hex digits. Returns 1 with key filled, 0 if absent,
 * -1 if malformed. Either way the digits are then overwritten with 'x'
 * in both copies of the command line, so neither the boot banner nor a
 * debugger reading memory shows the key (its HMAC states stay, in the
 * link).
 */
static int option_key(uint8_t key[KSTUB_UDP_AUTH_KEY_LEN])
{
	char *p = (char *)option("kstub.key");
	size_t i, n;
	int hi, lo, ok = 1;

	if (!p)
		return 0;
	for (i = 0; i < KSTUB_UDP_AUTH_KEY_LEN; i++) {
		hi = hex_digit(p[2 * i]);
		lo = hex_digit(hi < 0 ? 0 : p[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			ok = -1;
			break;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	if (ok > 0 && p[2 * KSTUB_UDP_AUTH_KEY_LEN] &&
	    p[2 * KSTUB_UDP_AUTH_KEY_LEN] != ' ')
		ok = -1;
	for (n = 0; p[n] && p[n] != ' '; n++)
		;
	if (boot_cmdline)	/* the loader's page may be read-only */
		for (i = 0; i < n; i++)
			copy_nofault(boot_cmdline + (p - cmdline) + i, "x", 1);
	__builtin_memset(p, 'x', n);
	if (ok < 0)
		__builtin_memset(key, 0, KSTUB_UDP_AUTH_KEY_LEN);
	return ok;
}

/*
 * kstub.link=udp's mode: authenticated with a key (kstub.key), plain
 * only when asked for by name (kstub.udp=plain); anything else turns
 * the debugger off rather than guess, never falling back to plain.
 * Returns false, having said why, to turn it off.
 */
static bool udp_mode_ok(int have_key, bool udp)
{
	bool plain = option_is("kstub.udp", "plain");

	if (have_key < 0) {
		kprintf("kstub: kstub.key is not %u hex digits; debugger off\n",
			2 * KSTUB_UDP_AUTH_KEY_LEN);
		return false;
	}
	if (!udp) {
		if (have_key || option("kstub.udp"))
			kprintf("kstub: kstub.key and kstub.udp are for "
				"kstub.link=udp; ignored\n");
		return true;
	}
	if (have_key && plain) {
		kprintf("kstub: kstub.udp=plain with a kstub.key; "
			"debugger off\n");
		return false;
	}
	if (!have_key && !plain) {
		kprintf("kstub: kstub.link=udp needs kstub.key=<%u hex digits> "
			"(or kstub.udp=plain); debugger off\n",
			2 * KSTUB_UDP_AUTH_KEY_LEN);
		return false;
	}
	return true;
}

/* run=: the rest of the command line, one shell line per ';'. */
static void queue_commands(const char *p)
{
	char line[128];
	size_t n;

	while (p && *p) {
		for (n = 0; *p && *p != ';'; p++)
			if (n < sizeof(line) - 1)
				line[n++] = *p;
		line[n] = 0;
		console_push_line(line);
		if (*p == ';')
			p++;
	}
}

/* Not inlined: gdb should show the kdb_enter frame the kernel stopped in. */
__attribute__((noinline)) void kdb_enter(const char *why)
{
	kprintf("kdb_enter: %s\n", why);
	kstub_breakpoint();
}

/*
 * "overflow": recurse until the thread's stack reaches its guard page.
 * The #PF cannot be delivered on that stack, so it becomes a #DF, taken
 * on its own IST stack. The read after the call keeps it a real call
 * (no tail call, no loop).
 */
static __attribute__((noinline)) unsigned long stack_overflow(
	unsigned long depth)
{
	volatile unsigned char frame[256];
	unsigned long r;

	frame[depth % sizeof(frame)] = (unsigned char)depth;
	if (depth == ~0ul)
		return 0;
	r = stack_overflow(depth + 1);
	return r + frame[depth % sizeof(frame)];
}

/* line starts with the word w: what follows it, else NULL. */
static const char *command(const char *line, const char *w)
{
	while (*w && *line == *w) {
		w++;
		line++;
	}
	if (*w || (*line && *line != ' '))
		return NULL;
	while (*line == ' ')
		line++;
	return line;
}

/*
 * The shell's commands of this machine only (workload/kern.h):
 *   overflow   a kernel stack overflow (#DF)
 *   chatter N  N numbered console lines, as fast as the console takes them
 *   hang       this CPU spins with interrupts off, for good (a hung
 *              kernel for kstub-fw --no-cpu; with one CPU, nothing can
 *              run the debugger any more)
 */
int machine_command(const char *line)
{
	const char *rest;
	unsigned long n = 0, i;

	if (command(line, "overflow")) {
		kprintf("overflow: recursing\n");
		kprintf("overflow: %lu\n", stack_overflow(0));
		return 1;
	}
	if (command(line, "hang")) {
		kprintf("hang: spinning with interrupts off\n");
		for (;;)
			__asm__ volatile("cli; pause");
	}
	rest = command(line, "chatter");
	if (!rest)
		return 0;
	while (*rest >= '0' && *rest <= '9')
		n = n * 10 + (unsigned long)(*rest++ - '0');
	for (i = 0; i < n; i++)
		kprintf("chatter %lu\n", i);
	return 1;
}

/* isa-debug-exit, if the machine has one, ends QEMU; else stop here. */
void machine_halt(void)
{
	kprintf("halted\n");
	machine_halting = true;
	if (ncpus > 1)
		lapic_send_nmi_others();
	outb(0xf4, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The 8259s: moved off the exception vectors and masked (we use the APIC). */
static void pic_disable(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void kmain(uint32_t magic, uint32_t mbi)
{
	struct pcpu *c = &pcpus[0];
	struct kstub_serial *link = NULL;
	uint8_t ip[4] = { 10, 0, 2, 15 };
	uint8_t key[KSTUB_UDP_AUTH_KEY_LEN];
	uint32_t udp_port;
	bool oneline, wait, udp, fwlink;
	int have_key;

	cpu_features();
	if (mmu_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	mmu_init();
	mmu_load();
	idt_init();
	cpu_init(c);
	pic_disable();
	read_cmdline(magic, mbi);
	have_key = option_key(key);
	kstub_on = !option("kstub.off");
	udp = kstub_on && option_is("kstub.link", "udp");
	oneline = kstub_on && !udp && option("kstub.oneline");
	wait = kstub_on && option("kstub.wait");
	udp_port = option_num("kstub.port", 5555);

	fwlink = kstub_on && !udp && option("kstub.fw") && port_fw_init() == 0;
	oneline = oneline && !fwlink;
	if (kstub_on && !udp && !fwlink)
		link = port_link_init(oneline);
	console_init(oneline ? link : NULL);
	kprintf("kstub baremetal kernel: %s\n", cmdline);
	if (kstub_on && option("kstub.link") && !udp &&
	    !option_is("kstub.link", "serial"))
		kprintf("kstub: kstub.link is serial or udp; using serial\n");
	if (udp && option("kstub.ip") && !option_ip("kstub.ip", ip))
		kprintf("kstub: kstub.ip is not a.b.c.d; using 10.0.2.15\n");
	if (kstub_on && !udp_mode_ok(have_key, udp))
		kstub_on = udp = false;
	if (udp && (udp_port == 0 || udp_port > 65535 ||
		    port_udp_init(ip, (uint16_t)udp_port,
				  have_key > 0 ? key : NULL) != 0)) {
		kprintf("kstub: no UDP link, debugger off\n");
		kstub_on = false;
	} else if (kstub_on && !udp && !fwlink && !link) {
		kprintf("kstub: no UART at COM%d, debugger off\n",
			oneline ? 1 : 2);
		kstub_on = false;
	}
	__builtin_memset(key, 0, sizeof(key));
	lapic_init();
	c->apic_id = lapic_id();
	clock_calibrate();
	c->idle = kthread_idle(c);
	c->cur = c->idle;
	c->online = 1;
	smp_start_aps(option_num("smp.aptimeout", CPU_ANSWER_MS),
		      option_num("smp.apdelay", 0));
	if (kstub_on && port_stub_init()) {
		kprintf("kstub: init failed, debugger off\n");
		kstub_on = false;
	}

	workload_init();
	kthread_spawn("sh", console_shell, NULL, -1);
	/* On the last CPU only: a watchpoint on smp_beat fires there. */
	if (ncpus > 1)
		kthread_spawn("beat", beat_thread,
			      &pcpus[ncpus - 1].tick_chan, (int)ncpus - 1);
	queue_commands(option("run"));
	if (kstub_on && udp)
		kprintf("booted: %u cpus, debugger on udp %u.%u.%u.%u:%u%s\n",
			ncpus, ip[0], ip[1], ip[2], ip[3], udp_port,
			have_key > 0 ? ", authenticated" : " (plain)");
	else
		kprintf("booted: %u cpus, debugger %s\n", ncpus,
			!kstub_on ? "off" : fwlink ? "on the fw rings"
			: oneline ? "on COM1 with the console" : "on COM2");
	if (wait)
		kdb_enter("boot (kstub.wait)");
	smp_release_aps();
	lapic_timer_start();
	sched_idle_loop();
}
