/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86-64 architecture layer, private to the stub: the register table
 * behind g/G/p/P and target.xml, debug-register slot allocation and
 * DR7/DR6 encoding, single-step with TF/RF/IF, and trap vector to signal.
 *
 * Everything here is pure (no port hooks, no global state): the core
 * passes in the state it owns and performs the memory accesses, so each
 * function can be tested with tables.
 */
#ifndef KSTUB_ARCH_H
#define KSTUB_ARCH_H

#include "kstub_errno.h"
#include "kstub_frame.h"
#include "kstub_types.h"

/* ---- registers (regs.c, fpu.c) ---- */

#define KSTUB_REG_RO 0x1u	/* gdb may read it, never write it */

enum kstub_reg_feature {
	KSTUB_FEAT_CORE,	/* org.gnu.gdb.i386.core */
	KSTUB_FEAT_SSE,		/* org.gnu.gdb.i386.sse */
	KSTUB_FEAT_SEGMENTS,	/* org.gnu.gdb.i386.segments */
	KSTUB_FEAT_SYSTEM,	/* org.kstub.x86.system */
};

struct kstub_reg_desc {
	const char *name;	/* as in target.xml */
	const char *type;	/* target.xml type: int64, code_ptr, ... */
	const char *group;	/* general, float, vector, system */
	uint16_t bits;		/* 32, 64, 80 or 128 */
	uint8_t feature;	/* enum kstub_reg_feature */
	uint8_t flags;		/* KSTUB_REG_* */
};

/* Indexed by enum kstub_regno; the order is the g packet's. */
extern const struct kstub_reg_desc kstub_arch_regs[KSTUB_NREGS];

/* Registers put in every stop reply, so a stepi needs no g: rbp rsp rip. */
#define KSTUB_ARCH_NEXPEDITE 3
extern const uint8_t kstub_arch_expedite[KSTUB_ARCH_NEXPEDITE];

/* The debug registers as gdb sees them: the stub's global state. */
struct kstub_dr_view {
	uint64_t dr[4];
	uint64_t dr6;
	uint64_t dr7;
	bool valid;	/* false: the port has no dr_get/dr_set */
};

/* Size in bytes of register n on the wire; 0 if n >= KSTUB_NREGS. */
unsigned kstub_arch_reg_size(unsigned n);

/*
 * Read register n: writes its kstub_arch_reg_size(n) bytes, little
 * endian, to out. The DR registers come from dr, the rest from f; x87
 * registers are converted from the FXSAVE image (full tag word from the
 * abridged tag byte, fiseg/foseg from the 64-bit FIP/FDP as gdb does).
 * Returns the size; KSTUB_ENOENT if the register is not valid in f (the
 * caller sends "xx" for each byte); KSTUB_EINVAL if n is out of range.
 */
long kstub_arch_reg_get(const struct kstub_frame *f,
			const struct kstub_dr_view *dr, unsigned n,
			uint8_t *out);

/*
 * Can gdb write register n of f? Not the KSTUB_REG_RO ones (k_gs_base,
 * cr*, efer, dr*), not cs and ss (a different code or stack selector
 * makes the port's iretq fault or return to another privilege level),
 * and not those the port marked in f->ro. Pure.
 */
bool kstub_arch_reg_writable(const struct kstub_frame *f, unsigned n);

/*
 * Write register n from len bytes (little endian) and mark it valid.
 * Returns 0; KSTUB_EINVAL if n is out of range or len is not its size,
 * or for a value the CPU would fault on when the port loads it back (a
 * non-canonical rip, fs_base or gs_base; an MXCSR bit outside the frame's
 * MXCSR_MASK; a ds/es/fs/gs selector wider than 16 bits or whose RPL is
 * not cs's); KSTUB_EPERM for a register kstub_arch_reg_writable() refuses,
 * checked before len.
 */
int kstub_arch_reg_set(struct kstub_frame *f, unsigned n, const uint8_t *in,
		       size_t len);

/*
 * Produce target.xml, in pieces, through emit(arg, text, len). The
 * document is generated from kstub_arch_regs and is accepted by gdb (as
 * an i386:x86-64 description) and by lldb. Never calls emit with len 0.
 */
typedef void (*kstub_emit_fn)(void *arg, const char *s, size_t len);
void kstub_arch_target_xml(kstub_emit_fn emit, void *arg);

/* ---- debug registers (dr.c) ---- */

#define KSTUB_DR_SLOTS 4
#define KSTUB_DR6_BS (1ull << 14)	/* single step */
#define KSTUB_DR6_CLEAN 0xffff0ff0ull	/* DR6 with no status bits set */

/* = the Z packet type minus one */
enum kstub_hw_kind {
	KSTUB_HW_EXEC,		/* Z1: breakpoint, a fault before the insn */
	KSTUB_HW_WRITE,		/* Z2: write watchpoint, a trap after it */
	KSTUB_HW_READ,		/* Z3: emulated on an access slot */
	KSTUB_HW_ACCESS,	/* Z4: read or write */
};

struct kstub_hw_slot {
	uint64_t addr;
	uint64_t shadow;	/* KSTUB_HW_READ: value when last checked */
	uint8_t len;		/* 1, 2, 4 or 8 */
	uint8_t kind;		/* enum kstub_hw_kind */
	uint8_t in_use;		/* 0: free */
	uint8_t pad[5];
};

struct kstub_dr_state {
	struct kstub_hw_slot slot[KSTUB_DR_SLOTS];
};

/*
 * Check a request against the hardware rules: EXEC needs len 1 (gdb's
 * breakpoint kind); watchpoints need len 1, 2, 4 or 8 with addr a
 * multiple of len; every kind needs a canonical (48-bit) address.
 * Returns 0 or KSTUB_EINVAL.
 */
int kstub_arch_dr_check(enum kstub_hw_kind kind, uint64_t addr,
			unsigned len);

/*
 * Take a slot for (kind, addr, len). Inserting one that is already in
 * place succeeds and changes nothing (Z is idempotent, so a single
 * remove frees it). Returns 0 and the slot index; KSTUB_EINVAL (see
 * dr_check); KSTUB_ENOSPC if all four slots are busy.
 */
int kstub_arch_dr_insert(struct kstub_dr_state *s, enum kstub_hw_kind kind,
			 uint64_t addr, unsigned len, unsigned *slot);

/* Free the slot of (kind, addr, len). Returns 0 or KSTUB_ENOENT. */
int kstub_arch_dr_remove(struct kstub_dr_state *s, enum kstub_hw_kind kind,
			 uint64_t addr, unsigned len);

/*
 * DR7 bits of one slot: global enable, R/W (00 exec, 01 write, 11 access;
 * READ uses 11) and LEN (00 1, 01 2, 11 4, 10 8). Pure.
 * Returns 0 and ORs the bits into *dr7, or KSTUB_EINVAL.
 */
int kstub_arch_dr_encode(const struct kstub_hw_slot *bp, unsigned slot,
			 uint64_t *dr7);

/* The whole DR7 for the state: every used slot, plus GE when any is. */
uint64_t kstub_arch_dr7(const struct kstub_dr_state *s);

/*
 * Inverse of dr_encode for one slot of a DR7 value (tests, DR view): a
 * slot is enabled by its G or L bit; R/W 11 decodes as KSTUB_HW_ACCESS.
 * Returns 0; KSTUB_ENOENT if the slot is disabled; KSTUB_EINVAL for a bad
 * slot or an encoding the stub never makes (I/O R/W, exec with LEN != 0).
 */
int kstub_arch_dr_decode(uint64_t dr7, unsigned slot, uint8_t *kind,
			 uint8_t *len);

struct kstub_dr_hits {
	uint8_t slots;	/* bit n: slot n is in use and its B bit is set */
	bool step;	/* BS */
};

/* Which of the state's slots a DR6 value reports. Pure. */
void kstub_arch_dr6_decode(const struct kstub_dr_state *s, uint64_t dr6,
			   struct kstub_dr_hits *out);

/* ---- single step (step.c) ---- */

enum kstub_insn_class {
	KSTUB_INSN_OTHER,
	KSTUB_INSN_PUSHF,	/* pushes flags: TF/IF must be fixed after */
	KSTUB_INSN_POPF,	/* loads IF itself */
	KSTUB_INSN_CLI,
	KSTUB_INSN_STI,
	KSTUB_INSN_IRET,	/* loads IF itself */
	KSTUB_INSN_HLT,		/* never stepped: the core skips it (cpus.c) */
};

/*
 * Index of the opcode byte of the instruction whose first n bytes are
 * insn: the number of legacy and REX prefixes before it, or n (at most
 * 15) if only prefixes were readable. Pure.
 */
size_t kstub_arch_insn_opcode(const uint8_t *insn, size_t n);

/*
 * Classify the instruction whose first n bytes are insn (n may be less
 * than 15 when the rest is unreadable), skipping legacy and REX prefixes.
 */
enum kstub_insn_class kstub_arch_insn_classify(const uint8_t *insn,
					       size_t n);

struct kstub_step {
	uint8_t active;
	uint8_t klass;		/* enum kstub_insn_class */
	uint8_t saved_if;	/* IF before the step */
	uint8_t pad[5];
};

/*
 * Prepare f for one single step of an instruction of class klass: set TF,
 * clear IF so no interrupt handler runs inside the step (saving IF in st),
 * and set RF if rf (resuming at an exec breakpoint; otherwise RF is left
 * as the frame has it).
 */
void kstub_arch_step_begin(struct kstub_step *st, struct kstub_frame *f,
			   enum kstub_insn_class klass, bool rf);

/*
 * The step ended (f is the frame of the trap that ended it): clear TF,
 * restore IF unless the instruction set IF itself (popf, iret, cli, sti).
 * completed is true only when the step trap itself ended it (#DB with
 * DR6.BS); otherwise (a fault of the instruction, an exec breakpoint, an
 * NMI before the step trap) the instruction did not run, IF is restored
 * for every class and nothing was pushed.
 * Returns true if a completed step was pushf: the flags it pushed (with
 * our TF and IF) sit at *fix_addr and the caller must rewrite their low
 * two bytes with kstub_arch_step_fix_pushed().
 */
bool kstub_arch_step_end(struct kstub_step *st, struct kstub_frame *f,
			 uint64_t *fix_addr, bool completed);

/* The low 16 bits of a flags image pushed during the step, corrected. */
uint16_t kstub_arch_step_fix_pushed(const struct kstub_step *st,
				    uint16_t pushed);

/* Prepare f to continue: TF clear; RF set if rf. */
void kstub_arch_resume_prepare(struct kstub_frame *f, bool rf);

/* ---- traps (stop.c) ---- */

/*
 * GDB's own signal number (the remote protocol's, not the host's) for a
 * trap vector or KSTUB_TRAP_*: #DB/#BP SIGTRAP 5, BREAKIN and NMI SIGINT
 * 2, #DE/#NM/#MF/#XM SIGFPE 8, #UD SIGILL 4, #AC/#MC SIGBUS 10,
 * #PF/#GP/#SS/#NP and others (unknown vectors too) SIGSEGV 11, PANIC
 * SIGABRT 6.
 */
uint8_t kstub_arch_signal(uint32_t vector);

/* The software breakpoint instruction and its length. */
#define KSTUB_ARCH_BP_INSN 0xcc
#define KSTUB_ARCH_BP_LEN 1

/* A spin-wait hint for loops that wait on another CPU. */
static inline void kstub_arch_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif /* KSTUB_ARCH_H */
