#!/bin/sh
# Install, from Debian's archive, whatever kstub's build and tests need
# and this machine lacks. Idempotent: it asks apt only for missing
# packages, so a second run does nothing. Shared by make demo/check and CI.
set -eu

PKGS="gcc make binutils pkg-config check libpcap-dev socat gdb lldb
python3-lldb-14 python3 qemu-system-x86 clang libclang-rt-14-dev iproute2
procps"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# A fresh image may have no package lists yet; update only when needed.
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
