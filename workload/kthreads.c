/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A crowd of kernel threads (hostsim --kthreads N), as a server kernel
 * has thousands: each sleeps for good in one of a few subsystems, at a
 * different call depth, so that their backtraces differ and a debugger
 * that lists or unwinds them does real work. Nothing wakes them.
 */
#include "workload.h"

#include "kern.h"

static unsigned crowd_want;
static unsigned crowd_asleep;
/* One channel per subsystem: nobody ever calls wakeup() on them. */
static int chan_bio, chan_net, chan_vm;

/* noinline: each is its own frame in the sleeper's backtrace. */
static __attribute__((noinline)) void crowd_sleep(const void *chan,
						  const char *wmesg)
{
	/* The last one to sleep says so: tests and bench wait for it. */
	if (__atomic_add_fetch(&crowd_asleep, 1, __ATOMIC_ACQ_REL) ==
	    crowd_want)
		kprintf("kthreads: %u asleep\n", crowd_want);
	for (;;)
		tsleep(chan, wmesg);
}

static __attribute__((noinline)) void bio_wait(void)
{
	crowd_sleep(&chan_bio, "biord");
}

static __attribute__((noinline)) void soreceive_wait(void)
{
	crowd_sleep(&chan_net, "sbwait");
}

static __attribute__((noinline)) void vm_fault_wait(void)
{
	crowd_sleep(&chan_vm, "vmwait");
}

/* One frame deeper than the others. */
static __attribute__((noinline)) void vm_pageout_scan(void)
{
	vm_fault_wait();
}

static void crowd_thread(void *arg)
{
	switch ((unsigned long)arg % 4) {
	case 0:
		bio_wait();
		break;
	case 1:
		soreceive_wait();
		break;
	case 2:
		vm_fault_wait();
		break;
	default:
		vm_pageout_scan();
		break;
	}
}

static void put_num(char *buf, size_t *i, unsigned long n)
{
	char digits[20];
	size_t k = 0;

	do
		digits[k++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (k > 0)
		buf[(*i)++] = digits[--k];
}

int workload_kthreads(unsigned n)
{
	static const char *const prefix[4] = { "kbio/", "knet/", "kvm/",
					       "kpageout/" };
	unsigned long i;

	crowd_want = n;
	for (i = 0; i < n; i++) {
		char name[24];
		const char *p = prefix[i % 4];
		size_t k = 0;

		while (*p)
			name[k++] = *p++;
		put_num(name, &k, i);
		name[k] = 0;
		if (kthread_create(name, crowd_thread, (void *)i))
			return -1;
	}
	return 0;
}
