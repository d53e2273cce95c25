#!/bin/bash
# ficus shadow SERVICE on --compare: options refused before anything is
# touched; dry run; --json; the compare in the plan file, its commit and
# trailers, a rebuild that keeps it; compare off with shadow, and off when
# the service leaves backfill; a router that cannot compare; the shadow
# gate of backfill -> read-cutover on recorded 'shadow' results.
. "$(dirname "$0")/lib.sh"
new_plan
now_at 1790000000
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s --gate reconcile_passes=0
cmp_key() { # cmp_key KEY: the compare member's KEY in the plan file ("" when absent)
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])).get("compare"); print("" if c is None else json.dumps(c[sys.argv[2]]))' \
		"$FICUS_PLAN/services/tracking.json" "$1"
}

# --- options, refused with nothing changed
before=$(snapshot plan)
expect_exit 2 ficus shadow tracking on --sample 10%
expect_match "go with --compare" "$err"
expect_exit 2 ficus shadow tracking on --ignore ts
expect_exit 2 ficus shadow tracking off --compare
expect_exit 2 ficus shadow tracking on --compare
expect_match "dual-write and backfill" "$err" "compare in planned"
must promote tracking
before=$(snapshot plan)
for bad in 0 0% 101% abc -5 0.001%; do
	expect_exit 2 ficus shadow tracking on --compare --sample "$bad"
	expect_match "sample" "$err" "--sample $bad"
done
for bad in 'a b' 'x,' 'ts,$x' "$(printf 'a%.0s' $(seq 1 65))" 'x/y'; do
	expect_exit 2 ficus shadow tracking on --compare --ignore "$bad"
	expect_match "ignore" "$err" "--ignore '$bad'"
done
expect_exit 2 ficus shadow tracking on --compare --ignore "$(seq -s, -f 'f%g' 1 33)"
expect_match "at most 32" "$err"
expect_exit 2 ficus shadow tracking on --compare --bogus
expect_unchanged plan "$before" "refused options"
expect_eq false "$(svc_key tracking shadow)" "shadow still off"

# --- dry run: the commit it would make, nothing changed
expect_exit 0 ficus shadow tracking on --compare --sample 10% --ignore ts --dry-run
expect_match "compare 10% sampled, ignoring ts" "$out$err" "dry run shows the compare"
expect_unchanged plan "$before" "dry run"

# --- on: one commit, the plan file, the trailers, --json
n=$(commit_count plan)
now_at 1790000100
expect_exit 0 ficus shadow tracking on --compare --sample 10% --ignore updated_at,ts,ts --json
expect_json "$out"
expect_match '"ok": ?true' "$out" "json envelope"
expect_eq $((n + 1)) "$(commit_count plan)" "compare on is one commit"
expect_eq true "$(svc_key tracking shadow)" "shadow on with compare"
expect_eq '"10%"' "$(cmp_key sample)" "sample in the plan file"
expect_eq '["ts", "updated_at"]' "$(cmp_key ignore)" "ignore sorted, without duplicates"
expect_eq '"2026-09-21T14:15:00Z"' "$(cmp_key since)" "since: when compare went on"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: shadow$' "$trl"
expect_match '^Ficus-From: shadow off$' "$trl"
expect_match '^Ficus-To: shadow on, compare 10% sampled, ignoring ts, updated_at$' "$trl"
# the same again: nothing to do; the same fields in another order too
before=$(snapshot plan)
expect_exit 0 ficus shadow tracking on --compare --sample 10% --ignore ts,updated_at
expect_match "already on, compare" "$err"
expect_unchanged plan "$before" "compare on twice"
# another sample: a change, and a new since (the routers count from zero)
now_at 1790000200
expect_exit 0 ficus shadow tracking on --compare --ignore ts
expect_eq '"100%"' "$(cmp_key sample)" "default sample 100%"
expect_eq '"2026-09-21T14:16:40Z"' "$(cmp_key since)" "since moved"
expect_match '^Ficus-From: shadow on, compare 10% sampled, ignoring ts, updated_at$' "$(trailers HEAD)"

expect_exit 0 ficus status tracking --json
expect_match '"compare": \{' "$out" "status --json shows the compare"
expect_match '"sample": "100%"' "$out"

# --- rebuild keeps it; verify agrees
plan_before=$(cat "$FICUS_PLAN/services/tracking.json")
expect_exit 0 ficus rebuild
expect_exit 0 ficus verify
expect_exit 0 ficus shadow tracking on --compare --ignore ts
expect_match "already on, compare 100% sampled" "$err" "rebuilt database holds the compare"
expect_eq "$plan_before" "$(cat "$FICUS_PLAN/services/tracking.json")" "plan file unchanged by rebuild"

# --- a hand-edited compare that is wrong: rebuild refuses it and keeps the database
sed -i 's/"sample": "100%"/"sample": "0%"/' "$FICUS_PLAN/services/tracking.json"
git -C "$FICUS_PLAN" commit -qam "hand edit: a bad compare"
expect_exit 1 ficus rebuild
expect_match "compare.sample" "$err"
git -C "$FICUS_PLAN" reset -q --hard HEAD~1
expect_exit 0 ficus rebuild

# --- the shadow gate (gates.shadow_max_mismatch) on recorded results
must promote tracking   # backfill, compare stays on
expect_eq "backfill true" "$(svc_key tracking phase) $(svc_key tracking shadow)" "compare kept into backfill"
expect_exit 0 ficus promote tracking --dry-run
expect_no_match "shadow:" "$out$err" "no shadow gate unless set"
must service set tracking --gate shadow_max_mismatch=0.1% --gate shadow_min_compared=1000
expect_exit 2 ficus service set tracking --gate shadow_max_mismatch=abc
expect_exit 2 ficus service set tracking --gate shadow_max_mismatch=150%
expect_exit 2 ficus service set tracking --gate shadow_min_compared=0
now_at 1790000300
expect_exit 3 ficus promote tracking
expect_match "no 'shadow' result since compare went on" "$err"
# a result from before compare went on does not count
now_at 1790000150
must check record tracking shadow --pass --detail "mismatch 0.00% (0/5000 compared, 0 not compared) <= 0.1%"
now_at 1790000300
expect_exit 3 ficus promote tracking
expect_match "no 'shadow' result since compare went on" "$err" "an earlier compare's result"
# too few compared
must check record tracking shadow --pass --detail "mismatch 0.00% (0/999 compared, 0 not compared) <= 0.1%"
expect_exit 3 ficus promote tracking
expect_match "999 compared < 1000" "$err"
# too many mismatches
now_at 1790000400
must check record tracking shadow --fail --detail "mismatch 0.20% (20/10000 compared, 1 not compared) > 0.1%"
expect_exit 3 ficus promote tracking
expect_match "> 0.1%" "$err"
# a result without counts
now_at 1790000500
must check record tracking shadow --pass --detail "looks fine to me"
expect_exit 3 ficus promote tracking
expect_match "holds no counts" "$err"
# under the threshold, enough compared: open, and the commit carries the evidence
now_at 1790000600
must check record tracking shadow --pass --detail "mismatch 0.08% (8/10000 compared, 3 not compared) <= 0.1%"
expect_exit 0 ficus promote tracking --dry-run
expect_match "shadow open \(8/10000 mismatched, 0.08% <= 0.1%\)" "$out$err"
# the same counts from a measurement that failed (a replica unread) do not open it
now_at 1790000700
must check record tracking shadow --fail --detail "mismatch 0.08% (8/10000 compared, 3 not compared) <= 0.1%; router 'web' replica x: unreachable"
expect_exit 3 ficus promote tracking
expect_match "measurement failed" "$err"
now_at 1790000800
must check record tracking shadow --pass --detail "mismatch 0.08% (8/10000 compared, 3 not compared) <= 0.1%"
# compare off: the gate is closed again, and says why
must shadow tracking on
expect_eq "" "$(cmp_key sample)" "compare off, shadow on"
expect_eq true "$(svc_key tracking shadow)" "shadow stays on"
expect_exit 3 ficus promote tracking
expect_match "compare is off" "$err"
expect_exit 2 ficus check run tracking shadow
expect_match "compare of 'tracking' is off" "$err"
now_at 1790000900
must shadow tracking on --compare --ignore ts
now_at 1790001000
must check record tracking shadow --pass --detail "mismatch 0.00% (0/2000 compared, 0 not compared) <= 0.1%"
n=$(commit_count plan)
expect_exit 0 ficus promote tracking
expect_match '^Ficus-Gates: .*shadow open \(0/2000 mismatched' "$(trailers HEAD)"
# leaving backfill ends shadow and compare in the same commit
expect_eq "read-cutover false" "$(svc_key tracking phase) $(svc_key tracking shadow)" "shadow off in read-cutover"
expect_eq "" "$(cmp_key sample)" "compare gone with shadow"
expect_exit 0 ficus verify

# --- a router that cannot compare: refused, naming it
new_plan plan2
must domain add a
must service add a --domain a --route /a --gate dual_write_min=0s
must router add edge --driver haproxy --replica tcp://127.0.0.1:1 --map /etc/haproxy/flags.map
must router add web --driver http --replica http://127.0.0.1:1
expect_exit 5 ficus promote a   # the routers are not there: recorded, not applied
before=$(snapshot plan2)
expect_exit 2 ficus shadow a on --compare
expect_match "router 'edge' \(haproxy\).*cannot compare" "$err"
expect_unchanged plan2 "$before" "refused compare"
# bound to the http router only: allowed (exit 5: the router is not there)
must service set a --router web
expect_exit 5 ficus shadow a on --compare
expect_eq '"100%"' "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["compare"]["sample"]))' "$FICUS_PLAN/services/a.json")" "compare on with the http router"

# --- ficus check run SERVICE shadow reads the router's counters (a v1 router)
new_plan plan3
export V1ROUTER_SHADOW=$T/shadow.json
start_v1router "$T/v1.port"
must router add web --driver http --replica "http://127.0.0.1:$port" --timeout 2s --retries 0
must domain add tracking
must service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s --gate reconcile_passes=0 \
	--gate shadow_max_mismatch=1% --gate shadow_min_compared=100
now_at 1790000000
must promote tracking
expect_exit 2 ficus check run tracking shadow
expect_match "compare of 'tracking' is off" "$err"
expect_exit 0 ficus shadow tracking on --compare --ignore ts --dry-run
expect_match 'PUT http://127.0.0.1:[0-9]+/v1/flags/tracking \{"bp":0,"shadow":true,"rev":1,"compare":\{"ignore":\["ts"\],"sample":10000,"since":1790000000\}\}' \
	"$out" "the dry run names the push with its compare member"
must shadow tracking on --compare --ignore ts
cat >"$T/shadow.json" <<'JSON'
{"compared":400,"matched":398,"mismatched":2,"not_compared":1,"since":@SINCE@,
 "recent":[{"at":1790000050,"path":"/api/tracking/9","reason":"body differs at $.eta"},
           {"at":1790000060,"path":"/api/tracking/7","reason":"status 200\u2260500"}]}
JSON
now_at 1790000100
expect_exit 0 ficus check run tracking shadow
expect_match 'mismatch 0.50% \(2/400 compared, 1 not compared\) <= 1%; e.g. /api/tracking/7: status 200≠500' "$out" \
	"the newest mismatch as the example"
expect_match '^Ficus-Check: shadow pass: mismatch 0.50% \(2/400' "$(trailers HEAD)"
must promote tracking
expect_exit 0 ficus promote tracking --dry-run
expect_match "shadow open \(2/400 mismatched" "$out$err" "the gate reads the recorded check"
# counters of an earlier compare (the push did not get through): fail, and say so
echo '{"compared":5000,"matched":5000,"mismatched":0,"not_compared":0,"since":17,"recent":[]}' >"$T/shadow.json"
now_at 1790000200
expect_exit 3 ficus check run tracking shadow
expect_match "counts since 1970-01-01T00:00:17Z, not since compare went on" "$out"
expect_match "mismatch 0.00% \(0/0 compared" "$out" "its counts left out"
# hostile answers: refused with a reason, nothing of them recorded but the reason
for bad in '{"compared":-1,"matched":0,"mismatched":0,"not_compared":0,"since":@SINCE@}' \
	'{"compared":"many","matched":0,"mismatched":0,"not_compared":0,"since":@SINCE@}' \
	'[1,2,3]' 'not json at all'; do
	printf '%s' "$bad" >"$T/shadow.json"
	expect_exit 3 ficus check run tracking shadow
	expect_match "router 'web' replica .*: the answer to GET /v1/flags/tracking/shadow is malformed" "$out" "hostile: $bad"
done
# a recent path with control characters is cleaned before it is recorded or shown
printf '%s' '{"compared":1,"matched":0,"mismatched":1,"not_compared":0,"since":@SINCE@,"recent":[{"at":1,"path":"/x\u001b[31m/y","reason":"r"}]}' \
	>"$T/shadow.json"
expect_exit 3 ficus check run tracking shadow
expect_no_match $'\x1b' "$out" "no escape sequence in the detail"
expect_exit 0 ficus verify
done_testing
