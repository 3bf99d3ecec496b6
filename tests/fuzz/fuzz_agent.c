/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Agent expressions: the Z tail parser, the verifier and the evaluator.
 * The first byte picks the form of the rest: raw bytecode checked as a
 * condition or as a command, or a Z packet tail. Whatever the verifier
 * accepts is run on a fake machine with holes, and must end with one of
 * the evaluation statuses: a verification error from verified code means
 * the verifier let something through it should not have.
 */
#include <string.h>

#include "../fakes/agent_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static struct kstub_agent_bp bp;
static struct kstub_agent_vm vm;
static struct fake_machine fm;
static char out[64];	/* small, so printf truncation is reached */

static void machine(void)
{
	static const char s[] = "kstub\\n%s";

	memset(&fm, 0, sizeof(fm));
	/* mapped: 0x1000..0x1040 (a string), 0x2000..0x2040 (pointers
	 * back to it), 0x2fc0..0x3000; everything else is a hole */
	memcpy(fake_map(&fm, 0x1000, 64)->bytes, s, sizeof(s));
	fake_map(&fm, 0x2000, 64);
	fake_poke(&fm, 0x2000, 0x1000, 8);
	fake_poke(&fm, 0x2008, 0x1003, 8);
	memset(fake_map(&fm, 0x2fc0, 64)->bytes, 'A', 64);
	for (unsigned i = 0; i < 17; i++)
		fm.regs[i] = i == 7 ? 0x2020 : 0x1000 + 8 * i;
	fm.reg_valid = 0x1ffff & ~(1u << 3);	/* rdx unreadable */
}

static void run(const struct kstub_agent_expr *e)
{
	uint64_t v;
	int err;

	vm.out = out;
	vm.out_cap = sizeof(out);
	err = kstub_agent_eval(&vm, &fake_agent_ops, &fm, e, &v);
	if (err != 0 && err != KSTUB_EFAULT && err != KSTUB_EAX_DIVZERO &&
	    err != KSTUB_EAX_STEPS && err != KSTUB_EAX_REG)
		__builtin_trap();
	if (vm.out_len > vm.out_cap || vm.sp > KSTUB_AGENT_STACK_MAX)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct kstub_agent_expr e;
	unsigned i;

	if (len < 1)
		return 0;
	machine();
	switch (data[0] % 3) {
	case 0:
	case 1:
		if (len - 1 > KSTUB_AGENT_EXPR_MAX)
			return 0;
		e.len = (uint16_t)(len - 1);
		memcpy(e.code, data + 1, len - 1);
		if (kstub_agent_verify(&vm, e.code, e.len, data[0] % 3 == 0))
			return 0;
		run(&e);
		break;
	default:
		if (kstub_agent_parse(&bp, &vm, (const char *)data + 1,
				      len - 1)) {
			if (bp.nconds || bp.ncmds)
				__builtin_trap();	/* half-parsed */
			return 0;
		}
		(void)kstub_agent_cond_eval(&vm, &fake_agent_ops, &fm, &bp);
		for (i = 0; i < bp.nconds; i++)
			run(&bp.cond[i]);
		for (i = 0; i < bp.ncmds; i++)
			run(&bp.cmd[i]);
		break;
	}
	return 0;
}
