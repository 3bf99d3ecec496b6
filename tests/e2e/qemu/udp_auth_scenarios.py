"""The debugger on UDP in the authenticated mode (issue 14): the
bare-metal kernel booted with kstub.key (a fresh random key each run),
its e1000 behind QEMU's user network, and gdb through the bridge,
"target remote | kstub-udp --key FILE 127.0.0.1:PORT". From kstub.wait
at boot, by ^C while the kernel runs, after a panic; and a bridge with
the wrong key, which is told so while the kernel runs on undisturbed."""
import os

import shared
from qcommon import (BareMetal, attach_after_fault, breakin_twice, expect, expect_stepi_moved,
                     expect_text_pristine, machine, refute)
from qemu_machine import Gdb, bridge_target, gdb_batch, write_key_file
from runner import Scenarios

SCENARIOS = scenario = Scenarios()
SLOW_FIRST = ("udp_auth_ctrl_c_breakin", "udp_auth_panic_stays_debuggable")

# The panic as every machine shows it (tests/e2e/shared.py), through the bridge.
shared.register(scenario, BareMetal(link="udp-auth"), prefix="udp_auth_",
                only=(shared.panic_stays_debuggable, shared.panic_after_stepi))

LINK_TROUBLE = (r"Ignoring packet error|Remote communication error|timed out|"
                r"The remote protocol may be unreliable")


def auth_machine(log, append="", **kw):
    return machine(log, append, link="udp-auth", **kw)


def stat(out, name):
    """A counter from "monitor stats" ("auth NAME VALUE")."""
    return int(expect(out, rf"^auth {name} (\d+)$").group(1))


@scenario
def udp_auth_attach_at_boot(log):
    """From kstub.wait, through the bridge: registers, a breakpoint,
    continue to it, one stepi (the pc moves on by exactly the instruction
    gdb decoded there), the link's counters, detach; the kernel runs on
    with its text as it was. The key never shows on the console."""
    with auth_machine(log, "run=mkdir /auth/boot") as m:
        boot = m.out.text()
        expect(boot, rf"^booted: \d cpus, debugger on udp 10\.0\.2\.15:{m.port}, "
                     r"authenticated$")
        expect(boot, r"kstub\.key=x{64}( |$)")
        expect(boot, r"^kstub: handshake nonces from (RDRAND|the TSC and CMOS clock)")
        with open(m.key_file) as f:
            refute(boot, f.read().strip())
        out = gdb_batch(m, ["info registers rip", "p $cs", "bt 2", "break sys_mkdir",
                            "continue", "print path", "p/x $pc", "x/2i $pc", "stepi",
                            "p/x $pc", "delete", "monitor stats", "detach"],
                        name="udp-auth-boot")
        expect(out, r"rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <kdb_enter\+\d+>")
        expect(out, r"^\$1 = 8$")
        expect(out, r'#0  .*kdb_enter \(why=(why@entry=)?0x[0-9a-f]+ "boot \(kstub.wait\)"\)')
        expect(out, r"#1  .*kmain \(")
        expect(out, r'hit Breakpoint 1, sys_mkdir \(path=0x[0-9a-f]+ (<[^>]*> )?"/auth/boot"')
        expect(out, r'^\$2 = 0x[0-9a-f]+ (<[^>]*> )?"/auth/boot"')
        expect_stepi_moved(out, "sys_mkdir", 3, 4)
        # One session, and on a clean link nothing was refused.
        if stat(out, "sessions") != 1 or stat(out, "rx_delivered") < 10:
            raise AssertionError(f"one session of many packets expected:\n{out}")
        for refused in ("rx_bad_tag", "rx_wrong_session", "hs_bad_key", "hs_busy"):
            if stat(out, refused) != 0:
                raise AssertionError(f"{refused} should be 0 on a clean link:\n{out}")
        expect(out, r"detached")
        refute(out, LINK_TROUBLE)
        m.out.wait_for(r"mkdir: created /auth/boot")
        expect_text_pristine(m, "after detach over the authenticated link")


@scenario
def udp_auth_ctrl_c_breakin(log):
    """^C while the kernel runs: the bridge sends gdb's 0x03 as an
    authenticated break-in, which the timer tick's kstub_poll_break takes;
    twice, with the kernel's clock running in between; then detach."""
    with auth_machine(log) as m, Gdb() as gdb:
        expect(gdb.cmd(f"target remote {m.target}"), r"kdb_enter")
        breakin_twice(m, gdb)
        expect(gdb.cmd("detach"), r"detached")
        refute(gdb.all, LINK_TROUBLE)
        m.console("mkdir /auth/after")
        m.out.wait_for(r"mkdir: created /auth/after")


@scenario
def udp_auth_wrong_key(log):
    """A bridge with another key, while the kernel runs: the bridge says
    "wrong key?" and gives up; the kernel never stopped (its shell
    answers), and the right key's bridge then attaches and finds the
    refused handshakes counted."""
    with auth_machine(log, wait=False) as m:
        other = write_key_file(os.path.join(m.tmp, "other"), os.urandom(32))
        out = gdb_batch(m, ["bt 1"], name="udp-auth-wrongkey",
                        target=bridge_target(other, m.port))
        expect(out, r"does not verify under the key in .*\(wrong key\?\)")
        refute(out, r"^#0 ")
        m.console("mkdir /auth/still-running")
        m.out.wait_for(r"mkdir: created /auth/still-running")
        out = gdb_batch(m, ["bt 1", "monitor stats", "detach"], name="udp-auth-rightkey",
                        pre=["set remote interrupt-on-connect on"])
        expect(out, r"#0  .* in \w+ \(")
        if stat(out, "hs_bad_key") < 1 or stat(out, "sessions") != 1:
            raise AssertionError(f"the wrong key's HELLOs should be counted:\n{out}")
        expect(out, r"detached")
        m.console("mkdir /auth/after")
        m.out.wait_for(r"mkdir: created /auth/after")


def expect_debugger_off(log, options, why):
    """Booted with options (and an e1000), the kernel says why, boots
    with the debugger off (not in plain mode), and its shell runs."""
    with machine(log, f"{options} run=mkdir /no/debugger", wait=False, extra=(
            "-netdev", "user,id=n0", "-device", "e1000,netdev=n0")) as m:
        m.out.wait_for(r"mkdir: created /no/debugger")
        boot = m.out.text()
        expect(boot, why)
        expect(boot, r"^booted: \d cpus, debugger off$")
        return boot


@scenario
def udp_auth_malformed_key(log):
    """A kstub.key that is not 64 hex digits: refused, and wiped from
    the command line the console shows."""
    boot = expect_debugger_off(log, "kstub.link=udp kstub.key=0123abcz",
                               r"^kstub: kstub\.key is not 64 hex digits; debugger off$")
    refute(boot, r"0123abcz")


@scenario
def udp_auth_neither_key_nor_plain(log):
    """kstub.link=udp with no key and no kstub.udp=plain: plain mode is
    never the default, so the debugger stays off."""
    expect_debugger_off(log, "kstub.link=udp", r"^kstub: kstub\.link=udp needs "
                        r"kstub\.key=<64 hex digits> \(or kstub\.udp=plain\); debugger off$")


@scenario
def udp_auth_panic_then_attach(log):
    """No debugger until the kernel has faulted and waits: gdb attaches
    through the bridge to the stopped kernel and finds the fault."""
    attach_after_fault(log, "udp-auth-postmortem", link="udp-auth")
