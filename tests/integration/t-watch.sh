#!/usr/bin/env bash
# t-watch.sh - analysis checks and the watcher against a real Prometheus
# scraping the real nginx + Lua router while real tenant traffic flows:
# (a) a healthy new upstream: 'check run' records passes whose detail
#     carries the measured error rate, and 'watch --once --promote'
#     promotes once the gates open (soak passed with FICUS_NOW);
# (b) the new upstream answers 500 for a share of requests: the watcher
#     rolls the service back within failure_limit rounds, the commit
#     carries the failed values, and every tenant goes to the monolith;
# (b2) a rollback that a paused router cannot confirm: said loudly, exit 5;
# (c) a query matching nothing: no rollback, no promotion, 'no-data';
# (d) Prometheus stopped: an error result, nothing rolled back, a
#     background watcher keeps running, a second one is refused, SIGTERM
#     stops it cleanly.
. "$(dirname "$0")/lib-router.sh"
need cc curl nginx prometheus git
unset FICUS_TEST_TOKEN

tenants_init || { bad "bucket tool"; finish; }
nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
WEB=http://127.0.0.1:$NGINX_ADMIN_PORT
prom_start "$WORK/prom" "127.0.0.1:$NGINX_ADMIN_PORT" || { bad "prometheus starts"; finish; }
PROM=http://127.0.0.1:$PROM_PORT
T0=$(date +%s)
now() { export FICUS_NOW=$((T0 + $1)); }

run 0 "init" fc init -q "$WORK/plan"
run 0 "router add" fc router add web --driver nginx-lua --replica "$WEB" --timeout 2s --retries 0 -q
run 0 "domain add" fc domain add tracking --rps 100 -q
run 0 "service add" fc service add tracking --domain tracking --route /api/tracking --gate analysis_passes=2 -q
for p in dual-write backfill read-cutover 10%; do check "promote to $p" promote_to tracking "$p"; done
# the measured error rate of the new side: its 5xx over all its answers
Q='(sum(ficus_requests_total{flag="{{flag}}",side="new",code="5xx"}) or vector(0)) / sum(ficus_requests_total{flag="{{flag}}",side="new"})'
run 0 "check add (analysis)" fc check add tracking err --prometheus "$PROM" --query "$Q" --max 0.01 \
    --interval 1s --failure-limit 2

echo "# --- (a) healthy: passes carry the measured error rate, the watcher promotes"
predict tracking tracking 1000
sweep nginx "$NGINX_PORT" tracking
want_new=$(awk '$2 == "new"' "$WORK/predict.tracking" | wc -l)
check "prometheus has the new side's $want_new answers" \
    prom_wait 'sum(ficus_requests_total{flag="tracking",side="new"})' "$want_new"
now 10
run 0 "check run records a pass" fc check run tracking err
check "its detail carries the measured error rate and the bounds" has "$OUT" "err=0 <= 0.01"
check "the commit carries the resolved query" \
    bash -c 'git -C "$1" log -1 --format=%B | grep -qF "Ficus-Check: err pass: err=0 <= 0.01; query: (sum(ficus_requests_total{flag=\"tracking\""' _ "$WORK/plan"
now 20
run 3 "the ramp gate stays closed: the soak, and 1 pass of 2" fc promote tracking --dry-run
check "it says which gates" has "$ERR$OUT" "analysis err: 1 pass since the step began of the 2 needed"
# eight days later the soak is over; the watcher's round measures once more
now $((8 * 86400))
run 0 "watch --once --promote" fc watch --once --promote
check "the round measured a pass" has "$OUT" "check    tracking err pass: err=0 <= 0.01"
check "the round promoted tracking" has "$OUT" "promote  tracking: read-cutover 10% -> read-cutover 50%"
subject=$(git -C "$WORK/plan" log -1 --format=%s)
check "the promotion is the last commit ($subject)" test "$subject" = "tracking: ramp 10% -> 50%"
check "its gates name the analysis it trusted" \
    bash -c 'git -C "$1" log -1 --format=%B | grep -q "^Ficus-Gates: .*analysis err open (2 pass since step, newest 0 <= 0.01)"' _ "$WORK/plan"
check "the watcher is the author" test "$(git -C "$WORK/plan" log -1 --format=%an)" = "ficus watch"

echo "# --- (b) the new upstream fails a share of requests: rollback within failure_limit rounds"
# a loopback webhook receiver hears of the watcher's changes
rx_build || { bad "webhook-rx builds"; finish; }
rx_start hook
run 0 "notify add (change events)" fc notify add ops --url "http://127.0.0.1:$RX_PORT/ficus" --events change -q
predict tracking tracking 5000
new_tenants=$(awk '$2 == "new" { print $1 }' "$WORK/predict.tracking" | head -30)
fails=0
for t in $new_tenants; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Tenant: $t" -H "X-Test-Fail-New: 1" \
        "http://127.0.0.1:$NGINX_PORT/api/tracking/item")
    [ "$code" = 500 ] && fails=$((fails + 1))
done
check "the new side failed 30 requests ($fails)" test "$fails" = 30
check "prometheus has the 30 failures" prom_wait 'sum(ficus_requests_total{flag="tracking",side="new",code="5xx"})' 30
now $((8 * 86400 + 10))
run 0 "round 1 of 2: a failure, no rollback yet" fc watch --once
check "it measured the failure" has "$OUT" "check    tracking err fail: err="
check "no rollback after 1 failure of 2" hasnt "$OUT" "rollback"
now $((8 * 86400 + 20))
run 0 "round 2 of 2: the failure limit, the rollback" fc watch --once
check "it rolled tracking back" has "$OUT" "rollback tracking: automatic rollback to 0%"
check "it read every replica back" has "$OUT" "verify   tracking: every replica holds 0% (1 read back)"
log=$(git -C "$WORK/plan" log -1 --format='%an|%s|%B')
check "the rollback commit: actor ficus watch, 50% -> 0%" has "$log" "ficus watch|tracking: rollback 50% -> 0%"
check "its reason says automatic rollback" has "$log" "automatic rollback: analysis failed its failure limit"
nfail=$(git -C "$WORK/plan" log -1 --format=%B | git interpret-trailers --parse | grep -c '^Ficus-Check: err fail at .*: err=0\.[0-9]* > 0.01; query: ')
check "its trailers carry the two failed measurements ($nfail)" test "$nfail" = 2
rb_commit=$(git -C "$WORK/plan" rev-parse HEAD)
hook_has() { grep -q "$1" "$WORK/hook.log"; }
check "the webhook got the automatic rollback's event" wait_for 30 hook_has "$rb_commit"
check "the event names the actor ficus watch and the automatic rollback" \
    bash -c 'grep "$1" "$2" | grep "\"actor\":\"ficus watch" | grep -q "automatic rollback"' _ "$rb_commit" "$WORK/hook.log"
run 0 "the plan says 0%" fc router verify
predict tracking tracking 0
sweep nginx "$NGINX_PORT" tracking
check "every tenant is on the monolith" bash -c '! grep -q " new$" "$1"' _ "$WORK/sweep.out"

echo "# --- (b2) a rollback the router cannot confirm: loud, exit 5"
run 0 "domain add auth" fc domain add auth -q
run 0 "service add auth" fc service add auth --domain auth --route /api/auth -q
for p in dual-write backfill read-cutover 10%; do check "promote auth to $p" promote_to auth "$p"; done
run 0 "check add (a measurement that always fails)" fc check add auth always --prometheus "$PROM" \
    --query 'vector(1)' --max 0.01 --interval 1s --failure-limit 1
router_pause "$NGINX_PID"
now $((8 * 86400 + 30))
run 5 "watch --once: rolled back, not confirmed on the paused router" fc watch --once
router_resume "$NGINX_PID"
check "it rolled auth back" has "$OUT" "rollback auth: automatic rollback to 0%"
check "the read-back says NOT CONFIRMED" has "$OUT" "verify   auth: NOT CONFIRMED: web/"
check "the round says so" has "$OUT" "a rollback NOT CONFIRMED on every replica"
check "the rollback is committed all the same" \
    test "$(git -C "$WORK/plan" log -1 --format=%s)" = "auth: rollback 10% -> 0%"
run 0 "router sync brings the router to the plan" fc router sync
run 0 "router verify: every replica at the plan's 0%" fc router verify

echo "# --- (c) a query that matches nothing: no-data holds, nothing moves"
run 0 "domain add docs" fc domain add docs -q
run 0 "service add docs" fc service add docs --domain docs --route /api/docs --gate step_soak=0s -q
for p in dual-write backfill read-cutover 10%; do check "promote docs to $p" promote_to docs "$p"; done
run 0 "check add (a query for a flag nobody serves)" fc check add docs nd --prometheus "$PROM" \
    --query 'sum(ficus_requests_total{flag="nobody-serves-this"})' --max 0.01 --interval 1s --failure-limit 1
decisions() { git -C "$WORK/plan" log --format=%s | grep -v -e ': check' -e '^checks of' -c; }
head_before=$(decisions)
now $((9 * 86400))
run 0 "watch --once --promote" fc watch --once --promote
check "it says no-data and holds" has "$OUT" "hold     docs nd no-data: nd: no data (the query matched no series)"
check "docs is not rolled back" hasnt "$OUT" "rollback docs"
check "docs is not promoted" hasnt "$OUT" "promote  docs"
check "the paused tracking is left for a person" has "$OUT" "left     tracking: paused at 0% after a rollback"
check "no commit but the round's results" \
    test "$(decisions)" = "$head_before"
check "docs is still at 10%" bash -c 'fc() { "$1" "${@:2}"; }; "$1" --json status docs | grep -q "\"bp\": 1000"' _ "$FICUS"

echo "# --- (d) prometheus stopped: an error, nothing rolled back, the watcher keeps running"
kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null
now $((10 * 86400))
"$FICUS" watch --interval 1s --json >"$WORK/watch.log" 2>"$WORK/watch.err" &
WPID=$!
_ROUTERS_EXTRA_PIDS+=("$WPID")
for _ in $(seq 1 100); do
    grep -q '"event":"round"' "$WORK/watch.log" 2>/dev/null && break
    sleep 0.1
done
check "the watcher logged a round as JSON lines" grep -q '"event":"round"' "$WORK/watch.log"
check "its lines are JSON" bash -c 'while IFS= read -r l; do printf "%s" "$l" | python3 -c "import json,sys; json.load(sys.stdin)" || exit 1; done <"$1"' _ "$WORK/watch.log"
check "an error result for docs" grep -qE '"check":"nd",.*"outcome":"error","service":"docs"' "$WORK/watch.log"
check "the error is recorded" bash -c 'sqlite3 "$1/.git/ficus/plan.db" "SELECT count(*) FROM check_result WHERE outcome = '"'error'"'" | grep -qv "^0$"' _ "$WORK/plan"
check "nothing rolled back" bash -c '! grep -q "\"event\":\"rollback\"" "$1"' _ "$WORK/watch.log"
run 4 "a second watcher is refused" fc watch --once
check "it names the first one's pid" has "$ERR" "another watcher (pid $WPID) watches this plan"
run 0 "status --json shows the watcher" fc --json status
check "running, with its pid" has "$OUT" "\"pid\":$WPID,"
check "state running" has "$OUT" '"state":"running"'
sleep 1.5
check "it is still running after more rounds" kill -0 "$WPID"
kill -TERM "$WPID"
wait "$WPID"
wrc=$?
check "SIGTERM: a clean exit 0 ($wrc)" test "$wrc" = 0
check "it logged its stop" grep -q '"event":"stop"' "$WORK/watch.log"
run 0 "status --json after" fc --json status
check "the watcher is stopped" has "$OUT" '"state":"stopped"'
check "docs is still at 10%" bash -c '"$1" --json status docs | grep -q "\"bp\": 1000"' _ "$FICUS"
run 0 "the plan verifies" fc verify
finish
