/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Single step with RFLAGS.TF (SDM vol. 3 18.3.1.4): which instructions
 * touch IF or push the flags, and the TF/IF/RF bookkeeping around one
 * step, so no interrupt handler runs inside it and the kernel never sees
 * the debugger's flags.
 */
#include "arch_int.h"

/* No instruction is longer than 15 bytes (SDM vol. 2 ch. 2). */
#define INSN_MAX 15

/* Legacy prefixes, groups 1-4 (SDM vol. 2 2.1.1). */
static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0:		/* lock */
	case 0xf2:		/* repne */
	case 0xf3:		/* rep */
	case 0x2e:		/* cs */
	case 0x36:		/* ss */
	case 0x3e:		/* ds */
	case 0x26:		/* es */
	case 0x64:		/* fs */
	case 0x65:		/* gs */
	case 0x66:		/* operand size */
	case 0x67:		/* address size */
		return true;
	default:
		return false;
	}
}

/*
 * REX (40-4F) only counts right before the opcode, but a REX followed by
 * a legacy prefix is simply ignored (SDM vol. 2 2.2.1), so skipping every
 * prefix byte in any order finds the opcode either way. 66 9C (pushfw)
 * and 48 CF (iretq) keep their class: only the width changes.
 */
size_t kstub_arch_insn_opcode(const uint8_t *insn, size_t n)
{
	size_t i;

	if (n > INSN_MAX)
		n = INSN_MAX;
	for (i = 0; i < n; i++)
		if (!is_legacy_prefix(insn[i]) && (insn[i] & 0xf0u) != 0x40u)
			return i;
	return n;
}

enum kstub_insn_class kstub_arch_insn_classify(const uint8_t *insn, size_t n)
{
	size_t i = kstub_arch_insn_opcode(insn, n);

	/* Nothing but prefixes was readable: no opcode to judge. */
	if (i >= n || i >= INSN_MAX)
		return KSTUB_INSN_OTHER;
	switch (insn[i]) {
	case 0x9c:
		return KSTUB_INSN_PUSHF;
	case 0x9d:
		return KSTUB_INSN_POPF;
	case 0xfa:
		return KSTUB_INSN_CLI;
	case 0xfb:
		return KSTUB_INSN_STI;
	case 0xcf:
		return KSTUB_INSN_IRET;
	case 0xf4:
		return KSTUB_INSN_HLT;
	default:
		return KSTUB_INSN_OTHER;
	}
}

/*
 * IF is cleared so a pending interrupt is not taken inside the step (the
 * trap would then land in the interrupt handler). RF suppresses an
 * instruction breakpoint on the first instruction (SDM vol. 3 18.3.1.1);
 * it is left as the frame has it when rf is false.
 */
void kstub_arch_step_begin(struct kstub_step *st, struct kstub_frame *f,
			   enum kstub_insn_class klass, bool rf)
{
	__builtin_memset(st, 0, sizeof(*st));
	st->active = 1;
	st->klass = (uint8_t)klass;
	st->saved_if = (f->rflags & KSTUB_RFLAGS_IF) != 0;
	f->rflags |= KSTUB_RFLAGS_TF;
	f->rflags &= ~KSTUB_RFLAGS_IF;
	if (rf)
		f->rflags |= KSTUB_RFLAGS_RF;
}

/*
 * A step that did not complete (a fault, an exec breakpoint or an NMI
 * came first) ran nothing: IF goes back to what it was for every class,
 * and nothing was pushed.
 */
bool kstub_arch_step_end(struct kstub_step *st, struct kstub_frame *f,
			 uint64_t *fix_addr, bool completed)
{
	enum kstub_insn_class klass = completed ? st->klass : KSTUB_INSN_OTHER;
	bool pushed = klass == KSTUB_INSN_PUSHF;

	if (!st->active)
		return false;
	f->rflags &= ~KSTUB_RFLAGS_TF;
	/* pushf pushed our TF and IF; the image is the new stack top. */
	if (pushed)
		*fix_addr = f->gpr[KSTUB_REG_RSP];
	/* popf, iret, cli and sti decided IF; keep their result. */
	if (klass != KSTUB_INSN_POPF && klass != KSTUB_INSN_IRET &&
	    klass != KSTUB_INSN_CLI && klass != KSTUB_INSN_STI) {
		if (st->saved_if)
			f->rflags |= KSTUB_RFLAGS_IF;
		else
			f->rflags &= ~KSTUB_RFLAGS_IF;
	}
	st->active = 0;
	return pushed;
}

uint16_t kstub_arch_step_fix_pushed(const struct kstub_step *st,
				    uint16_t pushed)
{
	uint16_t v = pushed & (uint16_t)~(KSTUB_RFLAGS_TF | KSTUB_RFLAGS_IF);

	if (st->saved_if)
		v |= (uint16_t)KSTUB_RFLAGS_IF;
	return v;
}

void kstub_arch_resume_prepare(struct kstub_frame *f, bool rf)
{
	f->rflags &= ~KSTUB_RFLAGS_TF;
	if (rf)
		f->rflags |= KSTUB_RFLAGS_RF;
}
