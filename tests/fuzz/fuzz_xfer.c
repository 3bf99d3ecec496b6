/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * qXfer windows: offsets and lengths from the fuzzer (near zero, near
 * the document's end, huge), for both documents, in one session. The
 * first byte picks the link and buffer size (FT_CFG_RELIABLE, _PACKET,
 * _BIGBUF); then 17-byte records: object and ranges, offset, length.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_target.h"
#include "kstub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static size_t packet(char *out, size_t room, const char *body)
{
	return (size_t)snprintf(out, room, "$%s#%02x", body,
				fx_rsp_checksum(body, strlen(body)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const objects[] = {
		"features:read:target.xml", "threads:read:",
		"features:read:other.xml", "threads:write:",
	};
	char stream[8192], body[128];
	size_t n = 1;
	uint64_t off, want;

	if (len == 0)
		return 0;
	stream[0] = (char)(data[0] & (FT_CFG_RELIABLE | FT_CFG_PACKET |
				      FT_CFG_BIGBUF));
	data++;
	len--;
	while (len >= 17 && n < sizeof(stream) - 256) {
		memcpy(&off, data + 1, 8);
		memcpy(&want, data + 9, 8);
		/* Mostly small values, so windows land inside the document. */
		if (!(data[0] & 0x10))
			off %= 9000;
		if (!(data[0] & 0x20))
			want %= 5000;
		snprintf(body, sizeof(body), "qXfer:%s:%llx,%llx",
			 objects[data[0] & 3], (unsigned long long)off,
			 (unsigned long long)want);
		n += packet(stream + n, sizeof(stream) - n, body);
		stream[n++] = '+';
		data += 17;
		len -= 17;
	}
	fuzz_session((const uint8_t *)stream, n);
	return 0;
}
