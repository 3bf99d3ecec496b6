"""Session scenarios against kstub-sim: what a debugger is told when a
command fails, which registers it is shown as unavailable, and how the
link hands one debugger over to the next.

Each scenario is fn(sim_log); the runner finds this module by its name."""
import os
import re
import select
import socket
import time

from checks import expect, refute
from harness import Gdb, Rsp, Sim, close_for_good, gdb_batch, lldb_batch
from runner import Scenarios
from wire import frame

SCENARIOS = scenario = Scenarios()


@scenario
def monitor_errors_read_as_words(sim_log):
    """A failing monitor command ends with its message (a hex final
    reply), which gdb and lldb show; never gdb's "Protocol error with
    Rcmd"."""
    with Sim("--wait") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["monitor bogus", "monitor hookfault read", "monitor ticks",
                              "detach"], name="monitor-errors")
        expect(out, r"^kstub: unknown monitor command 'bogus'; monitor help lists them$")
        expect(out, r"^kstub: monitor hookfault: faulted; the stub stopped it$")
        expect(out, r"^ticks = \d+")
        refute(out, r"Protocol error")
        out = lldb_batch(sim, ["process plugin packet monitor bogus", "detach"])
        # lldb prints the final reply as it came: the message in hex.
        msg = "kstub: unknown monitor command 'bogus'; monitor help lists them\n"
        expect(out, rf"^response: {msg.encode().hex()}$", "the message, hex-encoded")


@scenario
def lldb_registers(sim_log):
    """lldb finds the flags by its own name (rflags, target.xml's altname)
    and shows a register the machine cannot read as unavailable, not as
    0xcccccccccccccccc."""
    with Sim("--wait") as sim:
        sim_log.append(sim)
        out = lldb_batch(sim, ["register read rflags", "register read cr0 ss efer k_gs_base",
                               "register read rip", "detach"])
        expect(out, r"^\s*eflags = 0x[0-9a-f]{8}$", "register read rflags")
        for name in ("cr0", "ss", "efer", "k_gs_base"):
            expect(out, rf"^{name}\s+= error: unavailable$", f"{name} unavailable")
        refute(out, r"0xcccccccccccccccc")
        expect(out, r"rip = 0x[0-9a-f]+\s+kstub-sim`kdb_enter")


@scenario
def lldb_thread_names(sim_log):
    """lldb names every kernel thread (jThreadsInfo) and knows which one
    stopped and why; qMemoryRegionInfo tells it an unmapped page, and
    for a mapped one (here the stopped pc) an error rather than a guess
    at permissions that would have lldb's unwinder reject kernel text."""
    with Sim("--wait") as sim:
        sim_log.append(sim)
        with Rsp(sim) as r:
            rip = re.search(r"10:([0-9a-f]{16});", r.ask("?")).group(1)
            pc = int.from_bytes(bytes.fromhex(rip), "little")
            mapped = r.ask(f"qMemoryRegionInfo:{pc:x}")
            if mapped != "error:" + b"mapped; its permissions are unknown".hex() + ";":
                raise AssertionError(f"qMemoryRegionInfo at pc {pc:#x}: {mapped!r}")
        out = lldb_batch(sim, ["thread list", "memory region 0x10", "detach"])
        expect(out, r"^\* thread #1: tid = 4, .*kdb_enter.*, name = 'idle/0', "
                    r"stop reason = signal SIGTRAP$", "the stopped thread, named")
        for tid, name in ((1, "clock"), (2, "pager"), (3, "sh"), (5, "idle/1")):
            expect(out, rf"^  thread #\d+: tid = {tid}, .*, name = '{re.escape(name)}'$", name)
        expect(out, r"^\[0x0000000000000000-0x0000000000001000\) ---$", "page 0 unmapped")
        expect(out, r"^Process 4 detached$")


# ---- a new connection starts a clean session ----

class _Raw:
    """A debugger that is only bytes: a tcp socket or the pty's slave."""

    def __init__(self, sim, pty):
        self.pty = pty
        if pty:
            self.fd = os.open(sim.target, os.O_RDWR | os.O_NOCTTY)
        else:
            host, port = sim.target.replace("tcp:", "").rsplit(":", 1)
            self.sock = socket.create_connection((host, int(port)), timeout=10)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.got = b""

    def send(self, data):
        if self.pty:
            os.write(self.fd, data)
        else:
            self.sock.sendall(data)

    def read_until(self, pattern, timeout):
        """Bytes until pattern matches (a regex on bytes) or timeout."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.got, re.S):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} in {timeout} s; got {self.got!r}")
            if self.pty:
                r, _, _ = select.select([self.fd], [], [], left)
                chunk = os.read(self.fd, 4096) if r else b""
            else:
                self.sock.settimeout(left)
                try:
                    chunk = self.sock.recv(4096)
                except socket.timeout:
                    chunk = b""
                if not chunk and time.monotonic() < deadline:
                    raise AssertionError(f"connection closed; got {self.got!r}")
            self.got += chunk
        return self.got

    def close(self):
        if self.pty:
            close_for_good(self.fd)
        else:
            self.sock.close()


def _fresh_after_unacked(sim_log, pty):
    """Debuggers that ask, never ack and leave, one after another, with
    the kernel stopped and running in turn. Each one's first packet is
    answered, and its first bytes are that answer: the ack of its packet
    and a stop reply, nothing of the session before (whatever the old
    session left would come first, and without that leading ack). The
    deadline is generous: it bounds a hang, it does not time the stub."""
    with Sim("--wait", pty=pty) as sim:
        sim_log.append(sim)
        for i in range(4):
            conn = _Raw(sim, pty)
            conn.send(frame("?"))
            try:
                got = conn.read_until(rb"\$[^#]*#..", 10)
            except AssertionError as e:
                raise AssertionError(f"connection {i}: {e}") from None
            # A resend of this very reply may follow in the same read: a
            # client that never acks gets it again after the ack timeout.
            if not re.match(rb"^\+\$T[0-9a-f]{2}[^#]*#..", got):
                raise AssertionError(f"connection {i}: the first bytes must be the ack and "
                                     f"the stop reply, nothing of the old session: {got!r}")
            if i % 2:
                # Leave the kernel running, the stub owing a stop reply.
                conn.send(frame("c"))
                conn.read_until(rb"#..\+", 5)
            conn.close()
        conn = _Raw(sim, pty)
        conn.send(frame("?"))
        conn.read_until(rb"\$T[^#]*#..", 10)
        conn.send(b"+" + frame("D"))
        conn.read_until(rb"\$OK#..", 10)
        conn.close()


@scenario
def fresh_session_tcp(sim_log):
    """A raw client asks, never acks and leaves; the next tcp client's
    first packet is answered at once with nothing of the old session."""
    _fresh_after_unacked(sim_log, pty=False)


@scenario
def fresh_session_pty(sim_log):
    """The same when the pty is closed and opened again."""
    _fresh_after_unacked(sim_log, pty=True)



@scenario
def second_debugger_told_why(sim_log):
    """A debugger that connects while one is attached is told why it is
    turned away (gdb prints the reply to its qSupported), kstub-sim says
    so on its console, and the first debugger keeps the line."""
    with Sim("--wait") as sim, Gdb() as first:
        sim_log.append(sim)
        expect(first.cmd(f"target remote {sim.target}"), r"kdb_enter \(why=")
        out = gdb_batch(sim, ["info threads"], timeout=30, name="second")
        expect(out, r"^warning: Remote failure reply: E\.kstub-sim: another debugger is "
                    r"attached to this line; detach it \(or end it\) first$")
        sim.err.wait_for(r"kstub-sim: a second debugger \(127\.0\.0\.1:\d+\) was turned "
                         r"away: one is attached already")
        expect(first.cmd("info registers rip"), r"^rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <kdb_enter")
        expect(first.cmd("detach"), r"detached")


