#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Hand the stub's target.xml to the real gdb and lldb and check that they
# take it as an amd64 description with all 72 registers at our numbers
# and sizes:
#   1. gdb offline: "set tdesc filename", then the remote register map
#      (remote number, size, g offset) of every register;
#   2. gdb and lldb online, against tests/arch/fake_remote.py, which
#      serves the same file over qXfer:features:read and a known register
#      image, so the values they print show the layout is read right.
# usage: tests/arch/check_tdesc.sh [dump-target-xml binary]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dump=${1:-build/dump-target-xml}
tmp=$(mktemp -d)
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() {
	echo "check_tdesc: FAIL: $*" >&2
	exit 1
}

"$dump" >"$tmp/target.xml" || fail "$dump did not run"
if command -v xmllint >/dev/null; then
	xmllint --noout "$tmp/target.xml" ||
		fail "target.xml is not well formed"
fi

# "name regnum bytes" for every <reg>, in regnum order: what we promise.
python3 - "$tmp/target.xml" >"$tmp/want" <<'EOF'
import sys
import xml.etree.ElementTree as ET
# gdb's rule: a reg without regnum is the previous one's plus one.
regs, num = [], -1
for r in ET.parse(sys.argv[1]).iter("reg"):
    num = int(r.get("regnum", num + 1))
    regs.append((num, r.get("name"), int(r.get("bitsize")) // 8))
for num, name, size in sorted(regs):
    print(name, num, size)
EOF
# The numbering is enum kstub_regno's, written out here once more so a
# mistake in the stub's table cannot hide behind the XML it generates.
names="rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 rip
eflags cs ss ds es fs gs st0 st1 st2 st3 st4 st5 st6 st7 fctrl fstat ftag
fiseg fioff foseg fooff fop xmm0 xmm1 xmm2 xmm3 xmm4 xmm5 xmm6 xmm7 xmm8
xmm9 xmm10 xmm11 xmm12 xmm13 xmm14 xmm15 mxcsr fs_base gs_base k_gs_base
cr0 cr2 cr3 cr4 cr8 efer dr0 dr1 dr2 dr3 dr6 dr7"
echo $names | tr ' ' '\n' | awk '{ print $1, NR - 1 }' >"$tmp/names"
awk '{ print $1, $2 }' "$tmp/want" | diff "$tmp/names" - ||
	fail "target.xml registers are not kstub_regno's (< enum, > xml)"

# Sizes that follow from the x86 architecture, not from our table.
for pair in rip:8 eflags:4 cs:4 st0:10 fctrl:4 xmm0:16 mxcsr:4 \
	fs_base:8 k_gs_base:8 cr3:8 dr7:8; do
	grep -q "^${pair%%:*} [0-9]* ${pair##*:}\$" "$tmp/want" ||
		fail "${pair%%:*} is not ${pair##*:} bytes in target.xml"
done

# ---- 1. gdb, offline ----
gdb -nx -batch -ex "set tdesc filename $tmp/target.xml" \
	-ex 'show architecture' -ex 'maint print remote-registers' \
	>"$tmp/gdb1" 2>&1 || fail "gdb exited with an error: $(cat "$tmp/gdb1")"
grep -q 'currently "i386:x86-64"' "$tmp/gdb1" ||
	fail "gdb did not select i386:x86-64: $(head -3 "$tmp/gdb1")"
# Columns: Name Nr Rel Offset Size Type RemoteNr gOffset; keep the rows
# that have a remote number (the real registers, not gdb's pseudo ones).
awk 'NF == 8 && $7 ~ /^[0-9]+$/ { print $1, $7, $5, $8 }' "$tmp/gdb1" |
	sort -n -k2 >"$tmp/got"
awk '{ print $1, $2, $3 }' "$tmp/got" | diff "$tmp/want" - ||
	fail "gdb's register map differs from target.xml (< ours, > gdb's)"
# gdb numbers the registers its amd64 code validated (features core and
# sse) with its own amd64 numbers, which equal ours for 0..56; anything it
# did not recognise would be appended after its own registers instead.
awk 'NF == 8 && $7 ~ /^[0-9]+$/ && $7 <= 56 && $2 != $7 { print; bad = 1 }
     END { exit bad }' "$tmp/gdb1" ||
	fail "gdb did not take core/sse registers as amd64's own"
awk 'BEGIN { off = 0 }
     $4 != off { print "g offset of " $1 " is " $4 ", want " off; exit 1 }
     { off += $3 }
     END { if (off != 656) { print "g packet is " off " bytes"; exit 1 } }' \
	"$tmp/got" || fail "gdb's g packet layout is not contiguous"
echo "check_tdesc: gdb (offline): i386:x86-64, 72 registers, g = 656 bytes"

# ---- 2. gdb and lldb, online against the fake target ----
start_server() {
	rm -f "$tmp/port"
	python3 "$here/fake_remote.py" "$tmp/target.xml" "$tmp/port" &
	server=$!
	i=0
	while [ ! -s "$tmp/port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "fake_remote did not start"
		sleep 0.1
	done
	port=$(cat "$tmp/port")
}

stop_server() {
	wait "$server" 2>/dev/null || true
	server=""
}

expect() {	# file, fixed string, what it means
	grep -qF -- "$2" "$1" || fail "$3: no '$2' in $(cat "$1")"
}

start_server
timeout 60 gdb -nx -batch -ex "target remote 127.0.0.1:$port" \
	-ex 'show architecture' \
	-ex 'echo rip=' -ex 'output/x $rip' -ex 'echo \n' \
	-ex 'echo eflags=' -ex 'output $eflags' -ex 'echo \n' \
	-ex 'echo st0=' -ex 'output $st0' -ex 'echo \n' \
	-ex 'echo xmm0=' -ex 'output $xmm0.v4_int32' -ex 'echo \n' \
	-ex 'echo cr3=' -ex 'output/x $cr3' -ex 'echo \n' \
	-ex 'echo gs_base=' -ex 'output/x $gs_base' -ex 'echo \n' \
	-ex 'echo sizes=' -ex 'output sizeof($st0)' -ex 'echo ,' \
	-ex 'output sizeof($xmm0)' -ex 'echo \n' \
	-ex 'echo rip_type=' -ex 'whatis $rip' -ex 'echo rsp_type=' \
	-ex 'whatis $rsp' -ex 'echo eflags_type=' -ex 'whatis $eflags' \
	-ex 'ptype $xmm0' -ex 'maint print xml-tdesc' -ex 'kill' \
	>"$tmp/gdb2" 2>&1 ||
	fail "gdb (remote) failed: $(cat "$tmp/gdb2")"
stop_server
expect "$tmp/gdb2" 'currently "i386:x86-64"' "gdb architecture"
expect "$tmp/gdb2" 'org.kstub.x86.system' "gdb did not use our target.xml"
expect "$tmp/gdb2" 'rip=0xffffffff81000010' "gdb rip"
expect "$tmp/gdb2" 'eflags=[ PF ZF IF ]' "gdb eflags flags type"
expect "$tmp/gdb2" 'st0=1.5' "gdb st0 as i387_ext"
expect "$tmp/gdb2" 'xmm0={1, 2, 3, 4}' "gdb xmm0 as vec128"
expect "$tmp/gdb2" 'cr3=0x1234000' "gdb cr3"
expect "$tmp/gdb2" 'gs_base=0xffff888007a00000' "gdb gs_base"
expect "$tmp/gdb2" 'sizes=10,16' "gdb st0/xmm0 sizes"
expect "$tmp/gdb2" 'rip_type=type = void (*)()' "gdb rip as code_ptr"
expect "$tmp/gdb2" 'rsp_type=type = void *' "gdb rsp as data_ptr"
expect "$tmp/gdb2" 'eflags_type=type = i386_eflags' "gdb eflags type"
# The xmm lanes, as gdb 13's own amd64 description has them.
cat >"$tmp/vec128" <<'EOF'
type = union vec128 {
    v8bf16 v8_bfloat16;
    v8h v8_half;
    v4f v4_float;
    v2d v2_double;
    v16i8 v16_int8;
    v8i16 v8_int16;
    v4i32 v4_int32;
    v2i64 v2_int64;
    uint128_t uint128;
}
EOF
sed -n '/^type = union vec128/,/^}/p' "$tmp/gdb2" | diff "$tmp/vec128" - ||
	fail "gdb's vec128 differs (< expected, > gdb's)"
echo "check_tdesc: gdb (remote): vec128; rip eflags st0 xmm0 cr3 gs_base ok"

if ! command -v lldb >/dev/null; then
	echo "check_tdesc: lldb: SKIP (not installed)"
	exit 0
fi
# lldb's scripting (lldb_regs.py) needs its Python package on the path.
lldb_py=$("$here/../../scripts/lldb_pythonpath.sh")
[ -n "$lldb_py" ] && export PYTHONPATH="$lldb_py${PYTHONPATH:+:$PYTHONPATH}"
start_server
timeout 60 lldb -b -o "settings set plugin.process.gdb-remote.packet-timeout 30" \
	-o "gdb-remote 127.0.0.1:$port" \
	-o "script exec(open('$here/lldb_regs.py').read())" \
	-o 'register read rflags' \
	-o 'process kill' >"$tmp/lldb" 2>&1 ||
	fail "lldb failed: $(cat "$tmp/lldb")"
stop_server
# lldb adds pseudo registers (eax, ax, al...) in a set of its own, and
# lists the others by group, so compare them as sorted sets.
awk '$1 == "REG" && $2 != "supplementary_registers" { print $3, $4 }' \
	"$tmp/lldb" | sort >"$tmp/lldb_got"
awk '{ print $1, $3 }' "$tmp/want" | sort | diff - "$tmp/lldb_got" ||
	fail "lldb's registers differ from target.xml (< ours, > lldb's)"
expect "$tmp/lldb" 'REG general rip 8 0xffffffff81000010' "lldb rip"
expect "$tmp/lldb" 'REG general eflags 4 0x00000246' "lldb eflags"
expect "$tmp/lldb" 'REG system cr3 8 0x0000000001234000' "lldb cr3"
st0='{0x00 0x00 0x00 0x00 0x00 0x00 0x00 0xc0 0xff 0x3f}'	# 1.5
expect "$tmp/lldb" "REG float st0 10 $st0" "lldb st0"
# lldb's own name for the flags, found through target.xml's altname.
expect "$tmp/lldb" 'eflags = 0x00000246' "lldb register read rflags"
echo "check_tdesc: lldb (remote): 72 registers, sizes and values, rflags ok"
