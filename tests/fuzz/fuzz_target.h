/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The machine every protocol harness talks to: a fake link that plays
 * the fuzzer's bytes and checks every packet the stub sends, and a fake
 * port with holes in its memory, read-only text, debug registers and a
 * few kernel threads. Single CPU; time advances on every clock read so
 * every timeout fires in bounded work.
 */
#ifndef FUZZ_TARGET_H
#define FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

#define FT_RAM 0x1000ull		/* 8 KiB read/write */
#define FT_RAM_LEN 0x2000ull
#define FT_TEXT 0x10000ull		/* 4 KiB, text_write only */
#define FT_TEXT_LEN 0x1000ull
#define FT_TOP 0xfffffffffffff000ull	/* the last page, readable */

/*
 * Enter the stub once with the given trap vector, feeding data as the
 * bytes from gdb; when they run out the link says "$D#44" until the
 * session ends. Aborts if the stub sends a malformed packet.
 */
void fuzz_session(const uint8_t *data, size_t len, uint32_t vector);

#endif
