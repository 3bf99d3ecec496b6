/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to stub/src: the modules of the core and how they call each
 * other. Nothing here is visible to ports or transports.
 */
#ifndef KSTUB_INT_H
#define KSTUB_INT_H

#include "kstub.h"

/* A handler built its reply (0), or there is none to send now. */
#define KSTUB_NOREPLY 1

/* struct kstub_stop.reason */
enum kstub_stop_reason {
	KSTUB_STOP_NONE,
	KSTUB_STOP_SWBREAK,
	KSTUB_STOP_HWBREAK,
	KSTUB_STOP_WATCH,
	KSTUB_STOP_RWATCH,
	KSTUB_STOP_AWATCH,
};

enum kstub_cpu_state {
	KSTUB_CPU_RUNNING,
	KSTUB_CPU_ENTERING,	/* in kstub_trap, waiting to become master */
	KSTUB_CPU_PARKED,
	KSTUB_CPU_MASTER,
};

/* What a CPU does when the session ends. */
enum kstub_order { KSTUB_GO_STAY, KSTUB_GO_CONT, KSTUB_GO_STEP };

/* ---- rsp_cursor.c: parsing a received packet ---- */
struct kstub_cur {
	const uint8_t *p;
	const uint8_t *end;
};

int kstub_hexval(uint8_t c);
bool kstub_cur_eof(const struct kstub_cur *c);
bool kstub_cur_take(struct kstub_cur *c, char ch);
bool kstub_cur_skip_str(struct kstub_cur *c, const char *s);
int kstub_cur_hex(struct kstub_cur *c, uint64_t *v);
int kstub_cur_tid(struct kstub_cur *c, uint64_t *tid, bool *all);
int kstub_cur_hexbytes(struct kstub_cur *c, uint8_t *dst, size_t n);
int kstub_cur_range(struct kstub_cur *c, uint64_t *addr, uint64_t *len);
size_t kstub_strlen(const char *s);
bool kstub_memeq(const void *a, const void *b, size_t n);

/* ---- rsp_frame.c: bytes in -> packets (rsp_stream.c's framer) ---- */
enum kstub_rx_event {
	KSTUB_RX_NONE,
	KSTUB_RX_PACKET,	/* rx_buf holds rx.len bytes (or overflow) */
	KSTUB_RX_BADSUM,
	KSTUB_RX_INTR,		/* 0x03 outside a packet */
	KSTUB_RX_ACK,
	KSTUB_RX_NAK,
};
void kstub_rx_reset(struct kstub *ks);
bool kstub_rx_busy(const struct kstub *ks);
enum kstub_rx_event kstub_rx_byte(struct kstub *ks, uint8_t b);

/* ---- rsp_tx.c: building a reply (RLE, escapes, checksum) ---- */
void kstub_tx_begin(struct kstub *ks);
size_t kstub_tx_room(const struct kstub *ks);
void kstub_tx_putc(struct kstub *ks, uint8_t c);
void kstub_tx_str(struct kstub *ks, const char *s);
void kstub_tx_hex8(struct kstub *ks, uint8_t v);
void kstub_tx_hexnum(struct kstub *ks, uint64_t v);
void kstub_tx_decnum(struct kstub *ks, uint64_t v);
void kstub_tx_hexmem(struct kstub *ks, const uint8_t *p, size_t n);
void kstub_tx_hexstr(struct kstub *ks, const char *s, size_t n);
void kstub_tx_bin(struct kstub *ks, const uint8_t *p, size_t n);
/* A byte that binary data carries as '}' and the byte ^ 0x20. */
static inline bool kstub_tx_escaped(uint8_t c)
{
	return c == '#' || c == '$' || c == '}' || c == '*';
}
void kstub_tx_error(struct kstub *ks, int err);
void kstub_tx_finish(struct kstub *ks);

/*
 * ---- link.c: the session's only way to the link: a packet up
 * (kstub_link_recv, kstub_link_poll), a reply down (kstub_link_send) ----
 */
uint64_t kstub_now_us(struct kstub *ks);
void kstub_link_init(struct kstub *ks);
void kstub_link_fresh(struct kstub *ks);
int kstub_link_recv(struct kstub *ks);
int kstub_link_send(struct kstub *ks);
int kstub_link_poll(struct kstub *ks, uint32_t own);
uint32_t kstub_link_take(struct kstub *ks);
bool kstub_link_lost(struct kstub *ks, uint32_t own);
void kstub_link_give(struct kstub *ks, uint32_t own);
int kstub_link_send_buf(struct kstub *ks, const uint8_t *p, size_t n,
			uint32_t own);
void kstub_link_end(struct kstub *ks);

/* ---- rsp_stream.c: packets over a byte link (acks, retransmission) ---- */
void kstub_stream_fresh(struct kstub *ks);
uint64_t kstub_stream_answer_from(struct kstub *ks);
int kstub_stream_poll(struct kstub *ks, uint32_t own);
int kstub_stream_send(struct kstub *ks);
int kstub_stream_send_buf(struct kstub *ks, const uint8_t *p, size_t n,
			  uint32_t own);

/* ---- dispatch.c: a packet to its handler and reply ---- */
int kstub_dispatch(struct kstub *ks);

/* ---- session.c: serving gdb while the kernel is stopped ---- */
void kstub_session_run(struct kstub *ks, uint32_t cpu, bool hangup_only);

/* ---- stop_reply.c ---- */
void kstub_stop_reply(struct kstub *ks);
void kstub_tx_expedite(struct kstub *ks, const struct kstub_frame *f,
		       bool json);

/* ---- command handlers (cmd_*.c, xfer.c, monitor.c) ---- */
typedef int (*kstub_cmd_fn)(struct kstub *ks, struct kstub_cur *args);
int kstub_cmd_regs_g(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_regs_G(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_reg_p(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_reg_P(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_mem_m(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_mem_M(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_mem_X(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_mem_x(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_Z(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_z(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_stop_query(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_supported(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_noack(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_attached(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_offsets(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_empty(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_c(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_C(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_s(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_S(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_vcont_query(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_vcont(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_detach(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_kill(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_reboot(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_T(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_H(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_qC(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_thread_first(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_thread_more(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_thread_extra(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_threads_info(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_thread_stop_info(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_region_info(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_xfer(struct kstub *ks, struct kstub_cur *a);
int kstub_cmd_rcmd(struct kstub *ks, struct kstub_cur *a);

/* ---- threads.c: thread ids, CPUs and register frames ---- */
bool kstub_port_threads(const struct kstub *ks);
uint64_t kstub_cpu_tid(struct kstub *ks, uint32_t cpu);
uint32_t kstub_tid_cpu(struct kstub *ks, uint64_t tid);
int kstub_thread_next(struct kstub *ks, uint64_t after, uint64_t *tid);
/*
 * The threads the debugger is shown, one per call: *cursor starts at 0
 * and is opaque. Every thread, or only those on a CPU when there are
 * more than KSTUB_THREADS_LIST_MAX (see kstub_threads_all). KSTUB_ENOENT
 * at the end.
 */
int kstub_thread_list_next(struct kstub *ks, uint64_t *cursor, uint64_t *tid);
/* v in decimal at buf, no NUL; returns the digits written (1-10). */
size_t kstub_dec(char buf[10], uint32_t v);
/* Whether the list above is every thread. */
bool kstub_threads_all(struct kstub *ks);
bool kstub_thread_exists(struct kstub *ks, uint64_t tid);
int kstub_thread_info(struct kstub *ks, uint64_t tid,
		      struct kstub_thread_info *out);
int kstub_thread_frame(struct kstub *ks, uint64_t tid,
		       struct kstub_frame **f, bool *ro);
uint64_t kstub_resolve_tid(const struct kstub *ks, uint64_t tid);

/* ---- breakpoints.c: int3 patches and debug-register state ---- */
bool kstub_have_dr(const struct kstub *ks);
struct kstub_swbp *kstub_swbp_find(struct kstub *ks, uint64_t addr);
int kstub_swbp_insert(struct kstub *ks, uint64_t addr);
int kstub_swbp_remove(struct kstub *ks, uint64_t addr);
void kstub_swbp_hide(struct kstub *ks, uint64_t addr, uint8_t *buf,
		     size_t n);
void kstub_swbp_written(struct kstub *ks, uint64_t addr, const uint8_t *buf,
			size_t n);
void kstub_bp_remove_all(struct kstub *ks);
void kstub_dr_refresh_shadows(struct kstub *ks);
bool kstub_dr_read_hit(struct kstub *ks, unsigned slot);
void kstub_dr_view(struct kstub *ks, struct kstub_dr_view *v);
bool kstub_dr_exec_at(const struct kstub *ks, uint64_t rip);
void kstub_dr_load(struct kstub *ks);
uint64_t kstub_dr_enter(struct kstub *ks);

/* ---- agent_hit.c: conditions and dprintf at a breakpoint hit ---- */
int kstub_agent_stage(struct kstub *ks, unsigned type, uint64_t addr,
		      const uint8_t *tail, size_t len);
void kstub_agent_commit(struct kstub *ks, unsigned type, uint64_t addr);
void kstub_agent_clear(struct kstub *ks, unsigned type, uint64_t addr);
int kstub_agent_z0_insert(struct kstub *ks, uint64_t addr);
int kstub_agent_z0_remove(struct kstub *ks, uint64_t addr);
int kstub_agent_dr_yield(struct kstub *ks, uint64_t addr, bool any);
bool kstub_agent_z0_on_dr(struct kstub *ks, uint64_t addr);
void kstub_agent_forget(struct kstub *ks);
/* dr: true for a breakpoint in a debug register, false for an int3. */
bool kstub_agent_keep(struct kstub *ks, bool dr, uint64_t addr);
/* redo: the hit a roundup interrupted, again: its verdict stands. */
int kstub_agent_hit(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		    bool dr, bool redo);
void kstub_agent_step_end(struct kstub *ks, struct kstub_cpu_slot *cs);
int kstub_agent_monitor(struct kstub *ks, const char *args, size_t len);

/* ---- cpus.c: stopping, parking and releasing CPUs ---- */
void kstub_order_all(struct kstub *ks, uint8_t order);
int kstub_order_tid(struct kstub *ks, uint64_t tid, uint8_t order);
int kstub_roundup(struct kstub *ks, uint32_t self);
void kstub_release(struct kstub *ks, uint32_t self);
void kstub_park_wait(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		     bool apply);
void kstub_cpu_leave(struct kstub *ks, uint32_t cpu);
uint32_t kstub_step_skip_halts(struct kstub *ks);

/* ---- hangup.c: what a debugger leaves behind ---- */
void kstub_forget(struct kstub *ks);
void kstub_hangup(struct kstub *ks);
void kstub_hangup_keep_input(struct kstub *ks);

/* ---- recover.c: a fault inside a command ---- */
int kstub_recover_trap(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		       const struct kstub_trap *why);
int kstub_recover_abort(struct kstub *ks);

/* ---- console.c: O packets ---- */
int kstub_send_console(struct kstub *ks, const char *s, size_t len);

/* ---- monitor.c ---- */
int kstub_monitor_fail(struct kstub *ks, int err, bool faulted);

/* Atomics on aligned 32-bit words: plain gcc/clang builtins, no libatomic. */
static inline uint32_t kstub_load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void kstub_store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline bool kstub_cas(uint32_t *p, uint32_t old, uint32_t v)
{
	return __atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

#endif /* KSTUB_INT_H */
