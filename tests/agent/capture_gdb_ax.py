#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Record the agent expressions real gdb compiles for breakpoint
conditions and agent dprintf, so the unit table holds gdb's own bytecode
rather than what we think gdb sends.

A fake remote (no machine behind it: zero registers, zero memory) claims
ConditionalBreakpoints+ and BreakpointCommands+; gdb, with
condition-evaluation target and always-inserted on, then inserts each
breakpoint as soon as it is defined and sends its Z packet with the
;X conditions and ;cmds: commands. Each case is bracketed by a
"maint packet qKstubCase:<name>" so the packets can be told apart.

usage: capture_gdb_ax.py ELF OUT_HEADER
writes OUT_HEADER: one AGENT_GDB_CASE(name, "gdb command", "Z packet
tail") per case, plus the ELF addresses the expressions embed.
"""
import socket
import subprocess
import sys
import tempfile
import threading

# name, gdb commands (the breakpoint is the last one)
CASES = [
    # gdb 13 compiles no character literal to bytecode: these two and
    # comm_char fall back to host evaluation and send no condition.
    ("path5_is_k", ["break sys_mkdir if path[5] == 'k'"]),
    ("hb_path5_is_k", ["hbreak sys_mkdir if path[5] == 'k'"]),
    ("path5_is_107", ["break sys_mkdir if path[5] == 107"]),
    ("hb_path5_is_107", ["hbreak sys_mkdir if path[5] == 107"]),
    ("mode_eq_0755", ["break sys_mkdir if mode == 0755"]),
    ("mode_and_path", ["break sys_mkdir if mode == 0755 && path[0] == 47"]),
    ("mode_or_path", ["break sys_mkdir if mode == 0 || path[1] == 120"]),
    ("not_path0", ["break sys_mkdir if !path[0]"]),
    ("ticks_gt", ["break sys_mkdir if ticks > 100"]),
    ("ticks_mod", ["break sys_mkdir if ticks % 7 == 3"]),
    ("ticks_div", ["break sys_mkdir if ticks / 3 == 5"]),
    ("watch_lt_signed", ["break sys_mkdir if watch_me < -1"]),
    ("watch_cast_unsigned",
     ["break sys_mkdir if (unsigned int)watch_me > 5"]),
    ("watch_char_cast", ["break sys_mkdir if (char)watch_me == -1"]),
    ("watch_uchar_cast",
     ["break sys_mkdir if (unsigned char)watch_me == 255"]),
    ("made_count_ne", ["break sys_mkdir if made_count != 2"]),
    ("allproc_pid", ["break sys_mkdir if allproc->p_pid == 1"]),
    ("allproc_next_null",
     ["break sys_mkdir if allproc->p_next->p_next == 0"]),
    ("comm_char", ["break sys_mkdir if allproc->p_comm[0] == 's'"]),
    ("comm_115", ["break sys_mkdir if allproc->p_comm[0] == 115"]),
    ("shift_mask", ["break sys_mkdir if ((ticks >> 3) & 1) == 1"]),
    ("lshift_xor", ["break sys_mkdir if ((mode << 2) ^ 3) == 7"]),
    ("bitnot_or", ["break sys_mkdir if (~mode | 1) == -1"]),
    ("mul_sub", ["break sys_mkdir if mode * 2 - 1 == 9"]),
    ("neg_ge", ["break sys_mkdir if -mode >= -5"]),
    ("ternary", ["break sys_mkdir if (mode ? 1 : 0) == 1"]),
    ("rip_reg", ["break sys_mkdir if $rip != 0"]),
    ("rsp_reg", ["break sys_mkdir if $rsp > 16"]),
    ("two_conds", ["break sys_mkdir if mode == 1",
                   "break sys_mkdir if mode == 2"]),
    ("dprintf_s_o", ["set dprintf-style agent",
                     'dprintf sys_mkdir,"mkdir %s mode %o\\n",path,mode']),
    ("dprintf_ints", ["set dprintf-style agent",
                      'dprintf sys_mkdir,"t=%lu w=%d x=%#x c=%c\\n",'
                      "ticks,watch_me,mode,path[0]"]),
    ("dprintf_widths", ["set dprintf-style agent",
                        'dprintf sys_mkdir,"[%5d|%-4x|%08lx|%p]\\n",'
                        "mode,mode,ticks,path"]),
    ("dprintf_plain", ["set dprintf-style agent",
                       'dprintf sys_mkdir,"hit\\n"']),
    ("dprintf_cond", ["set dprintf-style agent",
                      'dprintf sys_mkdir,"m=%d\\n",mode',
                      "condition $bpnum mode == 0755"]),
]

SYMS = ["ticks", "watch_me", "made_count", "allproc"]


class Fake:
    def __init__(self):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.log = []   # (case, packet)
        self.case = None

    def send(self, sock, data):
        csum = sum(data.encode()) & 0xFF
        sock.sendall(b"$" + data.encode() + b"#%02x" % csum)

    def reply(self, p):
        if p.startswith("qSupported"):
            return ("PacketSize=4000;ConditionalBreakpoints+;"
                    "BreakpointCommands+")
        if p.startswith("qKstubCase:"):
            self.case = p.split(":", 1)[1]
            return "OK"
        if p[:2] in ("Z0", "Z1", "z0", "z1"):
            self.log.append((self.case, p))
            return "OK"
        if p == "?":
            return "S05"
        if p == "g":
            return "00" * 140
        if p.startswith("m"):
            n = int(p[1:].split(",")[1], 16)
            return "00" * min(n, 512)
        if p.startswith("H") or p == "D" or p.startswith("D;"):
            return "OK"
        if p == "qAttached":
            return "1"
        if p == "qC":
            return "QC1"
        if p == "qfThreadInfo":
            return "m1"
        if p == "qsThreadInfo":
            return "l"
        return ""

    def serve(self):
        sock, _ = self.srv.accept()
        buf = b""
        while True:
            i = buf.find(b"$")
            j = buf.find(b"#", i) if i >= 0 else -1
            if i < 0 or j < 0 or len(buf) < j + 3:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buf += chunk
                continue
            p = buf[i + 1:j].decode("latin-1")
            buf = buf[j + 3:]
            sock.sendall(b"+")
            self.send(sock, self.reply(p))
            if p == "D" or p.startswith("D;"):
                return


def c_string(text, width):
    """text as C string literals of at most width characters, one per
    line, so the generated header stays within 80 columns."""
    parts = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    esc = [p.replace("\\", "\\\\").replace('"', '\\"') for p in parts]
    return "\n".join('\t"%s"' % e for e in esc)


def main():
    elf, out = sys.argv[1], sys.argv[2]
    fake = Fake()
    t = threading.Thread(target=fake.serve, daemon=True)
    t.start()
    cmds = ["set pagination off", "set confirm off",
            "set breakpoint always-inserted on",
            "set breakpoint condition-evaluation target",
            "set remotetimeout 10",
            "target remote 127.0.0.1:%d" % fake.port]
    for s in SYMS:
        cmds.append('printf "SYM %s %%lu\\n", (unsigned long)&%s' % (s, s))
    for name, lines in CASES:
        cmds.append("maint packet qKstubCase:" + name)
        cmds += lines
        cmds.append("delete")
    cmds += ["maint packet qKstubCase:end", "detach"]
    with tempfile.NamedTemporaryFile("w", suffix=".gdb") as f:
        f.write("\n".join(cmds) + "\n")
        f.flush()
        res = subprocess.run(["gdb", "-nx", "-batch", "-x", f.name, elf],
                             capture_output=True, text=True, timeout=120)
    t.join(10)
    syms = {}
    for line in res.stdout.splitlines():
        if line.startswith("SYM "):
            _, name, val = line.split()
            syms[name] = int(val)
    missing = [s for s in SYMS if s not in syms]
    if missing:
        sys.exit("capture: gdb printed no address for %s\n%s" %
                 (missing, res.stdout + res.stderr))
    version = subprocess.run(["gdb", "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    lines = ["/* Generated by tests/agent/capture_gdb_ax.py from real gdb",
             " * (%s); do not edit: rerun the script." % version,
             " * A tail is what follows Z<type>,addr,kind. */"]
    for s in SYMS:
        lines.append("#define AGENT_GDB_SYM_%s 0x%xull" % (s, syms[s]))
    for name, gdb_lines in CASES:
        zs = [p for c, p in fake.log if c == name and p[0] == "Z"]
        if not zs:
            sys.exit("capture: no Z packet for %s\n%s" %
                     (name, res.stdout + res.stderr))
        # gdb re-sends the Z as breakpoints join a location; the longest
        # one carries every breakpoint's condition at once.
        z = max(zs, key=len)
        tail = z[z.index(";"):] if ";" in z else ""
        cmd = " / ".join(gdb_lines)
        lines.append("AGENT_GDB_CASE(%s, %s," % (name, z[1]))
        lines.append(c_string(cmd, 56) + ",")
        lines.append(c_string(tail, 64) + ")")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
