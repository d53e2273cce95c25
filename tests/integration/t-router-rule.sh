#!/usr/bin/env bash
# t-router-rule.sh - the routers (nginx + contrib/nginx/ficus.lua, HAProxy +
# contrib/haproxy) must route exactly as ficus predicts:
#     bucket = crc32("<flag>:<tenant>") mod 10000, new iff bucket < bp
# checked for 500 tenants at several bp values against tests/tools/bucket.c,
# plus the admin API (ficus router protocol v1) and shadow mirroring.
#
# Needs: bash, cc, curl, nginx with lua-nginx-module, haproxy (2.6+).
# Exit 0 when every check passed.  FICUS_KEEP_TMP=1 keeps the temp dir.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/routers.sh
. "$REPO/tests/lib/routers.sh"

PASS=0
FAIL=0
ok()  { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
# check DESC COMMAND...: one check, passes when COMMAND succeeds
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else bad "$desc"; fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ficus-router-rule.XXXXXX") || exit 1
SUMMARY=
finish() {
    routers_cleanup
    if [ -z "$SUMMARY" ]; then
        FAIL=$((FAIL + 1))
        echo "FAIL - interrupted"
        echo "$PASS passed, $FAIL failed"
    fi
    if [ "${FICUS_KEEP_TMP:-0}" = 1 ] || [ "$FAIL" -gt 0 ]; then
        echo "# logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

CURL=(curl -s --max-time 5)
TENANTS=500

# the token reaches nginx through its environment only (env FICUS_TEST_TOKEN)
FICUS_TEST_TOKEN="tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export FICUS_TEST_TOKEN
WRONG_TOKEN="wrong-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

for t in cc curl nginx haproxy; do
    command -v "$t" >/dev/null || { echo "missing: $t"; SUMMARY=1; echo "0 passed, 1 failed"; exit 1; }
done

cc -std=c99 -O2 -Wall -o "$WORK/bucket" "$REPO/tests/tools/bucket.c" || {
    echo "cannot compile tests/tools/bucket.c"; SUMMARY=1; echo "0 passed, 1 failed"; exit 1; }
# zlib.crc32(b"tracking:t0001") = 0x23cd1dae = 600645038 -> 5038
check "bucket.c: crc32(\"tracking:t0001\") mod 10000 = 5038 (as zlib)" \
    test "$("$WORK/bucket" tracking t0001)" = "t0001 5038"

for i in $(seq 1 "$TENANTS"); do printf 't%04d\n' "$i"; done >"$WORK/tenants"
"$WORK/bucket" tracking <"$WORK/tenants" >"$WORK/buckets.tracking"

if ! nginx_start "$WORK/nginx"; then
    bad "nginx starts"; SUMMARY=1; echo "$PASS passed, $FAIL failed"; exit 1
fi
if ! haproxy_start "$WORK/haproxy"; then
    bad "haproxy starts"; SUMMARY=1; echo "$PASS passed, $FAIL failed"; exit 1
fi
ok "nginx (pid $NGINX_PID) and haproxy (pid $HAPROXY_PID) started on 127.0.0.1"

ADMIN=http://127.0.0.1:$NGINX_ADMIN_PORT
AUTH="Authorization: Bearer $FICUS_TEST_TOKEN"

# api METHOD PATH [BODY [AUTH-HEADER]]: sets CODE, BODY, HDRS (raw headers)
api() {
    local method=$1 path=$2 body=${3-} auth=${4-$AUTH} args=()
    [ -n "$auth" ] && args+=(-H "$auth")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    CODE=$("${CURL[@]}" -X "$method" "${args[@]}" -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' "$ADMIN$path")
    BODY=$(cat "$WORK/b")
    HDRS=$(cat "$WORK/h")
}
is_json_ct() { grep -qi '^content-type: application/json' <<<"$HDRS"; }
expect() { # expect DESC CODE [BODY]
    local desc=$1 code=$2
    if [ "$CODE" != "$code" ]; then
        bad "$desc: status $CODE, want $code (body: $BODY)"
    elif [ $# -ge 3 ] && [ "$BODY" != "$3" ]; then
        bad "$desc: body $BODY, want $3"
    elif ! is_json_ct; then
        bad "$desc: Content-Type is not application/json"
    else
        ok "$desc"
    fi
}

REV=0
nginx_set() { # nginx_set FLAG BP [SHADOW]
    REV=$((REV + 1))
    api PUT "/v1/flags/$1" "{\"bp\":$2,\"shadow\":${3:-false},\"rev\":$REV}"
    [ "$CODE" = 200 ] || { echo "# PUT $1 bp=$2 -> $CODE $BODY"; return 1; }
}

# sweep ROUTER PORT FLAG BP: one curl process, $TENANTS requests on kept-alive
# connections; odd tenants in the X-Tenant header, even ones as ?tenant=.
# Checks side header, bucket header and the upstream that really answered.
sweep() {
    local router=$1 port=$2 flag=$3 bp=$4 note=${5-} i t cfg=$WORK/curl.cfg out=$WORK/sweep.out
    : >"$cfg"
    for i in $(seq 1 "$TENANTS"); do
        printf -v t 't%04d' "$i"
        [ "$i" -gt 1 ] && echo "next" >>"$cfg"
        if [ $((i % 2)) = 1 ]; then
            printf 'url = "http://127.0.0.1:%s/api/%s/item"\nheader = "X-Tenant: %s"\n' "$port" "$flag" "$t"
        else
            printf 'url = "http://127.0.0.1:%s/api/%s/item?tenant=%s"\n' "$port" "$flag" "$t"
        fi >>"$cfg"
        printf 'silent\nmax-time = 5\noutput = "/dev/null"\nwrite-out = "%s %%{http_code} %%header{x-ficus-side} %%header{x-ficus-bucket} %%header{x-served-by}\\n"\n' "$t" >>"$cfg"
    done
    curl -K "$cfg" >"$out" 2>"$WORK/sweep.err"
    local res
    res=$(awk -v bp="$bp" '
        NR == FNR { want[$1] = $2; next }
        {
            n++
            side = (want[$1] < bp) ? "new" : "old"
            if ($2 != 200 || $3 != side || $4 != want[$1] || $5 != side) {
                bad++
                if (bad <= 5) printf "%s: got code=%s side=%s bucket=%s served=%s, want side=%s bucket=%s; ",
                                     $1, $2, $3, $4, $5, side, want[$1]
            }
            if (side == "new") nnew++
        }
        END { printf "|%d|%d|%d", n, bad + 0, nnew + 0 }' "$WORK/buckets.$flag" "$out")
    local detail=${res%%|*} rest=${res#*|}
    local n=${rest%%|*} rest2=${rest#*|}
    local nbad=${rest2%%|*} nnew=${rest2#*|}
    if [ "$n" = "$TENANTS" ] && [ "$nbad" = 0 ]; then
        ok "$router: $flag bp=$bp$note: $TENANTS tenants routed as predicted ($nnew new)"
    else
        bad "$router: $flag bp=$bp: $n answers, $nbad wrong: $detail"
    fi
}

# no_tenant ROUTER PORT FLAG WANT: a request without tenant
no_tenant() {
    local side served
    read -r side served < <("${CURL[@]}" -o /dev/null \
        -w '%header{x-ficus-side} %header{x-served-by}\n' "http://127.0.0.1:$2/api/$3/item")
    if [ "$side" = "$4" ] && [ "$served" = "$4" ]; then
        ok "$1: $3 without tenant -> $4"
    else
        bad "$1: $3 without tenant -> side=$side served=$served, want $4"
    fi
}

echo "# --- admin API (nginx, ficus router protocol v1)"
api GET /v1/flags
expect "GET /v1/flags with no flags -> {\"flags\":{}}" 200 '{"flags":{}}'
api GET /v1/flags/tracking
expect "GET unknown flag -> 404" 404 '{"error":"unknown flag"}'
sweep nginx "$NGINX_PORT" tracking 0 " (unknown flag)"

echo "# --- routing rule, 500 tenants per bp value"
for bp in 0 100 1000 5000 10000; do
    if nginx_set tracking "$bp"; then
        sweep nginx "$NGINX_PORT" tracking "$bp"
    else
        bad "nginx: PUT tracking bp=$bp"
    fi
    if haproxy_set_flag tracking "$bp"; then
        sweep haproxy "$HAPROXY_PORT" tracking "$bp"
    else
        bad "haproxy: set map tracking $bp"
    fi
    if [ "$bp" = 5000 ] || [ "$bp" = 10000 ]; then
        want=old
        [ "$bp" = 10000 ] && want=new
        no_tenant nginx "$NGINX_PORT" tracking "$want"
        no_tenant haproxy "$HAPROXY_PORT" tracking "$want"
    fi
done

echo "# --- tenant extraction (tracking at bp 10000: only the bucket header matters)"
# tenant_case DESC QUERY TENANT-WANTED [HEADER...]; TENANT "-" = no tenant.
# Both routers must read the tenant the same way.
tenant_case() {
    local desc=$1 query=$2 want=$3 router port got exp="" h args=()
    shift 3
    for h in "$@"; do args+=(-H "$h"); done
    [ "$want" != - ] && exp=$("$WORK/bucket" tracking "$want" | awk '{print $NF}')
    for router in nginx haproxy; do
        port=$NGINX_PORT
        [ "$router" = haproxy ] && port=$HAPROXY_PORT
        got=$("${CURL[@]}" -o /dev/null "${args[@]}" -w '%header{x-ficus-bucket}' \
            "http://127.0.0.1:$port/api/tracking/item$query")
        if [ "$got" = "$exp" ]; then
            ok "$router: $desc -> tenant $want"
        else
            bad "$router: $desc -> bucket '$got', want '$exp' (tenant $want)"
        fi
    done
}
tenant_case "X-Tenant header wins over ?tenant=" "?tenant=t0002" t0001 "X-Tenant: t0001"
tenant_case "empty X-Tenant header: first ?tenant=" "?a=1&tenant=t0003&tenant=t0004" t0003 "X-Tenant;"
tenant_case "two X-Tenant headers: the first" "" t0005 "X-Tenant: t0005" "X-Tenant: t0006"
tenant_case "two X-Tenant headers, first empty: query" "?tenant=t0003" t0003 "X-Tenant;" "X-Tenant: t0006"
tenant_case "header value with a comma is one tenant" "" "t0001, t0002" "X-Tenant: t0001, t0002"
tenant_case "';' separates query arguments (before)" "?a=1;tenant=t0001" t0001
tenant_case "';' separates query arguments (after)" "?tenant=t0001;x=2" t0001
tenant_case "query name is case-sensitive" "?TENANT=t0001" -
tenant_case "query name must match exactly" "?xtenant=t0001&tenant=t0002" t0002
tenant_case "first ?tenant= empty: no tenant" "?tenant=&tenant=t0002" -
tenant_case "query value is not percent-decoded" "?tenant=t%30001" "t%30001"
tenant_case "no tenant at all" "" -

echo "# --- revisions"
api GET /v1/flags/tracking
expect "GET tracking -> stored object" 200 "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}"
api PUT /v1/flags/tracking "{\"bp\":0,\"shadow\":false,\"rev\":$((REV - 1))}"
expect "PUT with an older rev -> 409 + stored object" 409 "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}"
api GET /v1/flags/tracking
expect "value unchanged after 409" 200 "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}"
no_tenant nginx "$NGINX_PORT" tracking new
api PUT /v1/flags/tracking "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}"
expect "PUT with the same rev (idempotent) -> 200" 200 "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}"

echo "# --- authentication"
for variant in missing wrong scheme; do
    case $variant in
        missing) hdr="" ;;
        wrong) hdr="Authorization: Bearer $WRONG_TOKEN" ;;
        scheme) hdr="Authorization: Basic $FICUS_TEST_TOKEN" ;;
    esac
    for req in "GET /v1/flags" "PUT /v1/flags/tracking"; do
        if [ "$req" = "GET /v1/flags" ]; then
            api GET /v1/flags "" "$hdr"
        else
            api PUT /v1/flags/tracking '{"bp":0,"shadow":false,"rev":999}' "$hdr"
        fi
        expect "$variant token: $req -> 401" 401 '{"error":"unauthorized"}'
        if grep -qF -e "$FICUS_TEST_TOKEN" -e "$WRONG_TOKEN" <<<"$HDRS$BODY"; then
            bad "$variant token: $req: response contains a token"
        else
            ok "$variant token: $req: no token in the response"
        fi
    done
done
api GET /v1/flags/tracking
expect "rejected PUTs changed nothing" 200 "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}"
# shellcheck disable=SC2016
check "token not in nginx logs" \
    bash -c '! grep -rqF -e "$1" "$2"/*.log' _ "$FICUS_TEST_TOKEN" "$WORK/nginx"

echo "# --- bad requests"
while IFS='|' read -r desc body; do
    api PUT /v1/flags/tracking "$body"
    if [ "$CODE" = 400 ] && is_json_ct && grep -q '^{"error":"' <<<"$BODY"; then
        ok "400 for $desc"
    else
        bad "400 for $desc: got $CODE $BODY"
    fi
done <<'EOF'
not JSON|bp=5
truncated JSON|{"bp":5,"shadow":false,"rev":1
trailing data|{"bp":5,"shadow":false,"rev":1} x
array|[5,false,1]
empty array|[]
bp above 10000|{"bp":10001,"shadow":false,"rev":100}
bp negative|{"bp":-1,"shadow":false,"rev":100}
bp fractional|{"bp":1.5,"shadow":false,"rev":100}
bp as string|{"bp":"100","shadow":false,"rev":100}
shadow not boolean|{"bp":100,"shadow":"yes","rev":100}
missing shadow|{"bp":100,"rev":100}
rev negative|{"bp":100,"shadow":false,"rev":-1}
missing rev|{"bp":100,"shadow":false}
duplicate key|{"bp":100,"bp":200,"shadow":false,"rev":100}
EOF
api PUT /v1/flags/tracking ""
expect "empty body -> 400" 400
api PUT /v1/flags/Bad_Name '{"bp":1,"shadow":false,"rev":1}'
expect "invalid flag name -> 400" 400
api PUT "/v1/flags/$(printf 'a%.0s' $(seq 1 64))" '{"bp":1,"shadow":false,"rev":1}'
expect "64-character flag name -> 400" 400
# the body cap holds 10,000 tenant pins (2 MiB); curl reads the body from a file ("@FILE")
printf '{"bp":1,"shadow":false,"rev":%s,"pad":"%s"}' "$REV" "$(head -c 2100000 /dev/zero | tr '\0' x)" >"$WORK/big.json"
api PUT /v1/flags/tracking "@$WORK/big.json"
expect "body over 2 MiB -> 413" 413
api DELETE /v1/flags/tracking
expect "DELETE -> 405" 405
api GET /v1/flags/tracking
expect "bad requests changed nothing" 200 "{\"bp\":10000,\"shadow\":false,\"rev\":$REV}"
api PUT /v1/flags/a.b-c_9 '{"bp":7,"shadow":true,"rev":0}'
expect "flag name with . - _ and rev 0 -> 200" 200 '{"bp":7,"shadow":true,"rev":0}'
api GET /v1/flags
expect "GET /v1/flags lists every flag" 200 \
    "{\"flags\":{\"a.b-c_9\":{\"bp\":7,\"shadow\":true,\"rev\":0},\"tracking\":{\"bp\":10000,\"shadow\":false,\"rev\":$REV}}}"

echo "# --- second flag"
nginx_set notifications 10000 && no_tenant nginx "$NGINX_PORT" notifications new
# drop the key so that haproxy_set_flag has to fall back to "add map"
haproxy_api "del map $HAPROXY_MAP notifications" >/dev/null
haproxy_set_flag notifications 10000 && no_tenant haproxy "$HAPROXY_PORT" notifications new
check "haproxy: get map shows the added flag" \
    grep -q 'value="10000"' <<<"$(haproxy_api "get map $HAPROXY_MAP notifications")"
check "haproxy: map file rewritten for reloads" grep -qx 'notifications 10000' "$HAPROXY_MAP"
check "haproxy: unix stats socket exists" test -S "$HAPROXY_SOCK"
nginx_set notifications 0 && haproxy_set_flag notifications 0
no_tenant nginx "$NGINX_PORT" notifications old
no_tenant haproxy "$HAPROXY_PORT" notifications old

echo "# --- shadow (nginx mirror)"
mirror_lines() { grep -c "tenant=\"$1\" shadow=\"1\"" "$WORK/nginx/new_access.log"; }
if nginx_set tracking 0 true; then
    before=$(mirror_lines t0007)
    read -r side served < <("${CURL[@]}" -o /dev/null -H 'X-Tenant: t0007' \
        -w '%header{x-ficus-side} %header{x-served-by}\n' "http://127.0.0.1:$NGINX_PORT/api/tracking/item")
    check "shadow on, bp 0: the response comes from old" test "$side $served" = "old old"
    after=$before
    for _ in $(seq 1 40); do
        after=$(mirror_lines t0007)
        [ "$after" -gt "$before" ] && break
        sleep 0.05
    done
    check "shadow on, bp 0: the mirrored request reached the new upstream" test "$after" -eq $((before + 1))
    nginx_set tracking 10000 true
    before=$(grep -c 'tenant="t0008"' "$WORK/nginx/new_access.log")
    "${CURL[@]}" -o /dev/null -H 'X-Tenant: t0008' "http://127.0.0.1:$NGINX_PORT/api/tracking/item"
    sleep 0.3
    after=$(grep -c 'tenant="t0008"' "$WORK/nginx/new_access.log")
    check "shadow on, bp 10000: new side, not mirrored a second time" test "$after" -eq $((before + 1))
    nginx_set tracking 0 false
    before=$(grep -c 'tenant="t0009"' "$WORK/nginx/new_access.log")
    "${CURL[@]}" -o /dev/null -H 'X-Tenant: t0009' "http://127.0.0.1:$NGINX_PORT/api/tracking/item"
    sleep 0.3
    after=$(grep -c 'tenant="t0009"' "$WORK/nginx/new_access.log")
    check "shadow off: nothing reaches the new upstream" test "$after" -eq "$before"
else
    bad "PUT tracking shadow=true"
fi

# shellcheck disable=SC2016
check "nginx error log has no Lua errors" \
    bash -c '! grep -E "\[(error|crit|alert|emerg)\].*lua" "$1"' _ "$WORK/nginx/error.log"

SUMMARY=1
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
