// SPDX-License-Identifier: BSD-2-Clause
/*
 * Trap vector to gdb signal number (stop.c). The numbers are gdb's remote
 * ones (gdb/signals.def), written here as literals on purpose.
 */
#include <check.h>
#include <stdint.h>

#include "arch_test.h"

static const struct {
	uint32_t vector;
	uint8_t signo;
} sig_rows[] = {
	{ 0, 8 },	/* #DE SIGFPE */
	{ 1, 5 },	/* #DB SIGTRAP */
	{ 2, 2 },	/* NMI SIGINT */
	{ 3, 5 },	/* #BP SIGTRAP */
	{ 4, 11 },	/* #OF SIGSEGV */
	{ 5, 11 },	/* #BR */
	{ 6, 4 },	/* #UD SIGILL */
	{ 7, 8 },	/* #NM SIGFPE */
	{ 8, 11 },	/* #DF */
	{ 9, 8 },	/* x87 segment overrun */
	{ 10, 11 },	/* #TS */
	{ 11, 11 },	/* #NP */
	{ 12, 11 },	/* #SS */
	{ 13, 11 },	/* #GP */
	{ 14, 11 },	/* #PF */
	{ 15, 11 },	/* reserved */
	{ 16, 8 },	/* #MF */
	{ 17, 10 },	/* #AC SIGBUS: gdb's 10, not Linux's 7 */
	{ 18, 10 },	/* #MC */
	{ 19, 8 },	/* #XM */
	{ 20, 11 },	/* #VE */
	{ 21, 11 },	/* #CP */
	{ 22, 11 },
	{ 31, 11 },
	{ 32, 11 },	/* an interrupt vector */
	{ 255, 11 },
	{ KSTUB_TRAP_BREAKIN, 2 },
	{ KSTUB_TRAP_PANIC, 6 },
	{ 0x102, 11 },
	{ 0xffffffffu, 11 },
};

START_TEST(signal_row)
{
	ck_assert_uint_eq(kstub_arch_signal(sig_rows[_i].vector),
			  sig_rows[_i].signo);
}
END_TEST

/* The frame header's named vectors agree with the SDM's numbers. */
START_TEST(named_vectors)
{
	ck_assert_uint_eq(kstub_arch_signal(KSTUB_TRAP_DE), 8);
	ck_assert_uint_eq(kstub_arch_signal(KSTUB_TRAP_DB), 5);
	ck_assert_uint_eq(kstub_arch_signal(KSTUB_TRAP_BP), 5);
	ck_assert_uint_eq(kstub_arch_signal(KSTUB_TRAP_UD), 4);
	ck_assert_uint_eq(kstub_arch_signal(KSTUB_TRAP_GP), 11);
	ck_assert_uint_eq(kstub_arch_signal(KSTUB_TRAP_PF), 11);
	ck_assert_uint_eq(kstub_arch_signal(KSTUB_TRAP_NMI), 2);
}
END_TEST

Suite *arch_stop_suite(void)
{
	Suite *s = suite_create("arch_stop");
	TCase *tc = tcase_create("signal");

	tcase_add_loop_test(tc, signal_row, 0, NELEM(sig_rows));
	tcase_add_test(tc, named_vectors);
	suite_add_tcase(s, tc);
	return s;
}
