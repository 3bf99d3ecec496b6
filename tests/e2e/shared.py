"""Scenarios both machines run: the same gdb session and the same checks
against hostsim (tests/e2e/run.py) and the bare-metal kernel in QEMU
(tests/e2e/qemu/run_qemu.py). Each takes a Machine, which says how to
boot that machine stopped in the stub, how to run gdb against it and
what differs in what gdb prints there, and the runner's log list.

A runner registers them with register(scenario, machine)."""
import functools
import re

from checks import c_string, expect, reg
from harness import Rsp

SCENARIOS = []


class Machine:
    """What a shared scenario needs of a machine.

    boot(log, run=()) -> a context manager: the machine stopped in the
      stub at boot, the shell about to run the commands in run.
    gdb(m, cmds, name) -> what gdb -batch printed.
    text_addr(rsp, sym) -> where sym is in the running kernel.
    str_ptr: how gdb shows a char * (a symbol, if it is one, and all).
    shell_frame: the shell thread's function below shell_exec.
    """
    str_ptr = r"0x[0-9a-f]+"
    shell_frame = None

    def boot(self, log, run=()):
        raise NotImplementedError

    def gdb(self, m, cmds, name):
        raise NotImplementedError

    def text_addr(self, rsp, sym):
        raise NotImplementedError


def shared(fn):
    SCENARIOS.append(fn)
    return fn


def register(scenario, machine, only=None, prefix=""):
    """Add every shared scenario (or those in only) to a runner, bound to
    its machine, each named prefix + its own name."""
    for fn in SCENARIOS:
        if only is not None and fn not in only:
            continue
        bound = functools.partial(fn, machine)
        bound.__name__ = prefix + fn.__name__
        scenario(bound)


def watch_stops(out, kind):
    """The function each "hit <kind> watchpoint" stop is in, in order."""
    funcs = []
    for block in re.split(rf"hit {re.escape(kind)} watchpoint \d+: \w+\n", out)[1:]:
        frame = re.search(r"^(?:0x[0-9a-f]+ in )?(\w+) \(", block, re.M)
        funcs.append(frame.group(1) if frame else None)
    return funcs


@shared
def break_mkdir_bt_finish(mc, log):
    with mc.boot(log, ["mkdir /tmp/e2e"]) as m:
        out = mc.gdb(m, ["break sys_mkdir", "continue", "print path", "bt",
                         "finish", "detach"], "break")
        p = mc.str_ptr
        expect(out, rf'hit Breakpoint 1, sys_mkdir \(path={p} "/tmp/e2e", mode=493\)')
        expect(out, rf'^\$1 = {p} "/tmp/e2e"')
        expect(out, r"#1  .* in shell_exec \(line=.*\"mkdir /tmp/e2e\"")
        expect(out, rf"#2  .* in {mc.shell_frame}")
        expect(out, r"Value returned is \$\d+ = 0")
        m.out.wait_for(r"mkdir: created /tmp/e2e")


@shared
def stepi_out_of_boot_stop(mc, log):
    """The first thing a user may type after attaching at boot. The other
    CPUs stay parked during a step, so boot code after the stop must not
    wait for them: the step would never end and gdb would hang."""
    with mc.boot(log, ["mkdir /tmp/boot-step"]) as m:
        out = mc.gdb(m, ["p/x $pc", "stepi 100", "p/x $pc", "detach"], "bootstep")
        pcs = re.findall(r"^\$\d+ = (0x[0-9a-f]+)", out, re.M)
        if len(pcs) != 2 or pcs[0] == pcs[1]:
            raise AssertionError(f"stepi 100 should leave the boot stop: {pcs}\n{out}")
        m.out.wait_for(r"mkdir: created /tmp/boot-step")


@shared
def watch_ticks(mc, log):
    with mc.boot(log) as m:
        out = mc.gdb(m, ["watch ticks", "continue", "continue", "continue",
                         "delete", "detach"], "watch")
        expect(out, r"Hardware watchpoint 1: ticks")
        pairs = [(int(a), int(b)) for a, b in
                 re.findall(r"Old value = (\d+)\nNew value = (\d+)", out)]
        if len(pairs) != 3 or any(b != a + 1 for a, b in pairs):
            raise AssertionError(f"ticks should count up by one per hit: {pairs}\n{out}")
        expect(out, r"clock_thread")


@shared
def rwatch_awatch(mc, log):
    """x86 has no read-only watchpoint: rwatch takes an access slot and
    the stub keeps quiet about the writes. pager_thread stores to
    watch_me every tick without reading it (watch_store); rwatch must
    stop only where it reads, awatch must see the stores too."""
    with mc.boot(log) as m:
        out = mc.gdb(m, ["rwatch watch_me"] + ["continue"] * 4 + ["delete",
                         "awatch watch_me"] + ["continue"] * 6 + ["delete", "detach"],
                     "rwatch")
        expect(out, r"Hardware read watchpoint 1: watch_me")
        expect(out, r"hit Hardware read watchpoint 1: watch_me\n\nValue = \d+")
        reads = watch_stops(out, "Hardware read")
        if reads != ["pager_thread"] * 4:
            raise AssertionError(f"rwatch should stop only at pager's reads: {reads}\n{out}")
        expect(out, r"Hardware access \(read/write\) watchpoint 2: watch_me")
        access = watch_stops(out, "Hardware access (read/write)")
        if len(access) != 6 or "watch_store" not in access:
            raise AssertionError(f"awatch should see the stores too: {access}\n{out}")


@shared
def hbreak_twice(mc, log):
    with mc.boot(log, ["mkdir /hb/one", "mkdir /hb/two"]) as m:
        out = mc.gdb(m, ["hbreak sys_mkdir", "continue", "print path",
                         "continue", "print path", "delete", "detach"], "hbreak")
        expect(out, r"Hardware assisted breakpoint 1 at")
        expect(out, rf'\$1 = {mc.str_ptr} "/hb/one"')
        expect(out, rf'\$2 = {mc.str_ptr} "/hb/two"')
        m.out.wait_for(r"mkdir: created /hb/two")


@shared
def hbreak_resume_rf(mc, log):
    """Resume from an exec DR hit with the breakpoint left in (gdb always
    lifts it around the step): RF must carry the CPU over the address
    once, and the next arrival must trap again. Raw packets, since gdb
    will not do this."""
    with mc.boot(log, ["mkdir /rf/one", "mkdir /rf/two"]) as m, Rsp(m) as r:
        r.ask("qSupported:hwbreak+;swbreak+")
        at = mc.text_addr(r, "sys_mkdir")
        if r.ask(f"Z1,{at:x},1") != "OK":
            raise AssertionError("Z1 refused")
        boot_stop = mc.text_addr(r, "kdb_enter")
        for path in ("/rf/one", "/rf/two"):
            stop = r.ask("c")
            # Our packets can reach the stub (through another CPU's poll)
            # before the boot CPU's own int3 in kdb_enter does: then that
            # stop, a real one, comes first.
            if path == "/rf/one" and "hwbreak" not in stop and \
                    0 <= reg(r, 16) - boot_stop < 0x100:
                stop = r.ask("c")
            expect(stop, r"^T05.*hwbreak:", f"an exec DR stop for {path}")
            rip = reg(r, 16)
            if rip != at:
                raise AssertionError(f"{path}: stopped at {rip:#x}, not sys_mkdir {at:#x}")
            got = c_string(r, reg(r, 5))
            if got != path:
                raise AssertionError(f"re-trapped without running: path {got!r}, want {path!r}")
        m.out.wait_for(r"mkdir: created /rf/one")
        if r.ask(f"z1,{at:x},1") != "OK":
            raise AssertionError("z1 refused")
        r.send("D")
        r.recv()
        m.out.wait_for(r"mkdir: created /rf/two")


@shared
def panic_stays_debuggable(mc, log):
    """gdb passes SIGSEGV on by default, so the natural continue after a
    caught fault hands it to the kernel, which panics: the panic must
    stop in panic() with a backtrace through the trap into the function
    that faulted, stop there again on continue, and wait, stopped, for
    a later gdb until "monitor panic-proceed" lets it halt."""
    with mc.boot(log, ["ktrace -c"]) as m:
        out = mc.gdb(m, ["continue", "continue", "bt", "print panicstr",
                         "continue", "bt 1", "detach"], "panic")
        expect(out, r"received signal SIGSEGV")
        panic_bt(out)
        expect(out, r'^\$1 = .*"\S.* the debugger passed it on"', "panicstr")
        stops = re.findall(r"received signal SIGABRT, Aborted\.\n"
                           r"(?:\[.*\]\n)?panic \(msg=", out)
        if len(stops) != 2:
            raise AssertionError(f"continue at the panic should stop in panic() again\n{out}")
        m.out.wait_for(r"panic: \S.* the debugger passed it on\n")
        m.out.wait_for(r"panic: .*: the kernel stays stopped in the debugger")

        # A new debugger finds the machine as the first left it.
        out = mc.gdb(m, ["bt", "print panicstr", "monitor help", "detach"], "panic2")
        panic_bt(out)
        expect(out, r'^\$1 = .*the debugger passed it on"', "panicstr")
        expect(out, r"panic-proceed - ")

        # Only the explicit choice lets the panic go on: it halts.
        out = mc.gdb(m, ["monitor panic-proceed", "detach"], "panic3")
        expect(out, r"the panic proceeds at the next continue or detach")
        m.out.wait_for(r"panic: .*, halting")


@shared
def panic_after_stepi(mc, log):
    """stepi at a caught fault passes the signal too (S0b): the step ends
    in the panic, not in a machine that is gone."""
    with mc.boot(log, ["ktrace -c"]) as m:
        out = mc.gdb(m, ["continue", "stepi", "bt", "detach"], "panicstep")
        expect(out, r"received signal SIGSEGV")
        expect(out, r"received signal SIGABRT, Aborted\.\n(?:\[.*\]\n)?panic \(msg=")
        panic_bt(out)
        m.out.wait_for(r"panic: .*: the kernel stays stopped in the debugger")


def panic_bt(out):
    """panic() on top; through the trap frame into the faulting code."""
    expect(out, r"^#0  panic \(msg=")
    expect(out, r"^#1  .* in \w+ \(")
    expect(out, r"<signal handler called>\n#\d+  ktrace_clear_callback \(p=")
    expect(out, r"^#\d+  .* in allproc_scan \(")
    expect(out, r"^#\d+  .* in sys_ktrace \(")
