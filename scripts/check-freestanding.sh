#!/bin/sh
# Prove that the freestanding objects are fit for a kernel: the only
# symbols they need are memcpy/memset/memmove/memcmp (GCC may emit those
# in any freestanding program) and the stub's own public API (a transport
# may call kstub.h, e.g. kstub_monitor_write for its monitor command; the
# kernel links kstub.o with it), and every global they define is kstub_*.
set -eu
status=0
provided=$(for obj in "$@"; do nm -g --defined-only "$obj"; done |
	awk '$3 ~ /^kstub_/ {print $3}' | sort -u)
for obj in "$@"; do
	undef=$(nm -u "$obj" | awk '{print $2}' |
		grep -v -x -E 'memcpy|memset|memmove|memcmp' |
		grep -v -x -F "$provided" || true)
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
