"""kstub-sim with the UDP transport on its NIC model, in plain mode (--udp)
and in the authenticated mode (--udp-key, through build/kstub-udp), over
a veth pair between two network namespaces made for each scenario
(netns.py): real gdb, lldb and ping in the debugger's namespace, real
frames and ARP across a real interface.

They need root and network namespaces. Without them the scenarios are
left out with a message on stderr, unless KSTUB_E2E_NETNS=required (CI
sets it): then the first one fails and says why.

Each scenario is fn(sim_log); the runner finds this module by its name."""
import contextlib
import random
import os
import re
import subprocess
import sys
import tempfile
import types

import netns
from checks import bench_bytes, expect
from harness import ROOT, Gdb, Lines, Sim, gdb_batch, lldb_batch
from netns import GDB_IP, KERNEL_IP, PORT, STRANGER_IP, VethPair
from rsp_client import run_sim
from runner import Scenarios
from wire import frame, pcap_records, to_hex

SCENARIOS = scenario = Scenarios()
SLOW_FIRST = ("udp_gdb_session", "udp_ping_and_arp")

PROMPT = r"\(gdb\) "
# What a gdb attaching to a running kernel over plain UDP needs: a break
# first, since nothing else may stop the kernel on this link.
ATTACH_RUNNING = ["set remote interrupt-on-connect on"]

_why_not = netns.unavailable()
_required = os.environ.get("KSTUB_E2E_NETNS") == "required"


def needs_netns(fn):
    """Register fn, or leave it out (say so once) where it cannot run."""
    if _why_not is None or _required:
        return scenario(fn)
    return fn


if _why_not and not _required:
    print(f"e2e: sim_udp scenarios left out: {_why_not}", file=sys.stderr)


def udp_sim(net, *args, extra=""):
    if _why_not:
        raise AssertionError(f"KSTUB_E2E_NETNS=required, but {_why_not}")
    return Sim(*args, link=["--udp", net.udp_spec(extra)], prefix=net.prefix("kernel"),
               client=net.prefix("debugger"))


def udp_gdb(net):
    return Gdb(prefix=net.prefix("debugger"))


def nic_counts(text):
    """monitor nic's udp line -> {name: count}."""
    m = expect(text, r"^udp: (\d+) delivered, (\d+) from others \(not the peer\), (\d+) to "
                     r"other ports, (\d+) bad checksums, (\d+) arp replies, (\d+) pings$")
    return dict(zip(("delivered", "others", "ports", "bad_csum", "arp", "pings"),
                    map(int, m.groups())))


def send_datagrams(net, payloads, source=STRANGER_IP):
    """Datagrams to the stub from source (by default STRANGER_IP, another
    host on its link), from one UDP port."""
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            f"s.bind(({source!r},0))\n"
            "for p in sys.argv[1:]:\n"
            f"    s.sendto(bytes.fromhex(p),({KERNEL_IP!r},{PORT}))\n")
    net.debugger([sys.executable, "-c", code, *(p.hex() for p in payloads)])


STRANGER = [b"\x03", frame("?"), b"+" + frame("g"), b"\x03", frame("c"), frame("k")]


def ping(net, count):
    """ping from the debugger's side; every echo must come back. The
    reply also proves the stub has polled past every earlier frame: its
    ring is first in, first out."""
    out = net.debugger(["ping", "-c", str(count), "-i", "0.2", "-W", "10", KERNEL_IP],
                       check=False).stdout
    expect(out, rf"^{count} packets transmitted, {count} received", "every ping answered")


def expect_running(sim, path):
    """The kernel runs: a console command is carried out."""
    sim.console(f"mkdir {path}")
    sim.out.wait_for(rf"mkdir: created {re.escape(path)}")


def read_bench(gdb, size):
    """gdb reads size bytes of bench_area; they must be the workload's."""
    got = gdb.cmd("python print(bytes(gdb.selected_inferior().read_memory("
                  f"int(gdb.parse_and_eval('(long)&bench_area')), {size})).hex())")
    if bytes.fromhex(got.strip()) != bench_bytes(size):
        raise AssertionError(f"bench_area read over UDP differs:\n{got[:200]}")
    return got.strip()


def break_at_mkdir(gdb, sim, path):
    """Breakpoint 1 at sys_mkdir, continue, the console's mkdir path hits
    it; returns gdb's line for the stop."""
    expect(gdb.cmd("break sys_mkdir"), r"Breakpoint 1 at")
    gdb.send("continue")
    gdb.expect("Continuing.")
    sim.console(f"mkdir {path}")
    hit = gdb.expect(rf'Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ "{re.escape(path)}"')
    gdb.expect(PROMPT)
    return hit


def gdb_session_steps(gdb, sim, tag):
    """What a gdb session over UDP does in either mode: attach at boot,
    registers, 8 KiB of memory, a breakpoint, stepi, console output while
    the kernel runs (O packets), ^C. Leaves gdb stopped at the break-in.
    Returns what it saw that must be the same in every run (no
    addresses: the sim is position independent)."""
    out = gdb.cmd(f"target remote {sim.target}")
    expect(out, r"kdb_enter \(why=")
    expect(gdb.cmd("info registers rip"), r"^rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <kdb_enter")
    # 8 KiB: more than a datagram holds (several m packets in plain mode,
    # a fragmented reply in the authenticated one).
    got = read_bench(gdb, 8192)
    hit = break_at_mkdir(gdb, sim, f"/{tag}/one")
    pc0 = expect(gdb.cmd("p/x $pc"), r"= (0x[0-9a-f]+)").group(1)
    gdb.cmd("stepi")
    pc1 = expect(gdb.cmd("p/x $pc"), r"= (0x[0-9a-f]+)").group(1)
    if int(pc1, 16) <= int(pc0, 16):
        raise AssertionError(f"stepi should move forward: {pc0} -> {pc1}")
    path = expect(gdb.cmd("p path"), r'= 0x[0-9a-f]+ (".*")$').group(1)
    gdb.cmd("delete")
    # Running: the kernel's console comes to gdb (O packets).
    gdb.send("continue")
    gdb.expect("Continuing.")
    sim.console(f"mkdir /{tag}/running")
    gdb.expect(rf"mkdir: created /{tag}/running")
    gdb.interrupt()
    expect(gdb.expect(PROMPT), r"received signal SIGINT")
    seen = re.sub(r"0x[0-9a-f]+", "ADDR", expect(hit, r"Breakpoint 1, .*").group(0))
    return seen, path, got


@needs_netns
def udp_gdb_session(sim_log):
    """gdb over `target remote udp:`: attach at boot, registers, memory
    (more than a datagram holds), a breakpoint, stepi, console output
    while the kernel runs, ^C break-in, monitor, detach; then a second
    gdb attaches to the running kernel and detaches."""
    with VethPair() as net, udp_sim(net, "--wait", "--console-to-gdb") as sim, \
            udp_gdb(net) as gdb:
        sim_log.append(sim)
        if sim.target != f"udp:{KERNEL_IP}:{PORT}":
            raise AssertionError(f"kstub-sim names {sim.target}")
        expect(sim.err.text(), r"^kstub-sim: udp: plain mode: unauthenticated")
        gdb_session_steps(gdb, sim, "udp")
        expect(gdb.cmd("monitor ps"), r"^\s*\d+ sh\s")
        counts = nic_counts(gdb.cmd("monitor nic"))
        if counts["others"] or counts["bad_csum"] or counts["delivered"] < 20:
            raise AssertionError(f"monitor nic: {counts}")
        expect(gdb.cmd("detach"), r"detached")
        expect_running(sim, "/udp/detached")
        # The peer is forgotten at detach: a second gdb, from another
        # port, stops the running kernel and attaches.
        out = gdb_batch(sim, ["info threads", "p ticks > 0", "detach"], pre=ATTACH_RUNNING,
                        name="udp-second")
        expect(out, r'Thread \d+ "clock"')
        expect(out, r"^\$1 = 1$")
        expect(out, r"detached")
        expect_running(sim, "/udp/again")


@needs_netns
def udp_ping_and_arp(sim_log):
    """The stub's own IP answers ARP and ping over the real interface:
    stopped at boot (its wait loop polls the NIC) and running (the timer
    tick polls it); the debugger's host learns the NIC model's MAC."""
    with VethPair() as net, udp_sim(net, "--wait") as sim:
        sim_log.append(sim)
        ping(net, 2)
        neigh = net.debugger(["ip", "neigh", "show", KERNEL_IP]).stdout
        expect(neigh, rf"^{re.escape(KERNEL_IP)} dev \S+ lladdr 02:6b:0a:4d:00:02 ",
               "the stub's MAC, learned by ARP")
        out = gdb_batch(sim, ["monitor nic", "detach"], name="udp-ping")
        counts = nic_counts(out)
        if counts["pings"] != 2 or counts["arp"] < 1:
            raise AssertionError(f"2 pings and an ARP reply while stopped: {counts}\n{out}")
        expect_running(sim, "/udp/ping")
        ping(net, 3)
        out = gdb_batch(sim, ["monitor nic", "detach"], pre=ATTACH_RUNNING, name="udp-ping2")
        if nic_counts(out)["pings"] != 5:
            raise AssertionError(f"3 more pings while running:\n{out}")


@needs_netns
def udp_stranger_configured_peer(sim_log):
    """peer= names the debugger's address: break-ins and packets from
    another address on the link cannot stop the running kernel; they
    are dropped and counted."""
    with VethPair() as net, udp_sim(net, extra=f",peer={GDB_IP}") as sim:
        sim_log.append(sim)
        expect_running(sim, "/udp/booted")
        send_datagrams(net, STRANGER)
        ping(net, 1)
        expect_running(sim, "/udp/still")
        out = gdb_batch(sim, ["monitor nic", "detach"], pre=ATTACH_RUNNING, name="udp-peer")
        counts = nic_counts(out)
        if counts["others"] != len(STRANGER):
            raise AssertionError(f"{len(STRANGER)} datagrams from others: {counts}\n{out}")


@needs_netns
def udp_stranger_latched_peer(sim_log):
    """No peer= given: the stub answers the first gdb and, while its
    session lasts, no one else: a stranger's break-ins cannot stop the
    kernel the attached gdb let run; gdb's own ^C still does."""
    with VethPair() as net, udp_sim(net, "--wait") as sim, udp_gdb(net) as gdb:
        sim_log.append(sim)
        expect(gdb.cmd(f"target remote {sim.target}"), r"kdb_enter \(why=")
        gdb.send("continue")
        gdb.expect("Continuing.")
        expect_running(sim, "/udp/latched")
        send_datagrams(net, STRANGER)
        ping(net, 1)
        expect_running(sim, "/udp/not-stopped")
        gdb.interrupt()
        expect(gdb.expect(PROMPT), r"received signal SIGINT")
        counts = nic_counts(gdb.cmd("monitor nic"))
        if counts["others"] != len(STRANGER):
            raise AssertionError(f"{len(STRANGER)} datagrams from others: {counts}")
        expect(gdb.cmd("detach"), r"detached")


@needs_netns
def udp_reboot_same_endpoint(sim_log):
    """monitor reboot over UDP: the machine comes back fresh on the same
    IP, port and MAC, where a new gdb attaches. (The asking debugger gets
    no answer: UDP has no hangup to tell it.)"""
    with VethPair() as net, udp_sim(net) as sim:
        sim_log.append(sim)
        expect_running(sim, "/udp/before")
        send_datagrams(net, [b"\x03", frame("qRcmd," + to_hex("reboot"))], source=GDB_IP)
        sim.err.wait_for(r"kstub-sim: booted, 2 cpus \(reboot 1\)")
        out = gdb_batch(sim, ["p made_count", "detach"], pre=ATTACH_RUNNING,
                        name="udp-reboot")
        expect(out, r"^\$1 = 0$", "a fresh boot: no mkdir yet")
        expect(out, r"detached")
        expect_running(sim, "/udp/after")


@needs_netns
def udp_lldb_connects(sim_log):
    """lldb 14 speaks plain UDP too: process connect udp://IP:PORT."""
    with VethPair() as net, udp_sim(net, "--wait") as sim:
        sim_log.append(sim)
        out = lldb_batch(sim, ["register read rip", "memory read -c 8 &bench_area",
                               "process detach"])
        expect(out, r"rip = 0x[0-9a-f]+\s+kstub-sim`kdb_enter")
        want = " ".join(f"{b:02x}" for b in bench_bytes(8))
        expect(out, rf"^0x[0-9a-f]+: {want} ", "bench_area's first bytes")
        expect_running(sim, "/udp/lldb")


# (arguments, what stderr must say): refused with status 2, before any
# interface is touched (the last: after, with libpcap's reason).
BAD_UDP = (
    (["--udp", "eth0"], r"--udp: needs ip= and port=: 'eth0'"),
    (["--udp", "ip=1.2.3.4,port=9"], r"--udp: the first item must be an interface name"),
    (["--udp", "x,ip=1.2.3,port=9"], r"--udp: ip= is not an IPv4 address A\.B\.C\.D: '1\.2\.3'"),
    (["--udp", "x,ip=1.2.3.4,port=70000"],
     r"--udp port=: '70000' is not a whole number from 1 to 65535"),
    (["--udp", "x,ip=1.2.3.4,port=9,peer=1.2.3.5:0"],
     r"--udp peer port: '0' is not a whole number from 1 to 65535"),
    (["--udp", "x,ip=1.2.3.4,port=9,mac=01:02:03"], r"--udp: mac= is not aa:bb:cc:dd:ee:ff"),
    (["--udp", "x,ip=1.2.3.4,port=9,ring=0"], r"--udp ring=: '0' is not a whole number from 1"),
    (["--udp", "x,ip=1.2.3.4,port=9,port=10"], r"--udp: given twice: 'port=10'"),
    (["--udp", "x,ip=1.2.3.4,port=9,speed=10"], r"--udp: not ip=, port=, peer=, gw=, mac= or"),
    (["--udp", "x,ip=1.2.3.4,port=9", "--serial", "tcp:127.0.0.1:0"],
     r"--serial is for the serial line; --udp makes the link UDP"),
    (["--nic-faults", "drop=0.1"], r"--nic-faults needs --udp"),
    (["--udp", "x,ip=1.2.3.4,port=9", "--nic-faults", "drop=2"],
     r"--nic-faults: not corrupt=P,drop=P,dup=P,reorder=P,seed=N"),
    (["--udp", "x,ip=1.2.3.4,port=9", "--nic-faults", "dir=up,drop=0.1"],
     r"--nic-faults: direction is not to-kernel, from-kernel or both: 'up'"),
    (["--udp", "nosuchif0,ip=10.0.0.2,port=9"], r"--udp nosuchif0: \S"),
)


@scenario
def udp_options_refused(sim_log):
    """--udp and --nic-faults: a bad value is refused with status 2 and
    a message that names the option, the value and what is wanted."""
    for args, msg in BAD_UDP:
        if "nosuchif0" in args[-1] and os.geteuid() != 0:
            continue	# unprivileged: pcap says "permission", just as well
        p = run_sim(*args)
        if p.returncode != 2 or not re.search(rf"^kstub-sim: {msg}", p.stderr, re.M):
            raise AssertionError(f"{args}: exit {p.returncode}\n{p.stderr}")


# --- the authenticated mode: kstub-sim --udp-key, gdb through kstub-udp ---

BRIDGE = os.path.join(ROOT, "build", "kstub-udp")


@contextlib.contextmanager
def key_files(count=1):
    """count fresh random key files (mode 0600, kstub-udp's hex form),
    removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kstub-udp-key.") as d:
        paths = []
        for i in range(count):
            path = os.path.join(d, f"key{i}")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(os.urandom(32).hex() + "\n")
            paths.append(path)
        yield paths


def auth_sim(net, key, *args):
    """kstub-sim in the authenticated mode; .target is the bridge, run by
    gdb in the debugger's namespace."""
    sim = udp_sim(net, "--udp-key", key, *args)
    try:
        expect(sim.err.text(), r"^kstub-sim: udp: authenticated mode$")
    except BaseException:
        sim.stop()
        raise
    sim.target = f"| {BRIDGE} --key {key} {KERNEL_IP}:{PORT}"
    return sim


def auth_stats(text):
    """monitor stats -> {"auth rx_bad_tag": n, "net drop_peer": n, ...}."""
    got = {f"{m.group(1)} {m.group(2)}": int(m.group(3))
           for m in re.finditer(r"^(auth|net) (\w+) (\d+)$", text, re.M)}
    if "auth rx_dgrams" not in got:
        raise AssertionError(f"no monitor stats table:\n{text}")
    return got


def auth_gdb_session(net, sim):
    """The authenticated gdb session udp_auth_gdb_session and
    udp_auth_nic_faults run: attach at boot, registers, 8 KiB of memory,
    break/continue, stepi, console output while running, ^C, monitor
    stats, detach. Returns (what it saw, monitor stats' counters)."""
    with udp_gdb(net) as gdb:
        seen = gdb_session_steps(gdb, sim, "auth")
        stats = auth_stats(gdb.cmd("monitor stats"))
        expect(gdb.cmd("detach"), r"detached")
    expect_running(sim, "/auth/detached")
    return seen, stats


@needs_netns
def udp_auth_gdb_session(sim_log):
    """--udp-key: gdb through `target remote | kstub-udp --key K IP:PORT`
    in the debugger's namespace: the whole session of auth_gdb_session,
    one handshake, nothing refused on a clean link."""
    with key_files() as (key,), VethPair() as net, \
            auth_sim(net, key, "--wait", "--console-to-gdb") as sim:
        sim_log.append(sim)
        _, stats = auth_gdb_session(net, sim)
        refused = {k: v for k, v in stats.items()
                   if v and re.match(r"auth (rx_(short|oversize|version|bad|no|wrong)|hs_bad)", k)}
        if stats["auth sessions"] != 1 or refused or stats["auth rx_delivered"] < 20:
            raise AssertionError(f"monitor stats on a clean link: {stats}")


@needs_netns
def udp_auth_nic_faults(sim_log):
    """--udp-key with the NIC model dropping 10 %, doubling 5 % and
    reordering 5 % of frames both ways (a fixed seed): the authenticated
    session sees exactly what it sees on a clean link, and the faults did
    happen (kstub-sim's exit report counts them)."""
    results = []
    with key_files() as (key,):
        for faults in ((), ("--nic-faults", "drop=0.1,dup=0.05,reorder=0.05,seed=7")):
            with VethPair() as net, \
                    auth_sim(net, key, "--wait", "--console-to-gdb", *faults) as sim:
                sim_log.append(sim)
                seen, stats = auth_gdb_session(net, sim)
                results.append(seen)
            if faults:
                report = expect(sim.err.text(), r"^kstub-sim: nic faults: to the kernel "
                                r"(\d+) dropped, (\d+) doubled, (\d+) reordered")
                if not all(int(n) for n in report.groups()) or not stats["auth tx_resends"]:
                    raise AssertionError(f"faults did not happen: {report.group(0)}\n{stats}")
    if results[0] != results[1]:
        raise AssertionError(f"clean and faulty links differ:\n{results[0][:2]}\n"
                             f"{results[1][:2]}")


def listening_bridge(net, key):
    """kstub-udp --listen on a free loopback port in the debugger's
    namespace: (process, its stderr lines, port)."""
    proc = subprocess.Popen(net.prefix("debugger") + [
        BRIDGE, "--key", key, "--listen", "127.0.0.1:0", f"{KERNEL_IP}:{PORT}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = Lines(proc.stderr)
    try:
        port = err.wait_for(r"kstub-udp: listening on 127\.0\.0\.1:(\d+) for ").group(1)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc, err, port


@needs_netns
def udp_auth_lldb(sim_log):
    """lldb through `kstub-udp --listen` in the debugger's namespace
    (gdb-remote 127.0.0.1:PORT): attach at boot, registers, memory,
    threads, detach; the kernel runs on."""
    with key_files() as (key,), VethPair() as net, auth_sim(net, key, "--wait") as sim:
        sim_log.append(sim)
        bridge, err, port = listening_bridge(net, key)
        try:
            out = lldb_batch(types.SimpleNamespace(client=sim.client, target=f"127.0.0.1:{port}"),
                             ["register read rip", "memory read -c 8 &bench_area",
                              "thread list", "process detach"])
        finally:
            bridge.terminate()
            bridge.wait()
            err.join()
        expect(out, r"rip = 0x[0-9a-f]+\s+kstub-sim`kdb_enter")
        want = " ".join(f"{b:02x}" for b in bench_bytes(8))
        expect(out, rf"^0x[0-9a-f]+: {want} ", "bench_area's first bytes")
        expect(out, r"thread #\d+: tid = \d+, 0x[0-9a-f]+ kstub-sim`\w+.*, name = 'clock'")
        expect(out, r"Process \d+ detached")
        expect_running(sim, "/auth/lldb")


@scenario
def udp_key_refused(sim_log):
    """--udp-key refuses, with status 2 and the file's name and what is
    wrong, a missing file, one of the wrong size or not hex, and one that
    group or others may read; and needs --udp."""
    with tempfile.TemporaryDirectory(prefix="kstub-udp-key.") as d:
        def key_file(name, data, mode=0o600):
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, mode)
            return path
        good = key_file("good", os.urandom(32))
        cases = (
            (os.path.join(d, "none"), r"cannot open key file \S+/none: No such file"),
            (key_file("short", os.urandom(31)), r"malformed key file \S+/short: expected 32 raw "
                                                r"bytes or 64 hex digits"),
            (key_file("nothex", b"g" * 64 + b"\n"), r"malformed key file \S+/nothex"),
            (key_file("open", os.urandom(32), 0o640), r"key file \S+/open is accessible by "
                                                      r"group or others \(mode 0640\); refusing"),
        )
        for path, msg in cases:
            p = run_sim("--udp", "x,ip=1.2.3.4,port=9", "--udp-key", path)
            if p.returncode != 2 or not re.search(rf"^kstub-sim: --udp-key: {msg}", p.stderr,
                                                  re.M):
                raise AssertionError(f"{path}: exit {p.returncode}\n{p.stderr}")
        p = run_sim("--udp-key", good)
        if p.returncode != 2 or "--udp-key needs --udp" not in p.stderr:
            raise AssertionError(f"--udp-key alone: exit {p.returncode}\n{p.stderr}")


def outgoing(pcap):
    """kstub-udp's capture -> the datagrams it sent: [(src ip, src port,
    payload)] (DLT_RAW records: IPv4 and UDP headers, then the payload)."""
    _, recs = pcap_records(pcap)
    return [(".".join(map(str, r[12:16])), int.from_bytes(r[20:22], "big"), r[28:])
            for r in recs if ".".join(map(str, r[16:20])) == KERNEL_IP]


def send_spoofed(net, payloads, src_ip, src_port):
    """Datagrams to the stub that claim to come from src_ip:src_port (the
    live bridge's address), through a raw socket in the debugger's
    namespace; the UDP checksum is right, so the NIC model passes them."""
    code = ("import socket,struct,sys\n"
            "def csum(b):\n"
            "    b += b'\\0' * (len(b) & 1)\n"
            "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))\n"
            "    while s >> 16: s = (s & 0xffff) + (s >> 16)\n"
            "    return ~s & 0xffff or 0xffff\n"
            f"src, dst = socket.inet_aton({src_ip!r}), socket.inet_aton({KERNEL_IP!r})\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)\n"
            "for p in sys.argv[1:]:\n"
            "    p = bytes.fromhex(p)\n"
            f"    u = struct.pack('!HHHH', {src_port}, {PORT}, 8 + len(p), 0) + p\n"
            "    c = csum(src + dst + struct.pack('!BBH', 0, 17, len(u)) + u)\n"
            "    u = u[:6] + struct.pack('!H', c) + u[8:]\n"
            "    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(u), 0, 0x4000, 64, 17, 0,"
            " src, dst)\n"
            f"    s.sendto(ip + u, ({KERNEL_IP!r}, 0))\n")
    net.debugger([sys.executable, "-c", code, *(p.hex() for p in payloads)])


# monitor stats' counters of datagrams refused, whatever the reason.
REFUSED = ("rx_short", "rx_oversize", "rx_version", "rx_bad_len", "rx_bad_type",
           "rx_bad_frag", "rx_no_key", "rx_no_session", "rx_wrong_session", "rx_bad_tag",
           "hs_bad_key")


@needs_netns
def udp_auth_security(sim_log):
    """--udp-key, a live gdb session through kstub-udp while the kernel
    runs; then, from the bridge's own address and port (raw socket) or
    from another address on the link: an earlier session's datagrams
    replayed, this session's own replayed, truncated ones, forged tags,
    another session id, a second bridge with another key (told "wrong
    key?"), and a junk flood. None stops the kernel (its console keeps
    working), monitor stats counts each kind, and the session goes on."""
    with key_files(2) as (key, other), VethPair() as net, auth_sim(net, key) as sim, \
            tempfile.TemporaryDirectory(prefix="kstub-udp-pcap.") as d:
        sim_log.append(sim)
        expect_running(sim, "/sec/booted")
        bridge = sim.target
        # An earlier session, recorded, then over.
        old_pcap, live_pcap = os.path.join(d, "old.pcap"), os.path.join(d, "live.pcap")
        sim.target = bridge.replace(" --key", f" --pcap {old_pcap} --key")
        out = gdb_batch(sim, ["p ticks > 0", "detach"], name="auth-old")
        expect(out, r"^\$1 = 1$")
        expect(out, r"detached")
        old = [p for _, _, p in outgoing(old_pcap)]
        expect_running(sim, "/sec/between")
        sim.target = bridge.replace(" --key", f" --pcap {live_pcap} --key")
        with udp_gdb(net) as gdb:
            expect(gdb.cmd(f"target remote {sim.target}"), r"Remote debugging using")
            before = auth_stats(gdb.cmd("monitor stats"))
            gdb.send("continue")
            gdb.expect("Continuing.")
            expect_running(sim, "/sec/live")
            live = outgoing(live_pcap)
            src_ip, src_port = live[0][0], live[0][1]
            data = [p for _, _, p in live if p[1] == 4]	 # DATA: the RSP requests
            hellos = sum(1 for p in old if p[1] == 1)
            if not data or not hellos:
                raise AssertionError(f"captures: {len(old)} old, {len(live)} live")
            sid_other = bytes(b ^ 0x5A for b in data[0][4:8])
            attacks = {
                "replayed old session": old,
                "replayed": data,
                "truncated": [p[:-1] for p in data] + [p[:30] for p in data],
                "forged tag": [p[:-1] + bytes([p[-1] ^ 1]) for p in data],
                "wrong session": [p[:4] + sid_other + p[8:] for p in data],
            }
            for what, payloads in attacks.items():
                send_spoofed(net, payloads, src_ip, src_port)
                ping(net, 1)	# the stub has polled past all of them
                expect_running(sim, f"/sec/{what.replace(' ', '-')}")
            wrong = subprocess.run(net.prefix("debugger") + [
                BRIDGE, "--key", other, f"{KERNEL_IP}:{PORT}"], stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=60)
            if wrong.returncode != 1 or "(wrong key?)" not in wrong.stderr:
                raise AssertionError(f"a bridge with another key: exit {wrong.returncode}\n"
                                     f"{wrong.stderr}")
            # Junk from another address, in rounds the NIC's ring holds.
            rng = random.Random(14)
            junk = 0
            for _ in range(8):
                batch = [rng.randbytes(rng.randint(1, 1472)) for _ in range(48)]
                send_datagrams(net, batch)
                junk += len(batch)
                ping(net, 1)
            expect_running(sim, "/sec/after-junk")
            gdb.interrupt()
            expect(gdb.expect(PROMPT), r"received signal SIGINT")
            after = auth_stats(gdb.cmd("monitor stats"))
            delta = {k.split()[1]: after[k] - before[k] for k in after if k.startswith("auth ")}
            # The wrong-key bridge's HELLOs (hs_bad_key): one, or more if
            # the machine was slow to answer the first.
            refused = sum(delta[k] for k in REFUSED if k != "hs_bad_key")
            sent_bad = sum(map(len, attacks.values())) - len(data) + junk
            want = {
                "rx_wrong_session": len(old) - hellos + len(data),
                "rx_bad_tag": len(data),
                "hs_busy": hellos,	# a replayed HELLO cannot take the session over
                "sessions": 0,
            }
            bad = {k: (delta[k], v) for k, v in want.items() if delta[k] != v}
            # Replays are answered from the reply cache, never run again;
            # the bridge's own resends (a slow reply) count here too.
            if delta["rx_dup"] < len(data):
                bad["rx_dup"] = (delta["rx_dup"], f">= {len(data)}")
            if bad or refused + hellos != sent_bad or delta["hs_bad_key"] < 1:
                raise AssertionError(f"(counted, expected): {bad}; {refused} refused + "
                                     f"{hellos} busy of {sent_bad}\n{delta}")
            # The session is undisturbed: it reads, breaks and detaches.
            read_bench(gdb, 4096)
            break_at_mkdir(gdb, sim, "/sec/hit")
            gdb.cmd("delete")
            expect(gdb.cmd("detach"), r"detached")
        expect_running(sim, "/sec/done")
