#!/usr/bin/env bash
# t-shadow-compare.sh - shadow compare in the shipped nginx + Lua router
# (ficus-shadow(1)), with real nginx and two loopback upstreams whose
# answers differ on known paths (tests/lib/ficus_test_stub.lua):
#  (a) the compare and ignore rules of ficus.lua, case by case, in nginx;
#  (c) `ficus shadow tracking on --compare --ignore ts`: requests of every
#      case; the router's counters and sample paths equal what was sent,
#      the client always got the monolith's bytes and headers, `ficus check
#      run tracking shadow` records them, and the backfill -> read-cutover
#      gate opens only once the mismatch rate is under the threshold;
#      compare turned on again counts from zero;
#  (d) the new side hangs: the client's latency stays within the bound;
#      p50/p99 of the client's latency without compare, with compare, and
#      with compare and a hanging new side are printed.
. "$(dirname "$0")/lib-router.sh"
need curl nginx python3
unset FICUS_TEST_TOKEN

nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
WEB=http://127.0.0.1:$NGINX_ADMIN_PORT
R=http://127.0.0.1:$NGINX_PORT
OLD=http://127.0.0.1:$NGINX_OLD_PORT

echo "# --- (a) the compare rule, in nginx"
rules=$(curl -s --max-time 5 "$OLD/_test/compare_rules")
echo "$rules" | sed 's/^/#   /'
check "every case of the compare rule holds" bash -c 'grep -q "^cases [0-9]* failed 0$" <<<"$1" && ! grep -q "^FAIL" <<<"$1"' _ "$rules"

run 0 "init" fc init -q "$WORK/plan"
run 0 "router add" fc router add web --driver nginx-lua --replica "$WEB" -q
run 0 "domain add" fc domain add tracking -q
run 0 "service add" fc service add tracking --domain tracking --route /api/tracking \
    --gate dual_write_min=0s --gate reconcile_passes=0 \
    --gate shadow_max_mismatch=10% --gate shadow_min_compared=50 -q
run 0 "to dual-write" fc promote tracking -q
run 0 "to backfill" fc promote tracking -q
# the plan's clock, moved by the test: a 'shadow' result counts when it is
# recorded after compare went on (a later second)
T0=$(date +%s)
at() { export FICUS_NOW=$((T0 + $1)); }
at 0

echo "# --- (c) counters, sample paths, the client's bytes, the check, the gate"
run 0 "shadow on --compare --ignore ts" fc shadow tracking on --compare --ignore ts
flagdoc=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking)
check "the router holds the compare ($flagdoc)" has "$flagdoc" '"compare":{"ignore":["ts"],"sample":10000,"since":'
stats=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking/shadow)
check "counters start at zero ($stats)" has "$stats" '"compared":0,"matched":0,"mismatched":0,"not_compared":0'

# send CASE N: N GETs of /api/tracking/cmp/CASE/<i>; each answer (status
# line, headers but the connection's own, body) must equal the monolith's
# own answer, byte for byte, and come from it (X-Served-By: old)
client_bad=0
client_n=0
answer() { # answer URL: status line, sorted headers, body
    curl -s --max-time 10 -D "$WORK/.h" -o "$WORK/.b" "$1"
    head -1 "$WORK/.h"
    tail -n +2 "$WORK/.h" | tr -d '\r' | grep -iv '^\(date\|server\|connection\|keep-alive\|transfer-encoding\|x-ficus-side\):' | sort
    cat "$WORK/.b"
}
send() {
    local case=$1 n=$2 i want got
    for i in $(seq 1 "$n"); do
        want=$(answer "$OLD/api/tracking/cmp/$case/$i")
        got=$(answer "$R/api/tracking/cmp/$case/$i")
        client_n=$((client_n + 1))
        if [ "$want" != "$got" ] || ! grep -qi '^x-served-by: old$' <<<"$got"; then
            client_bad=$((client_bad + 1))
            [ "$client_bad" -le 2 ] && echo "# $case/$i differs from the monolith's answer: $(head -c 300 <<<"$got")"
        fi
    done
}
send same 20; send field 3; send status 2; send text 1; send big 2
check "the client got the monolith's status, headers and bytes every time ($client_n answers)" \
    test "$client_bad/$client_n" = 0/28
sleep 0.3   # the comparison ends after the client's answer: let the last one count
stats=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking/shadow)
echo "# $stats" | cut -c1-300
jq_() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$stats" "$1"; }
check "compared 26 (20 same, 3 field, 2 status, 1 text)" test "$(jq_ 'd["compared"]')" = 26
check "matched 20 (ts ignored)" test "$(jq_ 'd["matched"]')" = 20
check "mismatched 6" test "$(jq_ 'd["mismatched"]')" = 6
check "not compared 2 (the oversized bodies)" test "$(jq_ 'd["not_compared"]')" = 2
check "six recent mismatches" test "$(jq_ 'len(d["recent"])')" = 6
recent=$(jq_ '"\n".join(r["path"] + " " + r["reason"] for r in d["recent"])')
echo "$recent" | sed 's/^/#   /'
check "field mismatches name the field" has "$recent" "/api/tracking/cmp/field/3 body differs at \$.eta"
check "status mismatches name both statuses" has "$recent" "/api/tracking/cmp/status/2 status 200≠500"
check "the text mismatch is by bytes" has "$recent" "/api/tracking/cmp/text/1 body differs (bytes"
check "no 'same' path among the mismatches" hasnt "$recent" "/cmp/same/"
# HEAD is compared too (statuses); other methods never are
head_want=$(curl -s --max-time 5 -I "$OLD/api/tracking/cmp/same/h" | tr -d '\r' | grep -ic '^x-served-by: old')
head_got=$(curl -s --max-time 5 -I "$R/api/tracking/cmp/same/h" | tr -d '\r' | grep -ic '^x-served-by: old')
check "HEAD answered from the monolith" test "$head_want$head_got" = 11
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST --data x "$R/api/tracking/cmp/same/p")
check "POST answered ($code)" test "$code" = 200
sleep 0.3
stats=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking/shadow)
check "the HEAD counted as a match, the POST not at all" test "$(jq_ 'd["compared"], d["matched"]')" = "(27, 21)"
metrics=$(curl -s --max-time 5 "$WEB/metrics")
check "/metrics exports the counters" has "$metrics" 'ficus_shadow_compare_total{flag="tracking",result="mismatched"} 6'

at 60
run 3 "check run tracking shadow: recorded, failed" fc check run tracking shadow
run 0 "the recorded result" fc service show tracking --json
check "the check records the rate, counts and a sample ($OUT)" \
    bash -c 'grep -q "mismatch 22.22% (6/27 compared, 2 not compared) > 10%" <<<"$1"' _ "$OUT"
run 3 "the gate is closed at 22% over 27 compared" fc promote tracking
check "it names the shadow gate" has "$ERR$OUT" "shadow"

send same 40
sleep 0.3
at 120
run 0 "check run again" fc check run tracking shadow
run 0 "the gate is open at 9% over 67 compared" fc promote tracking --dry-run
check "dry run shows the shadow gate open" has "$OUT$ERR" "shadow open (6/67"

echo "# --- compare turned on again counts from zero"
at 180
run 0 "compare with another ignore list" fc shadow tracking on --compare --ignore ts,eta
stats=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking/shadow)
check "counters start again at zero ($stats)" has "$stats" '"compared":0,"matched":0,"mismatched":0,"not_compared":0,'
send field 2
sleep 0.3
stats=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking/shadow)
check "eta ignored now: field requests match ($stats)" has "$stats" '"compared":2,"matched":2,"mismatched":0'
run 3 "the gate does not trust the counts of the earlier compare" fc promote tracking
check "it says why" has "$ERR" "no 'shadow' result since compare went on"

echo "# --- the watcher reads the counters too (the 'shadow' check, once a minute)"
at 240
run 0 "watch --once" fc watch --once
check "it measured the shadow check" has "$OUT" "check    tracking shadow fail: mismatch 0.00% (0/2 compared"
check "a shadow check never rolls back" hasnt "$OUT" "rollback"
check "the round's commit carries it" has "$(git -C "$FICUS_PLAN" log -1 --format=%B)" "Ficus-Check: shadow fail: mismatch 0.00% (0/2"
at 270
run 0 "watch --once, 30 s later" fc watch --once
check "the shadow check is not due yet" hasnt "$OUT" "tracking shadow"

echo "# --- (d) the new side hangs: the client does not wait for it"
# p50/p99 of the client's time for N requests of PATH, in ms
lat() {
    local path=$1 n=$2 i
    for i in $(seq 1 "$n"); do
        curl -s -o /dev/null --max-time 10 -w '%{time_total}\n' "$R$path/$i"
    done | sort -n | awk '{ v[NR] = $1 * 1000 } END { p50 = v[int((NR + 1) / 2)]; i99 = int(NR * 0.99 + 0.999); if (i99 < 1) i99 = 1; printf "%.1f %.1f %.1f", p50, v[i99], v[NR] }'
}
run 0 "shadow on without compare" fc shadow tracking on -q
read -r p50 p99 max < <(lat /api/tracking/cmp/same 100)
echo "# client latency, shadow without compare: p50 ${p50} ms, p99 ${p99} ms (max ${max})"
run 0 "compare on" fc shadow tracking on --compare --ignore ts -q
read -r p50 p99 max < <(lat /api/tracking/cmp/same 100)
echo "# client latency, compare (fast new side): p50 ${p50} ms, p99 ${p99} ms (max ${max})"
read -r p50 p99 max < <(lat /api/tracking/cmp/slow 20)
echo "# client latency, compare (new side hangs 5 s, timeout 2 s): p50 ${p50} ms, p99 ${p99} ms (max ${max})"
# the bound: the monolith's time plus one subrequest; the new side's 5 s
# (or its 2 s timeout) never reaches the client; 1 s is a wide margin
check "every client answer with a hanging new side came in under 1 s (max ${max} ms)" \
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1000 else 1)' "$max"
body=$(curl -s --max-time 10 "$R/api/tracking/cmp/slow/99")
check "and it was the monolith's answer" has "$body" '"ts":"t-old"'
sleep 2.5   # the comparisons give up on the new side after its 2 s timeout
stats=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking/shadow)
check "the hanging side counts as mismatches ($(cut -c1-120 <<<"$stats"))" has "$stats" '"reason":"new side: no complete answer"'
run 0 "the router still verifies" fc router verify
finish
