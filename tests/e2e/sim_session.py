"""Session scenarios against kstub-sim: what a debugger is told when a
command fails, which registers it is shown as unavailable, and how the
link hands one debugger over to the next.

Each scenario is fn(sim_log), as in run.py, and is listed in SCENARIOS."""
import re

from checks import expect, refute
from harness import Sim, gdb_batch, lldb_batch


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


SCENARIOS = [monitor_errors_read_as_words, lldb_registers]
