"""The debugger on UDP (issue 14): the bare-metal kernel's e1000 driver
under the UDP transport in plain mode, behind QEMU's user network
(hostfwd of a loopback UDP port), and gdb's own "target remote
udp:127.0.0.1:PORT". The console stays on COM1 (the machine's stdout).
From kstub.wait at boot, by ^C while the kernel runs, after a panic."""

import shared
from qcommon import (BareMetal, attach_after_fault, breakin_twice, expect, expect_ktrace_fault,
                     expect_stepi_moved, expect_text_pristine, machine, refute)
from qemu_machine import Gdb, gdb_batch
from runner import Scenarios

SCENARIOS = scenario = Scenarios()
SLOW_FIRST = ("udp_ctrl_c_breakin", "udp_panic_stays_debuggable")

# The panic as every machine shows it (tests/e2e/shared.py): a stop in
# panic() with its backtrace through the trap, again at each continue,
# for a later gdb too, until "monitor panic-proceed".
shared.register(scenario, BareMetal(link="udp"), prefix="udp_",
                only=(shared.panic_stays_debuggable, shared.panic_after_stepi))

UDP_WARNING = r"The remote protocol may be unreliable over UDP"


def udp_machine(log, append="", **kw):
    return machine(log, append, link="udp", **kw)


@scenario
def udp_attach_at_boot(log):
    """From kstub.wait: registers, a breakpoint, continue to it, one
    stepi (the pc moves on by exactly the instruction gdb decoded there),
    detach; the kernel runs on with its text as it was."""
    with udp_machine(log, "run=mkdir /udp/boot") as m:
        boot = m.out.text()	# what came before the stop at boot
        expect(boot, r"^e1000: ([0-9a-f]{2}:){5}[0-9a-f]{2} at pci ")
        expect(boot, rf"^booted: \d cpus, debugger on udp 10\.0\.2\.15:{m.port} \(plain\)$")
        out = gdb_batch(m, ["info registers rip", "p $cs", "p/x $cr0 & 0x80010001",
                            "bt 2", "break sys_mkdir", "continue", "print path",
                            "p/x $pc", "x/2i $pc", "stepi", "p/x $pc", "delete",
                            # A burst: an O packet a line, gdb acks each.
                            "monitor help", "monitor net", "detach"], name="udp-boot")
        expect(out, UDP_WARNING)
        expect(out, r"rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <kdb_enter\+\d+>")
        expect(out, r"^\$1 = 8$")
        expect(out, r"^\$2 = 0x80010001$")
        expect(out, r'#0  .*kdb_enter \(why=(why@entry=)?0x[0-9a-f]+ "boot \(kstub.wait\)"\)')
        expect(out, r"#1  .*kmain \(")
        expect(out, r'hit Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ (<[^>]*> )?"/udp/boot"')
        expect(out, r'^\$3 = 0x[0-9a-f]+ (<[^>]*> )?"/udp/boot"')
        expect_stepi_moved(out, "sys_mkdir", 4, 5)
        # The link's own counters: frames came and went, nothing was bad,
        # and the burst of acks found room in the receive ring.
        expect(out, r"panic-proceed - ")
        expect(out, r"e1000: rx [1-9]\d*, rx bad 0, rx missed 0, tx bad length 0, "
                    r"tx timeouts 0")
        expect(out, r"udp: rx [1-9]\d*, delivered [1-9]\d*, tx [1-9]\d*,")
        expect(out, r"detached")
        refute(out, r"Ignoring packet error|Remote communication error|timed out")
        m.out.wait_for(r"mkdir: created /udp/boot")
        expect_text_pristine(m, "after detach over UDP")


@scenario
def udp_ctrl_c_breakin(log):
    """^C while the kernel runs: gdb's 0x03 datagram reaches the stub
    through the timer tick's kstub_poll_break; twice, with the kernel's
    clock running in between."""
    with udp_machine(log) as m, Gdb() as gdb:
        out = gdb.cmd(f"target remote {m.target}")
        expect(out, r"kdb_enter")
        breakin_twice(m, gdb)
        expect(gdb.cmd("detach"), r"detached")
        refute(gdb.all, r"Ignoring packet error|Remote communication error")
        # Detached, the kernel runs on and the console still answers.
        m.console("mkdir /udp/after")
        m.out.wait_for(r"mkdir: created /udp/after")


@scenario
def udp_panic_backtrace(log):
    """Attached from boot, continue into a NULL dereference: the fault
    stops in gdb over UDP with its backtrace, as on serial."""
    with udp_machine(log, "run=ktrace -c") as m:
        out = gdb_batch(m, ["continue", "bt", "p p->p_comm", "p/x $cr2", "detach"],
                        name="udp-panic")
        expect_ktrace_fault(m, out)
        expect(out, r"detached")


@scenario
def udp_panic_then_attach(log):
    """No debugger until the kernel has faulted and waits: gdb attaches
    over UDP to the stopped kernel and finds the fault."""
    attach_after_fault(log, "udp-postmortem", link="udp")


@scenario
def udp_without_nic(log):
    """kstub.link=udp on a machine without an e1000: the kernel says why
    and boots with the debugger off, on no other link."""
    with machine(log, "kstub.link=udp kstub.udp=plain run=mkdir /no/nic", wait=False) as m:
        m.out.wait_for(r"mkdir: created /no/nic")
        boot = m.out.text()
        expect(boot, r"^e1000: no 8086:100e on PCI$")
        expect(boot, r"^kstub: no UDP link, debugger off$")
        expect(boot, r"^booted: \d cpus, debugger off$")


@scenario
def udp_reattach_running(log):
    """A gdb detaches; a second one (another UDP source port) attaches
    to the running kernel with interrupt-on-connect (its ^C first), and
    a third after that. The first gdb's last ack, which arrives after
    the detach, must not bind the link to a port nobody listens on."""
    with udp_machine(log, "run=mkdir /udp/first") as m:
        out = gdb_batch(m, ["detach"], name="udp-first")
        expect(out, r"detached")
        m.out.wait_for(r"mkdir: created /udp/first")
        for name in ("udp-second", "udp-third"):
            out = gdb_batch(m, ["bt 1", "p ticks > 0", "detach"], name=name,
                            pre=["set remote interrupt-on-connect on"])
            expect(out, r"#0  .* in \w+ \(")
            expect(out, r"^\$1 = 1$")
            expect(out, r"detached")
