/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dispatcher and its handlers, past the framer. After the FT_CFG_*
 * byte each line is one packet body; the harness adds the ack before it,
 * '$', escapes for '$' and '#', and a correct checksum, so mutations go
 * into commands instead of dying on checksums. A line that starts with
 * FX_ESC goes out raw: link events, ^C, noise between packets.
 */
#include <string.h>

#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define BODIES_IN_MAX 16384
/* Worst case: every input byte an empty line, "+$#00" each. */
static uint8_t stream[5 * BODIES_IN_MAX + 8];

static size_t frame_line(uint8_t *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;
	unsigned sum = 0;
	uint8_t b;

	out[k++] = '+';
	out[k++] = '$';
	for (i = 0; i < n; i++) {
		b = p[i];
		if (b == '$' || b == '#') {
			out[k++] = '}';
			sum += '}';
			b ^= 0x20;
		} else if (b == FX_ESC) {
			out[k++] = FX_ESC;	/* FX_ESC FX_ESC: one data byte */
		}
		out[k++] = b;
		sum += b;
	}
	out[k++] = '#';
	out[k++] = (uint8_t)hex[(sum >> 4) & 0xf];
	out[k++] = (uint8_t)hex[sum & 0xf];
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const uint8_t *p, *end, *nl;
	size_t n = 0;

	if (len == 0)
		return 0;
	if (len > BODIES_IN_MAX)
		len = BODIES_IN_MAX;
	stream[n++] = data[0];
	for (p = data + 1, end = data + len; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (p < nl && *p == FX_ESC) {
			memcpy(stream + n, p, (size_t)(nl - p));
			n += (size_t)(nl - p);
		} else {
			n += frame_line(stream + n, p, (size_t)(nl - p));
		}
	}
	fuzz_session(stream, n);
	return 0;
}
