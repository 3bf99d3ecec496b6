#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Turn recorded debugger sessions into fuzz seeds (make fuzz-seeds).

    rsp_log_to_seeds.py SESSIONS_DIR CORPUS_DIR

SESSIONS_DIR holds <scenario>/<name>.log, as scripts/record_e2e_sessions.py
leaves them: gdb "set remotelogfile" logs (a line "w <bytes>" for each run
of bytes gdb wrote, C-escaped) and lldb "log enable gdb-remote packets"
logs ("< N> send packet: <N bytes>"). Only what the debugger sent is used.
For each log, under CORPUS_DIR/<harness>/:
  framer    the bytes exactly as sent
  dispatch  an FT_CFG byte, then the bytes with memory addresses and
            thread ids moved into the fuzz machine (tests/fuzz/fuzz_target.h)
            and checksums recomputed
  bodies    an FT_CFG byte, then one rewritten packet body per line
  running   the same traffic as fuzz_running.c events
  serial    its first bytes as a 16550 receive script
  xfer      its qXfer reads as fuzz_xfer.c records
Seeds are named <gdb|lldb>-<scenario>[-<log>]. Old gdb-* and lldb-* seeds
are removed first, identical seeds are written once, and every seed is
cut (at a packet boundary) to the cap of its harness."""
import hashlib
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from wire import packet  # noqa: E402  (tests/e2e/wire.py: the protocol's framing)
CAPS = {"framer": 4096, "dispatch": 8192, "bodies": 8192, "running": 4096,
        "serial": 1026, "xfer": 1 + 17 * 12}


def machine_constants():
    """FT_* values from fuzz_target.h and the link escapes (FX_ESC*) from
    the fake machine's header, so this script cannot drift from them."""
    consts = {}
    for header in (("tests", "fuzz", "fuzz_target.h"),
                   ("tests", "fakes", "fake_machine.h")):
        text = open(os.path.join(ROOT, *header)).read()
        consts.update({m.group(1): int(m.group(2), 0) for m in re.finditer(
            r"#define (F[TX]_\w+) (0x[0-9a-fA-F]+)(?:ull)?\b", text)})
        consts.update({m.group(1): ord(m.group(2)) for m in
                       re.finditer(r"#define (FX_ESC_\w+) '(.)'", text)})
    return consts


FT = machine_constants()
GDB_ESCAPES = {b"\\": b"\\", b"a": b"\a", b"b": b"\b", b"f": b"\f", b"n": b"\n",
               b"r": b"\r", b"t": b"\t", b"v": b"\v", b"e": b"\x1b"}


def gdb_sent(log):
    """Bytes gdb wrote: its log escapes backslash and unprintables, and a
    BREAK on a serial line shows as <Break> (the stub sees ^C)."""
    def unescape(m):
        tok = m.group(0)
        if tok == b"<Break>":
            return b"\x03"
        if tok[1:2] == b"x":
            return bytes([int(tok[2:], 16)])
        return GDB_ESCAPES.get(tok[1:2], tok[1:2])
    out = bytearray()
    for line in log.split(b"\n"):
        if line.startswith(b"w "):
            out += re.sub(rb"\\x[0-9a-fA-F]{2}|\\.|<Break>", unescape, line[2:])
    return bytes(out)


def lldb_sent(log):
    """Packets lldb sent. The length in "< N>" delimits packets that span
    lines; "history[...]" lines repeat earlier packets and are skipped."""
    out = bytearray()
    for m in re.finditer(rb"<\s*(\d+)> send packet: ", log):
        start = log.rfind(b"\n", 0, m.start()) + 1
        if b"history[" not in log[start:m.start()]:
            out += log[m.end():m.end() + int(m.group(1))]
    return bytes(out)


def split(stream):
    """[(b'$', body) for a packet, (b'', bytes) for what lies between]."""
    items, i = [], 0
    while i < len(stream):
        if stream[i:i + 1] == b"$":
            end = stream.find(b"#", i + 1)
            nxt = stream.find(b"$", i + 1)
            if end < 0 or end + 3 > len(stream) or (0 <= nxt < end):
                stop = len(stream) if nxt < 0 else nxt
                items.append((b"", stream[i:stop]))
                i = stop
                continue
            items.append((b"$", stream[i + 1:end]))
            i = end + 3
        else:
            nxt = stream.find(b"$", i)
            stop = len(stream) if nxt < 0 else nxt
            items.append((b"", stream[i:stop]))
            i = stop
    return items


HEX = rb"[0-9a-fA-F]+"


class Remap:
    """Moves the recording's addresses and thread ids into the fuzz
    machine: pages that took a code breakpoint land on FT_TEXT, other
    pages on the two RAM pages and the top page in turn (offsets in the
    page kept), thread ids on 1..3 in order of first use (0 and -1 kept)."""

    def __init__(self, items):
        self.code = set()
        for kind, body in items:
            m = re.match(rb"[Zz]([01]),(" + HEX + rb"),", body)
            if kind and m:
                self.code.add(int(m.group(2), 16) >> 12)
        self.pages, self.tids = {}, {}
        self.data = [FT["FT_RAM"], FT["FT_RAM"] + 0x1000, FT["FT_TOP"]]

    def addr(self, m):
        a = int(m, 16)
        page = a >> 12
        if page == 0:
            return m.lower()  # the null page is a hole in both machines
        if page in self.code:
            base = FT["FT_TEXT"]
        else:
            base = self.data[self.pages.setdefault(page, len(self.pages)) % 3]
        return b"%x" % (base + (a & 0xfff))

    def tid(self, t):
        if t in (b"0", b"-1"):
            return t
        return b"%x" % (1 + self.tids.setdefault(int(t, 16), len(self.tids)) % 3)

    def body(self, b):
        sub = lambda pat, fn: re.sub(pat, fn, b, count=1, flags=re.S)
        if re.match(rb"[mMxX]" + HEX + b",", b):
            return sub(rb"^([mMxX])(" + HEX + b")", lambda m: m.group(1) + self.addr(m.group(2)))
        if re.match(rb"[Zz][0-4]," + HEX + b",", b):
            return sub(rb"^([Zz][0-4],)(" + HEX + b")", lambda m: m.group(1) + self.addr(m.group(2)))
        if re.match(rb"qMemoryRegionInfo:" + HEX + b"$", b):
            return b"qMemoryRegionInfo:" + self.addr(b[18:])
        for pre in (b"Hg", b"Hc", b"T", b"qThreadExtraInfo,", b"qThreadStopInfo"):
            if re.match(re.escape(pre) + rb"(-1|" + HEX + rb")$", b):
                return pre + self.tid(b[len(pre):])
        if b.startswith(b"vCont;"):
            return re.sub(rb":(" + HEX + rb")", lambda m: b":" + self.tid(m.group(1)), b)
        return b


def is_xml_chunk(body):
    """gdb and lldb read target.xml in many windows; keep the first only."""
    m = re.match(rb"qXfer:features:read:[^:]*:(" + HEX + b"),", body)
    return m is not None and int(m.group(1), 16) != 0


def capped(parts, cap):
    out = bytearray()
    for p in parts:
        if len(out) + len(p) > cap:
            break
        out += p
    return bytes(out)


def esc(b):
    """Data bytes equal to FX_ESC are doubled, so the link reads them as data."""
    e = bytes([FT["FX_ESC"]])
    return b.replace(e, e + e)


def wire(items, remap):
    dropped = False
    for kind, body in items:
        if not kind:
            # The ack of a dropped request's reply goes with it.
            if not (dropped and body == b"+"):
                yield esc(body)
        elif not is_xml_chunk(body):
            body = remap.body(body)
            yield esc(packet(body))
        dropped = bool(kind) and is_xml_chunk(body)


def seeds_for(stream, cfg):
    items = split(stream)
    remap = Remap(items)
    out = {"framer": capped((packet(b) if k else b for k, b in items),
                            CAPS["framer"])}
    out["dispatch"] = bytes([cfg]) + capped(wire(items, remap), CAPS["dispatch"] - 1)

    remap = Remap(items)
    lines = []
    for kind, body in items:
        if kind and not is_xml_chunk(body):
            # A raw newline only occurs in X data, where "}*" is its escape.
            lines.append(remap.body(body).replace(b"\n", b"}*") + b"\n")
        elif not kind and body.strip(b"+-"):
            lines.append(bytes([FT["FX_ESC"]]) + body.replace(b"\n", b"") + b"\n")
    out["bodies"] = bytes([cfg]) + capped(lines, CAPS["bodies"] - 1)

    # fuzz_running.c: gdb attaches first (cfg bit 0), then the traffic
    # arrives in polled chunks of at most 63 bytes; after each resume the
    # kernel prints a line that gdb acks.
    remap = Remap(items)
    events = []
    for kind, body in items:
        data = next(wire([(kind, body)], remap), b"")
        for i in range(0, len(data), 63):
            chunk = data[i:i + 63]
            events.append(bytes([len(chunk) << 2]) + chunk)
        if kind and re.match(rb"(c|s|vCont;[cs])", body):
            text = b"kernel says hi\n"
            events.append(bytes([len(text) << 2 | 1]) + text + b"\x01+")
    out["running"] = b"\x01" + capped(events, CAPS["running"] - 1)

    # fuzz_serial.c: 115200 8N1, FIFOs, carrier up; every byte clean.
    out["serial"] = b"\x00\x00" + b"".join(bytes([c, 0]) for c in stream[:(CAPS["serial"] - 2) // 2])

    records = []
    for kind, body in items:
        m = re.match(rb"qXfer:(features:read:target\.xml|threads:read:):(" + HEX + b"),(" + HEX + b")$",
                     body) if kind else None
        if m:
            obj = 0 if m.group(1).startswith(b"features") else 1
            # 0x30: offset and length used as they are, not reduced.
            records.append(bytes([0x30 | obj]) + struct.pack("<QQ", int(m.group(2), 16),
                                                             int(m.group(3), 16)))
    if records:
        out["xfer"] = b"\x00" + capped(records, CAPS["xfer"] - 1)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sessions, corpus = sys.argv[1:]
    harnesses = ("framer", "dispatch", "bodies", "running", "serial", "xfer")
    for h in harnesses:
        os.makedirs(os.path.join(corpus, h), exist_ok=True)
        for f in os.listdir(os.path.join(corpus, h)):
            if f.startswith(("gdb-", "lldb-")):
                os.unlink(os.path.join(corpus, h, f))
    seen, written, total = set(), 0, 0
    for scenario in sorted(os.listdir(sessions)):
        sdir = os.path.join(sessions, scenario)
        if not os.path.isdir(sdir):
            continue
        logs = sorted(f for f in os.listdir(sdir) if f.endswith(".log"))
        # gdb-<pid>.log (record_e2e_sessions.py's wrapper): name them by
        # start order, so regenerated seeds keep their names.
        wrapped = sorted((f for f in logs if re.fullmatch(r"gdb-\d+\.log", f)),
                         key=lambda f: int(f[4:-4]))
        for log in logs:
            stem = (f"interactive{wrapped.index(log) + 1}" if log in wrapped
                    else log[:-4])
            raw = open(os.path.join(sdir, log), "rb").read()
            lldb = b"send packet:" in raw
            stream = lldb_sent(raw) if lldb else gdb_sent(raw)
            if not stream:
                continue
            who = "lldb" if lldb else "gdb"
            name = f"{who}-{scenario}" + ("" if len(logs) == 1 else "-" + stem)
            # First trap: the e2e kernel waits in kdb_enter, an int3 (#BP).
            # lldb asks for no-ack mode: give it a link that allows it.
            cfg = 0x01 | (FT["FT_CFG_RELIABLE"] if lldb else 0)
            for h, data in seeds_for(stream, cfg).items():
                digest = hashlib.sha1(h.encode() + data).digest()
                if digest in seen:
                    continue
                seen.add(digest)
                with open(os.path.join(corpus, h, name), "wb") as f:
                    f.write(data)
                written += 1
                total += len(data)
    print(f"rsp_log_to_seeds: {written} seeds, {total} bytes, in {corpus}")
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
