#!/usr/bin/env python3
"""End-to-end tests of the Linux port: kstub.ko in Debian's own kernel
(linux-image-$KSTUB_LINUX_ABI, no CONFIG_KGDB), booted by QEMU (TCG,
-smp 2), with gdb on ttyS1. Without vmlinux (Debian ships it only in
the -dbg package) gdb works from the guest's /proc/kallsyms addresses.

    run_linux.py [-k TEXT] [-j JOBS] [--repeat N] [NAME...]   (see runner.py)"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import expect, refute  # noqa: E402
from harness import lldb_env  # noqa: E402
from linux_machine import MODULE, WAIT, Gdb, Linux, gdb_batch  # noqa: E402
from runner import Scenarios, Suite, main  # noqa: E402

SCENARIOS = scenario = Scenarios()
BOOT_TIMES = []
# pt_regs.di: __x64_sys_mkdir(const struct pt_regs *regs) reads its
# arguments from the user's registers (r15 r14 r13 r12 bp bx r11 r10 r9
# r8 ax cx dx si di: di is the 15th word).
PT_REGS_DI = 14 * 8


def machine(log, *args, **kw):
    m = Linux(*args, **kw)
    log.append(m)
    BOOT_TIMES.append(m.boot_secs)
    return m


def load_and_wait(m):
    m.console("insmod /kstub.ko wait=1")
    m.out.wait_for(r"kstub: waiting for gdb")


def attach(m, gdb):
    """Connect to a kernel that runs: the first packet is the break-in."""
    out = gdb.cmd(f"target remote {m.target}")
    expect(out, r"Remote debugging using")
    return out


def switch_to(name):
    """A gdb command that selects the thread named name."""
    return ("python [t.switch() for t in gdb.selected_inferior().threads() "
            f"if t.name == {name!r}]")


def shell_answers(m, word):
    m.sh(f"echo {word}-$((6*7))", rf"^{word}-42")


@scenario
def attach_at_load(log):
    """insmod wait=1 stops in the module's init; every task is a thread
    by its comm, both CPUs' idle tasks included; a sleeping task's
    registers come from its switch frame (rip in __schedule); the other
    CPU was parked by the NMI; after detach the shell answers."""
    with machine(log) as m:
        sched = m.kallsyms("__schedule")
        load_and_wait(m)
        out = gdb_batch(m, ["info threads", switch_to("kthreadd"), "p/x $pc", "p/x $sp",
                            switch_to("swapper/1"), "p/x $pc", "detach"])
        for name in ("swapper/0", "swapper/1", "sh", "kthreadd", "rcu_preempt",
                     "ksoftirqd/0", "ksoftirqd/1", "insmod"):
            expect(out, rf'Thread \d+ "{re.escape(name)}" \(', f"thread {name}")
        expect(out, r'\* \d+\s+Thread \d+ "insmod" \(running\)')
        # kthreadd sleeps: its rip is where __switch_to_asm returns, in __schedule.
        pc = int(expect(out, r"^\$1 = (0x[0-9a-f]+)").group(1), 16)
        if not sched < pc < sched + 0x1000:
            raise AssertionError(f"kthreadd's rip {pc:#x} is not in __schedule ({sched:#x}):\n{out}")
        sp = int(expect(out, r"^\$2 = (0x[0-9a-f]+)").group(1), 16)
        if sp >> 47 != 0x1ffff:
            raise AssertionError(f"kthreadd's rsp {sp:#x} is not a kernel stack:\n{out}")
        # CPU 1's registers come from the NMI that parked it: a kernel address.
        pc1 = int(expect(out, r"^\$3 = (0x[0-9a-f]+)").group(1), 16)
        if pc1 >> 47 != 0x1ffff:
            raise AssertionError(f"swapper/1's rip {pc1:#x} is not kernel text:\n{out}")
        expect(out, r"detached")
        shell_answers(m, "after-detach")


@scenario
def break_sys_mkdir_by_address(log):
    """Without vmlinux: break on __x64_sys_mkdir at its /proc/kallsyms
    address (in read-only text), trigger it with mkdir, read the path
    from user memory, stepi, continue; the mkdir completes, and after
    detach the text is as it was."""
    with machine(log) as m:
        addr = m.kallsyms("__x64_sys_mkdir")
        m.console("insmod /kstub.ko")
        m.out.wait_for(r"kstub: gdb on the 16550")
        with Gdb() as gdb:
            attach(m, gdb)
            orig = expect(gdb.cmd(f"x/4xb {addr:#x}"), r":\s+((0x[0-9a-f]{2}\s*){4})$").group(1)
            expect(gdb.cmd(f"break *{addr:#x}"), r"Breakpoint 1 at")
            gdb.send("continue")
            gdb.expect("Continuing.")
            m.console("mkdir /tmp/kstub-made-this")
            out = gdb.expect(r"\(gdb\) ")
            expect(out, rf"Breakpoint 1, {addr:#x} in \?\? \(\)")
            out = gdb.cmd(f"x/s *(char **)($rdi + {PT_REGS_DI})")
            expect(out, r'"/tmp/kstub-made-this"', "the path, read from user memory")
            expect(gdb.cmd("p/x $pc"), rf"= {addr:#x}$")
            gdb.cmd("stepi")
            pc = int(expect(gdb.cmd("p/x $pc"), r"= (0x[0-9a-f]+)$").group(1), 16)
            if not addr < pc < addr + 16:
                raise AssertionError(f"stepi from {addr:#x} went to {pc:#x}")
            expect(gdb.cmd("delete"), r"")
            gdb.send("continue")
            gdb.expect("Continuing.")
            # The kernel runs again: the shell answers, then ^C stops it.
            shell_answers(m, "running")
            gdb.interrupt()
            expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
            expect(gdb.cmd(f"x/4xb {addr:#x}"), re.escape(orig.strip()))
            expect(gdb.cmd("detach"), r"detached")
        m.sh("ls -d /tmp/kstub-made-this", r"^/tmp/kstub-made-this$")
        shell_answers(m, "after-mkdir")


@scenario
def breakin_rmmod_insmod_again(log):
    """^C stops the running kernel (SIGINT); while gdb is attached rmmod
    is refused, and the log says why; after detach rmmod works, insmod
    again (hw=0: no debug registers taken), attach again."""
    with machine(log) as m:
        m.console("insmod /kstub.ko")
        m.out.wait_for(r"kstub: gdb on the 16550")
        with Gdb() as gdb:
            attach(m, gdb)
            gdb.send("continue")
            gdb.expect("Continuing.")
            m.out.wait_for(r"kstub: gdb attached; rmmod kstub is refused until gdb detaches")
            m.sh("rmmod kstub", r"rmmod: .*(in use|Resource temporarily unavailable)")
            shell_answers(m, "refused")
            gdb.interrupt()
            out = gdb.expect(r"\(gdb\) ")
            expect(out, r"received signal SIGINT")
            expect(gdb.cmd("info threads"), r'"swapper/1"')
            expect(gdb.cmd("detach"), r"detached")
        m.sh("rmmod kstub && echo RMMOD-OK", r"^RMMOD-OK|kstub: unloaded")
        # This time without the debug registers: perf and ptrace keep them.
        m.sh("insmod /kstub.ko hw=0", r"kstub: gdb on the 16550 .*; no hardware breakpoints")
        out = gdb_batch(m, ["info threads", "detach"])
        expect(out, r'Thread \d+ "insmod"|Thread \d+ "sh"')
        expect(out, r"detached")
        m.sh("rmmod kstub", r"kstub: unloaded")
        shell_answers(m, "reloaded")


DEMO_KO = os.path.join(os.path.dirname(MODULE), "..", "demo", "kstub_demo.ko")


def section(m, mod, name):
    tag = f"SEC{abs(hash(name)) % 100000}"
    got = m.sh(f"echo {tag} $(cat /sys/module/{mod}/sections/{name})", rf"^{tag}\b(.*)$")
    if not re.fullmatch(r" 0x[0-9a-f]+", got.group(1)):
        raise AssertionError(f"no section {name} for {mod}: {got.group(0)!r}")
    return int(got.group(1), 16)


@scenario
def demo_module_source_level_then_oops(log):
    """Source level in a module: the add-symbol-file line from monitor
    lsmod (checked against /sys/module), break on a function, bt, print an
    argument, stepi with the timer running, finish with its value, print
    a global. Then an oops in the
    module (a NULL dereference) stops as SIGSEGV in the function that
    faulted; continuing hands the fault back, the oops becomes a panic
    (oops=panic) and the panic stops in the debugger (SIGABRT)."""
    with machine(log, "oops=panic") as m:
        m.sh("insmod /kstub_demo.ko && echo DEMO-IN", r"^DEMO-IN")
        text, bss = (section(m, "kstub_demo", s) for s in (".text", ".bss"))
        m.console("insmod /kstub.ko")
        m.out.wait_for(r"kstub: gdb on the 16550")
        with Gdb() as gdb:
            attach(m, gdb)
            # monitor lsmod gives the line; it must agree with /sys/module.
            out = gdb.cmd("monitor lsmod")
            line = expect(out, r"^add-symbol-file kstub_demo\.ko (0x[0-9a-f]+)(.*)$")
            if int(line.group(1), 16) != text:
                raise AssertionError(f".text {text:#x} in /sys/module, not:\n{out}")
            expect(line.group(2), rf" -s \.bss {bss:#x}\b")
            expect(out, r"^add-symbol-file kstub\.ko 0xffffffff")
            cmd = line.group(0).replace("kstub_demo.ko", DEMO_KO, 1)
            expect(gdb.cmd(cmd), r"Reading symbols from")
            expect(gdb.cmd("break demo_work"), r"Breakpoint 1 at 0x[0-9a-f]+: file .*kstub_demo.c")
            gdb.send("continue")
            gdb.expect("Continuing.")
            m.console("sh -c 'echo count 5 > /proc/kstub_demo'")
            out = gdb.expect(r"\(gdb\) ")
            expect(out, r"Breakpoint 1, demo_work \(n=5\) at .*kstub_demo.c:\d+")
            expect(gdb.cmd("bt 2"), r"#1  .* in demo_write \(")
            # stepi with the timer running: ticks fall due while gdb
            # talks, yet no step ends in the interrupt entry.
            for i in range(12):
                gdb.cmd("stepi")
                expect(gdb.cmd("info symbol $pc"), r"^demo_work \+ \d+ in section \.text",
                       f"stepi {i + 1} still in demo_work")
            expect(gdb.cmd("finish"), r"Value returned is \$\d+ = 15")
            expect(gdb.cmd("print demo_counter"), r"= 5$")
            gdb.cmd("delete")
            gdb.send("continue")
            gdb.expect("Continuing.")
            m.out.wait_for(r"kstub_demo: sum 15 counter \d+")
            m.console("sh -c 'echo oops > /proc/kstub_demo'")
            out = gdb.expect(r"\(gdb\) ")
            expect(out, r"received signal SIGSEGV")
            expect(out, r"in demo_oops \(\) at .*kstub_demo.c:\d+")
            expect(gdb.cmd("bt 2"), r"#1  .* in demo_write \(")
            gdb.send("continue")
            out = gdb.expect(r"\(gdb\) ")
            expect(out, r"received signal SIGABRT")
            gdb.send("detach")
            gdb.expect(r"detached")
        m.out.wait_for(r"Kernel panic - not syncing")
        rc = m.proc.wait(timeout=120)
        if rc != 0:
            raise AssertionError(f"panic=-1 under -no-reboot should end QEMU with 0, got {rc}")


def load_demo_then_kstub(m):
    m.sh("insmod /kstub_demo.ko && echo DEMO-IN", r"^DEMO-IN")
    m.console("insmod /kstub.ko")
    m.out.wait_for(r"kstub: gdb on the 16550 .*; DR0-DR3 reserved")


def attach_with_demo_symbols(m, gdb):
    """Attach, and load kstub_demo.ko's symbols where monitor lsmod says."""
    attach(m, gdb)
    line = expect(gdb.cmd("monitor lsmod"), r"^add-symbol-file kstub_demo\.ko .*$")
    expect(gdb.cmd(line.group(0).replace("kstub_demo.ko", DEMO_KO, 1)), r"Reading symbols from")


def demo_count(m, n, cpu):
    """Run demo_work(n) on one CPU (taskset's mask), from a shell in the guest."""
    m.console(f"taskset {1 << cpu} sh -c 'echo count {n} > /proc/kstub_demo'")


@scenario
def demo_hw_watch_hbreak(log):
    """Debug registers, reserved from the kernel's hw_breakpoint slots: a
    watch set while the kernel is stopped fires on each CPU (the one
    parked by NMI and the one that stopped) with the old and new value;
    an hbreak on a demo function stops there, with a backtrace, and again
    on the other CPU after gdb stepped over it; an rwatch then reports
    the loop's read and an awatch its write; after all are deleted the
    kernel runs on (the counter shows every pass)."""
    with machine(log) as m:
        load_demo_then_kstub(m)
        with Gdb() as gdb:
            attach_with_demo_symbols(m, gdb)
            expect(gdb.cmd("watch demo_counter"), r"^Hardware watchpoint 1: demo_counter")
            for cpu, old in ((1, 0), (0, 1)):
                gdb.send("continue")
                gdb.expect("Continuing.")
                demo_count(m, 1, cpu)
                out = gdb.expect(r"\(gdb\) ")
                expect(out, r"Hardware watchpoint 1: demo_counter", f"the watch on CPU {cpu}")
                expect(out, rf"Old value = {old}\s+New value = {old + 1}")
                expect(out, r"demo_work \(n=1\) at .*kstub_demo\.c:\d+")
            gdb.cmd("delete")
            expect(gdb.cmd("hbreak demo_work"),
                   r"Hardware assisted breakpoint 2 at 0x[0-9a-f]+: file .*kstub_demo\.c")
            gdb.send("continue")
            gdb.expect("Continuing.")
            demo_count(m, 3, 1)
            out = gdb.expect(r"\(gdb\) ")
            expect(out, r"Breakpoint 2, demo_work \(n=3\) at .*kstub_demo\.c:\d+")
            expect(gdb.cmd("bt 2"), r"#1  .* in demo_write \(")
            # Continuing steps over it (out of the #DB, in again) and
            # leaves it armed for the next call, on the other CPU.
            gdb.send("continue")
            gdb.expect("Continuing.")
            m.out.wait_for(r"kstub_demo: sum 6 counter 2$")
            demo_count(m, 4, 0)
            out = gdb.expect(r"\(gdb\) ")
            expect(out, r"Breakpoint 2, demo_work \(n=4\) at .*kstub_demo\.c:\d+")
            gdb.cmd("delete")
            # x86 has no read-only watch: the stub tells a read by the
            # value. The next access is the loop's read of the counter,
            # then its write.
            expect(gdb.cmd("rwatch demo_counter"), r"^Hardware read watchpoint 3: demo_counter")
            expect(gdb.cmd("continue"), r"Hardware read watchpoint 3: demo_counter\s+Value = 5")
            gdb.cmd("delete")
            expect(gdb.cmd("awatch demo_counter"),
                   r"^Hardware access \(read/write\) watchpoint 4: demo_counter")
            expect(gdb.cmd("continue"), r"Hardware access \(read/write\) watchpoint 4: "
                   r"demo_counter\s+Old value = 5\s+New value = 6")
            gdb.cmd("delete")
            gdb.send("continue")
            gdb.expect("Continuing.")
            # (printk's counter is read before demo_work runs.)
            m.out.wait_for(r"kstub_demo: sum 10 counter 5$")
            shell_answers(m, "after-hw")
            gdb.interrupt()
            expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
            expect(gdb.cmd("print demo_counter"), r"= 9$")
            expect(gdb.cmd("detach"), r"detached")
        shell_answers(m, "after-detach")


def bytes_at(gdb, addr):
    return expect(gdb.cmd(f"x/8xb {addr:#x}"), r":\s+((0x[0-9a-f]{2}\s*){8})$").group(1).split()


@scenario
def rmmod_takes_persistent_breakpoints_out(log):
    """A persistent dprintf (and the always-inserted breakpoint under it)
    outlives detach: monitor agent lists it and the demo function still
    runs through it. rmmod takes it out all the same: afterwards the
    function runs with no debugger to catch an int3, a new kstub reads
    the original bytes there (it has no breakpoint of its own to hide),
    and it gets DR0-DR3 again, so the first one gave them back."""
    with machine(log) as m:
        load_demo_then_kstub(m)
        with Gdb() as gdb:
            attach_with_demo_symbols(m, gdb)
            gdb.cmd("set breakpoint always-inserted on")
            gdb.cmd("set dprintf-style agent")
            # An hbreak there first: the dprintf cannot take a debug
            # register at that address, so it is an int3 in the text
            # (and stays one when the hbreak goes), which rmmod must undo.
            expect(gdb.cmd("hbreak demo_work"), r"Hardware assisted breakpoint 1 at")
            out = gdb.cmd('dprintf demo_work,"n=%u\\n", n')
            addr = int(expect(out, r"Dprintf 2 at (0x[0-9a-f]+): file").group(1), 16)
            gdb.cmd("delete 1")
            orig = bytes_at(gdb, addr)
            expect(gdb.cmd("detach"), r"detached")
        out = gdb_batch(m, ["monitor agent", "detach"])
        expect(out, rf"break {addr:#x}: conditions 0, dprintf 1, persistent$")
        m.sh("echo count 2 > /proc/kstub_demo", r"kstub_demo: sum 3 ")
        m.sh("rmmod kstub && echo RMMOD-OK", r"^RMMOD-OK")
        m.sh("echo count 3 > /proc/kstub_demo", r"kstub_demo: sum 6 ")
        m.sh("insmod /kstub.ko", r"kstub: gdb on the 16550 .*; DR0-DR3 reserved")
        with Gdb() as gdb:
            attach(m, gdb)
            if bytes_at(gdb, addr) != orig or orig[0] == "0xcc":
                raise AssertionError(f"text at {addr:#x} after rmmod: {bytes_at(gdb, addr)}, was {orig}")
            expect(gdb.cmd("detach"), r"detached")
        m.sh("rmmod kstub", r"kstub: unloaded")
        shell_answers(m, "after-rmmod")


def lldb_batch(m, cmds, timeout=WAIT):
    """lldb -b with no target file, as gdb_batch: connect, run cmds."""
    args = ["lldb", "-b", "-o", f"gdb-remote {m.target.replace('tcp:', '')}"]
    for c in cmds:
        args += ["-o", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=lldb_env())
    return p.stdout + p.stderr


@scenario
def lldb_attach_at_load(log):
    """lldb, the same first steps: attach at insmod wait=1, threads (the
    idle tasks among them), registers, a breakpoint by address hit by mkdir, detach."""
    with machine(log) as m:
        addr = m.kallsyms("__x64_sys_mkdir")
        load_and_wait(m)
        # Typed while the kernel is stopped: the shell reads it once
        # insmod returns, so the breakpoint is hit after "continue".
        m.console("mkdir /tmp/lldb-made")
        out = lldb_batch(m, ["thread list", "register read rip rsp",
                             f"breakpoint set -a {addr:#x}", "continue", "thread list",
                             "breakpoint delete 1", "detach"])
        # lldb 14 shows no thread names here; both CPUs' idle tasks are
        # there by their shadow ids.
        expect(out, r"thread #\d+: tid = 0x40000000, 0xffffffff")
        expect(out, r"thread #\d+: tid = 0x40000001, 0xffffffff")
        expect(out, r"rip = 0xffffffff[0-9a-f]{8}")
        expect(out, r"Breakpoint 1: address = " + hex(addr))
        expect(out, r"stop reason = breakpoint 1")
        m.sh("ls -d /tmp/lldb-made", r"^/tmp/lldb-made$")
        shell_answers(m, "after-lldb")


def boot_times():
    if BOOT_TIMES:
        return f"boot to the shell {min(BOOT_TIMES):.1f}-{max(BOOT_TIMES):.1f} s"
    return None


LINUX = Suite("e2e-linux", SCENARIOS, "linux/*_scenarios.py", jobs=2, report=boot_times)

if __name__ == "__main__":
    sys.exit(main(LINUX))
