/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The whole session: arbitrary bytes from "gdb" after a trap. The first
 * byte picks the trap (breakpoint, debug, break-in, page fault).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_target.h"
#include "kstub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint32_t vectors[] = { KSTUB_TRAP_BREAKIN, KSTUB_TRAP_BP,
					    KSTUB_TRAP_DB, KSTUB_TRAP_PF };

	if (len == 0)
		return 0;
	fuzz_session(data + 1, len - 1, vectors[data[0] % 4]);
	return 0;
}
