"""What the QEMU scenarios share: their registry, the machine they
boot (and log for the report), and checks of what gdb and QEMU show."""
import re

from harness import resume_seen_running
from checks import expect, refute  # noqa: F401  (re-exported)
from qemu_machine import Qemu, elf_section, gdb_batch, symbols
from runner import Scenarios  # importable once qemu_machine set the path
import shared

KERNBASE = 0xffffffff80000000

SCENARIOS = scenario = Scenarios()
BOOT_TIMES = []


def text_differences(m):
    """Where the kernel's .text, as QEMU reads it from guest memory (not
    through the stub, which hides its own int3s), differs from
    kernel.elf's: a list of (address, machine byte, file byte)."""
    addr, want = elf_section(".text")
    got = m.phys_read(addr - KERNBASE, len(want))
    if len(got) != len(want):
        raise AssertionError(f"pmemsave gave {len(got)} bytes of {len(want)}")
    return [(addr + i, a, b) for i, (a, b) in enumerate(zip(got, want)) if a != b]


def expect_text_pristine(m, when):
    diff = text_differences(m)
    if diff:
        shown = ", ".join(f"{a:#x}: {g:#04x} (file {w:#04x})" for a, g, w in diff[:8])
        raise AssertionError(f"kernel text differs from kernel.elf {when}: {shown}")


def machine(log, *args, **kw):
    m = Qemu(*args, **kw)
    log.append(m)
    if m.boot_secs is not None:
        BOOT_TIMES.append(m.boot_secs)
    return m


def mi_threads(out):
    """{thread id: (name, core)} and the current thread id, from the MI
    -thread-info records in out, one dict per record."""
    records = []
    for rec in re.findall(r"\^done,threads=\[(.*)\],current-thread-id=\"(\d+)\"", out):
        threads = {}
        for seg in re.split(r'(?=\{id=")', rec[0])[1:]:
            tid = int(re.match(r'\{id="(\d+)"', seg).group(1))
            name = re.search(r',name="([^"]*)"', seg).group(1)
            core = re.search(r',core="(\d+)"\},?$', seg)
            threads[tid] = (name, core.group(1) if core else None)
        records.append((threads, int(rec[1])))
    return records


def expect_real_bt(out):
    """A backtrace of named functions (at least two), none unknown."""
    expect(out, r"^#0  (0x[0-9a-f]+ in )?[A-Za-z_]\w* \(", "a named frame #0")
    expect(out, r"^#1  (0x[0-9a-f]+ in )?[A-Za-z_]\w* \(", "a named frame #1")
    refute(out, r"\?\?|Backtrace stopped")


def expect_stepi_moved(out, func, before, after):
    """gdb printed the pc as $before, "x/2i $pc", stepi, the pc as $after
    (history numbers), all in func: stepi moved the pc on by exactly the
    instruction gdb decoded there."""
    pc0 = int(expect(out, rf"^\${before} = (0x[0-9a-f]+)$").group(1), 16)
    insns = re.findall(rf"^(?:=> |   )(0x[0-9a-f]+) <{func}(?:\+\d+)?>:", out, re.M)
    pc1 = int(expect(out, rf"^\${after} = (0x[0-9a-f]+)$").group(1), 16)
    if len(insns) != 2 or int(insns[0], 16) != pc0 or int(insns[1], 16) != pc1:
        raise AssertionError(f"stepi should move {pc0:#x} to the next instruction "
                             f"{insns}, got {pc1:#x}:\n{out}")


def breakin_twice(m, gdb):
    """gdb attached at kstub.wait: continue, ^C; continue, let the clock
    tick twice ("sleep 2" on the console), ^C; each stop has a real
    backtrace, and the kernel's tick count moved on in between."""
    resume_seen_running(m, gdb, "ps", r"^\s+42 sh$")
    gdb.interrupt()
    expect(gdb.expect(re.escape(gdb.PROMPT)), r"received signal SIGINT")
    expect_real_bt(gdb.cmd("bt"))
    expect(gdb.cmd("info threads"), r'"clock"')
    t0 = int(expect(gdb.cmd("print ticks"), r"\$\d+ = (\d+)").group(1))
    # The shell's "sleep 2" returns only once the clock ticked twice.
    resume_seen_running(m, gdb, "sleep 2", r"^sleep: 2 ticks")
    gdb.interrupt()
    expect(gdb.expect(re.escape(gdb.PROMPT)), r"received signal SIGINT")
    expect_real_bt(gdb.cmd("bt"))
    t1 = int(expect(gdb.cmd("print ticks"), r"\$\d+ = (\d+)").group(1))
    if t1 < t0 + 2:
        raise AssertionError(f"the kernel should have run two ticks: {t0} -> {t1}")


def expect_ktrace_fault(m, out):
    """gdb stopped at the workload's NULL dereference (run=ktrace -c):
    SIGSEGV, the backtrace down to the shell, the faulting process and
    CR2 (printed as "p p->p_comm" and "p/x $cr2", in that order), and
    the kernel's own report of the fault on the console."""
    expect(out, r"received signal SIGSEGV")
    expect(out, r"#0  ktrace_clear_callback \(p=")
    expect(out, r"#1  .* in allproc_scan \(callback=.*ktrace_clear_callback")
    expect(out, r"#2  .* in sys_ktrace")
    expect(out, r"#3  .* in shell_exec")
    expect(out, r'^\$\d+ = "sh"')
    expect(out, r"^\$\d+ = 0x0$", "CR2: the NULL address")
    m.out.wait_for(r"fatal trap 14 \(page fault\) on cpu \d at rip 0x[0-9a-f]+, "
                   r"error 0x0, cr2 0x0")


def attach_after_fault(log, name, **machine_kw):
    """No debugger until the kernel has faulted (run=ktrace -c) and waits
    for one: gdb attaches then and finds the fault. machine_kw chooses
    the link (Qemu's arguments)."""
    with machine(log, "run=ktrace -c", wait=False, **machine_kw) as m:
        m.out.wait_for(r"fatal trap 14 \(page fault\)")
        m.out.wait_for(r"kstub: waiting for gdb")
        out = gdb_batch(m, ["bt 3", "detach"], name=name)
        expect(out, r"#0  ktrace_clear_callback \(p=")
        expect(out, r"#2  .* in sys_ktrace")
        expect(out, r"detached")


class BareMetal(shared.Machine):
    """The bare-metal kernel for tests/e2e/shared.py's scenarios, its
    debugger on serial or (link="udp", "udp-auth") on the e1000."""
    str_ptr = r"0x[0-9a-f]+ <[^>]*>"
    shell_frame = "console_shell"

    def __init__(self, link="serial"):
        self.link = link

    def boot(self, log, run=()):
        return machine(log, "run=" + ";".join(run) if run else "", link=self.link)

    def gdb(self, m, cmds, name):
        return gdb_batch(m, cmds, name=name)

    def text_addr(self, rsp, sym):
        return symbols()[sym]	# linked where it runs
