/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The link while the kernel runs: bytes that arrive between traps
 * (kstub_poll_break, kstub_link_poll), console output mirrored as O
 * packets (kstub_console_write), traps of the kernel's own, time going
 * by. After the FT_CFG_* byte (bit 0: gdb attaches first; bit 1 unused)
 * come events, each an opcode byte: low 2 bits the kind, high 6 bits n.
 *   0  n bytes arrive from gdb, then a timer tick polls; if it reports a
 *      break the port enters the stub, as a kernel would
 *   1  n bytes of console text, then a byte k and k & 63 bytes of gdb's
 *      answers to the O packets (acks, naks, noise, link escapes)
 *   2  the kernel traps: n & 3 picks its own int3, whatever it runs into
 *      next (ft_next_vector), a page fault, a panic; gdb's next n >> 2
 *      bytes are waiting on the line
 *   3  n * 50 ms pass without a byte, then a tick polls
 * A session opened here ends with "$c#63" once its bytes run out, so
 * gdb stays attached and waiting for the next stop.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const char resume[] = "$c#63";
static int rebooted;

/* Up to want bytes from the event list, never past its end. */
static const uint8_t *take(const uint8_t **p, const uint8_t *end,
			   size_t want, size_t *got)
{
	const uint8_t *at = *p;

	*got = want < (size_t)(end - at) ? want : (size_t)(end - at);
	*p = at + *got;
	return at;
}

/* Nothing here passes a trap on: each one is the stub's. */
static void trap(uint32_t vector)
{
	int r = ft_trap(vector);

	if (r == FT_REBOOTED)
		rebooted = 1;
	else if (r != 0)
		abort();
}

static void tick(const uint8_t *chunk, size_t n)
{
	bool brk = kstub_poll_break(ft_stub());

	/* No break: the poll read everything, unless the line hung up. */
	if (!brk && ft_unread() && !memchr(chunk, FX_ESC, n))
		abort();
	if (brk)
		trap(KSTUB_TRAP_BREAKIN);
}

static void console(const uint8_t *text, size_t n, const uint8_t *ans,
		    size_t k)
{
	struct kstub *ks = ft_stub();
	bool listening = kstub_attached(ks) && ks->waiting;
	int r;

	ft_feed(ans, k, NULL);
	r = kstub_console_write(ks, (const char *)text, n);
	if (!listening ? r != KSTUB_ENOTCONN :
			 r != 0 && r != KSTUB_ETIMEDOUT && r != KSTUB_EIO &&
				 r != KSTUB_ENOTCONN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint8_t attach[] = "+$qSupported:swbreak+#8b+$?#3f+$c#63";
	static const uint32_t own[] = { KSTUB_TRAP_BP, 0, KSTUB_TRAP_PF,
					KSTUB_TRAP_PANIC };
	const uint8_t *end = data + len, *p = data + 1, *a, *b;
	size_t n, k;
	uint8_t op;

	if (len == 0)
		return 0;
	ft_reset(data[0]);
	rebooted = 0;
	if (data[0] & 1) {
		ft_feed(attach, sizeof(attach) - 1, resume);
		trap(KSTUB_TRAP_BREAKIN);
	}
	while (p < end && !rebooted) {
		op = *p++;
		switch (op & 3) {
		case 0:
			a = take(&p, end, op >> 2, &n);
			ft_feed(a, n, resume);
			tick(a, n);
			break;
		case 1:
			a = take(&p, end, op >> 2, &n);
			take(&p, end, 1, &k);
			k = k ? p[-1] & 63 : 0;
			b = take(&p, end, k, &k);
			console(a, n, b, k);
			break;
		case 2:
			a = take(&p, end, op >> 4, &n);
			ft_feed(a, n, resume);
			ft_frame()->rip = FT_TEXT + 1;
			trap((op >> 2 & 3) == 1 ? ft_next_vector() :
						  own[op >> 2 & 3]);
			break;
		default:
			ft_feed(NULL, 0, resume);
			ft_sleep_us((op >> 2) * 50000ull);
			tick(NULL, 0);
			break;
		}
	}
	if (!rebooted)
		ft_finish();
	return 0;
}
