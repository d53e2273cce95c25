#!/bin/bash
# needs: a service cannot enter read-cutover before every service it needs
# serves 100% (read-cutover 100%, decommission or done); the closed gate
# names the needed service and its state.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add auth --rps 50
must domain add tracking --rps 200
fast_service auth auth
fast_service tracking tracking --needs auth
expect_match '"auth"' "$(svc_file tracking | sed -n '/"needs"/,/]/p')" "needs in the plan file"
promote_n tracking 2
promote_n auth 2
must check record tracking reconcile --pass

# auth in backfill: closed, and the reason names auth's state
expect_refused tracking "needs: 'auth' is at backfill, not serving 100%"
expect_exit 0 ficus status tracking --json
expect_match '"evidence": "closed \(.auth. is at backfill\)"' "$out" "status evidence of needs"
# auth ramps: still closed at 1, 10, 50%
for pct in 1% 10% 50%; do
	must promote auth
	expect_refused tracking "needs: 'auth' is at read-cutover $pct, not serving 100%"
done
# --force passes it, but only with a reason (dry run: nothing changes)
expect_exit 2 ficus promote tracking --force
expect_exit 0 ficus promote tracking --force -m "auth is good enough" --dry-run
expect_match "Ficus-Forced: yes \(closed: needs\)" "$out"
# auth at 100%: open
must promote auth
expect_eq "read-cutover 100%" "$(svc_state auth)" "auth at 100%"
expect_step tracking promote backfill "read-cutover 1%" "needs open \(1 at 100%\)"

# two needs: decommission and done count as 100%; the reason names only
# the one that is short, and a rolled-back one is short again
must domain add billing
fast_service billing billing
fast_service search tracking --needs auth,billing
promote_n search 2
promote_n billing 8
expect_eq "done 100%" "$(svc_state billing)" "billing done"
must rollback auth
expect_refused search "needs: 'auth' is at read-cutover 0%, not serving 100%"
expect_no_match "billing" "$err" "billing serves 100%: not named"
promote_n auth 5
expect_eq "decommission 100%" "$(svc_state auth)" "auth in decommission"
expect_step search promote backfill "read-cutover 1%" "needs open \(2 at 100%\)"

# a needed service cannot be removed, even with --force
before=$(snapshot plan)
expect_exit 1 ficus service rm billing --force -m "tidy"
expect_match "needed by" "$err"
expect_unchanged plan "$before" "rm of a needed service changes nothing"
# a service cannot need itself, nor an unknown one
expect_exit 2 ficus service set auth --needs auth
expect_exit 1 ficus service set auth --needs nosuch
expect_unchanged plan "$before" "bad needs change nothing"
done_testing
