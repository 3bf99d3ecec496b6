/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hardware breakpoints and watchpoints: the four DR0-DR3 slots shared by
 * gdb's Z1-Z4 requests, the DR7 value that arms them, and which of them
 * a DR6 value reports (SDM vol. 3 18.2, "Debug Registers").
 */
#include "arch_int.h"

/* DR7 layout (SDM vol. 3 18.2.4, figure 18-1). */
#define DR7_G(slot) (1ull << (2 * (slot) + 1))
#define DR7_L(slot) (1ull << (2 * (slot)))
#define DR7_RW_SHIFT(slot) (16 + 4 * (slot))
#define DR7_LEN_SHIFT(slot) (18 + 4 * (slot))
#define DR7_GE (1ull << 9)

/* R/W field values (SDM vol. 3 18.2.4). 10 is I/O, which we never use. */
#define RW_EXEC 0u
#define RW_WRITE 1u
#define RW_IO 2u
#define RW_ACCESS 3u

/* LEN field for a length, or -1 (SDM vol. 3 18.2.5: 10 means 8 bytes). */
static int len_bits(unsigned len)
{
	switch (len) {
	case 1:
		return 0;
	case 2:
		return 1;
	case 4:
		return 3;
	case 8:
		return 2;
	default:
		return -1;
	}
}

/*
 * Alignment: a watched range must be aligned to its length, or the CPU
 * ignores the low address bits and watches a different range (SDM vol. 3
 * 18.2.5). A non-canonical address is refused for every kind: no access
 * can ever reach it, and a breakpoint there could never fire.
 */
int kstub_arch_dr_check(enum kstub_hw_kind kind, uint64_t addr, unsigned len)
{
	if (!arch_canonical(addr))
		return KSTUB_EINVAL;
	switch (kind) {
	case KSTUB_HW_EXEC:
		/* An instruction breakpoint must use LEN 00 (18.2.4). */
		return len == 1 ? 0 : KSTUB_EINVAL;
	case KSTUB_HW_WRITE:
	case KSTUB_HW_READ:
	case KSTUB_HW_ACCESS:
		if (len_bits(len) < 0 || (addr & (len - 1u)) != 0)
			return KSTUB_EINVAL;
		return 0;
	default:
		return KSTUB_EINVAL;
	}
}

static bool slot_matches(const struct kstub_hw_slot *sl,
			 enum kstub_hw_kind kind, uint64_t addr, unsigned len)
{
	return sl->in_use && sl->kind == (uint8_t)kind &&
	       sl->addr == addr && sl->len == len;
}

int kstub_arch_dr_insert(struct kstub_dr_state *s, enum kstub_hw_kind kind,
			 uint64_t addr, unsigned len, unsigned *slot)
{
	struct kstub_hw_slot *free_sl = NULL;
	unsigned i, free_i = 0;
	int err = kstub_arch_dr_check(kind, addr, len);

	if (err)
		return err;
	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		struct kstub_hw_slot *sl = &s->slot[i];

		if (slot_matches(sl, kind, addr, len)) {
			/*
			 * Z is idempotent (GDB manual, "Packets", Z type):
			 * one z removes it however often it was inserted.
			 */
			*slot = i;
			return 0;
		}
		if (!sl->in_use && free_sl == NULL) {
			free_sl = sl;
			free_i = i;
		}
	}
	if (free_sl == NULL)
		return KSTUB_ENOSPC;
	__builtin_memset(free_sl, 0, sizeof(*free_sl));
	free_sl->addr = addr;
	free_sl->len = (uint8_t)len;
	free_sl->kind = (uint8_t)kind;
	free_sl->in_use = 1;
	*slot = free_i;
	return 0;
}

int kstub_arch_dr_remove(struct kstub_dr_state *s, enum kstub_hw_kind kind,
			 uint64_t addr, unsigned len)
{
	unsigned i;

	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		struct kstub_hw_slot *sl = &s->slot[i];

		if (!slot_matches(sl, kind, addr, len))
			continue;
		__builtin_memset(sl, 0, sizeof(*sl));
		return 0;
	}
	return KSTUB_ENOENT;
}

/*
 * Only the G bit is set: the stub's breakpoints are global, not tied to
 * one task (SDM vol. 3 18.2.4). GE is set by kstub_arch_dr7().
 */
int kstub_arch_dr_encode(const struct kstub_hw_slot *bp, unsigned slot,
			 uint64_t *dr7)
{
	int len = len_bits(bp->len);
	uint64_t rw;

	if (slot >= KSTUB_DR_SLOTS || len < 0)
		return KSTUB_EINVAL;
	switch (bp->kind) {
	case KSTUB_HW_EXEC:
		if (bp->len != 1)
			return KSTUB_EINVAL;
		rw = RW_EXEC;
		break;
	case KSTUB_HW_WRITE:
		rw = RW_WRITE;
		break;
	case KSTUB_HW_READ:	/* x86 has no read-only condition */
	case KSTUB_HW_ACCESS:
		rw = RW_ACCESS;
		break;
	default:
		return KSTUB_EINVAL;
	}
	*dr7 |= DR7_G(slot) | (rw << DR7_RW_SHIFT(slot)) |
		((uint64_t)len << DR7_LEN_SHIFT(slot));
	return 0;
}

/*
 * Bit 10 reads as 1 on hardware but is left clear here, so a state with
 * no slot in use gives DR7 == 0 exactly ("all disarmed"), which is what
 * the port writes and the tests check; MOV to DR7 accepts either.
 */
uint64_t kstub_arch_dr7(const struct kstub_dr_state *s)
{
	uint64_t dr7 = 0;
	unsigned i;

	for (i = 0; i < KSTUB_DR_SLOTS; i++) {
		if (!s->slot[i].in_use)
			continue;
		/* Inserted slots passed dr_check, so this cannot fail. */
		if (kstub_arch_dr_encode(&s->slot[i], i, &dr7) == 0)
			dr7 |= DR7_GE;
	}
	return dr7;
}

/*
 * A slot counts as enabled with either its L or G bit, so a DR7 read
 * back from the CPU decodes even if the kernel set it. R/W 11 decodes as
 * ACCESS: READ and ACCESS share the encoding.
 */
int kstub_arch_dr_decode(uint64_t dr7, unsigned slot, uint8_t *kind,
			 uint8_t *len)
{
	static const uint8_t bytes[4] = { 1, 2, 8, 4 };
	unsigned rw, lenf;

	if (slot >= KSTUB_DR_SLOTS)
		return KSTUB_EINVAL;
	if ((dr7 & (DR7_G(slot) | DR7_L(slot))) == 0)
		return KSTUB_ENOENT;
	rw = (unsigned)(dr7 >> DR7_RW_SHIFT(slot)) & 3u;
	lenf = (unsigned)(dr7 >> DR7_LEN_SHIFT(slot)) & 3u;
	switch (rw) {
	case RW_EXEC:
		if (lenf != 0)
			return KSTUB_EINVAL;	/* undefined (18.2.4) */
		*kind = KSTUB_HW_EXEC;
		break;
	case RW_WRITE:
		*kind = KSTUB_HW_WRITE;
		break;
	case RW_ACCESS:
		*kind = KSTUB_HW_ACCESS;
		break;
	default:
		return KSTUB_EINVAL;	/* RW_IO: not ours */
	}
	*len = bytes[lenf];
	return 0;
}

/*
 * B0-B3 may be set for a slot that is not enabled (SDM vol. 3 18.2.3),
 * so only the slots in use count.
 */
void kstub_arch_dr6_decode(const struct kstub_dr_state *s, uint64_t dr6,
			   struct kstub_dr_hits *out)
{
	unsigned i;

	out->slots = 0;
	for (i = 0; i < KSTUB_DR_SLOTS; i++)
		if (s->slot[i].in_use && (dr6 & (1ull << i)) != 0)
			out->slots |= (uint8_t)(1u << i);
	out->step = (dr6 & KSTUB_DR6_BS) != 0;
}
