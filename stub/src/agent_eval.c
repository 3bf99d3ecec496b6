// SPDX-License-Identifier: BSD-2-Clause
/*
 * Running agent bytecode at a breakpoint hit: a fixed stack in the
 * caller's struct kstub_agent_vm, a step budget, memory and registers
 * only through kstub_agent_ops. Every check the verifier made is made
 * again, cheaply, so unverified bytes can never reach past the code or
 * the stack (the fuzz harness relies on it).
 */
#include "agent.h"

static uint64_t sign_extend(uint64_t v, unsigned bits)
{
	uint64_t m;

	if (bits == 0)
		return 0;
	if (bits >= 64)
		return v;
	m = 1ull << (bits - 1);
	v &= (m << 1) - 1;
	return (v ^ m) - m;
}

static uint64_t zero_extend(uint64_t v, unsigned bits)
{
	if (bits >= 64)
		return v;
	return bits == 0 ? 0 : v & ((1ull << bits) - 1);
}

/* a OP b for the two-operand opcodes; shifts of 64 or more give what a
 * wider machine would (0, or the sign) instead of C's undefined result. */
static int binop(uint8_t op, uint64_t a, uint64_t b, uint64_t *r)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;

	switch (op) {
	case KSTUB_AOP_ADD: *r = a + b; return 0;
	case KSTUB_AOP_SUB: *r = a - b; return 0;
	case KSTUB_AOP_MUL: *r = a * b; return 0;
	case KSTUB_AOP_BIT_AND: *r = a & b; return 0;
	case KSTUB_AOP_BIT_OR: *r = a | b; return 0;
	case KSTUB_AOP_BIT_XOR: *r = a ^ b; return 0;
	case KSTUB_AOP_EQUAL: *r = a == b; return 0;
	case KSTUB_AOP_LESS_SIGNED: *r = sa < sb; return 0;
	case KSTUB_AOP_LESS_UNSIGNED: *r = a < b; return 0;
	case KSTUB_AOP_LSH: *r = b >= 64 ? 0 : a << b; return 0;
	case KSTUB_AOP_RSH_UNSIGNED: *r = b >= 64 ? 0 : a >> b; return 0;
	case KSTUB_AOP_RSH_SIGNED:
		*r = (uint64_t)(sa >> (b >= 64 ? 63 : b));
		return 0;
	default:
		break;
	}
	if (b == 0)
		return KSTUB_EAX_DIVZERO;
	/* INT64_MIN / -1 overflows in C; the machine answer wraps. */
	if (sb == -1 && (op == KSTUB_AOP_DIV_SIGNED ||
			 op == KSTUB_AOP_REM_SIGNED)) {
		*r = op == KSTUB_AOP_DIV_SIGNED ? 0 - a : 0;
		return 0;
	}
	switch (op) {
	case KSTUB_AOP_DIV_SIGNED: *r = (uint64_t)(sa / sb); break;
	case KSTUB_AOP_DIV_UNSIGNED: *r = a / b; break;
	case KSTUB_AOP_REM_SIGNED: *r = (uint64_t)(sa % sb); break;
	default: *r = a % b; break;
	}
	return 0;
}

/* refN: fetch size bytes at *v, in the machine's own byte order. */
static int ref(struct kstub_agent_vm *vm, const struct kstub_agent_ops *ops,
	       void *ctx, uint64_t *v, unsigned size)
{
	uint8_t b[8];
	uint16_t w;
	uint32_t d;
	uint64_t q;

	if (ops->mem_read(ctx, *v, b, size) != (long)size) {
		vm->fault_addr = *v;
		return KSTUB_EFAULT;
	}
	switch (size) {
	case 1: *v = b[0]; break;
	case 2: __builtin_memcpy(&w, b, 2); *v = w; break;
	case 4: __builtin_memcpy(&d, b, 4); *v = d; break;
	default: __builtin_memcpy(&q, b, 8); *v = q; break;
	}
	return 0;
}

static uint64_t be_operand(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* Check the instruction at pc fits the code and the stack; its size. */
static int check_op(const struct kstub_agent_vm *vm, const uint8_t *code,
		    size_t len, size_t pc, size_t *size)
{
	unsigned pop, push;
	int err = kstub_agent_op_size(code, len, pc, size);

	if (err)
		return err;
	kstub_agent_op_effect(code, pc, &pop, &push);
	if (vm->sp < pop)
		return KSTUB_EAX_UNDERFLOW;
	if (vm->sp - pop + push > KSTUB_AGENT_STACK_MAX)
		return KSTUB_EAX_OVERFLOW;
	return 0;
}

static int run_printf(struct kstub_agent_vm *vm,
		      const struct kstub_agent_ops *ops, void *ctx,
		      const uint8_t *code, size_t pc, size_t size)
{
	unsigned nargs = code[pc + 1];
	int err;

	/* gdb pushes the args (last first), a channel and a function; the
	 * kernel has one console, so both are ignored. */
	vm->sp -= 2;
	if (size < 5 || code[pc + size - 1] != '\0')
		return KSTUB_EAX_FORMAT;
	err = kstub_agent_printf(vm, ops, ctx, (const char *)code + pc + 4,
				 size - 5);
	vm->sp -= nargs;
	return err;
}

/* Execute the checked instruction at *pc and advance *pc. */
static int exec_op(struct kstub_agent_vm *vm,
		   const struct kstub_agent_ops *ops, void *ctx,
		   const uint8_t *code, size_t *pc, size_t size)
{
	uint64_t *s = vm->u.stack;
	unsigned top = vm->sp - 1;	/* only used when sp > 0 */
	uint8_t op = code[*pc];
	uint64_t t, r = 0;
	int err = 0;

	/* Families first, so the switch (a jump table of 8-byte entries in
	 * a kernel build) spans fewer opcodes: this file's text counts
	 * against make size's budget. */
	if (kstub_agent_opinfo[op].pop == 2 &&
	    kstub_agent_opinfo[op].push == 1) {
		err = binop(op, s[top - 1], s[top], &r);
		s[top - 1] = r;
		vm->sp--;
	} else if (op >= KSTUB_AOP_REF8 && op <= KSTUB_AOP_REF64) {
		err = ref(vm, ops, ctx, &s[top], 1u << (op - KSTUB_AOP_REF8));
	} else if (op >= KSTUB_AOP_CONST8 && op <= KSTUB_AOP_CONST64) {
		s[vm->sp++] = be_operand(code + *pc + 1, size - 1);
	} else if (op == KSTUB_AOP_LOG_NOT) {
		s[top] = s[top] == 0;
	} else if (op == KSTUB_AOP_BIT_NOT) {
		s[top] = ~s[top];
	} else if (op == KSTUB_AOP_EXT) {
		s[top] = sign_extend(s[top], code[*pc + 1]);
	} else if (op == KSTUB_AOP_ZERO_EXT) {
		s[top] = zero_extend(s[top], code[*pc + 1]);
	} else switch (op) {
	case KSTUB_AOP_IF_GOTO:
		vm->sp--;
		if (s[top]) {
			*pc = be_operand(code + *pc + 1, 2);
			return 0;
		}
		break;
	case KSTUB_AOP_GOTO:
		*pc = be_operand(code + *pc + 1, 2);
		return 0;
	case KSTUB_AOP_REG:
		if (ops->reg_read(ctx, (unsigned)be_operand(code + *pc + 1, 2),
				  &t))
			return KSTUB_EAX_REG;
		s[vm->sp++] = t;
		break;
	case KSTUB_AOP_DUP: s[vm->sp++] = s[top]; break;
	case KSTUB_AOP_POP: vm->sp--; break;
	case KSTUB_AOP_SWAP:
		t = s[top];
		s[top] = s[top - 1];
		s[top - 1] = t;
		break;
	case KSTUB_AOP_PICK: s[vm->sp++] = s[top - code[*pc + 1]]; break;
	case KSTUB_AOP_ROT:
		/* a b c (c on top) becomes c a b: the top sinks to third. */
		t = s[top];
		s[top] = s[top - 1];
		s[top - 1] = s[top - 2];
		s[top - 2] = t;
		break;
	case KSTUB_AOP_PRINTF:
		err = run_printf(vm, ops, ctx, code, *pc, size);
		break;
	}
	*pc += size;
	return err;
}

int kstub_agent_eval(struct kstub_agent_vm *vm,
		     const struct kstub_agent_ops *ops, void *ctx,
		     const struct kstub_agent_expr *e, uint64_t *value)
{
	size_t pc = 0, size, len = e->len;
	int err;

	vm->sp = 0;
	vm->steps = 0;
	vm->out_len = 0;
	vm->out_trunc = false;
	if (len > KSTUB_AGENT_EXPR_MAX)
		return KSTUB_EAX_TOOBIG;
	for (;;) {
		if (pc >= len)
			return KSTUB_EAX_NOEND;
		if (++vm->steps > KSTUB_AGENT_STEPS_MAX)
			return KSTUB_EAX_STEPS;
		err = check_op(vm, e->code, len, pc, &size);
		if (err)
			return err;
		if (e->code[pc] == KSTUB_AOP_END)
			break;
		err = exec_op(vm, ops, ctx, e->code, &pc, size);
		if (err)
			return err;
	}
	*value = vm->sp ? vm->u.stack[vm->sp - 1] : 0;
	return 0;
}

int kstub_agent_cond_eval(struct kstub_agent_vm *vm,
			  const struct kstub_agent_ops *ops, void *ctx,
			  const struct kstub_agent_bp *bp)
{
	uint64_t v;
	unsigned i;
	int err;

	if (bp->nconds == 0)
		return 1;
	for (i = 0; i < bp->nconds && i < KSTUB_AGENT_CONDS_MAX; i++) {
		err = kstub_agent_eval(vm, ops, ctx, &bp->cond[i], &v);
		if (err)
			return err;
		if (v)
			return 1;
	}
	return 0;
}
