"""hostsim's side of a panic that the shared scenarios (shared.py) cannot
see on every machine: the panic's lines as O packets in gdb, and how the
process ends when the panic is let proceed."""
from checks import expect, refute
from harness import Sim, gdb_batch
from runner import Scenarios

SCENARIOS = scenario = Scenarios()


@scenario
def panic_to_gdb_then_exit(sim_log):
    """--console-to-gdb: while gdb waits, the panic says what happened
    and, at each continue, why the kernel stopped again; after "monitor
    panic-proceed" a detach ends the machine as a failure (exit 1)."""
    with Sim("--wait", "--console-to-gdb", "--run", "ktrace -c") as sim:
        sim_log.append(sim)
        out = gdb_batch(sim, ["continue", "continue", "continue",
                              "monitor panic-proceed", "detach"], name="panicmsg")
        expect(out, r"^panic: fatal trap \(signal 11\) at rip 0x[0-9a-f]+, "
                    r"the debugger passed it on$")
        expect(out, r"^panic: .*: the kernel stays stopped in the debugger "
                    r"\(monitor reboot, or monitor panic-proceed to halt\)$")
        refute(out, r"no debugger took it")
        sim.out.wait_for(r"^panic: .*the debugger passed it on, halting$")
        sim.err.wait_for(r"kstub-sim: halted after a panic")
        if sim.proc.wait(timeout=30) != 1:
            raise AssertionError(f"a panic let proceed: exit status {sim.proc.returncode}")
