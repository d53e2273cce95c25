#!/usr/bin/env bash
# Webhook secrets (SPEC 3 "Secrets", SPEC 9 "Notifications"): a URL given by
# --url-file (a Slack incoming webhook's URL is a secret) and a bearer token
# from --token-env / --token-file never reach the plan repository, the
# database, a commit, or any output (add, list, status, doctor, notify
# test, --json), also after a delivery attempt failed.  Files readable by
# group or others are refused.
. "$(dirname "$0")/lib.sh"

new_plan
P=$FICUS_PLAN
# port 9 on loopback: nothing listens, a delivery attempt is refused at once
SECRET_PATH=services/T0SECRETXX/B0SECRETYY/zzSlackSecretzz
printf 'http://127.0.0.1:9/%s\n' "$SECRET_PATH" >"$T/hook.url"
printf 'tok-FILE-SECRET-7781\n' >"$T/hook.token"
export HOOK_TOKEN=tok-ENV-SECRET-5512
# deliveries in the foreground only (doctor --repair), none in the background
export FICUS_NOTIFY_DELIVERER=1

# ---- files readable by others are refused, naming the file, not its content
chmod 644 "$T/hook.url" "$T/hook.token"
expect_exit 2 ficus notify add slack --url-file "$T/hook.url" --format slack
expect_match "readable or writable by group or others .*chmod 600" "$err" "a 644 url file is refused"
expect_no_match "zzSlackSecretzz" "$err$out" "the refusal does not show the URL"
chmod 600 "$T/hook.url"
expect_exit 2 ficus notify add slack --url-file "$T/hook.url" --token-file "$T/hook.token"
expect_match "token file .*chmod 600" "$err" "a 644 token file is refused"
expect_no_match "tok-FILE-SECRET" "$err$out" "the refusal does not show the token"
chmod 600 "$T/hook.token"
expect_exit 2 ficus notify add bad --url-file /etc/hostname
expect_match "does not hold an http|readable or writable" "$err" "a file that is not a URL is refused"

# ---- accepted: the plan keeps paths and a variable name
all=""
expect_exit 0 ficus notify add slack --url-file "$T/hook.url" --token-file "$T/hook.token" --format slack
all="$all$out$err"
expect_exit 0 ficus notify add ops --url-file "$T/hook.url" --token-env HOOK_TOKEN --json
all="$all$out$err"
expect_json "$out" "notify add --json"
expect_match "\"url_file\": \"$T/hook.url\"" "$(git -C "$P" show HEAD:ficus.json)" "the plan names the url file"
# a change, a failed delivery (refused) and every face that reports
expect_exit 0 ficus domain add tracking
expect_exit 1 ficus notify test ops
all="$all$out$err"
expect_match "not delivered: connection refused" "$err" "notify test reports the refusal"
expect_match "http://127.0.0.1:9/\.\.\." "$err" "notify test shows the URL masked"
expect_exit 0 ficus notify test ops --dry-run --json
all="$all$out$err"
expect_match '"event": "test"' "$out" "the dry run shows the payload"
expect_exit 1 ficus doctor --repair
all="$all$out$err"
expect_match "notify: webhook 'ops' \(http://127.0.0.1:9/\.\.\.\): change event [0-9a-f]+: not delivered: connection refused" \
	"$out" "doctor --repair tries each delivery once, URL masked"
expect_match "notify: webhook 'slack' \(http://127.0.0.1:9/\.\.\.\): change event" "$out" "the slack webhook too"
expect_exit 0 ficus notify list
all="$all$out$err"
expect_match "^ops	file:$T/hook.url	" "$out" "list shows the url file, not the URL"
expect_match "env:HOOK_TOKEN" "$out" "list shows where the token comes from"
for v in "" --json; do
	expect_exit 0 ficus status $v
	all="$all$out$err"
	expect_exit 1 ficus doctor $v
	all="$all$out$err"
done
expect_match "notify: [0-9]+ events? not delivered to 'ops' \(last: connection refused" "$all" \
	"status and doctor name the undelivered events"
expect_exit 0 ficus log --json
all="$all$out$err"

for secret in zzSlackSecretzz T0SECRETXX tok-FILE-SECRET-7781 tok-ENV-SECRET-5512; do
	expect_no_match "$secret" "$all" "no output holds '$secret'"
	check "the plan repository never held '$secret'" \
		test -z "$(git -C "$P" log --all -p | grep -F "$secret")"
	check "the database does not hold '$secret'" \
		test -z "$(sqlite3 "$P/.git/ficus/plan.db" .dump | grep -F "$secret")"
	check "no file of the plan holds '$secret'" \
		test -z "$(grep -rlF "$secret" "$P" 2>/dev/null)"
done

# ---- doctor names a webhook a delivery would trip over, never its secrets
chmod 644 "$T/hook.url"
expect_exit 1 env -u HOOK_TOKEN "$FICUS" doctor
expect_match "notify: webhook 'ops': .*readable or writable by group or others" "$out" "doctor: url file too open"
chmod 600 "$T/hook.url"
expect_exit 1 env -u HOOK_TOKEN "$FICUS" doctor
expect_match "notify: webhook 'ops': environment variable 'HOOK_TOKEN' \(token_env\) is not set" "$out" \
	"doctor: token variable unset"
expect_no_match "zzSlackSecretzz|tok-FILE-SECRET|tok-ENV-SECRET" "$out$err" "doctor shows no secret"

expect_exit 0 ficus notify rm slack
expect_exit 0 ficus notify rm ops

# ---- a token written into ficus.json by hand (a commit made with git) is refused
sed 's/"version": 1/"version": 1,\n  "webhooks": [{"name": "x", "url": "http:\/\/127.0.0.1:9\/a", "token": "abcd1234"}]/' \
	"$P/ficus.json" >"$T/f.json" && mv "$T/f.json" "$P/ficus.json"
git -C "$P" -c user.name=t -c user.email=t@t commit -qam "hand edit" || fail "hand edit commit"
expect_exit 1 ficus status
expect_match "webhook 'x': 'token' is not allowed: secrets never go into the plan" "$err" \
	"a token in the plan is refused when adopted"
done_testing
