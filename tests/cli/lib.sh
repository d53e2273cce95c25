# Sourced by the CLI tests.  Each test runs in its own temporary directory,
# which is removed on exit, with the processes it started stopped by pid.
set -u
: "${FICUS:?run through tests/run.sh or set FICUS}"
: "${FICUS_SRC:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/ficus-test.XXXXXX")
cd "$T" || exit 1
export FICUS_ACTOR="Test Lead <lead@example.com>"
unset FICUS_PLAN FICUS_NOW
tests_run=0
tests_failed=0
cleanup_pids=()

cleanup() {
	for pid in "${cleanup_pids[@]}"; do
		kill "$pid" 2>/dev/null
		kill -CONT "$pid" 2>/dev/null
	done
	for pid in "${cleanup_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	cd / && rm -rf "$T"
}
trap cleanup EXIT

ficus() { "$FICUS" "$@"; }

fail() {
	echo "FAIL: $*" >&2
	tests_failed=$((tests_failed + 1))
}

# ok DESCRIPTION: counts a passed check (call after the check succeeded)
check() {
	tests_run=$((tests_run + 1))
	local desc=$1; shift
	if "$@"; then
		return 0
	fi
	fail "$desc"
	return 1
}

# expect_exit STATUS CMD...: run CMD, capture stdout/stderr in $out/$err
expect_exit() {
	local want=$1; shift
	tests_run=$((tests_run + 1))
	out=$("$@" 2>"$T/.err")
	local got=$?
	err=$(cat "$T/.err")
	if [ "$got" != "$want" ]; then
		fail "'$*' exited $got, expected $want; stderr: $err"
		return 1
	fi
	return 0
}

# expect_match PATTERN TEXT [DESC]: grep -E PATTERN in TEXT
expect_match() {
	tests_run=$((tests_run + 1))
	if ! printf '%s' "$2" | grep -Eq -- "$1"; then
		fail "${3:-output} does not match /$1/: $2"
		return 1
	fi
}

expect_no_match() {
	tests_run=$((tests_run + 1))
	if printf '%s' "$2" | grep -Eq -- "$1"; then
		fail "${3:-output} matches /$1/ but must not: $2"
		return 1
	fi
}

expect_eq() {
	tests_run=$((tests_run + 1))
	if [ "$1" != "$2" ]; then
		fail "${3:-value}: expected '$1', got '$2'"
		return 1
	fi
}

# snapshot PLAN: the database content and HEAD, to prove nothing changed
snapshot() {
	local plan=$1
	{
		git -C "$plan" rev-parse HEAD
		sqlite3 "$plan/.git/ficus/plan.db" .dump 2>/dev/null | grep -v '^INSERT INTO journal'
	} | sha1sum
}

new_plan() {
	local dir=${1:-plan}
	"$FICUS" init -q "$dir" >/dev/null || { fail "init $dir"; exit 1; }
	export FICUS_PLAN="$T/$dir"
}

# commit_count PLAN: commits on HEAD
commit_count() { git -C "$1" rev-list --count HEAD; }

done_testing() {
	echo "$((tests_run - tests_failed)) passed, $tests_failed failed"
	[ "$tests_failed" -eq 0 ]
	exit $?
}
