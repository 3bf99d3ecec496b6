// SPDX-License-Identifier: BSD-2-Clause
/*
 * The NIC model's wire: a real kernel interface (a veth end in a network
 * namespace, in the tests) through libpcap. One capture handle feeds the
 * RX ring from a thread of its own, as a NIC's receive DMA runs whatever
 * the CPUs do; a second handle only transmits, because a pcap_t may not
 * be used by two threads at once.
 */
#include "nic_pcap.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <pcap/pcap.h>

/* The RX thread's poll: a wire this quiet releases a held-back frame. */
#define QUIET_MS 20
/*
 * After a frame the RX thread keeps looking this long before it sleeps
 * in poll() again: a debugger's next request follows its ack within
 * tens of microseconds, and a wake-up from poll() costs as much again
 * on a busy host. A NIC's receive engine does not sleep either.
 */
#define BUSY_NS 300000ll

struct hs_nic_pcap {
	struct hs_nic *nic;
	pcap_t *rx, *tx;
	pthread_t thread;
};

static int wire_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct hs_nic_pcap *p = ctx;

	return pcap_inject(p->tx, frame, len) == (int)len ? 0 : -1;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h,
		     const u_char *bytes)
{
	struct hs_nic_pcap *p = (struct hs_nic_pcap *)user;

	hs_nic_wire_in(p->nic, bytes, h->caplen, h->len);
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Frames that come within BUSY_NS of the last: taken without a sleep. */
static int keep_looking(struct hs_nic_pcap *p)
{
	long long until = mono_ns() + BUSY_NS;
	int n;

	while (mono_ns() < until) {
		n = pcap_dispatch(p->rx, -1, on_frame, (u_char *)p);
		if (n < 0)
			return -1;
		if (n > 0)
			until = mono_ns() + BUSY_NS;
		else
			sched_yield();
	}
	return 0;
}

static void *rx_main(void *arg)
{
	struct hs_nic_pcap *p = arg;
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(p->rx),
			      .events = POLLIN };

	prctl(PR_SET_NAME, "nic-rx");
	for (;;) {
		int r = poll(&pfd, 1, QUIET_MS);

		if (r < 0 && errno != EINTR)
			break;
		if (r == 0) {
			hs_nic_wire_idle(p->nic);
			continue;
		}
		if (pcap_dispatch(p->rx, -1, on_frame, (u_char *)p) < 0)
			break;
		if (keep_looking(p) < 0)
			break;
	}
	fprintf(stderr, "kstub-sim: nic: capture failed: %s\n",
		pcap_geterr(p->rx));
	return NULL;
}

/*
 * Immediate mode: each frame is handed over as it arrives, not when a
 * buffer block fills or times out (TPACKET_V3 would add milliseconds to
 * every round trip).
 */
static pcap_t *open_handle(const char *ifname, int bufsize, char *err,
			   size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h = pcap_create(ifname, ebuf);
	int r;

	if (!h) {
		snprintf(err, errlen, "%s", ebuf);
		return NULL;
	}
	pcap_set_snaplen(h, HS_NIC_FRAME_MAX);
	pcap_set_promisc(h, 1);
	pcap_set_immediate_mode(h, 1);
	pcap_set_buffer_size(h, bufsize);
	r = pcap_activate(h);
	if (r < 0) {
		snprintf(err, errlen, "%s%s%s", pcap_statustostr(r),
			 *pcap_geterr(h) ? ": " : "", pcap_geterr(h));
		pcap_close(h);
		return NULL;
	}
	return h;
}

/* The transmit handle must not capture: a filter that takes nothing. */
static int capture_nothing(pcap_t *h, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(h, &prog, "less 1", 1, PCAP_NETMASK_UNKNOWN) ||
	    pcap_setfilter(h, &prog)) {
		snprintf(err, errlen, "filter: %s", pcap_geterr(h));
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

int hs_nic_pcap_open(struct hs_nic_pcap **out, struct hs_nic *nic,
		     struct hs_nic_config *cfg, const char *ifname, char *err,
		     size_t errlen)
{
	struct hs_nic_pcap *p = calloc(1, sizeof(*p));
	sigset_t all, old;
	int rc;

	if (!p) {
		snprintf(err, errlen, "no memory");
		return -1;
	}
	p->nic = nic;
	p->rx = open_handle(ifname, 1 << 20, err, errlen);
	if (!p->rx)
		goto fail;
	/* A NIC does not receive what it transmits itself. */
	if (pcap_setdirection(p->rx, PCAP_D_IN) ||
	    pcap_setnonblock(p->rx, 1, err) ||
	    pcap_datalink(p->rx) != DLT_EN10MB) {
		snprintf(err, errlen, "%s is not an Ethernet interface that "
			 "can be read inbound only", ifname);
		goto fail;
	}
	p->tx = open_handle(ifname, 1 << 16, err, errlen);
	if (!p->tx || capture_nothing(p->tx, err, errlen))
		goto fail;
	cfg->wire_send = wire_send;
	cfg->wire_ctx = p;
	if (hs_nic_init(nic, cfg, err, errlen))
		goto fail;
	/* The machine's signals go to CPUs, never to the wire's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->thread, NULL, rx_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "RX thread: %s", strerror(rc));
		hs_nic_fini(nic);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	if (p->tx)
		pcap_close(p->tx);
	if (p->rx)
		pcap_close(p->rx);
	free(p);
	return -1;
}
