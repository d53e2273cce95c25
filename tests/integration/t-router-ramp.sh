#!/usr/bin/env bash
# t-router-ramp.sh - a ramp through real routers, driven by ficus:
# HAProxy (runtime API over TCP and a unix socket, map file) and nginx with
# contrib/nginx/ficus.lua (router protocol v1 with a bearer token), both
# configured with 'ficus router add'.  The service goes 0% -> 1% -> 10% ->
# 50% -> 100%; after every step 500 tenants go through each router and
# each lands where 'ficus tenant route' says.  On the way: HAProxy stopped
# mid-ramp (exit 5, status pending, doctor; back: sync converges, verify
# 0), nginx restarted (its memory-only store is empty: drift, sync
# restores), flags changed behind ficus's back on both routers (verify 6
# naming them, sync restores), and a newer revision left by someone else.
. "$(dirname "$0")/lib-router.sh"
need cc curl nginx haproxy sqlite3

both_routers_up
EDGE_TCP=tcp://127.0.0.1:$HAPROXY_ADMIN_PORT
EDGE_UNIX=unix://$HAPROXY_SOCK
WEB=http://127.0.0.1:$NGINX_ADMIN_PORT

echo "# --- plan and routers"
run 0 "init" fc init -q "$WORK/plan"
run 0 "router add edge (haproxy, two replicas, map file)" \
    fc router add edge --driver haproxy --replica "$EDGE_TCP" --replica "$EDGE_UNIX" \
        --map "$HAPROXY_MAP" --map-file "$HAPROXY_MAP" --timeout 2s --retries 1
run 0 "router add web (nginx-lua, token from the environment)" \
    fc router add web --driver nginx-lua --replica "$WEB" --token-env FICUS_TOKEN_WEB --timeout 2s
check "ficus.json names the routers, no token" \
    bash -c 'grep -q "\"token_env\": \"FICUS_TOKEN_WEB\"" "$1/ficus.json" && ! grep -rqF "$2" "$1"' \
    _ "$WORK/plan" "$FICUS_TEST_TOKEN"
run 0 "router list" fc router list
check "router list shows both with their capabilities" \
    bash -c 'grep -qP "^edge\thaproxy\tper tenant\t0.01%\tyes\tno\tno\t" <<<"$1" &&
             grep -qP "^web\tnginx-lua\tper tenant\t0.01%\tno\tyes\tyes\t" <<<"$1"' _ "$OUT"
run 0 "domain add" fc domain add tracking -q
run 0 "service add tracking" fc service add tracking --domain tracking --route /api/tracking -q

step() { # step PCT: after the change, sync, verify and sweep both routers
    local pct=$1 bp
    bp=$(plan_bp tracking)
    run 0 "router sync at $pct" fc router sync
    run 0 "router verify at $pct" fc router verify
    check "the plan says $pct" test "$bp" = "$(($(echo "${pct%\%}" | tr -d .) * 100))"
    predict tracking tracking "$bp"
    sweep haproxy "$HAPROXY_PORT" tracking
    sweep nginx "$NGINX_PORT" tracking
}

echo "# --- 0%"
step 0%
check "haproxy map file holds the pushed value" grep -qx "tracking 0" "$HAPROXY_MAP"
run 0 "router status" fc router status
check "status: 3 replicas synced" test "$(grep -c $'\tsynced\t' <<<"$OUT")" = 3

echo "# --- 1% (entering read-cutover)"
check "promote to dual-write" promote_to tracking dual-write
check "promote to backfill" promote_to tracking backfill
check "promote to read-cutover" promote_to tracking read-cutover
step 1%

echo "# --- 10%"
check "promote to 10%" promote_to tracking 10%
step 10%
check "haproxy map file follows" grep -qx "tracking 1000" "$HAPROXY_MAP"
check "nginx holds bp 1000 with the plan's revision" \
    bash -c 'grep -q "\"tracking\":{\"bp\":1000,\"shadow\":false,\"rev\":" <<<"$1"' _ \
    "$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags)"

echo "# --- haproxy stopped mid-ramp"
haproxy_stop
run 5 "promote to 50% with haproxy down: committed, not applied everywhere" \
    fc promote tracking --to 50% --force -m "ramp while the edge is down"
check "promote names the replica and why" has "$ERR" "router 'edge' replica $EDGE_TCP: connection refused"
check "the change is committed all the same" \
    bash -c 'git -C "$1" log -1 --format=%s | grep -q "10% -> 50%"' _ "$WORK/plan"
run 5 "router sync with haproxy down" fc router sync
check "the error names the replica and why" has "$ERR" "router 'edge' replica $EDGE_TCP: connection refused"
check "nginx got 50% all the same" has "$OUT" "router 'web' replica $WEB: synced"
run 0 "router status" fc router status
check "status: both haproxy replicas not synced" \
    test "$(grep -cP "^edge\t.*\ttracking\t(pending|unreachable)\t50% rev" <<<"$OUT")" = 2
check "status: nginx synced" grep -qP "^web\t.*\ttracking\tsynced\t50%" <<<"$OUT"
check "status summary counts them as pending" has "$ERR" "1 synced, 2 pending"
run 5 "router verify cannot read haproxy" fc router verify
run 5 "doctor reports the pending flag" fc doctor
check "doctor names it" has "$OUT" "routers: 1 flag pending: tracking"
run 5 "doctor --repair while haproxy is still down" fc doctor --repair
haproxy_restart || bad "haproxy restarts"
run 0 "doctor --repair after haproxy is back" fc doctor --repair
check "doctor says repaired" has "$OUT" "repaired: every replica synced"
run 0 "router sync converges" fc router sync
run 0 "router verify" fc router verify
step 50%

echo "# --- nginx restarted: its flag store is memory only"
nginx_stop
nginx_restart || bad "nginx restarts"
run 6 "router verify finds the flag missing on nginx" fc router verify
check "verify names flag and replica" has "$OUT" "drift: router 'web' replica $WEB flag 'tracking': missing on the router"
run 0 "router sync restores it" fc router sync
run 0 "router verify" fc router verify
sweep nginx "$NGINX_PORT" tracking

echo "# --- changed behind ficus's back"
haproxy_api "set map $HAPROXY_MAP tracking 0" >/dev/null
REV=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking | sed -n 's/.*"rev":\([0-9]*\).*/\1/p')
nginx_admin "$NGINX_ADMIN_PORT" PUT /v1/flags/tracking "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}" >/dev/null
run 6 "router verify finds the drift" fc router verify
check "it names haproxy's flag" has "$OUT" "drift: router 'edge' replica $EDGE_TCP flag 'tracking': the router has 0%, the plan 50%"
check "it names nginx's flag" has "$OUT" "drift: router 'web' replica $WEB flag 'tracking': the router has 100%, the plan 50%"
run 0 "router status after verify" fc router status
check "status shows drift" test "$(grep -c $'\tdrift\t' <<<"$OUT")" = 3
run 6 "router verify --json" fc router verify --json
check "verify --json reports drift" has "$OUT" '"state": "drift"'
run 0 "router sync restores the plan's values" fc router sync
run 0 "router verify" fc router verify
sweep haproxy "$HAPROXY_PORT" tracking
sweep nginx "$NGINX_PORT" tracking

echo "# --- a newer revision left on the router by someone else"
nginx_admin "$NGINX_ADMIN_PORT" PUT /v1/flags/tracking "{\"bp\":0,\"shadow\":false,\"rev\":$((REV + 100))}" >/dev/null
run 5 "router sync is refused with 409: not in sync, exit 5" fc router sync tracking --router web
check "sync reports the newer revision" has "$OUT" "(1 newer on the router)"
check "sync names the way out" has "$ERR" "--take-over tracking"
run 5 "a rollback that meets the newer revision is not a false success" fc rollback tracking --to 10% -m "meets rev"
run 6 "router verify still calls it drift" fc router verify --router web
check "verify explains the newer revision" has "$OUT" "newer than the plan's"
run 0 "router sync --take-over records one decision and pushes above it" fc router sync --take-over tracking -m "ours again"
check "the take-over is one commit with its revisions" \
    bash -c 'git -C "$1" log -1 --format=%B | git interpret-trailers --parse | grep -q "^Ficus-Action: take-over$" &&
             git -C "$1" log -1 --format=%B | grep -q "a router holds revision $2"' _ "$WORK/plan" "$((REV + 100))"
run 0 "router verify after the take-over" fc router verify
flags_now=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking)
check "nginx holds the plan's 10% above the old revision" \
    has "$flags_now" "\"rev\":$((REV + 101))"
check "at the plan's value" has "$flags_now" '"bp":1000'

run 0 "a second take-over has nothing to do" fc router sync --take-over tracking -m again
check "it says so" has "$ERR$OUT" "nothing to take over"
check "promote back to 50%" promote_to tracking 50%

echo "# --- 100%"
check "promote to 100%" promote_to tracking 100%
step 100%

echo "# --- no secret anywhere"
check "token in no plan file, commit or database" \
    bash -c '! grep -rqF "$1" "$2" && ! git -C "$2" log -p | grep -qF "$1" &&
             ! sqlite3 "$2/.git/ficus/plan.db" .dump | grep -qF "$1"' _ "$FICUS_TEST_TOKEN" "$WORK/plan"
check "commits of the routers are one each, with trailers" \
    test "$(git -C "$WORK/plan" log --format=%B | grep -c '^Ficus-Action: router-add$')" = 2
check "nginx error log has no Lua errors" \
    bash -c '! grep -E "\[(error|crit|alert|emerg)\].*lua" "$1"' _ "$NGINX_DIR/error.log"
finish
