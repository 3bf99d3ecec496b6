#!/bin/sh
# make bench: figures only, see bench/bench.py.
exec python3 "$(dirname "$0")/bench.py" "$@"
