#!/usr/bin/env python3
"""End-to-end tests: real gdb and lldb against the simulated kernel.

Each scenario starts its own kstub-sim (its own port or pty) and asserts
on what the debugger prints. runner.py runs them and says how:
    run.py [-k TEXT] [-j JOBS] [--repeat N] [NAME...]
More hostsim scenarios go in tests/e2e/sim_*.py (see runner.py)."""
import concurrent.futures
import re
import subprocess
import sys
import time

from checks import (bench_bytes, c_string, expect, expect_distinct_sps, expect_pristine,
                    file_byte, gdb_threads, hit_mkdir_once, link_addrs, refute, reg)
from harness import SIM, Gdb, Rsp, Sim, gdb_batch, lldb_batch, resume_seen_running
from rsp_client import run_sim, symbols
from faults import (FAULT_RESULTS, FAULT_RUNS, RSP_FAULTS, RSP_SEEDS, RSP_SYMS, fault_counts,
                    fault_session, rsp_fault_run)

from runner import Scenarios, Suite, main

SCENARIOS = scenario = Scenarios()
# Those that take longest start first, so the run ends sooner on 2 cores
# (measured: the order of a full run's times, longest first).
SLOW_FIRST = ("link_faults_rsp_client", "link_faults", "stepi_out_of_boot_stop",
              "detach_reattach", "rwatch_awatch", "attach_pty", "baud_limit_paces",
              "lldb_session", "cpus_one_and_four")


def running(sim, gdb, path):
    """continue until a mkdir of path has run: the kernel is running."""
    resume_seen_running(sim, gdb, f"mkdir {path}", rf"mkdir: created {re.escape(path)}")


@scenario
def attach_tcp_threads(sim_log):
    """Threads, a sleeping thread's backtrace, and qOffsets relocating
    every kind of section, simulator's and kernel's alike."""
    with Sim("--wait") as sim, Gdb() as gdb:
        sim_log.append(sim)
        expect(gdb.cmd(f"target remote {sim.target}"), r"kdb_enter \(why=")
        info = gdb.cmd("info threads")
        threads = gdb_threads(info)
        for name in ("clock", "pager", "sh", "idle/0", "idle/1"):
            if name not in threads:
                raise AssertionError(f"no thread {name}:\n{info}")
        # With 4 LOAD segments gdb moved only .text/.data/.bss: these
        # printed "Cannot access memory at address 0x29bd40" and worse.
        expect(gdb.cmd("p sim_ncpus"), r"^\$\d+ = 2$", "sim_bss")
        expect(gdb.cmd("p trace_fd"), r"^\$\d+ = -1$", "sim_data")
        # Read through the stub at the relocated address vs what the stub
        # lists: its own four commands (help reboot cpus threads) and the port's.
        n = len(re.findall(r"^  \S+ - ", gdb.cmd("monitor help"), re.M)) - 4
        expect(gdb.cmd("p sim_monitor_count"), rf"^\$\d+ = {n}$", "sim_rodata")
        expect(gdb.cmd("x/i sim_console_out"), r"<sim_console_out>:\s+\w", "sim_text")
        expect(gdb.cmd("p shell_usage"), r'^\$\d+ = "mkdir PATH, ktrace -c', ".rodata")
        expect(gdb.cmd("p made_count"), r"^\$\d+ = 0$", ".bss")
        expect(gdb.cmd("p allproc->p_comm"), r'"swapper', ".data")
        expect(gdb.cmd("info line kprintf"), r'Line \d+ of "hostsim/kconsole.c" starts at '
               r'address 0x[0-9a-f]{9,}', "kprintf relocated")
        # Let the threads run, then stop them anywhere.
        running(sim, gdb, "/attach")
        gdb.interrupt()
        expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
        # A sleeping kernel thread: its saved context unwinds.
        expect(gdb.cmd(f"thread {threads['clock']}"), r"Switching to thread \d+")
        bt = gdb.cmd("bt")
        expect(bt, r'tsleep \(chan=0x[0-9a-f]+ <hardclock_chan>, wmesg=0x[0-9a-f]+ "hardclock"\)')
        expect(bt, r"in clock_thread \(arg=0x0\) at workload/workload.c")
        # Every CPU and thread has registers of its own.
        expect_distinct_sps(gdb.cmd("thread apply all p/x $sp"), threads)
        expect(gdb.cmd("detach"), r"detached")


@scenario
def cpus_one_and_four(sim_log):
    for n in (1, 4):
        with Sim("--wait", "--cpus", str(n)) as sim:
            sim_log.append(sim)
            out = gdb_batch(sim, ["info threads", "p sim_ncpus", "thread apply all p/x $sp",
                                  "detach"], name=f"cpus{n}")
            idle = [f"idle/{i}" for i in range(n)]
            threads = gdb_threads(out)
            if sorted(t for t in threads if t.startswith("idle/")) != idle:
                raise AssertionError(f"--cpus {n}: want {idle}:\n{out}")
            expect(out, rf"^\$1 = {n}$")
            expect_distinct_sps(out, idle + ["clock", "sh"])


@scenario
def attach_pty(sim_log):
    """Attach, ^C, detach and attach again, all over the pty."""
    with Sim("--wait", pty=True) as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["info registers rip", "detach"],
                        pre=["set serial baud 115200"], name="pty")
        expect(out, r"rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <kdb_enter")
        with Gdb() as gdb:
            gdb.cmd("set serial baud 115200")
            expect(gdb.cmd(f"target remote {sim.target}"), r"Remote debugging using")
            running(sim, gdb, "/pty/running")
            gdb.interrupt()
            expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
            expect(gdb.cmd("print ticks"), r"\$\d+ = \d+")
            expect(gdb.cmd("detach"), r"detached")
        sim.console("mkdir /pty/between")
        sim.out.wait_for(r"mkdir: created /pty/between")
        again = gdb_batch(sim, ["info threads", "detach"], pre=["set serial baud 115200"],
                          name="pty2")
        expect(again, r'Thread \d+ "clock"')
        expect(again, r"detached")


@scenario
def kernel_api_breaks(sim_log):
    """kprintf and friends are kernel text: int3 and DR breakpoints both
    work there. An exec DR outside kernel text is reported, not ignored."""
    with Sim("--wait", "--run", "mkdir /k/one; mkdir /k/two") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["break kprintf", "hbreak *sim_console_out", "continue", "bt 2",
                              "delete", "hbreak kprintf", "continue", "bt 2", "delete",
                              "detach"], name="kapi")
        expect(out, r'hit Breakpoint 1, kprintf \(fmt=0x[0-9a-f]+ "mkdir: created %s')
        expect(out, r'#1 .* in sys_mkdir \(path=0x[0-9a-f]+ "/k/one"')
        expect(out, r'hit Breakpoint 3, kprintf \(fmt=0x[0-9a-f]+ "mkdir: created %s')
        expect(out, r'#1 .* in sys_mkdir \(path=0x[0-9a-f]+ "/k/two"')
        hb = expect(out, r"Hardware assisted breakpoint 2 at (0x[0-9a-f]+)").group(1)
        sim.err.wait_for(rf"DR\d: exec breakpoint at {hb} is outside kernel text", timeout=5)


@scenario
def stepping(sim_log):
    with Sim("--wait", "--run", "mkdir /tmp/step") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["break sys_mkdir", "continue", "p/x $pc", "stepi",
                              "p/x $pc", "nexti", "p/x $pc", "step", "info line *$pc",
                              "next", "info line *$pc", "delete", "detach"], name="step")
        pcs = [int(x, 16) for x in re.findall(r"^\$\d+ = (0x[0-9a-f]+)", out, re.M)]
        if len(pcs) != 3 or not pcs[0] < pcs[1] < pcs[2]:
            raise AssertionError(f"stepi/nexti should move forward: {pcs}\n{out}")
        lines = [int(x) for x in re.findall(r'^Line (\d+) of "workload/workload.c"', out, re.M)]
        if len(lines) != 2 or not lines[0] < lines[1]:
            raise AssertionError(f"step/next should move down sys_mkdir: {lines}\n{out}")
        refute(out, r"hardclock|intr_handler")


@scenario
def registers(sim_log):
    """Writes reach the kernel: read back past gdb's cache, and a changed
    argument changes what the kernel does."""
    with Sim("--wait", "--run", "mkdir /regs") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["break *sys_mkdir", "continue", "info registers rip rsp eflags",
                              "set $rsi = 0700", "set $rax = 0x1234abcd", "set $old12 = $r12",
                              "set $r12 = 7", "maint flush register-cache", "p/x $rax",
                              "p $r12", "p/o $rsi", "set $r12 = $old12", "p $cr0",
                              "p/x $fs_base", "set $fs_base = 0", "set $gs_base = 1",
                              "set $ds = 0x2b", "maint flush register-cache", "p/x $fs_base",
                              "delete", "detach"], name="regs")
        expect(out, r"^rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <sys_mkdir>")
        expect(out, r"^eflags\s+0x[0-9a-f]+\s+\[.*IF.*\]")
        expect(out, r"^\$1 = 0x1234abcd")
        expect(out, r"^\$2 = 7")
        expect(out, r"^\$3 = 0700")
        expect(out, r"^\$4 = <unavailable>", "cr0 reported unavailable, never invented")
        fs_base = expect(out, r"^\$5 = (0x[0-9a-f]{6,})").group(1)
        # The machine cannot load these: refused (E01), never dropped.
        for r in ("fs_base", "gs_base", "ds"):
            expect(out, rf'Could not write register "{r}"; remote failure reply \'E01\'')
        expect(out, rf"^\$6 = {fs_base}$")
        sim.out.wait_for(r"mkdir: created /regs \(mode 700\)")


@scenario
def memory(sim_log):
    with Sim("--wait") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["x/2xg &ticks", "set var watch_me = 77", "p watch_me",
                              "x/x 0", "x/4xb 0xffffffffffff0000", "x/x 0x10000000",
                              "set var *(int *)0x10000000 = 1", "p/x sim_bus_hole",
                              "x/xb sim_bus_hole", "set var *(char *)sim_bus_hole = 1",
                              "p allproc->p_comm", "p *allproc->p_next", "detach"], name="mem")
        expect(out, r"<ticks>:\s+0x[0-9a-f]{16}\s+0x[0-9a-f]{16}")
        expect(out, r"^\$1 = 77")
        expect(out, r"Cannot access memory at address 0x0")
        expect(out, r"Cannot access memory at address 0xffffffffffff0000")
        # Canonical but unmapped: read and write both refused.
        if len(re.findall(r"Cannot access memory at address 0x10000000$", out, re.M)) != 2:
            raise AssertionError(f"0x10000000: read and write should fail:\n{out}")
        # A mapping with no file behind it: SIGBUS, not SIGSEGV.
        hole = expect(out, r"\$2 = (0x[0-9a-f]+)").group(1)
        if len(re.findall(rf"Cannot access memory at address {hole}$", out, re.M)) != 2:
            raise AssertionError(f"the SIGBUS hole: read and write should fail:\n{out}")
        expect(out, r'\$3 = "swapper')
        expect(out, r'p_comm = "init"')
        if not sim.alive():
            raise AssertionError("the machine died reading a bad address")


@scenario
def ctrl_c_breakin(sim_log):
    with Sim() as sim, Gdb() as gdb:
        sim_log.append(sim)
        expect(gdb.cmd(f"target remote {sim.target}"), r"Remote debugging using")
        running(sim, gdb, "/ctrl-c/running")
        gdb.interrupt()
        out = gdb.expect(r"\(gdb\) ")
        expect(out, r"received signal SIGINT")
        expect(gdb.cmd("bt 2"), r"#0 ")
        expect(gdb.cmd("print ticks"), r"\$\d+ = \d+")
        expect(gdb.cmd("detach"), r"detached")


@scenario
def console_to_gdb(sim_log):
    """--console-to-gdb: what the kernel prints while gdb waits for it
    shows in gdb, every line, even when it races a tick's link poll."""
    with Sim("--console-to-gdb") as sim, Gdb() as gdb:
        sim_log.append(sim)
        expect(gdb.cmd(f"target remote {sim.target}"), r"Remote debugging using")
        gdb.send("continue")
        gdb.expect("Continuing.")
        for i in range(4):
            sim.console(f"mkdir /cons/{i}")
            gdb.expect(rf"mkdir: created /cons/{i} \(mode 755\)")
            sim.console("ps")
            gdb.expect(r"42 sh")
        gdb.interrupt()
        expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
        expect(gdb.cmd("detach"), r"detached")
        refute(sim.out.text(), r"created /cons/|42 sh")


@scenario
def baud_limit_paces(sim_log):
    """--baud-limit --baud 9600: the kernel programs divisor 12 and the
    line runs at that rate, so replies come no faster than their bytes,
    10 bits each (8N1), at 9600. A slow rate, so that neither round trips
    nor a busy host (which slows a paced 115200 line to a few kB/s) can
    make an ignored divisor look right. Raw packets: a gdb connect reads
    target.xml and more, many seconds at this rate."""
    n, baud = 512, 9600
    with Sim("--wait", "--baud-limit", "--baud", str(baud)) as sim, Rsp(sim) as r:
        sim_log.append(sim)
        r.ask("qSupported")
        expect(r.monitor("uart"), rf"^uart: {baud} baud \(paced\), ")
        base = link_addrs()["bench_area"] + int(
            expect(r.ask("qOffsets"), r"^Text=([0-9a-f]+)").group(1), 16)
        got, before, t0 = b"", r.received, time.monotonic()
        while len(got) < n:	# replies may be short: the stub sizes them to the line
            got += bytes.fromhex(r.ask(f"m{base + len(got):x},{n - len(got):x}"))
        secs, wire = time.monotonic() - t0, r.received - before
        r.send("D")
        r.recv()
        if got != bench_bytes(n):
            raise AssertionError("the memory read differs from bench_area")
        floor = wire * 10 / baud
        if secs < floor:
            raise AssertionError(f"{wire} bytes in {secs:.2f} s: faster than {baud} baud "
                                 f"allows ({floor:.2f} s)")


@scenario
def panic_backtrace(sim_log):
    with Sim("--wait", "--run", "ktrace -c") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["continue", "bt", "p p->p_comm", "p p->p_tracep",
                              "x/4xb 0xffffffffffff0000", "p p->p_pid", "detach"],
                        name="panic")
        expect(out, r'received signal SIGSEGV')
        expect(out, r"#0  ktrace_clear_callback \(p=")
        expect(out, r"#1  .* in allproc_scan \(callback=.*ktrace_clear_callback")
        expect(out, r"#2  .* in sys_ktrace")
        expect(out, r"#3  .* in shell_exec")
        expect(out, r'^\$1 = "sh"')
        expect(out, r"^\$2 = \(struct ktrace_node \*\) 0x0")
        # A fault while the stub handles a fault.
        expect(out, r"Cannot access memory at address 0xffffffffffff0000")
        # gdb prints "ADDR:" before the error (stderr), so no ^ here.
        expect(out, r"\$3 = 42$", "the session goes on after the nested fault")


@scenario
def hook_fault_contained(sim_log):
    """A port hook that faults or hits an int3 inside the stub: gdb prints
    that the command faulted, the session and the machine go on."""
    with Sim("--wait") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["monitor hookfault read", "monitor hookfault int3",
                              "monitor ticks", "info registers rip", "detach"],
                        name="hookfault")
        if len(re.findall(r"^kstub: monitor hookfault: faulted; the stub stopped it$",
                          out, re.M)) != 2:
            raise AssertionError("both faulting hooks must say so:\n" + out)
        refute(out, r"Protocol error")
        expect(out, r"^ticks = \d+")
        expect(out, r"^rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <kdb_enter")
        expect(out, r"detached")
        sim.console("mkdir /after/hookfault")
        sim.out.wait_for(r"mkdir: created /after/hookfault")


@scenario
def trap_fpe_ill(sim_log):
    """#DE and #UD in kernel code reach gdb as SIGFPE and SIGILL, at the
    function that made them."""
    with Sim("--wait", "--run", "trap fpe; trap ill") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["continue", "bt 1", "return", "signal 0", "bt 1", "return",
                              "detach"], name="trap")
        expect(out, r"received signal SIGFPE, Arithmetic exception.\n(\[Switching.*\n)?"
                    r"(0x[0-9a-f]+ in )?trap_divide \(n=1\) at workload/workload.c")
        expect(out, r"received signal SIGILL, Illegal instruction.\n(\[Switching.*\n)?"
                    r"(0x[0-9a-f]+ in )?trap_illegal \(\) at workload/workload.c")
        sim.out.wait_for(r"trap: invalid opcode")


@scenario
def console_commands(sim_log):
    """The shell's ps, break and halt, and the command line's --help."""
    helped = subprocess.run([SIM, "--help"], capture_output=True, text=True, timeout=10)
    if helped.returncode != 0 or "usage: kstub-sim" not in helped.stdout:
        raise AssertionError(f"--help: exit {helped.returncode}\n{helped.stdout}{helped.stderr}")
    wrong = subprocess.run([SIM, "--no-such-option"], capture_output=True, text=True, timeout=10)
    if wrong.returncode != 2 or "usage: kstub-sim" not in wrong.stderr:
        raise AssertionError(f"bad option: exit {wrong.returncode}\n{wrong.stderr}")
    with Sim() as sim:
        sim_log.append(sim)
        sim.console("ps")
        sim.out.wait_for(r"PID COMMAND")
        for pid, comm in ((0, "swapper"), (1, "init"), (7, "syncer"), (42, "sh")):
            sim.out.wait_for(rf"^\s+{pid} {comm}$")
        sim.console("break")
        sim.out.wait_for(r"kdb_enter: console break")
        out = gdb_batch(sim, ["bt 3", "detach"], name="cbreak")
        expect(out, r'kdb_enter \(why=0x[0-9a-f]+ "console break"\)')
        expect(out, r"#1 .* in shell_exec \(line=0x[0-9a-f]+ \"break\"\)")
        sim.console("halt")
        sim.err.wait_for(r"kstub-sim: halted")
        if sim.proc.wait(timeout=10) != 0:
            raise AssertionError(f"halt: exit status {sim.proc.returncode}")


@scenario
def detach_reattach(sim_log):
    with Sim() as sim:
        sim_log.append(sim)
        with Gdb() as gdb:
            hit_mkdir_once(sim, gdb, "/before/detach")
            expect(gdb.cmd("detach"), r"detached")
        # Detach removed the breakpoint: these mkdirs run through.
        sim.out.wait_for(r"mkdir: created /before/detach")
        sim.console("mkdir /after/detach")
        sim.out.wait_for(r"mkdir: created /after/detach")
        expect_pristine(sim, "sys_mkdir")
        second = gdb_batch(sim, ["info threads", "break sys_mkdir", "monitor help",
                                 "monitor ps", "monitor ticks", "detach"], name="detach2")
        expect(second, r'Thread \d+ "clock"')
        expect(second, r"help - this list")
        expect(second, r"ps - kernel threads")
        expect(second, r"clock\s+sleeping on hardclock|clock\s+runn")
        expect(second, r"ticks = \d+")
        expect(second, r"detached")


@scenario
def lldb_session(sim_log):
    with Sim("--wait", "--run", "mkdir /tmp/lldb") as sim:
        sim_log.append(sim)
        out = lldb_batch(sim, ["register read rip rsp", "memory read -c 16 &bench_area[0]",
                               "thread list", "breakpoint set -n sys_mkdir", "continue",
                               "frame variable path", "bt", "register read rip", "si",
                               "register read rip", "detach"])
        expect(out, r"rip = 0x[0-9a-f]+\s+kstub-sim`kdb_enter")
        want = " ".join(f"{b:02x}" for b in bench_bytes(16))
        expect(out, rf"0x[0-9a-f]+: {want} ", "bench_area's first 16 bytes")
        # lldb 14 shows no names (it takes them only from stop replies and
        # jThreadsInfo), but every kernel thread and CPU by its tid.
        for tid in range(1, 6):
            expect(out, rf"thread #\d+: tid = {tid},", f"thread {tid}")
        expect(out, r"Breakpoint 1: where = kstub-sim`sys_mkdir")
        expect(out, r"stop reason = breakpoint 1\.1")
        expect(out, r'path = 0x[0-9a-f]+ "/tmp/lldb"')
        expect(out, r"frame #1: .*shell_exec")
        expect(out, r"stop reason = instruction step into")
        rips = [int(x, 16) for x in re.findall(r"^\s*rip = (0x[0-9a-f]+)", out, re.M)]
        if len(rips) != 3 or not 0 < rips[2] - rips[1] <= 15:
            raise AssertionError(f"si should move rip by one instruction: {rips}\n{out}")
        expect(out, r"Process \d+ detached")


@scenario
def link_faults(sim_log):
    clean, _ = fault_session(sim_log, None)
    for pat in FAULT_RESULTS:
        expect(clean, pat)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda r: (r, *fault_session(sim_log, f"{r[0]},seed={r[1]}")),
                             FAULT_RUNS))
    for (spec, seed), out, err in runs:
        if fault_counts(err)[0] == 0:
            raise AssertionError(f"{spec} seed {seed}: no byte was hit")
        for pat in FAULT_RESULTS:
            expect(out, pat, f"{spec} seed {seed}: {pat}")
        refute(out, r"Ignoring packet error|Invalid hex digit")




@scenario
def link_faults_options(sim_log):
    """A direction is spelled out in full, and a bad spec is named."""
    for spec, msg in (("dir=,drop=0.1", "direction '' is not"),
                      ("dir=t,drop=0.1", "direction 't' is not"),
                      ("dir=to-kernelx,drop=0.1", "direction 'to-kernelx' is not"),
                      ("dir=both,drop=2", "cannot parse 'drop=2'"),
                      ("reorder=0.1", "reorder= does not apply")):
        p = run_sim("--link-faults", spec)
        if p.returncode != 2 or not re.search(rf"^kstub-sim: --link-faults: .*{re.escape(msg)}",
                                              p.stderr, re.M):
            raise AssertionError(f"{spec}: exit {p.returncode}\n{p.stderr}")


@scenario
def link_faults_rsp_client(sim_log):
    syms = symbols(RSP_SYMS)
    clean, c, _ = rsp_fault_run(sim_log, None)
    want = {"stop1": "T05thread:3;", "stop2": "T05thread:3;", "path": "/tmp/lf",
            "rip1": syms["sys_mkdir"][0], "eax": 0}
    if {k: clean[k] for k in want} != want or c.stats.saw_damage() or \
            [f[0] for f in clean["frames"]] != ["shell_exec", "sh_main"] or \
            clean["rip2"] != syms["shell_exec"][0] + clean["frames"][0][1]:
        raise AssertionError(f"clean run: {clean} {c.stats}")
    with concurrent.futures.ThreadPoolExecutor(len(RSP_SEEDS)) as pool:
        runs = list(pool.map(lambda s: (s, *rsp_fault_run(sim_log, f"{RSP_FAULTS},seed={s}")),
                             RSP_SEEDS))
    for seed, res, c, err in runs:
        to_kernel, from_kernel = fault_counts(err)
        # Hit both ways, and the stub both asked for resends and resent.
        if not (to_kernel and from_kernel and c.stats.naks_in and c.stats.naks_out):
            raise AssertionError(f"seed {seed}: {to_kernel}/{from_kernel} bytes hit, {c.stats}")
        if res != clean:
            raise AssertionError(f"seed {seed}: {res} != clean {clean}\n{c.stats}\n"
                                 f"{c.trace_text()}")


@scenario
def gdb_killed_then_reconnect(sim_log):
    with Sim() as sim:
        sim_log.append(sim)
        with Gdb() as gdb:
            hit_mkdir_once(sim, gdb, "/hit/kill")
            gdb.kill()	# no detach: the cable is pulled
        # The stub removed the breakpoint and waits for the next debugger,
        # the kernel still where it stopped.
        out = gdb_batch(sim, ["info breakpoints", "bt 1", "x/1xb sys_mkdir", "detach"],
                        name="reconnect")
        expect(out, r"No breakpoints or watchpoints")
        expect(out, r'sys_mkdir \(path=0x[0-9a-f]+ "/hit/kill"')
        expect(out, rf"<sys_mkdir>:\s+0x{file_byte('sys_mkdir'):02x}$")
        sim.out.wait_for(r"mkdir: created /hit/kill")
        sim.console("mkdir /after/kill")
        sim.out.wait_for(r"mkdir: created /after/kill")


@scenario
def gdb_killed_resume_on_hangup(sim_log):
    with Sim("--resume-on-hangup") as sim:
        sim_log.append(sim)
        with Gdb() as gdb:
            hit_mkdir_once(sim, gdb, "/hit/hangup")
            gdb.kill()
        # The kernel runs on, and without the breakpoint.
        sim.out.wait_for(r"mkdir: created /hit/hangup")
        sim.console("mkdir /resumed")
        sim.out.wait_for(r"mkdir: created /resumed")
        expect_pristine(sim, "sys_mkdir")


# Scenarios the QEMU runner shares (tests/e2e/shared.py), on hostsim.
import shared  # noqa: E402


class Hostsim(shared.Machine):
    shell_frame = "sh_main"

    def boot(self, log, run=()):
        sim = Sim("--wait", *(["--run", "; ".join(run)] if run else []))
        log.append(sim)
        return sim

    def gdb(self, m, cmds, name):
        return gdb_batch(m, cmds, name=name)

    def text_addr(self, rsp, sym):
        """The PIE's slide (qOffsets) plus sym's link address."""
        slide = int(expect(rsp.ask("qOffsets"), r"^Text=([0-9a-f]+)").group(1), 16)
        return slide + link_addrs()[sym]


shared.register(scenario, Hostsim())

HOSTSIM = Suite("e2e", SCENARIOS, "sim_*.py", SLOW_FIRST, jobs=4)

if __name__ == "__main__":
    sys.exit(main(HOSTSIM))
