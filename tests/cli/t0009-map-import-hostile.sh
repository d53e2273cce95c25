#!/bin/bash
# ficus map import with hostile names and out-of-range values: refused
# with exit 1 (a bad input file), a message that shows the name without
# control characters, no file written anywhere, nothing changed.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add auth >/dev/null || fail "add auth"
n=$(commit_count plan)
before=$(snapshot plan)
files_before=$(cd plan && find . -path ./.git -prune -o -print | sort)

# refused DOC PATTERN DESC: import exits 1 with PATTERN on stderr, no raw
# control character in the message, nothing changed
refused() {
	expect_exit 1 ficus map import - <<<"$1"
	expect_match "$2" "$err" "$3"
	expect_no_match "$(printf '[\001-\010\013-\037\177]')" "$err" "$3: no control characters in the message"
	expect_unchanged plan "$before" "$3: nothing changed"
}
doc() { printf '{"version": 1, "domains": [%s]}' "$1"; }

long200=$(printf 'a%.0s' $(seq 200))
refused "$(doc '{"name": "../x"}')" "domain name '../x' is invalid" "name ../x"
refused "$(doc '{"name": "../../../../tmp/evil"}')" "is invalid" "name with a path"
refused "$(doc '{"name": "/etc/passwd"}')" "is invalid" "absolute path name"
refused "$(doc '{"name": "a b"}')" "domain name 'a b' is invalid" "name with a space"
refused "$(doc '{"name": "a\u001b[31mred"}')" "domain name 'a.\[31mred' is invalid" "name with an escape sequence"
refused "$(doc '{"name": "a\nb"}')" "domain name 'a.b' is invalid" "name with a newline"
# fixed: a JSON escape \u0000 in a name cuts the name short: {"name": "a\u0000b"}
# imports a domain 'a' (exit 0, a commit) instead of refusing the name
# (cJSON strings are NUL-terminated; the length is not checked).
refused "$(doc '{"name": "a\u0000b"}')" "is invalid|malformed|u0000" "name with a NUL"
refused "$(doc "{\"name\": \"$long200\"}")" "is longer than 63 characters" "200-character name"
refused "$(doc '{"name": "tráfico"}')" "domain name 'tráfico' is invalid" "non-ASCII name"
refused "$(doc '{"name": "tr\u00e1fico"}')" "domain name 'tráfico' is invalid" "non-ASCII name as an escape"
refused "$(doc '{"name": "Auth"}')" "is invalid" "upper-case name"
refused "$(doc '{"name": ""}')" "name is empty" "empty name"
refused "$(doc '{"name": 7}')" "name" "name as a number"
refused "$(doc '{"name": "ok", "depends_on": [{"domain": "../auth"}]}')" "dependency: domain name '../auth' is invalid" "hostile dependency target"
refused "$(doc '{"name": "ok", "signals": {"../x": "y"}}')" "signal name '../x' is invalid" "hostile signal key"
refused "$(doc '{"name": "ok", "tables": ["users; DROP TABLE domain"]}')" "table name" "hostile table name"
refused "$(doc "{\"name\": \"ok\", \"tables\": [\"$(printf 't%.0s' $(seq 129))\"]}")" "1 to 128 characters" "129-character table name"

# numbers out of range
refused "$(doc '{"name": "auth", "rps": -1}')" "'rps' must be between 0 and 1e12" "negative rps"
refused "$(doc '{"name": "auth", "rps": 1e13}')" "'rps' must be between 0 and 1e12" "rps above 1e12"
refused "$(doc '{"name": "ok", "depends_on": [{"domain": "auth", "weight": 0}]}')" "weight must be 1..1000000" "weight 0"
refused "$(doc '{"name": "ok", "depends_on": [{"domain": "auth", "weight": -3}]}')" "weight must be 1..1000000" "negative weight"
refused "$(doc '{"name": "ok", "depends_on": [{"domain": "auth", "weight": 1000001}]}')" "weight must be 1..1000000" "weight too big"
refused "$(doc '{"name": "ok", "depends_on": [{"domain": "auth", "weight": 1.5}]}')" "weight" "fractional weight"
refused "$(doc '{"name": "ok", "depends_on": [{"domain": "auth", "weight": "2"}]}')" "weight" "weight as a string"

# texts too long
refused "$(doc "{\"name\": \"ok\", \"owner\": \"$(head -c 5000 /dev/zero | tr '\0' o)\"}")" "longer than 4096 bytes" "owner too long"

# no stray file anywhere in the plan, nor above it
expect_eq "$files_before" "$(cd plan && find . -path ./.git -prune -o -print | sort)" "no file written by refused imports"
check "nothing written next to the plan" test ! -e "$T/x" -a ! -e "$T/x.json" -a ! -e /tmp/evil.json
expect_eq "$n" "$(commit_count plan)" "no commit for hostile documents"

# text fields may hold anything printable, and control characters come out
# of the table and text forms stripped, while the plan file keeps valid JSON
expect_exit 0 ficus map import - <<<"$(doc '{"name": "ok", "owner": "evil\u001b[2Jteam", "description": "line1\nline2 \u0007 tráfico", "signals": {"deploy-contention": "x\u001b]0;pwned\u0007y"}}')"
expect_exit 0 ficus domain list
expect_no_match "$(printf '\033')" "$out" "no escape in the list"
expect_exit 0 ficus domain show ok
expect_no_match "$(printf '[\001-\010\013-\037]')" "$out" "no control characters in show"
expect_match 'tráfico' "$out" "non-ASCII text survives"
expect_exit 0 ficus domain show ok --json
expect_json "$out" "show --json with control characters"
expect_no_match "$(printf '[\001-\010\013-\037]')" "$out" "JSON escapes control characters"
check "plan file is valid JSON" json_valid "$(cat plan/domains/ok.json)"
ficus verify -q || fail "verify"
done_testing
