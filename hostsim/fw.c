/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub-sim --fw FILE: the DMA ring link (transports/fw/) over a file
 * that plays the machine's physical memory, which kstub-fw maps as a
 * FireWire host would reach the target's RAM.
 *
 * hostsim has no physical memory and no page tables of its own, so the
 * file is laid out as one (physical address = file offset):
 *   0x10000   the control block and its rings (FW_REGION bytes)
 *   0x40000   x86-64 4-level page tables, built here, that map the
 *             kernel's sections at their virtual addresses (4 KiB pages)
 *   0x100000  the kernel's sections: a copy of its text taken at boot
 *             (breakpoints patched later do not show), then rodata,
 *             data and bss, which the machine moves into the file: they
 *             are mapped MAP_SHARED|MAP_FIXED from it over themselves,
 *             so every store the kernel makes lands in "physical memory"
 * The published page-table root is 0x40000 and the load offset is the
 * PIE's, as the stub's qOffsets says. Kernel stacks and the
 * simulator's own memory are not in the file: kstub-fw --no-cpu reads
 * kernel globals and what they point to within those sections.
 *
 * "hang" (a console command): this CPU spins with interrupts off, and
 * every other CPU does the same at its next interrupt, when it looks at
 * the link: the debugger is unreachable, as with a kernel that
 * deadlocked on a lock its interrupt path also takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fw.h"
#include "kstub_fw.h"
#include "sim.h"
#include "../workload/kern.h"

#define PAGE 4096ul
#define FW_REGION_PHYS 0x10000ul
#define FW_REGION_SIZE 0x20000ul
#define FW_PT_PHYS 0x40000ul
#define FW_PT_END 0x100000ul
#define FW_KERN_PHYS 0x100000ul
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_NX (1ull << 63)

extern const char kern_text_start[], kern_text_end[];
extern char kern_rodata_start[], kern_rodata_end[];
extern char kern_data_start[], kern_data_end[];
extern char kern_bss_start[], kern_bss_end[];
extern const char __executable_start[];

static struct kstub_fw fw;
static bool fw_on;
static uint8_t *phys;		/* the file, mapped: physical address 0 */
static uint64_t pt_next = FW_PT_PHYS;
static atomic_int machine_hung;

static uint64_t virt_to_phys(void *ctx, const void *va)
{
	(void)ctx;
	return (uint64_t)((const uint8_t *)va - phys);
}

static uint64_t page_table_root(void *ctx)
{
	(void)ctx;
	return FW_PT_PHYS;
}

static uint64_t load_offset(void *ctx)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)__executable_start;
}

/* The next level's table for va at this level, made if missing. */
static uint64_t *pt_walk_make(uint64_t *table, uint64_t va, unsigned shift)
{
	uint64_t *e = &table[(va >> shift) & 511];

	if (!(*e & PTE_P)) {
		if (pt_next >= FW_PT_END)
			return NULL;
		*e = pt_next | PTE_P | PTE_RW;
		pt_next += PAGE;
	}
	return (uint64_t *)(phys + (*e & PTE_ADDR));
}

static int pt_map(uint64_t va, uint64_t pa, uint64_t nx)
{
	uint64_t *t = (uint64_t *)(phys + FW_PT_PHYS);

	if (pt_next == FW_PT_PHYS)
		pt_next += PAGE;	/* the PML4 itself */
	t = pt_walk_make(t, va, 39);
	t = t ? pt_walk_make(t, va, 30) : NULL;
	t = t ? pt_walk_make(t, va, 21) : NULL;
	if (!t)
		return -1;
	t[(va >> 12) & 511] = pa | PTE_P | PTE_RW | nx;
	return 0;
}

/*
 * Copy [start, end) of the kernel to the file at *at, map it in the
 * page tables, and (move_prot) map the file over the original, so the
 * kernel from now on runs on the file's pages. All but text is mapped
 * NX, as a kernel maps its data: kstub-fw reads only NX pages straight
 * from the file while the stub holds the machine (the stub knows its
 * breakpoints in text; here the text is a boot-time copy besides).
 */
static int place(int fd, const char *start, const char *end, uint64_t *at,
		 int move_prot)
{
	uint64_t len = (uint64_t)(end - start), off;

	memcpy(phys + *at, start, len);
	for (off = 0; off < len; off += PAGE)
		if (pt_map((uint64_t)(uintptr_t)start + off, *at + off,
			   move_prot ? PTE_NX : 0))
			return -1;
	if (move_prot && mmap((void *)start, len, move_prot,
			      MAP_SHARED | MAP_FIXED, fd, (off_t)*at) == MAP_FAILED)
		return -1;
	*at += (len + PAGE - 1) & ~(PAGE - 1);
	return 0;
}

int sim_fw_link(const char *path, struct kstub_config *cfg)
{
	struct kstub_fw_config c = { 0 };
	uint64_t kern_len, size, at = FW_KERN_PHYS;
	int fd, err;

	kern_len = (uint64_t)(kern_text_end - kern_text_start) +
		   (uint64_t)(kern_rodata_end - kern_rodata_start) +
		   (uint64_t)(kern_data_end - kern_data_start) +
		   (uint64_t)(kern_bss_end - kern_bss_start);
	size = FW_KERN_PHYS + kern_len;
	/*
	 * No O_TRUNC: after a reboot (exec) kstub-fw may still map the file,
	 * and a page that vanished under it would be a SIGBUS there.
	 */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		fprintf(stderr, "kstub-sim: --fw %s: %s\n", path, strerror(errno));
		return -1;
	}
	phys = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (phys != MAP_FAILED)	/* a previous boot's tables */
		memset(phys + FW_PT_PHYS, 0, FW_PT_END - FW_PT_PHYS);
	if (phys == MAP_FAILED ||
	    place(fd, kern_text_start, kern_text_end, &at, 0) ||
	    place(fd, kern_rodata_start, kern_rodata_end, &at, PROT_READ) ||
	    place(fd, kern_data_start, kern_data_end, &at,
		  PROT_READ | PROT_WRITE) ||
	    place(fd, kern_bss_start, kern_bss_end, &at,
		  PROT_READ | PROT_WRITE)) {
		fprintf(stderr, "kstub-sim: --fw %s: cannot lay out memory: %s\n",
			path, strerror(errno));
		return -1;
	}
	close(fd);
	c.region = phys + FW_REGION_PHYS;
	c.region_size = FW_REGION_SIZE;
	c.gdb_ring_size = 2 * (uint32_t)cfg->buf_len;
	c.max_packet = (uint32_t)cfg->buf_len;
	c.virt_to_phys = virt_to_phys;
	c.page_table_root = page_table_root;
	c.load_offset = load_offset;
	c.now_us = sim_now_us;
	err = kstub_fw_init(&fw, &c);
	if (err) {
		fprintf(stderr, "kstub-sim: --fw: ring setup failed (%d)\n", err);
		return -1;
	}
	cfg->link = &sim_fw_ops;
	cfg->link_ctx = &fw;
	fw_on = true;
	return 0;
}

void sim_fw_console(const char *s, size_t n)
{
	if (fw_on)
		kstub_fw_console_write(&fw, s, n);
}

/* Interrupts off for good on the calling CPU; it never returns. */
static void __attribute__((noreturn)) spin_forever(void)
{
	struct timespec nap = { 0, 1000000 };	/* spin politely: shared host */
	sigset_t intr;

	sigemptyset(&intr);
	sigaddset(&intr, SIG_TIMER);
	sigaddset(&intr, SIG_IRQ);
	sigaddset(&intr, SIG_IPI);
	pthread_sigmask(SIG_BLOCK, &intr, NULL);
	for (;;)
		nanosleep(&nap, NULL);
}

static long hung_recv_packet(void *ctx, uint8_t *buf, size_t cap)
{
	if (atomic_load(&machine_hung))
		spin_forever();
	return kstub_fw_ops.recv_packet(ctx, buf, cap);
}

/* kstub_fw_ops, with the hang's trap door in front of the ring. */
struct kstub_transport_ops sim_fw_ops;

static void __attribute__((constructor)) sim_fw_ops_init(void)
{
	sim_fw_ops = kstub_fw_ops;
	sim_fw_ops.recv_packet = hung_recv_packet;
}

int machine_command(const char *line)
{
	static const char msg[] = "hang: all CPUs spin with interrupts off\n";

	if (strcmp(line, "hang") != 0)
		return 0;
	sim_console_out(msg, sizeof(msg) - 1);
	atomic_store(&machine_hung, 1);
	spin_forever();
}
