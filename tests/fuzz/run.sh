#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Run the libFuzzer harnesses and say what each did (make fuzz, make
# fuzz-smoke). Every run logs to BUILD/logs/, keeps the fuzzer's own exit
# status, and leaves any crashing input in BUILD/crashes/<name>/.
#   run.sh fuzz  BUILD SECONDS NAME...   campaign from the saved corpus
#   run.sh smoke BUILD SECONDS NAME...   saved inputs once each, then a
#                                        short run from a copy of them
# A hang (one input for -timeout seconds) counts as a crash: the stub
# must never spin without bound.
set -u
mode=$1 build=$2 secs=$3
shift 3
corpus=tests/fuzz/corpus
opts="-timeout=10 -print_final_stats=1"
failed=""

# "execs N (N/s), cov N, ft N, corpus N" from a finished run's log.
summary() {
	awk '
	/^#[0-9]+\t/ { line = $0 }
	/^stat::number_of_executed_units:/ { execs = $2 }
	/^stat::average_exec_per_sec:/ { rate = $2 }
	END {
		n = split(line, f, /[ \t]+/)
		for (i = 1; i < n; i++) {
			if (f[i] == "cov:") cov = f[i + 1]
			if (f[i] == "ft:") ft = f[i + 1]
			if (f[i] == "corp:") { corp = f[i + 1]; sub(/\/.*/, "", corp) }
		}
		printf "execs %s (%s/s), cov %s, ft %s, corpus %s", execs, rate, cov, ft, corp
	}' "$1"
}

# What a failed run found: the sanitizer's verdict, the input, the stack.
report() {
	log=$1
	echo "  $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|deadly signal|ALARM|timeout after' "$log")"
	grep -m1 '^Running: ' "$log" | sed 's/^/  regression input: /; s/Running: //'
	grep -m1 'Test unit written to' "$log" | sed 's/^.*written to /  crash input kept: /'
	grep -E '^ +#[0-9]+ ' "$log" |
		grep -vE 'fuzzer::|__sanitizer_|libc\.so|nptl/|sysdeps/|stdlib/abort' |
		head -10 | sed 's/^ */    /; s/ (BuildId: [0-9a-f]*)//'
	echo "  full log: $log"
}

fail() {
	echo "fuzz-$1: FAILED ($2)"
	report "$3"
	failed="$failed $1"
}

mkdir -p "$build/logs"
for h in "$@"; do
	bin=$build/fuzz-$h
	crashes=$build/crashes/$h/
	mkdir -p "$crashes" "$corpus/$h"
	case $mode in
	fuzz)
		mkdir -p "$build/corpus/$h"
		log=$build/logs/$h-fuzz.log
		echo "== fuzz-$h for $secs s"
		"$bin" $opts -max_total_time="$secs" -artifact_prefix="$crashes" \
			"$build/corpus/$h" "$corpus/$h" >"$log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "$h" "exit $rc" "$log"
			continue
		fi
		echo "fuzz-$h: $(summary "$log"), no crash"
		;;
	smoke)
		log=$build/logs/$h-regress.log
		set -- "$corpus/$h"/*
		if [ -e "$1" ]; then
			"$bin" -timeout=10 -artifact_prefix="$crashes" "$@" \
				>"$log" 2>&1
			rc=$?
			if [ $rc -ne 0 ]; then
				fail "$h" "a saved input, exit $rc" "$log"
				continue
			fi
		fi
		saved=$#
		[ -e "$1" ] || saved=0
		rm -rf "$build/smoke/$h"
		mkdir -p "$build/smoke"
		cp -r "$corpus/$h" "$build/smoke/$h"
		log=$build/logs/$h-smoke.log
		"$bin" $opts -max_total_time="$secs" -artifact_prefix="$crashes" \
			"$build/smoke/$h" >"$log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "$h" "smoke run, exit $rc" "$log"
			continue
		fi
		echo "fuzz-$h: $saved saved inputs ok; $secs s: $(summary "$log")"
		;;
	*)
		echo "run.sh: unknown mode $mode" >&2
		exit 2
		;;
	esac
done
if [ -n "$failed" ]; then
	echo "fuzz: crashes in:$failed (inputs under $build/crashes/)"
	exit 1
fi
