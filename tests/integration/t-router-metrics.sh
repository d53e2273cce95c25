#!/usr/bin/env bash
# t-router-metrics.sh - the shipped nginx + Lua router exports Prometheus
# text at its admin listener's /metrics (contrib/nginx/ficus.lua: ficus.log
# and ficus.metrics): requests by flag, side and status class, and a
# duration histogram by flag and side.  Real tenant traffic goes through
# the router; the counters must equal what was sent, side by side; then a
# real Prometheus (Debian's package, on a free loopback port, scraping every
# second) must answer the ready-made error-rate and p99 queries of
# contrib/prometheus/ficus.rules.yml for that traffic.
. "$(dirname "$0")/lib-router.sh"
need cc curl nginx prometheus
unset FICUS_TEST_TOKEN

tenants_init || { bad "bucket tool"; finish; }
nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
WEB=http://127.0.0.1:$NGINX_ADMIN_PORT
run 0 "init" fc init -q "$WORK/plan"
run 0 "router add" fc router add web --driver nginx-lua --replica "$WEB" -q
run 0 "domain add" fc domain add tracking -q
run 0 "service add" fc service add tracking --domain tracking --route /api/tracking -q
for p in dual-write backfill read-cutover 50%; do check "promote to $p" promote_to tracking "$p"; done
run 0 "router sync" fc router sync

metric() { # metric NAME{LABELS}: its value on /metrics, 0 when absent
    curl -s --max-time 5 "$WEB/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { print $2; f = 1 } END { if (!f) print 0 }'
}

echo "# --- counters follow the traffic, side by side"
predict tracking tracking 5000
sweep nginx "$NGINX_PORT" tracking
want_new=$(awk '$2 == "new"' "$WORK/predict.tracking" | wc -l)
want_old=$((TENANTS - want_new))
check "new side counted ($want_new 2xx)" test "$(metric 'ficus_requests_total{flag="tracking",side="new",code="2xx"}')" = "$want_new"
check "monolith side counted ($want_old 2xx)" \
    test "$(metric 'ficus_requests_total{flag="tracking",side="monolith",code="2xx"}')" = "$want_old"
check "no 5xx yet" test "$(metric 'ficus_requests_total{flag="tracking",side="new",code="5xx"}')" = 0

# twenty requests of tenants on the new side fail there; the same header on
# the monolith side changes nothing
new_tenants=$(awk '$2 == "new" { print $1 }' "$WORK/predict.tracking" | head -20)
old_tenants=$(awk '$2 == "old" { print $1 }' "$WORK/predict.tracking" | head -20)
fails=0
for t in $new_tenants $old_tenants; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Tenant: $t" -H "X-Test-Fail-New: 1" \
        "http://127.0.0.1:$NGINX_PORT/api/tracking/item")
    [ "$code" = 500 ] && fails=$((fails + 1))
done
check "the new side failed twenty requests ($fails)" test "$fails" = 20
check "counted as 5xx on the new side" test "$(metric 'ficus_requests_total{flag="tracking",side="new",code="5xx"}')" = 20
check "the monolith side stays 2xx" \
    test "$(metric 'ficus_requests_total{flag="tracking",side="monolith",code="2xx"}')" = "$((want_old + 20))"
count_new=$(metric 'ficus_request_duration_seconds_count{flag="tracking",side="new"}')
check "the histogram counts every request of the side ($count_new)" test "$count_new" = "$((want_new + 20))"
check "its +Inf bucket equals its count" \
    test "$(metric 'ficus_request_duration_seconds_bucket{flag="tracking",side="new",le="+Inf"}')" = "$count_new"
check "its buckets never decrease" bash -c 'curl -s "$1/metrics" |
    awk -F"[ ]" "/_bucket\\{flag=\"tracking\",side=\"new\"/ { if (\$2 < prev) bad = 1; prev = \$2 } END { exit bad }"' _ "$WEB"
check "/metrics is Prometheus text" bash -c 'curl -s -D - -o /dev/null "$1/metrics" | grep -qi "^content-type: text/plain; version=0.0.4"' _ "$WEB"
run 0 "the router's answers still verify" fc router verify

echo "# --- a real Prometheus scrapes it"
prometheus_start "$NGINX_ADMIN_PORT" || { bad "prometheus starts"; finish; }
check "prometheus is ready (pid $PROM_PID)" curl -sf "http://127.0.0.1:$PROM_PORT/-/ready"
query() { prom_query "$@"; }
# the rate rules need the counters to move between two scrapes: wait for
# Prometheus to have scraped the router once, then send traffic (failures
# on the new side every other round) until the recorded error rate answers
# above zero, for at most 60 rounds (a loaded CI machine scrapes late)
for _ in $(seq 1 100); do
    [ "$(query 'up{job="ficus-router"}')" = 1 ] && break
    sleep 0.2
done
check "prometheus scraped the router" test "$(query 'up{job="ficus-router"}')" = 1
rate=""
for round in $(seq 1 60); do
    for t in $new_tenants $old_tenants; do
        curl -s -o /dev/null --max-time 5 -H "X-Tenant: $t" -H "X-Test-Fail-New: $((round % 2))" \
            "http://127.0.0.1:$NGINX_PORT/api/tracking/item"
    done
    rate=$(query 'ficus:error_rate:ratio_rate1m{flag="tracking",side="new"}')
    [ "$round" -ge 4 ] && awk -v r="$rate" 'BEGIN { exit !(r != "" && r != "NaN" && r + 0 > 0) }' && break
    sleep 0.5
done
got=$(query 'ficus_requests_total{flag="tracking",side="new",code="5xx"}')
check "prometheus has the new side's 5xx counter ($got)" bash -c '[ -n "$1" ] && [ "${1%.*}" -gt 20 ]' _ "$got"
query_until() { # query_until PROMQL: retry for 20 s until a number comes
    local v=""
    for _ in $(seq 1 40); do
        v=$(query "$1")
        [ -n "$v" ] && [ "$v" != "NaN" ] && break
        sleep 0.5
    done
    printf '%s' "$v"
}
echo "# error rate of the new side, as the recording rule computes it: $rate"
check "the error-rate rule answers for the new side ($rate)" \
    awk -v r="$rate" 'BEGIN { exit !(r != "" && r + 0 > 0 && r + 0 <= 1) }'
p99=$(query_until 'ficus:request_duration_seconds:p99_rate1m{flag="tracking",side="new"}')
echo "# p99 of the new side: $p99"
check "the p99 rule answers for the new side ($p99)" awk -v r="$p99" 'BEGIN { exit !(r != "" && r + 0 > 0 && r + 0 <= 10) }'
mono=$(query_until 'ficus:error_rate:ratio_rate1m{flag="tracking",side="monolith"}')
echo "# error rate of the monolith side: $mono"
check "the monolith side has no errors ($mono)" awk -v r="$mono" 'BEGIN { exit !(r != "" && r + 0 == 0) }'
finish
