/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * qRcmd ("monitor" in gdb): a built-in help plus the port's commands,
 * whose output travels as O packets (console.c) before the final OK.
 */
#include "kstub_int.h"

/* run(): no such command (not a KSTUB_E*: a command may return those). */
#define MON_UNKNOWN 1

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

static void tx_text(struct kstub *ks, const char *s)
{
	kstub_tx_hexstr(ks, s, kstub_strlen(s));
}

static void help(struct kstub *ks)
{
	size_t i;

	say(ks, "kstub monitor commands:\n");
	say(ks, "  help - this list\n");
	say(ks, "  agent [clear] - breakpoints with conditions or dprintf;"
		" clear removes the persistent ones\n");
	say(ks, "  cpus - the last roundup: CPUs parked, time taken\n");
	say(ks, "  threads - 'all': list every thread to the debugger; 'auto' "
		"(the default): only those on CPUs when there are many\n");
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

/*
 * "threads all": gdb then re-reads every thread at each stop it prints
 * (see kstub_threads_all), which a user who wants "thread N" to reach a
 * sleeping thread accepts; "threads auto" goes back.
 */
static int threads_mode(struct kstub *ks, const char *args, size_t n)
{
	if (word_is(args, n, "all"))
		ks->threads_all = 1;
	else if (word_is(args, n, "auto"))
		ks->threads_all = 0;
	else if (n != 0)
		return KSTUB_EINVAL;
	if (kstub_threads_all(ks))
		say(ks, "kstub: every thread is listed\n");
	else
		say(ks, "kstub: only threads on CPUs are listed "
			"(monitor threads all lists every one)\n");
	return 0;
}

static void say_num(struct kstub *ks, uint32_t v)
{
	char buf[10];

	kstub_monitor_write(ks, buf, kstub_dec(buf, v));
}

/* The last roundup: how long it took, and who did not come. */
static void cpus_report(struct kstub *ks)
{
	say(ks, "kstub: ");
	say_num(ks, ks->ncpus);
	say(ks, " CPUs; the last stop parked all but ");
	say_num(ks, ks->roundup_missing);
	say(ks, " in ");
	say_num(ks, ks->roundup_us);
	say(ks, " us (bound ");
	say_num(ks, ks->cfg.roundup_timeout_ms);
	say(ks, " ms)\n");
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
	if (word_is(line, n, "agent"))
		return kstub_agent_monitor(ks, args, (size_t)(line + len - args));
	if (word_is(line, n, "cpus")) {
		cpus_report(ks);
		return 0;
	}
	if (word_is(line, n, "threads"))
		return threads_mode(ks, args, (size_t)(line + len - args));
	if (word_is(line, n, "reboot") && ks->cfg.port->reboot) {
		kstub_bp_remove_all(ks);
		ks->cfg.port->reboot(ks->cfg.port_ctx);
		return 0;
	}
	for (i = 0; i < ks->cfg.monitor_count; i++)
		if (word_is(line, n, ks->cfg.monitor[i].name))
			return ks->cfg.monitor[i].fn(ks, ks->cfg.port_ctx, args,
						     (size_t)(line + len - args));
	return MON_UNKNOWN;
}

/* What a command's KSTUB_E* means, in the words errno.h gives it. */
static const char *meaning(int err)
{
	static const struct {
		int err;
		const char *text;
	} words[] = {
		{ KSTUB_EPERM, "operation not permitted" },
		{ KSTUB_ENOENT, "no such entry" },
		{ KSTUB_ESRCH, "no such thread" },
		{ KSTUB_EIO, "input/output error" },
		{ KSTUB_E2BIG, "argument too long" },
		{ KSTUB_EFAULT, "bad address" },
		{ KSTUB_EBUSY, "busy" },
		{ KSTUB_EEXIST, "already exists" },
		{ KSTUB_EINVAL, "invalid argument" },
		{ KSTUB_ENOSPC, "no space left" },
		{ KSTUB_EROFS, "read-only" },
		{ KSTUB_ERANGE, "out of range" },
		{ KSTUB_EBADMSG, "malformed arguments" },
		{ KSTUB_ENOTSUP, "not supported" },
		{ KSTUB_ETIMEDOUT, "timed out" },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].err == err)
			return words[i].text;
	return "failed";
}

/*
 * The final reply of a command that failed: its message, hex-encoded,
 * which gdb prints as it prints command output (remote.c, remote_rcmd).
 * An "Exx" reply would read "Protocol error with Rcmd" there. The first
 * word of the line is still in scratch (a fault in the command does not
 * touch it). Returns 0: the reply is built.
 */
int kstub_monitor_fail(struct kstub *ks, int err, bool faulted)
{
	const char *line = (const char *)ks->scratch;
	size_t n = 0;

	while (n < ks->rcmd_len && line[n] != ' ')
		n++;
	kstub_tx_begin(ks);
	if (err == MON_UNKNOWN) {
		tx_text(ks, "kstub: unknown monitor command '");
		kstub_tx_hexstr(ks, line, n);
		tx_text(ks, "'; monitor help lists them\n");
		return 0;
	}
	tx_text(ks, "kstub: monitor ");
	kstub_tx_hexstr(ks, line, n);
	tx_text(ks, ": ");
	if (faulted) {
		/* recover.c stopped it: say so, the session goes on. */
		tx_text(ks, "faulted; the stub stopped it");
	} else {
		tx_text(ks, meaning(err));
	}
	tx_text(ks, "\n");
	return 0;
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
	ks->rcmd_len = (uint8_t)len;
	ks->in_rcmd = 1;
	err = run(ks, (const char *)ks->scratch, len);
	ks->in_rcmd = 0;
	if (err)
		return kstub_monitor_fail(ks, err, false);
	kstub_tx_begin(ks);
	kstub_tx_str(ks, "OK");
	return 0;
}
