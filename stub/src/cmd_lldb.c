/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lldb's own queries (lldb-gdb-remote.txt): jThreadsInfo, qThreadStopInfo
 * and qMemoryRegionInfo. lldb 14 takes thread names only from stop
 * replies and jThreadsInfo; gdb sends none of these.
 */
#include "kstub_int.h"

/*
 * A kernel's thread name as a JSON string. Anything outside printable
 * ASCII, JSON's own quote and backslash, and the bytes the packet layer
 * reserves (# $ * }) go as \u00XX: the reply stays valid JSON and valid
 * UTF-8 whatever bytes the kernel keeps, with no packet escape that a
 * client might or might not undo first. At most 6 bytes a name byte.
 */
static void tx_json_str(struct kstub *ks, const char *s)
{
	uint8_t c;

	kstub_tx_putc(ks, '"');
	while ((c = (uint8_t)*s++) != 0) {
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' ||
		    kstub_tx_escaped(c)) {
			kstub_tx_str(ks, "\\u00");
			kstub_tx_hex8(ks, c);
		} else {
			kstub_tx_putc(ks, c);
		}
	}
	kstub_tx_putc(ks, '"');
}

/*
 * lldb undoes the packet layer's binary escapes in every reply before it
 * parses JSON (lldb-gdb-remote.txt, jThreadExtendedInfo), so the '}'
 * closing an object goes as "}]".
 */
static void tx_json_close(struct kstub *ks)
{
	static const uint8_t brace = '}';

	kstub_tx_bin(ks, &brace, 1);
}

/* Why tid stopped, as the T reply's signal and reason say it. */
static void tx_json_stop(struct kstub *ks)
{
	const struct kstub_stop *st = &ks->stop;

	kstub_tx_str(ks, ",\"signal\":");
	kstub_tx_decnum(ks, st->signo);
	if (st->reason == KSTUB_STOP_SWBREAK || st->reason == KSTUB_STOP_HWBREAK)
		kstub_tx_str(ks, ",\"reason\":\"breakpoint\"");
	if (st->reason >= KSTUB_STOP_WATCH) {
		/* lldb reads the address as the first number of description. */
		kstub_tx_str(ks, ",\"reason\":\"watchpoint\",\"description\":\"");
		kstub_tx_decnum(ks, st->addr);
		kstub_tx_putc(ks, '"');
	}
}

/*
 * Every thread the gdb list shows (kstub_thread_list_next: only those on
 * CPUs past KSTUB_THREADS_LIST_MAX, until "monitor threads all"), with
 * its name; the stopped thread with its stop; threads on a CPU with the
 * registers a stop reply expedites. A sleeping thread's registers cost a
 * port hook call each, so lldb asks for them when it needs them. A list
 * longer than one reply is refused (E07, too big): lldb then falls back
 * to qfThreadInfo, without names.
 */
int kstub_cmd_threads_info(struct kstub *ks, struct kstub_cur *a)
{
	struct kstub_thread_info info;
	uint64_t tid, pos = 0;
	uint32_t cpu;
	char sep = '[';

	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	while (kstub_thread_list_next(ks, &pos, &tid) == 0) {
		if (kstub_thread_info(ks, tid, &info))
			continue;
		kstub_tx_putc(ks, (uint8_t)sep);
		sep = ',';
		kstub_tx_str(ks, "{\"tid\":");
		kstub_tx_decnum(ks, tid);
		kstub_tx_str(ks, ",\"name\":");
		tx_json_str(ks, info.name);
		if (tid == ks->stop.tid)
			tx_json_stop(ks);
		cpu = kstub_tid_cpu(ks, tid);
		if (cpu != KSTUB_CPU_NONE) {
			kstub_tx_str(ks, ",\"registers\":{");
			kstub_tx_expedite(ks, ks->cpu[cpu].frame, true);
			tx_json_close(ks);
		}
		tx_json_close(ks);
	}
	if (sep == '[')
		kstub_tx_putc(ks, '[');
	kstub_tx_putc(ks, ']');
	return 0;
}

/*
 * qThreadStopInfo<tid>: the stop reply of the thread that stopped, or
 * "stopped with no reason of its own" (signal 0) for any other.
 */
int kstub_cmd_thread_stop_info(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t tid;
	int err = kstub_cur_hex(a, &tid);

	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	if (tid == ks->stop.tid) {
		kstub_stop_reply(ks);
		return 0;
	}
	if (!kstub_thread_exists(ks, tid))
		return KSTUB_ESRCH;
	kstub_tx_str(ks, "T00thread:");
	kstub_tx_hexnum(ks, tid);
	kstub_tx_putc(ks, ';');
	return 0;
}

/*
 * qMemoryRegionInfo:<addr>. The port can say whether a byte reads
 * (mem_read), not how a page is mapped. An unreadable byte is an
 * unmapped 4 KiB page (the smallest x86 page): lldb gets its bounds and
 * no permissions, which is how it is told "unmapped". A readable one
 * gets an error: claiming permissions the stub does not know would have
 * lldb's unwinder reject kernel text it took for non-executable.
 * A bare "qMemoryRegionInfo" asks whether the packet is known.
 */
int kstub_cmd_region_info(struct kstub *ks, struct kstub_cur *a)
{
	static const char mapped[] = "mapped; its permissions are unknown";
	uint64_t addr;
	uint8_t byte;
	int err;

	if (kstub_cur_eof(a)) {
		kstub_tx_str(ks, "OK");
		return 0;
	}
	if (!kstub_cur_take(a, ':'))
		return KSTUB_EBADMSG;
	err = kstub_cur_hex(a, &addr);
	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	if (ks->cfg.port->mem_read(ks->cfg.port_ctx, addr, &byte, 1) == 1) {
		kstub_tx_str(ks, "error:");
		kstub_tx_hexstr(ks, mapped, sizeof(mapped) - 1);
		kstub_tx_putc(ks, ';');
		return 0;
	}
	kstub_tx_str(ks, "start:");
	kstub_tx_hexnum(ks, addr & ~0xfffull);
	kstub_tx_str(ks, ";size:1000;");
	return 0;
}
