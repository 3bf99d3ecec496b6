/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small vsnprintf for kprintf and the monitor: flags '-' and '0', a
 * width, the h/l/ll/z sizes and d i u x X o c s p %. Enough for what
 * the kernel and the shared workload print, and nothing that needs
 * floating point (the kernel is built -mgeneral-regs-only).
 */
#include "machine.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Right-justified in width; vsnprintf pads a left-justified one after. */
static void field(struct out *o, const char *s, int n, int width, bool left,
		  char padc)
{
	if (!left)
		pad(o, padc, width - n);
	while (n-- > 0)
		put(o, *s++);
}

static int number(char *tmp, unsigned long long v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	int n = 0, i;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char tmp[24];
	const char *s;
	unsigned long long u;
	long long v;
	int width, lng, n, start;
	bool left, neg;
	char padc;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		left = false;
		padc = ' ';
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				padc = '0';
		}
		for (width = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (lng = 0; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
			lng += *fmt == 'h' ? 0 : 1;
		if (left)
			padc = ' ';
		start = (int)o.len;
		neg = false;
		switch (*fmt) {
		case 'd':
		case 'i':
			v = lng ? va_arg(ap, long long) : va_arg(ap, int);
			if (lng == 1)
				v = (long)v;
			neg = v < 0;
			u = neg ? 0ull - (unsigned long long)v
				: (unsigned long long)v;
			n = number(tmp + 1, u, 10, false);
			tmp[0] = '-';
			if (neg && padc == '0') {
				put(&o, '-');
				field(&o, tmp + 1, n, width - 1, left, padc);
			} else {
				field(&o, neg ? tmp : tmp + 1, n + neg, width,
				      left, padc);
			}
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
		case 'p':
			if (*fmt == 'p')
				u = (uintptr_t)va_arg(ap, void *);
			else
				u = lng ? va_arg(ap, unsigned long long)
					: va_arg(ap, unsigned int);
			if (*fmt == 'p') {
				put(&o, '0');
				put(&o, 'x');
			}
			n = number(tmp, u,
				   *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				   *fmt == 'X');
			field(&o, tmp, n, width, left, padc);
			break;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			field(&o, tmp, 1, width, left, ' ');
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (n = 0; s[n]; n++)
				;
			field(&o, s, n, width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (!*fmt)
				fmt--;
			else
				put(&o, *fmt);
			break;
		}
		if (left)
			pad(&o, ' ', width - ((int)o.len - start));
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
