#!/bin/bash
# status says when the next step's gates open (absolute UTC and "in 7d");
# after a change on a terminal the CLI prints the next step and when it
# opens; 'status --watch' redraws in place on a terminal, one frame per
# interval when piped, until interrupted or --count frames.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
fast_service tracking tracking --gate step_soak=7d
promote_n tracking 3
expect_eq "read-cutover 1%" "$(svc_state tracking)" "setup at 1%"

# status: the OPENS column (TSV when piped) and the line of 'status SERVICE'
expect_exit 0 ficus status
expect_match $'^tracking\tread-cutover\t1%\tread-cutover 10%\tclosed: step_soak\t2025-01-08T00:00:00Z \\(in 7d\\)$' "$out"
now_at +2d
expect_exit 0 ficus status tracking
expect_match '^    opens: 2025-01-08T00:00:00Z \(in 5d\)$' "$out"
# a gate that waits for evidence, not time, says so
must check record tracking reconcile --fail
expect_exit 0 ficus status
expect_match $'\twhen the evidence is in \\(closed: step_soak, reconcile\\)$' "$out"
must rollback tracking
now_at +2d1m
must promote tracking
expect_exit 0 ficus status
expect_match $'\t2025-01-10T00:01:00Z \\(in 7d\\)$' "$out" "the soak of the resumed step"

# after a change on a terminal: the next step and when it opens
if script -qc true /dev/null >/dev/null 2>&1; then
	now_at +9d1m
	out=$(script -qec "$FICUS promote tracking" /dev/null 2>&1)
	check "promote on a terminal" test $? = 0
	expect_match 'ramp 1% -> 10%' "$out"
	expect_match 'next: read-cutover 50%, gates open 2025-01-17T00:01:00Z \(in 7d\)' "$out" "the next step after a change"
	out=$(script -qec "$FICUS rollback tracking" /dev/null 2>&1)
	expect_match 'next: read-cutover 1%, gates open now' "$out" "after an abort: resume is open"
	# not when piped: scripts get the change only
	expect_exit 0 ficus promote tracking
	expect_no_match 'next:' "$out"
	# in place on a terminal: cursor home and clear before each frame
	out=$(script -qec "$FICUS status --watch --interval 1s --count 2" /dev/null 2>&1)
	expect_eq 2 "$(grep -o $'\033\\[H\033\\[2J' <<<"$out" | wc -l)" "two frames, each drawn in place"
fi

# piped: one frame per interval, each with its time, until --count
expect_exit 0 ficus status --watch --interval 1s --count 2
expect_eq 2 "$(grep -c '^ficus status at .*, every 1s$' <<<"$out")" "two frames when piped"
expect_eq 2 "$(grep -c $'^tracking\t' <<<"$out")" "the table in each frame"
# until interrupted: a frame per second, a change shows in the next frame
"$FICUS" status --watch --interval 1s >"$T/watch.out" 2>&1 &
pid=$!
cleanup_pids+=("$pid")
for _ in $(seq 50); do grep -q '^tracking' "$T/watch.out" && break; sleep 0.1; done
must rollback tracking
for _ in $(seq 50); do grep -q $'^tracking\tread-cutover\t0%' "$T/watch.out" && break; sleep 0.1; done
kill "$pid"
wait "$pid" 2>/dev/null
expect_match $'tracking\tread-cutover\t0%' "$(cat "$T/watch.out")" "a change shows in the next frame"
check "--watch stops when interrupted" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"

# usage
expect_exit 2 ficus status --interval 1s
expect_exit 2 ficus status tracking --watch
expect_exit 2 ficus status --watch --count 0
expect_exit 2 ficus status --watch --interval soon
done_testing
