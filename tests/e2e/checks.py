"""Checks shared by the end-to-end scenarios, and what they know without
asking the debugger: symbol addresses and bytes from the executable,
bench_area computed as the kernel computes it, parsers for gdb's
thread listings."""
import functools
import re
import subprocess

from harness import SIM, gdb_batch
from wire import le_value


def expect(out, pattern, what=None):
    m = re.search(pattern, out, re.M)
    if not m:
        raise AssertionError(f"expected {what or pattern!r} in:\n{out}")
    return m


def refute(out, pattern):
    if re.search(pattern, out, re.M):
        raise AssertionError(f"did not expect {pattern!r} in:\n{out}")


@functools.lru_cache(maxsize=None)
def link_addrs():
    """Symbol -> link address in build/kstub-sim (the PIE is linked at 0)."""
    out = subprocess.run(["nm", SIM], capture_output=True, text=True, check=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines()) if len(f) == 3}


def file_byte(sym):
    """The byte at sym in the executable file, not in the running kernel.
    The first LOAD segment maps file offset 0 at address 0 (text and
    rodata, -z noseparate-code), so a text address is its file offset."""
    with open(SIM, "rb") as f:
        f.seek(link_addrs()[sym])
        return f.read(1)[0]


def gdb_threads(info):
    """'info threads' output -> {name: gdb thread number}."""
    return {m.group(2): int(m.group(1))
            for m in re.finditer(r'^\*?\s+(\d+)\s+Thread \d+ "([^"]+)"', info, re.M)}


def per_thread(out):
    """'thread apply all p/x $sp' output -> {thread name: value}."""
    return {m.group(1): int(m.group(2), 16) for m in re.finditer(
        r'^Thread \d+ \(Thread \d+ "([^"]+)"[^\n]*\):\n\$\d+ = (0x[0-9a-f]+)', out, re.M)}


def expect_distinct_sps(out, names):
    sps = per_thread(out)
    missing = [n for n in names if n not in sps]
    if missing or len(set(sps.values())) != len(sps):
        raise AssertionError(f"every thread needs its own stack pointer "
                             f"(missing {missing}): {sps}\n{out}")


def reg(rsp, n):
    """Register n of the current thread, from a p packet (little-endian)."""
    return le_value(rsp.ask(f"p{n:x}"))


def c_string(rsp, addr, n=16):
    return bytes.fromhex(rsp.ask(f"m{addr:x},{n:x}")).split(b"\0")[0].decode()


@functools.lru_cache(maxsize=None)
def bench_bytes(n):
    """bench_area's first n bytes, computed here as workload_init does."""
    x, out, mask = 0x9e3779b97f4a7c15, bytearray(), (1 << 64) - 1
    for _ in range(n):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        out.append(x & 0xff)
    return bytes(out)


def expect_pristine(sim, sym):
    """sym's first byte in the kernel is the file's, not a left-over int3."""
    want = file_byte(sym)
    if want == 0xcc:
        raise AssertionError(f"{sym} starts with 0xcc in the file: the check proves nothing")
    out = gdb_batch(sim, [f"x/1xb {sym}", "detach"], name="pristine")
    expect(out, rf"<{sym}>:\s+0x{want:02x}$", f"{sym}'s byte 0x{want:02x} back in place")


def hit_mkdir_once(sim, gdb, path):
    """break sys_mkdir and run into it: the int3 is really in the text."""
    expect(gdb.cmd(f"target remote {sim.target}"), r"Remote debugging using")
    expect(gdb.cmd("break sys_mkdir"), r"Breakpoint 1 at")
    gdb.send("continue")
    gdb.expect("Continuing.")
    sim.console(f"mkdir {path}")
    gdb.expect(rf'Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ "{re.escape(path)}"')
    gdb.expect(r"\(gdb\) ")
