#!/bin/bash
# --expect is compare-and-swap on phase and percentage: a mismatch exits 4
# and changes nothing; eight processes promoting the same service at once
# with the same --expect: one wins, seven get 4, one commit.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s --gate reconcile_passes=0
promote_n tracking 3
now_at +7d; must promote tracking
now_at +14d; must promote tracking
expect_eq "read-cutover 50%" "$(svc_state tracking)" "setup at 50%"

# mismatches: exit 4, nothing changed, the message says where it is
before=$(snapshot plan)
expect_exit 4 ficus promote tracking --expect 10%
expect_match "at read-cutover 50%, not 10%" "$err"
expect_exit 4 ficus promote tracking --expect "read-cutover 10%"
expect_exit 4 ficus promote tracking --expect backfill
expect_exit 4 ficus promote tracking --to 100% --expect 10% --force -m "forced, but not at 10%"
expect_exit 4 ficus rollback tracking --expect 10%
expect_exit 4 ficus rollback tracking --expect "read-cutover 10%" --force -m x
expect_exit 4 ficus shadow tracking off --expect dual-write
expect_exit 4 ficus promote tracking --expect 10% --dry-run
expect_unchanged plan "$before" "--expect mismatches change nothing"
# a malformed --expect is a usage error
expect_exit 2 ficus promote tracking --expect "sideways"
expect_exit 2 ficus promote tracking --expect "read-cutover lots"
expect_exit 2 ficus promote tracking --expect 150%
expect_unchanged plan "$before" "malformed --expect changes nothing"

# matches: the phase alone, the percentage alone, both (then the gate speaks)
expect_exit 3 ficus promote tracking --expect "read-cutover 50%"
expect_match "step_soak" "$err" "a matching --expect goes on to the gates"
expect_exit 0 ficus promote tracking --expect read-cutover --dry-run --force -m x
expect_exit 0 ficus promote tracking --expect 50% --dry-run --force -m x
expect_exit 4 ficus promote tracking --expect 0.5% --dry-run --force -m x
expect_match "not 0.5%" "$err" "0.5% is not 50%"
expect_unchanged plan "$before" "dry runs change nothing"

# eight processes at once, past the soak, all expecting 50%
now_at +21d
n=$(commit_count plan)
pids=()
for i in 1 2 3 4 5 6 7 8; do
	"$FICUS" promote tracking --expect "read-cutover 50%" --lock-timeout 30s \
		>"$T/race.$i.out" 2>"$T/race.$i.err" </dev/null &
	pids+=($!)
	cleanup_pids+=($!)
done
codes=
for i in 1 2 3 4 5 6 7 8; do
	wait "${pids[$((i - 1))]}"
	codes="$codes$?"
done
expect_eq 1 "$(printf '%s' "$codes" | tr -cd 0 | wc -c)" "exactly one winner (exit codes $codes)"
expect_eq 7 "$(printf '%s' "$codes" | tr -cd 4 | wc -c)" "seven conflicts (exit codes $codes)"
losers=$(cat "$T"/race.*.err)
expect_eq 7 "$(grep -c "at read-cutover 100%, not read-cutover 50% as expected" <<<"$losers")" "each loser says why"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit for the race"
expect_eq 1 "$(git -C plan log --format='%(trailers:key=Ficus-To,valueonly)' | grep -c '^read-cutover 100%$')" \
	"one commit to 100% in the history"
expect_eq "read-cutover 100%" "$(svc_state tracking)" "the winner's state"
expect_exit 0 ficus verify

# the same race for rollback: one rolls back, the others conflict
pids=()
for i in 1 2 3 4; do
	"$FICUS" rollback tracking --expect "read-cutover 100%" --lock-timeout 30s >/dev/null 2>&1 </dev/null &
	pids+=($!)
	cleanup_pids+=($!)
done
codes=
for p in "${pids[@]}"; do
	wait "$p"
	codes="$codes$?"
done
expect_eq 1 "$(printf '%s' "$codes" | tr -cd 0 | wc -c)" "one rollback wins (exit codes $codes)"
expect_eq 3 "$(printf '%s' "$codes" | tr -cd 4 | wc -c)" "three rollbacks conflict (exit codes $codes)"
expect_eq "read-cutover 0%" "$(svc_state tracking)" "rolled back once: 0%, not a phase back"
done_testing
