# Runs inside gdb (gdb -nx -batch -x bench/gdbbench.py). Times the same
# commands for every target and reads the relay's counters around each
# phase. Environment: BENCH_PORT (relay), BENCH_CTL (relay control port),
# BENCH_ADDR (hex address to dump, or a gdb expression), BENCH_OUT (json),
# BENCH_STEPS (default 200), BENCH_ARCH (set architecture, if no file).
import json
import os
import socket
import statistics
import tempfile
import time

import gdb


def counters():
    with socket.create_connection(("127.0.0.1", int(os.environ["BENCH_CTL"]))) as s:
        return json.loads(s.makefile().readline())


def timed(cmd):
    t = time.perf_counter()
    gdb.execute(cmd, to_string=True)
    return time.perf_counter() - t


def wire(before, after):
    return {d: {k: after[d][k] - before[d][k] for k in ("bytes", "packets", "acks")}
            for d in ("to_target", "to_gdb")}


res = {}
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set remotetimeout 30")
if os.environ.get("BENCH_ARCH"):
    gdb.execute("set architecture " + os.environ["BENCH_ARCH"])
c0 = counters()
res["attach_s"] = timed("target remote tcp:127.0.0.1:" + os.environ["BENCH_PORT"])
res["attach_wire"] = wire(c0, counters())

samples = []
for _ in range(5):
    gdb.execute("maintenance flush register-cache")
    samples.append(timed("info registers"))
res["info_registers_s"] = statistics.median(samples)

addr = int(gdb.parse_and_eval(os.environ.get("BENCH_ADDR", "$pc")))
out = tempfile.NamedTemporaryFile(delete=False).name
for size, reps in ((65536, 3), (1 << 20, 1)):
    times = []
    c0 = counters()
    for _ in range(reps):
        gdb.execute("maintenance flush dcache")
        times.append(timed(f"dump binary memory {out} {addr} {addr + size}"))
    w = wire(c0, counters())
    key = f"read_{size // 1024}k"
    res[key + "_Bps"] = size / statistics.median(times)
    res[key + "_wire_per_kib"] = {d: {k: v / (size * reps / 1024) for k, v in x.items()}
                                  for d, x in w.items()}
if os.environ.get("BENCH_ZERO_ADDR"):
    zero = int(gdb.parse_and_eval(os.environ["BENCH_ZERO_ADDR"]))
    c0 = counters()
    gdb.execute("maintenance flush dcache")
    t = timed(f"dump binary memory {out} {zero} {zero + 65536}")
    w = wire(c0, counters())
    res["read_64k_zero_Bps"] = 65536 / t
    res["read_64k_zero_wire_per_kib"] = {d: {k: v / 64 for k, v in x.items()}
                                         for d, x in w.items()}
os.unlink(out)

steps = int(os.environ.get("BENCH_STEPS", "200"))
c0 = counters()
t = timed(f"stepi {steps}")
w = wire(c0, counters())
res["stepi_per_s"] = steps / t
res["stepi_wire"] = {d: {k: v / steps for k, v in x.items()} for d, x in w.items()}
gdb.execute("detach")
with open(os.environ["BENCH_OUT"], "w") as f:
    json.dump(res, f, indent=1)
