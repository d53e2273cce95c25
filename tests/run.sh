#!/bin/bash
# Run the test suite: cmocka unit binaries, CLI shell tests, integration
# tests.  Usage: tests/run.sh [unit|cli|integration|tui ...]
# Environment: BUILD (default build), FICUS_VALGRIND=1 runs unit tests
# under valgrind, FICUS_TEST_FILTER=glob picks test files, FICUS_TEST_JOBS
# how many unit or CLI tests run at once (default 3).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
export FICUS="${FICUS_BIN:-$top/ficus}"
if [ "${FICUS_VALGRIND:-}" = 1 ]; then
	# every ficus process of the CLI tests under valgrind, through a wrapper
	vdir=$(mktemp -d)
	printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --suppressions="%s" "%s" "$@"\n' \
		"$top/tests/valgrind.supp" "$FICUS" >"$vdir/ficus"
	chmod +x "$vdir/ficus"
	export FICUS_REAL="$FICUS" FICUS="$vdir/ficus"
fi
export FICUS_SRC="$top"
export FICUS_BUILD="$top/$build"
export LC_ALL=C.UTF-8
unset FICUS_PLAN FICUS_NOW FICUS_ACTOR
export GIT_CONFIG_NOSYSTEM=1
export HOME=$(mktemp -d)   # no user git config leaks in
git config --global user.name "ficus tests"
git config --global user.email "tests@ficus.invalid"
git config --global init.defaultBranch main

suites=${*:-unit cli integration tui fuzz}
pass=0
fail=0
failed=()

# Jobs are queued, run FICUS_TEST_JOBS at a time (unit and cli tests;
# integration and tui tests, which start servers, one at a time), and
# reported in order.
jobs_dir=$(mktemp -d)
trap 'rm -rf "$HOME" "$jobs_dir"' EXIT
njobs=0
queue() {
	# queue PARALLEL NAME CMD...
	local par=$1 name=$2; shift 2
	njobs=$((njobs + 1))
	printf '%s\n' "$name" >"$jobs_dir/$njobs.name"
	printf '%s\n' "$par" >"$jobs_dir/$njobs.par"
	printf '%q ' "$@" >"$jobs_dir/$njobs.cmd"
}
run_job() {
	local i=$1 start=$SECONDS rc
	bash -c "$(cat "$jobs_dir/$i.cmd")" >"$jobs_dir/$i.log" 2>&1
	rc=$?
	echo $((SECONDS - start)) >"$jobs_dir/$i.secs"
	echo $rc >"$jobs_dir/$i.rc"
}
report() {
	local i=$1 name rc
	name=$(cat "$jobs_dir/$i.name")
	rc=$(cat "$jobs_dir/$i.rc")
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		printf 'ok   %-48s %3ss\n' "$name" "$(cat "$jobs_dir/$i.secs")"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL %-48s %3ss\n' "$name" "$(cat "$jobs_dir/$i.secs")"
		sed 's/^/     | /' "$jobs_dir/$i.log" | tail -60
		# a test killed by a signal prints nothing of its own (valgrind -q
		# neither): say how it ended
		if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
			echo "     = killed by SIG$(kill -l "$((rc - 128))") (exit status $rc)"
		else
			echo "     = exit status $rc"
		fi
	fi
}
run_all() {
	local max=${FICUS_TEST_JOBS:-3} i next=1 running=0
	local -a pids=()
	for ((i = 1; i <= njobs; i++)); do
		if [ "$(cat "$jobs_dir/$i.par")" = 1 ] && [ "$max" -gt 1 ]; then
			run_job "$i" &
			pids+=($!)
			while [ "$(jobs -rp | wc -l)" -ge "$max" ]; do
				wait -n 2>/dev/null || true
			done
		else
			wait
			run_job "$i"
		fi
		# report, in order, every job that has finished
		while [ $next -le $i ] && [ -f "$jobs_dir/$next.rc" ]; do
			report $next
			next=$((next + 1))
		done
	done
	wait
	while [ $next -le $njobs ]; do
		report $next
		next=$((next + 1))
	done
}

for suite in $suites; do
	case $suite in
	unit)
		for t in "$top/$build"/tests/test_*; do
			[ -x "$t" ] || continue
			case $(basename "$t") in ${FICUS_TEST_FILTER:-*}) ;; *) continue ;; esac
			if [ "${FICUS_VALGRIND:-}" = 1 ]; then
				queue 1 "unit/$(basename "$t")" valgrind -q --error-exitcode=99 --leak-check=full \
					--errors-for-leak-kinds=definite --suppressions="$top/tests/valgrind.supp" "$t"
			else
				queue 1 "unit/$(basename "$t")" "$t"
			fi
		done
		;;
	cli|integration|tui)
		for t in "$top/tests/$suite"/t*.sh; do
			[ -f "$t" ] || continue
			case $(basename "$t") in ${FICUS_TEST_FILTER:-*}) ;; *) continue ;; esac
			queue "$([ "$suite" = cli ] && echo 1 || echo 0)" "$suite/$(basename "$t")" bash "$t"
		done
		;;
	fuzz)
		# a short run of every libFuzzer target (make fuzz for long runs)
		if ls "$top"/build-fuzz/bin/fuzz_* >/dev/null 2>&1; then
			queue 0 "fuzz/all-targets-${FUZZ_SECONDS_CHECK:-10}s" "$top/tests/fuzz/run.sh" "${FUZZ_SECONDS_CHECK:-10}"
		else
			echo "fuzz targets not built (make fuzz-bins)"
			fail=$((fail + 1))
			failed+=("fuzz (not built)")
		fi
		;;
	*)
		echo "tests/run.sh: unknown suite '$suite'" >&2
		exit 2
		;;
	esac
done
run_all

echo
if [ $fail -gt 0 ]; then
	printf 'failed: %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
