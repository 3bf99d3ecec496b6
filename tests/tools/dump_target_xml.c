// SPDX-License-Identifier: BSD-2-Clause
/*
 * Prints the stub's target.xml to stdout, so tests/arch/check_tdesc.sh
 * can hand it to a real gdb (and lldb) without a target.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kstub_arch.h"

static void emit_stdout(void *arg, const char *s, size_t len)
{
	int *failed = arg;

	if (fwrite(s, 1, len, stdout) != len)
		*failed = 1;
}

int main(void)
{
	int failed = 0;

	kstub_arch_target_xml(emit_stdout, &failed);
	if (fflush(stdout) != 0)
		failed = 1;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
