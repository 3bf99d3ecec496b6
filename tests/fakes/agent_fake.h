/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A tiny machine for agent-expression tests: a few memory regions (all
 * else faults) and a register file with unreadable slots. Header-only so
 * the unit suite and the fuzz harness share it without a fixture.
 */
#ifndef AGENT_FAKE_H
#define AGENT_FAKE_H

#include <string.h>

#include "agent.h"

#define FAKE_REGIONS 12
#define FAKE_REGION_LEN 64
#define FAKE_REGS 32

struct fake_region {
	uint64_t addr;
	size_t len;
	uint8_t bytes[FAKE_REGION_LEN];
};

struct fake_machine {
	struct fake_region r[FAKE_REGIONS];
	unsigned nr;
	uint64_t regs[FAKE_REGS];
	uint32_t reg_valid;	/* bit n: register n can be read */
	unsigned reads;		/* mem_read calls, to see short-circuits */
};

static inline struct fake_region *fake_map(struct fake_machine *m,
					   uint64_t addr, size_t len)
{
	struct fake_region *r = &m->r[m->nr++];

	r->addr = addr;
	r->len = len < FAKE_REGION_LEN ? len : FAKE_REGION_LEN;
	memset(r->bytes, 0, sizeof(r->bytes));
	return r;
}

/* Store size bytes of v (little-endian, as x86 does) at addr. */
static inline void fake_poke(struct fake_machine *m, uint64_t addr,
			     uint64_t v, size_t size)
{
	for (unsigned i = 0; i < m->nr; i++) {
		struct fake_region *r = &m->r[i];

		if (addr >= r->addr && addr + size <= r->addr + r->len) {
			memcpy(r->bytes + (addr - r->addr), &v, size);
			return;
		}
	}
}

static inline long fake_mem_read(void *ctx, uint64_t addr, void *dst,
				 size_t len)
{
	struct fake_machine *m = ctx;

	m->reads++;
	for (unsigned i = 0; i < m->nr; i++) {
		struct fake_region *r = &m->r[i];

		if (addr >= r->addr && len <= r->len &&
		    addr - r->addr <= r->len - len) {
			memcpy(dst, r->bytes + (addr - r->addr), len);
			return (long)len;
		}
	}
	return KSTUB_EFAULT;
}

static inline int fake_reg_read(void *ctx, unsigned regnum, uint64_t *val)
{
	struct fake_machine *m = ctx;

	if (regnum >= FAKE_REGS || !(m->reg_valid & (1u << regnum)))
		return KSTUB_EINVAL;
	*val = m->regs[regnum];
	return 0;
}

static const struct kstub_agent_ops fake_agent_ops = {
	.mem_read = fake_mem_read,
	.reg_read = fake_reg_read,
};

#endif /* AGENT_FAKE_H */
