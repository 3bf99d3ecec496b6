/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The wire as gdb reads it (RSP manual, "Overview" and "Binary Data"):
 * one ack, nak or framed packet at a time, run-length decoding and
 * escapes. The fakes check every send with it and the suites decode
 * replies with it, so there is one reading of the stub's output.
 */
#ifndef FAKE_RSP_H
#define FAKE_RSP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The next unit at buf[*pos]: returns '+', '-' or '$' (then body and
 * body_len are the packet's, checksum verified) and moves *pos past it;
 * or 0 with *why set when the bytes are not a well-formed unit.
 */
int fx_rsp_next(const uint8_t *buf, size_t len, size_t *pos,
		const uint8_t **body, size_t *body_len, const char **why);

/* "#xx" for body. */
unsigned fx_rsp_checksum(const void *body, size_t len);

/*
 * The manual's rules: "c*N" = N-29 more c; then "}x" = x ^ 0x20.
 * fx_rle_decode returns -1 for a '*' with nothing to repeat or a count
 * gdb would not send, and stops at max.
 */
long fx_rle_decode(const char *in, size_t n, char *out, size_t max);
size_t fx_unescape(const char *in, size_t n, uint8_t *out, size_t max);

#endif
