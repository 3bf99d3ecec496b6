#!/bin/sh
# Install, from Debian's archive, whatever kstub's build and tests need
# and this machine lacks. Idempotent: it asks apt only for missing
# packages, so a second run does nothing. Shared by make demo/check and CI.
set -eu

cd "$(dirname "$0")/.."
# The Linux port's one kernel ABI (ports/linux/abi.mk): its headers build
# kstub.ko, its image boots in the e2e tests.
ABI=$(sed -n 's/^KSTUB_LINUX_ABI *= *//p' ports/linux/abi.mk)

PKGS="gcc make binutils pkg-config check libpcap-dev socat gdb lldb
python3-lldb-14 python3 qemu-system-x86 clang libclang-rt-14-dev iproute2
procps linux-headers-$ABI busybox-static python3-matplotlib ethtool
iputils-ping"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# The kernel image is not installed (that would run initramfs and
# bootloader hooks for a kernel this machine never boots): its vmlinuz
# is unpacked from the downloaded package into build/linux.
kernel_image() {
	img="build/linux/vmlinuz-$ABI"
	[ -s "$img" ] && return 0
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "deps: fetching linux-image-$ABI for its vmlinuz"
	(cd "$tmp" && apt-get download "linux-image-$ABI" ||
		{ $SUDO apt-get update && apt-get download "linux-image-$ABI"; })
	mkdir -p build/linux
	dpkg-deb --fsys-tarfile "$tmp"/linux-image-"$ABI"_*.deb |
		tar -xO "./boot/vmlinuz-$ABI" > "$img.tmp"
	mv "$img.tmp" "$img"
}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	kernel_image
	exit 0
fi

echo "deps: installing$missing"
# A fresh image may have no package lists yet; update only when needed.
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
kernel_image
