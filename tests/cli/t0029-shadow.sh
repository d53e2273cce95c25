#!/bin/bash
# shadow on/off only in dual-write and backfill; it goes off when the service
# leaves those phases (the plan file shows "shadow": false).
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s --gate reconcile_passes=0
expect_eq false "$(svc_key tracking shadow)" "shadow off by default"

# planned: refused, nothing changes
before=$(snapshot plan)
expect_exit 2 ficus shadow tracking on
expect_match "dual-write and backfill" "$err"
expect_unchanged plan "$before" "shadow on in planned"
# usage
expect_exit 2 ficus shadow tracking
expect_exit 2 ficus shadow tracking maybe
expect_exit 1 ficus shadow nosuch on
expect_unchanged plan "$before" "bad shadow commands"

# dual-write: on, one commit; again: nothing to do
must promote tracking
n=$(commit_count plan)
expect_exit 0 ficus shadow tracking on
expect_eq $((n + 1)) "$(commit_count plan)" "shadow on is one commit"
expect_eq true "$(svc_key tracking shadow)" "shadow on in the plan file"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: shadow$' "$trl"
expect_match '^Ficus-From: shadow off$' "$trl"
expect_match '^Ficus-To: shadow on$' "$trl"
before=$(snapshot plan)
expect_exit 0 ficus shadow tracking on
expect_match "already on" "$err"
expect_unchanged plan "$before" "shadow on twice"
# off and on again in dual-write
expect_exit 0 ficus shadow tracking off
expect_eq false "$(svc_key tracking shadow)" "shadow off"
expect_exit 0 ficus shadow tracking on

# stays on into backfill; off and on work there too
must promote tracking
expect_eq "backfill true" "$(svc_key tracking phase) $(svc_key tracking shadow)" "shadow stays on into backfill"
expect_exit 0 ficus shadow tracking off
expect_exit 0 ficus shadow tracking on
expect_eq true "$(svc_key tracking shadow)" "shadow on in backfill"

# leaving backfill for read-cutover turns it off, in the same commit
n=$(commit_count plan)
must promote tracking
expect_eq $((n + 1)) "$(commit_count plan)" "one commit for the promotion"
expect_eq "read-cutover false" "$(svc_key tracking phase) $(svc_key tracking shadow)" "shadow off after backfill"
expect_match '^\+  "shadow": false,$' "$(git -C plan show HEAD -- services/tracking.json)" "the commit turns shadow off"
before=$(snapshot plan)
expect_exit 2 ficus shadow tracking on
expect_match "read-cutover" "$err"
expect_exit 0 ficus shadow tracking off
expect_match "already off" "$err"
expect_unchanged plan "$before" "shadow in read-cutover"

# a rollback to backfill does not turn it back on; it may be turned on again
must rollback tracking
must rollback tracking --to backfill
expect_eq "backfill false" "$(svc_key tracking phase) $(svc_key tracking shadow)" "rolled back to backfill"
expect_exit 0 ficus shadow tracking on
# the abort turns shadow off and stays in backfill; a second abort does nothing
expect_exit 0 ficus rollback tracking
expect_eq "backfill false" "$(svc_key tracking phase) $(svc_key tracking shadow)" "the abort turns shadow off"
expect_match "^Ficus-From: backfill, shadow on$" "$(trailers HEAD)"
before=$(snapshot plan)
expect_exit 0 ficus rollback tracking
expect_match "nothing is on the new service" "$err"
expect_unchanged plan "$before" "a second abort changes nothing"
expect_exit 0 ficus shadow tracking on
# a rollback from dual-write to planned turns it off
must rollback tracking --to dual-write
expect_eq "dual-write true" "$(svc_key tracking phase) $(svc_key tracking shadow)" "backfill -> dual-write keeps shadow"
must rollback tracking --to planned
expect_eq "planned false" "$(svc_key tracking phase) $(svc_key tracking shadow)" "shadow off in planned"

# status and show say so
must promote tracking
must shadow tracking on
expect_exit 0 ficus status tracking --json
expect_match '"shadow": true' "$out"
done_testing
