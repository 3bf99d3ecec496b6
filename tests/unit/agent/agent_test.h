/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the agent suites share: the fake machines (tests/fakes/agent_fake.h
 * filled with the values the captured gdb expressions read) and table
 * helpers.
 */
#ifndef AGENT_TEST_H
#define AGENT_TEST_H

#include <check.h>

#include "agent.h"
#include "agent_fake.h"	/* tests/fakes */

#define RSP 0x7ff000ull		/* mode at RSP-36, path at RSP-32 */
#define STR 0x500000ull		/* path: "/tmp/kstub" on A, "/x" on B */
#define PROC1 0x510000ull	/* allproc */
#define PROC2 0x510100ull

/* Machine A (b = 0) makes most captured conditions true, B most false. */
void agent_machine(struct fake_machine *m, int b);

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* A byte table row: the bytes and their count. */
#define C(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })
/* const64 v */
#define K64(v) 0x25, (uint8_t)((v) >> 56), (uint8_t)((v) >> 48), \
	(uint8_t)((v) >> 40), (uint8_t)((v) >> 32), (uint8_t)((v) >> 24), \
	(uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

Suite *agent_suite(void);
Suite *agent_eval_suite(void);

#endif /* AGENT_TEST_H */
