#!/bin/bash
# Clones of one plan share a bare remote: every change fetches first and
# pushes after; a change that loses the race exits 4 and leaves the clone
# as the remote has it; no update is lost; after 'ficus sync' every clone
# shows the same state.
. "$(dirname "$0")/lib.sh"
export FICUS_NOW=1790000000
git init -q --bare origin.git
expect_exit 0 ficus init a --remote "$T/origin.git"
expect_match "created plan" "$out"
(cd a && "$FICUS" domain add tracking -q && "$FICUS" service add tracking --domain tracking --route /api/t -q) ||
	fail "setting up clone a"
expect_exit 0 ficus init b --remote "$T/origin.git"
expect_match "cloned the plan" "$err"
expect_eq "$(git -C a rev-parse HEAD)" "$(git -C b rev-parse HEAD)" "b starts where a is"
expect_exit 0 ficus --plan "$T/b" verify

# a change in a reaches b through the remote on b's next change
(cd a && "$FICUS" promote tracking -m "from a" -q) || fail "promote in a"
(cd b && "$FICUS" check record tracking reconcile --pass -m "from b" -q) || fail "check in b"
expect_match "from a" "$(git -C b log --format=%b)" "b fast-forwarded before its change"
expect_eq "$(git -C origin.git rev-parse main)" "$(git -C b rev-parse HEAD)" "b pushed"

# both promote with the same expectation: exactly one wins, the other exits 4
for round in 1 2 3 4 5; do
	(cd a && "$FICUS" promote tracking --force -m "race a $round" -q 2>"$T/ea"; echo $? >"$T/ra") &
	(cd b && "$FICUS" promote tracking --force -m "race b $round" -q 2>"$T/eb"; echo $? >"$T/rb") &
	wait
	ra=$(cat "$T/ra") rb=$(cat "$T/rb")
	log=$(git -C origin.git log main --format=%b)
	for side in a b; do
		r=$(cat "$T/r$side")
		n=$(printf '%s\n' "$log" | grep -cx "race $side $round")
		if [ "$r" = 0 ]; then
			expect_eq 1 "$n" "round $round: the winner $side is on the remote once"
		else
			expect_eq 4 "$r" "round $round: the loser $side exits 4"
			expect_eq 0 "$n" "round $round: the loser $side is not on the remote"
			expect_match "someone changed the plan first|remote moved" "$(cat "$T/e$side")"
		fi
	done
	tests_run=$((tests_run + 1))
	[ "$ra" = 0 ] || [ "$rb" = 0 ] || [ "$ra$rb" = 44 ] || fail "round $round: neither won nor lost cleanly ($ra/$rb)"
	# when the two did not overlap both won, and a is behind the remote: a
	# rollback builds on what the clone has (it never waits on the network),
	# so a catches up first, or the rollback would diverge from the remote
	[ "$ra$rb" = 00 ] && { (cd a && "$FICUS" sync -q) || fail "round $round: a catches up"; }
	(cd a && "$FICUS" rollback tracking --to dual-write -m "reset a $round" -q) || true
done

# the loser's clone is as the remote has it; both agree after sync
for c in a b; do
	expect_exit 0 ficus --plan "$T/$c" sync
	expect_exit 0 ficus --plan "$T/$c" verify
done
sa=$("$FICUS" --plan "$T/a" status --json)
sb=$("$FICUS" --plan "$T/b" status --json)
expect_eq "$sa" "$sb" "both clones show the same state"
expect_eq "$(git -C origin.git rev-parse main)" "$(git -C a rev-parse HEAD)" "a is at the remote"
# history is linear: no merge, nothing rewritten
expect_eq 0 "$(git -C origin.git rev-list --merges --count main)" "merges on the remote"
git -C origin.git fsck --no-progress >/dev/null 2>&1 || fail "fsck of the remote"

# a rollback goes on locally when the remote cannot be reached
mv origin.git origin.moved
(cd a && "$FICUS" promote tracking --force -m "remote down" -q 2>"$T/e1"); rc=$?
expect_eq 4 "$rc" "a forward change with the remote down exits 4"
(cd a && "$FICUS" rollback tracking --to planned -m "must work offline" 2>"$T/e2" >/dev/null); rc=$?
expect_eq 0 "$rc" "rollback with the remote down"
expect_match "not published|unreachable" "$(cat "$T/e2")"
mv origin.moved origin.git
expect_exit 0 ficus --plan "$T/a" sync
expect_match "must work offline" "$(git -C origin.git log main --format=%b)" "sync published the offline rollback"

# a fetch killed in the middle leaves git's lock on the remote-tracking
# ref: the next remote operation (under ficus's remote lock) takes it over
echo junk >a/.git/refs/remotes/origin/main.lock
expect_exit 0 ficus --plan "$T/a" promote tracking --force -m "past a killed fetch's lock"
check "the killed fetch's lock is gone" test ! -e a/.git/refs/remotes/origin/main.lock
expect_match "past a killed fetch's lock" "$(git -C origin.git log main --format=%b)" "published"
done_testing
