#!/bin/bash
# Run every fuzz target for SECONDS (default 10) each, from its corpus.
# Usage: tests/fuzz/run.sh [SECONDS]   (make fuzz FUZZ_SECONDS=600 for long runs)
# Crashes are written to build-fuzz/crashes/; each becomes a regression
# input in tests/fuzz/corpus/<target>/ once fixed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-10}
bin="$top/build-fuzz/bin"
fail=0
pass=0
mkdir -p "$top/build-fuzz/crashes" "$top/build-fuzz/corpus"
for t in "$bin"/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t" | sed 's/^fuzz_//')
	work="$top/build-fuzz/corpus/$name"
	mkdir -p "$work"
	log="$top/build-fuzz/$name.log"
	# the committed corpus seeds the run and is replayed as regression inputs
	if "$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$top/build-fuzz/crashes/$name-" "$work" "$top/tests/fuzz/corpus/$name" >"$log" 2>&1; then
		execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		[ -n "$execs" ] || execs=$(grep -o '#[0-9]*' "$log" | tail -1 | tr -d '#')
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
		echo "fuzz $name: ${execs:-?} executions, coverage ${cov:-?} edges, no crash"
		pass=$((pass + 1))
	else
		echo "fuzz $name: CRASH (see $log)"
		tail -30 "$log"
		fail=$((fail + 1))
	fi
done
[ $((pass + fail)) -gt 0 ] || { echo "no fuzz targets built"; exit 1; }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
