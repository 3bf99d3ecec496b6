"""A small RSP client that behaves as a robust debugger would, to prove
the stub's side of recovery on a line far worse than stock gdb survives.

Stock gdb gives up after three bad copies of a reply, sends a packet four
times at most and throws on a garbled checksum digit (gdb/remote.c), so a
2 % line defeats it whatever the stub does. This client stays in ack mode
and uses only what the protocol offers (RSP manual, "Packet
Acknowledgment"), with generous bounds:
  - a bad frame (checksum, hex digit, run length, cut short) is nakked,
    never trusted and never fatal; a frame whose '$' the line ate
    ("T05...#xx" out of nowhere) is nakked too, so the stub resends it;
  - a packet is resent on a nak or when its ack does not come;
  - a reply that arrives instead of the ack is the ack, unless it is the
    previous reply again (our '+' for it turned into a '-' on the way);
  - every reply is checked against the shape its request allows, and a
    misfit (a stop reply to 'm', say) is a stale copy: acked, skipped.
Three things RSP does not do for us:
  - A packet sent twice may be carried out twice: after a resend, the
    client sends a barrier (qC, whose "QC" reply no other request can
    get) and drops whatever comes before its reply.
  - The checksum is an 8-bit sum, blind to a byte dropped and an equal
    byte doubled elsewhere (the text between them shifts, the sum stays),
    and to 1 in 256 of other double faults. At 5 % of bytes that happens
    several times a session, in both directions: every value is read
    until two replies agree, and a breakpoint is set until two OKs.
  - Resuming must not be repeated blindly: a 'c' whose ack was lost may
    already be running the kernel. Silence after 'c' is probed with a
    ^C, which a stopped stub ignores and a running one answers with a
    stop reply; only the first case resends 'c'.
And one thing the stub does not do: it gives a reply up after 64 naks
(its stop replies, which it does not shorten, rarely pass a 5 % line
whole), so a stop reply it gave up is asked for again with '?'.
Every wait has a deadline (socket timeouts); nothing sleeps."""
import re
import socket
import subprocess
import time

from harness import SIM
from wire import WireError, checksum_ok, decode, frame, is_hex, le_value

STOP = re.compile(r"T[0-9a-f]{2}(?:[0-9a-f]{2}:[0-9a-f]{16};)*thread:[0-9a-f]+;(?:core:[0-9a-f]+;)?"
                  r"(?:(?:sw|hw)break:;)?")


class RspError(Exception):
    pass


def is_stop(r):
    return STOP.fullmatch(r) is not None


def is_status(r):
    return r == "OK" or re.fullmatch(r"E[0-9a-f]{2}", r) is not None


class Stats:
    def __init__(self):
        self.sent = 0           # requests
        self.resent = 0         # copies sent again (nak, silence)
        self.naks_in = 0        # '-' from the stub
        self.naks_out = 0       # '-' to the stub
        self.bad_frames = 0     # checksum, digit, RLE, cut short
        self.orphans = 0        # frames whose '$' was lost
        self.stale = 0          # replies that answered something else
        self.disagreed = 0      # replies another contradicted: a garble the checksum missed
        self.barriers = 0       # qC sent after a resend
        self.silences = 0       # timeouts
        self.probes = 0         # ^C sent to learn whether 'c' ran
        self.lost_resumes = 0   # resumes found not to have run (pc unmoved)

    def saw_damage(self):
        """Evidence of bytes changed on the line, which a clean line never
        shows; resends and naks alone are not: a loaded machine that
        delays a reply past ack_timeout causes them on any line."""
        return self.naks_in + self.bad_frames + self.orphans + self.disagreed

    def __repr__(self):
        return " ".join(f"{k}={v}" for k, v in vars(self).items())


class RspClient:
    """One debugger session over TCP. Timeouts are seconds: ack_timeout
    for a '+' (resume_timeout after 'c'), mid_timeout for a gap inside a
    frame, reply_timeout for a reply after the ack. They are short because
    acting early costs only bytes: the stub ignores a nak when it is not
    waiting for an ack, and a request carried out twice is caught by the
    barrier."""

    def __init__(self, host, port, ack_timeout=0.15, resume_timeout=1.0, mid_timeout=0.05,
                 reply_timeout=0.08, max_sends=40, max_naks=100, deadline=120,
                 stall_timeout=3.0):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.deadline = time.monotonic() + deadline   # for the whole session
        self.ack_timeout = ack_timeout
        self.resume_timeout = resume_timeout
        self.mid_timeout = mid_timeout
        self.reply_timeout = reply_timeout
        self.stall_timeout = stall_timeout
        self.max_sends = max_sends
        self.max_naks = max_naks
        self.buf = bytearray()
        self.pushback = []
        self.last_reply = None
        self.stats = Stats()
        self.trace = []     # (seconds, "<" or ">", bytes), for a failure report
        self.t0 = time.monotonic()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- bytes -------------------------------------------------------

    def _log(self, way, data):
        t = time.monotonic() - self.t0
        if self.trace and self.trace[-1][1] == way and t - self.trace[-1][0] < 0.05:
            self.trace[-1] = (self.trace[-1][0], way, self.trace[-1][2] + data)
        else:
            self.trace.append((t, way, bytes(data)))

    def _write(self, data):
        self._log(">", data)
        self.sock.sendall(data)

    def _getc(self, timeout):
        """Next byte from the stub, or None after timeout seconds of silence."""
        if self.pushback:
            return self.pushback.pop()
        if time.monotonic() > self.deadline:
            raise RspError("session deadline passed")
        if not self.buf:
            self.sock.settimeout(max(timeout, 0.001))
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return None
            if not data:
                raise RspError("the stub closed the connection")
            self._log("<", data)
            self.buf += data
        b = self.buf[0]
        del self.buf[0]
        return b

    def trace_text(self, last=6000):
        text = "\n".join(f"{t:7.3f} {w} {d!r}" for t, w, d in self.trace)
        return text[-last:]

    # --- events ------------------------------------------------------

    def _frame_body(self):
        """After a '$': ('frame', payload) or ('bad', None)."""
        raw = bytearray()
        while True:
            c = self._getc(self.mid_timeout)
            if c is None:
                return "bad", None          # cut short: its '#' was lost
            if c == 0x24:                   # '$': a new copy starts
                self.stats.bad_frames += 1
                raw.clear()
                continue
            if c == 0x23:
                break
            raw.append(c)
        digits = bytearray()
        for _ in range(2):
            c = self._getc(self.mid_timeout)
            if c is None:
                return "bad", None
            if c == 0x24:
                self.pushback.append(c)     # resync on the next copy
                return "bad", None
            digits.append(c)
        if not checksum_ok(raw, digits):   # a garbled digit too: nak, not throw
            return "bad", None
        try:
            return "frame", decode(raw).decode("latin-1")
        except WireError:
            return "bad", None

    def _event(self, timeout):
        """The next thing the stub says: '+', '-', ('frame', p), ('bad',
        None) or None (silence). Noise between frames is skipped."""
        while True:
            c = self._getc(timeout)
            if c is None:
                self.stats.silences += 1
                return None
            if c == 0x2B:
                return "+"
            if c == 0x2D:
                self.stats.naks_in += 1
                return "-"
            if c == 0x24:
                ev = self._frame_body()
                if ev[0] == "bad":
                    self.stats.bad_frames += 1
                return ev
            if c == 0x23:
                # The tail of a frame whose '$' was lost: eat its
                # checksum (unless a new frame starts) and have it resent.
                for _ in range(2):
                    d = self._getc(self.mid_timeout)
                    if d == 0x24:
                        self.pushback.append(d)
                        break
                self.stats.orphans += 1
                return "bad", None
            # Anything else: a garbled ack or the body of an orphan frame.

    @staticmethod
    def _kind(ev):
        return ev if ev is None or isinstance(ev, str) else ev[0]

    def _nak(self):
        self.stats.naks_out += 1
        self._write(b"-")

    def _ack(self):
        self._write(b"+")

    def _await_ack(self, timeout):
        """After sending a packet: '+', '-', None, or an event showing that
        it arrived (a reply in place of the ack, or a bad copy of one). A
        frame equal to the last reply is that reply resent, because our
        '+' for it became a '-': acked and skipped, as gdb does with
        "Packet instead of Ack"."""
        while True:
            ev = self._event(timeout)
            if self._kind(ev) == "frame" and ev[1] == self.last_reply:
                self._ack()
                self.stats.stale += 1
                continue
            return ev

    def _await_reply(self, valid, first):
        """A valid reply, once the packet is known to have arrived; bad
        copies nakked. None means resend: after max_naks, or when the stub
        falls silent for longer than its own 1 s resend (it gave up)."""
        naks = silent = 0
        ev = first
        while naks <= self.max_naks and silent * self.reply_timeout < 1.2:
            if ev is None:
                ev = self._event(self.reply_timeout)
            kind = self._kind(ev)
            if kind == "frame":
                self._ack()
                if valid(ev[1]):
                    return ev[1]
                self.stats.stale += 1
            elif kind in ("bad", None):
                silent = silent + 1 if kind is None else 0
                naks += 1
                self._nak()
            # '+' and '-' here are stray: a doubled ack, a nak of noise.
            ev = None
        return None

    # --- requests ----------------------------------------------------

    def _exchange(self, payload, valid):
        """One request that is safe to repeat: (reply, copies sent)."""
        pkt = frame(payload)
        self.stats.sent += 1
        for sends in range(1, self.max_sends + 1):
            if sends > 1:
                self.stats.resent += 1
            self._write(pkt)
            ev = self._await_ack(self.ack_timeout)
            kind = self._kind(ev)
            if kind in ("-", None):
                continue
            reply = self._await_reply(valid, None if kind == "+" else ev)
            if reply is not None:
                self.last_reply = reply
                return reply, sends
        raise RspError(f"no valid reply to {payload!r} after {self.max_sends} sends")

    def barrier(self):
        """Drain the replies to extra copies of the last request: qC's
        "QC" reply fits no other request, and the stub answers in order."""
        self.stats.barriers += 1
        self._exchange("qC", lambda r: re.fullmatch(r"QC[0-9a-f]+", r) is not None)

    def request(self, payload, valid=lambda r: True, agree=False, seen=()):
        """Send a request and return its reply. agree: repeat it until two
        replies agree (counting those in seen), for values a corrupted
        frame could fake."""
        seen = list(seen)
        drained = False
        while len(seen) < 8:
            # Copies of the previous reply that the stub resent for our
            # naks can still be on the way, and fit the shape asked for
            # (p5 answered with p7's value, twice, so the two agreed): a
            # reply compared with another comes after a barrier.
            if seen and not drained:
                self.barrier()
            reply, sends = self._exchange(payload, valid)
            drained = sends > 1
            if drained:
                self.barrier()
            if not agree or reply in seen:
                return reply
            if seen:
                self.stats.disagreed += 1
            seen.append(reply)
        raise RspError(f"{payload!r}: no two replies agree: {seen}")

    PC = 16     # x86-64's rip in gdb's numbering

    def resume(self, payload, deadline=30):
        """Send a resume packet ('c') and return the stop reply, confirmed
        by '?' (two agreeing reports of where the kernel stopped).

        A '+' cannot be told from the ack of a copy of an earlier packet,
        and a stop reported by '?' may be the old one, so no path through
        the exchange proves by itself that the kernel ran. What does: a
        stop that is not our own ^C's (T02) at a pc other than the one
        before the resume (this client resumes only from where no
        breakpoint is inserted, and its kernels stop only at breakpoints,
        so the kernel cannot stop there again). Anything else sends the
        resume again."""
        pkt = frame(payload)
        end = time.monotonic() + deadline
        pc0 = self.read_register(self.PC)
        self.stats.sent += 1
        self._write(pkt)
        while time.monotonic() < end:
            ev = self._await_ack(self.resume_timeout)
            kind = self._kind(ev)
            if kind == "-":
                self.stats.resent += 1
                self._write(pkt)
                continue
            stop = None
            if kind is not None:
                stop = self._await_stop(None if kind == "+" else ev, end, acked=kind == "+")
            if stop is None:
                # Silence: lost on the way (the stub ignores a packet
                # whose '$' is gone), or running with its ack lost? Or no
                # ack, bad copies of something, then a silent stub: the
                # copies were of the previous reply, resent for a nak.
                stop = self._probe(pkt, end)
                if stop is None:
                    continue
            self.last_reply = stop
            confirmed = self.request("?", valid=is_stop, agree=True, seen=[stop])
            if confirmed != stop:
                self.stats.disagreed += 1
            if confirmed.startswith("T02") or self.read_register(self.PC) == pc0:
                self.stats.lost_resumes += 1
                self.stats.resent += 1
                self._write(pkt)
                continue
            return confirmed
        raise RspError(f"no stop reply after {payload!r}")

    def _probe(self, pkt, end):
        """A ^C to learn whether the resume pkt arrived: a stopped stub
        ignores it (silence or a nak of noise: pkt is sent again, None
        returned); a running kernel stops and says so."""
        self.stats.probes += 1
        self._write(b"\x03")
        ev = self._await_ack(self.resume_timeout)
        kind = self._kind(ev)
        stop = None
        if kind not in ("-", None):
            stop = self._await_stop(None if kind == "+" else ev, end, acked=True)
        if stop is None:
            self.stats.resent += 1
            self._write(pkt)
        return stop

    def _await_stop(self, first, end, acked):
        """The stop reply, however long the kernel runs; bad copies nakked.
        The stub gives a reply up after 64 naks, and a stop reply is as long
        as its expedited registers make it: once bad copies showed that
        the kernel stopped and the stub fell silent, ask with '?'. Unless
        the resume was never acked: a stub that answers our naks with
        silence long before its 64th has no reply outstanding, so those
        copies were of the reply before, and the kernel may never have
        resumed; '?' would report the old stop as the new one. None: the
        caller must find out whether the resume arrived. So it must too
        when a '-' comes before any stop reply (the '+' taken as the ack
        was for a copy of an earlier packet, and the resume was garbled),
        or when nothing at all comes for stall_timeout (the '$' of the
        resume was lost and the stub never saw a packet): the kernels of
        these sessions stop within milliseconds of a resume, and a probe
        of one still running costs only a ^C and a resend."""
        ev = first
        seen = silent = 0
        while time.monotonic() < end:
            if ev is None:
                ev = self._event(self.reply_timeout)
            kind = self._kind(ev)
            if kind == "frame":
                self._ack()
                if is_stop(ev[1]):
                    return ev[1]
                self.stats.stale += 1
            elif kind == "bad":
                seen += 1
                silent = 0
                self._nak()
            elif kind == "-" and not seen:
                return None
            elif kind is None and seen:
                silent += 1
                if silent * self.reply_timeout >= 1.2:
                    return self.request("?", valid=is_stop) if acked else None
                self._nak()
            elif kind is None:
                silent += 1
                if silent * self.reply_timeout >= self.stall_timeout:
                    return None
            ev = None
        raise RspError("no stop reply before the deadline")

    # --- the commands a session needs ---------------------------------

    def read_memory(self, addr, length):
        """m in as many pieces as the stub sends (it shortens replies on a
        noisy line); each piece read until two replies agree."""
        out = bytearray()
        while len(out) < length:
            at, want = addr + len(out), length - len(out)
            r = self.request(f"m{at:x},{want:x}", agree=True, valid=lambda r, w=want:
                             re.fullmatch(r"E[0-9a-f]{2}", r) or (is_hex(r) and len(r) <= 2 * w))
            if r.startswith("E"):
                raise RspError(f"m{at:x},{want:x}: {r}")
            out += bytes.fromhex(r)
        return bytes(out)

    def read_registers(self, wanted):
        """Registers by number, 8 bytes each (x86-64: the GPRs and rip):
        what g carries, and p for those beyond a g the stub shortened."""
        g = self.request("g", valid=lambda r: is_hex(r, unavailable=True), agree=True)
        regs = {}
        for n in wanted:
            h = g[16 * n:16 * n + 16] if 16 * n + 16 <= len(g) else None
            if h is None:
                h = self.request(f"p{n:x}", agree=True,
                                 valid=lambda r: len(r) == 16 and is_hex(r, True))
            if "x" in h:
                raise RspError(f"register {n} unavailable: {h}")
            regs[n] = le_value(h)
        return regs

    def read_register(self, n):
        r = self.request(f"p{n:x}", valid=lambda r: len(r) == 16 and is_hex(r), agree=True)
        return le_value(r)

    def _status(self, payload):
        reply, sends = self._exchange(payload, is_status)
        if sends > 1:
            self.barrier()
        return reply

    def insert_breakpoint(self, addr):
        """Z0 until it has said OK twice. The stub may have carried out a
        copy the line garbled in a way the checksum missed (an error, or a
        breakpoint somewhere else), so one OK proves little."""
        oks = 0
        for _ in range(10):
            r = self._status(f"Z0,{addr:x},1")
            oks += r == "OK"
            if oks == 2:
                return
            if r != "OK":
                self.stats.disagreed += 1
        raise RspError(f"Z0,{addr:x}: no two OKs")

    def remove_breakpoint(self, addr):
        """z0 until OK, or ENOENT twice: then an earlier copy removed it."""
        gone = 0
        for _ in range(10):
            r = self._status(f"z0,{addr:x},1")
            if r == "OK":
                return
            gone = gone + 1 if r == "E02" else 0
            if gone == 2:
                return
            self.stats.disagreed += 1
        raise RspError(f"z0,{addr:x}: {r}")

    def detach(self):
        """D, and nothing after it: a barrier would stop the kernel again."""
        reply, _ = self._exchange("D", is_status)
        if reply != "OK":
            raise RspError(f"D: {reply}")


# --- the binary under test ------------------------------------------------

def symbols(names, binary=SIM):
    """{name: (link address, size)} from nm, for a debugger without gdb."""
    out = subprocess.run(["nm", "-S", binary], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[3] in names:
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
    return syms


def run_sim(*args):
    """kstub-sim run to its end (for options it must refuse)."""
    return subprocess.run([SIM, *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=30)
