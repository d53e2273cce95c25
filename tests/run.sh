#!/bin/bash
# Run the test suite: cmocka unit binaries, CLI shell tests, integration
# tests.  Usage: tests/run.sh [unit|cli|integration|tui ...]
# Environment: BUILD (default build), FICUS_VALGRIND=1 runs unit tests
# under valgrind, FICUS_TEST_FILTER=glob picks test files.
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
trap 'rm -rf "$HOME"' EXIT
git config --global user.name "ficus tests"
git config --global user.email "tests@ficus.invalid"
git config --global init.defaultBranch main

suites=${*:-unit cli integration tui fuzz}
pass=0
fail=0
failed=()

run_one() {
	local name=$1; shift
	local log
	log=$(mktemp)
	local start=$SECONDS
	if "$@" >"$log" 2>&1; then
		pass=$((pass + 1))
		printf 'ok   %-48s %3ss\n' "$name" $((SECONDS - start))
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL %-48s %3ss\n' "$name" $((SECONDS - start))
		sed 's/^/     | /' "$log" | tail -60
	fi
	rm -f "$log"
}

for suite in $suites; do
	case $suite in
	unit)
		for t in "$top/$build"/tests/test_*; do
			[ -x "$t" ] || continue
			case $(basename "$t") in ${FICUS_TEST_FILTER:-*}) ;; *) continue ;; esac
			if [ "${FICUS_VALGRIND:-}" = 1 ]; then
				run_one "unit/$(basename "$t")" valgrind -q --error-exitcode=99 --leak-check=full \
					--errors-for-leak-kinds=definite --suppressions="$top/tests/valgrind.supp" "$t"
			else
				run_one "unit/$(basename "$t")" "$t"
			fi
		done
		;;
	cli|integration|tui)
		for t in "$top/tests/$suite"/t*.sh; do
			[ -f "$t" ] || continue
			case $(basename "$t") in ${FICUS_TEST_FILTER:-*}) ;; *) continue ;; esac
			run_one "$suite/$(basename "$t")" bash "$t"
		done
		;;
	fuzz)
		# a short run of every libFuzzer target (make fuzz for long runs)
		if ls "$top"/build-fuzz/bin/fuzz_* >/dev/null 2>&1; then
			run_one "fuzz/all-targets-${FUZZ_SECONDS_CHECK:-10}s" "$top/tests/fuzz/run.sh" "${FUZZ_SECONDS_CHECK:-10}"
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

echo
if [ $fail -gt 0 ]; then
	printf 'failed: %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
