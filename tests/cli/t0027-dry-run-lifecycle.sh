#!/bin/bash
# --dry-run on the lifecycle verbs (promote with the gate open and closed,
# promote --ready, rollback, shadow, check record, service add/set/rm) prints
# the gates with their evidence, the commit message, the traffic it would
# move, and changes nothing.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 200
must domain add auth --rps 10
must service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s --gate reconcile_passes=0
must service add auth --domain auth --route /api/auth
promote_n tracking 3
must promote auth
expect_eq "read-cutover 1%" "$(svc_state tracking)" "setup"

# dry STATUS ARGS...: ficus ARGS --dry-run exits STATUS and changes nothing
dry() {
	local want=$1
	shift
	local before n
	before=$(snapshot plan)
	n=$(commit_count plan)
	expect_exit "$want" ficus "$@" --dry-run </dev/null
	expect_eq "$n" "$(commit_count plan)" "no commit from $* --dry-run"
	expect_unchanged plan "$before" "$* --dry-run changes nothing"
	check "work tree clean after $* --dry-run" test -z "$(git -C plan status --porcelain)"
}

# promote, gate closed: exit 3, the gates and the traffic
dry 3 promote tracking
expect_match "\[CLOSED\] step_soak: the step has soaked 0s of 7d, 7d left" "$out"
expect_match "\[open\] reconcile: no failure of 'reconcile' since the step began" "$out"
expect_match "traffic: \+18 req/s to the new service" "$out"

# promote, gate open: exit 0, the gates, the message, the traffic
now_at +7d
dry 0 promote tracking
expect_match "\[open\] step_soak: the step has soaked 7d >= 7d" "$out"
expect_match "traffic: \+18 req/s to the new service" "$out"
expect_match "would commit:" "$out"
expect_match "tracking: ramp 1% -> 10%" "$out"
expect_match "Ficus-From: read-cutover 1%" "$out"
expect_match "Ficus-To: read-cutover 10%" "$out"
expect_match "Ficus-Gates: step_soak open \(7d >= 7d\); reconcile open" "$out"
expect_match "Ficus-Forced: no" "$out"
expect_match "Ficus-Traffic: \+18 req/s to the new service" "$out"
expect_match "dry run: nothing changed" "$out$err"
# the same as JSON
dry 0 promote tracking --json
expect_json "$out" "promote --dry-run --json"
expect_match '"dry_run": true' "$out"
expect_match 'Ficus-Gates: step_soak open' "$out"
# a forced dry run says it would be forced
now_at +1d
dry 0 promote tracking --to 50% --force -m "why not"
expect_match "Ficus-Forced: yes \(closed: step_soak, skip\)" "$out"
expect_match "Ficus-Skipped: read-cutover 10%: step_soak closed" "$out"
expect_match "Ficus-Traffic: \+98 req/s to the new service" "$out"
# a forced phase step, gate closed
dry 0 promote auth --force -m "x"
expect_match "dual-write -> backfill" "$out"

# promote --ready
now_at +7d
dry 0 promote --ready
expect_match "tracking.*would-promote" "$out"

# rollback: never gated, traffic back
dry 0 rollback tracking
expect_match "tracking: rollback 1% -> 0%" "$out"
expect_match "Ficus-Gates: none \(rollback is never gated\)" "$out"
expect_match "Ficus-Traffic: -2 req/s back from the new service" "$out"

# shadow
dry 0 shadow auth on
expect_match "auth: shadow on" "$out"
expect_match "Ficus-To: shadow on" "$out"

# check record
dry 0 check record tracking reconcile --fail --detail "rows 3/5"
expect_match "tracking: check reconcile FAILED" "$out"
expect_match "Ficus-Check: reconcile fail: rows 3/5" "$out"
# ... and the failure it did not record does not close the gate
expect_exit 0 ficus promote tracking --dry-run
expect_match "\[open\] reconcile" "$out"

# service add, set, rm
dry 0 service add search --domain tracking --route /api/search
expect_match "search: add service \(/api/search\)" "$out"
expect_match "services/search.json" "$out"
expect_exit 1 ficus service show search
dry 0 service set auth --route /api/auth2
expect_match "auth: edit service" "$out"
dry 0 service rm tracking --force -m "gone"
expect_match "tracking: remove service" "$out"
expect_exit 0 ficus service show tracking
done_testing
