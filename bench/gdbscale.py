# Runs inside gdb (gdb -nx -batch SYMFILE -x bench/gdbscale.py): what a
# big kernel costs a debugger. Environment: BENCH_PORT, BENCH_CTL (the
# relay's counters), BENCH_OUT as gdbbench.py; BENCH_PHASES, a comma list
# of attach (always), stepi, info_threads, bt_all.
import json
import re
import os
import socket
import time

import gdb

CTL = os.environ["BENCH_CTL"]
PHASES = os.environ.get("BENCH_PHASES", "stepi,info_threads,bt_all").split(",")


def counters():
    with socket.create_connection(("127.0.0.1", int(CTL))) as s:
        return json.loads(s.makefile().readline())


def phase(res, name, cmd):
    before = counters()
    t = time.perf_counter()
    gdb.execute(cmd, to_string=True)
    res[name + "_s"] = time.perf_counter() - t
    after = counters()
    res[name + "_bytes"] = sum(after[d]["bytes"] - before[d]["bytes"]
                               for d in ("to_target", "to_gdb"))
    res[name + "_packets"] = sum(after[d]["packets"] - before[d]["packets"]
                                 for d in ("to_target", "to_gdb"))


res = {}
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set remotetimeout 60")
phase(res, "attach", "target remote tcp:127.0.0.1:" + os.environ["BENCH_PORT"])
res["threads_known"] = len(gdb.selected_inferior().threads())
# The stub's own account of the roundup that stopped the machine.
m = re.search(r"parked all but (\d+) in (\d+) us",
              gdb.execute("monitor cpus", to_string=True))
if m:
    res["roundup_missing"], res["roundup_us"] = int(m.group(1)), int(m.group(2))
# A printed stop: what gdb does after every stepi, next or breakpoint.
if "stepi" in PHASES:
    phase(res, "stepi", "stepi")
if "info_threads" in PHASES:
    phase(res, "info_threads", "info threads")
    res["threads_listed"] = len(gdb.selected_inferior().threads())
if "bt_all" in PHASES:
    phase(res, "bt_all", "thread apply all bt 1")
gdb.execute("detach", to_string=True)
with open(os.environ["BENCH_OUT"], "w") as f:
    json.dump(res, f)
