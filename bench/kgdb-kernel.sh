#!/bin/sh
# Build, once, the Linux kernel that make bench compares kstub against:
# Debian's linux-source-6.1 cut down to tinyconfig plus kgdb over the 8250
# serial driver (Debian's packaged kernel has no CONFIG_KGDB). The result
# is cached outside the tree, so only the first make bench pays the ~15
# minutes; prints the cache directory (bzImage, vmlinux) on stdout.
#
#   bench/kgdb-kernel.sh [--check]   --check: only say whether it is built
set -eu

CACHE=${KSTUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kstub}/linux-kgdb
if [ -f "$CACHE/bzImage" ] && [ -f "$CACHE/vmlinux" ]; then
	echo "$CACHE"
	exit 0
fi
[ "${1:-}" = "--check" ] && exit 1

need="linux-source-6.1 flex bison bc libelf-dev libssl-dev xz-utils"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get install -y --no-install-recommends $missing >&2 || {
		$SUDO apt-get update >&2
		$SUDO apt-get install -y --no-install-recommends $missing >&2
	}
fi

src=$(ls /usr/src/linux-source-6.1.tar.* | head -n 1)
work="$CACHE.build"
mkdir -p "$work"
if [ ! -f "$work/linux/Makefile" ]; then
	echo "kgdb-kernel: unpacking $src" >&2
	rm -rf "$work/linux"
	mkdir -p "$work/linux"
	tar -xf "$src" -C "$work/linux" --strip-components=1
fi
cd "$work/linux"

# tinyconfig, then what a kgdb session over a serial line needs: the tty
# layer and VT (kgdboc's HW_CONSOLE dependency), the 8250 with console
# polling, kgdb itself, debug info and frame pointers for gdb, and no
# KASLR so the symbols match without a slide.
make -s ARCH=x86_64 tinyconfig >&2
./scripts/config \
	-e 64BIT -e PRINTK -e TTY -e VT -e VT_CONSOLE -e SERIAL_8250 \
	-e SERIAL_8250_CONSOLE -e DEBUG_KERNEL -e KGDB -e KGDB_SERIAL_CONSOLE \
	-e CONSOLE_POLL -e MAGIC_SYSRQ -e DEBUG_INFO \
	-e DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -e FRAME_POINTER \
	-e UNWINDER_FRAME_POINTER -d UNWINDER_ORC -d RANDOMIZE_BASE \
	-e BINFMT_ELF -e BLK_DEV_INITRD -e PROC_FS -e SYSFS \
	--set-val SERIAL_8250_NR_UARTS 4 --set-val SERIAL_8250_RUNTIME_UARTS 4
make -s ARCH=x86_64 olddefconfig >&2
for opt in KGDB KGDB_SERIAL_CONSOLE SERIAL_8250_CONSOLE DEBUG_INFO; do
	grep -q "^CONFIG_$opt=y" .config || {
		echo "kgdb-kernel: CONFIG_$opt did not stick" >&2
		exit 1
	}
done
echo "kgdb-kernel: building (about 15 minutes on two cores)" >&2
make -s ARCH=x86_64 -j"$(nproc)" bzImage >&2
mkdir -p "$CACHE"
cp arch/x86/boot/bzImage vmlinux "$CACHE/"
echo "$CACHE"
