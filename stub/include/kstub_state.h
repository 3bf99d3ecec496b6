/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The definition of struct kstub. It is public only so that a port can
 * allocate one statically (as lfs_t is in littlefs); no port or transport
 * may read or write its members. Sizes are set at compile time by
 * KSTUB_CPUS_MAX, KSTUB_SWBP_MAX and KSTUB_AGENT_BP_MAX.
 */
#ifndef KSTUB_STATE_H
#define KSTUB_STATE_H

#include "kstub_frame.h"
#include "kstub_types.h"
#include "../arch/x86_64/kstub_arch.h"
#include "../arch/x86_64/kstub_arch_recover.h"
#include "../src/agent.h"

/*
 * 64: servers have that many and more. Each CPU costs a 48-byte slot
 * in struct kstub (64 make it about 5.5 KiB, 16 made it 3.3 KiB) and no
 * stack; a kernel with more CPUs raises it.
 */
#ifndef KSTUB_CPUS_MAX
#define KSTUB_CPUS_MAX 64
#endif
#ifndef KSTUB_SWBP_MAX
#define KSTUB_SWBP_MAX 64
#endif
/*
 * Breakpoints (Z0 or Z1 addresses) that may carry target-side conditions
 * or dprintf commands at once. Each costs a struct kstub_agent_slot
 * (about 1.6 KiB of RAM, no text), so the default is small: a session
 * rarely has more than a handful of conditional breakpoints. One past the
 * limit gets E6a for its condition (gdb says so; nothing falls back to
 * host evaluation silently). At least 1.
 */
#ifndef KSTUB_AGENT_BP_MAX
#define KSTUB_AGENT_BP_MAX 4
#endif
/* Bytes of one dprintf's output; more is cut and marked "...". */
#define KSTUB_AGENT_OUT_MAX 256

/*
 * A kernel with more threads than this lists only the threads on its
 * CPUs to the debugger (threads.c), unless "monitor threads all" asks
 * for every one: gdb fetches the whole list at every stop it prints.
 */
#ifndef KSTUB_THREADS_LIST_MAX
#define KSTUB_THREADS_LIST_MAX 128
#endif

/* The byte-fed packet framer (rsp_frame.c). */
struct kstub_rx {
	uint8_t state;		/* enum in rsp_frame.c */
	uint8_t sum;		/* running checksum of the data */
	uint8_t csum_hi;	/* first received checksum digit */
	uint8_t overflow;	/* data did not fit: answer E07 */
	uint32_t len;		/* data bytes stored in rx_buf */
};

/* The reply being built in tx_buf (rsp_tx.c). */
struct kstub_tx {
	uint32_t pos;		/* next free byte */
	uint32_t limit;		/* data may not pass this index */
	uint32_t end;		/* one past the checksum once finished */
	uint16_t run_len;	/* repeats of run_char not yet emitted */
	uint8_t run_char;
	uint8_t run_ok;		/* the last char emitted may start a run */
	uint8_t sum;
	uint8_t overflow;	/* something did not fit */
	uint8_t pad[6];
};

struct kstub_swbp {
	uint64_t addr;
	uint8_t orig;		/* the byte int3 replaced */
	uint8_t in_use;
	/* CPUs stepping over it after a false condition (agent_hit.c): the
	 * int3 is back in the text when this drops to 0. */
	uint8_t lifted;
	uint8_t pad[5];
};

/* The conditions and commands of one breakpoint address (agent_hit.c). */
struct kstub_agent_slot {
	uint64_t addr;
	uint8_t type;		/* 0: Z0, 1: Z1 (the packet that set it) */
	uint8_t in_use;
	uint8_t on_dr;		/* a Z0 held in an exec debug register */
	uint8_t pad[5];
	struct kstub_agent_bp bp;
};

/* Why the session stopped: what the T stop reply says. */
struct kstub_stop {
	uint64_t tid;
	uint64_t addr;		/* watch/rwatch/awatch address */
	uint32_t cpu;
	uint8_t signo;		/* GDB signal number */
	uint8_t reason;		/* KSTUB_STOP_* in kstub_int.h */
	uint8_t fault;		/* a CPU fault: C<sig> hands it to the kernel */
	uint8_t pad;
};

/*
 * The recovery point of the command being run (recover.c): armed by the
 * master around each handler, consumed by a trap taken inside it.
 */
struct kstub_recover {
	struct kstub_arch_jmp jmp;
	uint32_t armed;		/* atomic: jmp is live; only the master sets it */
	uint32_t count;		/* commands ended by a contained fault */
	uint32_t vector;	/* the last one: its trap vector, */
	uint32_t pad;
	uint64_t rip;		/* where it faulted, */
	uint64_t addr;		/* and the fault address (CR2) */
};

struct kstub_cpu_slot {
	struct kstub_frame *frame;	/* while parked or master */
	struct kstub_step step;		/* a step in progress on this CPU */
	uint32_t state;			/* atomic: enum kstub_cpu_state */
	uint32_t go;			/* atomic: set to release a parked CPU */
	uint32_t want;			/* atomic: the roundup asked it to park */
	uint32_t late;			/* atomic: roundup NMIs still in flight */
	uint64_t dr6;			/* DR6 read at the last entry */
	uint8_t order;			/* enum kstub_order */
	uint8_t asked;			/* master only: this roundup asked it */
	uint8_t pass;			/* return KSTUB_EPASS from the trap */
	/* Stepping over agent_addr's int3 after a false condition. */
	uint8_t agent_step;
	/* A roundup undid that step: the next hit there is the same one. */
	uint8_t agent_redo;
	uint8_t pad[3];
	uint64_t agent_addr;
};

struct kstub {
	struct kstub_config cfg;
	uint32_t pkt_max;	/* PacketSize: data bytes gdb may send */
	uint32_t ncpus;
	struct kstub_rx rx;
	struct kstub_tx tx;
	uint64_t last_rx_us;	/* when the last byte from gdb arrived */
	uint64_t wire_free_us;	/* when what was sent is off the wire (tx_time_us) */
	uint64_t partial_since;	/* byte link: a cut packet went quiet then */
	/* Session flags (one byte each: they are set from trap context). */
	uint8_t pkt_ready;	/* a whole packet waits in rx_buf */
	uint8_t link_session;	/* the link was told a session started */
	uint8_t noack;		/* QStartNoAckMode in effect */
	uint8_t attached;	/* a debugger has talked and not detached */
	uint8_t waiting;	/* gdb resumed us and waits for a stop reply */
	uint8_t x_raw;		/* lldb-style x replies (no 'b' prefix) */
	uint8_t resume;		/* set by a resume command: leave the loop */
	uint8_t in_rcmd;	/* monitor output may be sent */
	uint8_t rcmd_len;	/* the monitor line in scratch */
	uint8_t break_pending;	/* ^C seen while the kernel ran */
	uint8_t hangup_pending;	/* the link dropped while the kernel ran */
	uint8_t detaching;	/* D: forget the session once OK is sent */
	uint8_t peer_swbreak;	/* gdb said swbreak+: stop replies may say why */
	uint8_t peer_hwbreak;
	uint8_t g_nregs;	/* registers a g reply carries; only shrinks */
	uint8_t unconfirmed;	/* the last reply's ack was garbled, not seen */
	uint8_t greeted;	/* this debugger sent qSupported */
	uint8_t threads_all;	/* monitor threads all: list every thread */
	uint32_t reply_cap;	/* data bytes a reply that may be short carries */
	uint32_t clean_bytes;	/* sent and acked at once since the last fault */
	uint32_t fault_gap;	/* average clean_bytes between faults, 0: none */
	uint32_t master;	/* atomic: CPU owning the session, or KSTUB_CPU_NONE */
	uint32_t poll_lock;	/* atomic: 0 free, 1 a master, else a
				 * poll's or console write's token */
	uint32_t link_seq;	/* atomic: makes those tokens */
	uint32_t link_sending;	/* atomic: token whose send() is under way */
	struct kstub_stop stop;		/* the last stop, for '?' */
	struct kstub_recover recover;
	uint64_t g_tid;			/* Hg: registers view (0: stop thread) */
	uint64_t c_tid;			/* Hc: thread for c/s (0: stop thread) */
	uint64_t list_cursor;		/* qsThreadInfo: last tid sent */
	uint32_t roundup_us;		/* the last roundup: first trap to all parked */
	uint32_t roundup_missing;	/* CPUs it asked that had not parked */
	struct kstub_dr_state dr;
	struct kstub_swbp swbp[KSTUB_SWBP_MAX];
	struct kstub_cpu_slot cpu[KSTUB_CPUS_MAX];
	/* Registers of a thread that is not on a CPU (from thread_regs). */
	struct kstub_frame other;
	uint64_t other_tid;		/* 0: .other holds nothing */
	uint8_t scratch[256];		/* memory chunks for m/x/M/X */
	/* Target-side conditions and dprintf (agent_hit.c). Evaluation runs
	 * only on the master CPU, so one machine and one buffer serve all
	 * CPUs; a Z packet is parsed into agent_new before it replaces
	 * anything, so a rejected one leaves the old conditions alone. */
	struct kstub_agent_slot agent[KSTUB_AGENT_BP_MAX];
	struct kstub_agent_bp agent_new;
	uint8_t agent_new_dr;		/* the Z0 being set went into a DR */
	struct kstub_agent_vm agent_vm;
	char agent_out[KSTUB_AGENT_OUT_MAX];
};

#endif /* KSTUB_STATE_H */
