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
/* Not const: the debug register hooks are filled in when the slots are ours. */
extern struct kstub_port_ops kstub_linux_port_ops;

/* NMI IPI to every other online CPU (the cpus_stop hook). */
int kstub_linux_cpus_stop(void *ctx, uint32_t self);
/* "monitor lsmod": add-symbol-file lines for the loaded modules. */
int kstub_linux_lsmod(struct kstub *ks, void *port_ctx, const char *args,
		      size_t len);
/* Resolve the unexported symbols the port needs; 0 or -errno. */
int kstub_linux_port_init(void);
/* Copy len bytes from addr, which may be garbage; false if it faulted. */
bool kstub_linux_read(const void *addr, void *out, size_t len);
/* Address of a kernel symbol, exported or not; 0 if unknown. */
unsigned long kstub_linux_lookup(const char *name);

/* How a CPU got into the stub: it decides who writes DR7 last. */
enum kstub_linux_entry {
	KSTUB_LINUX_ENTRY_OTHER,	/* int3, oops, break-in timer */
	KSTUB_LINUX_ENTRY_DB,	/* #DB: its exit restores the entry DR7 */
	KSTUB_LINUX_ENTRY_NMI,	/* NMI: its exit restores nmi_dr7 */
};

/*
 * Hardware breakpoints (kstub_hwbp.c). hw_init reserves DR0-DR3 from the
 * hw_breakpoint subsystem and fills in ops->dr_get/dr_set (process
 * context, at load; 0 or -errno, and then Z1-Z4 stay unsupported);
 * hw_exit gives them back (process context, at unload). hw_enter tells
 * it, on a CPU's first entry, how the CPU came in and (for #DB) the DR6
 * the kernel read, positive polarity; hw_db_take adds the hits the
 * kernel's hw_breakpoint notifier took from that DR6; hw_db_exit makes a
 * #DB return through kstub_linux_dr_tramp, which arms the stub's DR7
 * after the kernel's own restore.
 */
int kstub_linux_hw_init(struct kstub_port_ops *ops);
void kstub_linux_hw_exit(void);
bool kstub_linux_hw_ready(void);
void kstub_linux_hw_enter(unsigned int cpu, enum kstub_linux_entry kind,
			  unsigned long dr6);
unsigned long kstub_linux_hw_db_take(unsigned long dr6);
void kstub_linux_hw_db_exit(struct pt_regs *regs);
void kstub_linux_dr_reapply(void);
void kstub_linux_dr_tramp(void);	/* kstub_dr_tramp.S; not called, returned to */

void kstub_linux_frame_from_regs(struct kstub_frame *f,
				 const struct pt_regs *regs);
void kstub_linux_frame_to_regs(const struct kstub_frame *f,
			       struct pt_regs *regs);

#endif
