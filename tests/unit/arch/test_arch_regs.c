// SPDX-License-Identifier: BSD-2-Clause
/*
 * The register table and the g/p/P value layout (regs.c, fpu.c): every
 * register is read from, and written to, exactly the bytes the layout in
 * kstub_arch.h names, and nothing else.
 */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch_test.h"

/* ---- the table, against an independent list ---- */

static const struct {
	const char *name;
	unsigned bytes;
	unsigned feature;
	const char *group;
	bool ro;
} want[KSTUB_NREGS] = {
#define R(nm, b, ft, g, ro) { nm, b, ft, g, ro }
#define G64(nm) R(nm, 8, KSTUB_FEAT_CORE, "general", false)
#define G32(nm) R(nm, 4, KSTUB_FEAT_CORE, "general", false)
#define F(nm, b) R(nm, b, KSTUB_FEAT_CORE, "float", false)
#define X(nm) R(nm, 16, KSTUB_FEAT_SSE, "vector", false)
#define S(nm) R(nm, 8, KSTUB_FEAT_SYSTEM, "system", true)
	G64("rax"), G64("rbx"), G64("rcx"), G64("rdx"), G64("rsi"), G64("rdi"),
	G64("rbp"), G64("rsp"), G64("r8"), G64("r9"), G64("r10"), G64("r11"),
	G64("r12"), G64("r13"), G64("r14"), G64("r15"), G64("rip"),
	G32("eflags"), G32("cs"), G32("ss"), G32("ds"), G32("es"), G32("fs"),
	G32("gs"),
	F("st0", 10), F("st1", 10), F("st2", 10), F("st3", 10),
	F("st4", 10), F("st5", 10), F("st6", 10), F("st7", 10),
	F("fctrl", 4), F("fstat", 4), F("ftag", 4), F("fiseg", 4),
	F("fioff", 4), F("foseg", 4), F("fooff", 4), F("fop", 4),
	X("xmm0"), X("xmm1"), X("xmm2"), X("xmm3"), X("xmm4"), X("xmm5"),
	X("xmm6"), X("xmm7"), X("xmm8"), X("xmm9"), X("xmm10"), X("xmm11"),
	X("xmm12"), X("xmm13"), X("xmm14"), X("xmm15"),
	R("mxcsr", 4, KSTUB_FEAT_SSE, "vector", false),
	R("fs_base", 8, KSTUB_FEAT_SEGMENTS, "general", false),
	R("gs_base", 8, KSTUB_FEAT_SEGMENTS, "general", false),
	S("k_gs_base"), S("cr0"), S("cr2"), S("cr3"), S("cr4"), S("cr8"),
	S("efer"), S("dr0"), S("dr1"), S("dr2"), S("dr3"), S("dr6"), S("dr7"),
#undef R
#undef G64
#undef G32
#undef F
#undef X
#undef S
};

START_TEST(table_row)
{
	const struct kstub_reg_desc *d = &kstub_arch_regs[_i];

	ck_assert_str_eq(d->name, want[_i].name);
	ck_assert_uint_eq(d->bits, want[_i].bytes * 8);
	ck_assert_uint_eq(kstub_arch_reg_size(_i), want[_i].bytes);
	ck_assert_uint_eq(d->feature, want[_i].feature);
	ck_assert_str_eq(d->group, want[_i].group);
	ck_assert_uint_eq((d->flags & KSTUB_REG_RO) != 0, want[_i].ro);
	ck_assert_ptr_nonnull(d->type);
}
END_TEST

START_TEST(table_types)
{
	/* The types gdb's amd64 support expects for these registers. */
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_RIP].type, "code_ptr");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_RSP].type, "data_ptr");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_RBP].type, "data_ptr");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_RAX].type, "int64");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_EFLAGS].type,
			 "i386_eflags");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_CS].type, "int32");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_ST0 + 7].type, "i387_ext");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_FOP].type, "int");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_XMM0 + 15].type, "vec128");
	ck_assert_str_eq(kstub_arch_regs[KSTUB_REG_MXCSR].type, "i386_mxcsr");
}
END_TEST

START_TEST(expedite)
{
	ck_assert_uint_eq(KSTUB_ARCH_NEXPEDITE, 3);
	ck_assert_uint_eq(kstub_arch_expedite[0], KSTUB_REG_RBP);
	ck_assert_uint_eq(kstub_arch_expedite[1], KSTUB_REG_RSP);
	ck_assert_uint_eq(kstub_arch_expedite[2], KSTUB_REG_RIP);
}
END_TEST

/* ---- where each register lives: the layout of kstub_arch.h ---- */

enum { IN_FRAME, IN_FX, IN_DR, IN_FTAG };

struct loc {
	int src;
	size_t off;	/* into the frame, or into fxsave */
	unsigned len;	/* bytes stored; the rest of the wire value is 0 */
	uint32_t mask;	/* of the stored value, 0 = all */
};

static struct loc reg_loc(unsigned n)
{
	struct loc l = { IN_FRAME, 0, 8, 0 };
	static const size_t sys_off[] = {
		offsetof(struct kstub_frame, fs_base),
		offsetof(struct kstub_frame, gs_base),
		offsetof(struct kstub_frame, k_gs_base),
		offsetof(struct kstub_frame, cr0),
		offsetof(struct kstub_frame, cr2),
		offsetof(struct kstub_frame, cr3),
		offsetof(struct kstub_frame, cr4),
		offsetof(struct kstub_frame, cr8),
		offsetof(struct kstub_frame, efer),
	};

	if (n < 16) {
		l.off = offsetof(struct kstub_frame, gpr) + 8 * n;
	} else if (n == KSTUB_REG_RIP) {
		l.off = offsetof(struct kstub_frame, rip);
	} else if (n == KSTUB_REG_EFLAGS) {
		l.off = offsetof(struct kstub_frame, rflags);
		l.len = 4;
	} else if (n <= KSTUB_REG_GS) {
		l.off = offsetof(struct kstub_frame, seg) +
			4 * (n - KSTUB_REG_CS);
		l.len = 4;
	} else if (n < KSTUB_REG_FCTRL) {
		l = (struct loc){ IN_FX, 32 + 16 * (n - KSTUB_REG_ST0), 10, 0 };
	} else if (n == KSTUB_REG_FCTRL) {
		l = (struct loc){ IN_FX, 0, 2, 0 };
	} else if (n == KSTUB_REG_FSTAT) {
		l = (struct loc){ IN_FX, 2, 2, 0 };
	} else if (n == KSTUB_REG_FTAG) {
		l = (struct loc){ IN_FTAG, 4, 1, 0 };
	} else if (n == KSTUB_REG_FISEG) {
		l = (struct loc){ IN_FX, 12, 4, 0 };
	} else if (n == KSTUB_REG_FIOFF) {
		l = (struct loc){ IN_FX, 8, 4, 0 };
	} else if (n == KSTUB_REG_FOSEG) {
		l = (struct loc){ IN_FX, 20, 4, 0 };
	} else if (n == KSTUB_REG_FOOFF) {
		l = (struct loc){ IN_FX, 16, 4, 0 };
	} else if (n == KSTUB_REG_FOP) {
		l = (struct loc){ IN_FX, 6, 2, 0x7ff };
	} else if (n < KSTUB_REG_MXCSR) {
		l = (struct loc){ IN_FX, 160 + 16 * (n - KSTUB_REG_XMM0), 16,
				  0 };
	} else if (n == KSTUB_REG_MXCSR) {
		l = (struct loc){ IN_FX, 24, 4, 0 };
	} else if (n < KSTUB_REG_DR0) {
		l.off = sys_off[n - KSTUB_REG_FS_BASE];
	} else {
		l = (struct loc){ IN_DR, n - KSTUB_REG_DR0, 8, 0 };
	}
	return l;
}

static const uint8_t *loc_ptr(const struct kstub_frame *f, struct loc l)
{
	if (l.src == IN_FRAME)
		return (const uint8_t *)f + l.off;
	return f->fxsave + l.off;
}

static void dr_view_pattern(struct kstub_dr_view *dr)
{
	dr->dr[0] = 0xffffffff81000000ull;
	dr->dr[1] = 0xffff888000001008ull;
	dr->dr[2] = 0x1122334455667788ull;
	dr->dr[3] = 0x8877665544332211ull;
	dr->dr6 = 0xffff4ff1ull;
	dr->dr7 = 0x00d0030aull;
	dr->valid = true;
}

/* Every register reads from exactly its place in a patterned frame. */
START_TEST(get_layout)
{
	struct kstub_frame f;
	struct kstub_dr_view dr;
	struct loc l = reg_loc(_i);
	uint8_t out[16], exp[16];
	unsigned size = kstub_arch_reg_size(_i);

	if (l.src == IN_FTAG)
		return;	/* computed, not stored: see test_arch_fpu.c */
	frame_pattern(&f);
	dr_view_pattern(&dr);
	memset(out, 0xee, sizeof(out));
	memset(exp, 0, sizeof(exp));
	if (l.src == IN_DR) {
		const uint64_t v[] = { dr.dr[0], dr.dr[1], dr.dr[2],
				       dr.dr[3], dr.dr6, dr.dr7 };
		memcpy(exp, &v[l.off], 8);
	} else {
		memcpy(exp, loc_ptr(&f, l), l.len);
	}
	if (l.mask) {
		uint32_t v;

		memcpy(&v, exp, 4);
		v &= l.mask;
		memcpy(exp, &v, 4);
	}
	ck_assert_int_eq(kstub_arch_reg_get(&f, &dr, _i, out), (long)size);
	ck_assert_mem_eq(out, exp, size);
}
END_TEST

/*
 * Writing a register changes its bytes (and its valid bit) and nothing
 * else in the frame; reading it back gives what was written.
 */
START_TEST(set_round_trip)
{
	struct kstub_frame f, expect;
	struct loc l = reg_loc(_i);
	unsigned size = kstub_arch_reg_size(_i);
	uint8_t val[16], out[16];
	unsigned k;

	if (l.src == IN_FTAG || want[_i].ro || _i == KSTUB_REG_CS ||
	    _i == KSTUB_REG_SS)
		return;	/* ftag: test_arch_fpu.c; read-only: set_ro, segs */
	frame_pattern(&f);
	f.fxsave[28] = f.fxsave[29] = f.fxsave[30] = f.fxsave[31] = 0;
	f.valid[0] = f.valid[1] = 0;
	for (k = 0; k < size; k++)
		val[k] = (uint8_t)(0xa0 + k + _i);
	if (l.len < 4 && size == 4)	/* 16-bit x87 fields */
		val[2] = val[3] = 0;
	if (_i == KSTUB_REG_FOP)
		memcpy(val, "\xa3\x05\0\0", 4);
	if (_i == KSTUB_REG_MXCSR)	/* within the default mask 0xffbf */
		memcpy(val, "\xa5\x1f\0\0", 4);
	if (_i == KSTUB_REG_RIP || _i == KSTUB_REG_FS_BASE ||
	    _i == KSTUB_REG_GS_BASE)
		val[6] = val[7] = 0xff;	/* canonical */
	if (_i >= KSTUB_REG_DS && _i <= KSTUB_REG_GS) {
		/* A 16-bit selector with cs's RPL. */
		val[0] = (uint8_t)((val[0] & ~3u) | (f.seg[0] & 3u));
		val[2] = val[3] = 0;
	}

	expect = f;
	memcpy((uint8_t *)loc_ptr(&expect, l), val, l.len);
	expect.valid[_i / 64] |= 1ull << (_i % 64);

	ck_assert_int_eq(kstub_arch_reg_set(&f, _i, val, size), 0);
	ck_assert_mem_eq(&f, &expect, sizeof(f));
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, _i, out), (long)size);
	ck_assert_mem_eq(out, val, size);
}
END_TEST

/* Only the register written becomes valid. */
START_TEST(set_marks_valid)
{
	struct kstub_frame f;
	uint8_t v[16] = { 0 }, out[16];
	unsigned n;

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_R9, v, 8), 0);
	for (n = 0; n < KSTUB_REG_DR0; n++)
		ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, n, out),
				 n == KSTUB_REG_R9 ? 8 : KSTUB_ENOENT);
}
END_TEST

/* A register missing from .valid is unavailable, never invented. */
START_TEST(get_unavailable)
{
	struct kstub_frame f;
	struct kstub_dr_view dr;
	uint8_t out[16];

	frame_pattern(&f);
	dr_view_pattern(&dr);
	f.valid[_i / 64] &= ~(1ull << (_i % 64));
	if (_i >= KSTUB_REG_DR0) {
		/* The DRs are the stub's state, not the frame's. */
		ck_assert_int_eq(kstub_arch_reg_get(&f, &dr, _i, out), 8);
		dr.valid = false;
		ck_assert_int_eq(kstub_arch_reg_get(&f, &dr, _i, out),
				 KSTUB_ENOENT);
		ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, _i, out),
				 KSTUB_ENOENT);
	} else {
		ck_assert_int_eq(kstub_arch_reg_get(&f, &dr, _i, out),
				 KSTUB_ENOENT);
	}
}
END_TEST

START_TEST(set_ro)
{
	struct kstub_frame f, before;
	uint8_t v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	frame_pattern(&f);
	before = f;
	ck_assert_int_eq(kstub_arch_reg_set(&f, _i, v, 8), KSTUB_EPERM);
	ck_assert_mem_eq(&f, &before, sizeof(f));
}
END_TEST

START_TEST(bad_n_or_len)
{
	struct kstub_frame f, before;
	struct kstub_dr_view dr;
	uint8_t v[32] = { 0 }, out[32];
	unsigned n;

	frame_pattern(&f);
	dr_view_pattern(&dr);
	before = f;
	ck_assert_uint_eq(kstub_arch_reg_size(KSTUB_NREGS), 0);
	ck_assert_uint_eq(kstub_arch_reg_size(~0u), 0);
	ck_assert_int_eq(kstub_arch_reg_get(&f, &dr, KSTUB_NREGS, out),
			 KSTUB_EINVAL);
	ck_assert_int_eq(kstub_arch_reg_get(&f, &dr, 1000, out),
			 KSTUB_EINVAL);
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_NREGS, v, 8),
			 KSTUB_EINVAL);
	for (n = 0; n < KSTUB_REG_K_GS_BASE; n++) {
		unsigned size = kstub_arch_reg_size(n);

		if (n == KSTUB_REG_CS || n == KSTUB_REG_SS)
			continue;	/* read-only: EPERM comes first */

		ck_assert_int_eq(kstub_arch_reg_set(&f, n, v, size - 1),
				 KSTUB_EINVAL);
		ck_assert_int_eq(kstub_arch_reg_set(&f, n, v, size + 1),
				 KSTUB_EINVAL);
		ck_assert_int_eq(kstub_arch_reg_set(&f, n, v, 0),
				 KSTUB_EINVAL);
	}
	ck_assert_mem_eq(&f, &before, sizeof(f));
}
END_TEST

/* ---- values the CPU would fault on when the port loads them ---- */

/*
 * Segment selectors: cs and ss are never written (the port's iretq would
 * fault or change privilege level); a data selector needs cs's RPL and
 * 16 bits. cpl is cs's RPL in the frame.
 */
static const struct {
	unsigned n;
	unsigned cpl;
	uint32_t v;
	int rc;
} seg_rows[] = {
	{ KSTUB_REG_CS, 0, 0x10, KSTUB_EPERM },
	{ KSTUB_REG_SS, 0, 0x18, KSTUB_EPERM },
	{ KSTUB_REG_DS, 0, 0x18, 0 },
	{ KSTUB_REG_DS, 0, 0, 0 },		/* null: always loadable */
	{ KSTUB_REG_ES, 0, 0x1b, KSTUB_EINVAL },	/* RPL 3 in ring 0 */
	{ KSTUB_REG_FS, 0, 0x10001, KSTUB_EINVAL },	/* > 16 bits */
	{ KSTUB_REG_GS, 3, 0x2b, 0 },		/* user mode's own */
	{ KSTUB_REG_GS, 3, 0x28, KSTUB_EINVAL },
};

START_TEST(seg_rule)
{
	struct kstub_frame f, before;
	uint8_t v[4];

	frame_pattern(&f);
	f.seg[0] = 0x10 | seg_rows[_i].cpl;
	before = f;
	memcpy(v, &seg_rows[_i].v, 4);
	ck_assert_int_eq(kstub_arch_reg_set(&f, seg_rows[_i].n, v, 4),
			 seg_rows[_i].rc);
	if (seg_rows[_i].rc) {
		ck_assert_mem_eq(&f, &before, sizeof(f));
		return;
	}
	ck_assert_uint_eq(f.seg[seg_rows[_i].n - KSTUB_REG_CS],
			  seg_rows[_i].v);
}
END_TEST

/* The port's .ro mask refuses exactly the registers it names. */
START_TEST(port_ro_mask)
{
	struct kstub_frame f, before;
	uint8_t v[16] = { 0 };
	unsigned n;

	frame_pattern(&f);
	kstub_frame_set_ro(&f, KSTUB_REG_FS_BASE);
	kstub_frame_set_ro(&f, KSTUB_REG_RAX);
	kstub_frame_set_ro(&f, KSTUB_REG_XMM0);
	before = f;
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_FS_BASE, v, 8),
			 KSTUB_EPERM);
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_RAX, v, 8),
			 KSTUB_EPERM);
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_XMM0, v, 16),
			 KSTUB_EPERM);
	ck_assert_mem_eq(&f, &before, sizeof(f));
	for (n = 0; n < KSTUB_NREGS; n++)
		ck_assert_int_eq(kstub_arch_reg_writable(&f, n),
				 n != KSTUB_REG_FS_BASE && n != KSTUB_REG_RAX &&
				 n != KSTUB_REG_XMM0 && n != KSTUB_REG_CS &&
				 n != KSTUB_REG_SS && !want[n].ro);
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_RBX, v, 8), 0);
}
END_TEST

static const struct {
	unsigned n;
	uint64_t v;
	int rc;
} canon_rows[] = {
	{ KSTUB_REG_RIP, 0xffffffff81000000ull, 0 },
	{ KSTUB_REG_RIP, 0x00007fffffffffffull, 0 },
	{ KSTUB_REG_RIP, 0xffff800000000000ull, 0 },
	{ KSTUB_REG_RIP, 0x0000800000000000ull, KSTUB_EINVAL },
	{ KSTUB_REG_RIP, 0xffff7fffffffffffull, KSTUB_EINVAL },
	{ KSTUB_REG_RIP, 0x8000000000000000ull, KSTUB_EINVAL },
	{ KSTUB_REG_FS_BASE, 0x00007f0000001000ull, 0 },
	{ KSTUB_REG_FS_BASE, 0x0001000000000000ull, KSTUB_EINVAL },
	{ KSTUB_REG_GS_BASE, 0xffff888007a00000ull, 0 },
	{ KSTUB_REG_GS_BASE, 0xfeff888007a00000ull, KSTUB_EINVAL },
	/* Data registers take any value. */
	{ KSTUB_REG_RAX, 0x8000000000000000ull, 0 },
	{ KSTUB_REG_RSP, 0x0000800000000000ull, 0 },
};

START_TEST(canonical)
{
	struct kstub_frame f, before;
	uint8_t in[8], out[8];

	frame_pattern(&f);
	before = f;
	memcpy(in, &canon_rows[_i].v, 8);
	ck_assert_int_eq(kstub_arch_reg_set(&f, canon_rows[_i].n, in, 8),
			 canon_rows[_i].rc);
	if (canon_rows[_i].rc != 0) {
		ck_assert_mem_eq(&f, &before, sizeof(f));
		return;
	}
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, canon_rows[_i].n, out),
			 8);
	ck_assert_mem_eq(out, in, 8);
}
END_TEST

static const struct {
	uint32_t mask;	/* MXCSR_MASK in the image */
	uint32_t v;
	int rc;
} mxcsr_rows[] = {
	{ 0, 0x1f80, 0 },
	{ 0, 0xffbf, 0 },
	{ 0, 0x0040, KSTUB_EINVAL },	/* DAZ: not in the default mask */
	{ 0, 0x10000, KSTUB_EINVAL },
	{ 0xffff, 0x1fc0, 0 },		/* DAZ supported */
	{ 0xffff, 0x20000, KSTUB_EINVAL },
	{ 0x2ffff, 0x21f80, 0 },	/* MM bit on AMD */
};

START_TEST(mxcsr_mask)
{
	struct kstub_frame f, before;
	uint8_t in[4], out[4];

	frame_pattern(&f);
	memcpy(f.fxsave + 28, &mxcsr_rows[_i].mask, 4);
	before = f;
	memcpy(in, &mxcsr_rows[_i].v, 4);
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_MXCSR, in, 4),
			 mxcsr_rows[_i].rc);
	if (mxcsr_rows[_i].rc != 0) {
		ck_assert_mem_eq(&f, &before, sizeof(f));
		return;
	}
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, KSTUB_REG_MXCSR, out),
			 4);
	ck_assert_mem_eq(out, in, 4);
	ck_assert_mem_eq(f.fxsave + 24, in, 4);
}
END_TEST

/* ---- narrow fields: what the wire value's extra bits do ---- */

START_TEST(narrow_fields)
{
	struct kstub_frame f;
	uint8_t out[4];

	frame_pattern(&f);
	f.rflags = 0xdead000000000202ull;
	/* eflags: the low half of RFLAGS; the reserved high half stays. */
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, KSTUB_REG_EFLAGS, out),
			 4);
	ck_assert_mem_eq(out, "\x02\x02\0\0", 4);
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_EFLAGS,
					    (const uint8_t *)"\x46\x03\x01\0",
					    4), 0);
	ck_assert_uint_eq(f.rflags, 0xdead000000010346ull);
	/* fctrl: 16 bits in the image; the upper wire bytes are dropped. */
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_FCTRL,
					    (const uint8_t *)"\x7f\x03\xef\xbe",
					    4), 0);
	ck_assert_mem_eq(f.fxsave, "\x7f\x03", 2);
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, KSTUB_REG_FCTRL, out),
			 4);
	ck_assert_mem_eq(out, "\x7f\x03\0\0", 4);
	/* fop: 11 bits. */
	ck_assert_int_eq(kstub_arch_reg_set(&f, KSTUB_REG_FOP,
					    (const uint8_t *)"\xff\xff\xff\xff",
					    4), 0);
	ck_assert_mem_eq(f.fxsave + 6, "\xff\x07", 2);
	f.fxsave[7] = 0xff;
	ck_assert_int_eq(kstub_arch_reg_get(&f, NULL, KSTUB_REG_FOP, out), 4);
	ck_assert_mem_eq(out, "\xff\x07\0\0", 4);
}
END_TEST

/* The 64-bit FIP/FDP split the way gdb shows them (fioff:fiseg). */
START_TEST(fip_fdp_split)
{
	struct kstub_frame f;
	uint64_t fip = 0xffffffff81234567ull, fdp = 0xffff888000abcdefull;
	uint8_t out[4];

	frame_pattern(&f);
	memcpy(f.fxsave + 8, &fip, 8);
	memcpy(f.fxsave + 16, &fdp, 8);
	kstub_arch_reg_get(&f, NULL, KSTUB_REG_FIOFF, out);
	ck_assert_mem_eq(out, "\x67\x45\x23\x81", 4);
	kstub_arch_reg_get(&f, NULL, KSTUB_REG_FISEG, out);
	ck_assert_mem_eq(out, "\xff\xff\xff\xff", 4);
	kstub_arch_reg_get(&f, NULL, KSTUB_REG_FOOFF, out);
	ck_assert_mem_eq(out, "\xef\xcd\xab\x00", 4);
	kstub_arch_reg_get(&f, NULL, KSTUB_REG_FOSEG, out);
	ck_assert_mem_eq(out, "\x80\x88\xff\xff", 4);
}
END_TEST

Suite *arch_regs_suite(void)
{
	Suite *s = suite_create("arch_regs");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, table_row, 0, KSTUB_NREGS);
	tcase_add_test(tc, table_types);
	tcase_add_test(tc, expedite);
	suite_add_tcase(s, tc);

	tc = tcase_create("layout");
	tcase_add_loop_test(tc, get_layout, 0, KSTUB_NREGS);
	tcase_add_loop_test(tc, set_round_trip, 0, KSTUB_NREGS);
	tcase_add_test(tc, set_marks_valid);
	tcase_add_test(tc, narrow_fields);
	tcase_add_test(tc, fip_fdp_split);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, get_unavailable, 0, KSTUB_NREGS);
	tcase_add_loop_test(tc, set_ro, KSTUB_REG_K_GS_BASE, KSTUB_NREGS);
	tcase_add_test(tc, bad_n_or_len);
	tcase_add_loop_test(tc, seg_rule, 0, NELEM(seg_rows));
	tcase_add_test(tc, port_ro_mask);
	tcase_add_loop_test(tc, canonical, 0, NELEM(canon_rows));
	tcase_add_loop_test(tc, mxcsr_mask, 0, NELEM(mxcsr_rows));
	suite_add_tcase(s, tc);
	return s;
}
