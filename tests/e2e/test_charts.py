"""bench/charts.py: the PNG files make bench writes next to results.json,
drawn from a results file of the shape bench.py writes."""
import json
import os
import sys
import tempfile
import importlib.util
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "bench"))
# scripts/deps.sh installs Debian's python3-matplotlib, which CI's python3
# sees; a python3 of its own (pyenv) may not.
HAVE_MPL = importlib.util.find_spec("matplotlib") is not None
if HAVE_MPL:
    import charts  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def wire(n):
    return {"to_target": {"bytes": n, "packets": 2.0}, "to_gdb": {"bytes": 3 * n, "packets": 2.0}}


def target(scale):
    timing = {"attach_s": 0.1 * scale, "info_registers_s": 0.01, "read_64k_Bps": 5e4 / scale,
              "read_64k_zero_Bps": 9e4, "stepi_per_s": 100 / scale, "stepi_cmd_per_s": 10}
    counts = {"stepi_wire": wire(40), "read_64k_wire_per_kib": wire(700)}
    return {"direct": timing, "counted": counts, "paced": dict(timing, **counts)}


def scale_row(kthreads, cpus):
    return {"stepi_s": 0.05 + kthreads * 1e-6, "stepi_bytes": 400 + kthreads // 100,
            "roundup_us": 100 * cpus, "roundup_missing": 0}


@unittest.skipUnless(HAVE_MPL, "no matplotlib for this python3 (scripts/deps.sh installs "
                     "python3-matplotlib for Debian's)")
class Charts(unittest.TestCase):
    def draw(self, data):
        d = tempfile.mkdtemp(prefix="kstub-charts-")
        path = os.path.join(d, "results.json")
        with open(path, "w") as f:
            json.dump(data, f)
        written = charts.draw(path)
        for p in written:
            self.assertEqual(os.path.dirname(p), d, "charts go next to results.json")
            with open(p, "rb") as f:
                self.assertEqual(f.read(8), PNG, p)
        return sorted(os.path.basename(p) for p in written)

    def test_every_figure_and_both_scale_charts(self):
        scale = {}
        for k, c in ((10, 2), (1000, 2), (10000, 2), (10, 16), (10, 64)):
            scale[f"kthreads={k} cpus={c}"] = scale_row(k, c)
            scale[f"kthreads={k} cpus={c} @115200"] = scale_row(k, c)
        scale["kthreads=10000 cpus=2 @115200"] = {"failed": "timeout"}
        got = self.draw({"results": {"kstub-baremetal": target(1), "linux-kgdb": target(2),
                                     "agent": {"rows": []}}, "scale": scale})
        figures = [h for h in charts.HEAD if h != "pkt/step"]
        self.assertEqual(got, sorted([f"peers-{charts.slug(h)}.png" for h in figures]
                                     + ["scale-roundup.png", "scale-threads.png"]))
        self.assertIn("peers-attach-ms.png", got)

    def test_partial_results_draw_what_is_there(self):
        self.assertEqual(self.draw({"results": {"kstub-baremetal": {"direct": {}}},
                                    "scale": {}}), [])
        got = self.draw({"results": {}, "scale": {"kthreads=10 cpus=2": scale_row(10, 2),
                                                  "kthreads=10 cpus=16": scale_row(10, 16)}})
        self.assertEqual(got, ["scale-roundup.png", "scale-threads.png"])


if __name__ == "__main__":
    unittest.main()
