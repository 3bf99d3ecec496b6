/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The protocol harnesses' view of the fake machine (tests/fakes): its
 * own address map and threads, link escapes on, one configuration byte
 * per input, and the kernel running on between traps. Single CPU. The
 * clock creeps while bytes flow and leaps while the line is silent, so
 * every timeout fires within a few polls.
 */
#ifndef FUZZ_TARGET_H
#define FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "fake_machine.h"
#include "kstub.h"

#define FT_RAM 0x1000ull		/* 8 KiB read/write */
#define FT_RAM_LEN 0x2000ull
#define FT_TEXT 0x10000ull		/* 4 KiB, text_write only */
#define FT_TEXT_LEN 0x1000ull
#define FT_TOP 0xfffffffffffff000ull	/* the last page, read/write */
#define FT_TOP_LEN 0x1000ull
/* FT_TEXT holds the kernel's own int3 (kstub_breakpoint()). */

/*
 * The configuration byte that opens a session input: which trap enters
 * the stub first, what the link promises, how the stub is configured
 * and how much the port offers.
 */
#define FT_CFG_VECTOR 0x03	/* break-in, #BP, #DB, #PF */
#define FT_CFG_RELIABLE 0x04	/* KSTUB_LINK_RELIABLE: no-ack mode allowed */
/*
 * The fake packet link (fake_link.c: each framed packet in the input is
 * one whole packet) with a max_packet of FT_MAX_PACKET; with
 * FT_CFG_RELIABLE also KSTUB_LINK_AUTHENTICATED.
 */
#define FT_CFG_PACKET 0x08
#define FT_MAX_PACKET 1024
#define FT_CFG_RESUME 0x10	/* KSTUB_CFG_RESUME_ON_HANGUP */
#define FT_CFG_IDLE 0x20	/* idle_timeout_ms = 5000: FX_ESC_SILENCE trips it */
#define FT_CFG_BIGBUF 0x40	/* KSTUB_BUF_LEN_DEFAULT instead of _MIN */
#define FT_CFG_BARE 0x80	/* only the required port hooks */

/* Link escapes (FX_ESC, FX_ESC_*) are the fake link's: fake_machine.h. */

/* ft_trap() result when the stub rebooted the machine (R, monitor reboot). */
#define FT_REBOOTED 1

/* Fresh machine and kstub_init() with cfg (FT_CFG_*). */
void ft_reset(uint8_t cfg);

/*
 * What gdb sends from now on. tail repeats forever once data runs out,
 * but only inside ft_trap(): while the kernel runs, an exhausted line is
 * silent. tail must end the session ("$D#44", "$c#63").
 */
void ft_feed(const uint8_t *data, size_t len, const char *tail);

/* Bytes of the last ft_feed() data not yet read by the stub. */
size_t ft_unread(void);

/* One trap into the stub on CPU 0; kstub_trap()'s result or FT_REBOOTED. */
int ft_trap(uint32_t vector);

/*
 * The kernel runs on after a resume: what does it hit next? A pending
 * single step, then an armed debug register, then an int3 the stub
 * planted, in turn; else gdb breaks in. Sets up rip and DR6 to match.
 */
uint32_t ft_next_vector(void);

/* Break in and detach; abort if any int3 stayed in the kernel's text. */
void ft_finish(void);

struct kstub *ft_stub(void);

/* CPU 0's registers, as the next trap will hand them to the stub. */
struct kstub_frame *ft_frame(void);

/* Advance the clock (the kernel ran for a while). */
void ft_sleep_us(uint64_t us);

/*
 * A whole debugging life: data[0] is FT_CFG_*, the rest is what gdb
 * sends (until it runs out, then "$D#44"). Each resume lets the kernel
 * run into its next trap (ft_next_vector), a bounded number of times.
 */
void fuzz_session(const uint8_t *data, size_t len);

#endif
