#!/bin/bash
# Every change is one commit whose trailers git can parse; ficus log shows
# the history, newest first, filtered by name, limited by -n, and as JSON.
. "$(dirname "$0")/lib.sh"
new_plan

changes=(
	"domain add auth"
	"domain add tracking --owner team-a"
	"domain set tracking --rps 12"
	"dep add tracking auth --kind reads"
	"domain add billing"
	"dep add billing auth"
	"dep rm billing auth"
	"domain rm billing"
)
for c in "${changes[@]}"; do
	# shellcheck disable=SC2086
	ficus $c >/dev/null || fail "ficus $c"
done
ficus map import - >/dev/null <<<'{"version": 1, "domains": [{"name": "search"}]}' || fail "import"
N=$(( ${#changes[@]} + 1 ))
expect_eq $((N + 1)) "$(commit_count plan)" "N changes make N commits after init"

# every commit: trailers parse, Ficus-Change and Ficus-Action present
ids=()
for rev in $(git -C plan rev-list HEAD); do
	trl=$(trailers "$rev")
	expect_match '^Ficus-Change: [0-9a-f]{10}$' "$trl" "Ficus-Change of $rev"
	expect_match '^Ficus-Action: [a-z-]+$' "$trl" "Ficus-Action of $rev"
	expect_eq 1 "$(printf '%s\n' "$trl" | grep -c '^Ficus-Change:')" "one Ficus-Change in $rev"
	ids+=("$(printf '%s\n' "$trl" | sed -n 's/^Ficus-Change: //p')")
	# the message is subject, blank line, [body, blank line,] trailers
	expect_eq "" "$(git -C plan log -1 --format=%B "$rev" | sed -n 2p)" "blank second line in $rev"
done
expect_eq "$N" "$(( ${#ids[@]} - 1 ))" "one Ficus-Change per commit"
expect_eq "${#ids[@]}" "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" "Ficus-Change unique per commit"
actions=$(for rev in $(git -C plan rev-list --reverse HEAD); do trailers "$rev" | sed -n 's/^Ficus-Action: //p'; done | tr '\n' ' ')
expect_eq "init domain-add domain-add domain-set dep-add domain-add dep-add dep-rm domain-rm map-import " "$actions" "actions in order"
# git's own trailer reader agrees
expect_eq "$N" "$(git -C plan log --format='%(trailers:key=Ficus-Action,valueonly)' HEAD~$N..HEAD | grep -c .)" "%(trailers) reads Ficus-Action"

# ficus log: newest first, every entry
expect_exit 0 ficus log
expect_eq $((N + 1)) "$(printf '%s\n' "$out" | grep -cE '^[0-9a-f]{12} ')" "log shows every commit"
expect_match "^    map: import 1 domain \(1 new\)$" "$(printf '%s\n' "$out" | sed -n 2p)" "newest first"
expect_match '^    Ficus-Action: init$' "$out"
expect_match '^    Ficus-To: auth reads weight 1$' "$out"
expect_no_match 'Ficus-Change' "$out" "text log leaves out the change id"

# -n limits
expect_exit 0 ficus log -n 2
expect_eq 2 "$(printf '%s\n' "$out" | grep -cE '^[0-9a-f]{12} ')" "log -n 2"
expect_match "$(git -C plan rev-parse --short=12 HEAD)" "$out"
expect_match "$(git -C plan rev-parse --short=12 HEAD~1)" "$out"
expect_exit 0 ficus log --max-count=1
expect_eq 1 "$(printf '%s\n' "$out" | grep -cE '^[0-9a-f]{12} ')" "log --max-count=1"
expect_exit 0 ficus log -n 0
expect_eq "" "$out" "log -n 0"
expect_exit 2 ficus log -n x
expect_exit 2 ficus log -n -1

# a name filters
expect_exit 0 ficus log tracking
expect_eq 3 "$(printf '%s\n' "$out" | grep -cE '^[0-9a-f]{12} ')" "log tracking: add, set, dep"
expect_no_match "domain 'auth'" "$out" "log tracking leaves out auth's add"
expect_exit 0 ficus log billing -n 1
expect_match "remove domain 'billing'" "$out" "log billing -n 1 is the newest billing change"
expect_exit 1 ficus log nosuch
expect_eq "" "$out" "no changes for an unknown name"
expect_match "no service or domain 'nosuch'" "$err" "an unknown name is an error"
expect_exit 2 ficus log 'Bad Name'
# fixed: a domain created by 'map import' has no history under its name: the
# import commit carries no Ficus-Domain trailer, so 'ficus log search' is
# empty although that commit created domains/search.json.
expect_exit 0 ficus log search
expect_match 'map: import' "$out" "log of an imported domain"

# --json: parses, same entries, trailers as an object
expect_exit 0 ficus log --json
expect_json "$out" "log --json"
expect_eq $((N + 1)) "$(printf '%s\n' "$out" | grep -c '"commit": ')" "log --json entries"
expect_eq "$(git -C plan rev-parse HEAD)" "$(printf '%s\n' "$out" | sed -n 's/^ *"commit": "\(.*\)",$/\1/p' | head -1)" "newest first in json"
expect_match '"Ficus-Change": "[0-9a-f]{10}"' "$out"
expect_match '"author": "Test Lead"' "$out"
expect_match '"email": "lead@example.com"' "$out"
expect_match '"time": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' "$out"
expect_exit 0 ficus log tracking -n 2 --json
expect_json "$out" "filtered log --json"
expect_eq 2 "$(printf '%s\n' "$out" | grep -c '"commit": ')" "filtered, limited json"
expect_exit 1 ficus log nosuch --json

# log writes nothing
before=$(snapshot plan)
ficus log >/dev/null
expect_unchanged plan "$before" "log changes nothing"
done_testing
