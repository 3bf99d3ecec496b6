#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Turn the captured gdb 13 expressions (tests/unit/agent/agent_gdb_cases.h,
written by capture_gdb_ax.py) into seeds for tests/fuzz/fuzz_agent.c.

A seed's first byte is the harness's mode: 0 raw condition bytecode,
1 raw command bytecode, 2 a Z packet tail.

usage: seeds_from_cases.py CASES_H CORPUS_DIR
"""
import os
import re
import sys

ROW = re.compile(r'^AGENT_GDB_CASE\((\w+), \d,\n(.*?)\)$', re.S | re.M)
EXPR = re.compile(r"X([0-9a-fA-F]+),")


def exprs(part):
    """The bytecode of each X len,hex item in one ;-separated part."""
    out, pos = [], 0
    while True:
        m = EXPR.match(part, pos)
        if not m:
            return out
        n = int(m.group(1), 16)
        start = m.end()
        out.append(bytes.fromhex(part[start:start + 2 * n]))
        pos = start + 2 * n


def rows(text):
    """(name, tail) per row: the tail is the string literals after the
    one that ends the gdb command with '",'."""
    for name, body in ROW.findall(text):
        lines = [l.strip() for l in body.splitlines()]
        k = next(i for i, l in enumerate(lines) if l.endswith('",'))
        yield name, "".join(l.strip('"') for l in lines[k + 1:])


def main():
    text = open(sys.argv[1]).read()
    corpus = sys.argv[2]
    os.makedirs(corpus, exist_ok=True)
    for name, tail in rows(text):
        if not tail:
            continue
        seeds = [b"\x02" + tail.encode()]
        for part in tail.split(";")[1:]:
            if part.startswith("cmds:"):
                seeds += [b"\x01" + e for e in exprs(part.split(",", 1)[1])]
            else:
                seeds += [b"\x00" + e for e in exprs(part)]
        for i, seed in enumerate(seeds):
            path = os.path.join(corpus, "gdb-%s-%d" % (name, i))
            with open(path, "wb") as f:
                f.write(seed)


if __name__ == "__main__":
    main()
