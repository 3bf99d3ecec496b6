#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Print the directory holding lldb's Python package (what lldb's own
# scripting needs on PYTHONPATH), or nothing when there is no lldb or
# no package: the callers then run lldb as it is. Asked of lldb itself
# (lldb -P), so a new lldb or another distribution needs no edit here.
command -v lldb >/dev/null 2>&1 || exit 0
dir=$(timeout 20 lldb -P 2>/dev/null) || exit 0
if [ -f "$dir/lldb/__init__.py" ]; then
	echo "$dir"
	exit 0
fi
# Debian 12's lldb 14 answers /usr/lib/local/lib/python3.11/dist-packages,
# which does not exist; the package is at the same python3.X/dist-packages
# under the prefix the lldb binary lives in (/usr/lib/llvm-14).
prefix=$(dirname "$(dirname "$(readlink -f "$(command -v lldb)")")")
dir="$prefix/lib/${dir##*/lib/}"
[ -f "$dir/lldb/__init__.py" ] && echo "$dir"
exit 0
