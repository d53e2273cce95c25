#!/usr/bin/env bash
# t-router-pins.sh - tenant pins through real routers, driven by ficus:
# HAProxy (runtime API, the pin map keyed "<flag>:<tenant>") and nginx with
# contrib/nginx/ficus.lua (router protocol v1 "pins").  20 tenants pinned
# in and 20 out; at 0% (dual-write), 1%, 10%, 50% and 100% 500 tenants go
# through each router by real requests and each lands where 'ficus tenant
# route' says, which agrees with the crc32 rule overridden by the live
# pins.  An abort (rollback to 0%) puts every tenant, pinned in or not, on
# the monolith.  A pin change with HAProxy down exits 5; 'router sync'
# converges and 'router verify' is 0.  Pins changed behind ficus's back are
# drift.
. "$(dirname "$0")/lib-router.sh"
need cc curl nginx haproxy

both_routers_up
EDGE=tcp://127.0.0.1:$HAPROXY_ADMIN_PORT
WEB=http://127.0.0.1:$NGINX_ADMIN_PORT

echo "# --- plan, routers, the pins"
run 0 "init" fc init -q "$WORK/plan"
# the timeouts leave a wide margin: under ASan, beside other suites, a read
# of HAProxy's 10,000-entry pin map and its diff took seconds (a 2 s
# timeout once cut the abort's pin update short); no check here waits on a
# timeout
run 0 "router add edge (haproxy with a pin map)" \
    fc router add edge --driver haproxy --replica "$EDGE" --map "$HAPROXY_MAP" --pin-map "$HAPROXY_PIN_MAP" \
        --timeout 20s --retries 1
run 0 "router add web (nginx-lua)" \
    fc router add web --driver nginx-lua --replica "$WEB" --token-env FICUS_TOKEN_WEB --timeout 20s
run 0 "domain add" fc domain add tracking -q
run 0 "service add tracking" fc service add tracking --domain tracking --route /api/tracking -q

# pins that change where a tenant goes: out, the 20 lowest buckets (on the
# new service from 10% on without a pin); in, the 20 highest (on the
# monolith below 100%)
buckets_for tracking
sort -k2,2n "$WORK/buckets.tracking" | head -20 | awk '{ print $1 }' >"$WORK/pins.out"
sort -k2,2n "$WORK/buckets.tracking" | tail -20 | awk '{ print $1 }' >"$WORK/pins.in"
check "the out pins fall below 10% by their buckets" \
    test "$(sort -k2,2n "$WORK/buckets.tracking" | head -20 | awk '$2 < 1000' | wc -l)" = 20
{ sed 's/$/ in/' "$WORK/pins.in"; sed 's/$/ out/' "$WORK/pins.out"; } >"$WORK/pins.all"
sed 's/$/ out/' "$WORK/pins.out" >"$WORK/pins.outonly"

check "promote to dual-write" promote_to tracking dual-write
run 0 "pin 20 tenants in (--from FILE)" fc service pin tracking --in --from "$WORK/pins.in"
run 0 "pin 20 tenants out (comma list)" fc service pin tracking --out "$(paste -sd, "$WORK/pins.out")"
check "one commit each, the tenants in the body" \
    bash -c 'git -C "$1" log -1 --format=%B | grep -q "^pinned out (20): $(sort "$2" | head -1) " &&
             git -C "$1" log -2 --format=%s | grep -qx "tracking: pin 20 tenants in"' _ "$WORK/plan" "$WORK/pins.out"
run 0 "pinning them again: nothing to do" fc service pin tracking --in --from "$WORK/pins.in"
check "it says so" has "$ERR" "already pinned in"

step() { # step PCT PINS: sync, verify, predict and sweep both routers
    local pct=$1 pins=$2 bp
    bp=$(plan_bp tracking)
    run 0 "router sync at $pct" fc router sync
    run 0 "router verify at $pct" fc router verify
    predict tracking tracking "$bp" "$pins"
    sweep haproxy "$HAPROXY_PORT" tracking
    sweep nginx "$NGINX_PORT" tracking
}
# routed TENANT ROUTER-PORT: the side that answered a request of TENANT
routed() {
    curl -s --max-time 5 -H "X-Tenant: $1" "http://127.0.0.1:$2/api/tracking/x" | awk '{ print $1 }'
}

echo "# --- 0% (dual-write): out pins on the routers, in pins held"
step 0% "$WORK/pins.outonly"
check "nginx holds the 20 out pins and no in pin" \
    bash -c 'grep -q "\"pins\":{\"in\":\[\],\"out\":\[\"$2\"" <<<"$1"' _ \
    "$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking)" "$(sort "$WORK/pins.out" | head -1)"
check "haproxy's pin map holds the 20 out pins" \
    test "$(haproxy_api "show map $HAPROXY_PIN_MAP" | grep -c " tracking:t[0-9]* out$")" = 20

echo "# --- read-cutover: 1%, 10%, 50%, 100%"
check "promote to backfill" promote_to tracking backfill
check "promote to read-cutover" promote_to tracking read-cutover
step 1% "$WORK/pins.all"
check "haproxy's pin map holds the 40 pins" \
    test "$(haproxy_api "show map $HAPROXY_PIN_MAP" | grep -c " tracking:t[0-9]* \(in\|out\)$")" = 40
check "a pinned-in tenant is answered by the new service (nginx, header)" \
    test "$(routed "$(head -1 "$WORK/pins.in")" "$NGINX_PORT")" = new
check "promote to 10%" promote_to tracking 10%
step 10% "$WORK/pins.all"
check "a pinned-out tenant below 10% stays on the monolith (haproxy)" \
    test "$(routed "$(head -1 "$WORK/pins.out")" "$HAPROXY_PORT")" = old
check "promote to 50%" promote_to tracking 50%
step 50% "$WORK/pins.all"

echo "# --- abort: every tenant back on the monolith, pinned in or not"
run 0 "rollback (abort)" fc rollback tracking -m "incident"
step 0% "$WORK/pins.outonly"
check "no tenant on the new service after the abort (nginx)" \
    bash -c '! grep -q " new$" "$1"' _ "$WORK/predict.tracking"
check "the routers hold no in pin after the abort" \
    bash -c 'grep -q "\"pins\":{\"in\":\[\]," <<<"$1" && ! grep -q " in$" <<<"$2"' _ \
    "$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking)" "$(haproxy_api "show map $HAPROXY_PIN_MAP")"
run 0 "a second abort has nothing to do" fc rollback tracking -m "again"
check "it says so" has "$ERR$OUT" "nothing to roll back"
check "resume: the first ramp step, in pins back" promote_to tracking 1%
step 1% "$WORK/pins.all"
check "promote to 50% again" promote_to tracking 50%
check "promote to 100%" promote_to tracking 100%
step 100% "$WORK/pins.all"
check "at 100% only the 20 pinned-out tenants stay on the monolith" \
    test "$(grep -c " old$" "$WORK/predict.tracking")" = 20

echo "# --- a pin change while a replica is down"
haproxy_stop
NEWPIN=$(sort -k2,2n "$WORK/buckets.tracking" | sed -n 200p | awk '{ print $1 }')
run 5 "pin out with haproxy down: committed, not applied everywhere" fc service pin tracking --out "$NEWPIN"
check "it names the replica" has "$ERR" "router 'edge' replica $EDGE"
check "the pin is committed all the same" \
    bash -c 'git -C "$1" log -1 --format=%B | grep -q "^pinned out (1): $2$"' _ "$WORK/plan" "$NEWPIN"
check "nginx has the new pin already" test "$(routed "$NEWPIN" "$NGINX_PORT")" = old
run 5 "router sync while haproxy is down" fc router sync
haproxy_restart || bad "haproxy restarts"
run 6 "router verify after the restart: the runtime pins are gone" fc router verify
check "verify names the pins" has "$OUT" "flag 'tracking'"
run 0 "router sync converges" fc router sync
run 0 "router verify" fc router verify
{ cat "$WORK/pins.all"; echo "$NEWPIN out"; } >"$WORK/pins.all2"
step 100% "$WORK/pins.all2"
check "the new pin holds on haproxy" test "$(routed "$NEWPIN" "$HAPROXY_PORT")" = old

echo "# --- pins changed behind ficus's back"
victim=$(head -1 "$WORK/pins.out")
flipped=$(sed -n 2p "$WORK/pins.out")
haproxy_api "del map $HAPROXY_PIN_MAP tracking:$victim" >/dev/null
haproxy_api "set map $HAPROXY_PIN_MAP tracking:$flipped in" >/dev/null
# a key no ficus would write, with an escaped ';' that HAProxy prints as it is
haproxy_api 'add map '"$HAPROXY_PIN_MAP"' tracking:bad\;key in' >/dev/null
REV=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking | sed -n 's/.*"rev":\([0-9]*\).*/\1/p')
nginx_admin "$NGINX_ADMIN_PORT" PUT /v1/flags/tracking "{\"bp\":10000,\"shadow\":false,\"rev\":$REV,\"pins\":{\"in\":[],\"out\":[\"$victim\"]}}" >/dev/null
check "nginx now routes a formerly pinned tenant to the new side" test "$(routed "$NEWPIN" "$NGINX_PORT")" = new
run 6 "router verify finds the pin drift on both routers" fc router verify
check "it names haproxy's pins" has "$OUT" "drift: router 'edge' replica $EDGE flag 'tracking': the router has other tenant pins (in 22, out 19)"
check "it names nginx's pins" has "$OUT" "drift: router 'web' replica $WEB flag 'tracking': the router has other tenant pins (in 0, out 1)"
run 0 "router sync restores them" fc router sync
run 0 "router verify" fc router verify
check "haproxy: the flipped pin is out again, the foreign key gone (entries named by reference)" \
    bash -c 'grep -q " tracking:$2 out$" <<<"$1" && ! grep -q "bad" <<<"$1"' _ \
    "$(haproxy_api "show map $HAPROXY_PIN_MAP")" "$flipped"
step 100% "$WORK/pins.all2"

echo "# --- unpin: back to the bucket rule"
run 0 "unpin every pin (--from -)" bash -c 'cut -d" " -f1 "$1" | "$2" service pin tracking --unpin --from -' _ \
    "$WORK/pins.all2" "$FICUS"
check "nginx holds no pins: its flag object is as without pins" \
    bash -c 'grep -qx "{\"bp\":10000,\"shadow\":false,\"rev\":[0-9]*}" <<<"$1"' _ \
    "$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking)"
no_haproxy_pins() { ! haproxy_api "show map $HAPROXY_PIN_MAP" | grep -q "tracking:"; }
check "haproxy's pin map is empty" no_haproxy_pins
step 100% /dev/null

echo "# --- 10,000 pins on one service (the limit), through both routers"
run 0 "service add notifications" fc service add notifications --domain tracking --route /api/notifications -q
check "notifications to 50%" bash -c 'for t in dual-write backfill read-cutover 10% 50%; do
    "$1" promote notifications --to "$t" --force -m big -q >/dev/null 2>&1 || [ $? = 5 ] || exit 1; done' _ "$FICUS"
# 250 of the swept tenants (125 in, 125 out) and 9,750 others out, of the
# longest name (128 bytes): a PUT body of 1.3 MB
head -125 "$WORK/tenants" >"$WORK/big.in"
{ sed -n 126,250p "$WORK/tenants"; seq -f 'p%0127g' 1 9750; } >"$WORK/big.out"
check "the long tenants are 128 bytes" test "$(sed -n 200p "$WORK/big.out" | tr -d '\n' | wc -c)" = 128
run 0 "pin 125 in" fc service pin notifications --in --from "$WORK/big.in"
run 0 "pin 9,875 out: 10,000 pins" fc service pin notifications --out --from "$WORK/big.out"
echo "# the push of 10,000 pins took ${ELAPSED_MS} ms"
run 1 "one more is refused" fc service pin notifications --out one-more
{ sed 's/$/ in/' "$WORK/big.in"; sed -n 126,250p "$WORK/tenants" | sed 's/$/ out/'; } >"$WORK/big.pins"
grep ' out$' "$WORK/big.pins" >"$WORK/big.pins.outonly"
run 0 "router verify with 10,000 pins" fc router verify
predict notifications notifications 5000 "$WORK/big.pins"
sweep haproxy "$HAPROXY_PORT" notifications
sweep nginx "$NGINX_PORT" notifications
check "haproxy holds the 10,000 pins" \
    test "$(haproxy_api "show map $HAPROXY_PIN_MAP" | grep -c " notifications:")" = 10000
nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/notifications >"$WORK/big.get"
check "nginx holds the 10,000 pins (an answer over 1 MiB)" \
    bash -c 'test "$(grep -o "\"[tp][0-9]*\"" "$1" | wc -l)" = 10000 && test "$(wc -c <"$1")" -gt 1048576' _ "$WORK/big.get"
run 0 "abort with 10,000 pins" fc rollback notifications -m "incident"
run 0 "router verify after the abort" fc router verify
predict notifications notifications 0 "$WORK/big.pins.outonly"
sweep haproxy "$HAPROXY_PORT" notifications
sweep nginx "$NGINX_PORT" notifications

echo "# --- the protocol's \"pins\" member on nginx, by hand"
# put_is CODE BODY-FILE: a PUT of flag 'pinproto' with that body answers CODE (the body in $WORK/put.out)
put_is() {
    test "$(curl -s --max-time 5 -o "$WORK/put.out" -w '%{http_code}' -X PUT \
        -H "Authorization: Bearer $FICUS_TEST_TOKEN" -H 'Content-Type: application/json' \
        --data-binary "@$2" "http://127.0.0.1:$NGINX_ADMIN_PORT/v1/flags/pinproto")" = "$1"
}
echo '{"bp":0,"shadow":false,"rev":5,"pins":{"in":["a"],"out":["b"]}}' >"$WORK/p.ok"
check "a flag with pins is stored and answered with them" put_is 200 "$WORK/p.ok"
stored=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/pinproto)
check "GET gives the pins back" test "$stored" = '{"bp":0,"shadow":false,"rev":5,"pins":{"in":["a"],"out":["b"]}}'
for bad in '{"in":["a:b"]}' '{"in":["x"],"out":["x"]}' '{"in":"a"}' '{"up":[]}' '[]' \
           "{\"out\":[$(seq -f '"q%05g"' -s, 1 10001)]}"; do
    printf '{"bp":0,"shadow":false,"rev":6,"pins":%s}' "$bad" >"$WORK/p.bad"
    check "bad pins refused with 400: ${bad:0:40}" put_is 400 "$WORK/p.bad"
done
check "the bad PUTs changed nothing" test "$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/pinproto)" = "$stored"
echo '{"bp":0,"shadow":false,"rev":4,"pins":{"in":["c"],"out":[]}}' >"$WORK/p.old"
check "an older revision is refused with 409" put_is 409 "$WORK/p.old"
check "the 409 answer holds the stored pins" grep -qF '"pins":{"in":["a"],"out":["b"]}' "$WORK/put.out"
echo '{"bp":0,"shadow":false,"rev":7}' >"$WORK/p.none"
check "a PUT without pins removes them" put_is 200 "$WORK/p.none"
check "the flag object is as without pins" \
    test "$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/pinproto)" = '{"bp":0,"shadow":false,"rev":7}'

check "nginx error log has no Lua errors" \
    bash -c '! grep -E "\[(error|crit|alert|emerg)\].*lua" "$1"' _ "$NGINX_DIR/error.log"
finish
