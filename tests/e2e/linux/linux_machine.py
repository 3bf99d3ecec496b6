"""Debian's stock kernel (linux-image-$KSTUB_LINUX_ABI) in QEMU (TCG,
-smp 2) with an initramfs of busybox, kstub.ko and kstub_demo.ko, for
the Linux port's end-to-end tests.

    with Linux(log) as m:             # booted to the shell on ttyS0
        m.sh("insmod /kstub.ko wait=1", r"kstub: waiting for gdb")
        gdb_batch(m, ["info threads"])   # m.target: ttyS1 as tcp:127.0.0.1:PORT

The console (ttyS0) is QEMU's stdin/stdout; ttyS1 (0x2f8, which the
kernel's 8250 driver lets go of at boot: see INIT) is a TCP socket,
bound and listening before QEMU starts (QEMU inherits it), so gdb can
connect without a port race. Every wait is on output, with a deadline."""
import gzip
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402  (tests/e2e/harness.py)
from harness import ROOT  # noqa: E402

ABI = os.environ.get("KSTUB_LINUX_ABI") or re.search(
    r"^KSTUB_LINUX_ABI\s*=\s*(\S+)", open(os.path.join(ROOT, "ports/linux/abi.mk")).read(),
    re.M).group(1)
BUILD = os.path.join(ROOT, "build", "linux")
KERNEL = os.path.join(BUILD, f"vmlinuz-{ABI}")
MODULE = os.path.join(BUILD, "module", "kstub.ko")
DEMO = os.path.join(BUILD, "demo", "kstub_demo.ko")
INITRAMFS = os.path.join(BUILD, "initramfs.cpio.gz")
BUSYBOX = "/bin/busybox"
QEMU = "qemu-system-x86_64"
# TCG on a shared two-core host: a Debian kernel boots in tens of seconds
# there, and a QEMU can stall for seconds. Waits cost nothing when the
# output comes, so they are generous.
WAIT = 120
PROMPT = "kstub-e2e# "

INIT = f"""#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Addresses in /proc/kallsyms are what gdb works from without vmlinux.
echo 0 > /proc/sys/kernel/kptr_restrict
# The boot was quiet; from here on the console shows kstub's messages.
echo 7 > /proc/sys/kernel/printk
# Hand ttyS1 (0x2f8) over from the 8250 driver: unbinding its PNP device
# releases the I/O region, as "setserial /dev/ttyS1 uart none" would.
# (Booting with 8250.nr_uarts=1 instead hangs this kernel in the 8250
# driver's init under QEMU when a second UART is present.)
for d in /sys/bus/pnp/devices/*; do
	grep -q 'io 0x2f8-' $d/resources 2>/dev/null &&
		echo ${{d##*/}} > /sys/bus/pnp/drivers/serial/unbind
done
export PS1='{PROMPT}'
echo "kstub-e2e: init up"
exec setsid cttyhack sh -i
"""


def _cpio_entry(name, mode, data=b"", ino=[1]):
    ino[0] += 1
    fields = [ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = head + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)


_initramfs_lock = threading.Lock()


def build_initramfs():
    """A newc cpio of busybox, init and the two modules (no cpio tool on
    a fresh machine; the format is a few lines). Rebuilt only when an
    input is newer; scenarios start machines from several threads, and
    only the first of them builds it."""
    with _initramfs_lock:
        return _build_initramfs()


def _build_initramfs():
    inputs = [BUSYBOX, MODULE, DEMO, __file__]
    if os.path.exists(INITRAMFS) and all(
            os.path.getmtime(INITRAMFS) >= os.path.getmtime(p) for p in inputs):
        return INITRAMFS
    out = b""
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        out += _cpio_entry(d, stat.S_IFDIR | 0o755)
    out += _cpio_entry("init", stat.S_IFREG | 0o755, INIT.encode())
    for name, path in (("bin/busybox", BUSYBOX), ("kstub.ko", MODULE),
                       ("kstub_demo.ko", DEMO)):
        with open(path, "rb") as f:
            out += _cpio_entry(name, stat.S_IFREG | 0o755, f.read())
    out += _cpio_entry("bin/sh", stat.S_IFLNK | 0o777, b"busybox")
    out += _cpio_entry("TRAILER!!!", 0)
    tmp = f"{INITRAMFS}.{os.getpid()}.tmp"
    with gzip.open(tmp, "wb", compresslevel=1) as f:
        f.write(out)
    os.replace(tmp, INITRAMFS)
    return INITRAMFS


class Linux:
    """One QEMU running Debian's kernel, stopped at the shell prompt.
    .sh(line, pattern) types a line on the console and waits for pattern;
    .out is the console (harness.Lines)."""

    def __init__(self, append="", smp=2, time_limit=600):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.target = f"tcp:127.0.0.1:{self.port}"
        self.expired = False
        fd = self.listener.fileno()
        # no_timer_check: on a loaded host TCG can miss the ticks the
        # kernel counts at boot to trust the IO-APIC timer, and then it
        # panics ("IO-APIC + timer doesn't work"); virtual machines skip it.
        cmdline = ("console=ttyS0 panic=-1 quiet loglevel=4 no_timer_check "
                   + append)
        args = [QEMU, "-accel", "tcg", "-nodefaults", "-display", "none", "-no-reboot",
                "-smp", str(smp), "-m", "256M", "-kernel", KERNEL, "-initrd", build_initramfs(),
                "-append", cmdline,
                "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
                "-chardev", f"socket,id=gdb,fd={fd},server=on,wait=off,nodelay=on",
                "-serial", "chardev:gdb"]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, pass_fds=[fd], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.listener.close()
        self.timer = threading.Timer(time_limit, self._expire)
        self.timer.daemon = True
        self.timer.start()
        self.out = harness.Lines(self.proc.stdout)
        self.err = harness.Lines(self.proc.stderr)
        try:
            self.out.wait_for(r"kstub-e2e: init up", WAIT)
            self.boot_secs = time.monotonic() - self.t0
        except AssertionError as e:
            self.stop()
            raise AssertionError(f"{e}\n{self.log()}") from None

    def _expire(self):
        self.expired = True
        if self.proc.poll() is None:
            self.proc.kill()

    def console(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def sh(self, line, pattern, timeout=WAIT):
        """Type line; the match of the first output line with pattern."""
        self.console(line)
        return self.out.wait_for(pattern, timeout)

    def kallsyms(self, name):
        """The running kernel's address of name, from /proc/kallsyms."""
        tag = f"KSYM{abs(hash(name)) % 100000}"
        m = self.sh(f"echo {tag} $(grep -m1 ' {name}$' /proc/kallsyms)",
                    rf"^{tag} ([0-9a-f]{{16}}) \w {re.escape(name)}")
        return int(m.group(1), 16)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.timer.cancel()
        harness.terminate(self.proc)
        self.out.join()
        self.err.join()

    def log(self):
        return ("--- qemu stderr ---\n" + self.err.text() + "--- console ---\n" +
                self.out.text() + ("(killed at its time limit)\n" if self.expired else ""))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def gdb_args(m, pre=()):
    args = ["gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", "set width 0", "-ex", "set remotetimeout 30"]
    for c in pre:
        args += ["-ex", c]
    return args + ["-ex", f"target remote {m.target}"]


def gdb_batch(m, cmds, timeout=WAIT, pre=()):
    """gdb -batch with no symbol file (Debian ships vmlinux only in the
    -dbg package): connect, run cmds, return all it printed."""
    args = gdb_args(m, pre)
    for c in cmds:
        args += ["-ex", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.stdout + p.stderr


class Gdb(harness.Gdb):
    """An interactive gdb (for ^C and for commands while the guest runs)."""

    TIMEOUT = WAIT

    def __init__(self):
        super().__init__(program="", setup=("set width 0", "set remotetimeout 30"))
