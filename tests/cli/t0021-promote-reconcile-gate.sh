#!/bin/bash
# backfill -> read-cutover needs the last 3 results of the reconcile check to
# pass, the newest younger than 24h; during the ramp a failing reconcile
# check closes the next step.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add parcels --rps 100

# backfill_service NAME: a service in backfill (no dual-write wait)
backfill_service() {
	must service add "$1" --domain parcels --route "/api/$1" --gate dual_write_min=0s "${@:2}"
	promote_n "$1" 2
	expect_eq "backfill 0%" "$(svc_state "$1")" "$1 in backfill"
}
rec() { must check record "$1" "${3:-reconcile}" "--$2" --detail "rows"; }

# --- three passes needed: 0, 1, 2 refused; the third opens
backfill_service a
expect_refused a "reconcile: check 'reconcile' has 0 passing results of the 3 needed"
now_at +1h; rec a pass
expect_refused a "has 1 passing result of the 3 needed"
now_at +2h; rec a pass
expect_refused a "has 2 passing results of the 3 needed"
# another check's passes do not count
rec a pass smoke; rec a pass smoke; rec a pass smoke
expect_refused a "has 2 passing results of the 3 needed"
now_at +3h; rec a pass
expect_step a promote backfill "read-cutover 1%" '^reconcile open \(3/3 pass, newest 0s old\)$'

# --- three passes, but the newest 25h old: closed; 23h59m old: open
backfill_service b
now_at +4h; rec b pass; rec b pass; rec b pass
now_at +1d5h
expect_refused b "reconcile: the newest pass of 'reconcile' is 1d1h old"
expect_exit 0 ficus status b --json
expect_match '"evidence": "closed \(3/3 pass, newest 1d1h old > 1d\)"' "$out" "status shows the stale evidence"
now_at +1d3h59m
expect_exit 0 ficus promote b --dry-run
expect_match "\[open\] reconcile" "$out" "23h59m old is fresh"
now_at +1d5h
rec b pass
expect_step b promote backfill "read-cutover 1%" 'reconcile open \(3/3 pass, newest 0s old\)'

# --- pass, fail, pass, pass: closed until a third pass after the fail
backfill_service c
now_at +2d1h; rec c pass
now_at +2d2h; rec c fail
now_at +2d3h; rec c pass
now_at +2d4h; rec c pass
expect_refused c "reconcile: check 'reconcile' failed within its last 3 results; 2 consecutive passes of 3"
expect_exit 0 ficus status c --json
expect_match 'closed \(2/3 pass, latest run failed\)' "$out" "status evidence after a fail"
now_at +2d5h; rec c pass
expect_step c promote backfill "read-cutover 1%" 'reconcile open \(3/3 pass'

# --- the gate follows the per-service settings
backfill_service d --gate reconcile_check=rowcount --gate reconcile_passes=2 --gate reconcile_max_age=1h
now_at +3d; rec d pass; rec d pass
expect_refused d "check 'rowcount' has 0 passing results of the 2 needed"
rec d pass rowcount; rec d pass rowcount
now_at +3d1h1m
expect_refused d "newest pass of 'rowcount' is 1h1m old, more than 1h"
now_at +3d1h
expect_step d promote backfill "read-cutover 1%" 'reconcile open \(2/2 pass, newest 1h old\)'

# fixed: reconcile_passes accepts up to 100, but only the last 10 results of a
# check are kept (FC_CHECKS_KEPT), so reconcile_passes=12 can never open:
# after 15 passes 'ficus promote' says "has 10 passing results of the 12
# needed" and exits 3.  Either refuse reconcile_passes > 10 or keep enough.
backfill_service e --gate reconcile_passes=12
now_at +4d
for i in $(seq 12); do rec e pass; done
expect_step e promote backfill "read-cutover 1%" 'reconcile open \(12/12 pass'

# --- during the ramp: a failing check closes the next step, even after
# later passes and a full soak; a fail before the step began does not count
# (c failed in backfill, and ramps once soaked)
now_at +9d5h
expect_step c ramp "read-cutover 1%" "read-cutover 10%" '^step_soak open \(7d >= 7d\); reconcile open \(no failure since the step began\)$'
now_at +10d; rec a fail
now_at +10d1h; rec a pass
now_at +20d
expect_refused a "reconcile: check 'reconcile' failed at 2025-01-11T00:00:00Z, since the step began"
expect_match "\[open\] step_soak" "$err" "the soak is not what closes it"
# a failure in another check does not close it
now_at +20d; rec b fail smoke
expect_step b ramp "read-cutover 1%" "read-cutover 10%" 'reconcile open'
# rollback pauses at 0%; the pause is clean, so promote resumes at 1%, and
# after a new soak the ramp goes on
expect_exit 0 ficus rollback a
expect_eq "read-cutover 0%" "$(svc_state a)" "a paused"
expect_step a resume "read-cutover 0%" "read-cutover 1%" '^reconcile open \(no failure since the pause began\)$'
now_at +27d
expect_step a ramp "read-cutover 1%" "read-cutover 10%" 'step_soak open'
# a fail at 100% closes decommission
must promote d --to 100% --force -m "setup"
now_at +40d; rec d fail rowcount
expect_refused d "reconcile: check 'rowcount' failed at 2025-02-10T00:00:00Z, since 100% began" --yes
expect_match "\[CLOSED\] reconcile" "$err" "decommission refused by the failed check"
done_testing
