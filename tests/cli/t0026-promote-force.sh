#!/bin/bash
# --force passes a closed gate only with --reason; the commit says
# Ficus-Forced: yes, names the closed gates, keeps their evidence, and
# carries the reason.  --force does not stand in for --yes.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking

# dual_write_min closed: --force without a reason is a usage error
must promote tracking
before=$(snapshot plan)
expect_exit 2 ficus promote tracking --force
expect_match "reason" "$err"
expect_exit 2 ficus promote tracking --force -m ""
expect_unchanged plan "$before" "--force without a reason changes nothing"
# fixed: a reason of blanks is taken as a reason: 'ficus promote S --force -m "   "'
# exits 0 and the forced commit has no reason in its body.
expect_exit 2 ficus promote tracking --force -m "   "
expect_unchanged plan "$before" "--force with a blank reason changes nothing"

n=$(commit_count plan)
expect_exit 0 ficus promote tracking --force -m "history copy is already done by the nightly job"
expect_eq $((n + 1)) "$(commit_count plan)" "a forced step is one commit"
trl=$(trailers HEAD)
expect_match '^Ficus-Forced: yes \(closed: dual_write_min\)$' "$trl"
expect_match '^Ficus-Gates: dual_write_min closed \(0s of 14d, 14d left\)$' "$trl"
expect_match '^Ficus-From: dual-write$' "$trl"
expect_match '^Ficus-To: backfill$' "$trl"
expect_eq "history copy is already done by the nightly job" "$(git -C plan log -1 --format=%b | head -1)" "reason is the body"
expect_eq "backfill 0%" "$(svc_state tracking)" "forced into backfill"

# two closed gates (reconcile, needs): both named
must domain add auth
must service add auth --domain auth --route /api/auth
must service set tracking --needs auth
must check record tracking reconcile --fail --detail "rows 1/5"
expect_exit 0 ficus promote tracking --force --reason "go"
trl=$(trailers HEAD)
expect_match '^Ficus-Forced: yes \(closed: reconcile, needs\)$' "$trl"
expect_match "^Ficus-Gates: reconcile closed .*; needs closed \(.auth. is at planned\)$" "$trl"
expect_eq "read-cutover 1%" "$(svc_state tracking)" "forced into read-cutover"

# --to a percentage, forced past step_soak
expect_exit 0 ficus promote tracking --to 100% --force -m "incident: monolith is down"
trl=$(trailers HEAD)
expect_match '^Ficus-Forced: yes \(closed: step_soak, reconcile, skip\)$' "$trl"
expect_match '^Ficus-To: read-cutover 100%$' "$trl"
# every skipped step is recorded with the gates it would have met
expect_match '^Ficus-Skipped: read-cutover 10%: step_soak closed \(0s of 7d, 7d left\)' "$trl"
expect_match '^Ficus-Skipped: read-cutover 50%: step_soak closed' "$trl"
expect_match '^Ficus-Gates: .*skip closed \(skips read-cutover 10%, read-cutover 50%\)$' "$trl"

# --force does not confirm an irreversible step
before=$(snapshot plan)
expect_exit 2 ficus promote tracking --force -m "skip the soak" </dev/null
expect_match "--yes" "$err"
expect_unchanged plan "$before" "forced decommission without --yes changes nothing"
expect_exit 0 ficus promote tracking --force -m "skip the soak" --yes </dev/null
expect_match '^Ficus-Forced: yes \(closed: cutover_soak, reconcile\)$' "$(trailers HEAD)"
expect_eq "decommission 100%" "$(svc_state tracking)" "forced into decommission"

# the forced steps are in the log with their reasons
expect_exit 0 ficus log tracking
expect_eq 4 "$(grep -c 'Ficus-Forced: yes' <<<"$out")" "log shows the four forced steps"
expect_match "incident: monolith is down" "$out"
done_testing
