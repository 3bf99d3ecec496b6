/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * qXfer:features:read and qXfer:threads:read. Each document is generated
 * on the fly by an emitter that only copies the window gdb asked for, so
 * no document ever has to fit in memory; a first pass measures it to
 * choose between the 'm' (more follows) and 'l' (last) prefixes.
 */
#include "kstub_int.h"

struct window {
	struct kstub *ks;
	uint64_t pos;	/* document bytes produced so far */
	uint64_t off;	/* window start */
	uint64_t len;	/* window length */
	bool copy;	/* second pass: write the window into the reply */
	size_t room;	/* first pass: reply bytes left for the window */
};

static void emit(void *arg, const char *s, size_t n)
{
	struct window *w = arg;
	uint64_t end = w->off + w->len;
	size_t i;

	for (i = 0; i < n; i++, w->pos++) {
		if (w->pos < w->off || w->pos >= end)
			continue;
		if (w->copy) {
			kstub_tx_bin(w->ks, (const uint8_t *)&s[i], 1);
		} else {
			size_t c = kstub_tx_escaped((uint8_t)s[i]) ? 2 : 1;

			if (c > w->room) {
				w->len = w->pos - w->off; /* the rest waits */
				end = w->pos;
			} else {
				w->room -= c;
			}
		}
	}
}

static void emit_str(struct window *w, const char *s)
{
	emit(w, s, kstub_strlen(s));
}

static void emit_hex(struct window *w, uint64_t v)
{
	static const char hexdigits[] = "0123456789abcdef";
	char buf[16];
	unsigned n = 0;

	do
		buf[15 - n++] = hexdigits[v & 15];
	while ((v >>= 4) != 0);
	emit(w, buf + 16 - n, n);
}

size_t kstub_dec(char buf[10], uint32_t v)
{
	char tmp[10];
	size_t n = 0, i;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

/* gdb reads core="" as a decimal number (threads.dtd, parse_xml's int). */
static void emit_dec(struct window *w, uint32_t v)
{
	char buf[10];

	emit(w, buf, kstub_dec(buf, v));
}

/* Thread names come from the kernel: escape what XML would misread. */
static void emit_text(struct window *w, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			emit_str(w, "&lt;");
		else if (*s == '>')
			emit_str(w, "&gt;");
		else if (*s == '&')
			emit_str(w, "&amp;");
		else if (*s == '"')
			emit_str(w, "&quot;");
		else
			emit(w, s, 1);
	}
}

static void threads_xml(struct window *w)
{
	struct kstub_thread_info info;
	uint64_t tid, pos = 0;

	/*
	 * gdb re-reads this at every stop it prints: no XML declaration
	 * and no newlines, which neither gdb nor lldb needs.
	 */
	emit_str(w, "<threads>");
	while (kstub_thread_list_next(w->ks, &pos, &tid) == 0) {
		if (kstub_thread_info(w->ks, tid, &info))
			continue;
		emit_str(w, "<thread id=\"");
		emit_hex(w, tid);
		if (info.cpu != KSTUB_CPU_NONE) {
			emit_str(w, "\" core=\"");
			emit_dec(w, info.cpu);
		}
		emit_str(w, "\" name=\"");
		emit_text(w, info.name);
		emit_str(w, "\">");
		emit_text(w, info.state);
		emit_str(w, "</thread>");
	}
	emit_str(w, "</threads>");
}

static void features_xml(struct window *w)
{
	kstub_arch_target_xml(emit, w);
}

static int xfer_window(struct kstub *ks, void (*doc)(struct window *),
		       uint64_t off, uint64_t len)
{
	struct window w = { .ks = ks, .off = off, .len = len };
	size_t room = kstub_tx_room(ks);
	uint64_t total;

	/*
	 * The first pass measures the document and keeps as much of the
	 * window as the reply holds after its one-byte prefix, escapes
	 * counted exactly (they are rare in XML); gdb asks again for the
	 * rest.
	 */
	w.room = room > 0 ? room - 1 : 0;
	doc(&w);
	total = w.pos;
	if (off >= total) {
		kstub_tx_putc(ks, 'l');
		return 0;
	}
	if (w.len == 0)
		return KSTUB_E2BIG;
	kstub_tx_putc(ks, off + w.len >= total ? 'l' : 'm');
	w.pos = 0;
	w.copy = true;
	doc(&w);
	return 0;
}

/* qXfer:<object>:read:<annex>:<offset>,<length> */
int kstub_cmd_xfer(struct kstub *ks, struct kstub_cur *a)
{
	void (*doc)(struct window *);
	uint64_t off, len;
	int err;

	if (kstub_cur_skip_str(a, ":features:read:")) {
		if (!kstub_cur_skip_str(a, "target.xml:"))
			return KSTUB_EINVAL;
		doc = features_xml;
	} else if (kstub_cur_skip_str(a, ":threads:read::")) {
		doc = threads_xml;
	} else {
		return KSTUB_ENOTSUP;
	}
	err = kstub_cur_hex(a, &off);
	if (err)
		return err;
	if (!kstub_cur_take(a, ','))
		return KSTUB_EBADMSG;
	err = kstub_cur_hex(a, &len);
	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	return xfer_window(ks, doc, off, len);
}
