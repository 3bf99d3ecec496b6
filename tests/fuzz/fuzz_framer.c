/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The framer and the reply encoder, without a session around them.
 * Receive: arbitrary bytes never overrun rx_buf. Send: arbitrary binary
 * data, encoded with escapes and RLE, decodes back (by the manual's
 * rules) to exactly the data, with a correct checksum.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_machine.h"
#include "kstub_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static char rle[2 * KSTUB_BUF_LEN_MIN];
static uint8_t decoded[2 * KSTUB_BUF_LEN_MIN];

/* The reply in tx_buf, read back as gdb reads it: exactly data[0..n). */
static void check_reply(struct kstub *ks, const uint8_t *data, size_t n)
{
	const uint8_t *body;
	const char *why;
	size_t pos = 0, body_len;
	long k;

	if (fx_rsp_next(ks->cfg.tx_buf, ks->tx.end, &pos, &body, &body_len,
			&why) != '$' || pos != ks->tx.end)
		abort();
	k = fx_rle_decode((const char *)body, body_len, rle, sizeof(rle));
	if (k < 0 ||
	    fx_unescape(rle, (size_t)k, decoded, sizeof(decoded)) != n ||
	    memcmp(decoded, data, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct fx_opts bare = { .bare = true, .no_capture = true };
	static struct fx *m;
	struct kstub_config cfg;
	size_t i, n, fit;

	if (!m)
		m = fx_new(&bare);
	cfg = m->ks.cfg;
	if (kstub_init(&m->ks, &cfg))
		abort();
	for (i = 0; i < len; i++) {
		kstub_rx_byte(&m->ks, data[i]);
		if (m->ks.rx.len > m->ks.pkt_max)
			abort();
	}
	kstub_tx_begin(&m->ks);
	fit = kstub_tx_room(&m->ks) / 2;
	n = len < fit ? len : fit;
	kstub_tx_bin(&m->ks, data, n);
	if (m->ks.tx.overflow)
		abort();
	kstub_tx_finish(&m->ks);
	check_reply(&m->ks, data, n);
	return 0;
}
