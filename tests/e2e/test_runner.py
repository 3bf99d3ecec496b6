"""runner.py with scenarios that need no machine (make check-py): what it
counts, what it prints last (CI reads that line) and its exit status."""
import contextlib
import io
import itertools
import threading
import unittest

from runner import Scenarios, Suite, main


class Machine:
    """What a scenario logs: the runner stops it and prints its log."""

    def __init__(self):
        self.stopped = False

    def stop(self):
        self.stopped = True

    def log(self):
        return "--- machine log: the last words ---\n"


def run(suite, *argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = main(suite, list(argv))
    return status, out.getvalue()


def suite_of(*fns, slow_first=()):
    # No module matches the pattern: only these scenarios.
    return Suite("t", Scenarios(fns), "no_such_module_*.py", slow_first, jobs=2)


def passes(log):
    pass


class Runner(unittest.TestCase):
    def test_repeat_counts_each_scenario_and_reports_every_failure(self):
        calls = itertools.count()
        machines = []

        def flaky(log):
            m = Machine()
            machines.append(m)
            log.append(m)
            if next(calls) in (1, 3):
                raise AssertionError("lost a line\nmore detail")
        status, out = run(suite_of(passes, flaky), "-j", "1", "--repeat", "4")
        self.assertEqual(status, 1)
        self.assertIn("passes: 4/4 passed", out)
        self.assertIn("flaky: 2/4 passed", out)
        self.assertEqual(out.count("    failed: AssertionError: lost a line\n"), 2)
        self.assertEqual(out.count("--- machine log: the last words ---"), 2)
        self.assertTrue(all(m.stopped for m in machines[1::2]))
        self.assertEqual(out.splitlines()[-1], "t: 6 passed, 2 failed")

    def test_a_green_run_ends_with_the_counts_line_and_status_0(self):
        status, out = run(suite_of(passes))
        self.assertEqual(status, 0)
        self.assertEqual(out.splitlines()[-1], "t: 1 passed, 0 failed")

    def test_names_are_exact_and_k_is_a_substring(self):
        def passes_too(log):
            pass
        suite = suite_of(passes, passes_too)
        self.assertEqual(run(suite, "--list", "passes")[1].split(), ["passes"])
        self.assertEqual(run(suite, "--list", "-k", "too")[1].split(), ["passes_too"])

    def test_slow_first_start_first(self):
        def slow(log):
            pass
        out = run(suite_of(passes, slow, slow_first=("slow",)), "--list")[1]
        self.assertEqual(out.split(), ["slow", "passes"])

    def test_heavy_scenarios_never_overlap(self):
        # Two heavy runs that overlapped would meet at the barrier; apart,
        # each one's wait breaks it (the wait is bounded, not a sleep).
        met = []
        barrier = threading.Barrier(2, timeout=0.3)

        def heavy(log):
            try:
                barrier.wait()
                met.append(True)
            except threading.BrokenBarrierError:
                barrier.reset()
        suite = suite_of(heavy, passes)
        suite.heavy.add("heavy")
        status, out = run(suite, "-j", "4", "--repeat", "3")
        self.assertEqual(status, 0)
        self.assertEqual(met, [])
        self.assertIn("heavy: 3/3 passed", out)

    def test_choosing_nothing_is_an_error_not_a_green_run(self):
        for argv in (["no_such_scenario"], ["-k", "zzz"]):
            status, out = run(suite_of(passes), *argv)
            self.assertEqual(status, 2, argv)
            self.assertNotIn("passed", out)

    def test_two_scenarios_of_one_name_are_refused(self):
        def twin(log):
            pass
        other = twin

        def twin(log):  # noqa: F811  (the point of the test)
            pass
        self.assertEqual(run(suite_of(other, twin))[0], 2)


if __name__ == "__main__":
    unittest.main()
