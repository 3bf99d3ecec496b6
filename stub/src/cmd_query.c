/* SPDX-License-Identifier: BSD-2-Clause */
/* qSupported, QStartNoAckMode, qAttached, qOffsets, ?, and the empty reply. */
#include "kstub_int.h"

/* Does gdb's qSupported list contain feature (e.g. "swbreak+")? */
static bool peer_has(const struct kstub_cur *a, const char *feature)
{
	size_t n = kstub_strlen(feature);
	const uint8_t *p = a->p;

	while (p < a->end) {
		if (*p == ':' || *p == ';') {
			p++;
			continue;
		}
		if ((size_t)(a->end - p) >= n && kstub_memeq(p, feature, n) &&
		    (p + n == a->end || p[n] == ';'))
			return true;
		while (p < a->end && *p != ';')
			p++;
	}
	return false;
}

/*
 * Advertise only what the port and link can back. A debugger sends
 * qSupported once, first or (lldb) right after QStartNoAckMode, so ack
 * mode is left as it is: only a hangup resets it. A second qSupported
 * means a new debugger replaced one that vanished without the link
 * noticing: the old one's breakpoints must not stay in the kernel.
 */
int kstub_cmd_supported(struct kstub *ks, struct kstub_cur *a)
{
	if (ks->greeted)
		kstub_forget(ks);
	ks->greeted = 1;
	kstub_link_fresh(ks);
	ks->peer_swbreak = peer_has(a, "swbreak+");
	ks->peer_hwbreak = peer_has(a, "hwbreak+");
	kstub_tx_str(ks, "PacketSize=");
	kstub_tx_hexnum(ks, ks->pkt_max);
	kstub_tx_str(ks, ";qXfer:features:read+;qXfer:threads:read+");
	kstub_tx_str(ks, ";vContSupported+;binary-upload+");
	if (ks->cfg.port->text_write)
		kstub_tx_str(ks, ";swbreak+");
	if (kstub_have_dr(ks))
		kstub_tx_str(ks, ";hwbreak+");
	if (ks->cfg.link->flags & KSTUB_LINK_RELIABLE)
		kstub_tx_str(ks, ";QStartNoAckMode+");
	kstub_tx_str(ks, ";ConditionalBreakpoints+;BreakpointCommands+");
	return 0;
}

/* Skipping acks is only safe when nothing between us and gdb can lose bytes. */
int kstub_cmd_noack(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	if (!(ks->cfg.link->flags & KSTUB_LINK_RELIABLE))
		return KSTUB_ENOTSUP;
	kstub_tx_str(ks, "OK");
	/* This OK is still acked; everything after it is not. */
	kstub_tx_finish(ks);
	if (kstub_link_send(ks) == KSTUB_ENOTCONN)
		return KSTUB_ENOTCONN;
	ks->noack = 1;
	return KSTUB_NOREPLY;
}

int kstub_cmd_attached(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	kstub_tx_putc(ks, '1');
	return 0;
}

/*
 * Without a load_offset hook the reply is empty, not "Text=0": the stub
 * does not know the slide, and gdb treats an empty reply as "relocate
 * nothing", which is the same outcome without the false claim.
 */
int kstub_cmd_offsets(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t off;

	(void)a;
	if (!ks->cfg.port->load_offset)
		return KSTUB_ENOTSUP;
	off = ks->cfg.port->load_offset(ks->cfg.port_ctx);
	kstub_tx_str(ks, "Text=");
	kstub_tx_hexnum(ks, off);
	kstub_tx_str(ks, ";Data=");
	kstub_tx_hexnum(ks, off);
	kstub_tx_str(ks, ";Bss=");
	kstub_tx_hexnum(ks, off);
	return 0;
}

int kstub_cmd_empty(struct kstub *ks, struct kstub_cur *a)
{
	(void)ks;
	(void)a;
	return KSTUB_ENOTSUP;
}

int kstub_cmd_stop_query(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	ks->g_tid = 0;
	ks->c_tid = 0;
	kstub_stop_reply(ks);
	return 0;
}
