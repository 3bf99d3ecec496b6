/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Text for the debugger's console, as O packets: a monitor command's
 * output, and the kernel's console while gdb waits for it to stop.
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

int kstub_console_write(struct kstub *ks, const char *s, size_t len)
{
	int err;

	if (!ks->attached || !ks->waiting)
		return KSTUB_ENOTCONN;
	if (kstub_load(&ks->master) != KSTUB_CPU_NONE ||
	    !kstub_cas(&ks->poll_lock, 0, 1))
		return KSTUB_EBUSY;
	err = kstub_send_console(ks, s, len);
	kstub_store(&ks->poll_lock, 0);
	return err;
}
