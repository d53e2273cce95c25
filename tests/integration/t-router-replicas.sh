#!/usr/bin/env bash
# t-router-replicas.sh - one router, three replicas (three real nginx with
# contrib/nginx/ficus.lua): one push reaches all three in parallel; a
# replica frozen with SIGSTOP holds the push no longer than its timeout,
# the others still get the value, and sync converges once it thaws.
. "$(dirname "$0")/lib-router.sh"
need cc curl nginx sqlite3
unset FICUS_TEST_TOKEN

tenants_init || { bad "bucket tool"; finish; }
nginx_start_many "$WORK/nginx" 3 || { bad "three nginx start"; finish; }
ok "three nginx on 127.0.0.1: pids ${NGINXS_PID[*]}"
REPS=()
for i in 0 1 2; do REPS+=("http://127.0.0.1:${NGINXS_ADMIN_PORT[i]}"); done

run 0 "init" fc init -q "$WORK/plan"
run 0 "router add web with three replicas" \
    fc router add web --driver nginx-lua --replica "${REPS[0]}" --replica "${REPS[1]}" --replica "${REPS[2]}" \
        --timeout 1500ms --connect-timeout 500ms
run 0 "domain add" fc domain add tracking -q
run 0 "service add" fc service add tracking --domain tracking --route /api/tracking -q
check "promote to dual-write" promote_to tracking dual-write
check "promote to backfill" promote_to tracking backfill
check "promote to read-cutover" promote_to tracking read-cutover
check "promote to 10%" promote_to tracking 10%

run 0 "one sync pushes to all three" fc router sync --json
for i in 0 1 2; do
    check "replica $i has bp 1000" \
        bash -c 'grep -q "\"tracking\":{\"bp\":1000," <<<"$1"' _ "$(nginx_admin "${NGINXS_ADMIN_PORT[i]}" GET /v1/flags)"
done
check "the JSON report has three synced replicas" test "$(grep -c '"state": "synced"' <<<"$OUT")" -ge 3
# time: reported, not asserted (a loaded machine must not fail the test)
T3=$ELAPSED_MS
run 0 "a router with one of the replicas, for comparison" fc router add solo --driver nginx-lua --replica "${REPS[0]}" -q
run 0 "push to the one replica" fc router sync --router solo
echo "# whole command: three replicas ${T3} ms, one replica ${ELAPSED_MS} ms (the replicas are pushed in parallel)"
run 0 "router rm solo" fc router rm solo -q

predict tracking tracking 1000
for i in 0 1 2; do sweep "nginx-$i" "${NGINXS_PORT[i]}" tracking; done

echo "# --- one replica frozen (SIGSTOP): the push is bounded by its timeout"
router_pause "${NGINXS_PID[1]}"
check "promote to 50%" promote_to tracking 50%
run 5 "router sync with a frozen replica" fc router sync
check "the frozen replica timed out" has "$ERR" "router 'web' replica ${REPS[1]}: no answer: timed out"
check "the command took about the timeout, not more (${ELAPSED_MS} ms)" test "$ELAPSED_MS" -lt 6000
for i in 0 2; do
    check "replica $i has bp 5000 all the same" \
        bash -c 'grep -q "\"tracking\":{\"bp\":5000," <<<"$1"' _ "$(nginx_admin "${NGINXS_ADMIN_PORT[i]}" GET /v1/flags)"
done
run 0 "router status" fc router status
check "status: the frozen replica is not synced" grep -qP "^web\t${REPS[1]}\ttracking\t(unreachable|pending)\t" <<<"$OUT"
check "status: two replicas synced" test "$(grep -cP "\ttracking\tsynced\t50%" <<<"$OUT")" = 2
router_resume "${NGINXS_PID[1]}"
run 0 "router sync after it thaws" fc router sync
run 0 "router verify" fc router verify
predict tracking tracking 5000
for i in 0 1 2; do sweep "nginx-$i" "${NGINXS_PORT[i]}" tracking; done

echo "# --- one replica down: the others are still updated, the command says which"
_stop_pid "${NGINXS_PID[2]}" $(_children_of "${NGINXS_PID[2]}")
check "promote to 100%" promote_to tracking 100%
run 5 "router sync with a replica down" fc router sync
check "the error names it: connection refused" has "$ERR" "router 'web' replica ${REPS[2]}: connection refused"
check "the report has one line per replica" test "$(grep -c "^router 'web' replica " <<<"$OUT")" = 3
run 5 "router verify cannot read it" fc router verify
finish
