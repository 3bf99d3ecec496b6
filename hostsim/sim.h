/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostsim internals: the machine (CPUs as threads, traps as signals),
 * its kernel threads, the debug-register model and the port hooks.
 */
#ifndef HOSTSIM_SIM_H
#define HOSTSIM_SIM_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#include "kstub.h"

#define SIM_CPUS_MAX 64
/* --kthreads' most, plus an idle thread a CPU and the machine's own few. */
#define SIM_KTHREADS_CROWD_MAX 10000
#define SIM_KTHREADS_MAX (SIM_KTHREADS_CROWD_MAX + SIM_CPUS_MAX + 16)

/* The interrupt lines (masked while the frame's IF is clear) and the NMI. */
#define SIG_TIMER SIGALRM
#define SIG_IRQ SIGUSR1
#define SIG_IPI SIGUSR2

enum kt_state { KT_FREE, KT_RUNNABLE, KT_RUNNING, KT_SLEEPING };

struct kthread {
	uint64_t tid;
	char name[KSTUB_NAME_MAX];
	const char *wmesg;
	const void *wchan;
	uint32_t state;		/* atomic: enum kt_state */
	uint32_t on_cpu;	/* atomic: its registers are live on a CPU */
	int cpu;		/* where it runs, or -1 */
	uint64_t saved_rsp;	/* sim_switch() frame while not running */
	void (*fn)(void *);
	void *arg;
};

/* What the debug-register model is doing on a CPU between two traps. */
enum dr_step { DRSTEP_NONE, DRSTEP_RF, DRSTEP_WATCH };

struct cpu {
	int index;
	pthread_t thread;
	struct kthread *cur;
	struct kthread *idle;
	/* Debug registers as this CPU's stub sees them. */
	uint64_t dr[8];
	/* A step the model takes on its own (RF, or over a watched access). */
	uint8_t drstep;
	uint8_t user_tf;	/* the stub asked for TF as well */
	uint8_t watch_hits;	/* DR6 B bits the stepped access earned */
	uint64_t rf_addr;
	/* Fault-safe copies (port.c). */
	sigjmp_buf nofault_env;
	volatile int nofault;
};

extern struct kstub sim_ks;
extern struct cpu sim_cpus[SIM_CPUS_MAX];
extern int sim_ncpus;
extern struct kthread sim_kthreads[SIM_KTHREADS_MAX];
extern bool sim_console_to_gdb;
extern const char *sim_pty_link;

struct cpu *this_cpu(void);

/* cpu.c */
void cpu_install_handlers(void);
void cpu_start_all(int ncpus, bool wait);
void frame_from_uc(struct kstub_frame *f, const ucontext_t *uc,
		   const siginfo_t *si);
void frame_to_uc(const struct kstub_frame *f, ucontext_t *uc);

/* kthread.c */
struct kthread *kthread_alloc(const char *name, bool idle);
struct kthread *kthread_create_idle(const char *name, void (*fn)(void *),
				    void *arg);
/* The calling CPU's host thread moves onto c->idle's stack for good. */
void kthread_enter_idle(struct cpu *c) __attribute__((noreturn));
long kern_syscall(long nr, long a1, long a2, long a3, long a4);
bool kthread_run_one(struct cpu *c);
void cpu_idle_loop(struct cpu *c) __attribute__((noreturn));
/*
 * tsleep(), unless *word no longer equals seen once the thread is marked
 * asleep: a waker that changes *word and then calls wakeup(chan) is
 * never missed. Returns true if it slept.
 */
bool tsleep_unless(const void *chan, const char *wmesg,
		   const uint32_t *word, uint32_t seen);
int kthread_saved_regs(const struct kthread *t, struct kstub_frame *f);
/* Threads made so far: tids 1 .. kthread_count(). */
uint32_t kthread_count(void);

/* drmodel.c */
uint64_t dr_model_get(struct cpu *c, unsigned n);
void dr_model_set(struct cpu *c, unsigned n, uint64_t v);
/* SIGTRAP: 0 = handled silently; else the vector for the stub, DR6 set. */
int dr_model_sigtrap(struct cpu *c, ucontext_t *uc, const siginfo_t *si);
/* SIGSEGV on a watched page: true if the model took it. */
bool dr_model_sigsegv(struct cpu *c, ucontext_t *uc, const siginfo_t *si);
/* After the stub returned a frame: RF over an exec breakpoint. */
void dr_model_resume(struct cpu *c, ucontext_t *uc);
/* Bit n: exec slot n is enabled but outside kernel text (not armed). */
unsigned dr_model_unarmed(void);
unsigned insn_access_size(const uint8_t *insn, size_t n);

/* port.c */
extern const struct kstub_port_ops sim_port_ops;
extern const struct kstub_monitor_cmd sim_monitor[];
extern const size_t sim_monitor_count;
/* The sim's clock: microseconds, CLOCK_MONOTONIC (a now_us hook). */
uint64_t sim_now_us(void *ctx);
extern volatile uint8_t *sim_bus_hole;
void sim_mem_init(void);
bool sim_text_contains(uint64_t addr, size_t len);
int sim_text_patch(uint64_t addr, const void *src, size_t len);

/* kconsole.c: the kernel's side of the console (kernel text). */
#define SIM_CONS_LINE_MAX 128
void cons_push(const char *line);
void sh_main(void *arg);

/* main.c */
void sim_console_out(const char *s, size_t n);
void sim_exit(int status) __attribute__((noreturn));
void sim_halt(void) __attribute__((noreturn));
/* Start the machine over on the same serial endpoint (monitor reboot). */
void sim_reboot(void) __attribute__((noreturn));
/* One line on the debug UART: its rate, pacing and byte counts. */
int sim_uart_describe(char *buf, size_t len);
/* CPU 0 exists: the UART's interrupt line may now be raised on it. */
void sim_attach_irq(void);
/* A whole decimal number in [min, max], or exit 2 naming opt and val. */
long sim_opt_number(const char *opt, const char *val, long min, long max);

/* udplink.c: --udp, the debug link on the NIC model. */
void sim_udp_parse(const char *spec);		/* exits 2 if malformed */
void sim_udp_key(const char *path);		/* exits 2 if refused */
void sim_nic_faults(const char *spec);		/* exits 2 if malformed */
bool sim_udp_enabled(void);
/* Open the NIC, set cfg's link; says where gdb connects. 0 or -1. */
int sim_udp_open(struct kstub_config *cfg);
/* monitor nic: the NIC's and the UDP link's counters. */
int sim_nic_describe(char *buf, size_t len);
/* At exit: faults injected and frames lost, if any. */
void sim_udp_report(void);

#endif /* HOSTSIM_SIM_H */
