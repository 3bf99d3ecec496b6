"""Conditions and dprintf evaluated in the stub (issue 17) on the
bare-metal kernel: a real int3 and a real TF step over the original
instruction, with the other CPU running."""
import re

from qcommon import expect, expect_text_pristine, machine, refute
from qemu_machine import Gdb, gdb_batch
from runner import Scenarios

SCENARIOS = scenario = Scenarios()


@scenario
def agent_cond_break(log):
    """break sys_mkdir if path[5] == 107 ('k'): the stub evaluates it,
    only /tmp/k stops, /tmp/a and /tmp/b have run by then; the text is
    the kernel's own again after detach (every int3 lifted and re-armed
    went back)."""
    with machine(log, "run=mkdir /tmp/a;mkdir /tmp/b;mkdir /tmp/k") as m:
        out = gdb_batch(m, ["break sys_mkdir if path[5] == 107", "continue",
                            "print path", "delete", "detach"],
                        pre=["set debug remote 1"], name="agentcond")
        expect(out, r"Sending packet: \$Z0,[0-9a-f]+,1;X[0-9a-f]+,", "a Z0 with its condition")
        expect(out, r'hit Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ (<[^>]*> )?"/tmp/k"')
        m.out.wait_for(r"mkdir: created /tmp/k")
        text = m.out.text()
        if not (text.index("created /tmp/a") < text.index("created /tmp/b")
                < text.index("created /tmp/k")):
            raise AssertionError(f"mkdirs out of order:\n{text}")
        expect_text_pristine(m, "after a conditional breakpoint")


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
