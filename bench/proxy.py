#!/usr/bin/env python3
"""A TCP relay between gdb and a target's serial socket that counts what
crosses it (bytes, packets, acks, each way) and can pace each direction
at a serial baud rate (10 bits a byte), as a real cable would.

Run alone:   proxy.py UPSTREAM_HOST:PORT [--baud N]
It prints "proxy: listen PORT control PORT" on stdout; a connection to the
control port receives the counters as one JSON line."""
import argparse
import asyncio
import json
import sys
import time


STEP_PACKETS = (b"$s", b"$S", b"$vCont;s", b"$vCont;S")


class Line:
    """One direction of the cable."""

    def __init__(self, baud):
        self.baud = baud
        self.free_at = 0.0
        self.bytes = 0
        self.packets = 0
        self.acks = 0
        self.steps = 0
        self.tail = b""

    def count(self, data):
        self.bytes += len(data)
        self.packets += data.count(b"$")
        self.acks += data.count(b"+") + data.count(b"-")
        # Step requests (s, S, vCont;s..., vCont;S...), which tell how many
        # steps really happened; the tail catches one split across reads.
        seen = self.tail + data
        self.steps += sum(seen.count(p) for p in STEP_PACKETS)
        self.tail = seen[-8:]
        self.steps -= sum(self.tail.count(p) for p in STEP_PACKETS)

    async def pace(self, n):
        if not self.baud:
            return
        now = time.monotonic()
        self.free_at = max(self.free_at, now) + n * 10.0 / self.baud
        # Pacing is the point here: the bytes are held for their wire time.
        await asyncio.sleep(self.free_at - now)


class Relay:
    def __init__(self, upstream, baud):
        self.upstream = upstream
        self.to_target = Line(baud)
        self.to_gdb = Line(baud)

    async def pump(self, reader, writer, line):
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                line.count(data)
                await line.pace(len(data))
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def client(self, reader, writer):
        host, port = self.upstream
        up_r, up_w = await asyncio.open_connection(host, port)
        await asyncio.gather(self.pump(reader, up_w, self.to_target),
                             self.pump(up_r, writer, self.to_gdb))

    async def control(self, reader, writer):
        stats = {name: vars(line) | {"baud": line.baud}
                 for name, line in (("to_target", self.to_target),
                                    ("to_gdb", self.to_gdb))}
        for s in stats.values():
            s.pop("free_at", None)
            tail = s.pop("tail")
            s["steps"] += sum(tail.count(p) for p in STEP_PACKETS)
        writer.write((json.dumps(stats) + "\n").encode())
        await writer.drain()
        writer.close()


async def serve(upstream, baud, ready=None):
    relay = Relay(upstream, baud)
    srv = await asyncio.start_server(relay.client, "127.0.0.1", 0)
    ctl = await asyncio.start_server(relay.control, "127.0.0.1", 0)
    ports = (srv.sockets[0].getsockname()[1], ctl.sockets[0].getsockname()[1])
    print(f"proxy: listen {ports[0]} control {ports[1]}", flush=True)
    async with srv, ctl:
        await asyncio.gather(srv.serve_forever(), ctl.serve_forever())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("upstream")
    ap.add_argument("--baud", type=int, default=0)
    args = ap.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    try:
        asyncio.run(serve((host, int(port)), args.baud))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
