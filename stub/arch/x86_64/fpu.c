/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x87 and SSE registers as gdb sees them, converted from and to the
 * 64-bit FXSAVE image in the frame (SDM vol. 1 10.5.1, "FXSAVE Area"). The
 * 80-bit values are handled as bytes: kernels build without the FPU.
 */
#include "arch_int.h"

/* FXSAVE image offsets (SDM vol. 2 FXSAVE, the 64-bit REX.W layout). */
#define FX_FCW 0
#define FX_FSW 2
#define FX_FTW 4	/* abridged: one bit per physical register */
#define FX_FOP 6
#define FX_FIP 8	/* 64-bit FIP; gdb shows it as fioff:fiseg */
#define FX_FDP 16	/* 64-bit FDP; gdb shows it as fooff:foseg */
#define FX_MXCSR 24
#define FX_MXCSR_MASK 28
#define FX_ST 32	/* st0..st7 in stack order, 16-byte slots */
#define FX_XMM 160

#define ST_BYTES 10
#define XMM_BYTES 16

/* Full tag word values (SDM vol. 1 8.1.7, "x87 FPU Tag Word"). */
#define TAG_VALID 0u
#define TAG_ZERO 1u
#define TAG_SPECIAL 2u
#define TAG_EMPTY 3u

/* FSW.TOP: which physical register is st0 (SDM vol. 1 8.1.3.1). */
#define FSW_TOP(fsw) (((fsw) >> 11) & 7u)

/* SDM vol. 1 11.6.6: an MXCSR_MASK of zero means this default. */
#define MXCSR_MASK_DEFAULT 0xffbfu

/*
 * Classify an 80-bit value the way FSTENV reports a non-empty register
 * (SDM vol. 1 8.1.7; FXSAVE in vol. 2): infinities, NaNs, denormals,
 * pseudo-denormals and unnormals (integer bit clear) are all special.
 */
static unsigned x87_classify(const uint8_t *r)
{
	unsigned exp = (unsigned)arch_get_le(r + 8, 2) & 0x7fffu;
	uint64_t mant = arch_get_le(r, 8);

	if (exp == 0x7fffu)
		return TAG_SPECIAL;
	if (exp == 0)
		return mant == 0 ? TAG_ZERO : TAG_SPECIAL;
	return (mant >> 63) != 0 ? TAG_VALID : TAG_SPECIAL;
}

/*
 * The abridged tag byte is indexed by physical register, the ST slots by
 * stack position: physical register p is st((p - TOP) mod 8).
 */
static uint16_t full_tag(const uint8_t *fx)
{
	unsigned top = FSW_TOP((unsigned)arch_get_le(fx + FX_FSW, 2));
	uint16_t tag = 0;
	unsigned p;

	for (p = 0; p < 8; p++) {
		unsigned t = TAG_EMPTY;

		if (fx[FX_FTW] & (1u << p))
			t = x87_classify(fx + FX_ST + 16 * ((p - top) & 7u));
		tag |= (uint16_t)(t << (2 * p));
	}
	return tag;
}

/* FXRSTOR only needs to know empty or not: bit p set unless tag is 11. */
static uint8_t abridged_tag(uint16_t tag)
{
	uint8_t ftw = 0;
	unsigned p;

	for (p = 0; p < 8; p++)
		if (((tag >> (2 * p)) & 3u) != TAG_EMPTY)
			ftw |= (uint8_t)(1u << p);
	return ftw;
}

void kstub_arch_fpu_get(const struct kstub_frame *f, unsigned n, uint8_t *out)
{
	const uint8_t *fx = f->fxsave;
	uint64_t v = 0;

	if (n >= KSTUB_REG_ST0 && n < KSTUB_REG_ST0 + 8) {
		__builtin_memcpy(out, fx + FX_ST + 16 * (n - KSTUB_REG_ST0),
				 ST_BYTES);
		return;
	}
	if (n >= KSTUB_REG_XMM0 && n < KSTUB_REG_XMM0 + 16) {
		__builtin_memcpy(out, fx + FX_XMM + 16 * (n - KSTUB_REG_XMM0),
				 XMM_BYTES);
		return;
	}
	switch (n) {
	case KSTUB_REG_FCTRL:
		v = arch_get_le(fx + FX_FCW, 2);
		break;
	case KSTUB_REG_FSTAT:
		v = arch_get_le(fx + FX_FSW, 2);
		break;
	case KSTUB_REG_FTAG:
		v = full_tag(fx);
		break;
	case KSTUB_REG_FISEG:
		v = arch_get_le(fx + FX_FIP + 4, 4);
		break;
	case KSTUB_REG_FIOFF:
		v = arch_get_le(fx + FX_FIP, 4);
		break;
	case KSTUB_REG_FOSEG:
		v = arch_get_le(fx + FX_FDP + 4, 4);
		break;
	case KSTUB_REG_FOOFF:
		v = arch_get_le(fx + FX_FDP, 4);
		break;
	case KSTUB_REG_FOP:
		/* 11 bits (SDM vol. 1, "Last Instruction Opcode"). */
		v = arch_get_le(fx + FX_FOP, 2) & 0x7ffu;
		break;
	case KSTUB_REG_MXCSR:
		v = arch_get_le(fx + FX_MXCSR, 4);
		break;
	default:
		break;
	}
	arch_put_le(out, 4, v);
}

int kstub_arch_fpu_set(struct kstub_frame *f, unsigned n, const uint8_t *in)
{
	uint8_t *fx = f->fxsave;
	uint32_t v;
	uint32_t mask;

	if (n >= KSTUB_REG_ST0 && n < KSTUB_REG_ST0 + 8) {
		__builtin_memcpy(fx + FX_ST + 16 * (n - KSTUB_REG_ST0), in,
				 ST_BYTES);
		return 0;
	}
	if (n >= KSTUB_REG_XMM0 && n < KSTUB_REG_XMM0 + 16) {
		__builtin_memcpy(fx + FX_XMM + 16 * (n - KSTUB_REG_XMM0), in,
				 XMM_BYTES);
		return 0;
	}
	v = (uint32_t)arch_get_le(in, 4);
	switch (n) {
	case KSTUB_REG_FCTRL:
		arch_put_le(fx + FX_FCW, 2, v);
		break;
	case KSTUB_REG_FSTAT:
		arch_put_le(fx + FX_FSW, 2, v);
		break;
	case KSTUB_REG_FTAG:
		fx[FX_FTW] = abridged_tag((uint16_t)v);
		break;
	case KSTUB_REG_FISEG:
		arch_put_le(fx + FX_FIP + 4, 4, v);
		break;
	case KSTUB_REG_FIOFF:
		arch_put_le(fx + FX_FIP, 4, v);
		break;
	case KSTUB_REG_FOSEG:
		arch_put_le(fx + FX_FDP + 4, 4, v);
		break;
	case KSTUB_REG_FOOFF:
		arch_put_le(fx + FX_FDP, 4, v);
		break;
	case KSTUB_REG_FOP:
		arch_put_le(fx + FX_FOP, 2, v & 0x7ffu);
		break;
	case KSTUB_REG_MXCSR:
		/*
		 * A reserved bit makes FXRSTOR raise #GP on the way out of
		 * the stub, in the kernel's trap exit path: refuse it here.
		 */
		mask = (uint32_t)arch_get_le(fx + FX_MXCSR_MASK, 4);
		if (mask == 0)
			mask = MXCSR_MASK_DEFAULT;
		if (v & ~mask)
			return KSTUB_EINVAL;
		arch_put_le(fx + FX_MXCSR, 4, v);
		break;
	default:
		return KSTUB_EINVAL;
	}
	return 0;
}
