#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Record what gdb and lldb send during the end-to-end scenarios.

    record_e2e_sessions.py OUTDIR [SCENARIO...]

Each scenario of tests/e2e/run.py runs alone (two at a time) with
KSTUB_E2E_RECORD=OUTDIR/<scenario>, so the logs of different scenarios
never share a name. The e2e harness logs gdb -batch and lldb itself; the
interactive gdb it drives for ^C has no such hook, so a gdb wrapper put
first on PATH adds "set remotelogfile" to every gdb started here.
The logs feed scripts/rsp_log_to_seeds.py (make fuzz-seeds)."""
import concurrent.futures
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
E2E = os.path.join(ROOT, "tests", "e2e")


def scenario_names():
    sys.path.insert(0, E2E)
    import run  # the e2e driver; importing it only collects the scenarios
    return [s.__name__ for s in run.HOSTSIM.scenarios()]


def gdb_wrapper(bindir):
    real = shutil.which("gdb")
    if not real:
        sys.exit("record_e2e_sessions: no gdb on PATH")
    os.makedirs(bindir, exist_ok=True)
    path = os.path.join(bindir, "gdb")
    with open(path, "w") as f:
        # An -ex of the harness's own comes later and wins over this one.
        f.write("#!/bin/sh\n"
                f'exec {real} -iex "set remotelogfile $KSTUB_E2E_RECORD/gdb-$$.log" "$@"\n')
    os.chmod(path, 0o755)


def record(outdir, bindir, name):
    rec = os.path.join(outdir, name)
    shutil.rmtree(rec, ignore_errors=True)
    os.makedirs(rec)
    env = dict(os.environ, KSTUB_E2E_RECORD=rec,
               PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    p = subprocess.run([sys.executable, os.path.join(E2E, "run.py"), "-j", "1", name],
                       env=env, capture_output=True, text=True, timeout=900)
    logs = sorted(f for f in os.listdir(rec) if f.endswith(".log"))
    return name, p.returncode == 0, logs, p.stdout[-2000:]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or scenario_names()
    bindir = os.path.join(outdir, "bin")
    gdb_wrapper(bindir)
    recorded = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for name, ok, logs, out in pool.map(lambda n: record(outdir, bindir, n), names):
            recorded += len(logs)
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {', '.join(logs) or 'no logs'}", flush=True)
            if not ok:
                # A failed scenario still sent real traffic: keep its logs.
                print(out, flush=True)
    print(f"record_e2e_sessions: {recorded} logs under {outdir}")
    return 0 if recorded else 1


if __name__ == "__main__":
    sys.exit(main())
