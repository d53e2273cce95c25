#!/usr/bin/env bash
# t-notify.sh - webhooks (SPEC section 9, "Notifications") against real
# loopback receivers (tests/lib/webhook-rx.c, compiled here), started on
# ports the kernel picks and stopped by pid:
#   (a) a promotion and a rollback each give one event with the right
#       fields and commit id, the event id in X-Ficus-Event;
#   (b) a receiver answering 500 then 200: tried again, delivered once;
#   (c) a receiver that hangs: the command returns at once, the failure is
#       recorded and shown by status and doctor;
#   (d) a change killed right after its git commit (and one killed before
#       it) is announced by the next command;
#   (e) the slack format's body;
#   (f) a deliverer killed while a receiver hangs: the next command sends
#       the event again (same X-Ficus-Event) and it is delivered;
#   plus push-failed (a router that refuses), drift (a real nginx router
#   whose value was changed behind ficus's back) and gate-open (time moved
#   with FICUS_NOW).  Waits are deadlines with a wide margin, never sleeps that
#   assert.
. "$(dirname "$0")/lib-router.sh"
need cc git python3 sqlite3 nginx curl
unset FICUS_TEST_TOKEN

rx_build || { bad "webhook-rx builds"; finish; }
# reqs NAME: the requests NAME received, as JSON lines {"headers": {...}, "body": ...}
reqs() {
    python3 - "$WORK/$1.log" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
for block in text.split("=== request ")[1:]:
    block = block.split("\n=== end ")[0]
    head, _, body = block.partition("\n\n")
    lines = head.split("\n")[1:]
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    try:
        b = json.loads(body)
    except Exception:
        b = body
    print(json.dumps({"line": lines[0] if lines else "", "headers": headers, "body": b}))
PY
}
nreqs() { reqs "$1" | wc -l; }
nreqs_ge() { test "$(nreqs "$1")" -ge "$2"; }  # nreqs_ge NAME N: for wait_for
# field NAME N EXPR: python expression over request N (0-based) r = {"headers", "body"}
field() {
    reqs "$1" | sed -n "$(($2 + 1))p" | python3 -c "import json,sys; r=json.load(sys.stdin); print($3)"
}
# req_for NAME CHANGE: the index of the request carrying change CHANGE, or nothing
req_for() {
    reqs "$1" | python3 -c "
import json,sys
for i,l in enumerate(sys.stdin):
    r=json.loads(l)
    if isinstance(r['body'],dict) and r['body'].get('change')=='$2': print(i)"
}
has_req_for() { [ -n "$(req_for "$1" "$2")" ]; }
# deliverers_done: every background deliverer recorded in the outbox has ended
deliverers_done() {
    local pid
    for pid in $(sqlite3 "$FICUS_PLAN/.git/ficus/plan.db" \
        "SELECT DISTINCT owner FROM notify_delivery WHERE owner IS NOT NULL" 2>/dev/null); do
        kill -0 "$pid" 2>/dev/null && return 1
    done
    return 0
}

export FICUS_NOW=2026-01-01T00:00:00Z
run 0 "init" fc init -q "$FICUS_PLAN"
rx_start main
MAIN=$RX_PORT
run 0 "notify add main (change events)" fc notify add main --url "http://127.0.0.1:$MAIN/hooks/main" --events change -q
run 0 "domain add" fc domain add tracking -q
run 0 "service add" fc service add tracking --domain tracking --route /api/tracking -q

echo "# --- (a) a promotion and a rollback: one event each, the right fields"
run 0 "promote to dual-write" fc promote tracking -m "dual-write is on" --json
P_CHANGE=$(sed -n 's/.*"change": "\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
P_COMMIT=$(sed -n 's/.*"commit": "\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
check "promote names its change and commit" test -n "$P_CHANGE" -a ${#P_COMMIT} = 40
promote_to tracking read-cutover || bad "to read-cutover"
run 0 "rollback (the abort)" fc rollback tracking -m "error rate up after the ramp" --json
R_CHANGE=$(sed -n 's/.*"change": "\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
R_COMMIT=$(sed -n 's/.*"commit": "\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
check "the promotion's event arrives" wait_for 60 has_req_for main "$P_CHANGE"
check "the rollback's event arrives" wait_for 60 has_req_for main "$R_CHANGE"
i=$(req_for main "$R_CHANGE")
check "one request for the rollback" test "$(req_for main "$R_CHANGE" | wc -l)" = 1
check "one request for the promotion" test "$(req_for main "$P_CHANGE" | wc -l)" = 1
check "POST to the webhook's path" test "$(field main "$i" "r['line']")" = "POST /hooks/main HTTP/1.1"
check "event: change" test "$(field main "$i" "r['body']['event']")" = change
check "ficus: 1" test "$(field main "$i" "r['body']['ficus']")" = 1
check "service: tracking" test "$(field main "$i" "r['body']['service']")" = tracking
check "action: rollback" test "$(field main "$i" "r['body']['action']")" = rollback
check "from: read-cutover 1%" test "$(field main "$i" "r['body']['from']")" = "read-cutover 1%"
check "to: read-cutover 0%" test "$(field main "$i" "r['body']['to']")" = "read-cutover 0%"
check "actor" test "$(field main "$i" "r['body']['actor']")" = "Integration Test <it@ficus.invalid>"
check "reason" test "$(field main "$i" "r['body']['reason']")" = "error rate up after the ramp"
check "commit id (the rollback's commit)" test "$(field main "$i" "r['body']['commit']")" = "$R_COMMIT"
check "the commit is in the plan's history" git -C "$FICUS_PLAN" cat-file -e "$R_COMMIT^{commit}"
check "trailers carry Ficus-Change" test "$(field main "$i" "r['body']['trailers']['Ficus-Change']")" = "$R_CHANGE"
check "X-Ficus-Event is the event id" \
    test "$(field main "$i" "r['headers']['x-ficus-event']")" = "$(field main "$i" "r['body']['id']")"
check "content type json" test "$(field main "$i" "r['headers']['content-type']")" = application/json
check "at is the change's time" test "$(field main "$i" "r['body']['at']")" = 2026-01-01T00:00:00Z
j=$(req_for main "$P_CHANGE")
check "the promotion: action, to, commit" \
    test "$(field main "$j" "r['body']['action'] + '|' + r['body']['to'] + '|' + r['body']['commit']")" = "promote|dual-write|$P_COMMIT"
run 0 "notify list" fc notify list
check "list: main delivered, nothing undelivered" has "$OUT" "	0	delivered "

echo "# --- (b) 500 then 200: tried again, delivered once"
rx_start flaky 500,200
run 0 "notify add flaky" fc notify add flaky --url "http://127.0.0.1:$RX_PORT/h" --events change -q
run 0 "a change" fc domain add billing -q
check "three requests reach flaky" wait_for 60 nreqs_ge flaky 3
# the first event flaky hears is its own 'notify add': answered 500, then
# 200; the domain's event may come in between (another deliverer)
check "one event sent twice, the same body both times (X-Ficus-Event), one once" python3 -c "
import json,sys,collections
rs=[json.loads(l) for l in sys.stdin]
by=collections.defaultdict(list)
for r in rs: by[r['headers']['x-ficus-event']].append(r['body'])
assert sorted(len(v) for v in by.values())==[1,2], by
assert all(v[0]==v[-1] for v in by.values()), by" < <(reqs flaky)
flaky_delivered() {
    test "$(sqlite3 "$FICUS_PLAN/.git/ficus/plan.db" \
        "SELECT group_concat(attempts || ':' || status || ':' || state, ' ') FROM
         (SELECT * FROM notify_delivery WHERE hook = 'flaky' ORDER BY event)")" = "2:200:delivered 1:200:delivered"
}
check "recorded: 2 attempts then 200 for the first, 1 for the next" wait_for 30 flaky_delivered
run 0 "notify list --json" fc notify list --json
check "flaky: nothing undelivered, last status 200" python3 -c "
import json,sys
d=json.loads(sys.argv[1]); h=[w for w in d['webhooks'] if w['name']=='flaky'][0]['deliveries']
assert h['last']['status']==200 and h['undelivered']==0 and h['delivered']==2, h" "$OUT"
check "no fourth request" test "$(nreqs flaky)" = 3
run 0 "notify rm flaky" fc notify rm flaky -q

echo "# --- (c) a receiver that hangs: the command returns at once; status and doctor show it"
rx_start slow hang
run 0 "notify add slow" fc notify add slow --url "http://127.0.0.1:$RX_PORT/h" --events change -q
run 0 "a change with a hanging webhook" fc domain add auth -q
check "the change returned promptly (${ELAPSED_MS} ms < 10 s, the receiver hangs 60 s)" test "$ELAPSED_MS" -lt 10000
check "the receiver got the request" wait_for 30 nreqs_ge slow 1
slow_shown() { fc status 2>&1 >/dev/null | grep -Eq "notify: [0-9]+ events? not delivered to 'slow' \(last: no answer: timed out"; }
check "status shows the failed delivery" wait_for 60 slow_shown
run 0 "status --json" fc status --json
check "status --json lists it under notify" has "$OUT" '"webhook":"slow"'
run_doctor() { fc doctor >"$WORK/doctor.out" 2>&1; grep -Eq "notify: [0-9]+ events? not delivered to 'slow' \(last: no answer: timed out" "$WORK/doctor.out"; }
check "doctor shows it" run_doctor
check "the deliverer gives up by its deadline" wait_for 90 deliverers_done
run 1 "doctor exits 1 while it stays undelivered" fc doctor
has "$OUT" "'ficus doctor --repair' retries" && ok "doctor says how to retry" || bad "doctor says how to retry: $OUT"
run 0 "notify rm slow" fc notify rm slow -q
run 0 "doctor is clean again" fc doctor

echo "# --- (d) a change killed right after its commit is announced by the next command"
FICUS_TEST_KILL=commit fc domain add killed1 -m "killed after commit" >/dev/null 2>&1
check "killed after the commit (exit 137)" test $? = 137
FICUS_TEST_KILL=db fc domain add killed2 -m "killed before commit" >/dev/null 2>&1
check "killed before the commit (exit 137)" test $? = 137
run 0 "the next command (a reader)" fc status
killed_req() { local r; r=$(reqs main); grep -q "\"reason\": \"$1\"" <<<"$r"; }
check "the change killed after its commit is delivered" wait_for 60 killed_req "killed after commit"
check "the change killed before its commit is delivered" wait_for 60 killed_req "killed before commit"
k=$(reqs main | grep -n '"reason": "killed after commit"' | cut -d: -f1)
kc=$(field main $((k - 1)) "r['body']['commit']")
check "with its commit id" test "$(git -C "$FICUS_PLAN" log -1 --format=%H --grep='^killed after commit$')" = "$kc"
check "each once" test "$(reqs main | grep -c '"reason": "killed')" = 2
run 0 "verify" fc verify

echo "# --- (f) a deliverer killed mid-delivery: the next command sends the event again"
rx_start again hang,200
run 0 "notify add again" fc notify add again --url "http://127.0.0.1:$RX_PORT/a" --events change -q
check "its first event reaches the receiver, which holds it" wait_for 30 nreqs_ge again 1
owner_of_again() {
    OWNER=$(sqlite3 "$FICUS_PLAN/.git/ficus/plan.db" \
        "SELECT owner FROM notify_delivery WHERE hook = 'again' AND state = 'pending' AND owner IS NOT NULL")
    [ -n "$OWNER" ]
}
check "a deliverer is at work on it" wait_for 10 owner_of_again
kill -KILL "$OWNER" 2>/dev/null
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
check "the deliverer is killed" wait_for 10 pid_gone "$OWNER"
run 0 "the next command (a reader)" fc status
again_delivered() {
    test "$(sqlite3 "$FICUS_PLAN/.git/ficus/plan.db" "SELECT state FROM notify_delivery WHERE hook = 'again'")" = delivered
}
check "delivered by the next command's deliverer" wait_for 60 again_delivered
check "sent twice, the same event (X-Ficus-Event)" \
    test "$(field again 0 "r['headers']['x-ficus-event']")" = "$(field again 1 "r['headers']['x-ficus-event']")"
run 0 "notify rm again" fc notify rm again -q

echo "# --- (e) slack format"
rx_start chat
export CHAT_TOKEN=tok-chat-4471
run 0 "notify add chat --format slack" fc notify add chat --url "http://127.0.0.1:$RX_PORT/services/T1/B2/c3" --format slack --events change --token-env CHAT_TOKEN -q
run 0 "a change" fc domain add documents -m "documents next" -q
check "chat receives a message" wait_for 60 nreqs_ge chat 1
n=$(($(nreqs chat) - 1))
check "the body is an object with one key: text" test "$(field chat "$n" "sorted(r['body'].keys())")" = "['text']"
txt=$(field chat "$n" "r['body']['text']")
has "$txt" "add domain 'documents'" && ok "text has the subject" || bad "text has the subject: $txt"
has "$txt" "by Integration Test <it@ficus.invalid>" && ok "text has the actor" || bad "text has the actor: $txt"
has "$txt" "> documents next" && ok "text has the reason" || bad "text has the reason: $txt"
has "$txt" "commit $(git -C "$FICUS_PLAN" rev-parse --short=10 HEAD)" && ok "text has the commit" || bad "text has the commit: $txt"
check "the bearer token is sent" test "$(field chat "$n" "r['headers']['authorization']")" = "Bearer tok-chat-4471"
check "the token is in no plan file, no commit and not in the database" \
    test -z "$(git -C "$FICUS_PLAN" log -p --all | grep -F tok-chat-4471; sqlite3 "$FICUS_PLAN/.git/ficus/plan.db" .dump | grep -F tok-chat-4471)"
run 0 "notify rm chat" fc notify rm chat -q

echo "# --- gate-open: a gate that turns open with time is one event"
rx_start gates
run 0 "notify add gates" fc notify add gates --url "http://127.0.0.1:$RX_PORT/g" --events gate-open -q
run 0 "service add" fc service add billing --domain billing --route /api/billing -q
run 0 "promote billing to dual-write" fc promote billing -q
run 0 "status at day 1: the gate is closed" env FICUS_NOW=2026-01-02T00:00:00Z "$FICUS" status
run 0 "status at day 15: the gate is open" env FICUS_NOW=2026-01-16T00:00:00Z "$FICUS" status
run 0 "status again" env FICUS_NOW=2026-01-16T00:00:00Z "$FICUS" status
gate_req() { reqs gates | grep -q '"service": "billing"'; }
check "gates receives the gate-open event" wait_for 60 gate_req
check "one gate-open event for billing" test "$(reqs gates | grep -c '"service": "billing"')" = 1
g=$(($(reqs gates | grep -n '"service": "billing"' | cut -d: -f1) - 1))
check "event gate-open, to backfill" test "$(field gates "$g" "r['body']['event'] + '|' + r['body']['to']")" = "gate-open|backfill"

echo "# --- push-failed: a change the router did not take"
rx_start pf
run 0 "notify add pf" fc notify add pf --url "http://127.0.0.1:$RX_PORT/p" --events push-failed -q
free_port >/dev/null
run 0 "router add (nothing listens there)" fc router add web --driver http --replica "http://127.0.0.1:$FREE_PORT" --timeout 1s --retries 0 -q
run 5 "promote: committed, not applied (exit 5)" fc promote billing --to backfill --force -m "push fails" --json
F_COMMIT=$(sed -n 's/.*"commit": "\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
check "pf receives push-failed" wait_for 60 nreqs_ge pf 1
check "push-failed names the commit" test "$(field pf 0 "r['body']['event'] + '|' + r['body']['commit']")" = "push-failed|$F_COMMIT"
check "and the error" has "$(field pf 0 "r['body']['text']")" "not applied on every router"
run 0 "router rm" fc router rm web --force -m "test over" -q

echo "# --- drift: router verify finds drift on a real nginx router"
nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
rx_start dr
run 0 "notify add dr" fc notify add dr --url "http://127.0.0.1:$RX_PORT/d" --events drift -q
run 0 "router add web2 (nginx)" fc router add web2 --driver nginx-lua --replica "http://127.0.0.1:$NGINX_ADMIN_PORT" -q
run 0 "router sync" fc router sync -q
REV=$(nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/billing | sed -n 's/.*"rev":\([0-9]*\).*/\1/p')
nginx_admin "$NGINX_ADMIN_PORT" PUT /v1/flags/billing "{\"bp\":10000,\"shadow\":false,\"rev\":${REV:-1}}" >/dev/null
run 6 "router verify finds the drift (exit 6)" fc router verify
check "dr receives the drift event" wait_for 60 nreqs_ge dr 1
check "event drift, naming router, flag and service" \
    test "$(field dr 0 "r['body']['event'] + '|' + r['body']['detail']['flags'][0]['router'] + '|' + r['body']['detail']['flags'][0]['flag'] + '|' + r['body']['detail']['flags'][0]['service']")" = "drift|web2|billing|billing"
check "its text says what drifted" has "$(field dr 0 "r['body']['text']")" "drift on 1 flag: router 'web2'"
run 0 "router sync restores the plan's value" fc router sync -q
run 0 "router verify: no drift" fc router verify
check "no drift event when there is none" test "$(nreqs dr)" = 1

check "every deliverer has ended" wait_for 90 deliverers_done
finish
