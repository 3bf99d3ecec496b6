/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading the stub's output as gdb would: see fake_rsp.h. */
#include "fake_machine.h"
#include "kstub_int.h"	/* kstub_hexval */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned fx_rsp_checksum(const void *body, size_t len)
{
	const uint8_t *p = body;
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += p[i];
	return sum & 0xff;
}

int fx_rsp_next(const uint8_t *buf, size_t len, size_t *pos,
		const uint8_t **body, size_t *body_len, const char **why)
{
	size_t i = *pos, j;
	int hi, lo;

	if (buf[i] == '+' || buf[i] == '-') {
		*pos = i + 1;
		return buf[i];
	}
	if (buf[i] != '$') {
		*why = "junk between packets";
		return 0;
	}
	for (j = i + 1; j < len && buf[j] != '#'; j++) {
		if (buf[j] == '$') {
			*why = "raw $ in a packet";
			return 0;
		}
	}
	if (j + 2 >= len) {
		*why = "packet cut short";
		return 0;
	}
	hi = kstub_hexval(buf[j + 1]);
	lo = kstub_hexval(buf[j + 2]);
	*body = buf + i + 1;
	*body_len = j - i - 1;
	if (hi < 0 || lo < 0 ||
	    (unsigned)(hi << 4 | lo) != fx_rsp_checksum(*body, *body_len)) {
		*why = "bad checksum";
		return 0;
	}
	*pos = j + 3;
	return '$';
}

long fx_rle_decode(const char *in, size_t n, char *out, size_t max)
{
	size_t i, k = 0;
	int r;

	for (i = 0; i < n; i++) {
		if (in[i] != '*') {
			if (k < max)
				out[k++] = in[i];
			continue;
		}
		/* gdb's counts are printable and never '#' or '$'. */
		if (k == 0 || i + 1 >= n || in[i + 1] < 32 || in[i + 1] > 126 ||
		    in[i + 1] == '#' || in[i + 1] == '$')
			return -1;
		for (r = in[++i] - 29; r > 0 && k < max; r--, k++)
			out[k] = out[k - 1];
	}
	return (long)k;
}

size_t fx_unescape(const char *in, size_t n, uint8_t *out, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n && k < max; i++)
		out[k++] = in[i] == '}' && i + 1 < n ? (uint8_t)(in[++i] ^ 0x20)
						   : (uint8_t)in[i];
	return k;
}

unsigned fx_parse(struct fx *fx)
{
	char msg[96];
	const uint8_t *body;
	const char *why = "";
	size_t i = 0, n;
	long got;
	char *buf;
	int kind;

	while (i < fx->out_len) {
		kind = fx_rsp_next(fx->out, fx->out_len, &i, &body, &n, &why);
		if (kind == '+' || kind == '-') {
			kind == '+' ? fx->nacks++ : fx->nnaks++;
			continue;
		}
		if (!kind) {
			snprintf(msg, sizeof(msg), "%s at %zu", why, i);
			fx_fail(msg);
		}
		if (fx->nreplies >= FX_MAX_REPLIES)
			fx_fail("more replies than FX_MAX_REPLIES");
		buf = malloc(100 * n + 1);
		if (!buf)
			fx_fail("out of memory");
		got = fx_rle_decode((const char *)body, n, buf, 100 * n);
		if (got < 0)
			fx_fail("bad run-length encoding");
		buf[got] = 0;
		fx->reply_len[fx->nreplies] = (size_t)got;
		fx->reply[fx->nreplies++] = buf;
	}
	return fx->nreplies;
}

const char *fx_reply(struct fx *fx, unsigned i)
{
	char msg[48];

	if (i >= fx->nreplies) {
		snprintf(msg, sizeof(msg), "reply %u of %u", i, fx->nreplies);
		fx_fail(msg);
	}
	return fx->reply[i];
}
