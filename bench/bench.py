#!/usr/bin/env python3
"""make bench: the same gdb commands (gdbbench.py) against each target,
unpaced and through a relay paced at 115200 baud, printed as one table.
Figures only: nothing here passes or fails on timing.

Targets are started here and stopped here. Each one is a function that
starts the machine and returns (tcp port of its debug link, symbol file
or None, address expression to dump, the same for zero-filled memory or
None, cleanup)."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import queue

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAUD = 115200


def wait_line(stream, pattern, timeout=60):
    """First line of stream matching pattern, read by a thread (no polling)."""
    q = queue.Queue()

    def reader():
        for line in stream:
            q.put(line)
            if re.search(pattern, line):
                break
        q.put(None)
    threading.Thread(target=reader, daemon=True).start()
    while True:
        line = q.get(timeout=timeout)
        if line is None:
            raise RuntimeError(f"no line matching {pattern!r}")
        m = re.search(pattern, line)
        if m:
            return m


def target_hostsim():
    sim = subprocess.Popen([os.path.join(ROOT, "build/kstub-sim"), "--wait",
                            "--serial", "tcp:127.0.0.1:0"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    m = wait_line(sim.stderr, r"gdb: target remote tcp:127\.0\.0\.1:(\d+)")
    return int(m.group(1)), os.path.join(ROOT, "build/kstub-sim"), \
        "(char *)&bench_area", "(char *)&bench_zero", sim.kill


TARGETS = {"kstub-hostsim": target_hostsim}


def start_proxy(port, baud):
    px = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/proxy.py"),
                           f"127.0.0.1:{port}", "--baud", str(baud)],
                          stdout=subprocess.PIPE, text=True)
    m = wait_line(px.stdout, r"proxy: listen (\d+) control (\d+)")
    return px, int(m.group(1)), int(m.group(2))


def run_one(name, baud, steps):
    port, symfile, addr, zero, stop = TARGETS[name]()
    px, listen, ctl = start_proxy(port, baud)
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    env = dict(os.environ, BENCH_PORT=str(listen), BENCH_CTL=str(ctl),
               BENCH_ADDR=addr, BENCH_OUT=out, BENCH_STEPS=str(steps))
    if zero:
        env["BENCH_ZERO_ADDR"] = zero
    cmd = ["gdb", "-nx", "-batch"]
    if symfile:
        cmd += [symfile]
    else:
        env["BENCH_ARCH"] = "i386:x86-64"
    cmd += ["-x", os.path.join(ROOT, "bench/gdbbench.py")]
    try:
        subprocess.run(cmd, env=env, timeout=1800, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(out) as f:
            return json.load(f)
    finally:
        px.kill()
        stop()
        os.unlink(out)


def row(name, r):
    sw = r["stepi_wire"]
    rd = r["read_64k_wire_per_kib"]
    return (f"{name:26} {r['attach_s']*1000:8.1f} {r['info_registers_s']*1000:8.2f} "
            f"{r['read_64k_Bps']/1000:10.1f} {r['read_1024k_Bps']/1000:10.1f} "
            f"{r['stepi_per_s']:8.1f} "
            f"{sw['to_target']['packets']:4.1f}/{sw['to_gdb']['packets']:<4.1f} "
            f"{sw['to_target']['bytes'] + sw['to_gdb']['bytes']:7.1f} "
            f"{rd['to_target']['packets'] + rd['to_gdb']['packets']:6.2f} "
            f"{rd['to_target']['bytes'] + rd['to_gdb']['bytes']:8.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("targets", nargs="*", default=list(TARGETS))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--json", help="write all results here")
    args = ap.parse_args()
    results = {}
    print(f"{'target':26} {'attach':>8} {'regs':>8} {'read64k':>10} {'read1M':>10} "
          f"{'stepi/s':>8} {'pkts/step':>9} {'B/step':>7} {'pkt/KiB':>6} {'B/KiB':>8}")
    print(f"{'':26} {'ms':>8} {'ms':>8} {'kB/s':>10} {'kB/s':>10}")
    for name in args.targets:
        for baud in (0, BAUD):
            label = name + (" @115200" if baud else "")
            try:
                results[label] = run_one(name, baud, args.steps if not baud else 50)
                print(row(label, results[label]), flush=True)
            except Exception as e:  # a target that cannot run is reported, not fatal
                print(f"{label:26} failed: {e}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
