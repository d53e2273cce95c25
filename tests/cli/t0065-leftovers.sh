#!/bin/bash
# Files a killed process leaves behind: git locks, ficus work files,
# libgit2 temp files.  A change takes over the stale locks; doctor lists
# every leftover and, with --repair, removes the stale ones and resets an
# index or work tree that differs from HEAD.  A lock a live process holds
# open is never removed.
. "$(dirname "$0")/lib.sh"
new_plan
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking
must promote tracking
G=plan/.git

# a stale branch lock (a killed commit): rollback still commits
touch -d '1 minute ago' "$G/refs/heads/main.lock"
n=$(commit_count plan)
expect_exit 0 ficus rollback tracking --to planned
expect_eq $((n + 1)) "$(commit_count plan)" "the rollback is committed"
check "the stale branch lock is gone" test ! -e "$G/refs/heads/main.lock"
expect_eq "planned 0%" "$(svc_state tracking)" "rolled back"

# every kind of leftover, by hand
mkdir -p "$G/refs/remotes/origin" "$G/objects/ab"
for f in index.lock refs/heads/main.lock refs/remotes/origin/main.lock packed-refs.lock HEAD.lock \
	ficus/plan.db.rebuild ficus/plan.db.rebuild-journal objects/ab/tmp_object_git2_XyZ12 \
	objects/tmp_object_git2_AbC34; do
	echo junk >"$G/$f"
	touch -d '1 minute ago' "$G/$f"
done
sleep 300 &
dead=$!
kill "$dead"
wait "$dead" 2>/dev/null
echo junk >"plan/services/tracking.json.ficus-$dead"
echo junk >"$G/config.ficus-$dead"
# a lock a live process holds open
(exec 9>"$G/refs/heads/held.lock"; exec sleep 30) &
holder=$!
cleanup_pids+=("$holder")
for i in $(seq 100); do
	[ -e "$G/refs/heads/held.lock" ] && break
	sleep 0.02
done
touch -d '1 minute ago' "$G/refs/heads/held.lock"
# a half-staged change: a plan file edited by hand
echo '{"broken": true}' >plan/services/tracking.json

expect_exit 1 ficus doctor
for f in index.lock refs/heads/main.lock refs/remotes/origin/main.lock packed-refs.lock HEAD.lock \
	ficus/plan.db.rebuild objects/ab/tmp_object_git2_XyZ12 objects/tmp_object_git2_AbC34 "config.ficus-$dead"; do
	expect_match "stale .* '\\.git/$f'" "$out" "doctor lists .git/$f"
done
expect_match "stale ficus work file 'services/tracking.json.ficus-$dead'" "$out"
expect_match "git lock '\\.git/refs/heads/held.lock' held by a live process" "$out"
expect_match "work tree differs from HEAD at 'services/tracking.json'" "$out"
check "doctor alone removes nothing" test -e "$G/index.lock"
expect_exit 1 ficus doctor --json
expect_json "$out" "doctor --json"
expect_match '"ok": *false' "$out"

# --repair: the stale ones go, the held lock stays (still a problem: exit 1)
expect_exit 1 ficus doctor --repair
expect_match "removed 11 stale leftovers" "$out"
expect_match "reset the index and the work tree to HEAD" "$out"
for f in index.lock refs/heads/main.lock refs/remotes/origin/main.lock packed-refs.lock HEAD.lock \
	ficus/plan.db.rebuild ficus/plan.db.rebuild-journal objects/ab/tmp_object_git2_XyZ12 \
	objects/tmp_object_git2_AbC34 "config.ficus-$dead"; do
	check "removed .git/$f" test ! -e "$G/$f"
done
check "removed the work file" test ! -e "plan/services/tracking.json.ficus-$dead"
check "the held lock stays" test -e "$G/refs/heads/held.lock"
kill "$holder"
wait "$holder" 2>/dev/null
touch -d '1 minute ago' "$G/refs/heads/held.lock"
expect_exit 0 ficus doctor --repair
check "the lock is taken once its holder is gone" test ! -e "$G/refs/heads/held.lock"
expect_exit 0 ficus doctor
expect_match "no leftovers" "$out"
expect_eq "" "$(git -C plan status --porcelain)" "git status is clean"
check "git fsck --strict is clean" git -C plan fsck --strict --no-progress
expect_exit 0 ficus verify
expect_exit 0 ficus promote tracking
expect_eq "dual-write 0%" "$(svc_state tracking)" "the plan works on"

done_testing
