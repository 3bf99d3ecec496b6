/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Breakpoint state: int3 patches written through the port's text hook,
 * and the global debug-register state every CPU loads on its way out.
 */
#include "kstub_int.h"

bool kstub_have_dr(const struct kstub *ks)
{
	return ks->cfg.port->dr_get && ks->cfg.port->dr_set;
}

struct kstub_swbp *kstub_swbp_find(struct kstub *ks, uint64_t addr)
{
	unsigned i;

	for (i = 0; i < KSTUB_SWBP_MAX; i++)
		if (ks->swbp[i].in_use && ks->swbp[i].addr == addr)
			return &ks->swbp[i];
	return NULL;
}

int kstub_swbp_insert(struct kstub *ks, uint64_t addr)
{
	const struct kstub_port_ops *port = ks->cfg.port;
	static const uint8_t int3 = KSTUB_ARCH_BP_INSN;
	struct kstub_swbp *bp;
	uint8_t orig;
	unsigned i;
	int err;

	if (kstub_swbp_find(ks, addr))
		return 0;	/* gdb re-inserts after a reconnect */
	for (bp = NULL, i = 0; i < KSTUB_SWBP_MAX && !bp; i++)
		if (!ks->swbp[i].in_use)
			bp = &ks->swbp[i];
	if (!bp)
		return KSTUB_ENOSPC;
	if (port->mem_read(ks->cfg.port_ctx, addr, &orig, 1) != 1)
		return KSTUB_EFAULT;
	err = port->text_write(ks->cfg.port_ctx, addr, &int3, 1);
	if (err)
		return err;
	bp->addr = addr;
	bp->orig = orig;
	bp->lifted = 0;
	bp->in_use = 1;
	return 0;
}

static int swbp_restore(struct kstub *ks, struct kstub_swbp *bp)
{
	int err = ks->cfg.port->text_write(ks->cfg.port_ctx, bp->addr,
					   &bp->orig, 1);

	/*
	 * An int3 the port could not take back is still ours: forgetting it
	 * would report its next hit as a compiled-in breakpoint and show it
	 * to gdb in memory reads.
	 */
	if (err == 0)
		bp->in_use = 0;
	return err;
}

int kstub_swbp_remove(struct kstub *ks, uint64_t addr)
{
	struct kstub_swbp *bp = kstub_swbp_find(ks, addr);

	if (!bp)
		return KSTUB_ENOENT;
	return swbp_restore(ks, bp);
}

/* gdb must see the kernel's bytes, not our int3s. */
void kstub_swbp_hide(struct kstub *ks, uint64_t addr, uint8_t *buf, size_t n)
{
	unsigned i;

	for (i = 0; i < KSTUB_SWBP_MAX; i++) {
		struct kstub_swbp *bp = &ks->swbp[i];

		if (bp->in_use && bp->addr - addr < n)
			buf[bp->addr - addr] = bp->orig;
	}
}

/*
 * gdb wrote over a patched byte: that is the new original, and the
 * breakpoint stays armed.
 */
void kstub_swbp_written(struct kstub *ks, uint64_t addr, const uint8_t *buf,
			size_t n)
{
	static const uint8_t int3 = KSTUB_ARCH_BP_INSN;
	unsigned i;

	for (i = 0; i < KSTUB_SWBP_MAX; i++) {
		struct kstub_swbp *bp = &ks->swbp[i];

		if (!bp->in_use || bp->addr - addr >= n)
			continue;
		bp->orig = buf[bp->addr - addr];
		/* A CPU is stepping over it: its re-arm puts the int3 back. */
		if (bp->lifted)
			continue;
		if (ks->cfg.port->text_write(ks->cfg.port_ctx, bp->addr, &int3,
					     1))
			bp->in_use = 0;
	}
}

/*
 * Detach, kill, or a debugger gone: the kernel keeps none of ours but
 * the persistent dprintfs gdb asked to outlive it.
 */
void kstub_bp_remove_all(struct kstub *ks)
{
	struct kstub_hw_slot *hw;
	unsigned i;

	kstub_agent_forget(ks);
	for (i = 0; i < KSTUB_SWBP_MAX; i++)
		if (ks->swbp[i].in_use &&
		    !kstub_agent_keep(ks, false, ks->swbp[i].addr))
			swbp_restore(ks, &ks->swbp[i]);
	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		hw = &ks->dr.slot[i];
		if (!(hw->in_use && hw->kind == KSTUB_HW_EXEC &&
		      kstub_agent_keep(ks, true, hw->addr)))
			hw->in_use = 0;
	}
}

/* The stub leaves the kernel for good (contract in kstub.h). */
int kstub_shutdown(struct kstub *ks)
{
	struct kstub_hw_slot *hw;
	int err = 0, e;
	unsigned i;

	kstub_agent_forget(ks);
	for (i = 0; i < KSTUB_SWBP_MAX; i++) {
		if (!ks->swbp[i].in_use)
			continue;
		e = swbp_restore(ks, &ks->swbp[i]);
		if (e == 0)
			kstub_agent_clear(ks, 0, ks->swbp[i].addr);
		else if (err == 0)
			err = e;
	}
	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		hw = &ks->dr.slot[i];
		if (hw->in_use && hw->kind == KSTUB_HW_EXEC)
			kstub_agent_clear(ks, 1, hw->addr);
		hw->in_use = 0;
	}
	return err;
}

static uint64_t read_value(struct kstub *ks, uint64_t addr, unsigned len)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	ks->cfg.port->mem_read(ks->cfg.port_ctx, addr, b, len);
	while (len-- > 0)
		v = v << 8 | b[len];
	return v;
}

/*
 * x86 has no read-only watchpoint, so Z3 takes an access slot and a hit
 * that changed the value is a write to keep quiet about. The value is
 * remembered whenever the kernel is about to run.
 */
void kstub_dr_refresh_shadows(struct kstub *ks)
{
	unsigned i;

	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		struct kstub_hw_slot *s = &ks->dr.slot[i];

		if (s->in_use && s->kind == KSTUB_HW_READ)
			s->shadow = read_value(ks, s->addr, s->len);
	}
}

/* A read-watch hit: true if the value is unchanged, i.e. it was a read. */
bool kstub_dr_read_hit(struct kstub *ks, unsigned slot)
{
	struct kstub_hw_slot *s = &ks->dr.slot[slot];
	uint64_t v = read_value(ks, s->addr, s->len);

	if (v == s->shadow)
		return true;
	s->shadow = v;
	return false;
}

void kstub_dr_view(struct kstub *ks, struct kstub_dr_view *v)
{
	unsigned i;

	v->valid = kstub_have_dr(ks);
	for (i = 0; i < KSTUB_DR_SLOTS; i++)
		v->dr[i] = ks->dr.slot[i].in_use ? ks->dr.slot[i].addr : 0;
	v->dr6 = ks->master < ks->ncpus ? ks->cpu[ks->master].dr6 : 0;
	v->dr7 = kstub_arch_dr7(&ks->dr);
}

/* Resuming at an enabled exec breakpoint needs RF, or it fires again. */
bool kstub_dr_exec_at(const struct kstub *ks, uint64_t rip)
{
	unsigned i;

	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		const struct kstub_hw_slot *s = &ks->dr.slot[i];

		if (s->in_use && s->kind == KSTUB_HW_EXEC && s->addr == rip)
			return true;
	}
	return false;
}

/* On the way out of the stub, on every CPU. */
void kstub_dr_load(struct kstub *ks)
{
	const struct kstub_port_ops *port = ks->cfg.port;
	unsigned i;

	if (!kstub_have_dr(ks))
		return;
	for (i = 0; i < KSTUB_DR_SLOTS; i++)
		port->dr_set(ks->cfg.port_ctx, i,
			     ks->dr.slot[i].in_use ? ks->dr.slot[i].addr : 0);
	port->dr_set(ks->cfg.port_ctx, 7, kstub_arch_dr7(&ks->dr));
}

/*
 * On the way in: DR6 says why we came; clear it (the CPU never does) and
 * disable DR7 so the stub's own accesses cannot trip a watchpoint.
 */
uint64_t kstub_dr_enter(struct kstub *ks)
{
	const struct kstub_port_ops *port = ks->cfg.port;
	uint64_t dr6;

	if (!kstub_have_dr(ks))
		return 0;
	dr6 = port->dr_get(ks->cfg.port_ctx, 6);
	port->dr_set(ks->cfg.port_ctx, 6, KSTUB_DR6_CLEAN);
	port->dr_set(ks->cfg.port_ctx, 7, 0);
	return dr6;
}
