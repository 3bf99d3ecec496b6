#!/usr/bin/env python3
"""The UDP bridge, build/kstub-udp, against the stub's authenticated link.

build/udp-auth-target is the fake machine of the unit suites with the stub
core behind the authenticated UDP link on a loopback socket. The bridge
runs as gdb runs it (target remote | kstub-udp ...): RSP on its stdin and
stdout. We check the replies that come through it, in ack and no-ack mode,
a reply bigger than one datagram, "monitor stats", a break-in, detach, the
capture file, and the bridge's errors: wrong key, nobody answering, a key
file others may read, a malformed one, a session held by another bridge.

Only loopback is used. Every wait has a deadline that fails the test; none
is used to let something happen."""
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import wire  # noqa: E402

BRIDGE = os.path.join(ROOT, "build", "kstub-udp")
TARGET = os.path.join(ROOT, "build", "udp-auth-target")
DEADLINE = 20.0
FX_RAM = 0x10000


def ram_pattern(off, n):
    """The fake machine's RAM as it starts: byte i is i * 7."""
    return bytes(((off + i) * 7) & 0xFF for i in range(n))


def write_key(path, data, mode=0o600):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


class Target:
    """The fake kernel, listening on a loopback UDP port."""

    def __init__(self, key):
        self.proc = subprocess.Popen([TARGET, key], stdout=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], DEADLINE)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("port "):
            self.close()
            raise AssertionError(f"udp-auth-target did not start: {line!r}")
        self.port = int(line.split()[1])

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class Bridge:
    """kstub-udp with pipes for gdb's side of it."""

    def __init__(self, key, port, *extra):
        self.proc = subprocess.Popen(
            [BRIDGE, "--key", key, *extra, f"127.0.0.1:{port}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""
        self.noack = False

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def _more(self):
        ready, _, _ = select.select([self.proc.stdout], [], [], DEADLINE)
        chunk = os.read(self.proc.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            err = self.proc.stderr.read1(4096) if self.proc.poll() is not None else b""
            raise AssertionError(f"bridge output ended or stalled: {err!r}")
        self.buf += chunk

    def ack(self):
        """The '+' for the packet we sent (ack mode)."""
        while not self.buf:
            self._more()
        assert self.buf[:1] == b"+", self.buf[:40]
        self.buf = self.buf[1:]

    def packet(self):
        """The next packet's body, checksum verified, acked in ack mode."""
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if end >= 0 and len(self.buf) >= end + 3:
                break
            self._more()
        assert start == 0, f"junk before a packet: {self.buf[:start]!r}"
        body, digits = self.buf[1:end], self.buf[end + 1:end + 3]
        self.buf = self.buf[end + 3:]
        assert wire.checksum_ok(body, digits), (body[:40], digits)
        if not self.noack:
            self.send(b"+")
        return body

    def cmd(self, body):
        self.send(wire.frame(body))
        if not self.noack:
            self.ack()
        return self.packet()

    def finish(self):
        """Close gdb's side; the bridge's exit status and stderr."""
        self.proc.stdin.close()
        try:
            rc = self.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        err = self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc, err


class LossyRelay(threading.Thread):
    """A loopback UDP relay between bridge and stub that drops, doubles
    and reorders datagrams (each direction on its own), from a seed."""

    def __init__(self, target_port, seed, drop=0.10, dup=0.05, swap=0.05):
        super().__init__(daemon=True)
        self.near = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.near.bind(("127.0.0.1", 0))
        self.port = self.near.getsockname()[1]
        self.far = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.far.connect(("127.0.0.1", target_port))
        self.rng = random.Random(seed)
        self.p = (drop, dup, swap)
        self.bridge = None
        self.held = {}
        self.counts = {"dropped": 0, "doubled": 0, "swapped": 0}
        self.stop_r, self.stop_w = os.pipe()

    def send(self, sock, d):
        if sock is self.far:
            self.far.send(d)
        else:
            self.near.sendto(d, self.bridge)

    def forward(self, sock, d):
        drop, dup, swap = self.p
        x = self.rng.random()
        if x < drop:
            self.counts["dropped"] += 1
            return
        if x < drop + swap and sock not in self.held:
            self.counts["swapped"] += 1
            self.held[sock] = d  # goes after the next one
            return
        self.send(sock, d)
        if x < drop + swap + dup:
            self.counts["doubled"] += 1
            self.send(sock, d)
        if sock in self.held:
            self.send(sock, self.held.pop(sock))

    def run(self):
        while True:
            ready, _, _ = select.select([self.near, self.far, self.stop_r], [], [])
            if self.stop_r in ready:
                return
            if self.near in ready:
                d, self.bridge = self.near.recvfrom(4096)
                self.forward(self.far, d)
            if self.far in ready:
                try:
                    d = self.far.recv(4096)
                except ConnectionRefusedError:
                    continue
                if self.bridge:
                    self.forward(self.near, d)

    def close(self):
        os.write(self.stop_w, b"x")
        self.join()
        for f in (self.stop_r, self.stop_w):
            os.close(f)
        self.near.close()
        self.far.close()


def run_bridge(key, port, *extra):
    """A bridge that should fail at once: (exit status, stderr)."""
    p = subprocess.run([BRIDGE, "--key", key, *extra, f"127.0.0.1:{port}"],
                       stdin=subprocess.PIPE, capture_output=True, timeout=DEADLINE)
    return p.returncode, p.stderr.decode()


def start_listener(key, port):
    """kstub-udp --listen on a free loopback TCP port: (process, port)."""
    bridge = subprocess.Popen(
        [BRIDGE, "--key", key, "--listen", "127.0.0.1:0", f"127.0.0.1:{port}"],
        stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([bridge.stderr], [], [], DEADLINE)
    line = bridge.stderr.readline() if ready else ""
    if "kstub-udp: listening on 127.0.0.1:" not in line:
        bridge.kill()
        bridge.wait()
        raise AssertionError(f"no listener: {line!r}")
    return bridge, int(line.split("listening on 127.0.0.1:")[1].split()[0])


class BridgeTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="kstub-udp-test.")
        self.key = write_key(os.path.join(self.dir.name, "key"), os.urandom(32))
        self.target = Target(self.key)

    def tearDown(self):
        self.target.close()
        self.dir.cleanup()

    def test_session(self):
        pcap = os.path.join(self.dir.name, "s.pcap")
        b = Bridge(self.key, self.target.port, "--pcap", pcap)
        sup = b.cmd("qSupported:swbreak+").decode()
        self.assertIn("PacketSize=2ce0;", sup)
        self.assertIn("QStartNoAckMode+", sup)
        # While this bridge holds the session, another one is told so.
        rc, err = run_bridge(self.key, self.target.port)
        self.assertEqual(rc, 1)
        self.assertIn("is busy: another bridge holds the stub's debug session", err)
        self.assertEqual(b.cmd("QStartNoAckMode"), b"OK")
        b.noack = True
        self.assertEqual(b.cmd("m10000,8"), ram_pattern(0, 8).hex().encode())
        self.assertEqual(b.cmd("M10000,2:abcd"), b"OK")
        self.assertEqual(b.cmd("m10000,2"), b"abcd")
        # 4 KiB: 8 KiB of hex, six datagrams' worth, one round trip.
        big = wire.decode(b.cmd("m10100,1000"))
        self.assertEqual(big, ram_pattern(0x100, 0x1000).hex().encode())
        b.send(wire.frame("qRcmd," + b"stats".hex()))
        text = b""
        while (p := b.packet()) != b"OK":
            self.assertEqual(p[:1], b"O")
            text += bytes.fromhex(wire.decode(p[1:]).decode())
        self.assertIn(b"auth sessions 1\n", text)
        self.assertIn(b"auth hs_busy 1\n", text)
        # ^C in gdb's terminal signals its process group, the bridge
        # too: it must live on and pass gdb's 0x03 instead.
        b.proc.send_signal(signal.SIGINT)
        self.assertEqual(b.cmd("m10000,2"), b"abcd")
        # Continue, then a break-in: the stop reply comes back.
        b.send(wire.frame("c"))
        b.send(b"\x03")
        stop = b.packet()
        self.assertIn(stop[:1], (b"T", b"S"))
        self.assertEqual(b.cmd("D"), b"OK")
        rc, err = b.finish()
        self.assertEqual((rc, err), (0, ""))
        linktype, recs = wire.pcap_records(pcap)
        self.assertIn(linktype, (101, 12))  # LINKTYPE_RAW: bare IPv4
        self.assertGreater(len(recs), 10)
        first = recs[0]
        self.assertEqual(first[0], 0x45)
        self.assertEqual(first[9], 17)
        self.assertEqual(struct.unpack(">H", first[22:24])[0], self.target.port)
        self.assertEqual(first[28:30], b"\x01\x01")  # version 1, HELLO
        # The next bridge gets a session of its own.
        b = Bridge(self.key, self.target.port)
        self.assertEqual(b.cmd("m10000,2"), b"abcd")
        self.assertEqual(b.cmd("D"), b"OK")
        self.assertEqual(b.finish()[0], 0)

    def exchange(self, port, *extra):
        """A fixed session through a bridge: what each command returned,
        and the stub's counters at the end."""
        b = Bridge(self.key, port, *extra)
        cmds = ["qSupported:swbreak+", "QStartNoAckMode", "m10000,10",
                "M10000,4:01020304", "m10000,8", "m10200,2000", "M10010,1:ff",
                "m10010,2", "g", "qfThreadInfo", "m10000,10"]
        got = []
        for c in cmds:
            got.append(b.cmd(c))
            b.noack = b.noack or c == "QStartNoAckMode"
        b.send(wire.frame("qRcmd," + b"stats".hex()))
        text = b""
        while (p := b.packet()) != b"OK":
            self.assertEqual(p[:1], b"O", (p, got))
            text += bytes.fromhex(wire.decode(p[1:]).decode())
        self.assertEqual(b.cmd("D"), b"OK")
        self.assertEqual(b.finish(), (0, ""))
        stats = dict(line.split(" ", 2)[1:] for line in text.decode().splitlines()
                     if line.startswith("auth "))
        return got, {k: int(v) for k, v in stats.items()}, len(cmds) + 1

    def test_lossy_link_same_results_no_command_twice(self):
        clean, _, _ = self.exchange(self.target.port)
        self.target.close()
        self.target = Target(self.key)
        relay = LossyRelay(self.target.port, seed=int(os.environ.get("KSTUB_UDP_LOSS_SEED", "14")))
        relay.start()
        try:
            lossy, stats, sent = self.exchange(relay.port, "--tries", "20")
        finally:
            relay.close()
        self.assertEqual(lossy, clean)
        self.assertGreater(relay.counts["dropped"], 0)
        # Every request reached the stub core exactly once, however many
        # copies the network delivered.
        self.assertEqual(stats["rx_delivered"], sent)
        self.assertEqual(stats["rx_bad_tag"], 0)

    def test_gdb_through_the_bridge(self):
        cmd = f"target remote | {BRIDGE} --key {self.key} 127.0.0.1:{self.target.port}"
        # gdb -batch prints monitor output on stderr: read both.
        out = subprocess.run(
            ["gdb", "-nx", "-batch", "-ex", cmd, "-ex", "x/4xb 0x10000",
             "-ex", "monitor stats", "-ex", "detach"], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=DEADLINE * 3).stdout
        self.assertIn("0x10000:\t0x00\t0x07\t0x0e\t0x15", out)
        self.assertIn("auth sessions 1\n", out)
        self.assertIn("auth rx_bad_tag 0\n", out)
        self.assertIn("detached", out)

    def test_lldb_through_the_bridge(self):
        bridge, port = start_listener(self.key, self.target.port)
        try:
            out = subprocess.run(
                ["lldb", "-b", "-o", f"gdb-remote 127.0.0.1:{port}",
                 "-o", "memory read -c 4 0x10000", "-o", "process detach"],
                capture_output=True, text=True, timeout=DEADLINE * 3).stdout
            self.assertIn("0x00010000: 00 07 0e 15", out)
            self.assertIn("detached", out)
        finally:
            bridge.terminate()
            bridge.wait()
            bridge.stderr.close()

    def test_listener_outlives_a_busy_session(self):
        holder = Bridge(self.key, self.target.port)
        self.assertEqual(holder.cmd("m10000,1"), b"00")
        bridge, port = start_listener(self.key, self.target.port)
        try:

            def connect_and_ask():
                with socket.create_connection(("127.0.0.1", port), DEADLINE) as c:
                    c.sendall(wire.frame("m10000,1"))
                    got = b""
                    while not (b"#" in got and len(got) >= got.index(b"#") + 3):
                        try:
                            chunk = c.recv(4096)
                        except ConnectionResetError:  # closed, our bytes unread
                            chunk = b""
                        if not chunk:
                            break
                        got += chunk
                    return got

            # The stub is busy: this debugger's child ends, with a word why.
            self.assertEqual(connect_and_ask().strip(b"+"), b"")
            ready, _, _ = select.select([bridge.stderr], [], [], DEADLINE)
            self.assertIn("is busy", bridge.stderr.readline() if ready else "")
            self.assertEqual(holder.cmd("D"), b"OK")
            self.assertEqual(holder.finish()[0], 0)
            # The listener is still there, and now gets the session.
            self.assertEqual(connect_and_ask(), b"+$00#60")
        finally:
            bridge.terminate()
            bridge.wait()
            bridge.stderr.close()

    def test_wrong_key(self):
        other = write_key(os.path.join(self.dir.name, "other"), os.urandom(32))
        rc, err = run_bridge(other, self.target.port)
        self.assertEqual(rc, 1)
        self.assertIn("does not verify under the key in", err)
        self.assertIn("(wrong key?)", err)

    def test_hex_key_file(self):
        with open(self.key, "rb") as f:
            raw = f.read()
        hexkey = write_key(os.path.join(self.dir.name, "hex"), raw.hex().encode() + b"\n")
        b = Bridge(hexkey, self.target.port)
        self.assertEqual(b.cmd("m10000,1"), b"00")
        self.assertEqual(b.cmd("D"), b"OK")
        self.assertEqual(b.finish()[0], 0)

    def test_unreachable(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
            mute.bind(("127.0.0.1", 0))
            port = mute.getsockname()[1]
            rc, err = run_bridge(self.key, port, "--tries", "2", "--rto-ms", "50")
        self.assertEqual(rc, 1)
        self.assertIn(f"no answer from 127.0.0.1:{port} after 2 tries", err)

    def test_key_readable_by_others(self):
        os.chmod(self.key, 0o644)
        rc, err = run_bridge(self.key, self.target.port)
        self.assertEqual(rc, 1)
        self.assertIn("is accessible by group or others (mode 0644)", err)
        self.assertIn("chmod 600", err)

    def test_malformed_key(self):
        bad = write_key(os.path.join(self.dir.name, "bad"), b"not a key\n")
        rc, err = run_bridge(bad, self.target.port)
        self.assertEqual(rc, 1)
        self.assertIn("malformed key file", err)
        self.assertIn("head -c 32 /dev/urandom", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
