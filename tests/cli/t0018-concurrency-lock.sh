#!/bin/bash
# Concurrent writers serialise on the plan lock: each change is one commit,
# none is lost; a writer that cannot get the lock in time exits 4 and
# changes nothing.
. "$(dirname "$0")/lib.sh"
new_plan

# 8 writers at once
pids=()
for i in 1 2 3 4 5 6 7 8; do
	"$FICUS" domain add "d$i" >"$T/out.$i" 2>"$T/err.$i" &
	pids+=($!)
	cleanup_pids+=($!)
done
ok=0
for i in 1 2 3 4 5 6 7 8; do
	wait "${pids[$((i - 1))]}"
	rc=$?
	case $rc in
	0) ok=$((ok + 1)) ;;
	4) expect_match 'locked' "$(cat "$T/err.$i")" "writer $i failed cleanly" ;;
	*) fail "writer $i exited $rc: $(cat "$T/err.$i")" ;;
	esac
done
expect_eq $((ok + 1)) "$(commit_count plan)" "commits == successes + 1"
expect_eq 8 "$ok" "all 8 writers succeed within the default lock timeout"
expect_exit 0 ficus verify
expect_eq "$ok" "$(ficus domain list | wc -l)" "one domain per success"
expect_eq "$ok" "$(git -C plan log --format=%s | grep -c "^map: add domain 'd[1-8]'$")" "one commit per success"
ids=$(for rev in $(git -C plan rev-list HEAD); do trailers "$rev" | sed -n 's/^Ficus-Change: //p'; done)
expect_eq "$(printf '%s\n' "$ids" | wc -l)" "$(printf '%s\n' "$ids" | sort -u | wc -l)" "change ids unique under concurrency"
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean after concurrent writers"
check "git fsck after concurrent writers" git -C plan fsck --no-progress --no-dangling

# mixed writers on the same domain: a set and a dependency each
pids=()
for i in 1 2 3 4; do
	"$FICUS" domain set d1 --signal "s$i=evidence $i" >/dev/null 2>&1 &
	pids+=($!)
	cleanup_pids+=($!)
	"$FICUS" dep add "d$((i + 4))" d1 >/dev/null 2>&1 &
	pids+=($!)
	cleanup_pids+=($!)
done
n_ok=0
for p in "${pids[@]}"; do
	wait "$p" && n_ok=$((n_ok + 1))
done
expect_eq 8 "$n_ok" "mixed writers succeed"
expect_eq 4 "$(ficus domain list | awk -F'\t' '$1 == "d1" {print $5}')" "no signal lost"
expect_eq 4 "$(ficus dep list | wc -l)" "no dependency lost"
expect_exit 0 ficus verify

# lock timeout: a flock(1) holds the plan lock for 3 s
n=$(commit_count plan)
before=$(snapshot plan)
hold_lock plan/.git/ficus/lock 30
start=$(date +%s%N)
expect_exit 4 ficus --lock-timeout 1s domain add z
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_match 'locked' "$err" "lock timeout message"
expect_match 'lock-timeout' "$err" "message names --lock-timeout"
# it waited for the lock, and gave up long before the holder (30 s) let go
check "waited about 1 s (${elapsed} ms)" test "$elapsed" -ge 900 -a "$elapsed" -lt 20000
expect_exit 4 ficus domain set d1 --owner x --lock-timeout=1s
expect_unchanged plan "$before" "a lock timeout changes nothing"
expect_eq "$n" "$(commit_count plan)" "no commit on lock timeout"
# readers do not take the lock
expect_exit 0 ficus domain list
expect_exit 0 ficus order
release_lock
# the lock is free again
expect_exit 0 ficus --lock-timeout 1s domain add z
expect_eq $((n + 1)) "$(commit_count plan)" "the change goes through once the lock is free"
expect_exit 2 ficus --lock-timeout forever domain add q
expect_exit 2 ficus --lock-timeout 2h domain add q
expect_exit 0 ficus verify
done_testing
