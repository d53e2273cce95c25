#!/bin/bash
# A change killed between its steps is finished by the next command: the
# commit is made exactly once, and database and repository agree.
# FICUS_TEST_KILL=db kills right after the database commit, =commit right
# after the git commit (before the journal is marked).
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add auth >/dev/null || fail "add auth"

commits_for() { git -C plan log --format=%s | grep -c "^map: add domain '$1'$"; }

# killed after the database commit: no git commit yet
n=$(commit_count plan)
killed db domain add x -m "killed after db"
expect_eq 137 "$?" "killed by SIGKILL (db)"
expect_eq "$n" "$(commit_count plan)" "no commit yet after a kill at db"
expect_eq db "$(sqlite3 plan/.git/ficus/plan.db "SELECT state FROM journal ORDER BY id DESC LIMIT 1")" "journal row pending"
# the next command, even a read, finishes it
expect_exit 0 ficus domain list
expect_match '^x' "$(printf '%s\n' "$out" | tail -1)" "x is listed"
expect_eq $((n + 1)) "$(commit_count plan)" "exactly one commit after repair (db)"
expect_eq 1 "$(commits_for x)" "one commit for x"
expect_match '^Ficus-Action: domain-add$' "$(trailers HEAD)"
expect_match 'killed after db' "$(git -C plan log -1 --format=%b)" "the reason survives the repair"
expect_eq "Test Lead" "$(git -C plan log -1 --format=%an)" "the author survives the repair"
check "x's file in HEAD" git -C plan cat-file -e HEAD:domains/x.json
check "x's file in the work tree" test -f plan/domains/x.json
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean after repair (db)"
expect_exit 0 ficus verify
expect_eq 0 "$(sqlite3 plan/.git/ficus/plan.db "SELECT count(*) FROM journal WHERE state <> 'applied'")" "journal settled"
# more commands make no more commits
ficus domain list >/dev/null && ficus verify -q
expect_eq $((n + 1)) "$(commit_count plan)" "no second commit (db)"

# killed after the git commit: the commit exists, the journal is not marked
n=$(commit_count plan)
killed commit domain add y
expect_eq 137 "$?" "killed by SIGKILL (commit)"
expect_eq $((n + 1)) "$(commit_count plan)" "the commit is made before the kill"
expect_exit 0 ficus domain list
expect_eq $((n + 1)) "$(commit_count plan)" "no second commit after repair (commit)"
expect_eq 1 "$(commits_for y)" "one commit for y"
expect_exit 0 ficus verify
expect_eq 0 "$(sqlite3 plan/.git/ficus/plan.db "SELECT count(*) FROM journal WHERE state <> 'applied'")" "journal settled (commit)"
# fixed: after a kill at 'commit' the repair marks the journal but does not
# check the change's files out: the index and work tree keep the state from
# before the commit ('git status' shows "D  domains/y.json" and PLAN.md
# modified), although HEAD and the database agree.
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean after repair (commit)"
check "y's file in the work tree" test -f plan/domains/y.json

# a writing command finishes the pending change first, then makes its own
n=$(commit_count plan)
killed db domain add z
expect_eq 137 "$?" "killed by SIGKILL (db, then a write)"
expect_exit 0 ficus dep add z auth
expect_eq $((n + 2)) "$(commit_count plan)" "pending change and the new one: two commits"
expect_eq "map: add domain 'z'" "$(git -C plan log -1 --format=%s HEAD~1)" "the pending change is committed first"
expect_eq "map: 'z' calls 'auth'" "$(git -C plan log -1 --format=%s)" "then the new one"
expect_exit 0 ficus verify

# rebuild finishes a pending change before it rebuilds
n=$(commit_count plan)
killed db domain set auth --owner killed-team
expect_eq 137 "$?" "killed by SIGKILL (db, then rebuild)"
expect_exit 0 ficus rebuild
expect_eq $((n + 1)) "$(commit_count plan)" "rebuild commits the pending change once"
expect_match '"owner": "killed-team"' "$(ficus domain show auth --json)" "the change is not lost by rebuild"
expect_exit 0 ficus verify

# a killed dry run or no-op leaves nothing to repair
n=$(commit_count plan)
killed db domain add w --dry-run
expect_exit 0 ficus domain list
expect_eq "$n" "$(commit_count plan)" "dry run is never committed"
expect_exit 1 ficus domain show w
done_testing
