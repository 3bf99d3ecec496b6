/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A machine for the core's unit tests, driven through the public API
 * only: a link that plays a script of bytes from "gdb" and records what
 * the stub sends, and a port with RAM, read-only text, a hole, the last
 * page of the address space, debug registers and optional threads.
 * Time advances on every clock read, so timeouts fire without waiting.
 */
#ifndef CORE_FIXTURE_H
#define CORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstub.h"

#define FX_RAM 0x10000ull		/* 64 KiB, read/write */
#define FX_RAM_LEN 0x10000ull
#define FX_TEXT 0xffffffff81000000ull	/* 4 KiB: read, text_write only */
#define FX_TEXT_LEN 0x1000ull
#define FX_TEXT_LOCKED 0xffffffff81000f00ull	/* text_write: KSTUB_EROFS */
#define FX_TOP 0xfffffffffffff000ull	/* last page, read/write */
#define FX_MAX_REPLIES 128
#define FX_OUT_MAX (1 << 20)

struct fx_opts {
	bool threads;		/* port thread hooks (else CPU threads) */
	bool no_dr;		/* no dr_get/dr_set */
	bool no_text_write;
	unsigned link_flags;	/* KSTUB_LINK_* */
	size_t buf_len;		/* 0: KSTUB_BUF_LEN_MIN */
	bool default_buf;	/* give kstub_init buf_len 0 */
	bool no_load_offset;
	unsigned many_threads;	/* with threads: this many, from FX_TID_MANY */
	uint32_t ncpus;
	uint32_t roundup_ms;	/* fake time: 100 us per clock read */
	uint32_t cfg_flags;	/* KSTUB_CFG_* */
};

/* Long ids, so a thread list needs several qsThreadInfo replies. */
#define FX_TID_MANY 0x7000000000000000ull

struct fx {
	struct kstub ks;
	uint8_t rx[1 << 15], tx[1 << 15];
	uint8_t ram[FX_RAM_LEN], text[FX_TEXT_LEN], top[0x1000];
	uint64_t dr[8];
	uint64_t clock_us;
	/* The script from gdb and what the stub sent. */
	uint8_t in[1 << 16];
	size_t in_len, in_pos;
	unsigned tail_used;	/* "$D#44" bytes given after the script */
	uint8_t out[FX_OUT_MAX];
	size_t out_len;
	/* Decoded replies (RLE expanded, checksums verified). */
	char *reply[FX_MAX_REPLIES];
	size_t reply_len[FX_MAX_REPLIES];
	unsigned nreplies, nacks, nnaks, bad_frames;
	struct kstub_frame frame;
	unsigned many_threads;
	/* Nonzero: text_write succeeds this many times more, then EROFS. */
	unsigned text_writes_left;
};

/* A link that never loses bytes: replies are buffer-sized at once. */
extern const struct fx_opts fx_reliable;

struct fx *fx_new(const struct fx_opts *o);
void fx_free(struct fx *fx);
/* Append bytes, or a packet framed with its checksum, to the script. */
void fx_raw(struct fx *fx, const void *p, size_t n);
void fx_pkt(struct fx *fx, const char *body);
/* A packet and the '+' for its reply. */
void fx_cmd(struct fx *fx, const char *body);
/* Enter the stub once (the script should end in a resume packet). */
int fx_trap(struct fx *fx, uint32_t vector);
/* Split out[] into acks and replies; returns the number of replies. */
unsigned fx_parse(struct fx *fx);
/* Run one session of commands ending in "c"; reply i of the session. */
const char *fx_reply(struct fx *fx, unsigned i);

/*
 * "G" and a fresh fixture's g reply (malloc'd): a G that writes every
 * register back as it is, for tests to edit. Offsets in its text:
 */
char *fx_g_image(void);
#define FX_G_CS (1 + 17 * 16 + 8)	/* 17 regs of 16 digits, eflags */
#define FX_G_DS (FX_G_CS + 16)

/* The manual's rules: "c*N" = N-29 more c; then "}x" = x ^ 0x20. */
size_t fx_rle_decode(const char *in, size_t n, char *out, size_t max);
size_t fx_unescape(const char *in, size_t n, uint8_t *out, size_t max);

#endif
