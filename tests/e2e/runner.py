"""The end-to-end runner, one for every machine: run.py (hostsim) and
qemu/run_qemu.py (the bare-metal kernel in QEMU) each hand it a Suite.

    run.py | qemu/run_qemu.py [-k TEXT] [-j JOBS] [--repeat N] [--list] [NAME...]

NAME runs exactly those scenarios, -k those whose name contains TEXT
(both: those that pass both). Scenarios run in parallel, JOBS at a time,
the slowest first so the run ends sooner. --repeat N runs the chosen set
N times over (in one pool, as parallel as one run) and ends with each
scenario's pass count. A failure prints its traceback and the logs of
the machines it started. The last line is always "LABEL: N passed, N
failed" (runs, not scenarios, with --repeat); the exit status is 1 if
any run failed, 2 if the command line chose nothing.

Adding scenarios. A scenario is a function fn(log) that starts its
machines, appends each to log (for the failure report: .stop(), .log()),
and raises AssertionError when the machine misbehaves. A module adds
scenarios by exposing a list SCENARIOS of them, the one line being

    SCENARIOS = scenario = Scenarios()      # then @scenario on each

and by its name, which the suite finds without a hand-kept list:
tests/e2e/sim_*.py for hostsim, tests/e2e/qemu/*_scenarios.py for QEMU.
It may also name its slow scenarios in SLOW_FIRST (a tuple of names), and
in HEAVY those that take most of the machine (thousands of threads): no
two HEAVY scenarios run at once, also not two runs of one with --repeat,
so their deadlines bound a hang, not the load the runner made itself.
Scenario names must be unique within a suite.
KSTUB_E2E_RECORD=DIR keeps the packets gdb and lldb sent (fuzz seeds)."""
import argparse
import collections
import concurrent.futures
import glob
import importlib
import os
import sys
import threading
import time
import traceback


class Usage(Exception):
    """The command line, or the scenarios it would choose from, are wrong."""


class Scenarios(list):
    """A module's scenarios; the list is also the decorator that adds one."""

    def __call__(self, fn):
        self.append(fn)
        return fn


class Suite:
    """One machine's scenarios and how to run them.

    label: names the run in its output ("e2e", "e2e-qemu").
    scenarios: the entry script's own; modules matching pattern (a glob
      relative to tests/e2e) add theirs.
    slow_first: names to start first, slowest first.
    jobs: scenarios run at a time by default.
    report: () -> a line for the summary, or None."""

    def __init__(self, label, scenarios, pattern, slow_first=(), jobs=4, report=None):
        self.label = label
        self.own = scenarios
        self.pattern = pattern
        self.slow_first = list(slow_first)
        self.heavy = set()
        self.heavy_lock = threading.Lock()
        self.jobs = jobs
        self.report = report or (lambda: None)

    def scenarios(self):
        """Every scenario, the discovered modules' included, once each."""
        here = os.path.dirname(os.path.abspath(__file__))
        modules = []
        for path in sorted(glob.glob(os.path.join(here, self.pattern))):
            folder, name = os.path.split(path)
            if folder not in sys.path:
                sys.path.insert(0, folder)
            modules.append(importlib.import_module(name[:-3]))
        # Only now: a module may also add to the entry script's list.
        found = list(self.own)
        for module in modules:
            found += getattr(module, "SCENARIOS", [])
            self.slow_first += [n for n in getattr(module, "SLOW_FIRST", ())
                                if n not in self.slow_first]
            self.heavy.update(getattr(module, "HEAVY", ()))
        unique = list({id(fn): fn for fn in found}.values())
        names = collections.Counter(fn.__name__ for fn in unique)
        twice = [n for n, count in names.items() if count > 1]
        if twice:
            raise Usage(f"{self.label}: scenarios defined twice: {', '.join(twice)}")
        return unique

    def order(self, fn):
        name = fn.__name__
        return self.slow_first.index(name) if name in self.slow_first else len(self.slow_first)


def run_one(suite, fn):
    """(name, seconds, None) if it passed; else its third item is (the
    exception's first line, the traceback and machine logs)."""
    if fn.__name__ in suite.heavy:
        with suite.heavy_lock:
            return run_one_now(fn)
    return run_one_now(fn)


def run_one_now(fn):
    machines = []
    t = time.monotonic()
    try:
        fn(machines)
        return fn.__name__, time.monotonic() - t, None
    except Exception as e:
        detail = traceback.format_exc()
        for m in machines:
            m.stop()	# idempotent; afterwards its log holds all it wrote
            detail += m.log()
        first = (str(e).splitlines() or [""])[0]
        return fn.__name__, time.monotonic() - t, (f"{type(e).__name__}: {first}"[:200], detail)


def choose(suite, args):
    everything = suite.scenarios()
    known = {fn.__name__ for fn in everything}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        raise Usage(f"{suite.label}: no scenario named {', '.join(unknown)}")
    todo = [fn for fn in everything if (not args.k or args.k in fn.__name__) and
            (not args.names or fn.__name__ in args.names)]
    if not todo:
        raise Usage(f"{suite.label}: no scenario matches -k {args.k}")
    return sorted(todo, key=suite.order)


def main(suite, argv=None):
    ap = argparse.ArgumentParser(description=f"{suite.label}: end-to-end scenarios")
    ap.add_argument("-k", help="run the scenarios whose name contains this")
    ap.add_argument("-j", type=int, default=suite.jobs, help="scenarios run at a time")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run the chosen scenarios N times and count passes per scenario")
    ap.add_argument("--list", action="store_true", help="print the chosen names, run nothing")
    ap.add_argument("names", nargs="*", help="run exactly these scenarios")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.j < 1:
        ap.error("--repeat and -j take a positive number")
    try:
        todo = choose(suite, args)
    except Usage as e:
        print(e, file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(fn.__name__ for fn in todo))
        return 0
    runs = [fn for _ in range(args.repeat) for fn in todo]
    passes = collections.Counter()
    failures = collections.defaultdict(list)	# name -> [first line of each failure]
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        pending = [pool.submit(run_one, suite, fn) for fn in runs]
        for done in concurrent.futures.as_completed(pending):
            name, secs, failure = done.result()
            print(f"{'FAIL' if failure else 'PASS'} {name} ({secs:.1f} s)", flush=True)
            if failure:
                print(failure[1], flush=True)
                failures[name].append(failure[0])
            else:
                passes[name] += 1
    if args.repeat > 1:
        for fn in todo:
            name = fn.__name__
            print(f"{name}: {passes[name]}/{args.repeat} passed")
            for err in failures[name]:
                print(f"    failed: {err}")
    extra = suite.report()
    print(f"{suite.label}: {time.monotonic() - t0:.1f} s" + (f", {extra}" if extra else ""))
    failed = sum(len(f) for f in failures.values())
    print(f"{suite.label}: {len(runs) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0

