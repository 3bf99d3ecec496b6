"""The DMA ring transport on the bare-metal kernel: QEMU's guest RAM in
a shared file (file offset = guest physical address below 2 GiB), the
kernel booted with kstub.fw, and gdb through kstub-fw reading that file:
break, step, watch, a memory dump and the console ring; then the
hung-kernel mode on a one-CPU kernel spinning with interrupts off."""
import contextlib
import itertools
import os

from qcommon import expect, machine, refute
from qemu_machine import gdb_batch
from harness import ROOT
from runner import Scenarios
from sim_fw import expect_console_once, expect_fw_session

SCENARIOS = scenario = Scenarios()
FW = os.path.join(ROOT, "build", "kstub-fw")
_seq = itertools.count(1)


@contextlib.contextmanager
def _ram_file():
    """A path for QEMU's RAM under /dev/shm, removed afterwards."""
    path = f"/dev/shm/kstub-fw-{os.getpid()}-{next(_seq)}"
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _ram_in(path):
    return ["-machine", "q35,memory-backend=ram0", "-object",
            f"memory-backend-file,id=ram0,size=128M,mem-path={path},share=on"]


@scenario
def fw_qemu_session(log):
    with _ram_file() as ram:
        console = ram + ".console"
        try:
            with machine(log, "kstub.fw run=mkdir /fw/q", extra=_ram_in(ram)) as m:
                out = gdb_batch(m, ["bt 1", "break sys_mkdir", "continue", "p path",
                                    "p/x $pc", "stepi", "p/x $pc", "delete",
                                    "watch watch_me", "continue", "delete",
                                    "x/4xg &ticks", "detach"], name="fw",
                                target=f"| {FW} --mem {ram} --console {console}",
                                pre=["set debug remote 1"])
                expect(out, r"kstub-fw: control block at 0x[0-9a-f]+\n")
                expect(out, r'#0 .*kdb_enter \(why=.*"boot \(kstub.wait\)"')
                expect(out, r'Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ <[^>]*> "/fw/q"')
                expect_fw_session(out)
                expect(out, r"kstub-fw: data reads come straight from memory")
                m.out.wait_for(r"mkdir: created /fw/q")
                expect_console_once(ram, console, "mkdir: created /fw/q")
        finally:
            for path in (console, console + ".again"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


@scenario
def fw_qemu_hung_kernel(log):
    """One CPU, spinning with interrupts off: nothing in the machine can
    run the debugger, and kstub-fw --no-cpu still reads the kernel's
    variables through its page tables, from the RAM file."""
    with _ram_file() as ram:
        with machine(log, "kstub.fw run=sleep 3;hang", wait=False, smp=1,
                     extra=_ram_in(ram)) as m:
            m.out.wait_for(r"hang: spinning with interrupts off")
            out = gdb_batch(m, ["p ticks >= 3", "p ncpus", "p panicstr",
                                "info registers rax", "continue", "detach"],
                            name="fw-nocpu", target=f"| {FW} --mem {ram} --no-cpu")
            expect(out, r"hung-kernel mode: memory reads only")
            expect(out, r"^\$1 = 1$", "ticks, read from the hung machine's RAM")
            expect(out, r"^\$2 = 1$")
            expect(out, r"^\$3 = 0x0$")
            expect(out, r"^rax\s+<unavailable>")
            expect(out, r"execution control need the target's CPU")
            refute(out, r"Cannot access memory at address 0xffffffff8")
