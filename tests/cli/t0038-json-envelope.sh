#!/bin/bash
# One JSON envelope on every verb, errors included (ficus-json(7)):
# {"ficus": 1, "ok": BOOL, <the verb's keys>, "error": MSG, "exit": N}.
# Each verb runs with --json, a success and a failure, and the whole of
# standard output is checked by tests/tools/json-envelope.py.
. "$(dirname "$0")/lib.sh"
checker="$FICUS_SRC/tests/tools/json-envelope.py"

# env STATUS "KEYS" ARGS...: 'ficus ARGS --json' exits STATUS and its
# stdout is one envelope with each of KEYS (space separated)
env() {
	local want=$1 keys=$2 why
	shift 2
	expect_exit "$want" ficus "$@" --json </dev/null || return 1
	tests_run=$((tests_run + 1))
	# shellcheck disable=SC2086
	if ! why=$(printf '%s' "$out" | python3 "$checker" "$want" $keys 2>&1); then
		fail "ficus $* --json: $why"
		return 1
	fi
}

now_at +0s
env 0 "plan commit" init -q plan
export FICUS_PLAN=$T/plan
env 1 "" init -q /proc/nope  # not a place for a plan
env 0 "commit" domain add tracking --rps 100
env 0 "commit noop" domain add auth
env 1 "" domain add tracking --owner other
env 0 "commit" domain set auth --owner team-a
env 0 "domains" domain list
env 0 "domain" domain show tracking
env 1 "" domain show trackin
env 2 "" domain frob
env 0 "commit" dep add tracking auth
env 0 "deps" dep list
env 1 "" dep add tracking nosuch
env 0 "commit" dep rm tracking auth
env 0 "map" map export
env 0 "map" map show
env 0 "noop" map import <(ficus map export)
env 1 "" map import /nonexistent
env 0 "ranks" order
env 2 "" order --strategy nosuch
env 0 "commit" service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s \
	--gate reconcile_passes=0 --gate step_soak=0s
env 0 "commit" service set tracking --description "the parcels"
env 0 "services" service list
env 0 "service" service show tracking
env 1 "" service show nosuch
env 0 "services" status
env 0 "services" status tracking
env 1 "" status nosuch
env 0 "commit" promote tracking
env 0 "commit" shadow tracking on
env 2 "" shadow tracking sideways
env 0 "commit" check record tracking reconcile --pass
env 1 "" check run tracking
env 0 "results" promote --ready
env 3 "step" promote tracking --to 100%
env 1 "" promote nosuch
env 0 "commit" rollback tracking
env 0 "noop" rollback tracking
env 1 "" rollback nosuch
env 0 "routes" tenant route acme
env 1 "" tenant route acme nosuch
env 0 "log" log
env 0 "log" log tracking -n 2
env 1 "" log trackin
env 2 "" log -n x
env 0 "routers" router list
env 0 "" router status
env 1 "" router rm nosuch
env 0 "" doctor
env 0 "" verify
env 0 "" rebuild
env 0 "" sync   # no remote: nothing to do
env 1 "" sync --plan "$T/nonexistent"
env 2 "" dash
env 0 "version" version
env 0 "verbs" help
env 2 "" promot
env 2 "" promote tracking --dryrun
# a dry run is a success with "dry_run"
env 0 "dry_run message paths" domain add billing --dry-run
done_testing
