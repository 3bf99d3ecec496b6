/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The core suites' fixture: the shared fake machine (tests/fakes/
 * fake_machine.h: struct fx, fx_new, fx_cmd, fx_trap, fx_parse, FX_*)
 * with Check reporting its failures, and helpers of the core suites.
 */
#ifndef CORE_FIXTURE_H
#define CORE_FIXTURE_H

#include "fake_machine.h"

/* A link that never loses bytes: replies are buffer-sized at once. */
extern const struct fx_opts fx_reliable;

/*
 * "G" and a fresh fixture's g reply (malloc'd): a G that writes every
 * register back as it is, for tests to edit. Offsets in its text:
 */
char *fx_g_image(void);
#define FX_G_CS (1 + 17 * 16 + 8)	/* 17 regs of 16 digits, eflags */
#define FX_G_DS (FX_G_CS + 16)

/*
 * A second CPU as a thread: pthread_create(&t, NULL, fx_cpu_park_once,
 * &cpu) stands for CPU 1 taking the roundup's "NMI" once. Until a
 * roundup asks for it, the NMI is not the stub's (KSTUB_EPASS) and it
 * asks again; ret is what kstub_cpu_park() returned when it was let go.
 */
struct fx_cpu {
	struct fx *fx;
	struct kstub_frame frame;
	int ret;
};
void *fx_cpu_park_once(void *cpu);

#endif
