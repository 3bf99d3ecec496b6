/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The recovery point's context save, and the frame that returns to it.
 * The save is file-scope asm in a .c file so that every build that
 * compiles the .c files of stub/kstub.mk (Kbuild, BSD make) gets it.
 */
#include "kstub_arch_recover.h"

#define RFLAGS_DF (1ull << 10)

/*
 * A kernel built with return-thunk mitigations (Linux RETHUNK) wants
 * every return to go through its thunk, and its build checks that no
 * bare ret is left: its port names the thunk, as
 * -DKSTUB_ARCH_RETURN_THUNK=__x86_return_thunk. The int3 after the
 * return stops straight-line speculation past it.
 */
#define RECOVER_STR2(x) #x
#define RECOVER_STR(x) RECOVER_STR2(x)
#ifdef KSTUB_ARCH_RETURN_THUNK
#define RECOVER_RET "	jmp " RECOVER_STR(KSTUB_ARCH_RETURN_THUNK) "\n	int3\n"
#else
#define RECOVER_RET "	ret\n	int3\n"
#endif

/*
 * int kstub_arch_recover_arm(struct kstub_arch_jmp *j), j in rdi. At
 * entry (%rsp) is the return address; rsp + 8 is the caller's rsp once
 * the call has returned. No stack is used beyond one pushfq.
 */
__asm__(".text\n"
	".p2align 4\n"
	".globl kstub_arch_recover_arm\n"
	".type kstub_arch_recover_arm, @function\n"
	"kstub_arch_recover_arm:\n"
	"	movq %rbx, 0(%rdi)\n"
	"	movq %rbp, 8(%rdi)\n"
	"	movq %r12, 16(%rdi)\n"
	"	movq %r13, 24(%rdi)\n"
	"	movq %r14, 32(%rdi)\n"
	"	movq %r15, 40(%rdi)\n"
	"	leaq 8(%rsp), %rax\n"
	"	movq %rax, 48(%rdi)\n"
	"	movq (%rsp), %rax\n"
	"	movq %rax, 56(%rdi)\n"
	"	pushfq\n"
	"	popq 64(%rdi)\n"
	"	xorl %eax, %eax\n"
	RECOVER_RET
	".size kstub_arch_recover_arm, .-kstub_arch_recover_arm\n");

_Static_assert(__builtin_offsetof(struct kstub_arch_jmp, rsp) == 48,
	       "the asm above writes rsp at 48");
_Static_assert(__builtin_offsetof(struct kstub_arch_jmp, rflags) == 64,
	       "the asm above writes rflags at 64");

void kstub_arch_recover_frame(const struct kstub_arch_jmp *j,
			      struct kstub_frame *f)
{
	unsigned i;

	for (i = 0; i < 16; i++)
		f->gpr[i] = 0;
	f->gpr[KSTUB_REG_RAX] = 1;
	f->gpr[KSTUB_REG_RBX] = j->rbx;
	f->gpr[KSTUB_REG_RBP] = j->rbp;
	f->gpr[KSTUB_REG_RSP] = j->rsp;
	f->gpr[KSTUB_REG_R12] = j->r12;
	f->gpr[KSTUB_REG_R13] = j->r13;
	f->gpr[KSTUB_REG_R14] = j->r14;
	f->gpr[KSTUB_REG_R15] = j->r15;
	f->rip = j->rip;
	f->rflags = j->rflags & ~(KSTUB_RFLAGS_TF | KSTUB_RFLAGS_RF |
				  KSTUB_RFLAGS_IF | RFLAGS_DF);
}
