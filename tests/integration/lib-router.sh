# shellcheck shell=bash
# tests/integration/lib-router.sh - shared by the t-router-*.sh tests: a
# work directory, a plan, check helpers, and the tenant sweep that proves a
# router routes exactly as ficus predicts.  Source it from bash; it sources
# tests/lib/routers.sh and stops every router it started on exit, by pid.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lib/routers.sh
. "$REPO/tests/lib/routers.sh"

FICUS=${FICUS:-$REPO/ficus}
unset FICUS_PLAN FICUS_NOW http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
PASS=0
FAIL=0
TENANTS=${TENANTS:-500}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ficus-it.XXXXXX") || exit 1
_it_finish() {
    routers_cleanup
    if [ "${FICUS_KEEP_TMP:-0}" = 1 ] || [ "$FAIL" -gt 0 ]; then
        echo "# work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap _it_finish EXIT
trap 'exit 130' INT TERM

export FICUS_ACTOR="Integration Test <it@ficus.invalid>"
export FICUS_PLAN=$WORK/plan

ok()  { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else bad "$desc"; fi
}
fc() { "$FICUS" "$@"; }

# run WANT DESC CMD...: run CMD, keep stdout in OUT and stderr in ERR,
# pass when it exits WANT; ELAPSED_MS is its wall time
run() {
    local want=$1 desc=$2 t0 t1
    shift 2
    t0=$(date +%s%N)
    OUT=$("$@" 2>"$WORK/.err")
    RC=$?
    t1=$(date +%s%N)
    ELAPSED_MS=$(((t1 - t0) / 1000000))
    ERR=$(cat "$WORK/.err")
    if [ "$RC" = "$want" ]; then
        ok "$desc (exit $RC)"
    else
        bad "$desc: exit $RC, want $want; stdout: $OUT; stderr: $ERR"
    fi
}
has()   { grep -qF -- "$2" <<<"$1"; }          # has TEXT NEEDLE
hasnt() { ! grep -qF -- "$2" <<<"$1"; }

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
    exit $?
}

need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "missing: $t"; echo "0 passed, 1 failed"; exit 1; }
    done
    [ -x "$FICUS" ] || { echo "missing: $FICUS (make build)"; echo "0 passed, 1 failed"; exit 1; }
    # run a copy: a rebuild while the test runs must not pull the binary away
    cp "$FICUS" "$WORK/ficus" && FICUS=$WORK/ficus
}

# both_routers_up: an admin token for nginx (FICUS_TEST_TOKEN, which ficus
# reads as FICUS_TOKEN_WEB), the tenants, nginx and HAProxy started; a
# failure ends the test
both_routers_up() {
    FICUS_TEST_TOKEN="tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    export FICUS_TEST_TOKEN               # nginx reads it (env FICUS_TEST_TOKEN)
    export FICUS_TOKEN_WEB=$FICUS_TEST_TOKEN  # ficus reads it (token_env)
    tenants_init || { bad "bucket tool"; finish; }
    nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
    haproxy_start "$WORK/haproxy" || { bad "haproxy starts"; finish; }
    ok "nginx (pid $NGINX_PID) and haproxy (pid $HAPROXY_PID) on 127.0.0.1"
}

# tenants and their buckets per flag, from the reference implementation
tenants_init() {
    local i
    cc -std=c99 -O2 -o "$WORK/bucket" "$REPO/tests/tools/bucket.c" || return 1
    for i in $(seq 1 "$TENANTS"); do printf 't%04d\n' "$i"; done >"$WORK/tenants"
}
buckets_for() { # buckets_for FLAG: writes $WORK/buckets.FLAG once
    [ -f "$WORK/buckets.$1" ] || "$WORK/bucket" "$1" <"$WORK/tenants" >"$WORK/buckets.$1"
}

# plan_bp SERVICE: the service's basis points as ficus reports them
plan_bp() {
    fc tenant route t0001 "$1" --json 2>/dev/null | sed -n 's/^ *"bp": \([0-9]*\),*$/\1/p' | head -1
}

# predict FLAG SERVICE BP [PINS]: check that 'ficus tenant route' agrees
# with the reference for every tenant: the crc32 buckets (new iff bucket <
# bp), overridden by the live pins in the file PINS ("tenant in|out" lines,
# the pins the routers should apply now); then write $WORK/predict.FLAG
# from ficus's answers: "tenant side" for every tenant
predict() {
    local flag=$1 svc=$2 bp=$3 pins=${4:-/dev/null} n badn
    buckets_for "$flag"
    fc tenant route --from "$WORK/tenants" "$svc" >"$WORK/route.$flag" 2>"$WORK/.route.err" || {
        bad "ficus tenant route --from: $(cat "$WORK/.route.err")"; return; }
    # ficus's TSV: SERVICE FLAG BUCKET TRAFFIC SIDE PIN TENANT
    awk -F '\t' '{ print $7, ($5 == "new") ? "new" : "old" }' "$WORK/route.$flag" >"$WORK/predict.$flag"
    read -r n badn < <(awk -v bp="$bp" '
        FILENAME == ARGV[1] { pin[$1] = $2; next }
        FILENAME == ARGV[2] { want[$1] = ($2 < bp) ? "new" : "old"
                              if (pin[$1] == "in") want[$1] = "new"
                              if (pin[$1] == "out") want[$1] = "old"; next }
        { n++; if ($2 != want[$1]) { bad++; if (bad <= 3) printf "# tenant route %s: %s, the reference says %s\n", $1, $2, want[$1] > "/dev/stderr" } }
        END { print n + 0, bad + 0 }' "$pins" "$WORK/buckets.$flag" "$WORK/predict.$flag")
    if [ "$n" = "$TENANTS" ] && [ "$badn" = 0 ]; then
        ok "ficus tenant route agrees with the crc32 rule and the pins at bp=$bp ($n tenants)"
    else
        bad "ficus tenant route disagrees at bp=$bp on $badn of $n tenants"
    fi
}

# sweep ROUTER PORT FLAG: one curl process sends a request per tenant
# (odd tenants in the X-Tenant header, even ones as ?tenant=) through the
# router and checks that the upstream which answered is the predicted one
sweep() {
    local router=$1 port=$2 flag=$3 i t cfg=$WORK/curl.cfg out=$WORK/sweep.out res
    : >"$cfg"
    i=0
    while read -r t; do
        i=$((i + 1))
        [ "$i" -gt 1 ] && echo "next" >>"$cfg"
        if [ $((i % 2)) = 1 ]; then
            printf 'url = "http://127.0.0.1:%s/api/%s/item"\nheader = "X-Tenant: %s"\n' "$port" "$flag" "$t"
        else
            printf 'url = "http://127.0.0.1:%s/api/%s/item?tenant=%s"\n' "$port" "$flag" "$t"
        fi >>"$cfg"
        printf 'silent\nmax-time = 5\noutput = "/dev/null"\nwrite-out = "%s %%{http_code} %%header{x-served-by}\\n"\n' \
            "$t" >>"$cfg"
    done <"$WORK/tenants"
    curl -K "$cfg" >"$out" 2>"$WORK/sweep.err"
    res=$(awk 'NR == FNR { want[$1] = $2; next }
               { n++; if ($2 != 200 || $3 != want[$1]) { bad++; if (bad <= 3) printf "%s: %s %s (want %s); ", $1, $2, $3, want[$1] }
                 if ($3 == "new") nnew++ }
               END { printf "|%d|%d|%d", n, bad + 0, nnew + 0 }' "$WORK/predict.$flag" "$out")
    local detail=${res%%|*} rest=${res#*|}
    local n=${rest%%|*} rest2=${rest#*|}
    local nbad=${rest2%%|*} nnew=${rest2#*|}
    if [ "$n" = "$TENANTS" ] && [ "$nbad" = 0 ]; then
        ok "$router: $TENANTS tenants of '$flag' land where ficus says ($nnew on the new service)"
    else
        bad "$router: $flag: $n answers, $nbad misrouted: $detail"
    fi
}

# promote_to SERVICE TARGET: a forced step (the soak gates are not under
# test here); exit 0, or 5 when the change could not reach every router
promote_to() {
    local rc
    fc promote "$1" --to "$2" --force -m "integration test: $2" -q >/dev/null 2>"$WORK/.promote.err"
    rc=$?
    if [ "$rc" = 0 ] || [ "$rc" = 5 ]; then
        return 0
    fi
    echo "# promote $1 --to $2: exit $rc: $(cat "$WORK/.promote.err")"
    return 1
}

# nginx_admin PORT METHOD PATH [BODY]: the ficus router protocol by hand
nginx_admin() {
    local port=$1 method=$2 path=$3 body=${4-} args=()
    [ -n "${FICUS_TEST_TOKEN:-}" ] && args+=(-H "Authorization: Bearer $FICUS_TEST_TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl -s --max-time 5 -X "$method" "${args[@]}" "http://127.0.0.1:$port$path"
}

# (Prometheus itself: prom_start, prom_query and prom_stop in tests/lib/routers.sh)
# prom_wait PROMQL VALUE: wait (at most 20 s) until the query answers VALUE
prom_wait() {
    local v=""
    for _ in $(seq 1 100); do
        v=$(prom_query "$1")
        [ "$v" = "$2" ] && return 0
        sleep 0.2
    done
    echo "# $1: '$v', waited for '$2'"
    return 1
}

# rx_build: compile the loopback webhook receiver (tests/lib/webhook-rx.c)
rx_build() { cc -std=c99 -D_GNU_SOURCE -O2 -o "$WORK/rx" "$REPO/tests/lib/webhook-rx.c"; }
rx_start() { # rx_start NAME [ANSWERS]: a receiver logging to $WORK/NAME.log; RX_PORT
    rm -f "$WORK/$1.port"
    "$WORK/rx" "$WORK/$1.port" "$WORK/$1.log" "${2:-200}" &
    _ROUTERS_EXTRA_PIDS+=("$!")
    for _ in $(seq 1 100); do [ -s "$WORK/$1.port" ] && break; sleep 0.05; done
    RX_PORT=$(cat "$WORK/$1.port")
    touch "$WORK/$1.log"
}
# wait_for SECONDS CMD...: until CMD succeeds or the deadline passes
wait_for() {
    local end=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.2
    done
}
