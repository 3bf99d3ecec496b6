/* SPDX-License-Identifier: BSD-2-Clause */
/* kstub-sim --fw FILE: the DMA ring link over a memory file (fw.c). */
#ifndef HOSTSIM_FW_H
#define HOSTSIM_FW_H

#include <stddef.h>

#include "kstub.h"

/*
 * Lay out the machine's "physical memory" in path, move the kernel's
 * data into it and make the ring link cfg's link (cfg->buf_len set).
 * Called: by main() before any kernel code runs. Returns 0 or -1 (said).
 */
int sim_fw_link(const char *path, struct kstub_config *cfg);

/* Console output into the console ring (nothing without --fw). */
void sim_fw_console(const char *s, size_t n);

extern struct kstub_transport_ops sim_fw_ops;

#endif /* HOSTSIM_FW_H */
