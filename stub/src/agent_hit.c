/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Target-side conditions and dprintf on Z0/Z1 breakpoints: the
 * per-address slots the Z tail fills, the verdict at a hit, the quiet
 * step over the original instruction when nobody needs to stop, and
 * "monitor agent".
 */
#include "kstub_int.h"

/* The machine an expression sees at a hit: the trapping CPU's frame. */
struct hit_ctx {
	struct kstub *ks;
	const struct kstub_frame *f;
};

static long hit_mem_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	struct kstub *ks = ((struct hit_ctx *)ctx)->ks;

	return ks->cfg.port->mem_read(ks->cfg.port_ctx, addr, dst, len);
}

/* gdb's amd64 numbering is the g packet's, which is kstub_arch_regs'. */
static int hit_reg_read(void *ctx, unsigned regnum, uint64_t *val)
{
	const struct kstub_frame *f = ((struct hit_ctx *)ctx)->f;
	struct kstub_dr_view dr;
	uint8_t b[8];
	unsigned size = kstub_arch_reg_size(regnum);
	long got;

	if (size == 0 || size > sizeof(b))
		return KSTUB_EINVAL;
	__builtin_memset(&dr, 0, sizeof(dr));
	got = kstub_arch_reg_get(f, &dr, regnum, b);
	if (got != (long)size)
		return got < 0 ? (int)got : KSTUB_EINVAL;
	*val = 0;
	while (size-- > 0)
		*val = *val << 8 | b[size];
	return 0;
}

static const struct kstub_agent_ops hit_ops = {
	.mem_read = hit_mem_read,
	.reg_read = hit_reg_read,
};

static struct kstub_agent_slot *slot_find(struct kstub *ks, unsigned type,
					  uint64_t addr)
{
	unsigned i;

	for (i = 0; i < KSTUB_AGENT_BP_MAX; i++)
		if (ks->agent[i].in_use && ks->agent[i].type == type &&
		    ks->agent[i].addr == addr)
			return &ks->agent[i];
	return NULL;
}

/* A Z1, or a Z0 held in a debug register: the hit is a #DB, not an int3. */
static bool on_dr(const struct kstub_agent_slot *s)
{
	return s->type == 1 || s->on_dr;
}

/* The slot a hit at addr belongs to, by how the breakpoint is held. */
static struct kstub_agent_slot *slot_at(struct kstub *ks, bool dr,
					uint64_t addr)
{
	unsigned i;

	for (i = 0; i < KSTUB_AGENT_BP_MAX; i++)
		if (ks->agent[i].in_use && ks->agent[i].addr == addr &&
		    on_dr(&ks->agent[i]) == dr)
			return &ks->agent[i];
	return NULL;
}

static struct kstub_agent_slot *slot_free(struct kstub *ks)
{
	unsigned i;

	for (i = 0; i < KSTUB_AGENT_BP_MAX; i++)
		if (!ks->agent[i].in_use)
			return &ks->agent[i];
	return NULL;
}

static bool bp_empty(const struct kstub_agent_bp *bp)
{
	return bp->nconds == 0 && bp->ncmds == 0;
}

/*
 * Parse and verify a Z0/Z1 tail into agent_new, before anything is
 * inserted: a bad expression, or one more conditional breakpoint than
 * there are slots, is refused with nothing changed (gdb reports the E
 * reply; it never silently evaluates on the host instead).
 */
int kstub_agent_stage(struct kstub *ks, unsigned type, uint64_t addr,
		      const uint8_t *tail, size_t len)
{
	int err = kstub_agent_parse(&ks->agent_new, &ks->agent_vm,
				    (const char *)tail, len);

	if (err)
		return err;
	if (!bp_empty(&ks->agent_new) && !slot_find(ks, type, addr) &&
	    !slot_free(ks))
		return KSTUB_EAX_TOOMANY;
	return 0;
}

/*
 * The breakpoint is in: its conditions become agent_new's. gdb re-sends
 * Z for an inserted address whenever a breakpoint joins or leaves it, so
 * this replaces, and an empty tail makes the address unconditional.
 */
void kstub_agent_commit(struct kstub *ks, unsigned type, uint64_t addr)
{
	struct kstub_agent_slot *s = slot_find(ks, type, addr);

	/* A Z0 in a DR keeps its slot: the slot says where it is held. */
	if (bp_empty(&ks->agent_new) && !(s && s->on_dr)) {
		if (s)
			s->in_use = 0;
		return;
	}
	if (!s) {
		s = slot_free(ks);	/* kstub_agent_stage saw one */
		s->on_dr = ks->agent_new_dr;
	}
	s->addr = addr;
	s->type = (uint8_t)type;
	__builtin_memcpy(&s->bp, &ks->agent_new, sizeof(s->bp));
	s->in_use = 1;
}

void kstub_agent_clear(struct kstub *ks, unsigned type, uint64_t addr)
{
	struct kstub_agent_slot *s = slot_find(ks, type, addr);

	if (s)
		s->in_use = 0;
}

/*
 * Where a Z0 goes. A conditional one goes into a free exec debug
 * register when there is one: a false hit then costs neither text
 * writes nor a single step (RF lets the CPU past), where an int3 must be
 * lifted, stepped over and put back, two cross-modifying writes per hit
 * (each makes QEMU retranslate, and a real CPU flush its pipeline). An
 * address that holds an int3 or a Z1 already stays as it is, and a Z1-Z4
 * that needs the register later takes it back (kstub_agent_dr_yield).
 */
int kstub_agent_z0_insert(struct kstub *ks, uint64_t addr)
{
	struct kstub_agent_slot *s = slot_find(ks, 0, addr);
	unsigned slot;

	ks->agent_new_dr = 0;
	if (s && s->on_dr)
		return 0;
	if (!s && !bp_empty(&ks->agent_new) && kstub_have_dr(ks) &&
	    !kstub_swbp_find(ks, addr) && !kstub_dr_exec_at(ks, addr) &&
	    kstub_arch_dr_insert(&ks->dr, KSTUB_HW_EXEC, addr, 1, &slot) == 0) {
		ks->agent_new_dr = 1;
		return 0;
	}
	return kstub_swbp_insert(ks, addr);
}

int kstub_agent_z0_remove(struct kstub *ks, uint64_t addr)
{
	struct kstub_agent_slot *s = slot_find(ks, 0, addr);
	bool dr = s && s->on_dr;

	if (s)
		s->in_use = 0;
	return dr ? kstub_arch_dr_remove(&ks->dr, KSTUB_HW_EXEC, addr, 1)
		  : kstub_swbp_remove(ks, addr);
}

/*
 * gdb's hbreak or watch needs a debug register that a conditional Z0
 * holds (the one at addr, or any when none is free): the Z0 moves to an
 * int3, which gdb never notices. Returns 0 once one has moved;
 * KSTUB_ENOENT if no Z0 fits; the text write's error if the int3 could
 * not be written (the Z0 then stays where it was).
 */
int kstub_agent_dr_yield(struct kstub *ks, uint64_t addr, bool any)
{
	unsigned i;
	int err;

	for (i = 0; i < KSTUB_AGENT_BP_MAX; i++) {
		struct kstub_agent_slot *s = &ks->agent[i];

		if (!s->in_use || !s->on_dr || (!any && s->addr != addr))
			continue;
		err = kstub_swbp_insert(ks, s->addr);
		if (err)
			return err;
		kstub_arch_dr_remove(&ks->dr, KSTUB_HW_EXEC, s->addr, 1);
		s->on_dr = 0;
		return 0;
	}
	return KSTUB_ENOENT;
}

/* Is the exec DR at addr a Z0's (gdb is told "swbreak", as it set)? */
bool kstub_agent_z0_on_dr(struct kstub *ks, uint64_t addr)
{
	struct kstub_agent_slot *s = slot_find(ks, 0, addr);

	return s && s->on_dr;
}

/*
 * The debugger is going: only a dprintf gdb marked persistent (cmds:1,
 * "set disconnected-dprintf on") outlives it; every other slot is freed,
 * also one whose breakpoint is already gone.
 */
void kstub_agent_forget(struct kstub *ks)
{
	unsigned i;

	for (i = 0; i < KSTUB_AGENT_BP_MAX; i++)
		if (!(ks->agent[i].bp.persist && ks->agent[i].bp.ncmds))
			ks->agent[i].in_use = 0;
}

/* After kstub_agent_forget: does this breakpoint stay in the kernel? */
bool kstub_agent_keep(struct kstub *ks, bool dr, uint64_t addr)
{
	return slot_at(ks, dr, addr) != NULL;
}

/* ---- text for the console and for gdb ---- */

struct line {
	char *p;
	size_t len, cap;
};

static void put_str(struct line *l, const char *s)
{
	while (*s && l->len < l->cap)
		l->p[l->len++] = *s++;
}

static void put_hex(struct line *l, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int shift = 60;

	put_str(l, "0x");
	while (shift > 0 && ((v >> shift) & 15) == 0)
		shift -= 4;
	for (; shift >= 0 && l->len < l->cap; shift -= 4)
		l->p[l->len++] = digits[(v >> shift) & 15];
}

static void say_gdb(struct kstub *ks, const char *s, size_t len)
{
	/* gdb takes O packets only while it waits for a stop reply. */
	if (ks->attached && ks->waiting)
		kstub_send_console(ks, s, len);
}

static const char *why(int err)
{
	switch (err) {
	case KSTUB_EAX_DIVZERO:
		return "divided by zero";
	case KSTUB_EAX_STEPS:
		return "ran past the step limit";
	case KSTUB_EAX_REG:
		return "read a register that is not saved";
	default:
		return "failed";
	}
}

/* An expression failed at a hit: say where and why, on one line. */
static void tell_error(struct kstub *ks, const char *what, uint64_t addr,
		       int err)
{
	struct line l = { ks->agent_out, 0, sizeof(ks->agent_out) };

	put_str(&l, "kstub: ");
	put_str(&l, what);
	put_str(&l, " at ");
	put_hex(&l, addr);
	if (err == KSTUB_EFAULT) {
		put_str(&l, " faulted reading ");
		put_hex(&l, ks->agent_vm.fault_addr);
	} else {
		put_str(&l, " ");
		put_str(&l, why(err));
	}
	put_str(&l, what[0] == 'c' ? ", stopping\n" : ", skipped\n");
	say_gdb(ks, l.p, l.len);
	if (what[0] != 'c' && ks->cfg.port->console_write)
		ks->cfg.port->console_write(ks->cfg.port_ctx, l.p, l.len);
}

/* The dprintf commands: output to the kernel console and to gdb. */
static void run_cmds(struct kstub *ks, struct hit_ctx *c,
		     const struct kstub_agent_slot *s)
{
	struct kstub_agent_vm *vm = &ks->agent_vm;
	uint64_t v;
	unsigned i;
	int err;

	for (i = 0; i < s->bp.ncmds; i++) {
		vm->out = ks->agent_out;
		vm->out_cap = sizeof(ks->agent_out);
		err = kstub_agent_eval(vm, &hit_ops, c, &s->bp.cmd[i], &v);
		if (err) {
			tell_error(ks, "dprintf", s->addr, err);
			continue;
		}
		if (vm->out_len == 0)
			continue;
		if (ks->cfg.port->console_write)
			ks->cfg.port->console_write(ks->cfg.port_ctx,
						    ks->agent_out,
						    vm->out_len);
		say_gdb(ks, ks->agent_out, vm->out_len);
	}
}

/* ---- the quiet step over a software breakpoint ---- */

/*
 * Why lifting the int3 is safe with the other CPUs running, and what it
 * costs. The text only ever changes in its first byte, between int3 and
 * the byte it replaced, with the rest of the instruction untouched: the
 * modification Linux's text_poke_bp makes while every CPU runs, because
 * a CPU fetching there sees either the int3 or the whole original
 * instruction, never a mix. So a CPU that reaches the address while the
 * byte is lifted runs the kernel's real instruction; one that fetched
 * the int3 just before traps, finds the breakpoint still ours
 * (classify_bp: the table says so, not the text) and is evaluated like
 * any hit. The price is a window of one instruction on this CPU in which
 * another CPU crossing the address is not counted: a dprintf line or a
 * stop can be missed then, never a wrong instruction run. Displaced
 * stepping (running a copy of the instruction elsewhere) closes that
 * window but needs an x86 length decoder and rip-relative fixups in the
 * stub, and a hardware breakpoint (Z1) has no window at all: RF lets
 * this CPU past, and the DR stays armed for everyone.
 * Entries are serialized by the master lock, so `lifted` counts CPUs
 * stepping over the same address without a lock of its own.
 */
static int step_over(struct kstub *ks, uint32_t cpu, struct kstub_frame *f)
{
	struct kstub_cpu_slot *cs = &ks->cpu[cpu];
	struct kstub_swbp *bp = kstub_swbp_find(ks, f->rip);
	uint8_t insn[15];
	long got;
	size_t n;

	if (!bp)
		return 1;
	got = ks->cfg.port->mem_read(ks->cfg.port_ctx, f->rip, insn,
				     sizeof(insn));
	n = got > 0 ? (size_t)got : 0;
	kstub_swbp_hide(ks, f->rip, insn, n);
	/* hlt with IF clear for the step would never end: skip it. */
	if (kstub_arch_insn_classify(insn, n) == KSTUB_INSN_HLT) {
		f->rip += kstub_arch_insn_opcode(insn, n) + 1;
		return 0;
	}
	if (bp->lifted == 0 &&
	    ks->cfg.port->text_write(ks->cfg.port_ctx, bp->addr, &bp->orig, 1))
		return 1;	/* cannot lift it: stopping beats spinning */
	bp->lifted++;
	cs->agent_step = 1;
	cs->agent_addr = bp->addr;
	kstub_arch_step_begin(&cs->step, f, kstub_arch_insn_classify(insn, n),
			      kstub_dr_exec_at(ks, f->rip));
	return 0;
}

/*
 * The step over agent_addr ended (or was undone by a roundup): put the
 * int3 back once no CPU is stepping over it any more. gdb may have
 * removed the breakpoint meanwhile; then there is nothing to re-arm.
 */
void kstub_agent_step_end(struct kstub *ks, struct kstub_cpu_slot *cs)
{
	static const uint8_t int3 = KSTUB_ARCH_BP_INSN;
	struct kstub_swbp *bp = kstub_swbp_find(ks, cs->agent_addr);

	cs->agent_step = 0;
	if (!bp || bp->lifted == 0 || --bp->lifted != 0)
		return;
	if (ks->cfg.port->text_write(ks->cfg.port_ctx, bp->addr, &int3, 1))
		bp->in_use = 0;	/* the text holds the original now */
}

/*
 * A Z0/Z1 breakpoint was hit on this CPU (f->rip is its address; this
 * CPU is master, the others run). Returns 1 to stop as usual, or 0 with
 * f set up to go on without a word to gdb: a false condition, or a
 * dprintf that printed. An expression error stops, after saying why.
 */
int kstub_agent_hit(struct kstub *ks, uint32_t cpu, struct kstub_frame *f,
		    bool dr, bool redo)
{
	struct kstub_agent_slot *s = slot_at(ks, dr, f->rip);
	struct hit_ctx c = { ks, f };
	int r;

	if (!s)
		return 1;
	/* Its dprintf printed already: once per execution, not per try. */
	if (redo)
		return step_over(ks, cpu, f);
	r = kstub_agent_cond_eval(&ks->agent_vm, &hit_ops, &c, &s->bp);
	if (r < 0) {
		tell_error(ks, "condition", s->addr, r);
		return 1;
	}
	if (r == 1 && s->bp.ncmds == 0)
		return 1;
	if (r == 1)
		run_cmds(ks, &c, s);
	/* An exec debug register is passed with RF (kstub_trap does it). */
	return dr ? 0 : step_over(ks, cpu, f);
}

/* ---- monitor agent [clear] ---- */

#define NONE "no breakpoint has conditions or dprintf\n"

static void list_one(struct kstub *ks, const struct kstub_agent_slot *s)
{
	struct line l = { ks->agent_out, 0, sizeof(ks->agent_out) };
	char num[2] = { 0, 0 };

	put_str(&l, s->type ? "  hbreak " : "  break ");
	put_hex(&l, s->addr);
	num[0] = (char)('0' + s->bp.nconds);
	put_str(&l, ": conditions ");
	put_str(&l, num);
	num[0] = (char)('0' + s->bp.ncmds);
	put_str(&l, ", dprintf ");
	put_str(&l, num);
	if (s->on_dr)
		put_str(&l, ", on a debug register");
	put_str(&l, s->bp.persist && s->bp.ncmds ? ", persistent\n" : "\n");
	kstub_monitor_write(ks, l.p, l.len);
}

static int remove_bp(struct kstub *ks, struct kstub_agent_slot *s)
{
	int err = on_dr(s) ? kstub_arch_dr_remove(&ks->dr, KSTUB_HW_EXEC,
						  s->addr, 1)
			   : kstub_swbp_remove(ks, s->addr);

	if (err == 0 || err == KSTUB_ENOENT)
		s->in_use = 0;
	return err == KSTUB_ENOENT ? 0 : err;
}

/*
 * "monitor agent" lists the breakpoints that carry conditions or
 * dprintf, "monitor agent clear" removes the persistent ones (those a
 * detached gdb left printing; gdb's own are its to remove).
 */
int kstub_agent_monitor(struct kstub *ks, const char *args, size_t len)
{
	bool clear = len == 5 && kstub_memeq(args, "clear", 5);
	unsigned i, n = 0;
	int err = 0;

	if (len && !clear)
		return KSTUB_EINVAL;
	for (i = 0; i < KSTUB_AGENT_BP_MAX; i++) {
		struct kstub_agent_slot *s = &ks->agent[i];

		if (!s->in_use)
			continue;
		if (clear && !(s->bp.persist && s->bp.ncmds))
			continue;
		n++;
		if (clear) {
			if (!err)
				err = remove_bp(ks, s);
		} else {
			list_one(ks, s);
		}
	}
	if (!clear && n == 0)
		kstub_monitor_write(ks, NONE, sizeof(NONE) - 1);
	if (clear && !err)
		kstub_monitor_write(ks, n ? "cleared\n" : "nothing to clear\n",
				    n ? 8 : 17);
	return err;
}
