/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The framer and the reply encoder, without a session around them.
 * Receive: arbitrary bytes never overrun rx_buf. Send: arbitrary binary
 * data, encoded with escapes and RLE, decodes back (by the manual's
 * rules) to exactly the data, with a correct checksum.
 */
#include <stdlib.h>
#include <string.h>

#include "kstub_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static uint8_t rx_buf[KSTUB_BUF_LEN_MIN], tx_buf[KSTUB_BUF_LEN_MIN];
static uint8_t decoded[2 * KSTUB_BUF_LEN_MIN];

static int no_byte(void *c)
{
	(void)c;
	return KSTUB_EAGAIN;
}

static int no_send(void *c, const uint8_t *b, size_t n)
{
	(void)c;
	(void)b;
	(void)n;
	return 0;
}

static long no_mem(void *c, uint64_t a, void *d, size_t n)
{
	(void)c;
	(void)a;
	(void)d;
	(void)n;
	return KSTUB_EFAULT;
}

static long no_mem_w(void *c, uint64_t a, const void *d, size_t n)
{
	(void)c;
	(void)a;
	(void)d;
	(void)n;
	return KSTUB_EFAULT;
}

static uint64_t zero_clock(void *c)
{
	(void)c;
	return 0;
}

static const struct kstub_transport_ops link_ops = {
	.name = "none", .recv_byte = no_byte, .send = no_send,
};
static const struct kstub_port_ops port_ops = {
	.mem_read = no_mem, .mem_write = no_mem_w, .now_us = zero_clock,
};

/* RLE first ("c*N": N-29 more c), then "}x" escapes, as gdb does. */
static size_t decode(const uint8_t *p, size_t n, uint8_t *out)
{
	uint8_t rle[2 * KSTUB_BUF_LEN_MIN];
	size_t i, m = 0, k = 0;
	int r;

	for (i = 0; i < n; i++) {
		if (p[i] == '*') {
			if (m == 0 || i + 1 >= n || p[i + 1] < 32 ||
			    p[i + 1] > 126 || p[i + 1] == '#' || p[i + 1] == '$')
				abort();
			for (r = p[i + 1] - 29; r > 0; r--)
				rle[m] = rle[m - 1], m++;
			i++;
		} else {
			rle[m++] = p[i];
		}
	}
	for (i = 0; i < m; i++)
		out[k++] = rle[i] == '}' ? rle[++i] ^ 0x20 : rle[i];
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct kstub ks;
	struct kstub_config cfg = {
		.link = &link_ops, .port = &port_ops, .rx_buf = rx_buf,
		.tx_buf = tx_buf, .buf_len = sizeof(rx_buf),
	};
	unsigned sum = 0;
	size_t i, n, fit;

	if (kstub_init(&ks, &cfg))
		abort();
	for (i = 0; i < len; i++) {
		kstub_rx_byte(&ks, data[i]);
		if (ks.rx.len > ks.pkt_max)
			abort();
	}
	kstub_tx_begin(&ks);
	fit = kstub_tx_room(&ks) / 2;
	n = len < fit ? len : fit;
	kstub_tx_bin(&ks, data, n);
	if (ks.tx.overflow)
		abort();
	kstub_tx_finish(&ks);
	if (tx_buf[ks.tx.start] != '$' || tx_buf[ks.tx.end - 3] != '#')
		abort();
	for (i = ks.tx.start + 1; i < ks.tx.end - 3; i++) {
		if (tx_buf[i] == '#' || tx_buf[i] == '$')
			abort();
		sum += tx_buf[i];
	}
	if (strtoul((char[]){ (char)tx_buf[ks.tx.end - 2],
			      (char)tx_buf[ks.tx.end - 1], 0 },
		    NULL, 16) != (sum & 0xff))
		abort();
	if (decode(tx_buf + ks.tx.start + 1, ks.tx.end - ks.tx.start - 4,
		   decoded) != n ||
	    memcmp(decoded, data, n) != 0)
		abort();
	return 0;
}
