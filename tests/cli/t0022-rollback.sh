#!/bin/bash
# rollback is never gated: from 50% to 0% at once, whatever the gates (right
# after a failing check, at any time); promote then resumes at the first ramp
# step; at 0% it moves one phase back; from decommission only with --force
# --reason; never from done; in planned it is a no-op.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 400
must service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s --gate reconcile_passes=0
promote_n tracking 3
now_at +7d; must promote tracking
now_at +14d; must promote tracking
expect_eq "read-cutover 50%" "$(svc_state tracking)" "setup at 50%"

# a failing check at 50%, then rollback a minute later: no gate asked
must check record tracking reconcile --fail --detail "rows 90/100"
now_at +14d1m
n=$(commit_count plan)
expect_exit 0 ficus rollback tracking </dev/null
expect_match "rollback 50% -> 0%" "$out"
expect_eq $((n + 1)) "$(commit_count plan)" "rollback is one commit"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: rollback$' "$trl"
expect_match '^Ficus-From: read-cutover 50%$' "$trl"
expect_match '^Ficus-To: read-cutover 0%$' "$trl"
expect_match '^Ficus-Gates: none \(rollback is never gated\)$' "$trl"
expect_match '^Ficus-Forced: no$' "$trl"
expect_match '^Ficus-Traffic: -200 req/s back from the new service$' "$trl"
expect_eq "read-cutover 0%" "$(svc_state tracking)" "paused at 0%"
expect_eq "$FICUS_NOW" "$(git -C plan log -1 --format=%at)" "rolled back at FICUS_NOW"

# promote afterwards: the first ramp step (not 50%, not 10%)
expect_step tracking resume "read-cutover 0%" "read-cutover 1%" 'reconcile open \(no failure since the pause began\)'

# at any time: even with a clock an hour behind the last step
now_at +13d23h
expect_exit 0 ficus rollback tracking
expect_eq "read-cutover 0%" "$(svc_state tracking)" "rollback with the clock behind"
now_at +14d2m

# the abort is idempotent: at 0% with shadow off nothing is on the new
# service; a second abort says so, exits 0 and changes nothing (it used to
# move "read-cutover 0% -> backfill")
before=$(snapshot plan)
expect_exit 0 ficus rollback tracking
expect_match "nothing is on the new service" "$err"
expect_eq "read-cutover 0%" "$(svc_state tracking)" "a second abort stays paused"
expect_unchanged plan "$before" "a second abort changes nothing"

# a phase back is explicit: --to PHASE, down to planned
expect_exit 0 ficus rollback tracking --to backfill
expect_match "^Ficus-To: backfill$" "$(trailers HEAD)"
expect_eq "backfill 0%" "$(svc_state tracking)" "0% -> backfill"
before=$(snapshot plan)
expect_exit 0 ficus rollback tracking
expect_eq "backfill 0%" "$(svc_state tracking)" "an abort in backfill stays in backfill"
expect_unchanged plan "$before" "an abort in backfill with nothing live changes nothing"
expect_exit 0 ficus rollback tracking --to dual-write
expect_eq "dual-write 0%" "$(svc_state tracking)" "backfill -> dual-write"
expect_match "^Ficus-From: backfill$" "$(trailers HEAD)"
expect_exit 0 ficus rollback tracking --to planned
expect_eq "planned 0%" "$(svc_state tracking)" "dual-write -> planned"

# in planned: nothing to roll back, exit 0, no commit
before=$(snapshot plan)
expect_exit 0 ficus rollback tracking
expect_match "nothing to roll back" "$err"
expect_unchanged plan "$before" "rollback in planned changes nothing"

# --to: straight to a percentage or a phase (soaks off from here on)
now_at +15d
must service set tracking --gate step_soak=0s --gate cutover_soak=0s
promote_n tracking 5
expect_eq "read-cutover 50%" "$(svc_state tracking)" "back at 50%"
expect_exit 0 ficus rollback tracking --to 10%
expect_eq "read-cutover 10%" "$(svc_state tracking)" "rollback --to 10%"
expect_exit 0 ficus rollback tracking --to backfill
expect_eq "backfill 0%" "$(svc_state tracking)" "rollback --to backfill"
before=$(snapshot plan)
expect_exit 2 ficus rollback tracking --to read-cutover
expect_match "not backwards" "$err"
expect_unchanged plan "$before" "rollback forwards changes nothing"

# decommission: a one-way door, only --force with --reason
promote_n tracking 5
expect_eq "decommission 100%" "$(svc_state tracking)" "setup in decommission"
before=$(snapshot plan)
expect_exit 1 ficus rollback tracking
expect_match "one-way door.*--force" "$err"
expect_unchanged plan "$before" "rollback from decommission without --force"
expect_exit 2 ficus rollback tracking --force
expect_match "reason" "$err"
expect_unchanged plan "$before" "rollback --force without --reason"
expect_exit 0 ficus rollback tracking --force -m "the legacy export still reads the old tables"
expect_eq "read-cutover 0%" "$(svc_state tracking)" "forced rollback from decommission: flag to 0%"
trl=$(trailers HEAD)
expect_match '^Ficus-From: decommission 100%$' "$trl"
expect_match '^Ficus-Forced: yes' "$trl"
expect_match "the legacy export still reads the old tables" "$(git -C plan log -1 --format=%b)" "reason in the body"

# done: never
promote_n tracking 6
expect_eq "done 100%" "$(svc_state tracking)" "setup done"
before=$(snapshot plan)
expect_exit 1 ficus rollback tracking
expect_match "done" "$err"
expect_exit 1 ficus rollback tracking --force -m "please"
expect_exit 1 ficus rollback tracking --to read-cutover --force -m "please"
expect_unchanged plan "$before" "rollback from done changes nothing"

# fixed: a failing check and the rollback it triggers in the same second (a
# script doing 'ficus check run S || ficus rollback S') leave the service
# stuck at 0%: the resume gate compares whole seconds (failed_at >= pause
# began), so 'ficus promote' is refused with "reconcile: check 'reconcile'
# failed at <t>, since the pause began" at that time and forever after
# (checked 30 days later); only --force or a rollback to backfill gets out.
must service add quick --domain tracking --route /api/quick --gate dual_write_min=0s \
	--gate reconcile_passes=0 --gate step_soak=0s
promote_n quick 5
expect_eq "read-cutover 50%" "$(svc_state quick)" "quick at 50%"
must check record quick reconcile --fail --detail "rows 1/2"
expect_exit 0 ficus rollback quick
expect_eq "read-cutover 0%" "$(svc_state quick)" "quick paused in the second of its failure"
now_at +60d
expect_step quick resume "read-cutover 0%" "read-cutover 1%" 'reconcile open'

# unknown service, bad name
expect_exit 1 ficus rollback nosuch
expect_exit 2 ficus rollback 'Bad/Name'
done_testing
