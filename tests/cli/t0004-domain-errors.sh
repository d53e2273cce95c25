#!/bin/bash
# ficus domain: a duplicate add, an unknown domain and an invalid name are
# refused with the documented status, and change neither database nor HEAD.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add tracking --owner team-a >/dev/null || fail "add tracking"
n=$(commit_count plan)
before=$(snapshot plan)

# duplicate add: error 1, "already exists", no new commit, fields untouched
expect_exit 1 ficus domain add tracking --owner someone-else
expect_match "^ficus: domain 'tracking' already exists" "$err"
expect_eq "" "$out" "nothing on stdout for an error"
expect_eq "$n" "$(commit_count plan)" "no commit for a duplicate add"
expect_match '"owner": "team-a"' "$(ficus domain show tracking --json)" "duplicate add keeps the fields"
expect_exit 1 ficus domain add tracking --owner someone-else --dry-run
expect_match "already exists" "$err" "dry run of a duplicate add"

# unknown domain: error 1
for verb in show rm; do
	expect_exit 1 ficus domain $verb nosuch
	expect_match "^ficus: domain 'nosuch' does not exist$" "$err" "domain $verb nosuch"
done
expect_exit 1 ficus domain set nosuch --owner x
expect_match "domain 'nosuch' does not exist" "$err"
expect_exit 1 ficus domain show nosuch --json
expect_match '"ok": false' "$out" "the JSON of an unknown domain is the error envelope"
expect_match '"error": "domain .nosuch. does not exist"' "$out"

# invalid names: usage status 2, before anything is written
long=$(printf 'a%.0s' $(seq 64))
for bad in 'Tracking' 'a b' '../x' '.hidden' '-dash' 'x/y' '' "$long" 'tráfico' "$(printf 'a\033[31mb')" \
	"$(printf 'a\nb')"; do
	expect_exit 2 ficus domain add -- "$bad"
	expect_match 'domain name (.* )?(is invalid|is longer than 63|is empty)' "$err" "message for '$bad'"
	expect_no_match "$(printf '\033')" "$err" "no raw escape in the message for an invalid name"
done
expect_match 'longer than 63 characters' "$(ficus domain add "$long" 2>&1)"
expect_exit 2 ficus domain show 'Bad Name'
expect_exit 2 ficus domain set '../etc' --owner x
expect_exit 2 ficus domain rm '../etc'
check "no file for a hostile name outside domains/" test ! -e plan/x.json -a ! -e plan/etc.json
expect_eq "domains/tracking.json" "$(git -C plan ls-tree -r --name-only HEAD domains)" "only tracking in domains/"
expect_unchanged plan "$before" "refused domain commands change nothing"

# the longest valid name is 63 characters
name63=$(printf 'b%.0s' $(seq 63))
expect_exit 0 ficus domain add "$name63"
check "63-character domain file" test -f "plan/domains/$name63.json"
ficus domain rm "$name63" >/dev/null || fail "rm 63-character domain"
ficus verify -q || fail "verify"
done_testing
