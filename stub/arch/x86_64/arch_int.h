/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to stub/arch/x86_64: little-endian byte helpers, the canonical
 * address rule, and the FXSAVE accessors that regs.c calls in fpu.c.
 */
#ifndef KSTUB_ARCH_INT_H
#define KSTUB_ARCH_INT_H

#include "kstub_arch.h"

static inline uint64_t arch_get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = (v << 8) | p[n];
	return v;
}

static inline void arch_put_le(uint8_t *p, unsigned n, uint64_t v)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * A 48-bit linear address sign-extended to 64 bits (SDM vol. 1 3.3.7.1):
 * bits 63..47 are all equal. Kernels with 5-level paging (CR4.LA57) have
 * a wider canonical range that this rule refuses.
 */
static inline bool arch_canonical(uint64_t addr)
{
	uint64_t top = addr >> 47;

	return top == 0 || top == 0x1ffff;
}

/*
 * The x87 and SSE registers, KSTUB_REG_ST0..KSTUB_REG_MXCSR, read from
 * and written to the FXSAVE image of f. Same contract as
 * kstub_arch_reg_get/set, minus the checks regs.c already made (n is in
 * that range, len is its size, the register is valid for a get).
 */
void kstub_arch_fpu_get(const struct kstub_frame *f, unsigned n, uint8_t *out);
int kstub_arch_fpu_set(struct kstub_frame *f, unsigned n, const uint8_t *in);

#endif /* KSTUB_ARCH_INT_H */
