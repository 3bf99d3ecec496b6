"""The DMA ring transport against kstub-sim --fw: gdb and lldb through
kstub-fw, the console ring, kstub-fw's reports, and the hung-kernel mode
(--no-cpu) on a machine whose CPUs spin with interrupts off.

Each scenario is fn(sim_log); the runner finds this module by its name."""
import os
import re
import subprocess
import tempfile

from checks import expect, refute
from harness import ROOT, Gdb, Lines, Sim, gdb_batch, lldb_batch, resume_seen_running
from runner import Scenarios

SCENARIOS = scenario = Scenarios()
FW = os.path.join(ROOT, "build", "kstub-fw")


class _Via:
    """What gdb_batch and lldb_batch connect to, in place of a Sim."""

    def __init__(self, target):
        self.target = target


def _fw_target(mem, *args):
    return _Via(f"| {FW} --mem {mem} " + " ".join(args))


class _Listener:
    """kstub-fw --listen 0: serves one debugger after another on a port."""

    def __init__(self, mem, *args):
        self.proc = subprocess.Popen([FW, "--mem", mem, "--listen", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.out = Lines(self.proc.stdout)
            self.err = Lines(self.proc.stderr)
            port = self.err.wait_for(r"kstub-fw: gdb: target remote 127.0.0.1:(\d+)").group(1)
            self.target = f"127.0.0.1:{port}"
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def expect_console_once(mem, console, line):
    """line, which the kernel printed while or after a session whose
    console went to the file console, came through the console ring
    exactly once: in that file, or, if the kernel printed it after that
    kstub-fw had gone, to the next kstub-fw, which drains the ring at its
    start (whatever the machine)."""
    again = console + ".again"
    # No debugger (stdin at EOF): it drains the console ring and ends.
    subprocess.run([FW, "--mem", mem, "--console", again], stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=30, check=True)
    text = ""
    for path in (console, again):
        with open(path) as f:
            text += f.read()
    if text.count(line) != 1:
        raise AssertionError(f"{line!r} should have come through the console ring "
                             f"once:\n{text[-2000:]}")


def expect_fw_session(out):
    """What fw_gdb_session's commands after the breakpoint print, on any
    machine: stepi moved the pc, the watchpoint hit, the dump, no-ack
    mode taken by both sides, a clean detach."""
    pcs = [int(x, 16) for x in re.findall(r"^\$\d+ = (0x[0-9a-f]+)$", out, re.M)]
    if len(pcs) != 2 or pcs[0] == pcs[1]:
        raise AssertionError(f"stepi should move the pc: {pcs}\n{out}")
    expect(out, r"Hardware watchpoint 2: watch_me")
    expect(out, r"^New value = ")
    expect(out, r"<ticks>:\s+0x[0-9a-f]{16}")
    expect(out, r"Packet received: .*QStartNoAckMode\+")
    expect(out, r"Sending packet: \$QStartNoAckMode#b0")
    expect(out, r"Inferior 1 \(Remote target\) detached")


@scenario
def fw_gdb_session(sim_log):
    """Break, step, watch and memory through the rings, in no-ack mode,
    and the console's output in kstub-fw's console file meanwhile."""
    with tempfile.TemporaryDirectory(prefix="kstub-fw-") as tmp:
        mem = os.path.join(tmp, "mem")
        console = os.path.join(tmp, "console")
        with Sim("--fw", mem, "--wait", "--run", "mkdir /fw/one") as sim:
            sim_log.append(sim)
            out = gdb_batch(_fw_target(mem, "--console", console),
                            ["bt 1", "break sys_mkdir", "continue", "p/x $pc", "stepi",
                             "p/x $pc", "delete", "watch watch_me", "continue", "delete",
                             "x/2xg &ticks", "p sizeof(sim_kthreads)", "detach"],
                            pre=["set debug remote 1"], name="fw")
            expect(out, r"#0\s+kdb_enter \(why=0x[0-9a-f]+ \"boot \(--wait\)\"")
            expect(out, r'Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ "/fw/one"')
            expect_fw_session(out)
            # Data reads (x/4xg &ticks at least) came from the file.
            expect(out, r"kstub-fw: data reads come straight from memory while the target "
                        r"is stopped")
            sim.out.wait_for(r"mkdir: created /fw/one")
            expect_console_once(mem, console, "mkdir: created /fw/one")


@scenario
def fw_direct_reads_match_the_stub(sim_log):
    """Data reads kstub-fw answers from the memory file while the stub
    holds the machine show what the stub itself shows (--via-stub), and
    a write made through the stub is read back from the file at once."""
    with tempfile.TemporaryDirectory(prefix="kstub-fw-") as tmp:
        mem = os.path.join(tmp, "mem")
        dump = ["x/48xb (char *)&bench_area + 4093", "p/x *(long *)&bench_zero"]
        with Sim("--fw", mem, "--wait") as sim:
            sim_log.append(sim)
            direct = gdb_batch(_fw_target(mem), [*dump, "set var watch_me = 4242",
                                                 "p watch_me", "detach"], name="fw-direct")
            expect(direct, r"data reads come straight from memory")
            expect(direct, r"^\$2 = 4242$", "the stub's write, read from the file")
            stub = gdb_batch(_fw_target(mem, "--via-stub"), [*dump, "detach"],
                             name="fw-via-stub")
            refute(stub, r"data reads come straight from memory")
            lines = [re.findall(r"^0x[0-9a-f]+ <bench_area\+\d+>:.*$", o, re.M)
                     for o in (direct, stub)]
            if len(lines[0]) != 6 or lines[0] != lines[1]:
                raise AssertionError(f"direct and stub reads differ:\n{direct}\n{stub}")
            expect(stub, r"^\$1 = 0x0$")


@scenario
def fw_break_in(sim_log):
    """^C while the kernel runs: kstub-fw puts the one-byte break record
    in the ring, a CPU's next tick finds it, and gdb stops the kernel."""
    with tempfile.TemporaryDirectory(prefix="kstub-fw-") as tmp:
        mem = os.path.join(tmp, "mem")
        with Sim("--fw", mem, "--wait") as sim:
            sim_log.append(sim)
            with Gdb() as gdb:
                expect(gdb.cmd(f"target remote | {FW} --mem {mem}"), r"kdb_enter \(why=")
                resume_seen_running(sim, gdb, "mkdir /fw/run", r"mkdir: created /fw/run")
                gdb.interrupt()
                expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
                expect(gdb.cmd("p made_count"), r"^\$\d+ = 1$")
                expect(gdb.cmd("detach"), r"detached")


@scenario
def fw_lldb_session(sim_log):
    """lldb over kstub-fw's TCP port, then gdb on the same port: a new
    debugger gets a clean session."""
    with tempfile.TemporaryDirectory(prefix="kstub-fw-") as tmp:
        mem = os.path.join(tmp, "mem")
        with Sim("--fw", mem, "--wait") as sim, _Listener(mem) as fw:
            sim_log.append(sim)
            out = lldb_batch(_Via(fw.target), ["register read rip", "bt 1", "detach"])
            expect(out, r"rip = 0x[0-9a-f]+\s+kstub-sim`kdb_enter")
            refute(out, r"error: ")
            out = gdb_batch(_Via(f"tcp:{fw.target}"), ["p ticks >= 0", "info threads", "detach"],
                            name="fw-after-lldb")
            expect(out, r"^\$1 = 1$")
            expect(out, r'Thread \d+ "sh"')
            expect(out, r"Inferior 1 \(Remote target\) detached")


@scenario
def fw_hung_kernel(sim_log):
    """Every CPU spins with interrupts off: kstub-fw --no-cpu still reads
    kernel variables through the published page tables, and says that
    registers and execution control are unavailable."""
    with tempfile.TemporaryDirectory(prefix="kstub-fw-") as tmp:
        mem = os.path.join(tmp, "mem")
        with Sim("--fw", mem, "--cpus", "2", "--run", "sleep 3") as sim:
            sim_log.append(sim)
            sim.out.wait_for(r"sleep: 3 ticks")
            sim.console("hang")
            sim.out.wait_for(r"hang: all CPUs spin with interrupts off")
            out = gdb_batch(_fw_target(mem, "--no-cpu"),
                            ["p ticks >= 3", "p panicstr", "p shell_usage",
                             "p sim_kthreads[0].name", "info registers rax",
                             "monitor status", "continue", "detach"], name="fw-nocpu")
            expect(out, r"kstub-fw: control block at 0x10000; hung-kernel mode")
            expect(out, r"^\$1 = 1$", "ticks read from the hung machine's RAM")
            expect(out, r"^\$2 = 0x0$")
            expect(out, r'^\$3 = (0x[0-9a-f]+ )?"mkdir PATH')
            expect(out, r'^\$4 = "clock"')
            expect(out, r"^rax\s+<unavailable>")
            expect(out, r"registers and execution control are unavailable")
            expect(out, r"kstub-fw --no-cpu: '.': memory writes, breakpoints and execution "
                        r"control need the target's CPU")
            refute(out, r"Continuing\.\s*\n.*Breakpoint")


@scenario
def fw_target_reboot(sim_log):
    """monitor reboot: the machine starts over on the same memory file,
    the block gets a new generation, and kstub-fw says the target
    rebooted; a new kstub-fw debugs the new boot."""
    with tempfile.TemporaryDirectory(prefix="kstub-fw-") as tmp:
        mem = os.path.join(tmp, "mem")
        with Sim("--fw", mem, "--wait") as sim:
            sim_log.append(sim)
            out = gdb_batch(_fw_target(mem), ["monitor reboot"], name="fw-reboot")
            expect(out, r"kstub-fw: the control block changed \(magic gone or a new "
                        r"generation\): the target rebooted")
            sim.err.wait_for(r"kstub-sim: booted, \d+ cpus \(reboot 1\)")
            out = gdb_batch(_fw_target(mem), ["bt 1", "detach"], name="fw-after-reboot")
            expect(out, r'kdb_enter \(why=0x[0-9a-f]+ "boot \(--wait\)"')
            expect(out, r"Inferior 1 \(Remote target\) detached")


@scenario
def fw_bridge_reports(sim_log):
    """kstub-fw says what is wrong: no file, no control block, a block
    of another version."""
    del sim_log
    with tempfile.TemporaryDirectory(prefix="kstub-fw-") as tmp:
        def run(*args):
            p = subprocess.run([FW, *args], capture_output=True, text=True, timeout=30,
                               stdin=subprocess.DEVNULL)
            return p.returncode, p.stderr

        rc, err = run("--mem", os.path.join(tmp, "missing"))
        expect(err, r"kstub-fw: .*missing: No such file or directory")
        if rc != 2:
            raise AssertionError(f"exit {rc} for a missing file")
        blank = os.path.join(tmp, "blank")
        with open(blank, "wb") as f:
            f.write(bytes(1 << 20))
        rc, err = run("--mem", blank)
        expect(err, r"no kstub control block found \(1 MiB scanned")
        # A block of version 9 at 0x3000: magic, version, its own address.
        page = bytearray(4096)
        page[0:8] = (0x215746627574736b).to_bytes(8, "little")
        page[8:12] = (9).to_bytes(4, "little")
        page[16:24] = (0x3000).to_bytes(8, "little")
        with open(blank, "r+b") as f:
            f.seek(0x3000)
            f.write(page)
        rc, err = run("--mem", blank)
        expect(err, r"control block at 0x3000 has version 9; this kstub-fw speaks version 1")
        if rc != 3:
            raise AssertionError(f"exit {rc} for a version mismatch")
