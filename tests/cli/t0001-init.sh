#!/bin/bash
# ficus init: a plan is a git repository with one commit and a database.
. "$(dirname "$0")/lib.sh"

expect_exit 0 ficus init plan
expect_match "created plan" "$out"
check "repository exists" test -d plan/.git
check "database exists" test -f plan/.git/ficus/plan.db
expect_eq 1 "$(commit_count plan)" "commits after init"
check "ficus.json committed" git -C plan cat-file -e HEAD:ficus.json
check "PLAN.md committed" git -C plan cat-file -e HEAD:PLAN.md
expect_match '^Ficus-Action: init$' "$(git -C plan log -1 --format=%B | git interpret-trailers --parse)"
expect_eq "Test Lead" "$(git -C plan log -1 --format=%an)" "author"
expect_eq "ficus" "$(git -C plan log -1 --format=%cn)" "committer"

# init again: nothing to do, exit 0, no new commit
expect_exit 0 ficus init plan
expect_match "already a ficus plan" "$err"
expect_eq 1 "$(commit_count plan)" "commits after second init"

# a non-empty directory is refused and left alone
mkdir full && echo x > full/file
expect_exit 1 ficus init full
expect_match "not empty" "$err"
check "no repository created in a non-empty dir" test ! -e full/.git

# plan discovery: from a subdirectory, FICUS_PLAN, --plan
mkdir -p plan/sub/dir
(cd plan/sub/dir && "$FICUS" domain list >/dev/null) || fail "discovery from a subdirectory"
FICUS_PLAN="$T/plan" expect_exit 0 ficus domain list
expect_exit 0 ficus --plan "$T/plan" domain list
expect_exit 1 ficus --plan "$T/full" domain list
expect_match "not a ficus plan" "$err"
(cd / && "$FICUS" domain list >/dev/null 2>&1); rc=$?
expect_eq 1 "$rc" "outside any plan"

# usage errors exit 2
expect_exit 2 ficus nosuchverb
expect_exit 2 ficus domain list --nosuchoption
expect_exit 0 ficus help exit-codes
expect_match "6  drift" "$out"
expect_exit 0 ficus --version

# the chosen libraries are linked the ordinary way, shared
for lib in libgit2 libcurl libsqlite3 libncursesw libz; do
	# under valgrind $FICUS is a wrapper script; FICUS_REAL: the binary itself
	check "ficus links $lib" bash -c 'ldd "$1" | grep -q "^[[:space:]]*$2\.so"' _ "${FICUS_REAL:-$FICUS}" "$lib"
done
expect_exit 0 ficus --plan "$T/plan" domain add billing -q
expect_eq 2 "$(commit_count plan)" "a change is one commit"
expect_exit 0 ficus --plan "$T/plan" domain set billing --owner payments -q
expect_eq 3 "$(commit_count plan)" "an edit is one commit"
expect_eq "" "$(git -C plan status --porcelain)" "a clean work tree after it"
expect_exit 0 git -C plan fsck --strict --no-dangling
expect_match '"owner": "payments"' "$(git -C plan show HEAD:domains/billing.json)" "the edit committed"
expect_exit 0 ficus --plan "$T/plan" verify
done_testing
