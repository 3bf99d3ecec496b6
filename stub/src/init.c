/* SPDX-License-Identifier: BSD-2-Clause */
/* kstub_init: check the configuration once, so nothing later has to. */
#include "kstub_int.h"

static bool hooks_ok(const struct kstub_config *cfg)
{
	const struct kstub_port_ops *p = cfg->port;
	const struct kstub_transport_ops *l = cfg->link;

	if (!p || !l)
		return false;
	/* A byte link or a packet link: exactly one pair of hooks. */
	if (!l->recv_byte != !l->send || !l->recv_packet != !l->send_packet ||
	    !l->recv_byte == !l->recv_packet)
		return false;
	if (l->max_packet && l->max_packet < KSTUB_LINK_PACKET_MIN)
		return false;
	if (!p->mem_read || !p->mem_write || !p->now_us)
		return false;
	/*
	 * Debug registers come as a pair; the four thread hooks as the
	 * group kstub_port.h promises: all or none.
	 */
	if (!p->dr_get != !p->dr_set)
		return false;
	if (!p->thread_next != !p->thread_info ||
	    !p->thread_next != !p->thread_regs ||
	    !p->thread_next != !p->cpu_thread)
		return false;
	return true;
}

int kstub_init(struct kstub *ks, const struct kstub_config *cfg)
{
	uint8_t *p = (uint8_t *)ks;
	uint32_t ncpus = cfg->ncpus ? cfg->ncpus : 1;
	size_t buf_len = cfg->buf_len ? cfg->buf_len : KSTUB_BUF_LEN_DEFAULT;
	size_t i;

	if (!hooks_ok(cfg) || !cfg->rx_buf || !cfg->tx_buf ||
	    buf_len < KSTUB_BUF_LEN_MIN || buf_len > (1u << 24) ||
	    ncpus > KSTUB_CPUS_MAX || (ncpus > 1 && !cfg->port->cpus_stop) ||
	    (cfg->monitor_count && !cfg->monitor))
		return KSTUB_EINVAL;
	for (i = 0; i < sizeof(*ks); i++)
		p[i] = 0;
	ks->cfg = *cfg;
	ks->cfg.buf_len = buf_len;
	if (!ks->cfg.ack_timeout_ms)
		ks->cfg.ack_timeout_ms = 1000;
	if (!ks->cfg.ack_retries)
		ks->cfg.ack_retries = 4;
	if (!ks->cfg.roundup_timeout_ms)
		ks->cfg.roundup_timeout_ms = 1000;
	ks->ncpus = ncpus;
	kstub_link_init(ks);
	ks->master = KSTUB_CPU_NONE;
	return 0;
}
