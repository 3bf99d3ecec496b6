"""The remote serial protocol's bytes on the wire, for every Python client
and script of kstub: one definition, so they cannot drift apart.

A packet is $BODY#CS, CS the sum of BODY's bytes mod 256 as two hex
digits. Binary data escapes '#', '$', '}' and '*' as 0x7d ('}') and the
byte ^ 0x20. A reply may be run-length encoded: '*' and a count byte N
(printable) repeat the previous byte N - 29 more times. Escapes are
undone before runs, so a '}' never counts a run (the stub never sends
one) and a run repeats the byte an escape stood for.

Bodies are bytes; the helpers that take or give text use latin-1, which
maps bytes 0-255 to characters one to one."""
import struct

ESCAPED = b"#$}*"
ESCAPE = 0x7D
RUN = 0x2A
RUN_BIAS = 29


class WireError(ValueError):
    """A frame that breaks the protocol's rules (the caller naks it)."""


def checksum(body):
    return sum(body) & 0xFF


def checksum_ok(body, digits):
    """digits (two bytes, either case) are body's checksum; a garbled
    digit is a bad checksum, not an error."""
    return len(digits) == 2 and all(d in b"0123456789abcdefABCDEF" for d in digits) and \
        int(digits, 16) == checksum(body)


def escape(data):
    out = bytearray()
    for b in data:
        if b in ESCAPED:
            out += bytes((ESCAPE, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def packet(data):
    """data, already as the wire carries it (escaped), framed."""
    return b"$" + data + b"#%02x" % checksum(data)


def frame(body):
    """body (bytes, or text as latin-1) as a packet, escapes applied."""
    if isinstance(body, str):
        body = body.encode("latin-1")
    return packet(escape(body))


def decode(raw):
    """A received body (between '$' and '#') with escapes and runs undone.
    Raises WireError for an escape or a run cut short, a run with
    nothing before it, or a count byte outside the printable range."""
    out = bytearray()
    i = 0
    while i < len(raw):
        b = raw[i]
        if b == ESCAPE:
            if i + 1 >= len(raw):
                raise WireError(f"escape at the end of {bytes(raw)!r}")
            out.append(raw[i + 1] ^ 0x20)
            i += 2
        elif b == RUN:
            if not out or i + 1 >= len(raw) or not 32 <= raw[i + 1] <= 126:
                raise WireError(f"bad run at {i} in {bytes(raw)!r}")
            out += out[-1:] * (raw[i + 1] - RUN_BIAS)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def parse(packet):
    """A whole "$BODY#CS" as received: the decoded body. Raises WireError
    when the framing or the checksum is wrong."""
    if len(packet) < 4 or packet[:1] != b"$" or packet[-3:-2] != b"#":
        raise WireError(f"not a packet: {bytes(packet)!r}")
    body, digits = packet[1:-3], packet[-2:]
    if not checksum_ok(body, digits):
        raise WireError(f"bad checksum in {bytes(packet)!r}")
    return decode(body)


def is_hex(s, unavailable=False):
    """s is whole bytes of lower-case hex digits, as the stub sends them;
    with unavailable, 'x' digits too (a register it cannot read)."""
    digits = "0123456789abcdef" + ("x" if unavailable else "")
    return bool(s) and len(s) % 2 == 0 and all(ch in digits for ch in s)


def to_hex(data):
    """bytes, or text as UTF-8 (what qRcmd carries), as hex digits."""
    if isinstance(data, str):
        data = data.encode()
    return data.hex()


def le_value(s):
    """A register's value from the target's little-endian hex bytes."""
    return int.from_bytes(bytes.fromhex(s), "little")


def pcap_records(path):
    """A libpcap capture file (kstub-udp --pcap writes them) -> (link
    type, [each record's bytes])."""
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xA1B2C3D4:
        raise WireError(f"not a pcap file: magic {magic:#x}")
    recs, off = [], 24
    while off < len(data):
        _, _, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        recs.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return linktype, recs
