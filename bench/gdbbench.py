# Runs inside gdb (gdb -nx -batch [SYMFILE] -x bench/gdbbench.py). Times the
# same commands for every target. Environment:
#   BENCH_PORT      tcp port gdb connects to (the target, or the relay)
#   BENCH_TARGET    what `target remote` takes instead (udp:IP:PORT)
#   BENCH_CTL       the relay's control port: wire counters per phase
#   BENCH_ADDR      gdb expression of the area to dump (noise or code)
#   BENCH_ZERO_ADDR the same for zero-filled memory (optional)
#   BENCH_STEP_AT   a location to run to before stepping (optional)
#   BENCH_READS     "64k,1m" (default): which dumps to time
#   BENCH_STEPS     steps for `stepi N` (default 200); BENCH_CMD_STEPS for
#                   single `stepi` commands (default 50)
#   BENCH_ARCH      `set architecture` when there is no symbol file
#   BENCH_OUT       where the json goes
import json
import os
import socket
import statistics
import tempfile
import time

import gdb

CTL = os.environ.get("BENCH_CTL")


def counters():
    if not CTL:
        return None
    with socket.create_connection(("127.0.0.1", int(CTL))) as s:
        return json.loads(s.makefile().readline())


def wire(before, per=1):
    """What crossed the relay since `before`, divided by per."""
    if before is None:
        return None
    after = counters()
    return {d: {k: (after[d][k] - before[d][k]) / per
                for k in ("bytes", "packets", "acks", "steps")}
            for d in ("to_target", "to_gdb")}


def timed(cmd):
    t = time.perf_counter()
    gdb.execute(cmd, to_string=True)
    return time.perf_counter() - t


res = {}
gdb.execute("set pagination off")
gdb.execute("set confirm off")
# Replies of 32 KiB take ~3 s on a 115200-baud line; gdb's timeout is per
# character, but be generous for targets that stall between packets.
gdb.execute("set remotetimeout 30")
if os.environ.get("BENCH_ARCH"):
    gdb.execute("set architecture " + os.environ["BENCH_ARCH"])
c0 = counters()
res["attach_s"] = timed("target remote " + (os.environ.get("BENCH_TARGET") or
                                             "tcp:127.0.0.1:" + os.environ["BENCH_PORT"]))
res["attach_wire"] = wire(c0)

samples = []
c0 = counters()
for _ in range(5):
    gdb.execute("maintenance flush register-cache")
    samples.append(timed("info registers"))
res["info_registers_s"] = statistics.median(samples)
res["info_registers_wire"] = wire(c0, 5)

out = tempfile.NamedTemporaryFile(delete=False).name
SIZES = {"64k": (65536, 3), "1m": (1 << 20, 1)}


def dump(expr, key, size, reps):
    addr = int(gdb.parse_and_eval(expr))
    times = []
    c0 = counters()
    for _ in range(reps):
        gdb.execute("maintenance flush dcache")
        times.append(timed(f"dump binary memory {out} {addr} {addr + size}"))
    res[key + "_Bps"] = size / statistics.median(times)
    res[key + "_wire_per_kib"] = wire(c0, size * reps / 1024)


for name in os.environ.get("BENCH_READS", "64k,1m").split(","):
    size, reps = SIZES[name]
    dump(os.environ["BENCH_ADDR"], "read_" + name, size, reps)
if os.environ.get("BENCH_ZERO_ADDR"):
    dump(os.environ["BENCH_ZERO_ADDR"], "read_64k_zero", 65536, 1)
os.unlink(out)

if os.environ.get("BENCH_STEP_AT"):
    gdb.execute("tbreak " + os.environ["BENCH_STEP_AT"], to_string=True)
    gdb.execute("continue", to_string=True)
# Two untimed steps first: after attach, kgdb's first stop reply names
# another thread than its `?` did, which ends a `stepi N` after one step.
for _ in range(2):
    gdb.execute("stepi", to_string=True)
steps = int(os.environ.get("BENCH_STEPS", "200"))
c0 = counters()
res["stepi_per_s"] = steps / timed(f"stepi {steps}")
res["stepi_wire"] = wire(c0, steps)
# As a user types them: gdb refreshes its thread list at every stop it
# shows, so each command costs more than a step inside `stepi N`.
cmd_steps = int(os.environ.get("BENCH_CMD_STEPS", "50"))
c0 = counters()
t = time.perf_counter()
for _ in range(cmd_steps):
    gdb.execute("stepi", to_string=True)
res["stepi_cmd_per_s"] = cmd_steps / (time.perf_counter() - t)
res["stepi_cmd_wire"] = wire(c0, cmd_steps)
gdb.execute("detach")
with open(os.environ["BENCH_OUT"], "w") as f:
    json.dump(res, f, indent=1)
