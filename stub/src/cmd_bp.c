/* SPDX-License-Identifier: BSD-2-Clause */
/* Z and z: software breakpoints, hardware breakpoints and watchpoints. */
#include "kstub_int.h"

static int parse(struct kstub_cur *a, uint64_t *type, uint64_t *addr,
		 uint64_t *kind)
{
	const uint8_t *tail;
	int err = kstub_cur_hex(a, type);

	if (err)
		return err;
	if (!kstub_cur_take(a, ','))
		return KSTUB_EBADMSG;
	err = kstub_cur_hex(a, addr);
	if (err)
		return err;
	if (!kstub_cur_take(a, ','))
		return KSTUB_EBADMSG;
	err = kstub_cur_hex(a, kind);
	if (err)
		return err;
	/*
	 * Conditions and commands (";X..." and ";cmds:...", the manual's
	 * "Packets", Z0) are left in *a for kstub_agent_stage; only Z0 and
	 * Z1 take them, and z none.
	 */
	tail = a->p;
	if (!kstub_cur_eof(a) && (*type > 1 || !kstub_cur_take(a, ';')))
		return KSTUB_EBADMSG;
	a->p = tail;
	return 0;
}

/*
 * Common checks. Returns 0 when the request is for a type this port can
 * back, KSTUB_ENOTSUP (empty reply: gdb falls back or reports "not
 * supported") when it cannot, or an error for a malformed one.
 */
static int check(struct kstub *ks, uint64_t type, uint64_t kind)
{
	if (type > 4)
		return KSTUB_ENOTSUP;
	if (type == 0) {
		if (!ks->cfg.port->text_write)
			return KSTUB_ENOTSUP;
		return kind == KSTUB_ARCH_BP_LEN ? 0 : KSTUB_EINVAL;
	}
	if (!kstub_have_dr(ks))
		return KSTUB_ENOTSUP;
	if (kind > 8)
		return KSTUB_EINVAL;
	return 0;
}

static int parse_checked(struct kstub *ks, struct kstub_cur *a,
			 uint64_t *type, uint64_t *addr, uint64_t *kind)
{
	int err = parse(a, type, addr, kind);

	if (!err)
		err = check(ks, *type, *kind);
	/* A range past 2^64 is E22, as for m and M, not "unaligned". */
	if (!err && *kind != 0 && *addr + (*kind - 1) < *addr)
		err = KSTUB_ERANGE;
	return err;
}

/* An int3 or exec DR in code the debugger runs would trap inside it. */
static bool in_debugger(struct kstub *ks, uint64_t type, uint64_t addr,
			uint64_t kind)
{
	const struct kstub_port_ops *port = ks->cfg.port;

	return type <= 1 && port->debugger_text &&
	       port->debugger_text(ks->cfg.port_ctx, addr, (size_t)kind);
}

static int dr_insert(struct kstub *ks, uint64_t type, uint64_t addr,
		     uint64_t kind, unsigned *slot)
{
	return kstub_arch_dr_insert(&ks->dr, (enum kstub_hw_kind)(type - 1),
				    addr, (unsigned)kind, slot);
}

int kstub_cmd_Z(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t type, addr, kind;
	unsigned slot;
	int err = parse_checked(ks, a, &type, &addr, &kind);

	if (err)
		return err;
	if (in_debugger(ks, type, addr, kind))
		return KSTUB_EBUSY;
	if (type <= 1) {
		err = kstub_agent_stage(ks, (unsigned)type, addr, a->p,
					(size_t)(a->end - a->p));
		if (err)
			return err;
	}
	if (type == 0) {
		err = kstub_agent_z0_insert(ks, addr);
	} else {
		/* A Z0 held in a DR at this address would merge with a Z1. */
		if (type == 1)
			kstub_agent_dr_yield(ks, addr, false);
		err = dr_insert(ks, type, addr, kind, &slot);
		if (err == KSTUB_ENOSPC && !kstub_agent_dr_yield(ks, 0, true))
			err = dr_insert(ks, type, addr, kind, &slot);
		if (err == 0 && type == 3)
			kstub_dr_refresh_shadows(ks);
	}
	if (err)
		return err;
	if (type <= 1)
		kstub_agent_commit(ks, (unsigned)type, addr);
	kstub_tx_str(ks, "OK");
	return 0;
}

int kstub_cmd_z(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t type, addr, kind;
	int err = parse_checked(ks, a, &type, &addr, &kind);

	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	if (type == 1)
		kstub_agent_clear(ks, 1, addr);
	if (type == 0)
		err = kstub_agent_z0_remove(ks, addr);
	else
		err = kstub_arch_dr_remove(&ks->dr, (enum kstub_hw_kind)(type - 1),
					   addr, (unsigned)kind);
	if (err)
		return err;
	kstub_tx_str(ks, "OK");
	return 0;
}
