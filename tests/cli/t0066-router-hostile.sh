#!/bin/bash
# Routers as they are met: a flag the router does not hold is 0% by the
# routing rule, so a fresh service at 0% is no drift; and a router that
# echoes the bearer token in its error body (as it is, upper- or
# lower-cased) never gets it into ficus's output, messages, JSON or
# database: an error body is never kept, only the status.
. "$(dirname "$0")/lib.sh"


new_plan
v1router_start "$T/good.port"
must router add web --driver http --replica "http://127.0.0.1:$port" --timeout 2s
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking --router web
# the router has never seen the flag: it routes it as 0%, the plan says 0%
expect_exit 0 ficus router verify
expect_no_match 'missing on the router' "$out$err"
expect_exit 0 ficus router verify --json
expect_match '"ok": *true' "$out"
# a flag above 0% that the router lacks is drift
must service add docs --domain tracking --route /api/docs --router web
sqlite3 plan/.git/ficus/plan.db "UPDATE service SET bp = 2500 WHERE name = 'docs'"
expect_exit 6 ficus router verify
expect_match "flag 'docs': missing on the router" "$out$err"

# a hostile router: 500 with the token in its body
TOKEN=Sekr3tTokenValue42xyz
export FICUS_TEST_TOKEN=$TOKEN
new_plan plan2
v1router_start "$T/bad.port" --fail-echo
must router add evil --driver http --replica "http://127.0.0.1:$port" --timeout 2s --retries 0 \
	--token-env FICUS_TEST_TOKEN
must domain add tracking --rps 100
all=$(ficus service add tracking --domain tracking --route /api/tracking --router evil 2>&1)
expect_exit 5 ficus router sync
all="$all$out$err"
expect_match 'HTTP 500' "$out$err" "router sync names the status"
expect_exit 5 ficus router sync --json
all="$all$out$err"
expect_exit 0 ficus router status
all="$all$out$err"
expect_exit 0 ficus router status --json
all="$all$out$err"
ficus router verify >"$T/v.out" 2>&1
all="$all$(cat "$T/v.out")"
all="$all$(sqlite3 plan2/.git/ficus/plan.db .dump)"
expect_match 'HTTP 500' "$all" "the failure is recorded"
lower=$(printf '%s' "$TOKEN" | tr 'A-Z' 'a-z')
upper=$(printf '%s' "$TOKEN" | tr 'a-z' 'A-Z')
expect_no_match "$TOKEN" "$all" "output, messages, JSON and database (exact token)"
expect_no_match "$lower" "$all" "output, messages, JSON and database (lower-cased token)"
expect_no_match "$upper" "$all" "output, messages, JSON and database (upper-cased token)"
check "the token is in no case anywhere" test "$(printf '%s' "$all" | grep -ci 'sekr3ttoken')" = 0

done_testing
