/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Thread ids. With the port's thread hooks, ids are the kernel's own and
 * a thread on a stopped CPU shows that CPU's trap frame; without them
 * each CPU is a thread, tid = CPU index + 1.
 */
#include "kstub_int.h"

bool kstub_port_threads(const struct kstub *ks)
{
	const struct kstub_port_ops *p = ks->cfg.port;

	return p->thread_next && p->thread_info && p->cpu_thread;
}

uint64_t kstub_cpu_tid(struct kstub *ks, uint32_t cpu)
{
	uint64_t tid;

	if (kstub_port_threads(ks) &&
	    ks->cfg.port->cpu_thread(ks->cfg.port_ctx, cpu, &tid) == 0 &&
	    tid != 0)
		return tid;
	return (uint64_t)cpu + 1;
}

/* The CPU whose trap frame is tid's registers, or KSTUB_CPU_NONE. */
uint32_t kstub_tid_cpu(struct kstub *ks, uint64_t tid)
{
	uint32_t cpu;

	for (cpu = 0; cpu < ks->ncpus; cpu++)
		if (ks->cpu[cpu].frame && kstub_cpu_tid(ks, cpu) == tid)
			return cpu;
	return KSTUB_CPU_NONE;
}

/* Hg0 / Hc-1 and friends mean "the thread that stopped". */
uint64_t kstub_resolve_tid(const struct kstub *ks, uint64_t tid)
{
	return tid ? tid : ks->stop.tid;
}

int kstub_thread_next(struct kstub *ks, uint64_t after, uint64_t *tid)
{
	if (kstub_port_threads(ks))
		return ks->cfg.port->thread_next(ks->cfg.port_ctx, after, tid);
	if (after >= ks->ncpus)
		return KSTUB_ENOENT;
	*tid = after + 1;
	return 0;
}

static void copy_name(char *dst, const char *prefix, uint32_t n)
{
	char digits[10];
	unsigned i = 0, k = 0;

	while (prefix[k])
		dst[i++] = prefix[k++];
	k = 0;
	do
		digits[k++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (k > 0)
		dst[i++] = digits[--k];
	dst[i] = 0;
}

static void set_str(char *dst, const char *s)
{
	unsigned i = 0;

	while (i < KSTUB_NAME_MAX - 1 && (dst[i] = s[i]) != 0)
		i++;
	dst[i] = 0;
}

int kstub_thread_info(struct kstub *ks, uint64_t tid,
		      struct kstub_thread_info *out)
{
	uint32_t cpu;
	int err;

	if (kstub_port_threads(ks)) {
		err = ks->cfg.port->thread_info(ks->cfg.port_ctx, tid, out);
		if (err)
			return KSTUB_ESRCH;
		out->name[KSTUB_NAME_MAX - 1] = 0;
		out->state[KSTUB_NAME_MAX - 1] = 0;
		if (out->cpu < ks->ncpus && !ks->cpu[out->cpu].frame)
			set_str(out->state, "its CPU did not park");
		return 0;
	}
	if (tid == 0 || tid > ks->ncpus)
		return KSTUB_ESRCH;
	cpu = (uint32_t)(tid - 1);
	copy_name(out->name, "CPU ", cpu);
	out->cpu = cpu;
	out->state[0] = 0;
	if (!ks->cpu[cpu].frame) {
		/* It did not answer the roundup: still running kernel code. */
		const char *s = "not stopped";
		unsigned i = 0;

		while ((out->state[i] = s[i]) != 0)
			i++;
	}
	return 0;
}

bool kstub_thread_exists(struct kstub *ks, uint64_t tid)
{
	struct kstub_thread_info info;

	return tid != 0 && kstub_thread_info(ks, tid, &info) == 0;
}

/*
 * The registers of tid: a stopped CPU's frame (writable), or the saved
 * registers of a sleeping thread (read-only: the port has no hook to
 * write a pcb back). A thread that exists but whose registers nobody can
 * supply gets an empty frame, so gdb shows them unavailable.
 */
int kstub_thread_frame(struct kstub *ks, uint64_t tid, struct kstub_frame **f,
		       bool *ro)
{
	struct kstub_thread_info info;
	uint32_t cpu = kstub_tid_cpu(ks, tid);
	uint8_t *p;
	size_t i;

	if (cpu != KSTUB_CPU_NONE) {
		*f = ks->cpu[cpu].frame;
		*ro = false;
		return 0;
	}
	if (kstub_thread_info(ks, tid, &info))
		return KSTUB_ESRCH;
	*ro = true;
	*f = &ks->other;
	if (ks->other_tid == tid)
		return 0;
	p = (uint8_t *)&ks->other;
	for (i = 0; i < sizeof(ks->other); i++)
		p[i] = 0;
	ks->other_tid = tid;
	if (ks->cfg.port->thread_regs &&
	    ks->cfg.port->thread_regs(ks->cfg.port_ctx, tid, &ks->other)) {
		ks->other.valid[0] = 0;
		ks->other.valid[1] = 0;
	}
	return 0;
}

/*
 * gdb 13 re-reads the whole thread list (qXfer:threads:read, else
 * qfThreadInfo) at every stop it prints, in normal_stop(), and deletes
 * the threads a list leaves out, so a list cannot be sent in parts or
 * only when it changed. With thousands of threads that is seconds a
 * stop on a serial line; the threads on the CPUs are what a stop is
 * about, so past KSTUB_THREADS_LIST_MAX only they are listed, until
 * "monitor threads all" asks for the rest. The count stops at the limit:
 * the walk costs the stub no more than the list it would send.
 */
bool kstub_threads_all(struct kstub *ks)
{
	uint64_t tid = 0;
	uint32_t n = 0;

	if (ks->threads_all || !kstub_port_threads(ks))
		return true;
	while (kstub_thread_next(ks, tid, &tid) == 0)
		if (++n > KSTUB_THREADS_LIST_MAX)
			return false;
	return true;
}

int kstub_thread_list_next(struct kstub *ks, uint64_t *cursor, uint64_t *tid)
{
	uint32_t cpu;

	if (*cursor == 0 && !kstub_threads_all(ks))
		*cursor = 1ull << 63;	/* CPU mode: the CPU index follows */
	if (!(*cursor >> 63)) {
		if (kstub_thread_next(ks, *cursor, tid))
			return KSTUB_ENOENT;
		*cursor = *tid;
		return 0;
	}
	/* A CPU the port names no thread for has none to list. */
	do {
		cpu = (uint32_t)(*cursor & 0xffffffffu);
		if (cpu >= ks->ncpus)
			return KSTUB_ENOENT;
		*tid = kstub_cpu_tid(ks, cpu);
		(*cursor)++;
	} while (!kstub_thread_exists(ks, *tid));
	return 0;
}
