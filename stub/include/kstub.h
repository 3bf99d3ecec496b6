/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kstub: a GDB remote serial protocol stub for kernels. This header is
 * what a kernel calls; kstub_port.h is what it supplies, and
 * kstub_transport.h is what a link supplies.
 *
 * Life of a debugger entry, as a port wires it:
 *   boot:      kstub_init(&ks, &cfg) once, before the first trap.
 *   #BP, #DB:  the trap handler copies its trapframe into a struct
 *              kstub_frame and calls kstub_trap(); on 0 it copies the
 *              frame back and returns from the trap.
 *   faults:    a fatal kernel fault (#PF, #GP, #UD, ...) calls kstub_trap()
 *              before panicking; KSTUB_EPASS means "handle it as if no
 *              debugger were present". A fault taken inside the stub
 *              (a port hook gone wrong) goes the same way: kstub_trap()
 *              returns 0 with a frame that resumes the stub, which
 *              answers the command E0e (kstub_port.h, "Faults").
 *   NMI IPI:   other CPUs call kstub_cpu_park() from the NMI handler the
 *              port's cpus_stop hook triggered.
 *   timer/IRQ: kstub_poll_break() notices ^C or a debugger connecting while
 *              the kernel runs; the port then enters with
 *              KSTUB_TRAP_BREAKIN (usually via kstub_breakpoint()).
 *   console:   kstub_console_write() mirrors console output to gdb.
 */
#ifndef KSTUB_H
#define KSTUB_H

#include "kstub_errno.h"
#include "kstub_frame.h"
#include "kstub_port.h"
#include "kstub_transport.h"
#include "kstub_types.h"

struct kstub;

/* A "monitor" command (qRcmd), registered by the port. */
struct kstub_monitor_cmd {
	const char *name;	/* the first word of the command line */
	const char *help;	/* one line for "monitor help" */
	/*
	 * Run the command. args points at the rest of the line (after the
	 * name and one space), not NUL-terminated. Output goes through
	 * kstub_monitor_write(). Context: trap context, as a port hook.
	 * Returns 0, or a KSTUB_E* error: the debugger then prints
	 * "kstub: monitor NAME: " and the error's meaning ("bad address").
	 */
	int (*fn)(struct kstub *ks, void *port_ctx, const char *args,
		  size_t len);
};

/* Size of each packet buffer that ports should give, and the minimum. */
#define KSTUB_BUF_LEN_DEFAULT 16384
#define KSTUB_BUF_LEN_MIN 2048

/* struct kstub_config.flags */
#define KSTUB_CFG_RESUME_ON_HANGUP 0x1u	/* gdb gone: resume the kernel instead of waiting */
/*
 * By default, while one CPU takes a single step (gdb's "vCont;s:N;c" for
 * stepi, or "s"), every other CPU stays stopped, as Linux kgdb does: one
 * instruction gives them no progress anyone could observe, and releasing
 * and rounding them up again costs an NMI roundup per step (about 5 ms
 * under QEMU with two CPUs). Only a continue releases them. The price: a
 * stepped spin-wait on a lock that a stopped CPU holds never ends (use
 * continue or a breakpoint past it; ^C still stops the stepping CPU).
 * With this flag the other CPUs run during each step, as gdb asked.
 */
#define KSTUB_CFG_STEP_RUNS_OTHERS 0x2u

/* Zero it, fill it in; zero fields take the default named beside them. */
struct kstub_config {
	const struct kstub_transport_ops *link;	/* required */
	void *link_ctx;
	const struct kstub_port_ops *port;	/* required */
	void *port_ctx;

	/*
	 * Two port-owned buffers of buf_len bytes each (at least
	 * KSTUB_BUF_LEN_MIN). buf_len 0 means KSTUB_BUF_LEN_DEFAULT, and
	 * then both buffers must be that large. rx_buf holds one received
	 * packet, tx_buf one framed reply kept for retransmission. buf_len
	 * less 4, or the link's max_packet if smaller, is advertised to gdb
	 * as PacketSize.
	 */
	uint8_t *rx_buf;
	uint8_t *tx_buf;
	size_t buf_len;

	uint32_t ncpus;			/* 0: 1. At most KSTUB_CPUS_MAX. */
	uint32_t idle_timeout_ms;	/* 0: wait for gdb forever */
	uint32_t ack_timeout_ms;	/* 0: 1000, then retransmit */
	uint32_t ack_retries;		/* 0: 4 transmissions at most */
	uint32_t roundup_timeout_ms;	/* 0: 1000 */
	uint32_t flags;			/* KSTUB_CFG_* */

	const struct kstub_monitor_cmd *monitor;	/* may be NULL */
	size_t monitor_count;
};

/*
 * Check cfg and make ks ready. Call once, before the first trap.
 * Returns 0, or KSTUB_EINVAL for a missing required hook (a link must
 * have exactly one of the byte and packet pairs), a max_packet below
 * KSTUB_LINK_PACKET_MIN, a buffer
 * smaller than KSTUB_BUF_LEN_MIN (or larger than 16 MiB) or too many CPUs.
 */
int kstub_init(struct kstub *ks, const struct kstub_config *cfg);

/*
 * A CPU trapped. Runs the debugger session (if this trap is the stub's to
 * handle) and returns when gdb resumes the kernel.
 * Called: from the port's trap handlers, with the interrupted state in f.
 * Context: interrupts off, on the trapping CPU (cpu < ncpus).
 * Returns: 0: resume from f (the stub may have changed any register,
 *   including rip, rsp, rflags.TF/RF/IF); KSTUB_EPASS: not consumed, the
 *   kernel handles the trap as it would without a debugger (f untouched).
 *   For a fault inside the stub, 0 comes back at once with f aimed at the
 *   stub's recovery point; the trap entry must not treat it differently.
 */
int kstub_trap(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
	       const struct kstub_trap *why);

/*
 * Park this CPU while another CPU owns the debugger; called from the
 * handler of the IPI that the port's cpus_stop hook sends.
 * Context: NMI (or IPI) context on CPU cpu.
 * Returns: 0 when released (f may have been changed by gdb: copy it back);
 *   KSTUB_EPASS if no debugger session asked for this CPU (an ordinary NMI
 *   the kernel must handle).
 */
int kstub_cpu_park(struct kstub *ks, uint32_t cpu, struct kstub_frame *f);

/*
 * Poll the link while the kernel runs. Returns true when gdb asked to
 * stop (a ^C byte, or a packet link's KSTUB_LINK_BREAK) or a debugger
 * started talking (a complete packet has arrived; on a packet link only
 * if it is KSTUB_LINK_AUTHENTICATED, otherwise the packet is dropped);
 * the port should then enter the stub with KSTUB_TRAP_BREAKIN.
 * What is read here is kept for the session: nothing is lost.
 * Context: a timer tick or the link's receive interrupt; may race with
 * kstub_trap() on another CPU (it then returns false).
 */
bool kstub_poll_break(struct kstub *ks);

/*
 * Mirror console output to gdb as O packets while gdb waits for the
 * kernel to stop. Returns 0 if gdb got the text, KSTUB_ENOTCONN if no
 * debugger is waiting (print it on the ordinary console instead) or
 * KSTUB_EBUSY if a debugger session is active on some CPU, or took the
 * link during the call: then the text from the packet it cut on is not
 * sent (earlier packets may have been; a retry repeats them).
 * Context: any, including interrupts off; never blocks for long.
 */
int kstub_console_write(struct kstub *ks, const char *s, size_t len);

/* Output of a monitor command, sent to gdb as O packets. */
int kstub_monitor_write(struct kstub *ks, const char *s, size_t len);

/*
 * Take back out of the kernel everything the stub put in: every int3
 * (persistent dprintfs that outlived their debugger included) restored
 * through the port's text_write, every debug register slot freed, every
 * agent condition and dprintf dropped. For a port that unloads the stub
 * from a kernel that keeps running (a module's exit).
 * Called: with no debugger attached (kstub_attached() false), and with
 *   no CPU inside the stub nor able to enter it until the call returns
 *   (the port has every other CPU stopped, e.g. by stop_machine, and
 *   interrupts off on this one).
 * Context: whatever the port's text_write needs; not a trap.
 * Does not: write the debug registers of any CPU: their state now says
 *   "none in use", and the port clears DR0-DR3/DR7 itself on each CPU.
 * Returns: 0, or the first error text_write gave (KSTUB_EBUSY: another
 *   CPU holds the kernel's text lock, ...); the int3s that failed are
 *   still in the kernel and still the stub's, with their dprintfs: call
 *   again later.
 */
int kstub_shutdown(struct kstub *ks);

/* True while a debugger is attached (it has talked and not detached). */
bool kstub_attached(const struct kstub *ks);

/* Enter the debugger from C code (kgdbwait, "sysctl debug.kdb.enter"). */
static inline void kstub_breakpoint(void)
{
	__asm__ volatile("int3" ::: "memory");
}

/* The definition of struct kstub, so that ports can allocate it. */
#include "kstub_state.h"

#endif /* KSTUB_H */
