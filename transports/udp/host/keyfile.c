// SPDX-License-Identifier: BSD-2-Clause
/* The key file (keyfile.h), shared by kstub-udp and kstub-sim. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "kstub_int.h" /* kstub_hexval: the stub's own hex digit */

int kstub_udp_key_file_read(const char *path,
			    uint8_t key[KSTUB_UDP_AUTH_KEY_LEN], char *err,
			    size_t errlen)
{
	/* Room for more than a hex key, so an over-long file is seen. */
	uint8_t raw[160];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open key file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat key file %s: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "key file %s is accessible by group or others (mode "
			 "%04o); refusing it: run chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	n = read(fd, raw, sizeof(raw));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read key file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (n == KSTUB_UDP_AUTH_KEY_LEN) {
		memcpy(key, raw, KSTUB_UDP_AUTH_KEY_LEN);
		explicit_bzero(raw, sizeof(raw));
		return 0;
	}
	while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r' ||
			 raw[n - 1] == ' '))
		n--;
	if (n != 2 * KSTUB_UDP_AUTH_KEY_LEN)
		goto bad;
	for (int i = 0; i < KSTUB_UDP_AUTH_KEY_LEN; i++) {
		int hi = kstub_hexval(raw[2 * i]),
		    lo = kstub_hexval(raw[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	explicit_bzero(raw, sizeof(raw));
	return 0;
bad:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(key, KSTUB_UDP_AUTH_KEY_LEN);
	snprintf(err, errlen,
		 "malformed key file %s: expected 32 raw bytes or 64 hex "
		 "digits (make one: head -c 32 /dev/urandom > %s; chmod 600 "
		 "%s)",
		 path, path, path);
	return -1;
}
