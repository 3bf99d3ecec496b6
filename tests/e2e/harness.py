"""Processes for the end-to-end tests: the simulated kernel, gdb and lldb.

Every process is started by a context manager that stops it, and every
wait is on output (a line, a prompt) with a deadline, never a sleep."""
import functools
import itertools
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import wire

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIM = os.path.join(ROOT, "build", "kstub-sim")
RECORD_DIR = os.environ.get("KSTUB_E2E_RECORD")
_record_seq = itertools.count(1)


# Scenarios run in threads of one process, and each starts processes. A
# child holds a copy of every descriptor from fork until its exec, so a
# pty a scenario closes in that window stays open, and hostsim sees the
# old debugger leave only after the next one came (a close that is not a
# close). Process starts and such closes therefore take turns: Popen
# returns only once its child has exec'd (it waits for the exec result).
_fork_lock = threading.Lock()
_execute_child = subprocess.Popen._execute_child


def _execute_child_alone(self, *args, **kw):
    with _fork_lock:
        return _execute_child(self, *args, **kw)


subprocess.Popen._execute_child = _execute_child_alone


def close_for_good(fd):
    """os.close(fd), with no child between fork and exec holding a copy."""
    with _fork_lock:
        os.close(fd)


def terminate(proc, grace=10):
    """SIGTERM, then SIGKILL if proc has not gone within grace seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def record_path(name):
    """A packet log of its own per session: scenarios run in parallel."""
    os.makedirs(RECORD_DIR, exist_ok=True)
    return os.path.join(RECORD_DIR, f"{name}-{os.getpid()}-{next(_record_seq)}.log")


class Lines:
    """A stream read by a thread into a queue, so waits can time out."""

    def __init__(self, stream):
        self.q = queue.Queue()
        self.seen = []
        self.pump = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.pump.start()

    def _pump(self, stream):
        for line in iter(stream.readline, ""):
            self.q.put(line)
        self.q.put(None)

    def wait_for(self, pattern, timeout=30):
        """The match of the first line (from here on) that has pattern.
        timeout bounds the whole wait, not each line: a chatty process
        must not keep a missing line waited for forever."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.q.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise AssertionError(f"no {pattern!r} within {timeout} s:\n" +
                                     "".join(self.seen[-50:])) from None
            if line is None:
                raise AssertionError(f"stream ended before {pattern!r}:\n" + "".join(self.seen))
            self.seen.append(line)
            m = re.search(pattern, line)
            if m:
                return m

    def join(self, timeout=10):
        """Wait until the writer has closed the stream and every line it
        wrote is queued: a process that has exited may still have lines
        in the pipe that the pump has not read yet."""
        self.pump.join(timeout)
        if self.pump.is_alive():
            raise AssertionError("stream still open after its writer exited")

    def text(self):
        while True:
            try:
                line = self.q.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)
        return "".join(self.seen)


class Sim:
    """build/kstub-sim with the given options; .target is what gdb connects to.

    link: the options that choose the debug link (default: --serial, a
    tcp port or with pty a pty). prefix: what to run it under (ip netns
    exec NS). client: what a debugger of this machine runs under
    (gdb_batch and lldb_batch use it)."""

    def __init__(self, *args, pty=False, link=None, prefix=(), client=()):
        self.tmp = tempfile.mkdtemp(prefix="kstub-e2e-")
        self.client = list(client)
        serial = os.path.join(self.tmp, "ttyS1") if pty else "tcp:127.0.0.1:0"
        if link is None:
            link = ["--serial", serial]
        self.proc = subprocess.Popen([*prefix, SIM, *link, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        # Nothing has a reference to us until __init__ returns: a failed
        # boot must stop the process here, or it outlives the test.
        try:
            self.out = Lines(self.proc.stdout)
            self.err = Lines(self.proc.stderr)
            self.target = self.err.wait_for(r"kstub-sim: gdb: target remote (\S+)").group(1)
            self.err.wait_for(r"kstub-sim: booted")
        except BaseException:
            self.stop()
            raise

    @property
    def port(self):
        return self.target.rsplit(":", 1)[1]

    def console(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        terminate(self.proc)
        # After this, err.text() and out.text() hold everything kstub-sim
        # wrote, its exit report included.
        for lines in (getattr(self, "out", None), getattr(self, "err", None)):
            if lines:
                lines.join()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log(self):
        return ("--- kstub-sim stderr ---\n" + self.err.text() +
                "--- kstub-sim console ---\n" + self.out.text())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def gdb_batch(sim, cmds, timeout=60, pre=(), name="gdb"):
    """gdb -batch: connect, run cmds (each an -ex, so one failing command
    does not hide the others), return everything it printed."""
    args = [*getattr(sim, "client", ()), "gdb", "-nx", "-batch", "-ex", "set pagination off",
            "-ex", "set confirm off",
            "-ex", "set width 0", "-ex", "set remotetimeout 10"]
    if RECORD_DIR:
        args += ["-ex", f"set remotelogfile {record_path(name)}"]
    for c in pre:
        args += ["-ex", c]
    args += ["-ex", f"target remote {sim.target}"]
    for c in cmds:
        args += ["-ex", c]
    args.append(SIM)
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.stdout + p.stderr


class Gdb:
    """An interactive gdb, for what batch mode cannot do (^C)."""

    PROMPT = "(gdb) "
    TIMEOUT = 30	# seconds any one wait may take

    # remotetimeout 10, as gdb_batch: gdb's default 2 s makes it resend a
    # request that a starved machine has not acked yet, and the answer to
    # both copies then pairs every later reply with the wrong request.
    def __init__(self, program=SIM, setup=("set width 0", "set remotetimeout 10"),
                 prefix=()):
        self.proc = subprocess.Popen([*prefix, "gdb", "-nx", "-q", program],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=0)
        self.q = queue.Queue()
        self.buf = ""
        self.all = ""
        try:
            threading.Thread(target=self._pump, daemon=True).start()
            for line in ("set pagination off", "set confirm off", *setup):
                self.cmd(line)
        except BaseException:
            self.close()
            raise

    def _pump(self):
        while True:
            ch = self.proc.stdout.read(1)
            if not ch:
                self.q.put(None)
                return
            self.q.put(ch)

    def expect(self, pattern, timeout=None):
        timeout = timeout or self.TIMEOUT
        deadline = time.monotonic() + timeout	# for the whole wait, as in Lines
        while not re.search(pattern, self.buf):
            try:
                ch = self.q.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise AssertionError(f"gdb printed no {pattern!r} in {timeout} s:\n"
                                     f"{self.all[-3000:]}{self.buf}") from None
            if ch is None:
                raise AssertionError(f"gdb exited before {pattern!r}:\n{self.all}{self.buf}")
            self.buf += ch
        m = re.search(pattern, self.buf)
        out = self.buf[:m.end()]
        self.all += out
        self.buf = self.buf[m.end():]
        return out

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def cmd(self, line, timeout=None):
        """Run a command and return its output, up to the next prompt."""
        self.send(line)
        return self.expect(re.escape(self.PROMPT), timeout)[:-len(self.PROMPT)]

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        """Pull the cable: no detach, no goodbye."""
        self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        self.expect(re.escape(self.PROMPT))
        return self

    def __exit__(self, *exc):
        self.close()


def resume_seen_running(m, gdb, command, shows):
    """continue, and return once the kernel is seen running (the console
    command ran and printed shows): gdb prints "Continuing." before it
    sends the resume, and a SIGINT in between sends its ^C to a stub
    that is still stopped, which drops it."""
    gdb.send("continue")
    gdb.expect("Continuing.")
    m.console(command)
    m.out.wait_for(shows)


@functools.lru_cache(maxsize=None)
def lldb_env():
    """The environment lldb runs in: its Python package on PYTHONPATH
    (scripts/lldb_pythonpath.sh knows where), or the caller's as it is."""
    found = subprocess.run([os.path.join(ROOT, "scripts", "lldb_pythonpath.sh")],
                           capture_output=True, text=True, timeout=30).stdout.strip()
    if not found:
        return dict(os.environ)
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (found, os.environ.get("PYTHONPATH")) if p))


def lldb_batch(sim, cmds, timeout=90):
    # lldb gives a packet up after 5 s and then calls the process
    # invalid; on a loaded machine a reply can take longer (gdb_batch sets
    # remotetimeout for the same reason).
    args = [*getattr(sim, "client", ()), "lldb", "-b", "-o", f"target create {SIM}",
            "-o", "settings set plugin.process.gdb-remote.packet-timeout 30"]
    if RECORD_DIR:
        args += ["-o", f"log enable -f {record_path('lldb')} gdb-remote packets"]
    if sim.target.startswith("udp:"):
        # lldb's gdb-remote command takes host:port (tcp) only.
        args += ["-o", "process connect --plugin gdb-remote "
                 f"udp://{sim.target[4:]}"]
    else:
        args += ["-o", f"gdb-remote {sim.target.replace('tcp:', '')}"]
    for c in cmds:
        args += ["-o", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=lldb_env())
    return p.stdout + p.stderr


class Rsp:
    """A bare remote-protocol client over tcp, for what gdb will not do
    on its own (resume from a hardware breakpoint it leaves inserted).
    Ack mode throughout; replies are checked, unescaped and run-length
    decoded (wire.py)."""

    def __init__(self, sim, timeout=20):
        host, port = sim.target.replace("tcp:", "").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        # An ack and the next packet are two small writes: without this
        # the second waits for the first's delayed ACK (40 ms), as gdb's
        # own tcp: target avoids with the same option.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.received = 0	# bytes off the wire, framing and acks included

    def _byte(self):
        while not self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError("the stub closed the connection")
            self.received += len(chunk)
            self.buf += chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def send(self, body):
        packet = wire.frame(body)
        while True:
            self.sock.sendall(packet)
            ack = self._byte()
            while ack not in (b"+", b"-"):
                ack = self._byte()
            if ack == b"+":
                return

    def recv(self):
        """The next packet, O (console) packets included."""
        while self._byte() != b"$":
            pass
        raw = b""
        while (b := self._byte()) != b"#":
            raw += b
        if not wire.checksum_ok(raw, self._byte() + self._byte()):
            self.sock.sendall(b"-")
            return self.recv()
        self.sock.sendall(b"+")
        return wire.decode(raw).decode("latin-1")

    def ask(self, body):
        """Send a packet and return the reply, skipping console output."""
        self.send(body)
        while True:
            reply = self.recv()
            if not (reply.startswith("O") and reply != "OK"):
                return reply

    def monitor(self, cmd):
        """qRcmd: what the command printed (its O packets)."""
        self.send("qRcmd," + wire.to_hex(cmd))
        text = ""
        while (reply := self.recv()) != "OK":
            if not reply.startswith("O"):
                raise AssertionError(f"monitor {cmd}: {reply}")
            text += bytes.fromhex(reply[1:]).decode()
        return text

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
