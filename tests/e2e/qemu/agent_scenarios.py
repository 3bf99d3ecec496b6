"""Conditions and dprintf evaluated in the stub (issue 17) on the
bare-metal kernel: a conditional breakpoint on a free debug register
(RF past a false hit), and with every register taken, a real int3 and a
real TF step over the original instruction, with the other CPU running."""
import re

from qcommon import expect, expect_text_pristine, machine, refute
from qemu_machine import Gdb, gdb_batch
from runner import Scenarios

SCENARIOS = scenario = Scenarios()


# Exec debug registers on functions the run never calls: all four taken.
DRS_TAKEN = ["hbreak panic", "hbreak panic_let_proceed", "hbreak sys_ktrace",
             "hbreak hot_call"]


def cond_break_mkdir_k(log, name, before=()):
    """break sys_mkdir if path[5] == 107 ('k'): the stub evaluates it,
    only /tmp/k stops, /tmp/a and /tmp/b have run by then; the text is
    the kernel's own again after detach. Returns `monitor agent`'s
    words about the breakpoint (inserted at once: always-inserted)."""
    with machine(log, "run=mkdir /tmp/a;mkdir /tmp/b;mkdir /tmp/k") as m:
        out = gdb_batch(m, [*before, "break sys_mkdir if path[5] == 107",
                            "monitor agent", "continue", "print path", "delete",
                            "detach"],
                        pre=["set debug remote 1", "set breakpoint always-inserted on"],
                        name=name)
        expect(out, r"Sending packet: \$Z0,[0-9a-f]+,1;X[0-9a-f]+,", "a Z0 with its condition")
        expect(out, r'hit Breakpoint \d+, sys_mkdir \(path=0x[0-9a-f]+ (<[^>]*> )?"/tmp/k"')
        m.out.wait_for(r"mkdir: created /tmp/k")
        text = m.out.text()
        if not (text.index("created /tmp/a") < text.index("created /tmp/b")
                < text.index("created /tmp/k")):
            raise AssertionError(f"mkdirs out of order:\n{text}")
        expect_text_pristine(m, "after a conditional breakpoint")
        return expect(out, r"^  break 0x[0-9a-f]+: conditions 1, dprintf 0(.*)$").group(1)


@scenario
def agent_cond_break(log):
    """On a free debug register: the kernel's text is never written."""
    held = cond_break_mkdir_k(log, "agentcond")
    if held != ", on a debug register":
        raise AssertionError(f"monitor agent: held as {held!r}")


@scenario
def agent_cond_break_on_int3(log):
    """With all four debug registers taken by hbreaks, the same on an
    int3 that each false hit lifts for one real TF step."""
    held = cond_break_mkdir_k(log, "agentint3", DRS_TAKEN)
    if held != "":
        raise AssertionError(f"monitor agent: held as {held!r}")


@scenario
def agent_cond_hbreak_bad_pointer(log):
    """hbreak with a condition that reads a non-canonical address: the
    read faults inside the stub, the kernel stops, gdb prints why."""
    with machine(log, "run=mkdir /tmp/bad") as m:
        out = gdb_batch(m, ["hbreak sys_mkdir if *(int *)0xdead000000000000 == mode",
                            "continue", "delete", "detach"],
                        pre=["set debug remote 1"], name="agenthbfault")
        expect(out, r"Sending packet: \$Z1,[0-9a-f]+,1;X[0-9a-f]+,", "a Z1 with its condition")
        expect(out, r"^kstub: condition at 0x[0-9a-f]+ faulted reading 0xdead000000000000, "
                    r"stopping$")
        expect(out, r'hit Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ (<[^>]*> )?"/tmp/bad"')
        m.out.wait_for(r"mkdir: created /tmp/bad")


@scenario
def agent_dprintf_hot(log):
    """dprintf in a function called 40 times in a row prints every call
    on the console and in gdb, and gdb sees no stop until ^C."""
    with machine(log) as m, Gdb() as gdb:
        expect(gdb.cmd(f"target remote {m.target}"), r"kdb_enter")
        gdb.cmd("set dprintf-style agent")
        expect(gdb.cmd(r'dprintf hot_call,"hot %lu %lu\n", i, x'), r"Dprintf 1 at")
        gdb.send("continue")
        gdb.expect(r"Continuing\.")
        m.console("calls 40")
        m.out.wait_for(r"calls: 40 done")
        got = re.findall(r"^hot (\d+) (\d+)\r?$", m.out.text(), re.M)
        want = [(str(i), str(i * 7)) for i in range(40)]
        if got != want:
            raise AssertionError(f"console: every hit once, in order: {got}")
        gdb.expect(r"hot 39 273\r?\n")
        refute(gdb.all + gdb.buf, r"hit |Dprintf 1,")
        gdb.interrupt()
        gdb.expect(r"SIGINT")
        gdb.expect(re.escape(gdb.PROMPT))
        expect(gdb.cmd("delete"), r"")
        expect(gdb.cmd("detach"), r"detached")
