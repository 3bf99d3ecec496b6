"""QEMU scenarios for what only a real CPU shows: breakpoints the stub
must refuse, hlt, IST stacks, a double fault, register writes, a slow
second CPU, ^C from any CPU, the shared console line."""
import re
import time

from qcommon import expect, expect_real_bt, machine, mi_threads, refute
from qemu_machine import Gdb, Tap, gdb_batch, insn_at, outside_packets
from runner import Scenarios

SCENARIOS = scenario = Scenarios()


@scenario
def breakpoints_in_debugger_code(log):
    """An int3 in code the stub runs (copy_nofault: every memory read)
    or an exec DR on the trap entry would trap inside a debugger entry:
    the stub refuses both (E10), gdb says so, and the session goes on."""
    with machine(log, "run=mkdir /nd/one") as m:
        out = gdb_batch(m, ["break copy_nofault", "break sys_mkdir", "continue",
                            "delete 1", "continue", "print path",
                            "hbreak trap", "hbreak *vector_base", "continue",
                            "delete", "detach"],
                        name="nodebug", timeout=90)
        expect(out, r"Cannot insert breakpoint 1\.")
        expect(out, r'hit Breakpoint 2, sys_mkdir \(path=0x[0-9a-f]+ <[^>]*> "/nd/one"')
        expect(out, r'^\$1 = 0x[0-9a-f]+ <[^>]*> "/nd/one"')
        expect(out, r"Cannot insert hardware breakpoint 3\.")
        expect(out, r"detached")
        m.out.wait_for(r"mkdir: created /nd/one")
        refute(m.out.text(), r"^(fatal trap|panic:)")
        if not m.alive():
            raise AssertionError(f"the kernel died:\n{out}")


@scenario
def step_over_hlt(log):
    """stepi at a hlt is done at once, rip past it, the hlt not run (with
    IF clear for the step it would never end). From a ^C on an idle
    machine every stepi returns too."""
    hlt, after = insn_at("sched_idle_loop", "hlt")
    with machine(log, wait=False) as m, Gdb() as gdb:
        expect(gdb.cmd(f"target remote {m.target}"), r"Remote debugging using")
        gdb.send("continue")
        gdb.expect("Continuing.")
        m.console("sleep 1")
        m.out.wait_for(r"^sleep: 1 ticks")
        gdb.interrupt()
        expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
        pcs = []
        for _ in range(6):
            gdb.cmd("stepi", timeout=30)
            pcs.append(int(expect(gdb.cmd("p/x $pc"), r"= (0x[0-9a-f]+)").group(1), 16))
        if len(set(pcs)) < 3:
            raise AssertionError(f"stepi from an idle stop should move on: {pcs}")
        expect(gdb.cmd(f"hbreak *{hlt:#x}"), r"Hardware assisted breakpoint")
        gdb.cmd("continue")
        expect(gdb.cmd("p/x $pc"), rf"= {hlt:#x}$")
        t0 = time.monotonic()
        gdb.cmd("stepi", timeout=30)
        secs = time.monotonic() - t0
        expect(gdb.cmd("p/x $pc"), rf"= {after:#x}$")
        if secs > 10:
            raise AssertionError(f"stepi over hlt took {secs:.1f} s")
        expect(gdb.cmd("delete"), r"")
        expect(gdb.cmd("detach"), r"detached")
        m.console("mkdir /after/hlt")
        m.out.wait_for(r"mkdir: created /after/hlt")


@scenario
def ctrl_c_with_cpu0_parked(log):
    """scheduler-locking on, and only the "beat" thread's CPU 1 runs: CPU
    0 stays parked in the stub, so ^C must be noticed by CPU 1's tick."""
    with machine(log) as m, Gdb() as gdb:
        expect(gdb.cmd(f"target remote {m.target}"), r"kdb_enter")
        gdb.cmd("watch smp_beat")
        expect(gdb.cmd("continue"), r'"beat" hit Hardware watchpoint')
        gdb.cmd("delete")
        gdb.cmd("set scheduler-locking on")
        # Whichever thread CPU 0 runs (idle/0, or clock if it was woken).
        before, _ = mi_threads(gdb.cmd('interpreter-exec mi "-thread-info"'))[0]
        on0 = [t for t, (_, core) in before.items() if core == "0"]
        if len(on0) != 1:
            raise AssertionError(f"one thread should be on CPU 0: {before}")
        t0 = on0[0]
        pc0 = expect(gdb.cmd(f"thread apply {t0} p/x $pc"), r"= (0x[0-9a-f]+)").group(1)
        # Nothing on the console shows that CPU 1 runs (CPU 0 reads the
        # console): wait until gdb has sent the resume, or its ^C would
        # reach a stopped stub, which drops it.
        gdb.cmd("set debug remote 1")
        gdb.send("continue")
        gdb.expect(r"Sending packet: \$vCont;c")
        gdb.expect(r"\[remote\] ")	# the next debug line: it went out
        gdb.interrupt()
        expect(gdb.expect(r"received signal SIGINT"), r"SIGINT")
        gdb.expect(r"\(gdb\) ")
        gdb.cmd("set debug remote 0")
        mi = gdb.cmd('interpreter-exec mi "-thread-info"')
        threads, cur = mi_threads(mi)[0]
        if threads[cur][1] != "1":
            raise AssertionError(f"the stop should be CPU 1's: {threads}, current {cur}")
        pc1 = expect(gdb.cmd(f"thread apply {t0} p/x $pc"), r"= (0x[0-9a-f]+)").group(1)
        if threads[t0] != before[t0] or pc1 != pc0:
            raise AssertionError(f"CPU 0 should have stayed where it was, {before[t0]} at "
                                 f"{pc0}: {threads[t0]} at {pc1}\n{gdb.all}")
        gdb.cmd("set scheduler-locking off")
        expect(gdb.cmd("detach"), r"detached")
        m.console("mkdir /both/run")
        m.out.wait_for(r"mkdir: created /both/run")


@scenario
def register_writes(log):
    """Writes reach the CPU: read back past gdb's cache; a changed rip
    skips the divide of "trap fpe" (no #DE), a changed rax is its result;
    a changed rsi is sys_mkdir's mode. Registers the port cannot load
    back (segments, fs/gs base) are refused with E01, never dropped."""
    idiv, after = insn_at("trap_divide", "idiv")
    with machine(log, "run=trap fpe;mkdir /regs") as m:
        out = gdb_batch(m, [f"break *{idiv:#x}", "continue", "set $rax = 1234",
                            f"set $rip = {after:#x}", "maint flush register-cache",
                            "p $rax", "p/x $rip", "delete", "break *sys_mkdir", "continue",
                            "set $rsi = 0700", "set $r12 = 7", "maint flush register-cache",
                            "p/o $rsi", "p $r12", "p/x $fs_base", "set $fs_base = 0x1234",
                            "set $gs_base = 1", "set $ds = 0x2b",
                            "maint flush register-cache", "p/x $fs_base", "p $ds",
                            "delete", "detach"], name="regs")
        expect(out, r"^\$1 = 1234$")
        expect(out, rf"^\$2 = {after:#x}$")
        m.out.wait_for(r"^trap: 1234$")
        expect(out, r"^\$3 = 0700$")
        expect(out, r"^\$4 = 7$")
        fs_base = expect(out, r"^\$5 = (0x[0-9a-f]+)$").group(1)
        if fs_base == "0x1234":
            raise AssertionError("fs_base already holds the value the test writes")
        for r in ("fs_base", "gs_base", "ds"):
            expect(out, rf'Could not write register "{r}"; remote failure reply \'E01\'')
        expect(out, rf"^\$6 = {fs_base}$")
        expect(out, r"^\$7 = 16$")
        m.out.wait_for(r"mkdir: created /regs \(mode 700\)")
        refute(m.out.text(), r"fatal trap")


@scenario
def oneline_no_raw_bytes(log):
    """With the console on the debugger's line, nothing but packets
    reaches gdb while it is attached, even while a CPU prints as the
    other stops: every line arrives as an O packet or is counted as
    dropped, never written raw into gdb's packets."""
    lines = 2000
    with machine(log, f"run=chatter {lines}", oneline=True) as m, Tap(m) as tap:
        out = gdb_batch(m, ["watch smp_beat"] + ["continue"] * 25 +
                        ["delete", "monitor console", "detach"],
                        name="oneline-tap", target=tap.target, timeout=180)
        raw = outside_packets(tap.kernel_bytes_until_detach())
        if raw:
            raise AssertionError(f"raw bytes on the line while gdb was attached: "
                                 f"{raw[:200]!r}\n{out}")
        hits = re.findall(r"hit Hardware watchpoint 1: smp_beat", out)
        if len(hits) != 25:
            raise AssertionError(f"expected 25 watchpoint hits:\n{out}")
        dropped = int(expect(out, r"^console: (\d+) dropped").group(1))
        shown = set(re.findall(r"^chatter (\d+)$", out, re.M))
        if not shown:
            raise AssertionError(f"no console line reached gdb:\n{out}")
        missing = [i for i in range(int(max(shown, key=int)) + 1) if str(i) not in shown]
        if len(missing) > dropped:
            raise AssertionError(f"{len(missing)} lines lost, {dropped} counted as dropped:\n{out}")


@scenario
def slow_second_cpu(log):
    """A CPU slower to start than the boot CPU's old 500 ms wait still
    joins; one that starts after the boot CPU gave up halts instead of
    running unknown to the stub."""
    with machine(log, "smp.apdelay=1500") as m:
        out = gdb_batch(m, ["info threads", "p ncpus", "detach"], name="slowcpu")
        expect(out, r'Thread \d+ "idle/1"')
        expect(out, r"^\$1 = 2$")
    with machine(log, "smp.aptimeout=200 smp.apdelay=1500") as m:
        m.out.wait_for(r"smp: cpu 1 came up after the boot cpu gave up on it, halted")
        out = gdb_batch(m, ["info threads", "p ncpus", "p pcpus[1].online", "detach"],
                        name="latecpu")
        refute(out, r'"idle/1"')
        expect(out, r"^\$1 = 1$")
        expect(out, r"^\$2 = 0$")
        m.console("mkdir /one/cpu")
        m.out.wait_for(r"mkdir: created /one/cpu")
    log_text = "".join(x.out.text() for x in log)
    expect(log_text, r"smp: cpu with apic id \d+ did not start")


@scenario
def stack_overflow_double_fault(log):
    """A kernel stack runs into its guard page: the #PF cannot be pushed
    on that stack, so it is a #DF, on its own IST stack, and the stub
    catches it (the saved state is the overflowing function's)."""
    with machine(log, "run=overflow", wait=False) as m:
        m.out.wait_for(r"fatal trap 8 \(double fault\) on cpu \d")
        m.out.wait_for(r"kstub: waiting for gdb")
        out = gdb_batch(m, ["bt 1", "p (unsigned long)$rsp - (unsigned long)&kstacks[0]",
                            "p sizeof(struct kstack)", "detach"], name="dfault")
        expect(out, r"#0  (0x[0-9a-f]+ in )?stack_overflow \(depth=")
        off, size = (int(x) for x in re.findall(r"^\$\d+ = (\d+)$", out, re.M))
        if not (off // size < 32 and off % size <= 4096):
            raise AssertionError(f"rsp should be at a kstack's guard page: offset {off}\n{out}")
    with machine(log, "kstub.off run=overflow", wait=False) as m:
        m.out.wait_for(r"fatal trap 8 \(double fault\)")
        m.out.wait_for(r"panic: double fault, halting")
        refute(m.out.text(), r"kstub: waiting")


@scenario
def ist_stacks(log):
    """#DB, NMI and #DF have IST stacks of their own: the IDT says so, the
    TSS points at them, and a single step works with a bogus rsp (the
    #DB is pushed on its IST stack, not on rsp)."""
    with machine(log, "run=mkdir /ist") as m:
        out = gdb_batch(m, ["p/d idt[1].ist", "p/d idt[2].ist", "p/d idt[8].ist",
                            "p/d idt[14].ist",
                            "p pcpus[1].tss.ist[0] == (unsigned long)&ist_stacks[1][0].stack[16384]",
                            "p pcpus[0].tss.ist[1] == (unsigned long)&ist_stacks[0][1].stack[16384]",
                            "p pcpus[0].tss.ist[2] == (unsigned long)&ist_stacks[0][2].stack[16384]",
                            "break sys_mkdir", "continue", "delete", "set $old_sp = $rsp",
                            "p/x $pc", "set $rsp = 0x1000", "stepi", "p/x $pc", "p/x $rsp",
                            "set $rsp = $old_sp", "detach"], name="ist")
        for n, want in enumerate((1, 2, 3, 0, 1, 1, 1), 1):
            expect(out, rf"^\${n} = {want}$")
        pcs = [int(x, 16) for x in re.findall(r"^\$(?:8|9) = (0x[0-9a-f]+)$", out, re.M)]
        if len(pcs) != 2 or not 0 < pcs[1] - pcs[0] <= 15:
            raise AssertionError(f"stepi with rsp 0x1000 should move one instruction: {pcs}\n{out}")
        expect(out, r"^\$10 = 0x1000$")
        m.out.wait_for(r"mkdir: created /ist")
        refute(m.out.text(), r"fatal trap")
