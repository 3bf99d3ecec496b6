/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated mode's key file, read the same way by every hosted
 * program that holds the key (kstub-udp, kstub-sim --udp-key): 32 raw
 * bytes, or 64 hex digits and optional trailing white space, in a file
 * that neither group nor others may read or write (as ssh insists).
 */
#ifndef KSTUB_UDP_KEYFILE_H
#define KSTUB_UDP_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "kstub_udp_auth_proto.h"

/*
 * Read path into key. Returns 0, or -1 with err holding a sentence that
 * names the file and says what to do (key is wiped then).
 */
int kstub_udp_key_file_read(const char *path,
			    uint8_t key[KSTUB_UDP_AUTH_KEY_LEN], char *err,
			    size_t errlen);

#endif
