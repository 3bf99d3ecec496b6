// SPDX-License-Identifier: BSD-2-Clause
/*
 * The tail of a Z0/Z1 packet (GDB manual, "Packets", Z0: cond_list and
 * cmd_list): ";X len,hex" conditions and ";cmds:persist,X len,hex"
 * commands. gdb puts several expressions of one kind back to back
 * ("X3,aabbccX2,ddee"), so a list is one or more X items.
 */
#include "agent.h"
#include "kstub_int.h"

struct tail_cur {
	const char *p, *end;
};

/* A hex number of at least one digit; saturates so that a huge length
 * still reads as "too big" rather than wrapping to a small one. */
static int take_hex(struct tail_cur *c, uint64_t *v)
{
	const char *start = c->p;
	int d;

	*v = 0;
	while (c->p < c->end && (d = kstub_hexval((uint8_t)*c->p)) >= 0) {
		*v = *v > 0xffffffffu ? *v : *v << 4 | (uint64_t)d;
		c->p++;
	}
	return c->p == start ? KSTUB_EBADMSG : 0;
}

static bool take_char(struct tail_cur *c, char ch)
{
	if (c->p == c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/* "X len,hexbytes" into e, then verified. */
static int take_expr(struct tail_cur *c, struct kstub_agent_expr *e,
		     struct kstub_agent_vm *scratch, bool need_value)
{
	uint64_t len;
	size_t i;
	int hi, lo, err;

	if (!take_char(c, 'X'))
		return KSTUB_EBADMSG;
	err = take_hex(c, &len);
	if (err)
		return err;
	if (!take_char(c, ','))
		return KSTUB_EBADMSG;
	if (len > KSTUB_AGENT_EXPR_MAX)
		return KSTUB_EAX_TOOBIG;
	if ((size_t)(c->end - c->p) < 2 * len)
		return KSTUB_EBADMSG;
	for (i = 0; i < len; i++) {
		hi = kstub_hexval((uint8_t)c->p[2 * i]);
		lo = kstub_hexval((uint8_t)c->p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return KSTUB_EBADMSG;
		e->code[i] = (uint8_t)(hi << 4 | lo);
	}
	c->p += 2 * len;
	e->len = (uint16_t)len;
	return kstub_agent_verify(scratch, e->code, len, need_value);
}

/* One or more expressions into list[*n], at most max of them. */
static int take_list(struct tail_cur *c, struct kstub_agent_expr *list,
		     uint8_t *n, unsigned max, struct kstub_agent_vm *scratch,
		     bool need_value)
{
	int err;

	do {
		if (*n == max)
			return KSTUB_EAX_TOOMANY;
		err = take_expr(c, &list[*n], scratch, need_value);
		if (err)
			return err;
		(*n)++;
	} while (c->p < c->end && *c->p == 'X');
	return 0;
}

static int parse_items(struct kstub_agent_bp *bp, struct tail_cur *c,
		       struct kstub_agent_vm *scratch)
{
	static const char cmds[] = "cmds:";
	uint64_t persist;
	int err;

	while (c->p < c->end) {
		if (!take_char(c, ';'))
			return KSTUB_EBADMSG;
		if (c->p < c->end && *c->p == 'X') {
			err = take_list(c, bp->cond, &bp->nconds,
					KSTUB_AGENT_CONDS_MAX, scratch, true);
		} else if ((size_t)(c->end - c->p) >= sizeof(cmds) - 1 &&
			   !__builtin_memcmp(c->p, cmds, sizeof(cmds) - 1)) {
			c->p += sizeof(cmds) - 1;
			err = take_hex(c, &persist);
			if (err)
				return err;
			if (!take_char(c, ','))
				return KSTUB_EBADMSG;
			bp->persist = persist != 0;
			err = take_list(c, bp->cmd, &bp->ncmds,
					KSTUB_AGENT_CMDS_MAX, scratch, false);
		} else {
			/* An option this stub does not know: refusing it is
			 * safer than inserting a breakpoint that ignores it. */
			err = KSTUB_EBADMSG;
		}
		if (err)
			return err;
	}
	return 0;
}

int kstub_agent_parse(struct kstub_agent_bp *bp, struct kstub_agent_vm *scratch,
		      const char *tail, size_t len)
{
	struct tail_cur c = { tail, tail + len };
	int err;

	bp->nconds = 0;
	bp->ncmds = 0;
	bp->persist = false;
	err = parse_items(bp, &c, scratch);
	if (err) {
		bp->nconds = 0;
		bp->ncmds = 0;
	}
	return err;
}
