#!/usr/bin/env python3
"""make bench, issue 17: what a breakpoint whose condition is false costs
the kernel, with gdb evaluating it (set breakpoint condition-evaluation
host: a stop, a round trip and a resume per hit) against the stub
evaluating it (target: no byte on the line). The shell command "calls N"
calls hot_call() N times in a tight loop; the time from typing it to its
"calls: N done" line is N hits. Over TCP straight to the machine, and
through bench/proxy.py paced at 115200 baud. Figures only.

Run alone:  agentbench.py [hostsim|baremetal ...]"""
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests/e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests/e2e/qemu"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import harness  # noqa: E402
from qemu_machine import KERNEL_ELF, Qemu  # noqa: E402

BAUD = 115200
COND = "{} hot_call if i == 0xffffffff"	# never true: every hit resumes
# Calls per run, sized so that each run takes a second or more.
CALLS = {("host", "tcp"): 300, ("host", "paced"): 20,
         ("target", "tcp"): 20000, ("target", "paced"): 20000}


def machines():
    return {"hostsim": lambda: harness.Sim("--wait"),
            "baremetal": lambda: Qemu(wait=True, time_limit=900)}


# Exec debug registers on functions "calls N" never reaches: all four
# taken, so a conditional break has to be an int3.
DRS_TAKEN = ("panic", "panic_let_proceed", "sys_ktrace", "sys_mkdir")


def one_run(name, evaluation, line, kind="break"):
    """Hits per second for one (machine, evaluation, line) on a fresh boot;
    kind break (a conditional break: the stub holds it in a free debug
    register, RF past each hit), hbreak (an exec DR that gdb asked for)
    or int3 (a break with every DR taken: lifted for one step per hit)."""
    from bench import start_proxy	# bench.py imports us: import late
    m = machines()[name]()
    px = None
    symfile = harness.SIM if name == "hostsim" else KERNEL_ELF
    try:
        port = int(m.port)
        if line == "paced":
            px, port, _ = start_proxy(port, BAUD)
        n = CALLS[(evaluation, line)]
        with harness.Gdb(symfile, setup=("set width 0", "set remotetimeout 30")) as gdb:
            gdb.cmd(f"target remote 127.0.0.1:{port}", timeout=120)
            gdb.cmd(f"set breakpoint condition-evaluation {evaluation}")
            if kind == "int3":
                for fn in DRS_TAKEN:
                    gdb.cmd(f"hbreak {fn}")
            gdb.cmd(COND.format("hbreak" if kind == "hbreak" else "break"))
            gdb.send("continue")
            gdb.expect(r"Continuing\.", timeout=120)
            t0 = time.monotonic()
            m.console(f"calls {n}")
            m.out.wait_for(rf"calls: {n} done", timeout=1200)
            secs = time.monotonic() - t0
            gdb.interrupt()
            gdb.expect(re.escape(gdb.PROMPT), timeout=120)
            gdb.cmd("delete")
            gdb.cmd("detach")
        return n, secs
    finally:
        if px:
            px.kill()
        m.stop()


def agent_rows(names=("hostsim", "baremetal")):
    """Print one table; returns {machine: {eval/line: hits per second}}."""
    results = {}
    print("\nfalse-condition breakpoint on hot_call (issue 17), hits per second")
    print(f"{'machine':<11} {'line':<6} {'host-side':>12} {'target-side':>13} {'ratio':>8}"
          f" {'us/hit target':>14} {'us/hit hbreak':>14} {'us/hit int3':>12}")
    for name in names:
        results[name] = {}
        for line in ("tcp", "paced"):
            row = {}
            for evaluation in ("host", "target"):
                try:
                    n, secs = one_run(name, evaluation, line)
                    row[evaluation] = (n / secs, secs * 1e6 / n)
                except Exception as e:  # reported, never fatal
                    print(f"{name} {line} {evaluation}: failed: {e}", flush=True)
            for kind in ("hbreak", "int3") if line == "tcp" else ():
                try:
                    n, secs = one_run(name, "target", line, kind)
                    row["target-" + kind] = (n / secs, secs * 1e6 / n)
                except Exception as e:  # reported, never fatal
                    print(f"{name} {line} {kind}: failed: {e}", flush=True)
            results[name][line] = row
            if "host" in row and "target" in row:
                h, t = row["host"][0], row["target"][0]
                hb = row.get("target-hbreak", (0, float("nan")))[1]
                i3 = row.get("target-int3", (0, float("nan")))[1]
                print(f"{name:<11} {line:<6} {h:>12.1f} {t:>13.1f} {t / h:>7.0f}x"
                      f" {row['target'][1]:>14.1f} {hb:>14.1f} {i3:>12.1f}", flush=True)
    return results


if __name__ == "__main__":
    agent_rows(tuple(sys.argv[1:]) or ("hostsim", "baremetal"))
