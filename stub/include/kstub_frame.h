/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The register frame a port hands the stub on a trap, and the register
 * numbering that gdb sees (the order of target.xml, hence of "g", "p" and
 * the expedited registers in stop replies).
 *
 * A port copies its own trapframe into struct kstub_frame on entry and
 * copies back what the stub may have changed on exit, so the stub never
 * sees a kernel structure. Registers the port cannot supply are left out
 * of .valid and are reported to gdb as unavailable ("xx"), never invented.
 * Registers the port supplies but cannot load back on the way out go in
 * .ro, so gdb is refused (E01) instead of seeing a write that never
 * happens.
 *
 * Initialise a frame by zeroing all of it (memset, "= { 0 }", calloc)
 * and then setting what the port fills in: a zero .ro means every valid
 * register is written back, the right default for a port that copies
 * the whole frame back.
 */
#ifndef KSTUB_FRAME_H
#define KSTUB_FRAME_H

#include "kstub_types.h"

#if !defined(__x86_64__)
#error "kstub: only the x86-64 architecture is implemented"
#endif

/* gdb register numbers: the order of the registers in target.xml. */
enum kstub_regno {
	KSTUB_REG_RAX, KSTUB_REG_RBX, KSTUB_REG_RCX, KSTUB_REG_RDX,
	KSTUB_REG_RSI, KSTUB_REG_RDI, KSTUB_REG_RBP, KSTUB_REG_RSP,
	KSTUB_REG_R8, KSTUB_REG_R9, KSTUB_REG_R10, KSTUB_REG_R11,
	KSTUB_REG_R12, KSTUB_REG_R13, KSTUB_REG_R14, KSTUB_REG_R15,
	KSTUB_REG_RIP,		/* 16 */
	KSTUB_REG_EFLAGS,	/* 17, 32 bits on the wire */
	KSTUB_REG_CS, KSTUB_REG_SS, KSTUB_REG_DS,
	KSTUB_REG_ES, KSTUB_REG_FS, KSTUB_REG_GS,	/* 18..23, 32 bits */
	KSTUB_REG_ST0,		/* 24..31: st0..st7, 80 bits each */
	KSTUB_REG_FCTRL = KSTUB_REG_ST0 + 8,	/* 32 */
	KSTUB_REG_FSTAT, KSTUB_REG_FTAG, KSTUB_REG_FISEG,
	KSTUB_REG_FIOFF, KSTUB_REG_FOSEG, KSTUB_REG_FOOFF, KSTUB_REG_FOP,
	KSTUB_REG_XMM0,		/* 40..55: xmm0..xmm15, 128 bits each */
	KSTUB_REG_MXCSR = KSTUB_REG_XMM0 + 16,	/* 56 */
	KSTUB_REG_FS_BASE,	/* 57 */
	KSTUB_REG_GS_BASE,	/* 58 */
	KSTUB_REG_K_GS_BASE,	/* 59: the other GS base, swapped by swapgs */
	KSTUB_REG_CR0, KSTUB_REG_CR2, KSTUB_REG_CR3,
	KSTUB_REG_CR4, KSTUB_REG_CR8,	/* 60..64 */
	KSTUB_REG_EFER,		/* 65 */
	KSTUB_REG_DR0, KSTUB_REG_DR1, KSTUB_REG_DR2, KSTUB_REG_DR3,
	KSTUB_REG_DR6, KSTUB_REG_DR7,	/* 66..71: the stub's own, read-only */
	KSTUB_NREGS		/* 72 */
};

/* Which registers of a frame hold real values: bit n = enum kstub_regno n. */
#define KSTUB_VALID_WORDS 2
#define KSTUB_VALID_BIT(n) (1ull << ((n) & 63))
#define KSTUB_VALID_WORD(n) ((n) >> 6)

/* Groups a port typically fills as a whole, as masks of valid[0]. */
#define KSTUB_VALID_GPRS	0x00000000000fffffull	/* rax..r15, rip, eflags, cs, ss */
#define KSTUB_VALID_CALLEE	0x000000000001f0c2ull	/* rbx rbp rsp r12..r15 rip: a pcb */
#define KSTUB_VALID_SEGS	0x0000000000fc0000ull	/* cs ss ds es fs gs */
#define KSTUB_VALID_FPU		0x01ffffffff000000ull	/* st0..mxcsr: the fxsave area */
/* valid[0] bits 57.. and valid[1] are set one by one with kstub_frame_set_valid(). */

/*
 * The FXSAVE (64-bit form) image: x87 control/status, MXCSR, st0-7 in
 * 16-byte slots from offset 32, xmm0-15 from offset 160. The stub converts
 * the abridged tag byte to gdb's full tag word and back.
 */
#define KSTUB_FXSAVE_SIZE 512

struct kstub_frame {
	uint64_t gpr[16];	/* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
	uint64_t rip;
	uint64_t rflags;
	uint32_t seg[6];	/* cs ss ds es fs gs selectors */
	uint32_t pad0;
	uint64_t fs_base, gs_base, k_gs_base;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint8_t fxsave[KSTUB_FXSAVE_SIZE] __attribute__((aligned(16)));
	uint64_t valid[KSTUB_VALID_WORDS];	/* bit n: register n is real */
	/*
	 * Bit n: the port cannot write register n back (hostsim cannot set
	 * a host thread's fs_base or segment selectors; a port that copies
	 * only the iretq frame back cannot load ds). Same layout as .valid.
	 * P of such a register gets E01; G gets E01 if it carries a value
	 * that differs from the current one, and is accepted if the value
	 * is identical (gdb sends back every register it read). cs and ss
	 * are always read-only (stub/arch/x86_64/regs.c), as are cr*, efer,
	 * k_gs_base and dr*, whatever this mask says.
	 */
	uint64_t ro[KSTUB_VALID_WORDS];
};

static inline void kstub_frame_set_valid(struct kstub_frame *f, unsigned n)
{
	f->valid[KSTUB_VALID_WORD(n)] |= KSTUB_VALID_BIT(n);
}

static inline void kstub_frame_set_ro(struct kstub_frame *f, unsigned n)
{
	f->ro[KSTUB_VALID_WORD(n)] |= KSTUB_VALID_BIT(n);
}

static inline bool kstub_frame_is_ro(const struct kstub_frame *f, unsigned n)
{
	return n < KSTUB_NREGS &&
	       (f->ro[KSTUB_VALID_WORD(n)] & KSTUB_VALID_BIT(n)) != 0;
}

static inline bool kstub_frame_is_valid(const struct kstub_frame *f,
					unsigned n)
{
	return n < KSTUB_NREGS &&
	       (f->valid[KSTUB_VALID_WORD(n)] & KSTUB_VALID_BIT(n)) != 0;
}

/* RFLAGS bits the stub manipulates. */
#define KSTUB_RFLAGS_TF (1ull << 8)
#define KSTUB_RFLAGS_IF (1ull << 9)
#define KSTUB_RFLAGS_RF (1ull << 16)

/*
 * Why the CPU entered the stub. vector is the x86 exception vector for
 * hardware traps (1 #DB, 3 #BP, 14 #PF, ...) or one of KSTUB_TRAP_* below
 * for entries that are not CPU exceptions.
 */
struct kstub_trap {
	uint32_t vector;
	uint32_t pad0;
	uint64_t error_code;	/* as pushed by the CPU, 0 if none */
	uint64_t fault_addr;	/* CR2 for #PF, 0 otherwise */
};

#define KSTUB_TRAP_DE 0		/* divide error -> SIGFPE */
#define KSTUB_TRAP_DB 1		/* debug: single step, DR0-3 hits */
#define KSTUB_TRAP_NMI 2
#define KSTUB_TRAP_BP 3		/* int3 */
#define KSTUB_TRAP_UD 6		/* invalid opcode -> SIGILL */
#define KSTUB_TRAP_GP 13
#define KSTUB_TRAP_PF 14
#define KSTUB_TRAP_BREAKIN 0x100	/* gdb sent ^C: kstub_poll_break() was true */
#define KSTUB_TRAP_PANIC 0x101		/* the kernel panicked and asks for the debugger */

#endif /* KSTUB_FRAME_H */
