/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers for the UART model's tests: the far end's side of the cable
 * (connect, pump bytes in a thread with timestamps) and the kernel's side
 * (the real kstub serial driver on the model's registers). Waits are
 * conditions with deadlines, never sleeps that stand in for an event.
 */
#ifndef MODEL_UTIL_H
#define MODEL_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstub_serial.h"
#include "uart.h"

uint64_t mu_now_ns(void);
void mu_pause(void); /* one polling step of a deadline wait (50 us) */

/* Evaluate cond until it holds or secs pass; yields its last value. */
#define MU_WAIT(cond, secs)                                                  \
	({                                                                   \
		uint64_t mu_end_ = mu_now_ns() + (uint64_t)((secs) * 1e9);   \
		bool mu_ok_;                                                 \
		while (!(mu_ok_ = (cond)) && mu_now_ns() < mu_end_)          \
			mu_pause();                                          \
		mu_ok_;                                                      \
	})

/* Open a model or fail the test with its message. */
struct hs_uart *mu_open(const struct hs_uart_config *cfg);

/* A fresh temporary directory's path + "/ttyS0" (removed by mu_rmdir). */
const char *mu_tmp_path(void);
void mu_rmdir(void);

/* Far end: connect to what hs_uart_where() names (tcp or pty path). */
int mu_connect(struct hs_uart *u);
bool mu_dcd(struct hs_uart *u);

/* The kernel side: struct kstub_serial on the model, 115200 8N1. */
void mu_kernel_init(struct kstub_serial *s, struct hs_uart *u, unsigned fl);
/* Receive n bytes through the driver; stamps of first and last byte. */
size_t mu_kernel_recv(struct kstub_serial *s, uint8_t *buf, size_t n,
		      double secs, uint64_t *t_first, uint64_t *t_last);

/* A thread that reads (or writes) len bytes on the far end's fd. */
struct mu_pump {
	int fd;
	bool writer;
	uint8_t *buf;
	size_t len, done;
	double secs;
	uint64_t t_first, t_last;
	_Atomic bool stop;	/* ask the thread to return early */
	pthread_t th;
};
void mu_pump_start(struct mu_pump *p);
size_t mu_pump_join(struct mu_pump *p);

void mu_fill(uint8_t *buf, size_t len, uint32_t seed);

#endif /* MODEL_UTIL_H */
