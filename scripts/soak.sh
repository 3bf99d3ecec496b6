#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The determinism proof of issue 13: every hostsim scenario HOSTSIM_RUNS
# times and every QEMU scenario QEMU_RUNS times, with BUSY busy loops
# beside them taking CPU away at random, as a loaded CI machine does.
# Prints each scenario's pass count; exits non-zero if any run failed.
# Not part of make check (it takes tens of minutes): run it by hand,
# after `make all baremetal`.
set -u
cd "$(dirname "$0")/.."
HOSTSIM_RUNS=${HOSTSIM_RUNS:-30}
QEMU_RUNS=${QEMU_RUNS:-10}
BUSY=${BUSY:-2}
pids=""
trap 'kill $pids 2>/dev/null' EXIT INT TERM
i=0
while [ "$i" -lt "$BUSY" ]; do
	yes >/dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
status=0
python3 tests/e2e/run.py --repeat "$HOSTSIM_RUNS" || status=1
python3 tests/e2e/qemu/run_qemu.py --repeat "$QEMU_RUNS" || status=1
exit $status
