"""Conditions and dprintf evaluated in the stub (issue 17), with real
gdb on hostsim: a conditional break that stops only where it holds, a
dprintf on a hot path that prints every hit and never stops, a
condition that faults, one on an hbreak (Z1), and a persistent dprintf
that outlives its gdb until "monitor agent clear"."""
import re

from checks import expect, refute
from harness import Gdb, Sim, gdb_batch
from runner import Scenarios

SCENARIOS = scenario = Scenarios()

# gdb 13 cannot compile a char literal to bytecode ('k' falls back to
# evaluating on the host, silently): 107 is 'k'.
COND_K = "path[5] == 107"
MKDIRS = ["mkdir /tmp/a", "mkdir /tmp/b", "mkdir /tmp/k", "mkdir /tmp/kk"]


def z_with_condition(out, ztype):
    """gdb sent the condition with the breakpoint: the stub evaluates it."""
    expect(out, rf"Sending packet: \$Z{ztype},[0-9a-f]+,1;X[0-9a-f]+,",
           f"a Z{ztype} packet carrying its condition")


@scenario
def agent_cond_break_mkdir(sim_log):
    """The stub evaluates the condition: only the mkdirs whose path[5]
    is 'k' stop, and the others have run by then."""
    with Sim("--wait", "--run", "; ".join(MKDIRS)) as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, [f"break sys_mkdir if {COND_K}", "continue", "print path",
                              "continue", "print path", "delete", "detach"],
                        pre=["set debug remote 1"], name="agentcond")
        z_with_condition(out, 0)
        paths = re.findall(r'^\$\d+ = 0x[0-9a-f]+ "([^"]*)"', out, re.M)
        if paths != ["/tmp/k", "/tmp/kk"]:
            raise AssertionError(f"stops should be /tmp/k and /tmp/kk only: {paths}\n{out}")
        sim.out.wait_for(r"mkdir: created /tmp/kk")
        console = sim.out.text()
        if console.index("created /tmp/b") > console.index("created /tmp/k "):
            raise AssertionError(f"mkdirs out of order:\n{console}")


@scenario
def agent_cond_hbreak(sim_log):
    """The same condition on an exec debug register (Z1): a false one
    goes on with RF, without gdb."""
    with Sim("--wait", "--run", "mkdir /tmp/a; mkdir /tmp/k") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, [f"hbreak sys_mkdir if {COND_K}", "continue", "print path",
                              "delete", "detach"],
                        pre=["set debug remote 1"], name="agenthb")
        z_with_condition(out, 1)
        expect(out, r'hit Breakpoint 1, sys_mkdir')
        expect(out, r'^\$1 = 0x[0-9a-f]+ "/tmp/k"$')
        sim.out.wait_for(r"mkdir: created /tmp/k")
        expect(sim.out.text(), r"mkdir: created /tmp/a")


@scenario
def agent_cond_bad_pointer(sim_log):
    """A condition that dereferences mode (493, no pointer) faults in the
    stub: the kernel stops, and gdb prints why before the stop."""
    with Sim("--wait", "--run", "mkdir /tmp/bad") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["break sys_mkdir if *(int *)mode == 0", "continue",
                              "delete", "detach"], name="agentfault")
        expect(out, r"^kstub: condition at 0x[0-9a-f]+ faulted reading 0x1ed, stopping$")
        expect(out, r'hit Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ "/tmp/bad"')
        sim.out.wait_for(r"mkdir: created /tmp/bad")


HOT = r'dprintf hot_call,"hot %lu %lu\n", i, x'


def hot_lines(text):
    return re.findall(r"^hot (\d+) (\d+)$", text, re.M)


@scenario
def agent_dprintf_hot_no_stop(sim_log):
    """dprintf in a function called 50 times in a row: every call's
    arguments on the kernel console and in gdb (O packets), and gdb
    never sees a stop until ^C."""
    with Sim("--wait") as sim, Gdb() as gdb:
        sim_log.append(sim)
        expect(gdb.cmd(f"target remote {sim.target}"), r"kdb_enter")
        gdb.cmd("set dprintf-style agent")
        expect(gdb.cmd(HOT), r"Dprintf 1 at")
        gdb.send("continue")
        gdb.expect(r"Continuing\.")
        sim.console("calls 50")
        sim.out.wait_for(r"^calls: 50 done$")
        want = [(str(i), str(i * 7)) for i in range(50)]
        got = hot_lines(sim.out.text())
        if got != want:
            raise AssertionError(f"console: every hit once, in order: {got}")
        gdb.expect(r"hot 49 343\r?\n")
        refute(gdb.all + gdb.buf, r"Breakpoint|Dprintf 1,|hit ")
        if len(hot_lines(gdb.all.replace("\r", ""))) != 50:
            raise AssertionError(f"gdb should print all 50:\n{gdb.all}")
        gdb.interrupt()
        gdb.expect(r"SIGINT")
        gdb.expect(re.escape(gdb.PROMPT))
        expect(gdb.cmd("detach"), r"detached")


@scenario
def agent_dprintf_persists_after_detach(sim_log):
    """gdb leaves a persistent dprintf in place at detach: it keeps
    printing with nobody attached, monitor agent lists it, and monitor
    agent clear removes it. gdb removes its breakpoints whenever the
    kernel stops unless always-inserted is on, so only then is the
    dprintf in the kernel when gdb detaches."""
    with Sim("--wait") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["set breakpoint always-inserted on",
                              "set dprintf-style agent", HOT, "detach"], name="persist1")
        expect(out, r"detached")
        sim.console("calls 3")
        sim.out.wait_for(r"^calls: 3 done$")
        if hot_lines(sim.out.text()) != [("0", "0"), ("1", "7"), ("2", "14")]:
            raise AssertionError(f"detached dprintf should print:\n{sim.out.text()}")
        out = gdb_batch(sim, ["monitor agent", "monitor agent clear", "monitor agent",
                              "detach"], name="persist2")
        expect(out, r"^  break 0x[0-9a-f]+: conditions 0, dprintf 1, on a debug register, "
                    r"persistent$")
        expect(out, r"^cleared$")
        expect(out, r"^no breakpoint has conditions or dprintf$")
        sim.console("calls 2")
        sim.out.wait_for(r"^calls: 2 done$")
        if len(hot_lines(sim.out.text())) != 3:
            raise AssertionError(f"cleared dprintf still prints:\n{sim.out.text()}")
