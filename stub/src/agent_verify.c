// SPDX-License-Identifier: BSD-2-Clause
/*
 * Checking agent bytecode once, when gdb inserts the breakpoint, so that
 * evaluation on every hit can trust it: every opcode known and runnable,
 * every operand inside the expression, every jump onto an instruction,
 * and a stack depth at each instruction that is the same along every
 * path and stays within the value stack.
 */
#include "agent.h"

#define P KSTUB_AOPK_PLAIN
#define U KSTUB_AOPK_UNSUPP

/* { kind, operand bytes, pops, pushes }, after the appendix's table. */
const struct kstub_agent_opinfo kstub_agent_opinfo[KSTUB_AOP_COUNT] = {
	/* No floating point in a kernel's trap path. */
	[KSTUB_AOP_FLOAT] = { U, 0, 0, 0 },
	[KSTUB_AOP_ADD] = { P, 0, 2, 1 },
	[KSTUB_AOP_SUB] = { P, 0, 2, 1 },
	[KSTUB_AOP_MUL] = { P, 0, 2, 1 },
	[KSTUB_AOP_DIV_SIGNED] = { P, 0, 2, 1 },
	[KSTUB_AOP_DIV_UNSIGNED] = { P, 0, 2, 1 },
	[KSTUB_AOP_REM_SIGNED] = { P, 0, 2, 1 },
	[KSTUB_AOP_REM_UNSIGNED] = { P, 0, 2, 1 },
	[KSTUB_AOP_LSH] = { P, 0, 2, 1 },
	[KSTUB_AOP_RSH_SIGNED] = { P, 0, 2, 1 },
	[KSTUB_AOP_RSH_UNSIGNED] = { P, 0, 2, 1 },
	/* Tracepoint collection: the stub keeps no trace frames. */
	[KSTUB_AOP_TRACE] = { U, 0, 2, 0 },
	[KSTUB_AOP_TRACE_QUICK] = { U, 1, 1, 1 },
	[KSTUB_AOP_LOG_NOT] = { P, 0, 1, 1 },
	[KSTUB_AOP_BIT_AND] = { P, 0, 2, 1 },
	[KSTUB_AOP_BIT_OR] = { P, 0, 2, 1 },
	[KSTUB_AOP_BIT_XOR] = { P, 0, 2, 1 },
	[KSTUB_AOP_BIT_NOT] = { P, 0, 1, 1 },
	[KSTUB_AOP_EQUAL] = { P, 0, 2, 1 },
	[KSTUB_AOP_LESS_SIGNED] = { P, 0, 2, 1 },
	[KSTUB_AOP_LESS_UNSIGNED] = { P, 0, 2, 1 },
	[KSTUB_AOP_EXT] = { P, 1, 1, 1 },
	[KSTUB_AOP_REF8] = { P, 0, 1, 1 },
	[KSTUB_AOP_REF16] = { P, 0, 1, 1 },
	[KSTUB_AOP_REF32] = { P, 0, 1, 1 },
	[KSTUB_AOP_REF64] = { P, 0, 1, 1 },
	[KSTUB_AOP_REF_FLOAT] = { U, 0, 1, 1 },
	[KSTUB_AOP_REF_DOUBLE] = { U, 0, 1, 1 },
	[KSTUB_AOP_REF_LONG_DOUBLE] = { U, 0, 1, 1 },
	[KSTUB_AOP_L_TO_D] = { U, 0, 1, 1 },
	[KSTUB_AOP_D_TO_L] = { U, 0, 1, 1 },
	[KSTUB_AOP_IF_GOTO] = { P, 2, 1, 0 },
	[KSTUB_AOP_GOTO] = { P, 2, 0, 0 },
	[KSTUB_AOP_CONST8] = { P, 1, 0, 1 },
	[KSTUB_AOP_CONST16] = { P, 2, 0, 1 },
	[KSTUB_AOP_CONST32] = { P, 4, 0, 1 },
	[KSTUB_AOP_CONST64] = { P, 8, 0, 1 },
	[KSTUB_AOP_REG] = { P, 2, 0, 1 },
	[KSTUB_AOP_END] = { P, 0, 0, 0 },
	[KSTUB_AOP_DUP] = { P, 0, 1, 2 },
	[KSTUB_AOP_POP] = { P, 0, 1, 0 },
	[KSTUB_AOP_ZERO_EXT] = { P, 1, 1, 1 },
	[KSTUB_AOP_SWAP] = { P, 0, 2, 2 },
	/* Trace state variables: the stub implements no QTDV to define
	 * them, so gdb cannot have a condition that reads one here. */
	[KSTUB_AOP_GETV] = { U, 2, 0, 1 },
	[KSTUB_AOP_SETV] = { U, 2, 1, 1 },
	[KSTUB_AOP_TRACEV] = { U, 2, 0, 1 },
	[KSTUB_AOP_TRACENZ] = { U, 0, 2, 0 },
	[KSTUB_AOP_TRACE16] = { U, 2, 1, 1 },
	[KSTUB_AOP_PICK] = { P, 1, 0, 1 },
	[KSTUB_AOP_ROT] = { P, 0, 3, 3 },
	[KSTUB_AOP_PRINTF] = { P, 0, 0, 0 },
};

/* depth[pc]: 0 no instruction starts at pc, UNSEEN one does but no path
 * has reached it yet, else the stack depth before it plus one. */
#define UNSEEN 0xffu

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int kstub_agent_op_size(const uint8_t *code, size_t len, size_t pc,
			size_t *size)
{
	uint8_t op = code[pc];
	size_t n;

	if (op >= KSTUB_AOP_COUNT ||
	    kstub_agent_opinfo[op].kind == KSTUB_AOPK_NONE)
		return KSTUB_EAX_OPCODE;
	if (kstub_agent_opinfo[op].kind == KSTUB_AOPK_UNSUPP)
		return KSTUB_EAX_UNSUPP;
	n = 1u + kstub_agent_opinfo[op].imm;
	if (op == KSTUB_AOP_PRINTF) {
		/* nargs, then the string's length (with its NUL) in 16 bits */
		if (len - pc < 4)
			return KSTUB_EAX_TRUNC;
		n = 4 + be16(code + pc + 2);
	}
	if (n > len - pc)
		return KSTUB_EAX_TRUNC;
	*size = n;
	return 0;
}

static int check_printf(const uint8_t *code, size_t pc)
{
	unsigned slen = be16(code + pc + 2);
	const char *fmt = (const char *)code + pc + 4;

	/* The string must be NUL-terminated inside its stated length. */
	if (slen == 0 || fmt[slen - 1] != '\0')
		return KSTUB_EAX_FORMAT;
	if (kstub_agent_printf(NULL, NULL, NULL, fmt, slen - 1) !=
	    (int)code[pc + 1])
		return KSTUB_EAX_FORMAT;
	return 0;
}

/* First pass: mark where instructions start; check operands. */
static int mark_starts(uint8_t *depth, const uint8_t *code, size_t len)
{
	size_t pc, size;
	int err;

	for (pc = 0; pc < len; pc += size) {
		err = kstub_agent_op_size(code, len, pc, &size);
		if (err)
			return err;
		if (code[pc] == KSTUB_AOP_PRINTF) {
			err = check_printf(code, pc);
			if (err)
				return err;
		}
		depth[pc] = UNSEEN;
	}
	return 0;
}

/* Record that a path reaches target with nd values; *again when the
 * target lies behind the sweep and needs one more pass. */
static int reach(uint8_t *depth, size_t len, size_t target, unsigned nd,
		 size_t pc, bool *again)
{
	if (target >= len || depth[target] == 0)
		return KSTUB_EAX_JUMP;
	if (depth[target] == UNSEEN) {
		depth[target] = (uint8_t)(nd + 1);
		if (target <= pc)
			*again = true;
		return 0;
	}
	return depth[target] == nd + 1 ? 0 : KSTUB_EAX_DEPTH;
}

void kstub_agent_op_effect(const uint8_t *code, size_t pc, unsigned *pop,
			  unsigned *push)
{
	uint8_t op = code[pc];

	*pop = kstub_agent_opinfo[op].pop;
	*push = kstub_agent_opinfo[op].push;
	if (op == KSTUB_AOP_PICK) {
		*pop = code[pc + 1] + 1u;	/* needs the item, leaves it */
		*push = *pop + 1;
	} else if (op == KSTUB_AOP_PRINTF) {
		*pop = code[pc + 1] + 2u;	/* args, function, channel */
	}
}

/* The depth after the instruction at pc, which runs with d values. */
static int depth_after(const uint8_t *code, size_t pc, unsigned d,
		       unsigned *nd)
{
	unsigned pop, push;

	kstub_agent_op_effect(code, pc, &pop, &push);
	if (d < pop)
		return KSTUB_EAX_UNDERFLOW;
	*nd = d - pop + push;
	return *nd > KSTUB_AGENT_STACK_MAX ? KSTUB_EAX_OVERFLOW : 0;
}

/* One sweep in code order, following every reached instruction. */
static int sweep(uint8_t *depth, const uint8_t *code, size_t len,
		 bool need_value, bool *again)
{
	size_t pc, size;
	unsigned d, nd;
	uint8_t op;
	int err;

	for (pc = 0; pc < len; pc += size) {
		/* sizes were checked by mark_starts */
		(void)kstub_agent_op_size(code, len, pc, &size);
		if (depth[pc] == UNSEEN)
			continue;
		d = depth[pc] - 1u;
		op = code[pc];
		err = depth_after(code, pc, d, &nd);
		if (err)
			return err;
		if (op == KSTUB_AOP_END) {
			if (need_value && d == 0)
				return KSTUB_EAX_UNDERFLOW;
			continue;
		}
		if (op == KSTUB_AOP_GOTO || op == KSTUB_AOP_IF_GOTO) {
			err = reach(depth, len, be16(code + pc + 1), nd, pc,
				    again);
			if (err)
				return err;
			if (op == KSTUB_AOP_GOTO)
				continue;
		}
		if (pc + size == len)
			return KSTUB_EAX_NOEND;
		err = reach(depth, len, pc + size, nd, pc, again);
		if (err)
			return err;
	}
	return 0;
}

int kstub_agent_verify(struct kstub_agent_vm *scratch,
		       const uint8_t *code, size_t len, bool need_value)
{
	uint8_t *depth = scratch->u.depth;
	bool again = true;
	int err;

	if (len > KSTUB_AGENT_EXPR_MAX)
		return KSTUB_EAX_TOOBIG;
	if (len == 0)
		return KSTUB_EAX_NOEND;
	__builtin_memset(depth, 0, len);
	err = mark_starts(depth, code, len);
	if (err)
		return err;
	depth[0] = 1;
	/* Each instruction's depth is set once, so this ends. */
	while (again && !err) {
		again = false;
		err = sweep(depth, code, len, need_value, &again);
	}
	return err;
}
