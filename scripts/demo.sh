#!/bin/sh
# make demo: boot the simulated kernel with kstub on a pty and drive a
# short gdb session against it, the way a kernel developer would.
set -eu
cd "$(dirname "$0")/.."
sim=build/kstub-sim
dir=$(mktemp -d /tmp/kstub-demo.XXXXXX)
pty=$dir/ttyS1
cleanup() {
	[ -n "${simpid:-}" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "== booting $sim: stub on the serial line $pty, waiting for gdb (like kgdbwait)"
mkfifo "$dir/keyboard"
"$sim" --wait --serial "$pty" --run "mkdir /tmp/demo" \
	<"$dir/keyboard" >"$dir/console" 2>"$dir/sim.err" &
simpid=$!
exec 3>"$dir/keyboard"	# the console's keyboard, typed into below
# The readiness line says the link is up: block on the machine's stderr
# until it comes (or the machine dies), not for a time and not in a loop.
booted=$(tail -n +1 -f --pid="$simpid" "$dir/sim.err" | grep -m1 "booted" || true)
cat "$dir/sim.err"
[ -n "$booted" ] || exit 1

cat >"$dir/session.gdb" <<GDB
set pagination off
set confirm off
set width 0
echo \n== gdb attaches over the serial line (symbols relocated by qOffsets: this is a KASLR kernel)\n
set serial baud 115200
target remote $pty
echo \n== the kernel threads and CPUs, as gdb threads\n
info threads
echo \n== break sys_mkdir; continue (the console shell runs "mkdir /tmp/demo")\n
break sys_mkdir
continue
print path
bt
delete
echo \n== a hardware watchpoint on the clock\n
watch ticks
continue
continue
delete
echo \n== type "ktrace -c" on the console: it dereferences a NULL tracenode, the stub catches the fault\n
shell echo "ktrace -c" >&3
continue
bt
print p->p_comm
print p->p_tracep
echo \n== continue: gdb passes the SIGSEGV on (signal 0 would retry the instruction), the kernel panics, and the panic stops in the debugger\n
continue
bt
print panicstr
echo \n== detach: the breakpoints leave with gdb; the panicked kernel stays stopped for the next one (monitor reboot, monitor panic-proceed)\n
detach
GDB
gdb -nx -batch -x "$dir/session.gdb" "$sim" 2>&1
echo
echo "== the kernel's console said:"
cat "$dir/console"
cat <<EOF2

== to do this by hand, in two terminals:
   $sim --wait --serial /tmp/kstub-tty          # the machine; type shell commands here
   gdb $sim -ex 'set serial baud 115200' -ex 'target remote /tmp/kstub-tty'
   (or --serial tcp:127.0.0.1:5555 and: target remote tcp:127.0.0.1:5555)
   console commands: mkdir PATH, ktrace -c, ps, sum, break, halt, trap fpe|ill, sleep TICKS
EOF2
