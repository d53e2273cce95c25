#!/usr/bin/env bash
# ficus notify add|rm|list: webhooks in the plan settings, one commit each,
# validated before anything is written, --dry-run and --json (SPEC 9,
# "Notifications"; ficus(1) 'notify', ficus-plan(5) "webhooks").
. "$(dirname "$0")/lib.sh"

new_plan
P=$FICUS_PLAN
URL=http://127.0.0.1:9/hooks/ops

# ---- bad input: refused before anything is written
before=$(snapshot "$P")
n0=$(commit_count "$P")
expect_exit 2 ficus notify add 'Ops!' --url "$URL"
expect_match "webhook name" "$err" "a bad name is named"
expect_exit 2 ficus notify add ops --url ftp://example.com/x
expect_match "not an http:// or https:// URL" "$err" "scheme refused"
expect_exit 2 ficus notify add ops --url 'https://user:hunter2pw@example.com/x'
expect_match "no credentials" "$err" "credentials in the URL refused"
expect_no_match "hunter2pw" "$err$out" "the password is not echoed"
expect_exit 2 ficus notify add ops --url "$URL" --events change,gat-open
expect_match "unknown event 'gat-open'; did you mean 'gate-open'" "$err" "unknown event: did you mean"
expect_exit 2 ficus notify add ops --url "$URL" --format xml
expect_match "json or slack" "$err" "unknown format"
expect_exit 2 ficus notify add ops
expect_match "exactly one of --url and --url-file" "$err" "a URL is needed"
expect_exit 2 ficus notify add ops --url "$URL" --url-file /etc/hostname
expect_exit 2 ficus notify add ops --url "$URL" --token-env A --token-file /etc/hostname
expect_exit 2 ficus notify add ops --url "$URL" --token-env 'not a var'
expect_match "environment variable name" "$err" "token_env must be a variable name"
expect_exit 2 ficus notify rm ops --url "$URL"
expect_match "go with 'notify add'" "$err" "add's options elsewhere"
expect_exit 2 ficus notify lst
expect_match "did you mean 'list'" "$err" "mistyped sub-verb"
expect_exit 1 ficus notify rm ops
expect_match "no webhook named 'ops'" "$err" "rm of an unknown webhook"
expect_unchanged "$P" "$before" "bad input changed nothing"
expect_eq "$n0" "$(commit_count "$P")" "no commit for bad input"

# ---- --dry-run: says what it would commit, changes nothing
expect_exit 0 ficus notify add ops --url "$URL" --dry-run
expect_match "would commit" "$out" "dry run shows the commit"
expect_match "notify: add ops \(http://127.0.0.1:9/\.\.\., json\)" "$out" "dry run subject shows the URL masked"
expect_unchanged "$P" "$before" "dry run changed nothing"

# ---- add: one commit, in ficus.json, trailers
expect_exit 0 ficus notify add ops --url "$URL" --events change,push-failed -m "ops channel"
expect_eq $((n0 + 1)) "$(commit_count "$P")" "add is one commit"
tr=$(trailers HEAD)
expect_match "Ficus-Action: notify-add" "$tr" "trailer Ficus-Action"
expect_match "Ficus-Webhook: ops" "$tr" "trailer Ficus-Webhook"
doc=$(git -C "$P" show HEAD:ficus.json)
expect_match '"webhooks": \[' "$doc" "ficus.json has webhooks"
expect_match '"push-failed"' "$doc" "the event filter is stored"
# the same again: nothing to do; other settings under the name: refused
expect_exit 0 ficus notify add ops --url "$URL" --events change,push-failed
expect_match "nothing to do" "$err" "the same webhook again is a no-op"
expect_eq $((n0 + 1)) "$(commit_count "$P")" "no commit for the no-op"
expect_exit 1 ficus notify add ops --url "$URL"
expect_match "already exists" "$err" "another webhook under the name"
expect_exit 0 ficus notify add chat --url https://chat.example.com/hooks/abc --format slack --events all

# ---- list: text and --json
expect_exit 0 ficus notify list
expect_match "^ops	http://127.0.0.1:9/\.\.\.	change,push-failed	json	-	" "$out" "list row of ops (TSV)"
expect_match "^chat	https://chat.example.com/\.\.\.	change,gate-open,push-failed,drift,test	slack" "$out" "list row of chat"
expect_no_match "hooks/abc" "$out" "list never shows a URL's path"
expect_exit 0 ficus notify list --json
expect_json "$out" "notify list --json"
expect_match '"name": "ops"' "$out" "json names the webhook"
expect_match '"url": "http://127.0.0.1:9/\.\.\."' "$out" "json shows the URL masked"
expect_match '"deliveries": \{' "$out" "json has the deliveries"

# ---- a rebuild keeps them (desired state is in the plan files)
expect_exit 0 ficus rebuild
expect_exit 0 ficus verify
expect_exit 0 ficus notify list
expect_match "^ops	" "$out" "ops after a rebuild"

# ---- rm, with --json; errors in the envelope; "did you mean"
expect_exit 0 ficus notify rm chat --json
expect_json "$out" "notify rm --json"
expect_match '"ok": true' "$out" "rm --json envelope"
expect_match '"commit": "[0-9a-f]{40}"' "$out" "rm --json names the commit"
expect_match "Ficus-Action: notify-rm" "$(trailers HEAD)" "rm trailer"
expect_exit 1 ficus notify rm chat --json
expect_match '"ok": false' "$out" "error --json envelope"
expect_match '"exit": 1' "$out" "error --json exit"
expect_exit 1 ficus notify rm opz
expect_match "did you mean 'ops'" "$err" "rm: did you mean"
expect_exit 1 ficus notify test opz --dry-run
expect_exit 1 ficus notify test opz
expect_match "no webhook named 'opz'; did you mean 'ops'" "$err" "test: did you mean"
expect_exit 0 ficus notify rm ops
expect_exit 0 ficus notify list
expect_match "no webhooks configured" "$err" "empty list says so"
expect_no_match '"webhooks"' "$(git -C "$P" show HEAD:ficus.json)" "the last rm drops the list"
expect_exit 0 ficus verify

done_testing
