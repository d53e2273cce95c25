#!/bin/bash
# A forward step never skips a ramp step or a phase unless forced (SPEC 1):
# --to may name any percentage up to the next ramp step; beyond it, or a
# phase beyond the next one, is refused with the gate status (exit 3)
# naming the steps it would skip, in promote, --dry-run and status alike;
# --force --reason records every skipped step.  A resume after a pause
# returns to the first step.  Evidence from the future opens no gate.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
fast_service tracking tracking
promote_n tracking 2
expect_eq "backfill 0%" "$(svc_state tracking)" "setup in backfill"

# fixed: from backfill 'promote --to 100%' committed "backfill -> read-cutover
# at 100%" unforced; '--to 10' skipped the 1% step
expect_refused tracking "would skip read-cutover 1%, read-cutover 10%, read-cutover 50%" --to 100%
expect_refused tracking "would skip read-cutover 1%" --to 10
expect_refused tracking "would skip" --to 10 --dry-run
expect_match "\[CLOSED\] skip:" "$out" "the dry run shows the skip gate"
# a phase beyond the next one: the same status, naming the phases
expect_refused tracking "would skip read-cutover 1%, read-cutover 10%, read-cutover 50%, read-cutover 100%" --to decommission
# the dry run says the same on stdout, and JSON names the gate
expect_exit 3 ficus promote tracking --to 100% --dry-run
expect_match "\[CLOSED\] skip: read-cutover 100% would skip" "$out"
expect_exit 3 ficus promote tracking --to 100% --json
expect_json "$out"
expect_match '"name": "skip"' "$out"
# a finer step than the first ramp step is a step
expect_step tracking promote backfill "read-cutover 0.5%" 'reconcile open' --to 0.5%
# and the first ramp step itself
expect_step tracking ramp "read-cutover 0.5%" "read-cutover 1%" 'step_soak open' --to 1%

# fixed: a resume after a pause at 0% jumped to 100% with --to 100%
must rollback tracking
expect_eq "read-cutover 0%" "$(svc_state tracking)" "paused"
expect_refused tracking "would skip read-cutover 1%" --to 100%
expect_step tracking resume "read-cutover 0%" "read-cutover 1%" 'reconcile open'

# --force --reason records every skipped step and its closed gates
must service set tracking --gate step_soak=7d
n=$(commit_count plan)
expect_exit 0 ficus promote tracking --to 100% --force -m "incident: the monolith is down"
expect_eq $((n + 1)) "$(commit_count plan)" "a forced skip is one commit"
trl=$(trailers HEAD)
expect_match '^Ficus-Forced: yes \(closed: step_soak, skip\)$' "$trl"
expect_match '^Ficus-Skipped: read-cutover 10%: step_soak closed \(0s of 7d, 7d left\)$' "$trl"
expect_match '^Ficus-Skipped: read-cutover 50%: step_soak closed \(0s of 7d, 7d left\)$' "$trl"
expect_eq 2 "$(grep -c '^Ficus-Skipped:' <<<"$trl")" "two skipped steps recorded"
expect_eq "read-cutover 100%" "$(svc_state tracking)" "forced to 100%"

# --- evidence from the future: shown, never opens a gate, and says why
fast_service later tracking --gate reconcile_passes=3
promote_n later 2
now_at +15d
must check record later reconcile --pass; must check record later reconcile --pass
must check record later reconcile --pass
now_at +0s
# fixed: this was "reconcile open (3/3 pass, newest -14d23h old)"
expect_refused later "evidence from the future never opens a gate"
expect_exit 0 ficus status later --json
expect_match '"evidence": "closed \(newest result dated 2025-01-16T00:00:00Z, 15d in the future\)"' "$out"
# within five minutes of skew it counts
now_at +14d23h56m
expect_step later promote backfill "read-cutover 1%" 'reconcile open \(3/3 pass, newest 0s old\)'

# --- rollback is the idempotent abort; a phase back is --to PHASE
now_at +16d
must rollback later
before=$(snapshot plan)
expect_exit 0 ficus rollback later
expect_match "nothing is on the new service" "$err"
expect_unchanged plan "$before" "the second abort changes nothing"
expect_eq "read-cutover 0%" "$(svc_state later)" "still paused in read-cutover"
done_testing
