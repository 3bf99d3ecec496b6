/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whole sessions from raw wire bytes: the first byte is the FT_CFG_*
 * configuration (first trap, link kind, timeouts, buffer size, port
 * hooks), the rest what "gdb" sends, link escapes included. Every input
 * passes the framer first; fuzz_bodies.c skips it to reach deeper.
 */
#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	fuzz_session(data, len);
	return 0;
}
