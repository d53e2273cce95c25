#!/bin/bash
# The detail pane of a service with shadow compare on: its configuration,
# and the counters and recent mismatches that the router thread read from
# the routers (a v1 router serving GET /v1/flags/<flag>/shadow); under
# --readonly no router is read, and the pane says so.
. "$(dirname "$0")/lib.sh"
new_plan
export V1ROUTER_SHADOW=$T/shadow.json
start_v1router "$T/v1.port"
must router add web --driver http --replica "http://127.0.0.1:$port" --timeout 2s --retries 0
must domain add tracking
must service add tracking --domain tracking --route /api/tracking --gate dual_write_min=0s
must promote tracking
must shadow tracking on --compare --sample 50% --ignore ts,updated_at
cat >"$T/shadow.json" <<'JSON'
{"compared":400,"matched":398,"mismatched":2,"not_compared":1,"since":@SINCE@,
 "recent":[{"at":1790000050,"path":"/api/tracking/9","reason":"body differs at $.eta"},
           {"at":1790000060,"path":"/api/tracking/7\u001b[31m","reason":"status 200\u2260500"}]}
JSON
dash_script -s 100x40 "wait-refresh" "dump:$T/1.txt"
s=$(cat "$T/1.txt")
expect_match 'compare +50% sampled, ignoring ts, updated_at, since ' "$s" "the configuration"
expect_match 'mismatch 0.50% \(2/400 compared, 1 not compared\), 1/1 replicas' "$s" "the counters"
expect_match '/api/tracking/7.*status 200≠500' "$s" "the newest mismatch"
expect_match '/api/tracking/9 +body differs at \$\.eta' "$s" "and the one before"
expect_no_match $'\x1b' "$s" "no escape sequence from the router on the screen"
DASH_ARGS=--readonly dash_script -s 100x40 "wait-refresh" "dump:$T/2.txt"
expect_match 'counters: not read \(--readonly reads no router\)' "$(cat "$T/2.txt")" "--readonly"
# compare off: no compare lines
must shadow tracking on
dash_script -s 100x40 "wait-refresh" "dump:$T/3.txt"
expect_no_match 'compare +[0-9]' "$(cat "$T/3.txt")" "no compare lines once it is off"
done_testing
