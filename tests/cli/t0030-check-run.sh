#!/bin/bash
# check run: configured commands, exit status 0 = pass, the last output line
# is the detail, a timeout fails the check ("timed out") and returns at once;
# results land in services/NAME.json recent_checks, one commit per run.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking \
	--check reconcile='echo counting; echo rows 5/5' \
	--check broken='sh -c "echo bad; exit 1"'
slow="sleep 29.$$"   # unique to this run, to look for it afterwards
must service set tracking --check slow="sh -c \"$slow; echo late\"" --check-timeout 1s
file=$(svc_file tracking)
expect_match '"command": "echo counting; echo rows 5/5"' "$file" "reconcile command in the plan file"
expect_match '"timeout": "1s"' "$file" "slow's timeout in the plan file"

# one check by name: pass
n=$(commit_count plan)
expect_exit 0 ficus check run tracking reconcile
expect_match "reconcile.*pass.*rows 5/5" "$out"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit per run"
expect_match '^Ficus-Check: reconcile pass: rows 5/5$' "$(trailers HEAD)"

# all of them: a failing one and a slow one; exit 3, back within seconds
now_at +1h
n=$(commit_count plan)
start=$SECONDS
expect_exit 3 ficus check run tracking
took=$((SECONDS - start))
check "check run returns within a few seconds (took ${took}s)" test "$took" -le 5
expect_match "broken.*FAIL.*bad" "$out"
expect_match "slow.*FAIL.*timed out" "$out"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit for three checks"
trl=$(trailers HEAD)
expect_match '^Ficus-Check: broken fail: bad$' "$trl"
expect_match '^Ficus-Check: reconcile pass: rows 5/5$' "$trl"
expect_match '^Ficus-Check: slow fail: timed out' "$trl"
for i in $(seq 20); do
	pgrep -f "$slow" >/dev/null 2>&1 || break
	sleep 0.1
done
check "the timed-out command is gone" test -z "$(pgrep -f "$slow" 2>/dev/null)"

# recent_checks in the plan file: name, pass, detail, time, actor
file=$(svc_file tracking)
recent=$(printf '%s\n' "$file" | sed -n '/"recent_checks"/,/^  \]/p')
expect_eq 4 "$(grep -c '"name": ' <<<"$recent")" "four results kept"
expect_match '"detail": "bad"' "$recent"
expect_match '"detail": "timed out after 1s"' "$recent"
expect_match '"at": "2025-01-01T01:00:00Z"' "$recent" "results dated by FICUS_NOW"
expect_match '"actor": "Test Lead"' "$recent"
expect_eq 2 "$(grep -c '"pass": false' <<<"$recent")" "two failures"
expect_exit 0 ficus status tracking
expect_match "timed out" "$out" "status shows the recent checks"

# the exit status alone decides: output on stderr, no output at all
must service set tracking --check quiet='exit 0' --check loud='echo fine; echo "disk full" >&2; exit 2'
expect_exit 3 ficus check run tracking loud
expect_match "loud.*FAIL" "$out"
expect_exit 0 ficus check run tracking quiet

# the environment names the service and its state
must service set tracking --check env='echo "$FICUS_SERVICE $FICUS_PHASE $FICUS_PERCENT"'
expect_exit 0 ficus check run tracking env
expect_match "env.*pass.*tracking planned 0%" "$out"

# a configured reconcile check feeds the gates
must service set tracking --gate dual_write_min=0s
promote_n tracking 2
for h in 2h 3h 4h; do now_at +$h; must check run tracking reconcile; done
expect_step tracking promote backfill "read-cutover 1%" 'reconcile open \(3/3 pass'

# errors: unknown check, unknown service, none configured, removed check
expect_exit 1 ficus check run tracking nosuch
expect_match "no check 'nosuch'" "$err"
expect_exit 1 ficus check run nosuch
must service add bare --domain tracking --route /api/bare
expect_exit 1 ficus check run bare
expect_match "no checks configured" "$err"
must service set tracking --check slow=
expect_no_match '"slow"' "$(svc_file tracking | sed -n '/"checks"/,/^  }/p')" "slow removed"
expect_exit 2 ficus check run tracking 'Bad Name'
# check record validates too
expect_exit 2 ficus check record tracking reconcile
expect_exit 2 ficus check record tracking reconcile --pass --fail
expect_exit 2 ficus check record tracking 'bad name' --pass
done_testing
