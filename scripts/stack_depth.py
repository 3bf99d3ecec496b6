#!/usr/bin/env python3
"""Worst-case stack depth of the stub's entry points, from gcc's
-fcallgraph-info=su output (.ci files). Calls through function pointers
are resolved by the rules below: the dispatcher may call any command
handler, the target.xml generator calls the qXfer emitter, and qRcmd
calls a port's monitor command (cfg.monitor[i].fn), which writes its
output with kstub_monitor_write(); every other indirect call is a port
or link hook, whose stack is the port's (so is the monitor command's own
frame: what is counted is the stub's stack below it).
Usage: stack_depth.py [--budget BYTES] DIR...
Exits 1 if a function uses dynamic stack or the deepest entry point
needs more than BYTES."""
import re
import sys
from pathlib import Path

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "[^"]*?(?:\\n(\d+) bytes \((\w+)\))?" ?')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
ENTRIES = ["kstub_trap", "kstub_cpu_park", "kstub_poll_break",
           "kstub_console_write", "kstub_init"]
INDIRECT = {
    "kstub_dispatch": lambda name: name.startswith("kstub_cmd_"),
    "kstub_arch_target_xml": lambda name: name.endswith("xfer.c:emit"),
    "kstub_cmd_rcmd": lambda name: name == "kstub_monitor_write",
}


def load(dirs):
    stack, calls, dynamic = {}, {}, set()
    for d in dirs:
        for ci in Path(d).rglob("*.ci"):
            for line in ci.read_text().splitlines():
                m = NODE.match(line)
                if m and m.group(2):
                    stack[m.group(1)] = max(stack.get(m.group(1), 0),
                                            int(m.group(2)))
                    if m.group(3) != "static":
                        dynamic.add(m.group(1))
                m = EDGE.match(line)
                if m:
                    calls.setdefault(m.group(1), set()).add(m.group(2))
    for fn, keep in INDIRECT.items():
        if "__indirect_call" in calls.get(fn, set()):
            calls[fn] |= {n for n in stack if keep(n)}
    return stack, calls, dynamic


def deepest(fn, stack, calls, memo, path):
    if fn in memo:
        return memo[fn]
    if fn in path:          # recursion would make the depth unbounded
        raise SystemExit(f"recursion through {fn}: {' -> '.join(path)}")
    path.append(fn)
    best, chain = 0, []
    for callee in calls.get(fn, ()):
        if callee == "__indirect_call" or callee not in stack:
            continue
        depth, sub = deepest(callee, stack, calls, memo, path)
        if depth > best:
            best, chain = depth, sub
    path.pop()
    memo[fn] = (stack.get(fn, 0) + best, [fn] + chain)
    return memo[fn]


def main():
    args, budget = sys.argv[1:], None
    if args[:1] == ["--budget"]:
        budget, args = int(args[1]), args[2:]
    stack, calls, dynamic = load(args)
    if dynamic:
        print("functions with dynamic stack use:", ", ".join(sorted(dynamic)))
    memo, worst = {}, (0, [])
    for entry in ENTRIES:
        if entry not in stack:
            continue
        depth, chain = deepest(entry, stack, calls, memo, [])
        print(f"  {entry:22} {depth:5} bytes  via {' > '.join(chain)}")
        worst = max(worst, (depth, chain))
    print(f"stack high-water mark: {worst[0]} bytes (deepest: {worst[1][0]})")
    if budget is not None and worst[0] > budget:
        print(f"FAIL: stack high-water mark {worst[0]} > budget {budget} bytes")
        return 1
    return 1 if dynamic else 0


if __name__ == "__main__":
    sys.exit(main())
