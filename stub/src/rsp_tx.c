/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Building a reply in tx_buf: checksum, binary escapes and run-length
 * encoding on the fly, so a reply is framed in one pass and kept whole
 * for retransmission.
 *
 * tx_buf layout: [0] '$', data, '#', two checksum digits (a packet link
 * is handed the data alone, link.c). Repeats of the last
 * character are held back in run_len and emitted as "*N" segments when
 * the run ends, so at any time the pending run costs at most 4 bytes.
 */
#include "kstub_int.h"

static const char hexdigits[] = "0123456789abcdef";

#define RLE_MIN 3		/* "c*N" pays off from three repeats on */
#define RLE_MAX 97		/* N = repeats + 29 must stay <= '~' */
#define RUN_WORST 4		/* bytes a pending run may still need */

void kstub_tx_begin(struct kstub *ks)
{
	struct kstub_tx *tx = &ks->tx;

	ks->cfg.tx_buf[0] = '$';
	tx->pos = 1;
	/* pkt_max <= buf_len - 4: the link's largest packet bounds it too. */
	tx->limit = 1 + ks->pkt_max;
	tx->end = 0;
	tx->run_len = 0;
	tx->run_ok = 0;
	tx->sum = 0;
	tx->overflow = 0;
	ks->unconfirmed = 0;	/* the reply it was is gone */
}

/*
 * Room for data in a reply that may be cut short (m, x, qXfer, thread
 * lists): the packet size, or less on a noisy line (rsp_stream.c), where
 * a long packet would almost never arrive intact.
 */
size_t kstub_tx_room(const struct kstub *ks)
{
	const struct kstub_tx *tx = &ks->tx;
	uint32_t used = tx->pos + RUN_WORST;
	uint32_t limit = tx->limit;

	if (ks->reply_cap && ks->reply_cap + 1 < limit)
		limit = ks->reply_cap + 1;	/* after the '$' */
	return used < limit ? limit - used : 0;
}

static void put_raw(struct kstub *ks, uint8_t c)
{
	struct kstub_tx *tx = &ks->tx;

	if (tx->pos >= tx->limit) {
		tx->overflow = 1;
		return;
	}
	ks->cfg.tx_buf[tx->pos++] = c;
	tx->sum = (uint8_t)(tx->sum + c);
}

/*
 * Emit the held-back repeats. A count of 6 or 7 would put '#' or '$'
 * after the '*', so such runs are split; 96 would put '}', which some
 * decoders unescape first, so it becomes 95 plus a literal.
 */
static void run_flush(struct kstub *ks)
{
	struct kstub_tx *tx = &ks->tx;
	unsigned n = tx->run_len, k;

	tx->run_len = 0;
	while (n > 0) {
		if (n < RLE_MIN) {
			put_raw(ks, tx->run_char);
			n--;
			continue;
		}
		k = n;
		if (k == 6 || k == 7)
			k = 5;
		else if (k == 96)
			k = 95;
		put_raw(ks, '*');
		put_raw(ks, (uint8_t)(k + 29));
		n -= k;
	}
}

/* A character that may be repeated by RLE (not half of an escape). */
void kstub_tx_putc(struct kstub *ks, uint8_t c)
{
	struct kstub_tx *tx = &ks->tx;

	if (tx->run_ok && c == tx->run_char) {
		if (++tx->run_len == RLE_MAX) {
			put_raw(ks, '*');
			put_raw(ks, (uint8_t)(RLE_MAX + 29));
			/* The next repeat needs a fresh literal to attach to. */
			tx->run_len = 0;
			tx->run_ok = 0;
		}
		return;
	}
	run_flush(ks);
	put_raw(ks, c);
	tx->run_char = c;
	tx->run_ok = 1;
}

void kstub_tx_str(struct kstub *ks, const char *s)
{
	while (*s)
		kstub_tx_putc(ks, (uint8_t)*s++);
}

void kstub_tx_hex8(struct kstub *ks, uint8_t v)
{
	kstub_tx_putc(ks, (uint8_t)hexdigits[v >> 4]);
	kstub_tx_putc(ks, (uint8_t)hexdigits[v & 15]);
}

void kstub_tx_hexnum(struct kstub *ks, uint64_t v)
{
	int shift = 60;

	while (shift > 0 && ((v >> shift) & 15) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		kstub_tx_putc(ks, (uint8_t)hexdigits[(v >> shift) & 15]);
}

void kstub_tx_decnum(struct kstub *ks, uint64_t v)
{
	char digits[20];
	unsigned n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		kstub_tx_putc(ks, (uint8_t)digits[--n]);
}

void kstub_tx_hexmem(struct kstub *ks, const uint8_t *p, size_t n)
{
	while (n--)
		kstub_tx_hex8(ks, *p++);
}

void kstub_tx_hexstr(struct kstub *ks, const char *s, size_t n)
{
	kstub_tx_hexmem(ks, (const uint8_t *)s, n);
}

void kstub_tx_bin(struct kstub *ks, const uint8_t *p, size_t n)
{
	struct kstub_tx *tx = &ks->tx;
	uint8_t c;

	while (n--) {
		c = *p++;
		if (kstub_tx_escaped(c)) {
			run_flush(ks);
			put_raw(ks, '}');
			put_raw(ks, c ^ 0x20);
			tx->run_ok = 0;
		} else {
			kstub_tx_putc(ks, c);
		}
	}
}

void kstub_tx_error(struct kstub *ks, int err)
{
	kstub_tx_begin(ks);
	kstub_tx_putc(ks, 'E');
	kstub_tx_hex8(ks, (uint8_t)(-err));
}

void kstub_tx_finish(struct kstub *ks)
{
	struct kstub_tx *tx = &ks->tx;
	uint8_t sum;

	run_flush(ks);
	sum = tx->sum;
	/* limit leaves exactly these three bytes free. */
	ks->cfg.tx_buf[tx->pos++] = '#';
	ks->cfg.tx_buf[tx->pos++] = (uint8_t)hexdigits[sum >> 4];
	ks->cfg.tx_buf[tx->pos++] = (uint8_t)hexdigits[sum & 15];
	tx->end = tx->pos;
}
