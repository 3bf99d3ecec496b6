/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one fake machine behind the unit suites and the fuzz harnesses,
 * driven through the stub's public API only. fake_link.c: a link that
 * plays a script of bytes from "gdb" (with optional escapes for silence,
 * hangups and failed sends), checks every frame the stub sends and keeps
 * a copy; with opts.packet_link it is a packet link instead, handing
 * over each framed packet of the script whole. fake_port.c: RAM, read-only text, a hole, the last page of
 * the address space, debug registers, threads and a clock that advances
 * on every read, so timeouts fire without waiting. fake_rsp.c: what the
 * stub sent, split into acks and decoded replies.
 */
#ifndef FAKE_MACHINE_H
#define FAKE_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstub.h"
#include "fake_rsp.h"

/* The default address map; a harness may pass its own fx_layout. */
#define FX_RAM 0x10000ull		/* 64 KiB, read/write */
#define FX_RAM_LEN 0x10000ull
#define FX_TEXT 0xffffffff81000000ull	/* 4 KiB: read, text_write only */
#define FX_TEXT_LEN 0x1000ull
#define FX_TEXT_LOCKED 0xffffffff81000f00ull	/* text_write: KSTUB_EROFS */
#define FX_TOP 0xfffffffffffff000ull	/* last page, read/write */
#define FX_TOP_LEN 0x1000ull
#define FX_MAX_REPLIES 128
#define FX_OUT_MAX (1 << 20)
#define FX_IN_MAX (1 << 16)

/* Long ids, so a thread list needs several qsThreadInfo replies. */
#define FX_TID_MANY 0x7000000000000000ull

/*
 * Where RAM and text sit: at most FX_RAM_LEN and FX_TEXT_LEN bytes, the
 * top page is always the last of the address space. text_write refuses
 * from text_locked on (KSTUB_EROFS); text + text_len means never.
 */
struct fx_layout {
	uint64_t ram, ram_len, text, text_len, text_locked;
	uint64_t load_offset;
};

/* A kernel thread of the port's list; regs NULL: no saved context. */
struct fx_thread {
	uint64_t tid;
	const char *name, *state;
	uint32_t cpu;			/* KSTUB_CPU_NONE: asleep */
	const struct kstub_frame *regs;
};

struct fx_opts {
	bool threads;		/* port thread hooks (else CPU threads) */
	bool no_dr;		/* no dr_get/dr_set */
	bool no_text_write;
	unsigned link_flags;	/* KSTUB_LINK_* */
	bool packet_link;	/* recv_packet/send_packet, not bytes */
	size_t max_packet;	/* the packet link's; 0: the buffers' */
	size_t buf_len;		/* 0: KSTUB_BUF_LEN_MIN */
	bool default_buf;	/* give kstub_init buf_len 0 */
	bool no_load_offset;
	unsigned many_threads;	/* with threads: this many, from FX_TID_MANY */
	uint32_t ncpus;
	uint32_t roundup_ms;	/* fake time: 100 us per clock read */
	uint32_t cfg_flags;	/* KSTUB_CFG_* */
	/* Below: zero means the unit suites' machine. */
	bool bare;		/* only the required port hooks, no monitor */
	bool escapes;		/* FX_ESC sequences in the script are events */
	bool no_capture;	/* check what the stub sends, keep no copy */
	uint32_t idle_timeout_ms;
	uint32_t clock_step_us;	/* per clock read while bytes flow: 100 */
	uint32_t silent_step_us;/* per clock read on a silent line: 100 */
	const struct fx_layout *layout;
	const struct fx_thread *thread_table;	/* with threads */
	unsigned nthreads;
};

/*
 * Link escapes (with opts.escapes): FX_ESC followed by one of these
 * letters is an event on the line, not data. FX_ESC FX_ESC is one data
 * byte 0xf5; FX_ESC before anything else is itself data. 0xf5 is never
 * valid in UTF-8, so gdb's text traffic never contains it.
 */
#define FX_ESC 0xf5
/* silent for 2 polls: cut-packet nak, one retransmit */
#define FX_ESC_QUIET 's'
/* silent for 8 polls: ack give-up, idle timeout */
#define FX_ESC_SILENCE 'S'
#define FX_ESC_HANGUP 'h'	/* the next read says KSTUB_ENOTCONN */
#define FX_ESC_SEND_EIO 'e'	/* the next send fails with KSTUB_EIO */
#define FX_ESC_SEND_GONE 'g'	/* the next send fails with KSTUB_ENOTCONN */

struct fx {
	struct kstub ks;
	struct kstub_frame frame;	/* what the next fx_trap() hands in */
	struct kstub_port_ops port_ops;	/* tests may rewire these */
	struct kstub_transport_ops link_ops;
	uint8_t *rx, *tx;	/* exactly buf_len: ASan sees overruns */
	/* The port. */
	const struct fx_layout *layout;
	const struct fx_thread *thread_table;
	unsigned nthreads, many_threads;
	uint8_t ram[FX_RAM_LEN], text[FX_TEXT_LEN], top[FX_TOP_LEN];
	uint64_t dr[8];
	uint64_t clock_us;
	uint32_t clock_step_us, silent_step_us;
	bool clock_silent;	/* the last read found the line silent */
	/* Nonzero: text_write succeeds this many times more, then EROFS. */
	unsigned text_writes_left;
	/* The line from gdb: the script (in[] unless fx_feed() gave one). */
	uint8_t in[FX_IN_MAX];
	const uint8_t *src;
	size_t in_len, in_pos;
	const char *tail;	/* replayed in a trap once src runs out */
	size_t tail_len;
	unsigned tail_used;		/* tail bytes handed out */
	bool escapes, in_trap, link_entered;
	unsigned quiet;			/* polls left of an escaped silence */
	int send_fail;			/* the next send's error */
	/* What the stub sent (out is NULL with no_capture). */
	uint8_t *out;
	size_t out_len;
	/* Decoded replies (RLE expanded, checksums verified): fx_parse(). */
	char *reply[FX_MAX_REPLIES];
	size_t reply_len[FX_MAX_REPLIES];
	unsigned nreplies, nacks, nnaks, bad_frames;
	/* The packet link: packets taken, the largest sent, sessions. */
	unsigned packets_in, sessions_started, sessions_ended;
	size_t max_sent;
};

/*
 * A harness's failure: the unit fixture fails the Check test, a fuzz
 * harness aborts. Every harness linking the fakes defines it.
 */
_Noreturn void fx_fail(const char *why);

/* A machine with kstub_init() done; NULL opts: the unit suites' one. */
struct fx *fx_new(const struct fx_opts *o);
/* The same machine made anew in place, as fx_new() would (a fuzz input). */
struct fx *fx_renew(struct fx *fx, const struct fx_opts *o);
void fx_free(struct fx *fx);
/* Enter the stub once on CPU 0 (the script should end in a resume). */
int fx_trap(struct fx *fx, uint32_t vector);

/* fake_link.c: append bytes, or a packet framed with its checksum. */
void fx_raw(struct fx *fx, const void *p, size_t n);
void fx_pkt(struct fx *fx, const char *body);
/* A packet and the '+' for its reply. */
void fx_cmd(struct fx *fx, const char *body);
/*
 * Read from data instead of the script from now on. tail (NULL: none)
 * repeats once data runs out, but only inside fx_trap(): while the
 * kernel runs, an exhausted line is silent.
 */
void fx_feed(struct fx *fx, const uint8_t *data, size_t len,
	     const char *tail);
void fx_link_ops(struct fx *fx, const struct fx_opts *o);

/* fake_port.c: the port hooks opts ask for, and memory as the CPU sees it. */
void fx_port_ops(struct fx *fx, const struct fx_opts *o);
long fx_mem_access(struct fx *fx, uint64_t addr, void *buf, size_t len,
		   bool write);

/* Split out[] into acks and replies; returns the number of replies. */
unsigned fx_parse(struct fx *fx);
/* Reply i of what fx_parse() found. */
const char *fx_reply(struct fx *fx, unsigned i);

#endif
