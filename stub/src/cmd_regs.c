/* SPDX-License-Identifier: BSD-2-Clause */
/* g, G, p, P: registers of the thread selected by Hg. */
#include "kstub_int.h"

#define REG_MAX 16	/* the widest register on the wire (xmm) */

static int view(struct kstub *ks, struct kstub_frame **f, bool *ro)
{
	return kstub_thread_frame(ks, kstub_resolve_tid(ks, ks->g_tid), f, ro);
}

static int parse_regno(struct kstub_cur *a, uint64_t *n)
{
	int err = kstub_cur_hex(a, n);

	if (err)
		return err;
	return *n < KSTUB_NREGS ? 0 : KSTUB_EINVAL;
}

/*
 * Register n's value; an unavailable one (never invented) as "xx" for
 * each of its first `unknown` bytes (all of them in g).
 */
static void put_reg(struct kstub *ks, const struct kstub_frame *f,
		    const struct kstub_dr_view *dv, unsigned n, unsigned unknown)
{
	uint8_t buf[REG_MAX];
	long got = kstub_arch_reg_get(f, dv, n, buf);
	unsigned i;

	if (got > 0) {
		kstub_tx_hexmem(ks, buf, (size_t)got);
		return;
	}
	for (i = 0; i < unknown; i++)
		kstub_tx_str(ks, "xx");
}

int kstub_cmd_regs_g(struct kstub *ks, struct kstub_cur *a)
{
	struct kstub_dr_view dv;
	struct kstub_frame *f;
	bool ro;
	unsigned n;
	int err;

	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	err = view(ks, &f, &ro);
	if (err)
		return err;
	kstub_dr_view(ks, &dv);
	/*
	 * On a noisy line the reply stops at the last register that fits
	 * (link.c); gdb and lldb fetch the rest with p. Neither accepts a
	 * g reply longer than an earlier one, so the count only shrinks
	 * until the next session.
	 */
	for (n = 0; n < ks->g_nregs; n++) {
		if (n > 0 && kstub_tx_room(ks) < 2 * kstub_arch_reg_size(n)) {
			ks->g_nregs = (uint8_t)n;
			break;
		}
		put_reg(ks, f, &dv, n, kstub_arch_reg_size(n));
	}
	return 0;
}

int kstub_cmd_reg_p(struct kstub *ks, struct kstub_cur *a)
{
	struct kstub_dr_view dv;
	struct kstub_frame *f;
	uint64_t n;
	bool ro;
	int err;

	err = parse_regno(a, &n);
	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	err = view(ks, &f, &ro);
	if (err)
		return err;
	kstub_dr_view(ks, &dv);
	/*
	 * An unavailable register is one "xx", not one per byte: gdb takes
	 * any p reply that starts with 'x' as unavailable (remote.c looks at
	 * the first byte only), and lldb 14 takes a reply shorter than the
	 * register as a failed read and shows "unavailable", where it would
	 * decode a full-length "xx..." as 0xcc bytes.
	 */
	put_reg(ks, f, &dv, (unsigned)n, 1);
	return 0;
}

/* "xx..." in G: gdb has no value for it either; leave the register be. */
static bool unavailable(const struct kstub_cur *a, unsigned size)
{
	unsigned i;

	for (i = 0; i < 2 * size; i++)
		if (a->p[i] != 'x')
			return false;
	return true;
}

/*
 * One register of G or P. A register the port or the CPU cannot take
 * back is accepted only with the value it has (gdb's G sends back every
 * register it read), so a change is refused rather than lost.
 */
static int set_one(struct kstub_frame *f, const struct kstub_dr_view *dv,
		   unsigned n, struct kstub_cur *a)
{
	uint8_t buf[REG_MAX], cur[REG_MAX];
	unsigned size = kstub_arch_reg_size(n);
	int err;

	if ((size_t)(a->end - a->p) < 2 * size)
		return KSTUB_EINVAL;
	if (unavailable(a, size)) {
		a->p += 2 * size;
		return 0;
	}
	err = kstub_cur_hexbytes(a, buf, size);
	if (err)
		return err;
	if (kstub_arch_reg_writable(f, n))
		return kstub_arch_reg_set(f, n, buf, size);
	/* Unavailable: we never showed gdb a value it could have changed. */
	if (kstub_arch_reg_get(f, dv, n, cur) != (long)size)
		return 0;
	return kstub_memeq(cur, buf, size) ? 0 : KSTUB_EPERM;
}

/*
 * All or nothing: the new values go to a copy first, so a bad value in
 * the middle of G leaves the thread as it was.
 */
int kstub_cmd_regs_G(struct kstub *ks, struct kstub_cur *a)
{
	struct kstub_dr_view dv;
	struct kstub_frame *f;
	bool ro;
	unsigned n;
	int err;

	err = view(ks, &f, &ro);
	if (err)
		return err;
	if (ro)
		return KSTUB_EPERM;
	kstub_dr_view(ks, &dv);
	ks->other_tid = 0;
	ks->other = *f;
	/* As many registers as our g replies carry now: they may be short. */
	for (n = 0; n < KSTUB_NREGS && (n == 0 || !kstub_cur_eof(a)); n++) {
		err = set_one(&ks->other, &dv, n, a);
		if (err)
			return err;
	}
	if (!kstub_cur_eof(a))
		return KSTUB_EINVAL;
	*f = ks->other;
	kstub_tx_str(ks, "OK");
	return 0;
}

int kstub_cmd_reg_P(struct kstub *ks, struct kstub_cur *a)
{
	struct kstub_frame *f;
	uint64_t n;
	bool ro;
	int err;

	err = parse_regno(a, &n);
	if (err)
		return err;
	if (!kstub_cur_take(a, '='))
		return KSTUB_EBADMSG;
	err = view(ks, &f, &ro);
	if (err)
		return err;
	if (ro || !kstub_arch_reg_writable(f, (unsigned)n))
		return KSTUB_EPERM;
	if ((size_t)(a->end - a->p) != 2 * kstub_arch_reg_size((unsigned)n))
		return KSTUB_EINVAL;
	err = set_one(f, NULL, (unsigned)n, a);
	if (err)
		return err;
	kstub_tx_str(ks, "OK");
	return 0;
}
