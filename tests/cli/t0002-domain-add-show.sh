#!/bin/bash
# ficus domain add/list/show: fields, the plan file, tables and JSON output.
. "$(dirname "$0")/lib.sh"
new_plan

expect_exit 0 ficus domain add tracking --owner team-logistics --rps 120.5 \
	--tables shipments,parcels --description "parcel tracking pages" \
	--signal divergent-scaling="10x peak at 18:00" --signal deploy-contention=weekly
expect_match "^map: add domain 'tracking'" "$out" "add output"
expect_match "commit [0-9a-f]{12}  change [0-9a-f]{10}" "$out" "add output names commit and change"
expect_eq 2 "$(commit_count plan)" "one commit per add"
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean after add"
check "domain file committed" git -C plan cat-file -e HEAD:domains/tracking.json
trl=$(trailers HEAD)
expect_match '^Ficus-Action: domain-add$' "$trl"
expect_match '^Ficus-Domain: tracking$' "$trl"
expect_match '^Ficus-Change: [0-9a-f]{10}$' "$trl"

# the plan file: sorted keys, two-space indent, trailing newline, sorted tables
file=$(git -C plan show HEAD:domains/tracking.json)
expect_match '^  "owner": "team-logistics",$' "$file" "plan file owner"
expect_match '^  "rps": 120.5,$' "$file" "plan file rps"
expect_match '^    "deploy-contention": "weekly",$' "$file" "plan file signal"
expect_eq "$(printf '%s\n' "$file" | grep -n '"parcels"' | cut -d: -f1)" \
	"$(( $(printf '%s\n' "$file" | grep -n '"shipments"' | cut -d: -f1) - 1 ))" "tables are sorted"
expect_eq '{' "$(printf '%s\n' "$file" | head -1)" "plan file starts with {"
expect_eq '' "$(tail -c 1 plan/domains/tracking.json | tr -d '\n')" "plan file ends with a newline"
keys=$(printf '%s\n' "$file" | sed -n 's/^  "\([a-z_]*\)":.*/\1/p' | tr '\n' ' ')
expect_eq "depends_on description name owner rps signals tables " "$keys" "plan file keys sorted"

ficus domain add auth --rps 300 -q >/dev/null || fail "add auth"
ficus domain add billing >/dev/null || fail "add billing (no options)"
expect_eq 4 "$(commit_count plan)" "commits after three adds"

# list, piped: tab-separated, no header, sorted by name
expect_exit 0 ficus domain list
expect_eq "$(printf 'auth\t\t300\t0\t0\nbilling\t\t0\t0\t0\ntracking\tteam-logistics\t120.5\t2\t2')" "$out" "piped list"
expect_no_match 'DOMAIN' "$out" "piped list has no header"

# on a terminal: aligned with a header (needs script(1))
if command -v script >/dev/null 2>&1; then
	tty_out=$(script -qec "'$FICUS' --no-color domain list" /dev/null 2>/dev/null | tr -d '\r')
	expect_match '^DOMAIN +OWNER +REQ/S +TABLES +SIGNALS$' "$tty_out" "terminal list header"
	expect_no_match "$(printf '\t')" "$tty_out" "terminal list is not tab-separated"
fi

# list --json parses and holds every domain with its fields
expect_exit 0 ficus domain list --json
expect_json "$out" "domain list --json"
expect_eq 3 "$(printf '%s\n' "$out" | grep -c '"name": ')" "three domains in list --json"
expect_match '"owner": "team-logistics"' "$out"

# show: text and JSON
expect_exit 0 ficus domain show tracking
expect_match '^domain +tracking$' "$out"
expect_match '^owner +team-logistics$' "$out"
expect_match '^req/s +120.5$' "$out"
expect_match '^tables +parcels, shipments$' "$out"
expect_match '^description +parcel tracking pages$' "$out"
expect_match '^signal +divergent-scaling: 10x peak at 18:00$' "$out"
expect_match '^signal +deploy-contention: weekly$' "$out"
expect_exit 0 ficus domain show tracking --json
expect_json "$out" "domain show --json"
# the envelope's "domain" is the plan file
check "show --json is the plan file" python3 -c '
import json, subprocess, sys
shown = json.loads(sys.argv[1])
assert shown["ficus"] == 1 and shown["ok"] is True
assert shown["domain"] == json.loads(subprocess.check_output(["git", "-C", "plan", "show", "HEAD:domains/tracking.json"]))
' "$out"

# dependencies appear in show
ficus dep add tracking auth --kind reads --weight 3 >/dev/null || fail "dep add"
expect_exit 0 ficus domain show tracking
expect_match '^depends on +auth \(reads, weight 3\)$' "$out"

# JSON strings with quotes and control characters stay valid JSON
expect_exit 0 ficus domain add quoted --description "$(printf 'say "hi"\\ and\ttab')" --owner 'o"wner'
expect_exit 0 ficus domain show quoted --json
expect_json "$out" "show --json with quotes"
expect_exit 0 ficus domain list --json
expect_json "$out" "list --json with quotes"

# usage errors
expect_exit 2 ficus domain
expect_exit 2 ficus domain add
expect_exit 2 ficus domain list extra
expect_exit 2 ficus domain frobnicate x
expect_exit 2 ficus domain add x --nosuchoption
expect_exit 0 ficus domain --help
expect_match '^usage: ficus domain add' "$out"
ficus verify -q || fail "verify after domain edits"
done_testing
