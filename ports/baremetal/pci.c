/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PCI configuration space through the legacy I/O ports (configuration
 * mechanism #1: an address written to 0xcf8, the dword at 0xcfc), and a
 * scan of every bus for one vendor/device pair. Enough for a debug NIC
 * the firmware has already given its BARs (SeaBIOS does, under QEMU).
 */
#include "machine.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE 0x80000000u
#define PCI_ID 0x00
#define PCI_HEADER 0x0c		/* header type: the byte at 0x0e */
#define PCI_MULTIFUNC 0x00800000u	/* its bit 7: functions 1-7 exist */

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t cfg_addr(const struct pci_dev *d, unsigned off)
{
	return PCI_ENABLE | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
	       (uint32_t)d->fn << 8 | (off & 0xfc);
}

/* Only the boot CPU touches config space, before the others run. */
uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	outl(PCI_ADDR, cfg_addr(d, off));
	return inl(PCI_DATA);
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	outl(PCI_ADDR, cfg_addr(d, off));
	outl(PCI_DATA, v);
}

/* The function of d's slot that is vendor:device, if any. */
static bool slot_find(struct pci_dev *d, uint16_t vendor, uint16_t device)
{
	unsigned fn, nfn;
	uint32_t id;

	nfn = pci_read32(d, PCI_HEADER) & PCI_MULTIFUNC ? 8 : 1;
	for (fn = 0; fn < nfn; fn++) {
		d->fn = (uint8_t)fn;
		id = pci_read32(d, PCI_ID);
		if ((id & 0xffff) == vendor && id >> 16 == device)
			return true;
	}
	return false;
}

/* An absent function reads as all ones. */
bool pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out)
{
	struct pci_dev d;
	unsigned bus, dev;

	for (bus = 0; bus < 256; bus++) {
		for (dev = 0; dev < 32; dev++) {
			d = (struct pci_dev){ (uint8_t)bus, (uint8_t)dev, 0 };
			if ((pci_read32(&d, PCI_ID) & 0xffff) == 0xffff)
				continue;
			if (slot_find(&d, vendor, device)) {
				*out = d;
				return true;
			}
		}
	}
	return false;
}
