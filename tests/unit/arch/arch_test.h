// SPDX-License-Identifier: BSD-2-Clause
/* Helpers shared by the arch suites: table sizes and a patterned frame. */
#ifndef ARCH_TEST_H
#define ARCH_TEST_H

#include <check.h>
#include <string.h>

#include "kstub_arch.h"

/* Every suite's constructor (the generated list main.c runs). */
#define SUITE(name) Suite *name##_suite(void);
#include "suites.def"
#undef SUITE

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Every byte of the frame distinct (mod 251) and nonzero, so a value read
 * from the wrong place, or a write that spills, shows up; every register
 * is marked valid and none read-only.
 */
static inline void frame_pattern(struct kstub_frame *f)
{
	unsigned char *p = (unsigned char *)f;
	size_t i;

	for (i = 0; i < sizeof(*f); i++)
		p[i] = (unsigned char)(1 + i % 251);
	f->valid[0] = ~0ull;
	f->valid[1] = ~0ull;
	f->ro[0] = 0;
	f->ro[1] = 0;
}

#endif /* ARCH_TEST_H */
