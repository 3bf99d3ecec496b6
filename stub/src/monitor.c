/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * qRcmd ("monitor" in gdb): a built-in help plus the port's commands,
 * whose output travels as O packets before the final OK. The same O
 * packets carry console output while gdb waits for the kernel to stop.
 */
#include "kstub_int.h"

/*
 * Send text as O packets, each acked before the next, in pieces that
 * fit the reply buffer.
 */
int kstub_send_console(struct kstub *ks, const char *s, size_t len)
{
	size_t n;
	int err;

	while (len > 0) {
		kstub_tx_begin(ks);
		kstub_tx_putc(ks, 'O');
		n = (kstub_tx_room(ks)) / 2;
		if (n > len)
			n = len;
		kstub_tx_hexstr(ks, s, n);
		kstub_tx_finish(ks);
		err = kstub_link_send(ks);
		if (err)
			return err;
		s += n;
		len -= n;
	}
	return 0;
}

int kstub_monitor_write(struct kstub *ks, const char *s, size_t len)
{
	if (!ks->in_rcmd)
		return KSTUB_ENOTCONN;
	return kstub_send_console(ks, s, len);
}

static void say(struct kstub *ks, const char *s)
{
	kstub_monitor_write(ks, s, kstub_strlen(s));
}

static void help(struct kstub *ks)
{
	size_t i;

	say(ks, "kstub monitor commands:\n");
	say(ks, "  help - this list\n");
	if (ks->cfg.port->reboot)
		say(ks, "  reboot - reset the machine\n");
	for (i = 0; i < ks->cfg.monitor_count; i++) {
		say(ks, "  ");
		say(ks, ks->cfg.monitor[i].name);
		say(ks, " - ");
		say(ks, ks->cfg.monitor[i].help);
		say(ks, "\n");
	}
}

static bool word_is(const char *line, size_t n, const char *word)
{
	size_t w = kstub_strlen(word);

	return n == w && kstub_memeq(line, word, w);
}

static int run(struct kstub *ks, const char *line, size_t len)
{
	size_t n = 0, i;
	const char *args;

	while (n < len && line[n] != ' ')
		n++;
	args = line + n + (n < len);
	if (n == 0 || word_is(line, n, "help")) {
		help(ks);
		return 0;
	}
	if (word_is(line, n, "reboot") && ks->cfg.port->reboot) {
		kstub_bp_remove_all(ks);
		ks->cfg.port->reboot(ks->cfg.port_ctx);
		return 0;
	}
	for (i = 0; i < ks->cfg.monitor_count; i++)
		if (word_is(line, n, ks->cfg.monitor[i].name))
			return ks->cfg.monitor[i].fn(ks, ks->cfg.port_ctx, args,
						     (size_t)(line + len - args));
	say(ks, "kstub: unknown monitor command \"");
	kstub_monitor_write(ks, line, n);
	say(ks, "\"; try \"monitor help\"\n");
	return KSTUB_EINVAL;
}

/* qRcmd,<hex>: the command line is decoded into scratch. */
int kstub_cmd_rcmd(struct kstub *ks, struct kstub_cur *a)
{
	size_t len;
	int err;

	if (!kstub_cur_take(a, ','))
		return KSTUB_EBADMSG;
	len = (size_t)(a->end - a->p);
	if (len % 2)
		return KSTUB_EBADMSG;
	len /= 2;
	if (len >= sizeof(ks->scratch))
		return KSTUB_E2BIG;
	err = kstub_cur_hexbytes(a, ks->scratch, len);
	if (err)
		return err;
	ks->in_rcmd = 1;
	err = run(ks, (const char *)ks->scratch, len);
	ks->in_rcmd = 0;
	kstub_tx_begin(ks);
	if (err)
		return err;
	kstub_tx_str(ks, "OK");
	return 0;
}
