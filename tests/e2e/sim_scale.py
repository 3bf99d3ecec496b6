"""hostsim at the size of a server kernel: 10,000 kernel threads, and 64
CPUs. Real gdb must list them all, reach a sleeping one and unwind it,
step and run the machine and let it go."""
import re

from checks import expect, refute
from harness import Gdb, Sim, resume_seen_running
from runner import Scenarios

SCENARIOS = scenario = Scenarios()
SLOW_FIRST = ("ten_thousand_threads", "sixty_four_cpus")
HEAVY = SLOW_FIRST

CROWD = 10000


def info_threads(gdb):
    """`info threads`: its lines, counted inside gdb (a megabyte of output
    through the harness's pipe would only measure the harness), and the
    idle threads' names."""
    out = gdb.cmd("python s = gdb.execute('info threads', to_string=True); "
                  "print('lines=%d' % len(re.findall(r'(?m)^[ *] +\\d+ +Thread ', s))); "
                  "print('idle=' + ' '.join(re.findall(r'\"(idle/\\d+)\"', s)))",
                  timeout=SLOW_CMD)
    return (int(re.search(r"^lines=(\d+)$", out, re.M).group(1)),
            set(re.search(r"^idle=(.*)$", out, re.M).group(1).split()))


# A deadline here bounds a hang: with 10,000 threads gdb walks long lists
# for each command, and a loaded host can starve it for a minute.
SLOW_CMD = 180


def bt_of(gdb, name):
    """Switch to the thread called name, by its gdb number, and unwind it."""
    num = re.search(r"^num=(\d+)$", gdb.cmd(
        f"python print('num=%d' % [t for t in gdb.selected_inferior().threads() "
        f"if t.name == {name!r}][0].num)", timeout=SLOW_CMD), re.M).group(1)
    expect(gdb.cmd(f"thread {num}", timeout=SLOW_CMD), rf"Switching to thread {num} ")
    return gdb.cmd("bt", timeout=SLOW_CMD)


def step_run_detach(sim, gdb, stop_num):
    """Back on the thread that stopped: one stepi, a continue that the
    kernel is seen to run, ^C, and detach."""
    gdb.cmd(f"thread {stop_num}")
    pc = re.search(r"= (0x[0-9a-f]+)", gdb.cmd("print/x $pc")).group(1)
    refute(gdb.cmd("stepi"), r"Remote failure|Cannot|error")
    after = re.search(r"= (0x[0-9a-f]+)", gdb.cmd("print/x $pc")).group(1)
    if after == pc:
        raise AssertionError(f"stepi left pc at {pc}")
    resume_seen_running(sim, gdb, "mkdir /crowd", r"mkdir: created /crowd")
    gdb.interrupt()
    expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
    expect(gdb.cmd("detach"), r"detached")


def stop_thread(gdb):
    return re.search(r"^num=(\d+)$", gdb.cmd(
        "python print('num=%d' % gdb.selected_thread().num)"), re.M).group(1)


@scenario
def ten_thousand_threads(sim_log):
    """--kthreads 10000: info threads counts every one; a thread asleep
    in vm_pageout_scan unwinds through it; the machine still steps,
    runs and stops."""
    with Sim("--kthreads", str(CROWD)) as sim:
        sim_log.append(sim)
        sim.out.wait_for(rf"^kthreads: {CROWD} asleep$", timeout=60)
        with Gdb() as gdb:
            gdb.cmd("python import re")
            gdb.cmd(f"target remote {sim.target}", timeout=60)
            stop_num = stop_thread(gdb)
            # By default a kernel this big lists only the threads on its
            # CPUs: gdb re-reads the list at every stop it prints.
            n, _ = info_threads(gdb)
            if n != 2:
                raise AssertionError(f"gdb knows {n} threads by default, not the 2 on CPUs")
            expect(gdb.cmd("monitor threads"), r"only threads on CPUs are listed")
            expect(gdb.cmd("monitor threads all"), r"every thread is listed")
            # The crowd, the CPUs' idle threads and sh, clock, pager.
            n, _ = info_threads(gdb)
            if n < CROWD + 2 + 3:
                raise AssertionError(f"gdb knows {n} threads, not all of {CROWD}+5")
            bt = bt_of(gdb, f"kpageout/{CROWD - 1}")
            for fn in ("crowd_sleep", "vm_fault_wait", "vm_pageout_scan", "crowd_thread"):
                expect(bt, rf" in {fn} \(", f"kpageout's backtrace has {fn}")
            expect(bt_of(gdb, "knet/1"), r" in soreceive_wait \(")
            expect(gdb.cmd("monitor cpus"), r"2 CPUs; the last stop parked all but 0 in \d+ us")
            step_run_detach(sim, gdb, stop_num)


@scenario
def sixty_four_cpus(sim_log):
    """--cpus 64: every CPU is a thread gdb lists (idle/0 .. idle/63); a
    sleeping thread unwinds; stepi, continue, ^C and detach work with 63
    other CPUs parked at each stop."""
    with Sim("--cpus", "64") as sim:
        sim_log.append(sim)
        with Gdb() as gdb:
            gdb.cmd("python import re")
            gdb.cmd(f"target remote {sim.target}", timeout=60)
            stop_num = stop_thread(gdb)
            _, idle = info_threads(gdb)
            if idle != {f"idle/{i}" for i in range(64)}:
                raise AssertionError(f"idle threads listed: {sorted(idle)}")
            expect(bt_of(gdb, "clock"), r" in clock_thread \(")
            expect(gdb.cmd("monitor cpus"),
                   r"64 CPUs; the last stop parked all but 0 in \d+ us \(bound 1000 ms\)")
            step_run_detach(sim, gdb, stop_num)
