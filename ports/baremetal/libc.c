/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The four functions GCC may call in any freestanding program (and the
 * only ones libkstub.a needs): plain loops, compiled with
 * -fno-tree-loop-distribute-patterns so they do not call themselves.
 */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* x86 takes unaligned words; may_alias: any object's bytes. */
typedef unsigned long __attribute__((may_alias, aligned(1))) word_t;

/*
 * Eight bytes a turn: under QEMU's TCG every guest instruction costs, and
 * the debug links copy each packet a few times (a 1.4 KB datagram).
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
		*(word_t *)d = *(const word_t *)s;
		d += sizeof(word_t);
		s += sizeof(word_t);
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
