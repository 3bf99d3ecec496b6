/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub.fw on the command line: the debugger and a copy of the console
 * on the DMA rings (transports/fw/) in this kernel's RAM, which a host
 * reads through QEMU's shared guest-RAM file with kstub-fw (fw.c).
 */
#ifndef BAREMETAL_FW_H
#define BAREMETAL_FW_H

#include <stddef.h>

#include "kstub.h"

/* Lay out and publish the rings. Called: once, at boot. Returns 0 or KSTUB_E*. */
int port_fw_init(void);

/* With the rings up, make them cfg's link (else leave cfg alone). */
void port_fw_use(struct kstub_config *cfg);

/* Console text into the console ring (nothing without kstub.fw). Any context. */
void port_fw_console(const char *s, size_t n);

#endif /* BAREMETAL_FW_H */
