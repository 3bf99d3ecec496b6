// SPDX-License-Identifier: BSD-2-Clause
/*
 * The printf opcode's formatting, without libc: the conversions gdb's
 * dprintf passes through (d i u x X o c s p %, flags - 0 # + space,
 * width, precision, hh h l ll z j t), and the backslash escapes gdb
 * leaves in the string. Floating point (%f %e %g %a), %n, %*d and wide
 * characters are refused when the breakpoint is inserted.
 */
#include "agent.h"

#define F_MINUS 0x01u
#define F_ZERO	0x02u
#define F_HASH	0x04u
#define F_PLUS	0x08u
#define F_SPACE 0x10u

/* Width and precision beyond this are refused: no kernel message needs
 * them and the output buffer is smaller anyway. */
#define FIELD_MAX 255

struct conv {
	char type;
	unsigned flags;
	unsigned bits;		/* argument width: 8, 16, 32 or 64 */
	unsigned width;
	int prec;		/* -1: none */
};

static void put(struct kstub_agent_vm *vm, char c)
{
	if (vm->out_len < vm->out_cap)
		vm->out[vm->out_len++] = c;
	else
		vm->out_trunc = true;
}

static void put_n(struct kstub_agent_vm *vm, char c, unsigned n)
{
	while (n--)
		put(vm, c);
}

static int field(const char *p, const char *end, size_t *i, unsigned *v)
{
	*v = 0;
	while (p + *i < end && p[*i] >= '0' && p[*i] <= '9') {
		*v = *v * 10 + (unsigned)(p[*i] - '0');
		if (*v > FIELD_MAX)
			return KSTUB_EAX_FORMAT;
		(*i)++;
	}
	return 0;
}

static unsigned length_bits(const char *p, const char *end, size_t *i)
{
	char c = p + *i < end ? p[*i] : 0;
	bool twice = p + *i + 1 < end && p[*i + 1] == c;

	switch (c) {
	case 'h':
		*i += twice ? 2 : 1;
		return twice ? 8 : 16;
	case 'l':
		*i += twice ? 2 : 1;
		return 64;
	case 'z': case 'j': case 't':
		(*i)++;
		return 64;
	default:
		return 32;
	}
}

/* The conversion after a '%'; returns the characters it spans. */
static int parse_conv(const char *p, const char *end, struct conv *cv)
{
	static const char flags[] = "-0#+ ";
	size_t i = 0, f;
	unsigned prec;

	cv->flags = 0;
	cv->prec = -1;
	for (;;) {
		for (f = 0; f < 5 && p + i < end && p[i] != flags[f]; f++)
			;
		if (f == 5 || p + i >= end)
			break;
		cv->flags |= 1u << f;
		i++;
	}
	if (field(p, end, &i, &cv->width))
		return KSTUB_EAX_FORMAT;
	if (p + i < end && p[i] == '.') {
		i++;
		if (field(p, end, &i, &prec))
			return KSTUB_EAX_FORMAT;
		cv->prec = (int)prec;
	}
	cv->bits = length_bits(p, end, &i);
	if (p + i >= end)
		return KSTUB_EAX_FORMAT;
	cv->type = p[i++];
	switch (cv->type) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		return (int)i;
	case 'c': case 's': case 'p':
		/* wide characters and strings have no kernel meaning */
		return cv->bits == 32 ? (int)i : KSTUB_EAX_FORMAT;
	default:
		return KSTUB_EAX_FORMAT;
	}
}

/* The escapes gdb's own printf knows, as (letter, byte) pairs; it
 * refuses the rest, and so do we. */
static int unescape(char c)
{
	static const char pairs[] = "n\nt\tr\ra\ab\bf\fv\ve\033\\\\\"\"''";
	unsigned i;

	for (i = 0; i + 1 < sizeof(pairs); i += 2)
		if (pairs[i] == c)
			return (unsigned char)pairs[i + 1];
	return -1;
}

/* Pad to the width around body_len characters; call twice. */
static void pad(struct kstub_agent_vm *vm, const struct conv *cv,
		size_t body_len, bool after)
{
	bool left_justified = (cv->flags & F_MINUS) != 0;

	if (cv->width > body_len && after == left_justified)
		put_n(vm, ' ', cv->width - (unsigned)body_len);
}

static void put_number(struct kstub_agent_vm *vm, const struct conv *cv,
		       uint64_t v, bool neg)
{
	const char *digits = cv->type == 'X' ? "0123456789ABCDEF"
					     : "0123456789abcdef";
	unsigned base = cv->type == 'o' ? 8 : 10;
	char buf[24], prefix[3];
	unsigned n = 0, np = 0, zeros = 0, total;
	bool nonzero = v != 0;

	if (cv->type == 'x' || cv->type == 'X' || cv->type == 'p')
		base = 16;
	while (v) {
		buf[n++] = digits[v % base];
		v /= base;
	}
	if (n == 0 && cv->prec != 0)
		buf[n++] = '0';
	if (neg)
		prefix[np++] = '-';
	else if (cv->flags & F_PLUS && (cv->type == 'd' || cv->type == 'i'))
		prefix[np++] = '+';
	else if (cv->flags & F_SPACE && (cv->type == 'd' || cv->type == 'i'))
		prefix[np++] = ' ';
	if (cv->type == 'p' || (cv->flags & F_HASH && base == 16 && nonzero)) {
		prefix[np++] = '0';
		prefix[np++] = cv->type == 'X' ? 'X' : 'x';
	}
	if (cv->prec > 0 && (unsigned)cv->prec > n)
		zeros = (unsigned)cv->prec - n;
	if (cv->flags & F_HASH && base == 8 && !zeros &&
	    (n == 0 || buf[n - 1] != '0'))
		zeros = 1;
	total = np + zeros + n;
	if (cv->flags & F_ZERO && !(cv->flags & F_MINUS) && cv->prec < 0 &&
	    cv->width > total) {
		zeros += cv->width - total;
		total = cv->width;
	}
	pad(vm, cv, total, false);
	for (unsigned i = 0; i < np; i++)
		put(vm, prefix[i]);
	put_n(vm, '0', zeros);
	while (n)
		put(vm, buf[--n]);
	pad(vm, cv, total, true);
}

/* Walk (or measure, with emit false) the string at addr, at most max
 * bytes, in reads that never cross a 16-byte boundary, so a string
 * that ends just before an unmapped page is not taken for a fault. */
static int put_string(struct kstub_agent_vm *vm,
		      const struct kstub_agent_ops *ops, void *ctx,
		      uint64_t addr, size_t max, bool emit, size_t *len)
{
	uint8_t chunk[16];
	size_t n, i;

	*len = 0;
	while (*len < max) {
		n = 16 - ((addr + *len) & 15);
		if (n > max - *len)
			n = max - *len;
		if (ops->mem_read(ctx, addr + *len, chunk, n) != (long)n) {
			vm->fault_addr = addr + *len;
			return KSTUB_EFAULT;
		}
		for (i = 0; i < n; i++, (*len)++) {
			if (chunk[i] == 0)
				return 0;
			if (emit)
				put(vm, (char)chunk[i]);
		}
	}
	return 0;
}

static void put_s(struct kstub_agent_vm *vm,
		  const struct kstub_agent_ops *ops, void *ctx,
		  const struct conv *cv, uint64_t addr)
{
	/* A bad pointer in a dprintf is the kernel's data, not a reason to
	 * stop it: print a marker, as printk does for NULL. */
	static const char null_s[] = "(null)", fault_s[] = "(efault)";
	size_t max = KSTUB_AGENT_STR_MAX, len;
	const char *lit = NULL;

	if (cv->prec >= 0 && (size_t)cv->prec < max)
		max = (size_t)cv->prec;
	if (addr == 0)
		lit = null_s;
	else if (put_string(vm, ops, ctx, addr, max, false, &len))
		lit = fault_s;
	if (lit)	/* no strlen: freestanding */
		len = lit == null_s ? sizeof(null_s) - 1 : sizeof(fault_s) - 1;
	pad(vm, cv, len, false);
	if (lit) {
		while (*lit)
			put(vm, *lit++);
	} else {
		(void)put_string(vm, ops, ctx, addr, len, true, &len);
	}
	pad(vm, cv, len, true);
}

static void put_conv(struct kstub_agent_vm *vm,
		     const struct kstub_agent_ops *ops, void *ctx,
		     const struct conv *cv, uint64_t arg)
{
	uint64_t v;

	switch (cv->type) {
	case 'c':
		pad(vm, cv, 1, false);
		put(vm, (char)arg);
		pad(vm, cv, 1, true);
		return;
	case 's':
		put_s(vm, ops, ctx, cv, arg);
		return;
	case 'p':
		put_number(vm, cv, arg, false);
		return;
	case 'd': case 'i':
		/* C promotes the argument to the length's type first. */
		v = arg;
		if (cv->bits < 64) {
			uint64_t m = 1ull << (cv->bits - 1);

			v = ((v & ((m << 1) - 1)) ^ m) - m;
		}
		if ((int64_t)v < 0)
			put_number(vm, cv, 0 - v, true);
		else
			put_number(vm, cv, v, false);
		return;
	default:
		if (cv->bits < 64)
			arg &= (1ull << cv->bits) - 1;
		put_number(vm, cv, arg, false);
		return;
	}
}

int kstub_agent_printf(struct kstub_agent_vm *vm,
		       const struct kstub_agent_ops *ops, void *ctx,
		       const char *fmt, size_t len)
{
	const char *end = fmt + len;
	struct conv cv;
	unsigned nconv = 0;
	int n;

	while (fmt < end) {
		char c = *fmt++;

		if (c == '\\') {
			n = fmt < end ? unescape(*fmt++) : -1;
			if (n < 0)
				return KSTUB_EAX_FORMAT;
			if (vm)
				put(vm, (char)n);
			continue;
		}
		if (c != '%' || (fmt < end && *fmt == '%')) {
			if (c == '%')
				fmt++;	/* "%%" prints one '%' */
			if (vm)
				put(vm, c);
			continue;
		}
		n = parse_conv(fmt, end, &cv);
		if (n < 0)
			return n;
		fmt += n;
		if (vm) {
			/* verified code has exactly nargs values here */
			if (nconv >= vm->sp)
				return KSTUB_EAX_FORMAT;
			put_conv(vm, ops, ctx, &cv,
				 vm->u.stack[vm->sp - 1 - nconv]);
		}
		nconv++;
	}
	return vm ? 0 : (int)nconv;
}
