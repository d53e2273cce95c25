#!/bin/bash
# After a whole walk (checks, failures, rollbacks, shadow, forced steps,
# needs, gate overrides), 'ficus rebuild' recreates a database whose
# 'status --json' is byte for byte the same (FICUS_NOW fixed), and
# 'ficus verify' agrees before and after.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 200
must domain add auth --rps 40
must service add auth --domain auth --route /api/auth --check reconcile='echo rows 9/9'
must service add tracking --domain tracking --route /api/tracking --needs auth --flag trk \
	--gate step_soak=2d --check reconcile='echo rows 5/5' --check smoke='sh -c "echo down; exit 1"' --check-timeout 10s
must service add search --domain tracking --route /api/search --description "full-text search"
for s in auth tracking; do must promote "$s"; done
must shadow tracking on
now_at +14d
for s in auth tracking; do must promote "$s"; done
for h in 1h 2h 3h; do
	now_at +14d$h
	must check run auth
	"$FICUS" check run tracking -q >/dev/null 2>&1   # smoke fails: exit 3
done
must promote auth
now_at +21d3h; must promote auth
now_at +28d3h; must promote auth
now_at +35d3h; must promote auth
must check run tracking reconcile
must promote tracking
expect_eq "shadow false" "shadow $(svc_key tracking shadow)" "shadow off after backfill"
now_at +37d3h; must promote tracking
must check record tracking reconcile --fail --detail "rows 4/5"
now_at +37d3h1m; must rollback tracking
now_at +37d4h; must promote tracking
now_at +42d3h; must promote auth --yes
now_at +43d; must promote auth --yes
now_at +44d; must promote tracking --to 50% --force -m "weekend freeze"
must check record search smoke --pass --detail "ok"
expect_eq "done 100%" "$(svc_state auth)" "auth done"
expect_eq "read-cutover 50%" "$(svc_state tracking)" "tracking at 50%"

now_at +45d
expect_exit 0 ficus verify
expect_exit 0 ficus status --json
want=$out
expect_json "$want" "status --json"
ficus service show tracking --json >"$T/show.want"
ficus status tracking --json >"$T/status1.want"
ficus status >"$T/text.want"

# rebuild over the existing database
expect_exit 0 ficus rebuild
expect_exit 0 ficus status --json
expect_eq "$want" "$out" "status --json after rebuild"
expect_exit 0 ficus verify

# rebuild from nothing: the database removed
rm -f plan/.git/ficus/plan.db plan/.git/ficus/plan.db-wal plan/.git/ficus/plan.db-shm
expect_exit 0 ficus rebuild
expect_exit 0 ficus status --json
expect_eq "$want" "$out" "status --json after rebuild from an empty database"
check "service show after rebuild" cmp -s "$T/show.want" <(ficus service show tracking --json)
check "status SERVICE --json (recent checks, last failure) after rebuild" cmp -s "$T/status1.want" <(ficus status tracking --json)
expect_match '"recent_checks"' "$(cat "$T/status1.want")" "status SERVICE --json has the recent checks"
check "status --json leaves the recent checks out" sh -c '! grep -q recent_checks "$1"' - <(ficus status --json)
check "text status after rebuild" cmp -s "$T/text.want" <(ficus status)
expect_exit 0 ficus verify

# the rebuilt database decides as the old one did: the step after 50%
# waits for its soak, then goes on
expect_refused tracking "step_soak: .*1d of 2d, 1d left"
now_at +46d
expect_step tracking ramp "read-cutover 50%" "read-cutover 100%" 'step_soak open \(2d >= 2d\)'
expect_exit 0 ficus verify
done_testing
