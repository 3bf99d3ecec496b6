"""The bare-metal kernel (build/baremetal/kernel) in QEMU, TCG, for the
end-to-end tests and the benchmarks.

    with Qemu() as m:                 # stopped in kstub at boot (kstub.wait)
        gdb_batch(m, ["bt"])          # m.target is "tcp:127.0.0.1:PORT"
    with Qemu(stub="qemu") as m:      # QEMU's own gdbstub, frozen at reset

The debugger's TCP socket is bound and listening before QEMU starts (the
kernel picks the port, QEMU inherits the socket), so there is no port
race and nothing to wait for before gdb connects. Every QEMU is killed
after time_limit seconds whatever happens, and by stop()/__exit__."""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402  (tests/e2e/harness.py)
from harness import ROOT  # noqa: E402

KERNEL = os.path.join(ROOT, "build", "baremetal", "kernel")
KERNEL_ELF = os.path.join(ROOT, "build", "baremetal", "kernel.elf")
BRIDGE = os.path.join(ROOT, "build", "kstub-udp")
QEMU = "qemu-system-x86_64"
# TCG CPUs are host threads, and on a shared two-core host a QEMU can
# stall for seconds: waits are generous, since they cost nothing when
# the output comes.
WAIT = 90


class Lines(harness.Lines):
    def wait_for(self, pattern, timeout=WAIT):
        return super().wait_for(pattern, timeout)


class Qemu:
    """One QEMU running the kernel.

    stub="kstub": the kernel's stub on COM2 (COM1, shared with the
      console, if oneline), behind a TCP chardev with nodelay=on. With
      wait=True the kernel boots with kstub.wait and the constructor
      returns once it has stopped in the stub (boot_secs says how long
      that took). The console (COM1) is the process's stdin/stdout:
      .console(line) types a line, .out is a harness.Lines of its output.
    stub="qemu": QEMU's gdbstub (-gdb, -S: frozen before the first
      instruction), the kernel booted with kstub.off.
    link="udp": the stub on the e1000 instead of COM2 (kstub.link=udp
      kstub.udp=plain),
      behind QEMU's user network, which forwards a loopback UDP port to
      the same port of the guest (10.0.2.15); .target is
      "udp:127.0.0.1:PORT". The console stays on stdin/stdout.
    link="udp-auth": as "udp", in the authenticated mode: a fresh random
      key on the command line (kstub.key) and in .key_file (mode 600, in
      the machine's temporary directory); .target is "| kstub-udp --key
      FILE 127.0.0.1:PORT", gdb's pipe to the bridge.
    append: more kernel command line; run=CMD;CMD must come last.
    """

    def __init__(self, append="", wait=True, stub="kstub", oneline=False,
                 smp=2, time_limit=300, extra=(), link="serial"):
        self.tmp = tempfile.mkdtemp(prefix="kstub-qemu-")
        self.hmp_path = os.path.join(self.tmp, "monitor")
        self.hmp_sock = None
        self.expired = False
        self.listener = None
        self.key_file = None
        if link in ("udp", "udp-auth"):
            self.port = free_udp_port()
            self.target = f"udp:127.0.0.1:{self.port}"
            fds = []
        else:
            self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.listener.bind(("127.0.0.1", 0))
            self.listener.listen(4)
            self.port = self.listener.getsockname()[1]
            self.target = f"tcp:127.0.0.1:{self.port}"
            fds = [self.listener.fileno()]
            chardev = f"socket,id=gdb,fd={fds[0]},server=on,wait=off,nodelay=on"
        cmdline = []
        args = [QEMU, "-accel", "tcg", "-nodefaults", "-display", "none",
                "-no-reboot", "-smp", str(smp), "-m", "128M",
                "-kernel", KERNEL,
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                # QEMU's own monitor, to read memory behind the stub's back.
                "-monitor", f"unix:{self.hmp_path},server=on,wait=off"]
        if stub == "qemu":
            cmdline.append("kstub.off")
            args += ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
                     "-chardev", chardev, "-gdb", "chardev:gdb", "-S"]
        elif link in ("udp", "udp-auth"):
            cmdline += ["kstub.link=udp", f"kstub.port={self.port}"]
            if link == "udp":
                cmdline.append("kstub.udp=plain")
            else:
                key = os.urandom(32)
                self.key_file = write_key_file(os.path.join(self.tmp, "key"), key)
                self.target = bridge_target(self.key_file, self.port)
                cmdline.append(f"kstub.key={key.hex()}")
            args += ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
                     "-netdev", f"user,id=n0,"
                     f"hostfwd=udp:127.0.0.1:{self.port}-:{self.port}",
                     "-device", "e1000,netdev=n0"]
        elif oneline:
            cmdline.append("kstub.oneline")
            args += ["-chardev", chardev, "-serial", "chardev:gdb"]
        else:
            args += ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
                     "-chardev", chardev, "-serial", "chardev:gdb"]
        if wait and stub == "kstub":
            cmdline.append("kstub.wait")
        if append:
            cmdline.append(append)
        args += ["-append", " ".join(cmdline), *extra]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, pass_fds=fds, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        if self.listener:
            self.listener.close()	# QEMU has its own copy
        self.timer = threading.Timer(time_limit, self._expire)
        self.timer.daemon = True
        self.timer.start()
        self.out = Lines(self.proc.stdout)
        self.err = Lines(self.proc.stderr)
        self.boot_secs = None
        self.boot_text = ""
        try:
            if stub == "kstub" and not oneline:
                self.out.wait_for(r"kdb_enter: boot" if wait else r"booted:")
                self.boot_secs = time.monotonic() - self.t0
            elif stub == "kstub":
                self._read_shared_line(b"kdb_enter: boot" if wait else b"booted:")
        except Exception:
            self.stop()
            raise

    def _read_shared_line(self, marker, timeout=WAIT):
        """kstub.oneline: the boot messages go raw onto the line gdb will
        use, and a '-' or '+' in them reads to gdb as a nak or an ack. So,
        as one would with a terminal program, read them off the line
        until the kernel says it stopped, then hang up for gdb."""
        buf = b""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            while marker not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
            while not buf.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        self.boot_text = buf.decode(errors="replace")
        if marker not in buf:
            raise AssertionError(f"no {marker!r} on the shared line:\n{self.boot_text}")
        self.boot_secs = time.monotonic() - self.t0

    def _expire(self):
        self.expired = True
        if self.proc.poll() is None:
            self.proc.kill()

    def console(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def alive(self):
        return self.proc.poll() is None

    def wait_exit(self, timeout=WAIT):
        return self.proc.wait(timeout=timeout)

    def hmp(self, command, timeout=WAIT):
        """Run a QEMU monitor (HMP) command; returns what it printed."""
        if self.hmp_sock is None:
            self.hmp_sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.hmp_sock.settimeout(timeout)
            self.hmp_sock.connect(self.hmp_path)
            self._hmp_read()
        self.hmp_sock.sendall(command.encode() + b"\n")
        return self._hmp_read()

    def _hmp_read(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.hmp_sock.recv(4096)
            if not chunk:
                raise AssertionError(f"QEMU's monitor closed:\n{buf!r}")
            buf += chunk
        return buf.decode(errors="replace")

    def phys_read(self, addr, size):
        """size bytes of guest physical memory at addr, read by QEMU
        itself (pmemsave): what the machine holds, not what the stub
        says it holds."""
        path = os.path.join(self.tmp, f"pmem-{addr:x}")
        out = self.hmp(f"pmemsave {addr:#x} {size:#x} \"{path}\"")
        if not os.path.exists(path):
            raise AssertionError(f"pmemsave failed: {out[-300:]!r}")
        with open(path, "rb") as f:
            data = f.read()
        os.unlink(path)
        return data

    def stop(self):
        self.timer.cancel()
        if self.hmp_sock is not None:
            self.hmp_sock.close()
            self.hmp_sock = None
        harness.terminate(self.proc)
        # After this, out.text() and err.text() hold everything QEMU
        # wrote: a check or a failure report that reads them after the
        # machine has gone cannot miss its last lines.
        self.out.join()
        self.err.join()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log(self):
        return ("--- qemu stderr ---\n" + self.err.text() +
                "--- console ---\n" + self.boot_text + self.out.text() +
                ("(killed at its time limit)\n" if self.expired else ""))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def write_key_file(path, key):
    """key (bytes) as kstub-udp reads it: hex, mode 600 from creation."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return path


def bridge_target(key_file, port):
    """gdb's target for the authenticated link: a pipe to the bridge."""
    return f"| {BRIDGE} --key {key_file} 127.0.0.1:{port}"


def free_udp_port():
    """A loopback UDP port nobody holds now, for QEMU's hostfwd (which
    binds it itself: unlike the TCP chardev it cannot inherit a socket).
    The kernel hands out ephemeral ports in turn, so another process is
    unlikely to take this one in the moment before QEMU binds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_batch(machine, cmds, timeout=120, pre=(), name="gdb", target=None):
    """gdb -batch on kernel.elf: connect, run cmds (each an -ex, so one
    failing command does not hide the others), return all it printed."""
    args = ["gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", "set width 0", "-ex", "set remotetimeout 30"]
    if harness.RECORD_DIR:
        os.makedirs(harness.RECORD_DIR, exist_ok=True)
        args += ["-ex", f"set remotelogfile {harness.RECORD_DIR}/qemu-{name}.log"]
    for c in pre:
        args += ["-ex", c]
    args += ["-ex", f"target remote {target or machine.target}"]
    for c in cmds:
        args += ["-ex", c]
    args.append(KERNEL_ELF)
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.stdout + p.stderr


class Gdb(harness.Gdb):
    """harness.Gdb (interactive, for ^C) with kernel.elf as its program."""

    TIMEOUT = WAIT

    def __init__(self):
        super().__init__(KERNEL_ELF, setup=("set remotetimeout 30",))


class SerialPty:
    """socat between a pty and the machine's TCP chardev: what gdb sees
    of a serial cable (target remote /path/to/tty)."""

    def __init__(self, machine, path):
        self.path = path
        self.proc = subprocess.Popen(
            ["socat", "-d", "-d", f"PTY,link={path},raw,echo=0",
             f"TCP:127.0.0.1:{machine.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.err = Lines(self.proc.stderr)
        try:
            self.err.wait_for(r"starting data transfer loop")
        except Exception:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def elf_bytes(expr, count):
    """count bytes at expr as kernel.elf's file holds them (gdb, no target)."""
    out = subprocess.run(["gdb", "-nx", "-batch", "-ex", f"x/{count}xb {expr}", KERNEL_ELF],
                         capture_output=True, text=True, timeout=60).stdout
    return [int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})\b", out.split(":", 1)[1])]


def symbols():
    """Symbol -> address in kernel.elf (it runs at its link address)."""
    out = subprocess.run(["nm", KERNEL_ELF], capture_output=True, text=True,
                         check=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines()) if len(f) == 3}


def instructions(func):
    """[(address, mnemonic and operands)] of func in kernel.elf."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", KERNEL_ELF],
                         capture_output=True, text=True, check=True).stdout
    body = out.split(f"<{func}>:\n", 1)[1].split("\n\n", 1)[0]
    return [(int(a, 16), i.strip()) for a, i in
            (l.split(":", 1) for l in body.splitlines() if ":" in l)]


def insn_at(func, mnemonic):
    """The first mnemonic in func: (its address, the next one's)."""
    insns = instructions(func)
    for k, (addr, text) in enumerate(insns):
        if text.split()[0] == mnemonic:
            return addr, insns[k + 1][0]
    raise KeyError(f"no {mnemonic} in {func}")


class Tap:
    """A TCP relay between gdb and the machine that keeps what the
    machine sent, in order with what gdb sent: .target for gdb."""

    def __init__(self, machine):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(WAIT)
        self.target = f"tcp:127.0.0.1:{self.listener.getsockname()[1]}"
        self.port = machine.port
        self.events = []	# ("gdb" | "kernel", bytes), as relayed
        self.lock = threading.Lock()
        self.threads = []
        self.socks = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)

    def _accept(self):
        try:
            host, _ = self.listener.accept()
        except OSError:
            return
        machine = socket.create_connection(("127.0.0.1", self.port))
        for sk in (host, machine):
            sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socks += [host, machine]
        for src, dst, who in ((host, machine, "gdb"), (machine, host, "kernel")):
            t = threading.Thread(target=self._pump, args=(src, dst, who), daemon=True)
            t.start()
            self.threads.append(t)

    def _pump(self, src, dst, who):
        while True:
            try:
                data = src.recv(4096)
            except OSError:
                data = b""
            if not data:
                for sk in (src, dst):
                    try:
                        sk.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            with self.lock:
                self.events.append((who, data))
            try:
                dst.sendall(data)
            except OSError:
                return

    def kernel_bytes_until_detach(self):
        """What the machine sent from the start until its reply to gdb's
        D (after it, the kernel may write raw text again)."""
        out = b""
        with self.lock:
            events = list(self.events)
        sent = b""
        for who, data in events:
            if who == "gdb":
                sent += data
                if b"$D#44" in sent:
                    break
            else:
                out += data
        return out

    def stop(self):
        self.listener.close()
        for sk in self.socks:
            sk.close()
        for t in self.threads:
            t.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def outside_packets(data):
    """The bytes of a stub's output that are neither acks nor packets:
    raw text on the line. A packet may be cut short by the next '$' (a
    CPU that the roundup's NMI parks in the middle of sending console
    output leaves its O packet unfinished, and the stop reply follows):
    gdb drops such a packet when it sees the new '$', so it counts as a
    packet, not as text."""
    return re.sub(rb"\$[^$#]*#[0-9a-f]{2}|\$[^$#]*(?=\$)|[+-]", b"", data)


def elf_section(name):
    """(address, contents) of an ELF64 section of kernel.elf."""
    with open(KERNEL_ELF, "rb") as f:
        elf = f.read()
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)

    def header(i):
        return struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize)
    strtab = header(shstrndx)
    for i in range(shnum):
        h = header(i)
        start = strtab[4] + h[0]
        if elf[start:elf.index(b"\0", start)].decode() == name:
            return h[3], elf[h[4]:h[4] + h[5]]
    raise KeyError(name)


def qemu_available():
    return shutil.which(QEMU) is not None and os.path.exists(KERNEL)
