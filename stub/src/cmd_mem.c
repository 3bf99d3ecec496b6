/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * m, M, X, x: memory through the port's fault-safe hooks, in chunks of
 * the scratch buffer, with breakpoint bytes hidden from gdb.
 */
#include "kstub_int.h"

/*
 * Read up to n bytes at addr into scratch, int3 patches hidden. Returns
 * the count (short at a hole) or KSTUB_EFAULT. n <= sizeof(scratch).
 */
static long read_chunk(struct kstub *ks, uint64_t addr, size_t n)
{
	const struct kstub_port_ops *port = ks->cfg.port;
	long got;

	got = port->mem_read(ks->cfg.port_ctx, addr, ks->scratch, n);
	if (got < 0)
		return KSTUB_EFAULT;
	if ((size_t)got > n)
		got = (long)n;
	kstub_swbp_hide(ks, addr, ks->scratch, (size_t)got);
	return got;
}

/*
 * Stream [addr, addr+len) into the reply while it fits; each byte costs
 * at most per_byte reply bytes. A hole after the first byte ends the
 * reply early, which gdb accepts as a short read. Hex takes two reply
 * bytes per memory byte and escaped binary at most two as well.
 */
static int read_into_reply(struct kstub *ks, uint64_t addr, uint64_t len,
			   bool binary)
{
	size_t fit, want;
	bool any = false;
	long got;

	while (len > 0) {
		fit = kstub_tx_room(ks) / 2;
		if (fit == 0)
			break;
		if (fit > len)
			fit = (size_t)len;
		want = fit < sizeof(ks->scratch) ? fit : sizeof(ks->scratch);
		got = read_chunk(ks, addr, want);
		if (got <= 0)
			break;
		if (binary)
			kstub_tx_bin(ks, ks->scratch, (size_t)got);
		else
			kstub_tx_hexmem(ks, ks->scratch, (size_t)got);
		any = true;
		addr += (uint64_t)got;
		len -= (uint64_t)got;
		if ((size_t)got < want)
			break;
	}
	return any ? 0 : KSTUB_EFAULT;
}

/* "addr,len" and nothing after it. */
static int parse_read(struct kstub_cur *a, uint64_t *addr, uint64_t *len)
{
	int err = kstub_cur_range(a, addr, len);

	if (err)
		return err;
	return kstub_cur_eof(a) ? 0 : KSTUB_EBADMSG;
}

int kstub_cmd_mem_m(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t addr, len;
	int err = parse_read(a, &addr, &len);

	if (err)
		return err;
	if (len == 0)
		return 0;
	return read_into_reply(ks, addr, len, false);
}

int kstub_cmd_mem_x(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t addr, len;
	int err = parse_read(a, &addr, &len);

	if (err)
		return err;
	if (len == 0) {
		/* lldb's probe for x: it then expects replies without 'b'. */
		ks->x_raw = 1;
		kstub_tx_str(ks, "OK");
		return 0;
	}
	if (!ks->x_raw)
		kstub_tx_putc(ks, 'b');
	return read_into_reply(ks, addr, len, true);
}

static int write_chunk(struct kstub *ks, uint64_t addr, size_t n)
{
	long put = ks->cfg.port->mem_write(ks->cfg.port_ctx, addr, ks->scratch,
					   n);

	if (put < 0 || (size_t)put != n)
		return KSTUB_EFAULT;
	kstub_swbp_written(ks, addr, ks->scratch, n);
	return 0;
}

/* One byte of X data, undoing the "}x" escape. */
static int take_binary(struct kstub_cur *a, uint8_t *out)
{
	if (a->p >= a->end)
		return KSTUB_EBADMSG;
	if (*a->p != '}') {
		*out = *a->p++;
		return 0;
	}
	if (a->p + 1 >= a->end)
		return KSTUB_EBADMSG;
	*out = a->p[1] ^ 0x20;
	a->p += 2;
	return 0;
}

/*
 * M and X: decode and write in scratch-sized chunks. The whole payload is
 * checked against the declared length before the first byte is written,
 * so a malformed packet changes nothing.
 */
static int write_cmd(struct kstub *ks, struct kstub_cur *a, bool binary)
{
	struct kstub_cur check;
	uint64_t addr, len, left;
	size_t n, i;
	uint8_t b;
	int err = kstub_cur_range(a, &addr, &len);

	if (err)
		return err;
	if (!kstub_cur_take(a, ':'))
		return KSTUB_EBADMSG;
	check = *a;
	for (left = len; left > 0; left--) {
		err = binary ? take_binary(&check, &b)
			     : kstub_cur_hexbytes(&check, &b, 1);
		if (err)
			return err;
	}
	if (!kstub_cur_eof(&check))
		return KSTUB_EBADMSG;
	while (len > 0) {
		n = len < sizeof(ks->scratch) ? (size_t)len : sizeof(ks->scratch);
		for (i = 0; i < n; i++) {
			if (binary)
				take_binary(a, &ks->scratch[i]);
			else
				kstub_cur_hexbytes(a, &ks->scratch[i], 1);
		}
		err = write_chunk(ks, addr, n);
		if (err)
			return err;
		addr += n;
		len -= n;
	}
	kstub_tx_str(ks, "OK");
	return 0;
}

int kstub_cmd_mem_M(struct kstub *ks, struct kstub_cur *a)
{
	return write_cmd(ks, a, false);
}

int kstub_cmd_mem_X(struct kstub *ks, struct kstub_cur *a)
{
	return write_cmd(ks, a, true);
}
