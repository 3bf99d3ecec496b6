/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading the fields of a received packet. Every length and number that
 * comes off the wire passes through here, so each function checks
 * bounds and reports malformed input instead of guessing.
 */
#include "kstub_int.h"

int kstub_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool kstub_cur_eof(const struct kstub_cur *c)
{
	return c->p >= c->end;
}

bool kstub_cur_take(struct kstub_cur *c, char ch)
{
	if (c->p < c->end && *c->p == (uint8_t)ch) {
		c->p++;
		return true;
	}
	return false;
}

bool kstub_cur_skip_str(struct kstub_cur *c, const char *s)
{
	const uint8_t *p = c->p;

	while (*s) {
		if (p >= c->end || *p != (uint8_t)*s)
			return false;
		p++;
		s++;
	}
	c->p = p;
	return true;
}

/* One hex number of 1..16 digits; more would not fit in 64 bits. */
int kstub_cur_hex(struct kstub_cur *c, uint64_t *v)
{
	uint64_t n = 0;
	unsigned digits = 0;
	int d;

	while (c->p < c->end && (d = kstub_hexval(*c->p)) >= 0) {
		if (++digits > 16)
			return KSTUB_EBADMSG;
		n = (n << 4) | (unsigned)d;
		c->p++;
	}
	if (digits == 0)
		return KSTUB_EBADMSG;
	*v = n;
	return 0;
}

/* A thread id: hex, or "-1" (all threads), which gdb uses for Hc. */
int kstub_cur_tid(struct kstub_cur *c, uint64_t *tid, bool *all)
{
	*all = false;
	if (kstub_cur_take(c, '-')) {
		if (!kstub_cur_take(c, '1'))
			return KSTUB_EBADMSG;
		*all = true;
		*tid = 0;
		return 0;
	}
	return kstub_cur_hex(c, tid);
}

/* Exactly n bytes as 2n hex digits. */
int kstub_cur_hexbytes(struct kstub_cur *c, uint8_t *dst, size_t n)
{
	size_t i;
	int hi, lo;

	if ((size_t)(c->end - c->p) < 2 * n)
		return KSTUB_EBADMSG;
	for (i = 0; i < n; i++) {
		hi = kstub_hexval(c->p[0]);
		lo = kstub_hexval(c->p[1]);
		if (hi < 0 || lo < 0)
			return KSTUB_EBADMSG;
		dst[i] = (uint8_t)(hi << 4 | lo);
		c->p += 2;
	}
	return 0;
}

/* "addr,len": a range that must not wrap past the top of memory. */
int kstub_cur_range(struct kstub_cur *c, uint64_t *addr, uint64_t *len)
{
	int err = kstub_cur_hex(c, addr);

	if (err)
		return err;
	if (!kstub_cur_take(c, ','))
		return KSTUB_EBADMSG;
	err = kstub_cur_hex(c, len);
	if (err)
		return err;
	if (*len != 0 && *addr + (*len - 1) < *addr)
		return KSTUB_ERANGE;
	return 0;
}

size_t kstub_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

bool kstub_memeq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	while (n--)
		if (*x++ != *y++)
			return false;
	return true;
}
