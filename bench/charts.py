#!/usr/bin/env python3
"""make bench's figures as pictures: PNG files next to results.json.

  peers-<figure>.png   one per column of the peer table (attach ms, stepi/s,
                       ...): kstub's bare-metal kernel beside each peer,
                       unpaced and through the 115200 relay
  scale-threads.png    what one printed `stepi` costs (bytes, ms) against
                       the number of kernel threads (hostsim, 2 CPUs)
  scale-roundup.png    first trap to every CPU parked, against CPU count

usage: bench/charts.py [results.json]   (bench.py calls it after a run)
Needs python3-matplotlib (scripts/deps.sh); draws only what the file
holds, so a run with some targets or rows left out still gets charts."""
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")	# files only, no display
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import HEAD, KSTUB, PEERS, RATES, row_cells  # noqa: E402

MODES = (("unpaced", "direct", "counted"), ("@115200", "paced", "paced"))


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def save(fig, outdir, name):
    fig.tight_layout()
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def peer_charts(results, outdir):
    """One chart per figure: a bar per target in each line mode."""
    names = [n for n in (KSTUB, *PEERS, "kstub-hostsim")
             if isinstance(results.get(n), dict) and "paced" in results[n]]
    if not names:
        return []
    written = []
    for i, head in enumerate(HEAD):
        values = {n: [row_cells(results[n], tm, cn)[i] for _, tm, cn in MODES]
                  for n in names}
        if any(isinstance(v, str) for vs in values.values() for v in vs):
            continue	# "packets to/from" pairs: in the text table only
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        width = 0.8 / len(names)
        for k, n in enumerate(names):
            xs = [m + (k - (len(names) - 1) / 2) * width for m in range(len(MODES))]
            bars = ax.bar(xs, values[n], width, label=n)
            ax.bar_label(bars, fmt="%.0f", fontsize=7)
        ax.set_xticks(range(len(MODES)), [m for m, _, _ in MODES])
        better = "higher" if head in RATES else "lower"
        ax.set_title(f"{head} ({better} is better)")
        ax.legend(fontsize=8)
        written.append(save(fig, outdir, f"peers-{slug(head)}.png"))
    return written


def scale_rows(scale, vary):
    """{(paced, x): row} for the rows that vary kthreads (at 2 CPUs) or
    cpus (at 10 threads), failed rows left out."""
    rows = {}
    for key, r in scale.items():
        m = re.match(r"kthreads=(\d+) cpus=(\d+)( @115200)?$", key)
        if not m or "failed" in r:
            continue
        kthreads, cpus, paced = int(m.group(1)), int(m.group(2)), bool(m.group(3))
        if vary == "kthreads" and cpus == 2:
            rows[(paced, kthreads)] = r
        elif vary == "cpus" and kthreads == 10:
            rows[(paced, cpus)] = r
    return rows


def threads_chart(scale, outdir):
    rows = scale_rows(scale, "kthreads")
    if not rows:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, field, label in ((axes[0], "stepi_bytes", "bytes on the wire"),
                             (axes[1], "stepi_s", "ms")):
        for paced, name in ((False, "unpaced"), (True, "@115200")):
            pts = sorted((n, r[field]) for (p, n), r in rows.items() if p == paced
                         and field in r)
            if not pts:
                continue
            ys = [v * 1e3 if field == "stepi_s" else v for _, v in pts]
            ax.plot([n for n, _ in pts], ys, marker="o", label=name)
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("kernel threads")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle("one printed stepi against thread count (kstub-hostsim, 2 CPUs)")
    return [save(fig, outdir, "scale-threads.png")]


def roundup_chart(scale, outdir):
    pts = sorted((n, r["roundup_us"]) for (paced, n), r in scale_rows(scale, "cpus").items()
                 if not paced and "roundup_us" in r)
    if not pts:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot([n for n, _ in pts], [us / 1e3 for _, us in pts], marker="o")
    ax.set_xscale("log", base=2)
    ax.set_xticks([n for n, _ in pts], [str(n) for n, _ in pts])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("CPUs")
    ax.set_ylabel("ms")
    ax.set_title("roundup: first trap to every CPU parked (kstub-hostsim)")
    return [save(fig, outdir, "scale-roundup.png")]


def draw(json_path):
    with open(json_path) as f:
        data = json.load(f)
    outdir = os.path.dirname(os.path.abspath(json_path))
    scale = data.get("scale") or {}
    return (peer_charts(data.get("results") or {}, outdir) + threads_chart(scale, outdir)
            + roundup_chart(scale, outdir))


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/bench/results.json")
    for p in draw(path):
        print(f"chart: {p}")


if __name__ == "__main__":
    sys.exit(main())
