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

# killed POINT ARGS...: run ficus with FICUS_TEST_KILL=POINT, quietly (no
# "Killed" notice from bash); returns its exit status
killed() {
	local point=$1; shift
	{ FICUS_TEST_KILL=$point "$FICUS" "$@" >/dev/null 2>&1; } 2>/dev/null
}

# start_v1router PORTFILE [ARGS]: a loopback router speaking protocol v1
# (tests/cli/v1router.py), stopped on exit; sets port
start_v1router() {
	local i
	python3 "$FICUS_SRC/tests/cli/v1router.py" "$@" &
	cleanup_pids+=("$!")
	for i in $(seq 200); do
		[ -s "$1" ] && break
		sleep 0.05
	done
	port=$(cat "$1" 2>/dev/null)
	[ -n "$port" ] || { fail "the router did not start"; exit 1; }
}

# commit_count PLAN: commits on HEAD
commit_count() { git -C "$1" rev-list --count HEAD; }

# done_testing: the summary; fails the script when a check failed, and
# when it ran no check at all (a script that stopped early proves nothing)
done_testing() {
	echo "$((tests_run - tests_failed)) passed, $tests_failed failed"
	if [ "$tests_run" -eq 0 ]; then
		echo "FAIL: no check ran" >&2
		exit 1
	fi
	[ "$tests_failed" -eq 0 ]
	exit $?
}

# ---- helpers added for the map, order, log and crash tests (t0002-t0019) ----

# json_valid TEXT: TEXT is one JSON document.  Uses python3 if it runs, else
# jq, else a rough check (starts with { or [, ends with } or ]).
_json_tool=
_json_python=
json_valid() {
	if [ -z "$_json_tool" ]; then
		# the interpreter itself, not a wrapper script (pyenv shims are slow)
		_json_python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
		if [ -n "$_json_python" ] && [ -x "$_json_python" ]; then
			_json_tool=python3
		elif command -v jq >/dev/null 2>&1; then
			_json_tool=jq
		else
			_json_tool=grep
		fi
	fi
	case $_json_tool in
	python3) printf '%s' "$1" | "$_json_python" -c 'import json, sys; json.load(sys.stdin)' 2>/dev/null ;;
	jq) printf '%s' "$1" | jq . >/dev/null 2>&1 ;;
	*) printf '%s' "$1" | head -c 1 | grep -q '[[{]' && printf '%s' "$1" | tail -c 1 | grep -q '[]}]' ;;
	esac
}

# expect_json TEXT [DESC]: a check that TEXT parses as JSON
expect_json() {
	tests_run=$((tests_run + 1))
	if ! json_valid "$1"; then
		fail "${2:-output} is not valid JSON: $1"
		return 1
	fi
}

# expect_unchanged PLAN BEFORE [DESC]: snapshot PLAN equals BEFORE (a snapshot)
expect_unchanged() {
	expect_eq "$2" "$(snapshot "$1")" "${3:-database and HEAD unchanged}"
}

# trailers REV [PLAN]: the trailers of a commit, as git interpret-trailers --parse reads them
trailers() {
	git -C "${2:-$FICUS_PLAN}" log -1 --format=%B "$1" | git interpret-trailers --parse
}

# hold_lock FILE [SECONDS]: a background flock(1) holds FILE (default 3 s);
# returns once the lock is held.  Sets lock_pid; release_lock stops it.
lock_pid=
hold_lock() {
	local i
	flock "$1" sleep "${2:-3}" &
	lock_pid=$!
	cleanup_pids+=("$lock_pid")
	for i in $(seq 100); do
		flock -n "$1" true 2>/dev/null || return 0
		sleep 0.02
	done
	fail "flock did not take $1"
	return 1
}

# release_lock: stop the flock started by hold_lock and its child, by pid
release_lock() {
	[ -n "$lock_pid" ] || return 0
	local kids
	kids=$(ps -o pid= --ppid "$lock_pid" 2>/dev/null)
	# shellcheck disable=SC2086
	kill $kids "$lock_pid" 2>/dev/null
	wait "$lock_pid" 2>/dev/null
	local keep=() pid
	for pid in "${cleanup_pids[@]}"; do
		[ "$pid" = "$lock_pid" ] || keep+=("$pid")
	done
	cleanup_pids=("${keep[@]}")
	lock_pid=
}

# ---- helpers added for the lifecycle tests (t0020-t0039) ----

# Time is moved with FICUS_NOW, never by sleeping.  FICUS_T0 is the start of
# a test's story: 2025-01-01T00:00:00Z.
FICUS_T0=1735689600

# dur_secs DUR: seconds in DUR (14d, 13d23h, 25h, 30m, 90s, 1d2h3m4s)
dur_secs() {
	local d=$1 n=0 num u
	while [ -n "$d" ]; do
		num=${d%%[dhms]*}
		u=${d:${#num}:1}
		case $num in '' | *[!0-9]*) return 1 ;; esac
		case $u in
		d) n=$((n + num * 86400)) ;;
		h) n=$((n + num * 3600)) ;;
		m) n=$((n + num * 60)) ;;
		s) n=$((n + num)) ;;
		*) return 1 ;;
		esac
		d=${d:$((${#num} + 1))}
	done
	echo "$n"
}

# now_at +DUR | TIME: export FICUS_NOW as FICUS_T0 + DUR (Unix seconds), or TIME
# as given (RFC 3339 or Unix seconds)
now_at() {
	case $1 in
	+*) FICUS_NOW=$((FICUS_T0 + $(dur_secs "${1#+}"))) || { fail "now_at $1"; exit 1; } ;;
	*) FICUS_NOW=$1 ;;
	esac
	export FICUS_NOW
}

# must ARGS...: a setup step (ficus ARGS -q) that has to succeed
must() {
	"$FICUS" "$@" -q >/dev/null 2>"$T/.must" </dev/null || {
		fail "setup 'ficus $*' failed: $(cat "$T/.must")"
		return 1
	}
}

# trailer KEY [REV]: the value(s) of trailer KEY on REV (default HEAD)
trailer() { trailers "${2:-HEAD}" | sed -n "s/^$1: //p"; }

# line_val TEXT PREFIX: REPLY = the rest of the first line of TEXT that starts
# with PREFIX (no fork; returns 1 when there is none)
line_val() {
	local line
	REPLY=
	while IFS= read -r line; do
		case $line in "$2"*) REPLY=${line#"$2"}; return 0 ;; esac
	done <<<"$1"
	return 1
}

# svc_file NAME: services/NAME.json at HEAD of $FICUS_PLAN
svc_file() { git -C "$FICUS_PLAN" show "HEAD:services/$1.json"; }

# svc_key NAME KEY: a top-level scalar of services/NAME.json at HEAD, unquoted
svc_key() {
	line_val "$(svc_file "$1")" "  \"$2\": "
	REPLY=${REPLY%,}
	REPLY=${REPLY#\"}
	echo "${REPLY%\"}"
}

# svc_state NAME: "PHASE PCT" from the plan file, e.g. "read-cutover 50%"
svc_state() {
	local f ph
	f=$(svc_file "$1")
	line_val "$f" '  "phase": "'
	ph=${REPLY%\",}
	line_val "$f" '  "traffic": "'
	echo "$ph ${REPLY%\",}"
}

# expect_refused SERVICE PATTERN [ARGS...]: 'ficus promote SERVICE ARGS' exits 3
# with PATTERN on stderr, and changes nothing (no commit, same snapshot)
expect_refused() {
	local svc=$1 re=$2 before n
	shift 2
	before=$(snapshot "$FICUS_PLAN")
	n=$(commit_count "$FICUS_PLAN")
	expect_exit 3 ficus promote "$svc" "$@" </dev/null
	expect_match "$re" "$err" "refusal of promote $svc"
	expect_eq "$n" "$(commit_count "$FICUS_PLAN")" "no commit when promote $svc is refused"
	expect_unchanged "$FICUS_PLAN" "$before" "refused promote $svc changes nothing"
}

# expect_step SERVICE ACTION FROM TO GATES_PATTERN [ARGS...]: 'ficus promote
# SERVICE ARGS' succeeds with exactly one commit whose trailers name the
# service, ACTION, FROM, TO, gates matching GATES_PATTERN and Ficus-Forced: no
expect_step() {
	local svc=$1 action=$2 from=$3 to=$4 gates=$5 n trl st
	shift 5
	n=$(commit_count "$FICUS_PLAN")
	expect_exit 0 ficus promote "$svc" "$@" </dev/null || return 1
	expect_eq $((n + 1)) "$(commit_count "$FICUS_PLAN")" "one commit for $svc $from -> $to"
	trl=$(trailers HEAD)
	line_val "$trl" "Ficus-Service: "
	expect_eq "$svc" "$REPLY" "Ficus-Service of $from -> $to"
	line_val "$trl" "Ficus-Action: "
	expect_eq "$action" "$REPLY" "Ficus-Action of $from -> $to"
	line_val "$trl" "Ficus-From: "
	expect_eq "$from" "$REPLY" "Ficus-From of $from -> $to"
	line_val "$trl" "Ficus-To: "
	expect_eq "$to" "$REPLY" "Ficus-To of $from -> $to"
	line_val "$trl" "Ficus-Gates: "
	expect_match "$gates" "$REPLY" "Ficus-Gates of $from -> $to"
	line_val "$trl" "Ficus-Forced: "
	expect_eq "no" "$REPLY" "Ficus-Forced of $from -> $to"
	st=$(svc_state "$svc")
	case $st in planned\ * | dual-write\ * | backfill\ * | done\ *) st=${st%% *} ;; esac
	expect_eq "$to" "$st" "plan file state after $from -> $to"
}

# fast_service NAME DOMAIN [OPTS...]: add a service whose time and evidence
# gates are all zero, so setup can walk it with plain promotes
fast_service() {
	local name=$1 dom=$2
	shift 2
	must service add "$name" --domain "$dom" --route "/api/$name" --gate dual_write_min=0s \
		--gate reconcile_passes=0 --gate step_soak=0s --gate cutover_soak=0s "$@"
}

# promote_n SERVICE N: N plain promotions (setup), --yes for irreversible steps
promote_n() {
	local i
	for i in $(seq "$2"); do
		must promote "$1" --yes || return 1
	done
}

# start_prom [ANSWER]: a loopback Prometheus stand-in (tests/cli/fakeprom.py)
# answering instant queries from $T/answer (first ANSWER, default 0.003:
# a number, empty, nan or error); its base URL in PROM, the queries it was
# asked in $T/answer.log
start_prom() {
	local i
	echo "${1:-0.003}" >"$T/answer"
	python3 "$FICUS_SRC/tests/cli/fakeprom.py" "$T/prom.port" "$T/answer" &
	cleanup_pids+=("$!")
	for i in $(seq 200); do
		[ -s "$T/prom.port" ] && break
		sleep 0.05
	done
	[ -s "$T/prom.port" ] || { fail "the Prometheus stand-in did not start"; exit 1; }
	PROM="http://127.0.0.1:$(cat "$T/prom.port")"
}
