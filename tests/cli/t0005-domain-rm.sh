#!/bin/bash
# ficus domain rm: removes the domain and its file; refused while
# dependencies use it unless --force (with a reason), which removes them too
# and rewrites the files of the domains that depended on it.
. "$(dirname "$0")/lib.sh"
new_plan
for d in auth billing tracking lonely; do
	ficus domain add $d >/dev/null || fail "add $d"
done
ficus dep add tracking auth --kind reads >/dev/null || fail "dep tracking auth"
ficus dep add billing auth --kind writes --weight 2 >/dev/null || fail "dep billing auth"
ficus dep add auth lonely >/dev/null || fail "dep auth lonely"
ficus dep rm auth lonely >/dev/null || fail "dep rm auth lonely"

# a domain nobody uses: one commit, file gone from HEAD and the work tree
n=$(commit_count plan)
expect_exit 0 ficus domain rm lonely -m "never split out"
expect_match "^map: remove domain 'lonely'" "$out"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit for rm"
check "file gone from HEAD" test -z "$(git -C plan ls-tree --name-only HEAD domains/lonely.json)"
check "file gone from the work tree" test ! -e plan/domains/lonely.json
trl=$(trailers HEAD)
expect_match '^Ficus-Action: domain-rm$' "$trl"
expect_match '^Ficus-Domain: lonely$' "$trl"
expect_match 'never split out' "$(git -C plan log -1 --format=%b)" "reason in the body"

# with dependents: refused, nothing changes
n=$(commit_count plan)
before=$(snapshot plan)
ficus domain rm auth >/dev/null 2>"$T/rm.err"; rc=$?
err=$(cat "$T/rm.err")
# fixed: 'domain rm' of a domain with dependents exits 2 (usage), but the
# refusal is neither a usage error nor an invalid name ('ficus help
# exit-codes': 2 is wrong command line, invalid name, percentage or
# duration); a refused precondition is 1 like "does not exist".
expect_eq 1 "$rc" "rm of a domain with dependents: exit status"
check "rm of a domain with dependents fails (exit $rc)" test "$rc" -ne 0
expect_match "domain 'auth' has dependencies with 'billing', 'tracking'" "$err"
expect_match '--force' "$err" "the refusal names --force"
expect_unchanged plan "$before" "refused rm changes nothing"
expect_eq "$n" "$(commit_count plan)" "no commit for a refused rm"
check "auth file still there" test -f plan/domains/auth.json
# so does a domain that only has dependencies of its own
expect_exit 0 ficus domain add leaf
expect_exit 0 ficus dep add leaf billing
n=$(commit_count plan)
ficus domain rm leaf >/dev/null 2>&1 && fail "rm of a domain with its own dependencies must be refused"
expect_eq "$n" "$(commit_count plan)" "no commit for refused rm of leaf"

# --force needs a reason
before=$(snapshot plan)
expect_exit 2 ficus domain rm auth --force
expect_match '--reason' "$err"
expect_unchanged plan "$before" "--force without --reason changes nothing"

# --force --reason: one commit that removes the domain, its dependencies and
# rewrites the files of its dependents
n=$(commit_count plan)
expect_exit 0 ficus domain rm auth --force -m "auth moves to the SSO vendor"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit for a forced rm"
changed=$(git -C plan diff --name-only HEAD~1 HEAD | sort | tr '\n' ' ')
expect_eq "PLAN.md domains/auth.json domains/billing.json domains/tracking.json " "$changed" "files of a forced rm"
expect_exit 0 ficus dep list
expect_eq "$(printf 'leaf\tbilling\tcalls\t1')" "$out" "dependencies on auth are gone"
expect_no_match '"auth"' "$(cat plan/domains/tracking.json)" "tracking's file no longer names auth"
expect_exit 1 ficus domain show auth
ficus verify -q || fail "verify after forced rm"
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean"

# rm again: the domain does not exist
expect_exit 1 ficus domain rm auth
expect_match "does not exist" "$err"
done_testing
