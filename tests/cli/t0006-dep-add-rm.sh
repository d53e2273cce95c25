#!/bin/bash
# ficus dep add/rm/list: kinds, weights, repeat adds, self-dependency,
# unknown domains and missing dependencies.
. "$(dirname "$0")/lib.sh"
new_plan
for d in auth billing tracking; do
	ficus domain add $d >/dev/null || fail "add $d"
done

# default kind calls, weight 1
n=$(commit_count plan)
expect_exit 0 ficus dep add tracking auth
expect_match "^map: 'tracking' calls 'auth'" "$out"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit per dep add"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: dep-add$' "$trl"
expect_match '^Ficus-Domain: tracking$' "$trl"
expect_match '^Ficus-To: auth calls weight 1$' "$trl"
expect_eq "domains/tracking.json PLAN.md " "$(git -C plan diff --name-only HEAD~1 HEAD | sort -r | tr '\n' ' ')" "files of a dep add"

# every kind, with weights
for k in reads writes shares-table; do
	expect_exit 0 ficus dep add tracking auth --kind $k --weight 7
done
expect_exit 0 ficus dep add billing auth --kind=writes --weight=1000000
expect_exit 0 ficus dep list
expect_eq "$(printf 'billing\tauth\twrites\t1000000\ntracking\tauth\tcalls\t1\ntracking\tauth\treads\t7\ntracking\tauth\tshares-table\t7\ntracking\tauth\twrites\t7')" "$out" "dep list, piped"
expect_exit 0 ficus dep list --json
expect_json "$out" "dep list --json"
expect_eq 5 "$(printf '%s\n' "$out" | grep -c '"from": ')" "five dependencies in --json"
expect_match '"kind": "shares-table"' "$out"
expect_match '"weight": 1000000' "$out"
expect_match '"kind": "writes"' "$(git -C plan show HEAD:domains/billing.json)" "dependency in the plan file"

# a repeat add is a no-op: exit 0, "nothing to do", no commit
n=$(commit_count plan)
before=$(snapshot plan)
expect_exit 0 ficus dep add tracking auth
expect_match 'nothing to do' "$err"
expect_exit 0 ficus dep add tracking auth --kind reads --weight 7
expect_match 'nothing to do' "$err"
expect_exit 0 ficus dep add tracking auth --kind reads --weight 7 --json
expect_json "$out" "no-op --json"
expect_match '"noop": true' "$out"
expect_eq "$n" "$(commit_count plan)" "no commit for a repeat add"
expect_unchanged plan "$before" "a repeat add changes nothing"

# a new weight changes the weight
expect_exit 0 ficus dep add tracking auth --kind reads --weight 9
expect_eq $((n + 1)) "$(commit_count plan)" "weight change is a commit"
expect_match "$(printf 'tracking\tauth\treads\t9')" "$(ficus dep list)"

# refused: nothing changes
n=$(commit_count plan)
before=$(snapshot plan)
expect_exit 2 ficus dep add auth auth
expect_match "cannot depend on itself" "$err"
expect_exit 1 ficus dep add tracking nosuch
expect_match "domain 'nosuch' does not exist" "$err"
expect_exit 1 ficus dep add nosuch tracking
expect_match "domain 'nosuch' does not exist" "$err"
expect_exit 2 ficus dep add tracking auth --kind bogus
expect_match "kind 'bogus' is not calls, reads, writes or shares-table" "$err"
for w in 0 -1 1000001 abc 1.5 ''; do
	expect_exit 2 ficus dep add tracking auth --weight "$w"
done
expect_match 'weight' "$err"
expect_exit 2 ficus dep add tracking 'Auth'
expect_exit 2 ficus dep add '../x' auth
expect_exit 2 ficus dep add tracking
expect_exit 2 ficus dep add tracking auth billing
expect_exit 2 ficus dep frob
expect_exit 2 ficus dep
expect_exit 2 ficus dep list extra
expect_exit 1 ficus dep rm tracking billing
expect_match "'tracking' does not depend on 'billing'" "$err"
expect_exit 1 ficus dep rm billing auth --kind calls
expect_exit 1 ficus dep rm nosuch auth
expect_exit 2 ficus dep rm tracking auth --kind bogus
expect_unchanged plan "$before" "refused dep commands change nothing"
expect_eq "$n" "$(commit_count plan)" "no commit for refused dep commands"

# rm with --kind removes one kind, without removes every kind
expect_exit 0 ficus dep rm tracking auth --kind reads
expect_match "^map: 'tracking' no longer depends on 'auth'" "$out"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: dep-rm$' "$trl"
expect_match '^Ficus-From: auth reads$' "$trl"
expect_eq 3 "$(ficus dep list | grep -c '^tracking')" "three kinds left"
expect_exit 1 ficus dep rm tracking auth --kind reads
expect_match "does not depend on 'auth' as reads" "$err"
n=$(commit_count plan)
expect_exit 0 ficus dep rm tracking auth
expect_eq $((n + 1)) "$(commit_count plan)" "one commit removes every kind"
expect_eq "$(printf 'billing\tauth\twrites\t1000000')" "$(ficus dep list)" "only billing's dependency left"
expect_match '"depends_on": \[\]' "$(cat plan/domains/tracking.json)" "tracking's file has no dependencies"
expect_exit 1 ficus dep rm tracking auth
ficus verify -q || fail "verify after dep edits"
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean"
done_testing
