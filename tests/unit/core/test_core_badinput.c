// SPDX-License-Identifier: BSD-2-Clause
/* placeholder */
#include <check.h>
Suite *core_badinput_suite(void);
Suite *core_badinput_suite(void)
{
	return suite_create("core_badinput");
}
