#!/bin/bash
# The whole walk planned -> dual-write -> backfill -> read-cutover 1, 10, 50,
# 100% -> decommission -> done, with FICUS_NOW moving time: every step tried
# too early is refused (exit 3, names the gate and how long is left, no
# commit); every step taken is one commit carrying its evidence; the
# irreversible steps need --yes off a terminal.
. "$(dirname "$0")/lib.sh"
new_plan

now_at +0s
must domain add tracking --rps 200
must service add tracking --domain tracking

# planned -> dual-write: a service without a route cannot start
expect_refused tracking "route: service has no route"
expect_match "\[CLOSED\] route" "$err" "closed gate listed"
must service set tracking --route /api/tracking
expect_eq "planned 0%" "$(svc_state tracking)" "state before the walk"
expect_step tracking promote planned dual-write 'route open \(/api/tracking\); routers open'
expect_eq "$FICUS_NOW" "$(git -C plan log -1 --format=%at)" "the commit is dated by FICUS_NOW"

# dual-write -> backfill: dual_write_min (14d)
expect_refused tracking "dual_write_min: .*0s of 14d, 14d left"
now_at +13d23h
expect_refused tracking "dual_write_min: .*13d23h of 14d, 1h left"
expect_refused tracking "dual_write_min.*1h left" --to backfill
now_at 2025-01-15T00:00:00Z   # RFC 3339 works too: T0 + 14d
expect_step tracking promote dual-write backfill '^dual_write_min open \(14d >= 14d\)$'

# backfill -> read-cutover: three passing reconcile checks, newest < 24h
expect_refused tracking "reconcile: check 'reconcile' has 0 passing results of the 3 needed"
now_at +14d1h
must check record tracking reconcile --pass --detail "rows 100/100"
now_at +14d2h
must check record tracking reconcile --pass --detail "rows 100/100"
expect_refused tracking "reconcile: .*has 2 passing results of the 3 needed"
now_at +14d3h
must check record tracking reconcile --pass --detail "rows 100/100"
expect_step tracking promote backfill "read-cutover 1%" '^reconcile open \(3/3 pass, newest 0s old\)$'
expect_eq "+2 req/s to the new service" "$(trailer Ficus-Traffic)" "traffic moved into 1%"
expect_match '^tracking: backfill -> read-cutover at 1%$' "$(git -C plan log -1 --format=%s)" "subject"

# ramp 1 -> 10 -> 50 -> 100: step_soak (7d) each
expect_refused tracking "step_soak: .*0s of 7d, 7d left"
now_at +21d2h
expect_refused tracking "step_soak: .*6d23h of 7d, 1h left"
now_at +21d3h
expect_step tracking ramp "read-cutover 1%" "read-cutover 10%" '^step_soak open \(7d >= 7d\); reconcile open'
expect_eq "+18 req/s to the new service" "$(trailer Ficus-Traffic)" "traffic moved 1% -> 10%"
expect_refused tracking "step_soak: .*7d left"
now_at +28d3h
expect_step tracking ramp "read-cutover 10%" "read-cutover 50%" '^step_soak open \(7d >= 7d\); reconcile open'
now_at +35d2h59m
expect_refused tracking "step_soak: .*1m left"
now_at +35d3h
expect_step tracking ramp "read-cutover 50%" "read-cutover 100%" 'step_soak open'
expect_eq "+100 req/s to the new service" "$(trailer Ficus-Traffic)" "traffic moved 50% -> 100%"

# read-cutover 100% -> decommission: cutover_soak (7d) and --yes
expect_refused tracking "cutover_soak: .*0s of 7d, 7d left"
expect_refused tracking "cutover_soak: .*7d left" --yes
now_at +42d2h
expect_refused tracking "cutover_soak: .*1h left" --yes
now_at +42d3h
before=$(snapshot plan)
expect_exit 2 ficus promote tracking </dev/null
expect_match "--yes" "$err" "decommission without --yes names --yes"
expect_unchanged plan "$before" "decommission without --yes changes nothing"
expect_step tracking promote "read-cutover 100%" "decommission 100%" '^cutover_soak open \(7d >= 7d\); reconcile open' --yes

# decommission -> done: confirmation only
before=$(snapshot plan)
expect_exit 2 ficus promote tracking </dev/null
expect_match "--yes" "$err" "done without --yes names --yes"
expect_unchanged plan "$before" "done without --yes changes nothing"
expect_step tracking promote "decommission 100%" done '^confirmation only$' --yes
expect_eq "done 100%" "$(svc_state tracking)" "state after the walk"

# nothing further: exit 0, says so, no commit
before=$(snapshot plan)
expect_exit 0 ficus promote tracking --yes
expect_match "nothing to do" "$err"
expect_unchanged plan "$before" "promote when done changes nothing"

# the walk is 8 step commits, plus init, domain, service add/set, 3 checks
expect_eq 15 "$(commit_count plan)" "commits after the walk"
tos=$(git -C plan log --reverse --format='%(trailers:key=Ficus-To,valueonly)' | grep . | tr '\n' ',')
expect_eq "planned 0%,dual-write,backfill,read-cutover 1%,read-cutover 10%,read-cutover 50%,read-cutover 100%,decommission 100%,done," \
	"$tos" "Ficus-To of the whole history"
expect_exit 0 ficus status tracking
expect_match "done" "$out"
done_testing
