"""The bare-metal kernel at its largest, 8 CPUs under QEMU (issue 18):
every CPU is a thread gdb lists, a watchpoint set while CPU 0 holds the
stop fires on CPU 7, and ^C and stepi work with seven CPUs parked at
every stop."""
import re

from qcommon import expect, machine, mi_threads, refute
from qemu_machine import Gdb
from harness import resume_seen_running  # importable once qemu_machine set the path
from runner import Scenarios

SCENARIOS = scenario = Scenarios()
SLOW_FIRST = ("eight_cpus",)
HEAVY = SLOW_FIRST	# 8 vCPU threads on a TCG host: one machine at a time

NCPUS = 8
MI_THREADS = 'interpreter-exec mi "-thread-info"'


def all_parked(gdb):
    """monitor cpus: every CPU came to the last stop."""
    out = gdb.cmd("monitor cpus")
    expect(out, rf"^kstub: {NCPUS} CPUs; the last stop parked all but 0 in \d+ us")


@scenario
def eight_cpus(log):
    """idle/0..idle/7 listed; watch smp_beat, written only by the beat
    thread pinned to the last CPU, hits there; stepi moves that CPU on;
    the kernel runs until ^C; detach."""
    with machine(log, smp=NCPUS, time_limit=600) as m, Gdb() as gdb:
        expect(gdb.cmd(f"target remote {m.target}", timeout=60), r"kdb_enter")
        idle = set(re.findall(r'"(idle/\d+)"', gdb.cmd("info threads")))
        if idle != {f"idle/{i}" for i in range(NCPUS)}:
            raise AssertionError(f"idle threads listed: {sorted(idle)}")
        all_parked(gdb)
        expect(gdb.cmd("watch smp_beat"), r"Hardware watchpoint 1: smp_beat")
        out = gdb.cmd("continue", timeout=60)
        expect(out, r'Thread \d+ "beat" hit Hardware watchpoint 1: smp_beat')
        threads, current = mi_threads(gdb.cmd(MI_THREADS))[-1]
        if threads[current] != ("beat", str(NCPUS - 1)):
            raise AssertionError(f"the hit should be beat's on core {NCPUS - 1}: "
                                 f"{threads[current]}")
        all_parked(gdb)
        gdb.cmd("delete")
        pc = expect(gdb.cmd("print/x $pc"), r"= (0x[0-9a-f]+)").group(1)
        refute(gdb.cmd("stepi"), r"Remote failure|Cannot|error")
        if expect(gdb.cmd("print/x $pc"), r"= (0x[0-9a-f]+)").group(1) == pc:
            raise AssertionError(f"stepi left pc at {pc}")
        resume_seen_running(m, gdb, "mkdir /tmp/eight", r"mkdir: created /tmp/eight")
        gdb.interrupt()
        expect(gdb.expect(r"\(gdb\) "), r"received signal SIGINT")
        all_parked(gdb)
        expect(gdb.cmd("detach"), r"detached")
