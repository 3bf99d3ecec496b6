/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What kstub_main.c (module life, traps, CPUs, serial) and kstub_port.c
 * (the port hooks: memory, text, threads, KASLR) share.
 */
#ifndef KSTUB_LINUX_H
#define KSTUB_LINUX_H

#include "kstub.h"

struct pt_regs;

extern struct kstub kstub_linux_state;
extern const struct kstub_port_ops kstub_linux_port_ops;

/* NMI IPI to every other online CPU (the cpus_stop hook). */
int kstub_linux_cpus_stop(void *ctx, uint32_t self);
/* "monitor lsmod": add-symbol-file lines for the loaded modules. */
int kstub_linux_lsmod(struct kstub *ks, void *port_ctx, const char *args,
		      size_t len);
/* Resolve the unexported symbols the port needs; 0 or -errno. */
int kstub_linux_port_init(void);
/* Address of a kernel symbol, exported or not; 0 if unknown. */
unsigned long kstub_linux_lookup(const char *name);

void kstub_linux_frame_from_regs(struct kstub_frame *f,
				 const struct pt_regs *regs);
void kstub_linux_frame_to_regs(const struct kstub_frame *f,
			       struct pt_regs *regs);

#endif
