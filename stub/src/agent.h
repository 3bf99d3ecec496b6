/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Agent expressions (GDB manual, "Agent Expressions" appendix, and the Z
 * packet's cond_list/cmd_list in "Packets"): parsing the Z tail, checking
 * the bytecode once when it is inserted, and running it when the
 * breakpoint is hit, so conditions and dprintf cost no round trip to gdb.
 *
 * Everything is bounded and caller-owned: an expression is at most
 * KSTUB_AGENT_EXPR_MAX bytes, a breakpoint carries at most
 * KSTUB_AGENT_CONDS_MAX conditions and KSTUB_AGENT_CMDS_MAX commands, and
 * an evaluation runs on the fixed value stack of a struct kstub_agent_vm
 * for at most KSTUB_AGENT_STEPS_MAX instructions. Nothing here allocates,
 * recurses or calls anything but the two kstub_agent_ops hooks.
 */
#ifndef KSTUB_AGENT_H
#define KSTUB_AGENT_H

#include "kstub_errno.h"
#include "kstub_types.h"

/* Limits. gdb's conditions are 10-60 bytes, dprintf 15-90 plus the
 * format string; 256 leaves room for long formats and && chains. */
#define KSTUB_AGENT_EXPR_MAX	256
/* gdb sends one condition per breakpoint that shares the address. */
#define KSTUB_AGENT_CONDS_MAX	4
/* gdb sends one command (the dprintf) per breakpoint at the address. */
#define KSTUB_AGENT_CMDS_MAX	2
/* Value stack slots; gdb's deepest conditions use 4-6, a printf with n
 * arguments n + 2. 32 slots are exactly KSTUB_AGENT_EXPR_MAX bytes,
 * which the verifier reuses as its scratch (see struct kstub_agent_vm). */
#define KSTUB_AGENT_STACK_MAX	32
/* Instructions per evaluation. gdb's code never jumps backwards, so it
 * needs at most one step per byte; a hand-made loop stops here. */
#define KSTUB_AGENT_STEPS_MAX	10000
/* Bytes a printf %s reads from memory before it gives up on a NUL. */
#define KSTUB_AGENT_STR_MAX	128

/*
 * Errors specific to agent expressions, each its own E reply (E60..E6d)
 * so gdb's "remote failure reply" names the reason. Verification errors
 * (E60..E6a) come from kstub_agent_parse: the breakpoint is not
 * inserted. Evaluation errors (E6b..E6d, and KSTUB_EFAULT) come from
 * kstub_agent_eval: the caller treats them as "condition true", stops,
 * and tells gdb why.
 */
#define KSTUB_EAX_OPCODE	(-0x60)	/* byte is no agent opcode */
#define KSTUB_EAX_UNSUPP	(-0x61)	/* float, trace or trace-variable op */
#define KSTUB_EAX_TRUNC		(-0x62)	/* operand runs past the end */
#define KSTUB_EAX_JUMP		(-0x63)	/* goto target outside or mid-op */
#define KSTUB_EAX_OVERFLOW	(-0x64)	/* more than KSTUB_AGENT_STACK_MAX */
#define KSTUB_EAX_UNDERFLOW	(-0x65)	/* pops an empty stack */
#define KSTUB_EAX_NOEND		(-0x66)	/* a path runs off the end */
#define KSTUB_EAX_TOOBIG	(-0x67)	/* longer than KSTUB_AGENT_EXPR_MAX */
#define KSTUB_EAX_FORMAT	(-0x68)	/* printf format bad or args != nargs */
#define KSTUB_EAX_DEPTH		(-0x69)	/* paths join with different depths */
#define KSTUB_EAX_TOOMANY	(-0x6a)	/* more conditions/commands than fit */
#define KSTUB_EAX_DIVZERO	(-0x6b)	/* div_* or rem_* by zero */
#define KSTUB_EAX_STEPS		(-0x6c)	/* KSTUB_AGENT_STEPS_MAX exceeded */
#define KSTUB_EAX_REG		(-0x6d)	/* reg_read refused the register */

/* Opcodes (the appendix's "Bytecode Descriptions"; values are fixed). */
enum kstub_agent_op {
	KSTUB_AOP_FLOAT = 0x01, KSTUB_AOP_ADD, KSTUB_AOP_SUB, KSTUB_AOP_MUL,
	KSTUB_AOP_DIV_SIGNED, KSTUB_AOP_DIV_UNSIGNED, KSTUB_AOP_REM_SIGNED,
	KSTUB_AOP_REM_UNSIGNED, KSTUB_AOP_LSH, KSTUB_AOP_RSH_SIGNED,
	KSTUB_AOP_RSH_UNSIGNED, KSTUB_AOP_TRACE, KSTUB_AOP_TRACE_QUICK,
	KSTUB_AOP_LOG_NOT, KSTUB_AOP_BIT_AND, KSTUB_AOP_BIT_OR,
	KSTUB_AOP_BIT_XOR, KSTUB_AOP_BIT_NOT, KSTUB_AOP_EQUAL,
	KSTUB_AOP_LESS_SIGNED, KSTUB_AOP_LESS_UNSIGNED, KSTUB_AOP_EXT,
	KSTUB_AOP_REF8, KSTUB_AOP_REF16, KSTUB_AOP_REF32, KSTUB_AOP_REF64,
	KSTUB_AOP_REF_FLOAT, KSTUB_AOP_REF_DOUBLE, KSTUB_AOP_REF_LONG_DOUBLE,
	KSTUB_AOP_L_TO_D, KSTUB_AOP_D_TO_L, KSTUB_AOP_IF_GOTO, KSTUB_AOP_GOTO,
	KSTUB_AOP_CONST8, KSTUB_AOP_CONST16, KSTUB_AOP_CONST32,
	KSTUB_AOP_CONST64, KSTUB_AOP_REG, KSTUB_AOP_END, KSTUB_AOP_DUP,
	KSTUB_AOP_POP, KSTUB_AOP_ZERO_EXT, KSTUB_AOP_SWAP, KSTUB_AOP_GETV,
	KSTUB_AOP_SETV, KSTUB_AOP_TRACEV, KSTUB_AOP_TRACENZ, KSTUB_AOP_TRACE16,
	KSTUB_AOP_INVALID2, KSTUB_AOP_PICK, KSTUB_AOP_ROT, KSTUB_AOP_PRINTF,
	KSTUB_AOP_COUNT
};

/* What the verifier knows of an opcode. printf's operand is variable
 * (nargs, a 16-bit length, the string) and pick's pop is its operand:
 * both are special-cased. */
#define KSTUB_AOPK_NONE		0	/* not an opcode */
#define KSTUB_AOPK_PLAIN	1
#define KSTUB_AOPK_UNSUPP	2	/* real, but the stub will not run it */
struct kstub_agent_opinfo {
	uint8_t kind, imm, pop, push;
};
extern const struct kstub_agent_opinfo kstub_agent_opinfo[KSTUB_AOP_COUNT];

/* The size of the instruction at pc, checked against len: 0, or
 * KSTUB_EAX_OPCODE, KSTUB_EAX_UNSUPP, KSTUB_EAX_TRUNC. */
int kstub_agent_op_size(const uint8_t *code, size_t len, size_t pc,
			size_t *size);
/* Values the (size-checked) instruction at pc pops and pushes. */
void kstub_agent_op_effect(const uint8_t *code, size_t pc, unsigned *pop,
			   unsigned *push);

/* One bytecode expression, as gdb sent it. */
struct kstub_agent_expr {
	uint16_t len;
	uint8_t code[KSTUB_AGENT_EXPR_MAX];
};

/* What a Z0/Z1 packet's tail asks of one breakpoint. */
struct kstub_agent_bp {
	uint8_t nconds;		/* 0: unconditional */
	uint8_t ncmds;		/* dprintf commands, run on every stop */
	bool persist;		/* cmds:1 keep running after gdb detaches */
	struct kstub_agent_expr cond[KSTUB_AGENT_CONDS_MAX];
	struct kstub_agent_expr cmd[KSTUB_AGENT_CMDS_MAX];
};

/* How an expression sees the machine. */
struct kstub_agent_ops {
	/*
	 * Called: by ref8..ref64 and printf's %s, during kstub_agent_eval.
	 * Context: whatever context evaluates (the trap, other CPUs maybe
	 * running). Must not: fault, sleep, lock. In the stub this is the
	 * port's fault-safe mem_read.
	 * Returns: bytes read (a short count counts as a fault) or
	 * KSTUB_EFAULT.
	 */
	long (*mem_read)(void *ctx, uint64_t addr, void *dst, size_t len);
	/*
	 * Called: by the reg opcode, with gdb's register number for the
	 * arch (amd64: 0 rax ... 7 rsp, 16 rip). Same context as mem_read.
	 * Returns: 0 and *val, or a negative error (the register does not
	 * exist or is not saved): evaluation ends with KSTUB_EAX_REG.
	 */
	int (*reg_read)(void *ctx, unsigned regnum, uint64_t *val);
};

/*
 * One evaluation's machine, owned by the caller: one per CPU that may
 * evaluate at the same time. kstub_agent_parse borrows the same memory
 * as scratch for its stack-depth analysis (hence the union), so a Z
 * packet needs no buffer of its own while the CPUs are stopped.
 */
struct kstub_agent_vm {
	union {
		uint64_t stack[KSTUB_AGENT_STACK_MAX];
		uint8_t depth[KSTUB_AGENT_EXPR_MAX];
	} u;
	unsigned sp;		/* slots in use */
	unsigned steps;		/* instructions run by the last eval */
	uint64_t fault_addr;	/* address of the last KSTUB_EFAULT */
	/* printf output: set out/out_cap before kstub_agent_eval, which
	 * resets out_len; text past out_cap is dropped and out_trunc set. */
	char *out;
	size_t out_cap;
	size_t out_len;
	bool out_trunc;
};

/*
 * Parse the tail of a Z0/Z1 packet, everything after "Z0,addr,kind"
 * (empty, or ";X len,hex..." conditions and ";cmds:persist,X len,hex..."
 * commands, several expressions back to back as gdb sends them), and
 * verify every expression. Conditions must leave a value.
 * Returns 0, KSTUB_EBADMSG (bad syntax or hex) or a KSTUB_EAX_*
 * verification error; on error *bp holds no expression.
 */
int kstub_agent_parse(struct kstub_agent_bp *bp, struct kstub_agent_vm *scratch,
		      const char *tail, size_t len);

/*
 * Verify one expression (kstub_agent_parse calls it for each). need_value:
 * a condition, which must end with at least one value on the stack.
 * Returns 0 or a KSTUB_EAX_* verification error.
 */
int kstub_agent_verify(struct kstub_agent_vm *scratch,
		       const uint8_t *code, size_t len, bool need_value);

/*
 * Run one verified expression. Returns 0 and the top of the stack in
 * *value (0 if the stack is empty at end), or KSTUB_EFAULT (fault_addr
 * says where), KSTUB_EAX_DIVZERO, KSTUB_EAX_STEPS, KSTUB_EAX_REG, or a
 * verification error if the code was never verified.
 */
int kstub_agent_eval(struct kstub_agent_vm *vm,
		     const struct kstub_agent_ops *ops, void *ctx,
		     const struct kstub_agent_expr *e, uint64_t *value);

/*
 * The breakpoint's verdict: 1 when it has no condition or one of them is
 * non-zero (gdb's manual: the target reports the hit if any condition is
 * true), 0 when all are false, or the first evaluation error, which the
 * caller must treat as 1 and report.
 */
int kstub_agent_cond_eval(struct kstub_agent_vm *vm,
			  const struct kstub_agent_ops *ops, void *ctx,
			  const struct kstub_agent_bp *bp);

/*
 * The printf opcode's format, shared by the verifier (vm NULL: check the
 * conversions and return how many arguments they take, or
 * KSTUB_EAX_FORMAT) and the evaluator (format into vm->out, argument i
 * being vm->u.stack[vm->sp - 1 - i]; returns 0).
 */
int kstub_agent_printf(struct kstub_agent_vm *vm,
		       const struct kstub_agent_ops *ops, void *ctx,
		       const char *fmt, size_t len);

#endif /* KSTUB_AGENT_H */
