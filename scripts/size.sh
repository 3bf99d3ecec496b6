#!/bin/sh
# make size: what the stub costs a kernel. Code and data of the core and
# of each transport, and the deepest stack any entry point can reach.
set -eu
fbuild=${1:-build/freestanding}
echo "== size (freestanding, -Os, no unwind tables) =="
size "$fbuild"/kstub.o "$fbuild"/kstub-*.o
echo "== stack (gcc -fstack-usage call graph, port hooks excluded) =="
python3 "$(dirname "$0")"/stack_depth.py "$fbuild"/stub
