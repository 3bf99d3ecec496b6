#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A remote target with nothing behind it but a target.xml and a register
image, so gdb and lldb can be shown the stub's description exactly as they
would fetch it (qXfer:features:read) and asked to print registers.

The register layout (order, sizes) is read from the XML itself, so this
checks how the debuggers interpret the document, not our C code twice.

usage: fake_remote.py TARGET_XML PORTFILE
Listens on 127.0.0.1 (port 0), writes the port to PORTFILE, serves one
connection, exits when the debugger detaches, kills or disconnects.
"""
import socket
import sys
import xml.etree.ElementTree as ET

# Values the check script expects to see printed, by register name.
VALUES = {
    "rax": 0x1122334455667788,
    "rsp": 0xffffc90000123ff0,
    "rip": 0xffffffff81000010,
    "eflags": 0x246,  # IF ZF PF
    "cs": 0x10,
    "ss": 0x18,
    # st0 = 1.5: exponent 0x3fff, mantissa 0xc000000000000000
    "st0": (0x3FFF << 64) | 0xC000000000000000,
    "fctrl": 0x37F,
    "ftag": 0xFFFC,
    "mxcsr": 0x1F80,
    # xmm0 as v4_int32 = {1, 2, 3, 4}
    "xmm0": 1 | (2 << 32) | (3 << 64) | (4 << 96),
    "gs_base": 0xFFFF888007A00000,
    "cr0": 0x80050033,
    "cr3": 0x1234000,
    "cr4": 0x3706F0,
    "efer": 0xD01,
    "dr7": 0x400,
}


def layout(xml_text):
    regs, num = [], -1
    for reg in ET.fromstring(xml_text).iter("reg"):
        num = int(reg.get("regnum", num + 1))	# implied: previous + 1
        regs.append((num, reg.get("name"), int(reg.get("bitsize")) // 8))
    regs.sort()
    return regs


def reg_hex(name, size):
    v = VALUES.get(name, 0)
    return v.to_bytes(size, "little").hex()


def escape(data):
    out = bytearray()
    for b in data:
        if b in b"#$}*":
            out += bytes([0x7D, b ^ 0x20])
        else:
            out.append(b)
    return bytes(out)


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.ack = True

    def read_packet(self):
        while True:
            start = self.buf.find(b"$")
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    data = self.buf[start + 1:end]
                    self.buf = self.buf[end + 3:]
                    if self.ack:
                        self.sock.sendall(b"+")
                    return data
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buf += chunk

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        csum = sum(data) & 0xFF
        self.sock.sendall(b"$" + data + b"#%02x" % csum)


def serve(conn, xml):
    regs = layout(xml.decode())
    g = "".join(reg_hex(name, size) for _, name, size in regs)
    by_num = {num: (name, size) for num, name, size in regs}
    while True:
        pkt = conn.read_packet()
        if pkt is None:
            return
        p = pkt.decode("latin-1")
        if p.startswith("qSupported"):
            conn.send("PacketSize=4000;qXfer:features:read+;"
                      "QStartNoAckMode+")
        elif p == "QStartNoAckMode":
            conn.send("OK")
            conn.ack = False
        elif p.startswith("qXfer:features:read:target.xml:"):
            off, length = (int(x, 16) for x in p.split(":")[4].split(","))
            part = xml[off:off + length]
            more = off + length < len(xml)
            conn.send((b"m" if more else b"l") + escape(part))
        elif p.startswith("qXfer:"):
            conn.send("E00")
        elif p == "?":
            conn.send("T05thread:1;")
        elif p == "g":
            conn.send(g)
        elif p.startswith("p"):
            num = int(p[1:].split(";")[0], 16)
            if num in by_num:
                conn.send(reg_hex(*by_num[num]))
            else:
                conn.send("E45")
        elif p.startswith("P") or p.startswith("G"):
            conn.send("E01")  # this target is read-only
        elif p.startswith("m"):
            addr, length = (int(x, 16) for x in p[1:].split(","))
            conn.send("00" * min(length, 256) if addr else "E0e")
        elif p in ("qC",):
            conn.send("QC1")
        elif p == "qfThreadInfo":
            conn.send("m1")
        elif p == "qsThreadInfo":
            conn.send("l")
        elif p.startswith("qAttached"):
            conn.send("1")
        elif p.startswith("H"):
            conn.send("OK")
        elif p.startswith("qHostInfo"):
            conn.send("triple:7838365f36342d756e6b6e6f776e2d6e6f6e65;"
                      "ptrsize:8;endian:little;")
        elif p.startswith("qProcessInfo"):
            conn.send("pid:1;triple:7838365f36342d756e6b6e6f776e2d6e6f6e65;"
                      "ptrsize:8;endian:little;")
        elif p.startswith("qThreadStopInfo"):
            conn.send("T05thread:1;")
        elif p in ("D", "k") or p.startswith("D;"):
            conn.send("OK")
            return
        else:
            conn.send("")


def main():
    xml = open(sys.argv[1], "rb").read()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(60)
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    try:
        sock, _ = srv.accept()
    except socket.timeout:
        sys.exit("fake_remote: no debugger connected")
    sock.settimeout(60)
    try:
        serve(Conn(sock), xml)
    except (socket.timeout, ConnectionError):
        pass
    sock.close()


if __name__ == "__main__":
    main()
