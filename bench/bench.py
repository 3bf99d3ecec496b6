#!/usr/bin/env python3
"""make bench: the same gdb commands (gdbbench.py) against each target, in
one run, printed as tables with kstub's ratio to each peer. Figures only:
nothing here passes or fails on timing.

Per target, three boots:
  direct   gdb connects straight to the target's serial socket: timings.
  counted  the same through bench/proxy.py, unpaced: packets and bytes on
           the wire (a Python relay slows a byte-at-a-time UART, so its
           timings are not used).
  paced    through the relay at 115200 baud, 10 bits a byte, as a real
           cable: timings and wire counts together.

A datagram target (the UDP link) boots once, direct only: the relay
speaks TCP. Targets are functions that boot the machine stopped in its
debugger and return (tcp port, symbol file, address expression to dump, the same for
zero-filled memory, where to step or None for where it stopped, cleanup).
Every QEMU socket has nodelay=on."""
import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests/e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests/e2e/qemu"))
import harness  # noqa: E402
import netns  # noqa: E402
from qemu_machine import Qemu, KERNEL_ELF  # noqa: E402

BAUD = 115200
LINE_BPS = BAUD / 10
KSTUB = "kstub-baremetal"
PEERS = ("linux-kgdb", "qemu-gdbstub")
# Linux's tinyconfig kernel has no CONFIG_SMP: at -smp 2 only kstub's
# machines run (and park) a second CPU, and under TCG on a two-core host
# the parked vCPU's spin takes a host core from the stepping one.
# BENCH_SMP=1 compares like with like.
SMP = int(os.environ.get("BENCH_SMP", "2"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# kstub's machines step inside bench_sum (shell command "sum", run on
# resume): CPU-bound code that never sleeps, so a `stepi N` there does not
# cross a context switch, which would end it early as gdb sees another
# thread stop. The peers step where their kernel stopped.
STEP_AT = "bench_sum"


def target_hostsim():
    sim = harness.Sim("--wait", "--run", "sum")
    return (sim.port, harness.SIM, "(char *)&bench_area", "(char *)&bench_zero", STEP_AT,
            sim.stop)


def target_hostsim_udp():
    """hostsim with --udp (plain mode) on its NIC model, over a veth pair
    between two network namespaces; gdb runs in the other one."""
    net = netns.VethPair()
    try:
        sim = harness.Sim("--wait", "--run", "sum", link=["--udp", net.udp_spec()],
                          prefix=net.prefix("kernel"))
    except BaseException:
        net.close()
        raise

    def stop():
        sim.stop()
        net.close()
    return (sim.target, harness.SIM, "(char *)&bench_area", "(char *)&bench_zero", STEP_AT,
            stop, net.prefix("debugger"))


def kgdb_kernel():
    return subprocess.run([os.path.join(ROOT, "bench/kgdb-kernel.sh")], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def target_linux_kgdb():
    """Linux 6.1 tinyconfig + kgdb (bench/kgdb-kernel.sh builds it once,
    ~15 minutes, and caches it), stopped by kgdbwait on ttyS0."""
    cache = kgdb_kernel()
    port = free_port()
    vm = subprocess.Popen(
        ["qemu-system-x86_64", "-accel", "tcg", "-nodefaults",
         "-display", "none", "-no-reboot", "-smp", str(SMP), "-m", "256",
         "-kernel", f"{cache}/bzImage",
         "-append", "console=ttyS1 kgdboc=ttyS0,115200 kgdbwait nokaslr",
         "-chardev", f"socket,id=dbg,host=127.0.0.1,port={port},server=on,"
         "wait=off,nodelay=on", "-serial", "chardev:dbg",
         "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    # Killed after 30 minutes whatever happens, and by stop().
    limit = threading.Timer(1800, vm.kill)
    limit.daemon = True
    limit.start()
    out = harness.Lines(vm.stdout)
    try:
        out.wait_for(r"Waiting for connection from remote gdb", timeout=120)
    except Exception:
        vm.kill()
        raise

    def stop():
        limit.cancel()
        vm.kill()
        vm.wait()
    # Kernel text to read (kgdb has no RLE, so content does not matter to
    # it); the direct map at 64 MiB, untouched by a tinyconfig kernel, for
    # zeros.
    return port, f"{cache}/vmlinux", "(char *)_text", "(char *)0xffff888004000000", None, stop


def target_baremetal(qemu_gdbstub=False):
    """The bare-metal kernel stopped in kstub at boot (kstub.wait). With
    qemu_gdbstub, gdb talks to QEMU's own stub on that same machine, so
    both read the same memory and step the same code."""
    extra, qport = (), None
    if qemu_gdbstub:
        qport = free_port()
        extra = ("-chardev", f"socket,id=qg,host=127.0.0.1,port={qport},server=on,"
                 "wait=off,nodelay=on", "-gdb", "chardev:qg")
    m = Qemu(append="run=sum", wait=True, time_limit=1800, extra=extra, smp=SMP)
    # QEMU's stub holds the machine in kstub's boot wait: it steps there.
    return (qport or m.port, KERNEL_ELF, "(char *)&bench_area", "(char *)&bench_zero",
            None if qemu_gdbstub else STEP_AT, m.stop)


def target_baremetal_udp():
    """The bare-metal kernel with its debugger on UDP (kstub.link=udp:
    the e1000, plain mode), behind QEMU's user-network forward of a
    loopback UDP port; gdb speaks target remote udp: to it."""
    m = Qemu(append="run=sum", wait=True, time_limit=1800, smp=SMP, link="udp")
    # QEMU's e1000 model takes no frame for a second after the receiver
    # is enabled (its flush_queue_timer, armed by every RCTL write), and
    # the kernel stops at kstub.wait well within that second: a gdb that
    # attached now would time QEMU's hold, not the link. So the attach
    # is timed on a link that has settled, as a person typing finds it.
    time.sleep(E1000_RX_HOLD_S)
    return m.port, KERNEL_ELF, "(char *)&bench_area", "(char *)&bench_zero", STEP_AT, m.stop


def target_baremetal_udp_auth():
    """As target_baremetal_udp, in the authenticated mode (kstub.key):
    gdb reaches it through the bridge, target remote | kstub-udp --key."""
    m = Qemu(append="run=sum", wait=True, time_limit=1800, smp=SMP, link="udp-auth")
    time.sleep(E1000_RX_HOLD_S)	# as above: QEMU's hold, not the link
    return m.target, KERNEL_ELF, "(char *)&bench_area", "(char *)&bench_zero", STEP_AT, m.stop


E1000_RX_HOLD_S = 1.0
# Datagram targets: no TCP relay to count or pace them, timings only.
KSTUB_UDP = "kstub-baremetal-udp"
KSTUB_UDP_AUTH = "kstub-baremetal-udp-auth"
UDP_TARGETS = {KSTUB_UDP, KSTUB_UDP_AUTH, "kstub-hostsim-udp"}


FW = os.path.join(ROOT, "build", "kstub-fw")


def _fw_bridge(mem):
    """kstub-fw on a free port over the memory file; (process, port)."""
    p = subprocess.Popen([FW, "--mem", mem, "--listen", "0", "--console", os.devnull],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        port = harness.Lines(p.stderr).wait_for(r"target remote 127\.0\.0\.1:(\d+)").group(1)
    except Exception:
        p.kill()
        raise
    return p, int(port)


def target_fw_hostsim():
    """kstub-sim --fw: gdb over the DMA rings in its memory file."""
    tmp = tempfile.mkdtemp(prefix="kstub-fw-bench-")
    mem = os.path.join(tmp, "mem")
    sim = harness.Sim("--fw", mem, "--wait", "--run", "sum")
    fw, port = _fw_bridge(mem)

    def stop():
        fw.kill()
        fw.wait()
        sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return port, harness.SIM, "(char *)&bench_area", "(char *)&bench_zero", STEP_AT, stop


def target_fw_baremetal():
    """The bare-metal kernel with kstub.fw, its RAM in a shared file."""
    mem = f"/dev/shm/kstub-fw-bench-{os.getpid()}"
    m = Qemu(append="kstub.fw run=sum", wait=True, time_limit=1800, smp=SMP,
             extra=("-machine", "q35,memory-backend=ram0", "-object",
                    f"memory-backend-file,id=ram0,size=128M,mem-path={mem},share=on"))
    try:
        fw, port = _fw_bridge(mem)
    except Exception:
        m.stop()
        os.unlink(mem)
        raise

    def stop():
        fw.kill()
        fw.wait()
        m.stop()
        os.unlink(mem)
    return port, KERNEL_ELF, "(char *)&bench_area", "(char *)&bench_zero", STEP_AT, stop


# The DMA ring targets: no cable to pace, so no @115200 boot.
FW_TARGETS = ("kstub-fw-baremetal", "kstub-fw-hostsim")

TARGETS = {"kstub-hostsim": target_hostsim,
           "kstub-hostsim-udp": target_hostsim_udp,
           "kstub-fw-baremetal": target_fw_baremetal,
           "kstub-fw-hostsim": target_fw_hostsim,
           KSTUB: target_baremetal,
           KSTUB_UDP: target_baremetal_udp,
           KSTUB_UDP_AUTH: target_baremetal_udp_auth,
           "linux-kgdb": target_linux_kgdb,
           "qemu-gdbstub": lambda: target_baremetal(True)}


def start_proxy(port, baud):
    px = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/proxy.py"),
                           f"127.0.0.1:{port}", "--baud", str(baud)],
                          stdout=subprocess.PIPE, text=True)
    m = harness.Lines(px.stdout).wait_for(r"proxy: listen (\d+) control (\d+)")
    return px, int(m.group(1)), int(m.group(2))


def gdb_script(symfile, script, env, out, prefix=()):
    """gdb -batch running one of bench/'s scripts; its json result."""
    p = subprocess.run([*prefix, "gdb", "-nx", "-batch", symfile, "-x",
                        os.path.join(ROOT, script)],
                       env=env, timeout=1800, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode or not os.path.getsize(out):
        raise RuntimeError(f"gdb exited {p.returncode}: {p.stderr.strip()[-300:]}")
    with open(out) as f:
        return json.load(f)


def run_gdb(name, mode, env_extra):
    """One boot of target name, one gdb session; mode direct|counted|paced."""
    port, symfile, addr, zero, step_at, stop, *prefix = TARGETS[name]()
    px = None
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    env = dict(os.environ, BENCH_PORT=str(port), BENCH_ADDR=addr, BENCH_OUT=out,
               **env_extra)
    if str(port).startswith(("udp:", "|")):
        # The machine's own address (hostsim's netns), or a pipe to the bridge.
        env["BENCH_TARGET"] = port
    elif name in UDP_TARGETS:
        env["BENCH_TARGET"] = f"udp:127.0.0.1:{port}"
    if zero:
        env["BENCH_ZERO_ADDR"] = zero
    if step_at:
        env["BENCH_STEP_AT"] = step_at
    try:
        if mode != "direct":
            px, listen, ctl = start_proxy(port, BAUD if mode == "paced" else 0)
            env.update(BENCH_PORT=str(listen), BENCH_CTL=str(ctl))
        return gdb_script(symfile, "bench/gdbbench.py", env, out, *prefix)
    finally:
        if px:
            px.kill()
        stop()
        os.unlink(out)


def measure(name, steps):
    r = {"direct": run_gdb(name, "direct", {"BENCH_STEPS": str(steps)})}
    if name in UDP_TARGETS:
        return r
    r["counted"] = run_gdb(name, "counted", {"BENCH_STEPS": str(steps)})
    if name in FW_TARGETS:
        return r
    # On the paced line a 1 MiB read alone takes three minutes: 64 KiB
    # (three times) says the same.
    r["paced"] = run_gdb(name, "paced", {"BENCH_READS": "64k", "BENCH_STEPS": "50",
                                         "BENCH_CMD_STEPS": "10"})
    return r


def both(w):
    return w["to_target"], w["to_gdb"]


def row_cells(r, timing, counts):
    t = r[timing]
    cells = [t["attach_s"] * 1e3, t["info_registers_s"] * 1e3, t["read_64k_Bps"] / 1e3,
             t.get("read_1m_Bps", 0) / 1e3, t.get("read_64k_zero_Bps", 0) / 1e3,
             t["stepi_per_s"], t["stepi_cmd_per_s"]]
    if counts not in r:	# a datagram target: nothing counted its wire
        return cells + ["-", 0, 0]
    st, sg = both(r[counts]["stepi_wire"])
    rt, rg = both(r[counts]["read_64k_wire_per_kib"])
    return cells + [f"{st['packets']:.1f}/{sg['packets']:.1f}", st["bytes"] + sg["bytes"],
                    rt["bytes"] + rg["bytes"]]


RATES = ("rd64k kB/s", "rd1M kB/s", "rd0 kB/s", "stepi/s", "cmd/s")
HEAD = ["attach ms", "regs ms", "rd64k kB/s", "rd1M kB/s", "rd0 kB/s", "stepi/s",
        "cmd/s", "pkt/step", "B/step", "B/KiB"]


def fmt(cells):
    return " ".join(f"{c:>10}" if isinstance(c, str) else
                    (f"{c:10.1f}" if c else f"{'-':>10}") for c in cells)


def print_tables(results):
    streams = {n: r for n, r in results.items() if n not in UDP_TARGETS}
    print(f"\n{'':24} " + " ".join(f"{h:>10}" for h in HEAD))
    for name, r in streams.items():
        print(f"{name:24} " + fmt(row_cells(r, "direct", "counted")))
    for name, r in results.items():
        if name in UDP_TARGETS:
            t = r["direct"]
            print(f"{name:24} " + fmt([t["attach_s"] * 1e3, t["info_registers_s"] * 1e3,
                                       t["read_64k_Bps"] / 1e3, t.get("read_1m_Bps", 0) / 1e3,
                                       t.get("read_64k_zero_Bps", 0) / 1e3, t["stepi_per_s"],
                                       t["stepi_cmd_per_s"], "-", "-", "-"]))
    for name, r in streams.items():
        if "paced" in r:
            print(f"{name + ' @115200':24} " + fmt(row_cells(r, "paced", "paced")))
    print("\nunpaced: timings from a direct connection, wire counts from a separate "
          "counted boot;\n@115200: through a relay paced at 115200 baud (11,520 B/s each way).")
    print("stepi/s: `stepi N`; cmd/s: one `stepi` command at a time; "
          "pkt/step: packets gdb->stub/stub->gdb; B/KiB: wire bytes per KiB read")
    print_udp(results)
    if KSTUB not in results:
        return
    k = results[KSTUB]
    floor = LINE_BPS / 2	# two hex digits a byte, nothing else
    paced = k["paced"]["read_64k_Bps"]
    print(f"\n{KSTUB} @115200 reads 64 KiB of noise at {paced:.0f} B/s: "
          f"{100 * paced / floor:.1f} % of the hex-encoding floor ({floor:.0f} B/s); "
          f"zero-filled at {k['paced'].get('read_64k_zero_Bps', 0):.0f} B/s (RLE)")
    for peer in PEERS:
        if peer not in results:
            continue
        p = results[peer]
        print(f"\n{KSTUB} / {peer}:")
        for mode, tm, cn in (("unpaced", "direct", "counted"), ("@115200", "paced", "paced")):
            a, b = row_cells(k, tm, cn), row_cells(p, tm, cn)
            ratio = []
            for i, h in enumerate(HEAD):
                if h == "pkt/step":
                    ratio.append(f"{a[i]} vs {b[i]}")
                    continue
                if not a[i] or not b[i]:
                    ratio.append("-")
                    continue
                # Higher is better for rates; for times and bytes, the
                # ratio is inverted so that > 1 always means kstub is ahead.
                better_high = h in RATES
                ratio.append(f"{(a[i] / b[i] if better_high else b[i] / a[i]):.2f}x")
            print(f"  {mode:8} " + " ".join(f"{h}={v}" for h, v in zip(HEAD, ratio)))
    print("  (ratios > 1 favour kstub: rates divided, times and bytes inverted)")


def print_udp(results):
    """The UDP rows against issue 14's targets and kgdb's serial line."""
    for name, mode in ((KSTUB_UDP, "plain UDP"), (KSTUB_UDP_AUTH, "authenticated, kstub-udp")):
        if name not in results:
            continue
        u = results[name]["direct"]
        read = max(u["read_64k_Bps"], u.get("read_1m_Bps", 0))
        # At -smp 2 the parked CPU's vCPU spins on one of the host's cores
        # while the other runs the session, QEMU's network and gdb.
        print(f"\n{name} (QEMU e1000, {mode}, unpaced, -smp {SMP}): memory read "
              f"{read / 1e6:.2f} MB/s (issue 14: >= 2), stepi {u['stepi_per_s']:.0f}/s "
              f"(>= 1,000), attach {u['attach_s'] * 1e3:.1f} ms (<= 50)")
    if KSTUB_UDP not in results:
        return
    u = results[KSTUB_UDP]["direct"]
    read = max(u["read_64k_Bps"], u.get("read_1m_Bps", 0))
    if "linux-kgdb" in results:
        kgdb = results["linux-kgdb"]["paced"]["read_64k_Bps"]
        print(f"  read: {read / kgdb:.1f}x linux-kgdb's @115200 serial rate "
              f"({kgdb:.0f} B/s; issue 14: > 20x)")


# ---- scale: the cost of many threads and many CPUs (issue 18) ----

SCALE_THREADS = (10, 1000, 10000)	# hostsim --kthreads, at 2 CPUs
SCALE_CPUS = (2, 16, 64)		# hostsim --cpus, at --kthreads 10
# On the paced line gdb's `info threads` at 10,000 threads moves megabytes
# (a register read per thread): minutes. Those rows are left out there,
# and the unpaced byte count says what they would cost (bytes / 11,520).
PACED_LIST_MAX = 1000


def scale_one(kthreads, cpus, paced):
    sim = harness.Sim("--kthreads", str(kthreads), "--cpus", str(cpus))
    px = None
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    try:
        sim.out.wait_for(rf"^kthreads: {kthreads} asleep$", timeout=120)
        px, listen, ctl = start_proxy(sim.port, BAUD if paced else 0)
        phases = "stepi" if paced and kthreads > PACED_LIST_MAX else \
            "stepi,info_threads,bt_all"
        env = dict(os.environ, BENCH_PORT=str(listen), BENCH_CTL=str(ctl), BENCH_OUT=out,
                   BENCH_PHASES=phases)
        return gdb_script(harness.SIM, "bench/gdbscale.py", env, out)
    finally:
        if px:
            px.kill()
        sim.stop()
        os.unlink(out)


def measure_scale():
    rows = {}
    configs = [(n, 2) for n in SCALE_THREADS] + [(10, c) for c in SCALE_CPUS if c != 2]
    for kthreads, cpus in configs:
        for paced in (False, True):
            key = f"kthreads={kthreads} cpus={cpus}" + (" @115200" if paced else "")
            try:
                rows[key] = scale_one(kthreads, cpus, paced)
            except Exception as e:  # reported, not fatal
                rows[key] = {"failed": str(e)}
            print(f"scale {key}: measured", flush=True)
    return rows


SCALE_COLS = ("attach", "stepi", "info_threads", "bt_all")


def print_roundup(rows):
    """Roundup time (first trap to every CPU parked) against CPU count."""
    print("\nroundup (monitor cpus after attach, unpaced): " + "; ".join(
        f"{k.split()[1]}: {r['roundup_us']} us, {r['roundup_missing']} not parked"
        for k, r in rows.items() if "roundup_us" in r and "@" not in k))


def print_scale(rows):
    print(f"\n{'kstub-hostsim scale':34} " + " ".join(
        f"{c + ' ms':>16} {c + ' B':>12}" for c in SCALE_COLS))
    for key, r in rows.items():
        if "failed" in r:
            print(f"{key:34} failed: {r['failed']}")
            continue
        cells = []
        for c in SCALE_COLS:
            if c + "_s" in r:
                cells.append(f"{r[c + '_s'] * 1e3:16.1f} {r[c + '_bytes']:12d}")
            else:
                cells.append(f"{'-':>16} {'-':>12}")
        print(f"{key:34} " + " ".join(cells))
    print("B: bytes on the wire, both ways; stepi: one printed `stepi` (gdb then "
          "re-reads the thread list);\nbt_all: `thread apply all bt 1`; "
          f"'-' on the paced line: left out above {PACED_LIST_MAX} threads (minutes).")


def environment():
    def ver(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "?"
    return {"host": platform.platform(), "cpus": os.cpu_count(), "smp": SMP,
            "qemu": ver(["qemu-system-x86_64", "--version"]), "gdb": ver(["gdb", "--version"])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("targets", nargs="*",
                    default=[KSTUB, KSTUB_UDP, KSTUB_UDP_AUTH, *PEERS, "kstub-hostsim", "kstub-hostsim-udp",
                             *FW_TARGETS])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--json", default=os.path.join(ROOT, "build/bench/results.json"))
    ap.add_argument("--no-scale", action="store_true", help="skip the thread/CPU scale rows")
    args = ap.parse_args()
    env = environment()
    print(" ".join(f"{k}: {v};" for k, v in env.items()))
    results = {}
    for name in args.targets:
        try:
            results[name] = measure(name, args.steps)
            if "counted" in results[name]:
                s = results[name]["counted"]["stepi_wire"]["to_target"]["steps"]
                print(f"{name}: measured ({s:.2f} step packets per stepi)", flush=True)
            else:
                print(f"{name}: measured", flush=True)
        except Exception as e:  # a target that cannot run is reported, not fatal
            print(f"{name}: failed: {e}", flush=True)
    print_tables(results)
    # Issue 17: conditions evaluated in the stub against gdb (agentbench.py).
    from agentbench import agent_rows
    results["agent"] = agent_rows()
    scale = {} if args.no_scale else measure_scale()
    if scale:
        print_scale(scale)
        print_roundup(scale)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"environment": env, "results": results, "scale": scale}, f, indent=1)
    print(f"\nall figures: {args.json}")
    try:
        import charts
    except ImportError as e:
        print(f"charts: not drawn ({e}; scripts/deps.sh installs python3-matplotlib)")
    else:
        for path in charts.draw(args.json):
            print(f"chart: {path}")


if __name__ == "__main__":
    sys.exit(main())
