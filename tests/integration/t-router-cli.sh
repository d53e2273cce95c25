#!/usr/bin/env bash
# t-router-cli.sh - the router verbs as a user meets them: settings
# validation (exit 2), one commit per settings change, --dry-run, --json,
# secrets (a token file readable by others is refused and the token is
# never printed), TLS with an untrusted certificate (refused by default),
# the none driver, doctor, and help text against ficus-routers(7).
. "$(dirname "$0")/lib-router.sh"
need curl nginx sqlite3 git
MAN7=$REPO/man/ficus-routers.7

run 0 "init" fc init -q "$WORK/plan"
commits() { git -C "$WORK/plan" rev-list --count HEAD; }

echo "# --- no routers: the none driver"
run 0 "router list with no routers" fc router list
check "it says so" has "$ERR" "no routers configured: driver 'none'"
run 0 "domain add" fc domain add tracking -q
run 0 "service add" fc service add tracking --domain tracking --route /api/tracking -q
run 0 "router sync with no routers" fc router sync
check "nothing is pushed, and it says so" has "$ERR" "driver 'none'"
run 0 "router verify with no routers" fc router verify
run 0 "router status --json with no routers" fc router status --json
check "status --json says none" has "$OUT" '"none": true'
run 0 "doctor with nothing to do" fc doctor
check "doctor: nothing pending" has "$OUT" "routers: nothing pending"

echo "# --- settings are validated before anything is written"
C0=$(commits)
run 2 "unknown driver" fc router add x --driver squid --replica http://127.0.0.1:1
run 2 "credentials in a URL" fc router add x --driver http --replica http://user:pw@127.0.0.1:1
check "the message says where credentials go" has "$ERR" "use 'token_env' or 'token_file'"
check "and does not repeat them" hasnt "$ERR" "user:pw"
run 2 "haproxy without a map" fc router add x --driver haproxy --replica tcp://127.0.0.1:1
run 2 "haproxy with a URL" fc router add x --driver haproxy --replica http://127.0.0.1:1 --map m
run 2 "a bad name" fc router add Bad --driver none
run 2 "a bad timeout" fc router add x --driver http --replica http://127.0.0.1:1 --timeout soon
run 2 "retries out of range" fc router add x --driver http --replica http://127.0.0.1:1 --retries 99
run 2 "no driver" fc router add x --replica http://127.0.0.1:1
run 2 "settings options without add" fc router sync --driver http
run 2 "an unknown sub-verb" fc router frobnicate
run 1 "rm of an unknown router" fc router rm nosuch
run 1 "sync of an unknown router" fc router sync --router nosuch
run 1 "sync of an unknown flag" fc router sync nosuch
check "no commit for any of these" test "$(commits)" = "$C0"

echo "# --- one commit per change, dry run changes nothing"
run 0 "router add --dry-run" fc router add web --driver http --replica http://127.0.0.1:1 --dry-run
check "dry run shows the commit it would make" has "$OUT" "router: add web (http, 1 replica)"
check "dry run made no commit" test "$(commits)" = "$C0"
run 0 "router add --json" fc router add web --driver http --replica http://127.0.0.1:1 --timeout 500ms --json
check "--json names the commit" has "$OUT" '"commit": "'
check "one commit" test "$(commits)" = "$((C0 + 1))"
check "the commit has the router trailers" \
    bash -c 'git -C "$1" log -1 --format=%B | git interpret-trailers --parse | grep -qx "Ficus-Router: web"' _ "$WORK/plan"
run 0 "the same add again is nothing to do" fc router add web --driver http --replica http://127.0.0.1:1 --timeout 500ms
check "no second commit" test "$(commits)" = "$((C0 + 1))"
run 1 "another router under the same name" fc router add web --driver http --replica http://127.0.0.1:2
run 0 "router sync --dry-run" fc router sync --dry-run
check "dry run prints the PUT it would send" has "$OUT" 'PUT http://127.0.0.1:1/v1/flags/tracking {"bp":0,"shadow":false,"rev":0}'
run 0 "router status: never pushed" fc router status
check "status: pending, never pushed" grep -qP "^web\thttp://127.0.0.1:1\ttracking\tpending\t.*never pushed" <<<"$OUT"
run 5 "router sync to a router that is down" fc router sync
check "exit 5 names the replica and the reason" has "$ERR" "router 'web' replica http://127.0.0.1:1: connection refused"
run 5 "router sync --json" fc router sync --json
check "--json has ok false and the state" bash -c 'has() { grep -qF -- "$2" <<<"$1"; }; has "$1" "\"ok\": false" && has "$1" "\"state\": \"unreachable\""' _ "$OUT"
run 0 "router rm" fc router rm web -q
check "one more commit" test "$(commits)" = "$((C0 + 2))"
run 0 "status after rm" fc router status --json
check "its state is gone" hasnt "$OUT" '"router": "web"'

echo "# --- secrets"
export FICUS_TEST_TOKEN="tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
TF=$WORK/web.token
printf '%s\n' "$FICUS_TEST_TOKEN" >"$TF"
chmod 644 "$TF"
run 0 "router add with a token file" fc router add web --driver nginx-lua \
    --replica "http://127.0.0.1:$NGINX_ADMIN_PORT" --token-file "$TF" -q
run 5 "a token file readable by others is refused" fc router sync
check "the refusal says why" has "$ERR" "is readable or writable by group or others (mode 0644): refused; chmod 600 it"
run 5 "doctor reports it (and the flag pending because of it)" fc doctor
check "doctor: settings problem" has "$OUT" "settings: router 'web': token file"
chmod 600 "$TF"
run 0 "with mode 600 the push goes through" fc router sync
run 0 "doctor is content" fc doctor
check "doctor notes the token travels over plain http" has "$OUT" "the token travels over plain http"
printf 'wrong-%s\n' "$FICUS_TEST_TOKEN" >"$TF"
run 5 "a wrong token is a 401" fc router sync
check "401 reported as such" has "$ERR" "401 Unauthorized: the router refused the token from token_file"
ALL_OUT="$OUT$ERR$(fc router status --json 2>&1)$(fc router verify 2>&1)$(fc doctor --json 2>&1)"
check "the token is in no output" hasnt "$ALL_OUT" "$FICUS_TEST_TOKEN"
check "nor in the plan, its history or the database" \
    bash -c '! grep -rqF "$1" "$2" && ! git -C "$2" log -p | grep -qF "$1" &&
             ! sqlite3 "$2/.git/ficus/plan.db" .dump | grep -qF "$1"' _ "$FICUS_TEST_TOKEN" "$WORK/plan"
check "nor in nginx's logs" bash -c '! grep -rqF "$1" "$2"/*.log' _ "$FICUS_TEST_TOKEN" "$NGINX_DIR"
run 0 "router rm web" fc router rm web -q

echo "# --- TLS: an untrusted certificate is refused by default"
if command -v openssl >/dev/null; then
    (cd "$WORK" && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1)
    free_port >/dev/null
    TLS_PORT=$FREE_PORT
    openssl s_server -accept "127.0.0.1:$TLS_PORT" -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www -quiet \
        </dev/null >/dev/null 2>&1 &
    TLS_PID=$!
    _wait_listening "$TLS_PID" "$TLS_PORT" || bad "openssl s_server starts"
    run 0 "router add an https router" fc router add tls --driver http --replica "https://127.0.0.1:$TLS_PORT" \
        --timeout 3s -q
    run 5 "sync refuses the self-signed certificate" fc router sync --router tls
    check "it says the certificate is not trusted" has "$ERR" "the router's certificate is not trusted"
    run 5 "so does verify" fc router verify --router tls
    check "verify: not trusted" has "$ERR" "the router's certificate is not trusted"
    run 0 "trust it with --ca-file (a new router)" fc router add tls2 --driver http \
        --replica "https://127.0.0.1:$TLS_PORT" --ca-file "$WORK/cert.pem" --timeout 3s -q
    # s_server -www answers GET with an HTML page: the failure moves past TLS
    run 5 "with the CA the TLS handshake passes (s_server is no flag service)" fc router verify --router tls2
    check "the failure is now the answer, not TLS" has "$ERR" "is not JSON"
    run 0 "router add with --no-tls-verify" fc router add tls3 --driver http \
        --replica "https://127.0.0.1:$TLS_PORT" --no-tls-verify --timeout 3s -q
    check "ficus.json records tls_verify false" grep -q '"tls_verify": false' "$WORK/plan/ficus.json"
    run 5 "doctor warns about it" fc doctor
    check "doctor names it" has "$OUT" "router 'tls3': TLS verification is off"
    _stop_pid "$TLS_PID"
else
    echo "# skipped: the TLS check needs the openssl command (Debian package 'openssl')"
fi

echo "# --- help and man page agree"
for verb in router doctor; do
    run 0 "ficus $verb --help" fc "$verb" --help
    for o in $(sed -n '/^options:/,/^global options:/p' <<<"$OUT" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        check "option $o of 'ficus $verb' is in ficus-routers(7)" grep -q -- "$esc" "$MAN7"
    done
done
for sub in add rm list status sync verify; do
    check "'router $sub' is in the synopsis of ficus-routers(7)" grep -q "^\.B ficus router $sub" "$MAN7"
done
check "ficus-routers(7) renders without warnings" \
    bash -c '[ -z "$(MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null)" ]' _ "$MAN7"
finish
