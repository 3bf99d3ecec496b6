"""The sessions of run.py's link-fault scenarios: stock gdb through a
faulty line at the rate it survives, and a debugger that keeps trying
(rsp_client.py) at 2 % both ways."""
import re

from checks import expect
from harness import Sim, gdb_batch
from rsp_client import RspClient, symbols

# The break/print/bt/finish session through a cable that loses, garbles
# and doubles bytes on their way to the kernel; what gdb prints must not
# change. This tests stock gdb as much as the stub, and gdb 13 is the
# weaker side (gdb/remote.c): it sends a packet four times at most,
# gives a reply up after three bad copies ("Ignoring packet error"), and
# a garbled checksum digit makes read_frame's fromhex throw ("Invalid hex
# digit"), which ends the command. Measured (README), the session
# survives corrupt=drop=0.12 %, dup=0.06 % on the way to the kernel (36 of
# 36 runs; 0.15 %: 24 of 26) and only 0.005 % on the way back, so it runs
# at that limit one way; link_faults_rsp_client covers both ways at 2 %.
FAULT_RUNS = [("dir=to-kernel,corrupt=0.0012,drop=0.0012,dup=0.0006", s) for s in (1, 2, 3, 4)]
FAULT_CMDS = ["break sys_mkdir", "continue", "print path", "bt", "finish",
              "print sizeof(struct proc)", "info registers rip", "detach"]
FAULT_RESULTS = [r"hit Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ \"/tmp/lf\", mode=493\)",
                 r'^\$1 = 0x[0-9a-f]+ "/tmp/lf"', r"^#1 .* in shell_exec \(line=",
                 r"^#2 .* in sh_main", r"Value returned is \$\d+ = 0", r"^\$\d+ = 40$",
                 r"^rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <shell_exec", r"detached"]


def fault_session(sim_log, spec):
    with Sim("--wait", "--run", "mkdir /tmp/lf", *(["--link-faults", spec] if spec else [])) as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, FAULT_CMDS, timeout=240, pre=["set remotetimeout 2"],
                        name="faults")
        sim.out.wait_for(r"mkdir: created /tmp/lf")
        sim.stop()
        return out, sim.err.text()


def fault_counts(err):
    """(bytes hit to the kernel, bytes hit from it), from kstub-sim's exit."""
    hit = expect(err, r"link faults: (\d+) of \d+ bytes to the kernel, (\d+) of")
    return int(hit.group(1)), int(hit.group(2))


# The same session without gdb, through a line twenty times worse and in
# both directions: a debugger that keeps trying (rsp_client.py) must get
# the same answers as on a clean line, so the stub's naks, resends,
# resync and shortened replies are what carries it. At this rate RSP's
# 8-bit checksum also lets some garbled frames through both ways; the
# client guards its side (rsp_client.py), the stub's is in the report.
# Symbols come from the binary (a PIE: qOffsets gives the slide); values
# that move with ASLR are kept relative.
RSP_FAULTS = "corrupt=0.02,drop=0.02,dup=0.01"
RSP_SEEDS = (1, 2, 3, 4)
RSP_SYMS = ("sys_mkdir", "shell_exec", "sh_main", "kdb_enter")
RAX, RBP, RSP, RDI, RIP = 0, 6, 7, 5, 16


def within(addr, sym):
    return sym[0] <= addr < sym[0] + sym[1]


def stop_summary(stop):
    """Signal and thread: the expedited registers and the CPU may differ."""
    return re.sub(r"[0-9a-f]{2}:[0-9a-f]{16};|core:[0-9a-f]+;", "", stop)


def rsp_session(c, syms):
    """break sys_mkdir, continue, registers, path, backtrace, finish, detach.
    No qSupported: its 110-byte reply is one the stub cannot shorten, and
    ack mode with plain stop replies is the default."""
    res = {}
    offsets = c.request("qOffsets", agree=True,
                        valid=lambda r: re.fullmatch(r"Text=[0-9a-f]+;Data=[0-9a-f]+;Bss=[0-9a-f]+", r))
    slide = int(expect(offsets, r"^Text=([0-9a-f]+);").group(1), 16)
    mkdir = slide + syms["sys_mkdir"][0]
    c.insert_breakpoint(mkdir)
    stop = c.resume("c")
    for _ in range(3):
        # Our first packet broke in just before the boot CPU's kdb_enter()
        # trapped: that trap comes first (gdb would say SIGTRAP).
        regs = c.read_registers((RBP, RSP, RDI, RIP))
        if not within(regs[RIP] - slide, syms["kdb_enter"]):
            break
        stop = c.resume("c")
    res["stop1"] = stop_summary(stop)
    res["rip1"] = regs[RIP] - slide
    raw = c.read_memory(regs[RDI], 16)
    res["path"] = raw[:raw.index(0)].decode("latin-1") if 0 in raw else raw.hex()
    # At sys_mkdir's first instruction [rsp] returns into shell_exec, and
    # shell_exec's frame (rbp, not pushed yet) returns into sh_main.
    ret1 = int.from_bytes(c.read_memory(regs[RSP], 8), "little") - slide
    ret2 = int.from_bytes(c.read_memory(regs[RBP] + 8, 8), "little") - slide
    res["frames"] = [(n, a - syms[n][0]) for n, a in (("shell_exec", ret1), ("sh_main", ret2))
                     if within(a, syms[n])]
    # finish: off the breakpoint, as gdb steps off one, to the return address.
    c.remove_breakpoint(mkdir)
    c.insert_breakpoint(slide + ret1)
    res["stop2"] = stop_summary(c.resume("c"))
    res["rip2"] = c.read_register(RIP) - slide
    res["eax"] = c.read_register(RAX) & 0xFFFFFFFF
    c.remove_breakpoint(slide + ret1)
    c.detach()
    return res


def rsp_fault_run(sim_log, spec):
    """One rsp_client session: (results, the client, kstub-sim's stderr)."""
    syms = symbols(RSP_SYMS)
    with Sim("--wait", "--run", "mkdir /tmp/lf", *(["--link-faults", spec] if spec else [])) as sim:
        sim_log.append(sim)
        # Not before the CPUs run: a byte that arrives while main() is
        # still starting them crashes kstub-sim (see the report).
        sim.out.wait_for(r"kdb_enter: boot")
        with RspClient("127.0.0.1", int(sim.port)) as c:
            try:
                res = rsp_session(c, syms)
            except Exception as e:
                raise AssertionError(f"{spec}: {e!r}\n{c.stats}\n{c.trace_text()}") from e
        sim.out.wait_for(r"mkdir: created /tmp/lf")
        sim.stop()
        return res, c, sim.err.text()
