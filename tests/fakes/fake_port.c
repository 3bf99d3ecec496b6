/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake port (fake_machine.h): the memory map with its hole and
 * read-only text, the clock, debug registers and the thread list.
 */
#include "fake_machine.h"

#include <stdio.h>
#include <string.h>

/* Where addr lives, and how many bytes from it are in that region. */
static uint8_t *region(struct fx *fx, uint64_t a, size_t *room, bool *rw)
{
	const struct fx_layout *l = fx->layout;

	if (a >= l->ram && a - l->ram < l->ram_len) {
		*room = l->ram + l->ram_len - a;
		*rw = true;
		return fx->ram + (a - l->ram);
	}
	if (a >= l->text && a - l->text < l->text_len) {
		*room = l->text + l->text_len - a;
		*rw = false;
		return fx->text + (a - l->text);
	}
	if (a >= FX_TOP) {
		*room = (size_t)(0 - a);
		*rw = true;
		return fx->top + (a - FX_TOP);
	}
	return NULL;
}

long fx_mem_access(struct fx *fx, uint64_t addr, void *buf, size_t len,
		   bool write)
{
	size_t room;
	bool rw;
	uint8_t *p = region(fx, addr, &room, &rw);

	if (!p || (write && !rw))
		return KSTUB_EFAULT;
	if (len > room)
		len = room;
	if (write)
		memcpy(p, buf, len);
	else
		memcpy(buf, p, len);
	return (long)len;
}

static long mem_read(void *c, uint64_t a, void *d, size_t n)
{
	return fx_mem_access(c, a, d, n, false);
}

static long mem_write(void *c, uint64_t a, const void *s, size_t n)
{
	return fx_mem_access(c, a, (void *)s, n, true);
}

static int text_write(void *c, uint64_t a, const void *s, size_t n)
{
	struct fx *fx = c;
	const struct fx_layout *l = fx->layout;

	if (a < l->text || a - l->text >= l->text_len ||
	    n > l->text + l->text_len - a)
		return KSTUB_EFAULT;
	if (a + n > l->text_locked)
		return KSTUB_EROFS;	/* a page the kernel will not patch */
	if (fx->text_writes_left && --fx->text_writes_left == 0) {
		fx->text_writes_left = 1;	/* and so it stays */
		return KSTUB_EROFS;
	}
	memcpy(fx->text + (a - l->text), s, n);
	return 0;
}

/* Time creeps while bytes flow and leaps while the line is silent. */
static uint64_t now_us(void *c)
{
	struct fx *fx = c;

	return fx->clock_us += fx->clock_silent ? fx->silent_step_us
						: fx->clock_step_us;
}

static uint64_t dr_get(void *c, unsigned n)
{
	return ((struct fx *)c)->dr[n & 7];
}

static void dr_set(void *c, unsigned n, uint64_t v)
{
	((struct fx *)c)->dr[n & 7] = v;
}

/*
 * Threads come from the table, or with many_threads, FX_TID_MANY (on
 * CPU 0) and those after it, named t0, t1, ...
 */
static bool many_ok(const struct fx *fx, uint64_t tid)
{
	return tid >= FX_TID_MANY && tid - FX_TID_MANY < fx->many_threads;
}

/* Index of tid in the table, or nthreads. */
static unsigned thread_index(const struct fx *fx, uint64_t tid)
{
	unsigned i;

	for (i = 0; i < fx->nthreads; i++)
		if (fx->thread_table[i].tid == tid)
			break;
	return i;
}

static const struct fx_thread *thread_find(const struct fx *fx, uint64_t tid)
{
	unsigned i = thread_index(fx, tid);

	return i < fx->nthreads ? &fx->thread_table[i] : NULL;
}

static int thread_next(void *c, uint64_t after, uint64_t *tid)
{
	struct fx *fx = c;
	unsigned i;

	if (fx->many_threads) {
		if (after == 0)
			*tid = FX_TID_MANY;
		else if (many_ok(fx, after + 1))
			*tid = after + 1;
		else
			return KSTUB_ENOENT;
		return 0;
	}
	i = after == 0 ? 0 : thread_index(fx, after) + 1;
	if (i >= fx->nthreads)
		return KSTUB_ENOENT;
	*tid = fx->thread_table[i].tid;
	return 0;
}

static int thread_info(void *c, uint64_t tid, struct kstub_thread_info *o)
{
	struct fx *fx = c;
	const struct fx_thread *t;

	if (fx->many_threads) {
		if (!many_ok(fx, tid))
			return KSTUB_ESRCH;
		snprintf(o->name, sizeof(o->name), "t%llu",
			 (unsigned long long)(tid - FX_TID_MANY));
		o->state[0] = 0;
		o->cpu = tid == FX_TID_MANY ? 0 : KSTUB_CPU_NONE;
		return 0;
	}
	t = thread_find(fx, tid);
	if (!t)
		return KSTUB_ESRCH;
	snprintf(o->name, sizeof(o->name), "%s", t->name);
	snprintf(o->state, sizeof(o->state), "%s", t->state);
	o->cpu = t->cpu;
	return 0;
}

static int thread_regs(void *c, uint64_t tid, struct kstub_frame *f)
{
	struct fx *fx = c;
	const struct fx_thread *t = fx->many_threads ? NULL
						     : thread_find(fx, tid);

	if (!t || !t->regs)
		return KSTUB_ESRCH;
	*f = *t->regs;
	return 0;
}

static int cpu_thread(void *c, uint32_t cpu, uint64_t *tid)
{
	struct fx *fx = c;
	unsigned i;

	if (fx->many_threads) {
		*tid = FX_TID_MANY + cpu;
		return cpu == 0 ? 0 : KSTUB_ESRCH;
	}
	for (i = 0; i < fx->nthreads; i++) {
		if (fx->thread_table[i].cpu == cpu) {
			*tid = fx->thread_table[i].tid;
			return 0;
		}
	}
	return KSTUB_ESRCH;
}

static uint64_t load_offset(void *c)
{
	return ((struct fx *)c)->layout->load_offset;
}

static int cpus_stop(void *c, uint32_t self)
{
	(void)c;
	(void)self;
	return 0;
}

/*
 * The unit suites' threads: 0x10 on CPU 0, 0x11 asleep with a pcb,
 * 0x12 without one.
 */
static const struct kstub_frame pcb_0x11 = {
	.gpr[KSTUB_REG_RBX] = 0xb0b0,
	.gpr[KSTUB_REG_RSP] = FX_RAM + 0x800,
	.rip = FX_TEXT + 0x40,
	.valid[0] = KSTUB_VALID_CALLEE,
};

static const struct fx_thread unit_threads[] = {
	{ 0x10, "clock", "", 0, NULL },
	{ 0x11, "sh<1>", "sleeping on tty", KSTUB_CPU_NONE, &pcb_0x11 },
	{ 0x12, "idle", "", KSTUB_CPU_NONE, NULL },
};

static const struct fx_layout unit_layout = {
	.ram = FX_RAM, .ram_len = FX_RAM_LEN,
	.text = FX_TEXT, .text_len = FX_TEXT_LEN,
	.text_locked = FX_TEXT_LOCKED, .load_offset = 0x1e00000,
};

void fx_port_ops(struct fx *fx, const struct fx_opts *o)
{
	struct kstub_port_ops *port = &fx->port_ops;

	fx->layout = o->layout ? o->layout : &unit_layout;
	if (fx->layout->ram_len > FX_RAM_LEN ||
	    fx->layout->text_len > FX_TEXT_LEN)
		fx_fail("layout larger than the fake's memory");
	fx->thread_table = o->thread_table ? o->thread_table : unit_threads;
	fx->nthreads = o->thread_table ? o->nthreads : 3;
	fx->many_threads = o->many_threads;
	fx->clock_step_us = o->clock_step_us ? o->clock_step_us : 100;
	fx->silent_step_us = o->silent_step_us ? o->silent_step_us : 100;
	port->mem_read = mem_read;
	port->mem_write = mem_write;
	port->now_us = now_us;
	if (o->bare)
		return;
	port->text_write = o->no_text_write ? NULL : text_write;
	port->load_offset = o->no_load_offset ? NULL : load_offset;
	port->cpus_stop = cpus_stop;
	if (!o->no_dr) {
		port->dr_get = dr_get;
		port->dr_set = dr_set;
	}
	if (o->threads) {
		port->thread_next = thread_next;
		port->thread_info = thread_info;
		port->thread_regs = thread_regs;
		port->cpu_thread = cpu_thread;
	}
}
