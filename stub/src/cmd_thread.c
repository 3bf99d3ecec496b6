/* SPDX-License-Identifier: BSD-2-Clause */
/* T, H, qC, qfThreadInfo/qsThreadInfo, qThreadExtraInfo. */
#include "kstub_int.h"

int kstub_cmd_T(struct kstub *ks, struct kstub_cur *a)
{
	uint64_t tid;
	bool all;
	int err = kstub_cur_tid(a, &tid, &all);

	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	if (all || !kstub_thread_exists(ks, tid))
		return KSTUB_ESRCH;
	kstub_tx_str(ks, "OK");
	return 0;
}

/*
 * Hg picks the thread whose registers g/p/G/P see; Hc the one c and s
 * resume, which must be on a stopped CPU: a sleeping kernel thread
 * cannot be stepped from here.
 */
int kstub_cmd_H(struct kstub *ks, struct kstub_cur *a)
{
	uint8_t op;
	uint64_t tid;
	bool all;
	int err;

	if (kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	op = *a->p++;
	if (op != 'g' && op != 'c')
		return KSTUB_ENOTSUP;
	err = kstub_cur_tid(a, &tid, &all);
	if (err)
		return err;
	if (!kstub_cur_eof(a))
		return KSTUB_EBADMSG;
	if (tid != 0 && !kstub_thread_exists(ks, tid))
		return KSTUB_ESRCH;
	if (op == 'c' && tid != 0 &&
	    kstub_tid_cpu(ks, tid) == KSTUB_CPU_NONE)
		return KSTUB_EPERM;
	if (op == 'g')
		ks->g_tid = tid;
	else
		ks->c_tid = tid;
	kstub_tx_str(ks, "OK");
	return 0;
}

int kstub_cmd_qC(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	kstub_tx_str(ks, "QC");
	kstub_tx_hexnum(ks, ks->stop.tid);
	return 0;
}

/*
 * As many ids as fit, "m1,2,3"; the next qsThreadInfo goes on from
 * there. The list is kstub_thread_list_next's: the threads on CPUs only,
 * in a kernel with very many.
 */
static int thread_list(struct kstub *ks, uint64_t pos)
{
	uint64_t tid, next = pos;
	bool first = true;

	while (kstub_tx_room(ks) > 18 &&
	       kstub_thread_list_next(ks, &next, &tid) == 0) {
		kstub_tx_putc(ks, first ? 'm' : ',');
		kstub_tx_hexnum(ks, tid);
		first = false;
		pos = next;
	}
	ks->list_cursor = pos;
	if (first)
		kstub_tx_putc(ks, 'l');
	return 0;
}

int kstub_cmd_thread_first(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	return thread_list(ks, 0);
}

int kstub_cmd_thread_more(struct kstub *ks, struct kstub_cur *a)
{
	(void)a;
	if (ks->list_cursor == 0) {
		kstub_tx_putc(ks, 'l');
		return 0;
	}
	return thread_list(ks, ks->list_cursor);
}

int kstub_cmd_thread_extra(struct kstub *ks, struct kstub_cur *a)
{
	struct kstub_thread_info info;
	uint64_t tid;
	bool all;
	int err;

	if (!kstub_cur_take(a, ','))
		return KSTUB_EBADMSG;
	err = kstub_cur_tid(a, &tid, &all);
	if (err)
		return err;
	if (all)
		return KSTUB_ESRCH;
	err = kstub_thread_info(ks, tid, &info);
	if (err)
		return err;
	kstub_tx_hexstr(ks, info.name, kstub_strlen(info.name));
	if (info.state[0]) {
		kstub_tx_hexstr(ks, ", ", 2);
		kstub_tx_hexstr(ks, info.state, kstub_strlen(info.state));
	}
	return 0;
}
