#!/bin/sh
# Prove that the freestanding objects are fit for a kernel: the only
# symbols they need are memcpy/memset/memmove/memcmp (GCC may emit those
# in any freestanding program), and every global they define is kstub_*.
set -eu
status=0
for obj in "$@"; do
	undef=$(nm -u "$obj" | awk '{print $2}' |
		grep -v -x -E 'memcpy|memset|memmove|memcmp' || true)
	if [ -n "$undef" ]; then
		echo "$obj: undefined symbols beyond mem*: $undef" >&2
		status=1
	fi
	bad=$(nm -g --defined-only "$obj" | awk '{print $3}' |
		grep -v '^kstub_' || true)
	if [ -n "$bad" ]; then
		echo "$obj: globals without the kstub_ prefix: $bad" >&2
		status=1
	fi
	echo "$obj: ok (undefined: $(nm -u "$obj" | awk '{print $2}' | tr '\n' ' '))"
done
exit $status
