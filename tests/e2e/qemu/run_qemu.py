#!/usr/bin/env python3
"""End-to-end tests on real (emulated) x86-64 trap semantics: gdb against
the bare-metal kernel in QEMU (TCG), through its 16550 on COM2.

Each scenario starts its own QEMU (its own port, a time limit) and
asserts on what gdb prints. tests/e2e/runner.py runs them and says how:
    run_qemu.py [-k TEXT] [-j JOBS] [--repeat N] [NAME...]
More QEMU scenarios go in tests/e2e/qemu/*_scenarios.py (see runner.py)."""
import os
import re
import sys
import tempfile

from qemu_machine import Gdb, SerialPty, elf_bytes, gdb_batch
from harness import resume_seen_running  # importable once qemu_machine set the path
from qcommon import (BOOT_TIMES, SCENARIOS, BareMetal, attach_after_fault, expect,
                     expect_ktrace_fault, expect_real_bt, expect_text_pristine, machine,
                     mi_threads, refute, scenario)
from runner import Suite, main
import shared

# The longest start first, so the run ends sooner on 2 cores (measured:
# the order of a full run's times, longest first).
SLOW_FIRST = ("oneline_no_raw_bytes", "stepi_skips_timer", "slow_second_cpu",
              "stepi_out_of_boot_stop", "detach_restores_text", "serial_cable_pty",
              "ctrl_c_breakin", "stack_overflow_double_fault")


@scenario
def attach_at_boot(log):
    with machine(log) as m:
        out = gdb_batch(m, ["info threads", "bt", "thread 2", "bt", "thread 1",
                            "p/x $cr0 & 0x80010001", "p/x $efer & 0x500",
                            "p $cs", "detach"], name="attach")
        expect(out, r'in kdb_enter \(why=(why@entry=)?0x[0-9a-f]+ "boot \(kstub.wait\)"\)')
        for name in ("idle/0", "idle/1", "clock", "pager", "sh", "beat"):
            expect(out, rf'Thread \d+ "{re.escape(name)}"', f"thread {name}")
        expect(out, r"#1  .*kmain \(")
        expect(out, r"#2  .* in kstart \(\)")
        refute(out, r"Backtrace stopped")
        # The other CPU, stopped by the NMI roundup where it was waiting.
        expect(out, r"#\d  .*ap_main \(\) at ports/baremetal/smp.c")
        expect(out, r"^\$1 = 0x80010001", "CR0 with PG, WP, PE")
        expect(out, r"^\$2 = 0x500", "EFER with LME, LMA")
        expect(out, r"^\$3 = 8")
        expect(out, r"detached")


# steps(n): n single steps, each recorded as (pc, function, IF).
STEP_PY = """python
def steps(n):
    seen = []
    for i in range(n):
        gdb.execute('stepi', to_string=True)
        f = gdb.selected_frame()
        seen.append((f.pc(), str(f.name()), int(gdb.parse_and_eval('$eflags')) & 0x200))
    return seen
def report(tag, seen):
    print('%s FUNCS %s' % (tag, ' '.join(sorted(set(n for p, n, i in seen)))))
    print('%s STEPS %d DISTINCT %d' % (tag, len(seen), len(set(p for p, n, i in seen))))
    print('%s IF %s' % (tag, ''.join('1' if i else '0' for p, n, i in seen)))
end
"""
TIMER_PATH = {"trap", "trap_common", "timer_tick", "hardclock", "nmi", "vector_base",
              "lapic_eoi", "wakeup"}


def step_report(out, tag):
    funcs = expect(out, rf"^{tag} FUNCS (.*)$").group(1).split()
    steps = expect(out, rf"^{tag} STEPS (\d+) DISTINCT (\d+)")
    flags = expect(out, rf"^{tag} IF ([01]+)$").group(1)
    if TIMER_PATH & set(funcs):
        raise AssertionError(f"stepi landed in {TIMER_PATH & set(funcs)}:\n{out}")
    return set(funcs), int(steps.group(1)), int(steps.group(2)), flags


# The timer interrupts the stepping CPU has taken, and the clock.
TIMER_INTS = 'printf "TI %d %d\\n", pcpus[$cpu].timer_ints, ticks'


def timer_ints(out):
    return [(int(a), int(b)) for a, b in re.findall(r"^TI (\d+) (\d+)$", out, re.M)]


@scenario
def stepi_skips_timer(log):
    """Single steps never take the timer interrupt on the stepping CPU
    (the stub steps with IF clear; with IF set the tick would be taken
    before each stepped instruction, the gate clearing TF for the
    handler), under gdb's default scheduler-locking (off) and with it
    on; the same CPU does take ticks while it runs. Stepping over
    pushf/cli and sti leaves the kernel's own interrupt state intact."""
    with machine(log, "run=mkdir /tmp/s;sleep 3;mkdir /tmp/t") as m:
        with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
            f.write(STEP_PY)
        try:
            out = gdb_batch(m, [f"source {f.name}", "break sys_mkdir", "continue", "delete",
                                "set $cpu = ((struct pcpu *)$gs_base)->index", TIMER_INTS,
                                "python report('A', steps(100))", TIMER_INTS,
                                # Runs through "sleep 3": ticks on every CPU.
                                "break sys_mkdir", "continue", "delete", TIMER_INTS,
                                "set scheduler-locking on",
                                "break console_write", "continue", "delete",
                                "set $cpu = ((struct pcpu *)$gs_base)->index", TIMER_INTS,
                                "python report('B', steps(40))",
                                "advance spin_unlock_irqrestore",
                                "python report('C', steps(12))", TIMER_INTS,
                                "step", "info line *$pc", "detach"],
                            name="stepi", timeout=180)
        finally:
            os.unlink(f.name)
        funcs, n, distinct, flags = step_report(out, "A")
        if not {"sys_mkdir", "str_len"} <= funcs or n != 100 or distinct < 30:
            raise AssertionError(f"stepping did not get through sys_mkdir:\n{out}")
        if "0" in flags:
            raise AssertionError(f"IF should read as on at every step: {flags}\n{out}")
        ti = timer_ints(out)
        if len(ti) != 5:
            raise AssertionError(f"expected 5 timer counts: {ti}\n{out}")
        if ti[1] != ti[0]:
            raise AssertionError(f"the stepping CPU took timer interrupts, or the clock "
                                 f"ran, during 100 steps: {ti[0]} -> {ti[1]}\n{out}")
        if not (ti[2][0] > ti[1][0] and ti[2][1] >= ti[1][1] + 3):
            raise AssertionError(f"running, the CPU should take ticks: {ti[1]} -> {ti[2]}\n{out}")
        # Into the console's spinlock: pushf, cli.
        funcs, n, distinct, flags = step_report(out, "B")
        if "spin_lock_irqsave" not in funcs or not re.fullmatch(r"1+0+", flags):
            raise AssertionError(f"cli should turn IF off, once: {flags}\n{out}")
        # Out of it: sti. IF comes back only if the stub fixed the flags
        # image that pushf stored with the stub's own IF and TF in it.
        funcs, n, distinct, flags = step_report(out, "C")
        if funcs == {"spin_unlock_irqrestore"} or not re.fullmatch(r"0+1+", flags):
            raise AssertionError(f"sti should turn IF on again: {flags}\n{out}")
        if ti[4][0] != ti[3][0]:
            raise AssertionError(f"timer interrupts during steps with scheduler-locking "
                                 f"on: {ti[3]} -> {ti[4]}\n{out}")
        expect(out, r"^Line \d+ of \"")
        m.out.wait_for(r"mkdir: created /tmp/t")


@scenario
def watch_other_cpu(log):
    """The stop happens on CPU 0 (kstub.wait); the watched variable is
    written only by a thread pinned to CPU 1. CPU 1 loads DR0/DR7 when
    the stub releases it, so the hit comes from there."""
    mi = 'interpreter-exec mi "-thread-info"'
    with machine(log) as m:
        out = gdb_batch(m, [mi, "watch smp_beat", "continue", mi, "bt 1",
                            "continue", "delete", "detach"], name="smp")
        expect(out, r'Thread (\d+) "beat" hit Hardware watchpoint 1: smp_beat\n\n'
                    r"Old value = 0\nNew value = 1")
        expect(out, r"#0  beat_thread \(")
        expect(out, r"Old value = 1\nNew value = 2")
        records = mi_threads(out)
        if len(records) != 2:
            raise AssertionError(f"expected two -thread-info records:\n{out}")
        (before, cur0), (after, cur1) = records
        if before[cur0] != ("idle/0", "0"):
            raise AssertionError(f"should start in idle/0 on core 0: {before}\n{out}")
        if after[cur1] != ("beat", "1"):
            raise AssertionError(f"the hit should be beat's, on core 1: {after}\n{out}")


@scenario
def breakpoint_in_readonly_text(log):
    orig = elf_bytes("sys_mkdir", 4)
    with machine(log, "run=mkdir /ro/one") as m:
        out = gdb_batch(m, ["x/4xb sys_mkdir", "set var *(unsigned char *)sys_mkdir = 0xcc",
                            "x/4xb sys_mkdir", "break sys_mkdir", "continue", "delete",
                            "x/4xb sys_mkdir", "x/i sys_mkdir", "detach"], name="rotext")
        want = r"\s+".join(f"0x{b:02x}" for b in orig)
        hits = re.findall(rf"<sys_mkdir>:\s+{want}", out)
        if len(hits) != 3:
            raise AssertionError(f"text should read {orig} three times:\n{out}")
        # An ordinary write (M) to text fails: it is mapped read-only.
        expect(out, r"Cannot access memory at address 0xffffffff8")
        expect(out, r"hit Breakpoint 1, sys_mkdir")
        expect(out, r"<sys_mkdir>:\s+push\s+%rbp")
        m.out.wait_for(r"mkdir: created /ro/one")
        expect_text_pristine(m, "after delete and detach")


@scenario
def memory_faults(log):
    with machine(log) as m:
        out = gdb_batch(m, ["x/x 0", "x/4xb 0xffffffffffff0000", "x/x 0x8000000000000000",
                            "x/x 0xffff8000fee00000", "x/2xg &ticks", "set var watch_me = 77",
                            "p watch_me", "p allproc->p_comm", "p *allproc->p_next",
                            "detach"], name="mem")
        expect(out, r"Cannot access memory at address 0x0\b")
        expect(out, r"Cannot access memory at address 0xffffffffffff0000")
        expect(out, r"Cannot access memory at address 0x8000000000000000")
        expect(out, r"Cannot access memory at address 0xffff8000fee00000")
        expect(out, r"<ticks>:\s+0x[0-9a-f]{16}\s+0x[0-9a-f]{16}")
        expect(out, r"^\$1 = 77")
        expect(out, r'\$2 = "swapper')
        expect(out, r'p_comm = "init"')
        m.console("ps")
        m.out.wait_for(r"42 sh")


def running(m, gdb, command):
    """continue until command has run on the console: the kernel runs."""
    # ps: its last line, so the shell is asleep again when the test stops it.
    shows = re.escape(command.split()[-1]) if command != "ps" else r"^\s+42 sh$"
    resume_seen_running(m, gdb, command, shows)


@scenario
def ctrl_c_breakin(log):
    with machine(log, wait=False) as m, Gdb() as gdb:
        expect(gdb.cmd(f"target remote {m.target}"), r"Remote debugging using")
        running(m, gdb, "ps")
        gdb.interrupt()
        out = gdb.expect(r"\(gdb\) ")
        expect(out, r"received signal SIGINT")
        expect_real_bt(gdb.cmd("bt"))
        expect(gdb.cmd("info threads"), r'"clock"')
        # A sleeping thread's registers come from its switch frame (a pcb).
        out = gdb.cmd("thread apply all bt")
        expect(out, r'Thread \d+ \(Thread \d+ "sh" \(sleeping on ttyin\)\):\n#0  tsleep \(chan=.*<line_chan>, '
                    r'wmesg=.*"ttyin"\).*\n#1  .* in console_shell')
        t0 = int(expect(gdb.cmd("print ticks"), r"\$\d+ = (\d+)").group(1))
        # The shell's "sleep 2" returns only once the clock ticked twice.
        gdb.send("continue")
        gdb.expect("Continuing.")
        m.console("sleep 2")
        m.out.wait_for(r"^sleep: 2 ticks")
        gdb.interrupt()
        expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
        expect_real_bt(gdb.cmd("bt"))
        t1 = int(expect(gdb.cmd("print ticks"), r"\$\d+ = (\d+)").group(1))
        if t1 < t0 + 2:
            raise AssertionError(f"the kernel should have run two ticks: {t0} -> {t1}")
        expect(gdb.cmd("detach"), r"detached")


@scenario
def panic_backtrace(log):
    with machine(log, "run=ktrace -c") as m:
        out = gdb_batch(m, ["continue", "bt", "p p->p_comm", "p p->p_tracep", "p $_siginfo",
                            "p/x $cr2", "detach"], name="panic")
        expect(out, r"^\$2 = \(struct ktrace_node \*\) 0x0")
        expect_ktrace_fault(m, out)


@scenario
def panic_then_attach(log):
    attach_after_fault(log, "postmortem")


@scenario
def panic_without_debugger(log):
    with machine(log, "kstub.off run=ktrace -c", wait=False) as m:
        m.out.wait_for(r"fatal trap 14 \(page fault\)")
        m.out.wait_for(r"panic: page fault, halting")
        m.out.wait_for(r"^halted")
        rc = m.wait_exit()
        if rc != 1:
            raise AssertionError(f"isa-debug-exit should end QEMU with 1, got {rc}")


@scenario
def detach_restores_text(log):
    orig = elf_bytes("sys_mkdir", 1)[0]
    with machine(log, wait=False) as m:
        with Gdb() as gdb:
            expect(gdb.cmd(f"target remote {m.target}"), r"Remote debugging using")
            t0 = int(expect(gdb.cmd("monitor ticks"), r"ticks = (\d+)").group(1))
            expect(gdb.cmd("break sys_mkdir"), r"Breakpoint 1 at")
            gdb.send("continue")
            gdb.expect("Continuing.")
            m.console("mkdir /first")
            expect(gdb.expect(r"\(gdb\) "), r"hit Breakpoint 1, sys_mkdir")
            expect(gdb.cmd("set breakpoint always-inserted on"), r"")
            expect(gdb.cmd("detach"), r"detached")
        # The int3 is gone: these run through, and the clock still ticks.
        m.out.wait_for(r"mkdir: created /first")
        m.console("mkdir /after/detach")
        m.out.wait_for(r"mkdir: created /after/detach")
        expect_text_pristine(m, "after detach")
        out = gdb_batch(m, ["x/xb sys_mkdir", "info threads",
                            "monitor help", "monitor ps", "monitor ticks", "detach"],
                        name="reattach")
        expect(out, rf"<sys_mkdir>:\s+0x{orig:02x}$")
        expect(out, r'Thread \d+ "clock"')
        expect(out, r"ps - kernel threads")
        expect(out, r"clock\s+(sleeping on hardclock|running|runnable)")
        t1 = int(expect(out, r"ticks = (\d+)").group(1))
        if t1 <= t0:
            raise AssertionError(f"the kernel did not run after detach: ticks {t0} -> {t1}")


@scenario
def oneline_console_as_o_packets(log):
    with machine(log, "run=ps;mkdir /one/line", oneline=True) as m:
        out = gdb_batch(m, ["break sys_mkdir", "continue", "print path", "detach"],
                        name="oneline")
        # Console output while gdb waited: carried as O packets.
        expect(out, r"PID COMMAND")
        expect(out, r"42 sh")
        expect(out, r'hit Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ <[^>]*> "/one/line"')
        expect(out, r'^\$1 = 0x[0-9a-f]+ <[^>]*> "/one/line"')


@scenario
def serial_cable_pty(log):
    with machine(log, "run=mkdir /via/pty") as m:
        with tempfile.TemporaryDirectory(prefix="kstub-qemu-") as tmp, \
                SerialPty(m, os.path.join(tmp, "ttyS1")) as pty:
            out = gdb_batch(m, ["info registers rip", "break sys_mkdir", "continue",
                                "print path", "detach"], pre=["set serial baud 115200"],
                            name="pty", target=pty.path)
        expect(out, r"rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <kdb_enter")
        expect(out, r'\$1 = 0x[0-9a-f]+ <[^>]*> "/via/pty"')
        m.out.wait_for(r"mkdir: created /via/pty")


@scenario
def monitor_reboot(log):
    with machine(log) as m:
        out = gdb_batch(m, ["monitor help", "monitor reboot"], name="reboot")
        expect(out, r"reboot - reset the machine")
        expect(out, r"Remote connection closed")
        rc = m.wait_exit()
        if rc != 0:
            raise AssertionError(f"a reset under -no-reboot should end QEMU with 0, got {rc}")


@scenario
def qemu_gdbstub_for_comparison(log):
    with machine(log, stub="qemu") as m:
        out = gdb_batch(m, ["info registers rip", "break kmain", "continue", "bt",
                            "detach"], name="qemustub")
        expect(out, r"rip\s+0xfff0")
        expect(out, r"hit Breakpoint 1, kmain")


shared.register(scenario, BareMetal())


def boot_times():
    if BOOT_TIMES:
        return f"boot to the stub {min(BOOT_TIMES):.2f}-{max(BOOT_TIMES):.2f} s"
    return None


QEMU = Suite("e2e-qemu", SCENARIOS, "qemu/*_scenarios.py", SLOW_FIRST, jobs=3,
             report=boot_times)

if __name__ == "__main__":
    sys.exit(main(QEMU))
