#!/bin/bash
# ficus watch against a loopback Prometheus stand-in: --dry-run says what a
# round would record and roll back and changes nothing; a round records
# every due check in one commit and rolls back (actor 'ficus watch', the
# failed measurements as trailers) a service at its failure limit; a check
# not due is not measured again; no-data holds; --json gives JSON lines; a
# second watcher is refused while the lock is held; bad options are usage
# errors.
. "$(dirname "$0")/lib.sh"

start_prom 0.5

new_plan
now_at +0s
must domain add tracking --rps 100
fast_service tracking tracking
must check add tracking err --prometheus "$PROM" --query 'x{flag="{{flag}}"}' --max 0.01 --interval 1m --failure-limit 2
promote_n tracking 3
expect_eq "read-cutover 1%" "$(svc_state tracking)"

expect_exit 2 ficus watch --interval 0s
expect_exit 2 ficus watch --once --force
expect_exit 2 ficus watch extra

# round 1: one failure of two; a dry run changes nothing
now_at +1m
before=$(snapshot "$FICUS_PLAN")
expect_exit 0 ficus watch --once --dry-run
expect_match 'dry run' "$out"
expect_match 'check +tracking err fail: err=0.5 > 0.01; query: x\{flag="tracking"\}' "$out"
expect_no_match 'rollback' "$out" "one failure of two rolls nothing back"
expect_unchanged "$FICUS_PLAN" "$before" "--dry-run changes nothing"
n=$(commit_count "$FICUS_PLAN")
expect_exit 0 ficus watch --once
expect_eq $((n + 1)) "$(commit_count "$FICUS_PLAN")" "one commit for the round's results"
expect_eq "ficus watch" "$(git -C "$FICUS_PLAN" log -1 --format=%an)" "the watcher records"
expect_match 'err fail: err=0.5 > 0.01' "$(trailer Ficus-Check)"
# the check is not due again within its interval
now_at +1m30s
expect_exit 0 ficus watch --once
expect_match '0 measured' "$out" "a check is measured once per interval"
expect_eq $((n + 1)) "$(commit_count "$FICUS_PLAN")" "nothing measured, nothing committed"

# round 2: the failure limit; the dry run says it would roll back
now_at +2m
before=$(snapshot "$FICUS_PLAN")
expect_exit 0 ficus watch --once --dry-run
expect_match 'rollback tracking: automatic rollback to 0%' "$out" "the dry run names the rollback"
expect_unchanged "$FICUS_PLAN" "$before" "--dry-run rolls nothing back"
expect_exit 0 ficus --json watch --once
while IFS= read -r line; do
	expect_json "$line" "a JSON line"
done <<<"$out"
expect_match '"event":"rollback"' "$out"
expect_match '"level":"alert"' "$out"
expect_eq "read-cutover 0%" "$(svc_state tracking)" "rolled back to 0%"
body=$(git -C "$FICUS_PLAN" log -1 --format=%B)
expect_match '^tracking: rollback 1% -> 0%' "$body"
expect_match 'automatic rollback: analysis failed its failure limit' "$body"
expect_eq 2 "$(trailers HEAD | grep -c '^Ficus-Check: err fail at ')" "both failed measurements as trailers"
expect_eq "ficus watch" "$(git -C "$FICUS_PLAN" log -1 --format=%an)" "the watcher rolls back"
# paused at 0%: the watcher never resumes it, even with --promote
now_at +3m
expect_exit 0 ficus watch --once --promote
expect_match 'left +tracking: paused at 0% after a rollback' "$out"
expect_eq "read-cutover 0%" "$(svc_state tracking)"

# no-data holds: no rollback whatever the count
must domain add docs
fast_service docs docs
must check add docs nd --prometheus "$PROM" --query 'y' --max 0.01 --interval 1m --failure-limit 1
promote_n docs 3
echo empty >"$T/answer"
for s in 5m 6m 7m; do
	now_at +$s
	expect_exit 0 ficus watch --once
	expect_match 'hold +docs nd no-data: nd: no data \(the query matched no series\)' "$out"
done
expect_eq "read-cutover 1%" "$(svc_state docs)" "no-data never rolls back"

# status shows the watcher as stopped after --once
expect_exit 0 ficus --json status
expect_match '"watcher": \{"last_round":"[0-9T:Z-]+","pid":[0-9]+,"started":"[^"]+","state":"stopped"\}' "$out"

# one watcher per plan
hold_lock "$FICUS_PLAN/.git/ficus/watch.lock" 5
expect_exit 4 ficus watch --once
expect_match 'another watcher' "$err"
expect_exit 4 ficus --json watch --once
expect_match '"exit": 4' "$out"
release_lock
expect_exit 0 ficus verify
done_testing
