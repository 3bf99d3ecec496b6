/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * From a received packet to its handler (a table, one handler per
 * packet family) and the handler's result to the reply.
 */
#include "kstub_int.h"

struct kstub_cmd {
	const char *name;
	kstub_cmd_fn fn;
};

/*
 * One-letter commands match on their first byte; longer names must be
 * followed by the end of the packet or one of ":,;" so that "qC" does not
 * swallow "qCRC", except a name ending in '*', whose argument follows
 * it directly. Longer names sharing a prefix come first.
 */
static const struct kstub_cmd cmds[] = {
	{ "qSupported", kstub_cmd_supported },
	{ "qXfer", kstub_cmd_xfer },
	{ "qfThreadInfo", kstub_cmd_thread_first },
	{ "qsThreadInfo", kstub_cmd_thread_more },
	{ "qThreadExtraInfo", kstub_cmd_thread_extra },
	{ "qThreadStopInfo*", kstub_cmd_thread_stop_info },
	{ "jThreadsInfo", kstub_cmd_threads_info },
	{ "qMemoryRegionInfo", kstub_cmd_region_info },
	{ "qC", kstub_cmd_qC },
	{ "qAttached", kstub_cmd_attached },
	{ "qOffsets", kstub_cmd_offsets },
	{ "qRcmd", kstub_cmd_rcmd },
	{ "QStartNoAckMode", kstub_cmd_noack },
	{ "vCont?", kstub_cmd_vcont_query },
	{ "vCont", kstub_cmd_vcont },
	{ "vMustReplyEmpty", kstub_cmd_empty },
	{ "?", kstub_cmd_stop_query },
	{ "g", kstub_cmd_regs_g },
	{ "G", kstub_cmd_regs_G },
	{ "p", kstub_cmd_reg_p },
	{ "P", kstub_cmd_reg_P },
	{ "m", kstub_cmd_mem_m },
	{ "M", kstub_cmd_mem_M },
	{ "X", kstub_cmd_mem_X },
	{ "x", kstub_cmd_mem_x },
	{ "Z", kstub_cmd_Z },
	{ "z", kstub_cmd_z },
	{ "c", kstub_cmd_c },
	{ "C", kstub_cmd_C },
	{ "s", kstub_cmd_s },
	{ "S", kstub_cmd_S },
	{ "T", kstub_cmd_T },
	{ "H", kstub_cmd_H },
	{ "D", kstub_cmd_detach },
	{ "k", kstub_cmd_kill },
	{ "R", kstub_cmd_reboot },
};

static const struct kstub_cmd *lookup(struct kstub_cur *c)
{
	size_t i, n;
	bool glued;
	const uint8_t *after;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		n = kstub_strlen(cmds[i].name);
		glued = cmds[i].name[n - 1] == '*';
		n -= glued;
		if ((size_t)(c->end - c->p) < n ||
		    !kstub_memeq(c->p, cmds[i].name, n))
			continue;
		after = c->p + n;
		if (n > 1 && !glued && after < c->end && *after != ':' &&
		    *after != ',' && *after != ';')
			continue;
		c->p = after;
		return &cmds[i];
	}
	return NULL;
}

/*
 * Handle the packet in rx_buf and send its reply. Returns 0, or
 * KSTUB_ENOTCONN if the link dropped while replying.
 */
int kstub_dispatch(struct kstub *ks)
{
	struct kstub_cur c = { ks->cfg.rx_buf, ks->cfg.rx_buf + ks->rx.len };
	const struct kstub_cmd *cmd;
	int ret;

	ks->pkt_ready = 0;
	ks->attached = 1;
	kstub_tx_begin(ks);
	if (ks->rx.overflow) {
		ret = KSTUB_E2BIG;
	} else if (!(cmd = lookup(&c))) {
		ret = KSTUB_ENOTSUP;
	} else if (kstub_arch_recover_arm(&ks->recover.jmp) == 0) {
		/*
		 * A trap inside the handler (a hook that faulted) comes back
		 * out of the arm call a second time (recover.c). Nothing
		 * held in a register changes between the two.
		 */
		kstub_store(&ks->recover.armed, 1);
		ret = cmd->fn(ks, &c);
		kstub_store(&ks->recover.armed, 0);
	} else {
		ret = kstub_recover_abort(ks);
	}
	kstub_rx_reset(ks);
	if (ret == KSTUB_NOREPLY)
		return 0;
	if (ret == KSTUB_ENOTSUP)
		kstub_tx_begin(ks);
	else if (ret < 0)
		kstub_tx_error(ks, ret);
	else if (ks->tx.overflow)
		kstub_tx_error(ks, KSTUB_E2BIG);
	kstub_tx_finish(ks);
	ret = kstub_link_send(ks);
	return ret == KSTUB_ENOTCONN ? ret : 0;
}
