/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA ring link for this kernel (fw.h). The rings live in the
 * kernel's bss, which is physically contiguous (KERNBASE maps physical
 * memory linearly), so a page-aligned array is all the DMA region needs.
 * The page-table root a hung-kernel host walks is the live CR3: this
 * kernel has one address space, and its tables map the kernel at
 * KERNBASE and all low memory at DMAP_BASE.
 */
#include "fw.h"
#include "kstub_fw.h"
#include "layout.h"
#include "machine.h"

#define FW_RING_GDB (2 * KSTUB_BUF_LEN_DEFAULT)
#define FW_REGION (KSTUB_FW_HEADER_SIZE + 2 * FW_RING_GDB + 16384 + 1024)

static uint8_t fw_region[FW_REGION] __attribute__((aligned(4096)));
static struct kstub_fw fw;
static bool fw_up;

static uint64_t virt_to_phys(void *ctx, const void *va)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)va - KERNBASE;
}

static uint64_t page_table_root(void *ctx)
{
	uint64_t cr3;

	(void)ctx;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	return cr3;
}

static uint64_t now_us(void *ctx)
{
	(void)ctx;
	return clock_now_us();
}

int port_fw_init(void)
{
	struct kstub_fw_config c = {
		.region = fw_region,
		.region_size = sizeof(fw_region),
		.gdb_ring_size = FW_RING_GDB,
		.console_tx_size = 16384,
		.console_rx_size = 1024,
		.max_packet = KSTUB_BUF_LEN_DEFAULT,
		.virt_to_phys = virt_to_phys,
		.page_table_root = page_table_root,
		.now_us = now_us,
	};
	int err = kstub_fw_init(&fw, &c);

	fw_up = err == 0;
	return err;
}

void port_fw_use(struct kstub_config *cfg)
{
	if (!fw_up)
		return;
	cfg->link = &kstub_fw_ops;
	cfg->link_ctx = &fw;
}

void port_fw_console(const char *s, size_t n)
{
	if (fw_up)
		kstub_fw_console_write(&fw, s, n);
}
