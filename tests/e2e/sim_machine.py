"""hostsim as a machine: its options, its CPU threads, its reboot.

Scenarios are fn(sim_log); the runner finds this module by its name."""
import os
import re

from checks import expect
from harness import ROOT, Gdb, Sim, gdb_batch, resume_seen_running
from rsp_client import run_sim
from runner import Scenarios

SCENARIOS = scenario = Scenarios()

# (arguments, the message stderr must carry): each refused with status 2.
BAD_OPTIONS = (
    (["--cpus", "0"], "--cpus: '0' is not a whole number from 1 to 64"),
    (["--cpus", "65"], "--cpus: '65' is not a whole number from 1 to 64"),
    (["--cpus", "abc"], "--cpus: 'abc' is not a whole number from 1 to 64"),
    (["--cpus", "2abc"], "--cpus: '2abc' is not a whole number from 1 to 64"),
    (["--cpus", " 2"], "--cpus: ' 2' is not a whole number from 1 to 64"),
    (["--cpus", ""], "--cpus: '' is not a whole number from 1 to 64"),
    (["--baud", "0"], "--baud: '0' is not a whole number from 1 to 115200"),
    (["--baud", "9600x"], "--baud: '9600x' is not a whole number from 1 to 115200"),
    (["--baud", "7"], "--baud: '7' does not divide 115200"),
    (["--idle-timeout", "-5"], "--idle-timeout: '-5' is not a whole number from 0 to 4294967295"),
    (["--idle-timeout", "4294967296"],
     "--idle-timeout: '4294967296' is not a whole number from 0 to 4294967295"),
    (["--idle-timeout", "1e3"], "--idle-timeout: '1e3' is not a whole number"),
    (["--serial", "tcp:127.0.0.1:99999"],
     "--serial port: '99999' is not a whole number from 0 to 65535"),
    (["--serial", "tcp:127.0.0.1:-1"], "--serial port: '-1' is not a whole number from 0 to 65535"),
    (["--serial", "/nonexistent/dir/x"],
     "--serial /nonexistent/dir/x: .*No such file or directory"),
    (["--kthreads", "10001"], "--kthreads: '10001' is not a whole number from 0 to 10000"),
    (["--kthreads", "-1"], "--kthreads: '-1' is not a whole number from 0 to 10000"),
    (["stray"], "unexpected argument 'stray'"),
)


def main_c_options():
    """The long options main()'s parser accepts, read from its table."""
    with open(os.path.join(ROOT, "hostsim", "main.c")) as f:
        src = f.read()
    table = re.search(r"struct option opts\[\] = \{(.*?)\n\t\};", src, re.S).group(1)
    return set(re.findall(r'\{ "([a-z-]+)",', table))


@scenario
def options_refused_with_reason(sim_log):
    """A bad value is refused with status 2, and the message names the
    option, the value and what is allowed; --help explains each option
    the parser accepts, on stdout."""
    for args, msg in BAD_OPTIONS:
        p = run_sim(*args)
        if p.returncode != 2 or not re.search(rf"^kstub-sim: {msg}", p.stderr, re.M):
            raise AssertionError(f"{args}: exit {p.returncode}\n{p.stderr}")
    p = run_sim("--help")
    if p.returncode != 0 or p.stderr:
        raise AssertionError(f"--help: exit {p.returncode}\n{p.stderr}")
    accepted = main_c_options()
    explained = set(re.findall(r"^  --([a-z-]+) ", p.stdout, re.M))
    if len(accepted) < 11 or accepted != explained:
        raise AssertionError(f"parser takes {sorted(accepted)}, --help explains "
                             f"{sorted(explained)}:\n{p.stdout}")


def idle_tids(info, ncpus):
    """'info threads' -> [target thread id of idle/0, idle/1, ...]."""
    tids = {m.group(2): int(m.group(1))
            for m in re.finditer(r'Thread (\d+) "(idle/\d+)"', info)}
    if sorted(tids) != [f"idle/{i}" for i in range(ncpus)]:
        raise AssertionError(f"idle threads {sorted(tids)}:\n{info}")
    return [tids[f"idle/{i}"] for i in range(ncpus)]


def expect_kernel_unwind(gdb, tids, where, in_boot_path):
    """Each CPU thread's backtrace is named frames down to a kernel
    thread's start, and no host library frame ("?? ()"). in_boot_path:
    every CPU is still in its boot path (the boot stop); once the kernel
    runs, a CPU may be anywhere in a kernel thread, even at the first
    instruction of one it has just switched to."""
    out = gdb.cmd("thread apply all bt")
    for tid in tids:
        block = re.search(rf'^Thread \d+ \(Thread {tid} "idle/\d+"[^\n]*\):\n(.*?)(?:\n\n|\Z)',
                          out, re.S | re.M)
        if not block:
            raise AssertionError(f"{where}: no backtrace of thread {tid}:\n{out}")
        bt = block.group(1)
        if "??" in bt:
            raise AssertionError(f"{where}: thread {tid} shows host code:\n{bt}")
        expect(bt, r"in kthread_tramp \(\)\s*$", f"{where}: thread {tid} unwinds to kthread_tramp")
        if in_boot_path:
            expect(bt, r"cpu_boot \(arg=", f"{where}: thread {tid} is in its CPU's boot path")


def expect_interrupt_unwinds(gdb):
    """A stop in a timer interrupt's handler unwinds through the signal
    return (the interrupt frame) into what the CPU was running. From
    the boot stop, where nothing has printed yet: a kernel thread
    printing is inside libc (kprintf's formatting, write), which gdb
    cannot unwind."""
    gdb.cmd("break hardclock")
    expect(gdb.cmd("continue"), r"hit Breakpoint \d+, hardclock \(\)")
    bt = gdb.cmd("bt")
    expect(bt, r"in intr_handler \(.*\n#\d+\s+<signal handler called>\n#\d+ ",
           "the handler returns into the interrupted code")
    expect(bt, r"in kthread_tramp \(\)\s*$", "the interrupted thread unwinds to its start")
    if "??" in bt:
        raise AssertionError(f"an interrupt's backtrace shows host code:\n{bt}")
    gdb.cmd("delete")


def expect_switch_unwinds(gdb):
    """At every instruction of the context switch, across its change of
    stacks, the backtrace is named frames down to a thread's start.
    From the boot stop, for the reason above."""
    gdb.cmd("break sim_switch")
    expect(gdb.cmd("continue"), r"hit Breakpoint \d+, .*sim_switch \(\)")
    gdb.cmd("delete")
    for step in range(20):
        bt = gdb.cmd("bt")
        if "??" in bt or not re.search(r"in kthread_tramp \(\)\s*$", bt):
            raise AssertionError(f"step {step} in sim_switch:\n{bt}")
        if "sim_switch" not in bt.splitlines()[0]:
            return
        gdb.cmd("stepi")
    raise AssertionError("20 steps did not leave sim_switch")


@scenario
def idle_threads_stable_and_named(sim_log):
    """CPU threads: the same ids at every boot, and backtraces of kernel
    frames at the boot stop, when stopped while the kernel runs, from
    inside an interrupt and through a context switch."""
    ncpus = 3
    boots = []
    for boot in range(2):
        with Sim("--wait", "--cpus", str(ncpus)) as sim, Gdb() as gdb:
            sim_log.append(sim)
            expect(gdb.cmd(f"target remote {sim.target}"), r"kdb_enter \(why=")
            tids = idle_tids(gdb.cmd("info threads"), ncpus)
            boots.append(tids)
            expect_kernel_unwind(gdb, tids, f"boot {boot} stop", True)
            if boot == 0:
                expect_interrupt_unwinds(gdb)
            else:
                expect_switch_unwinds(gdb)
            resume_seen_running(sim, gdb, f"mkdir /idle{boot}", rf"mkdir: created /idle{boot}")
            gdb.interrupt()
            expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
            expect_kernel_unwind(gdb, tids, f"boot {boot} running", False)
            expect(gdb.cmd("detach"), r"detached")
    # Assigned in CPU order, not in the order the host started them.
    if boots[0] != boots[1] or boots[0] != list(range(boots[0][0], boots[0][0] + ncpus)):
        raise AssertionError(f"idle/0..{ncpus - 1} thread ids by boot: {boots}")


def await_reboot(sim, n):
    """The machine said it reboots and is up again for the n-th time, on
    the endpoint the debugger already knows."""
    sim.err.wait_for(r"^kstub-sim: rebooting$")
    again = sim.err.wait_for(r"kstub-sim: gdb: target remote (\S+)").group(1)
    if again != sim.target:
        raise AssertionError(f"rebooted on {again}, first booted on {sim.target}")
    sim.err.wait_for(rf"kstub-sim: booted, \d+ cpus \(reboot {n}\)")


@scenario
def reboot_same_endpoint(sim_log):
    """monitor reboot brings the machine back, fresh (the mkdir count at
    0 again, stopped at boot as --wait asks) on the same tcp port or pty
    path, where a new gdb attaches; then it boots again from there."""
    for pty in (False, True):
        with Sim("--wait", pty=pty) as sim:
            sim_log.append(sim)
            with Gdb() as gdb:
                expect(gdb.cmd(f"target remote {sim.target}"), r"kdb_enter \(why=")
                resume_seen_running(sim, gdb, "mkdir /before", r"mkdir: created /before")
                gdb.interrupt()
                expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
                expect(gdb.cmd("p made_count"), r"^\$\d+ = 1$", "one mkdir before the reboot")
                expect(gdb.cmd("monitor reboot"), r"Remote connection closed|Remote communication")
            sim.out.wait_for(r"reboot requested by the debugger")
            await_reboot(sim, 1)
            out = gdb_batch(sim, ["p made_count", "detach"], name="after-reboot")
            expect(out, r'kdb_enter \(why=0x[0-9a-f]+ "boot \(--wait\)"\)', "--wait stop again")
            expect(out, r"^\$1 = 0$", "a fresh boot")
            expect(out, r"detached")
            sim.console("mkdir /after")
            sim.out.wait_for(r"mkdir: created /after")
            # The same machine can reboot again, from the new boot's stub.
            out = gdb_batch(sim, ["p made_count", "monitor reboot"], name="reboot-again")
            expect(out, r"^\$1 = 1$", "the mkdir after the reboot")
            await_reboot(sim, 2)
            expect(gdb_batch(sim, ["p made_count", "detach"], name="second-reboot"),
                   r"^\$1 = 0$", "a fresh second boot")
            if not sim.alive():
                raise AssertionError("kstub-sim ended after its second reboot")


