#!/bin/bash
# Router state: refreshed in the background every few seconds, shown in the
# header (synced / pending / drift / unreachable) and per replica in the
# detail pane.  A router that never answers does not freeze the keyboard,
# nor delay quitting.
. "$(dirname "$0")/lib.sh"
demo_plan

# a dead router: nothing listens on the port
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo 9)
ficus router add edge --driver http --replica "http://127.0.0.1:$dead" --timeout 2s --retries 0 -q -m "edge router" ||
	fail "router add"
dash_script "G" "wait-refresh" "dump:$T/1.txt"
s=$(cat "$T/1.txt")
expect_match 'routers: ✗ 1 unreachable' "$(screen_line 0 "$T/1.txt")" "header summary"
expect_match "✗ unreachable +edge/http://127.0.0.1:$dead +plan 10%, router \?" "$s" "per replica in the detail pane"
# --readonly reads the recorded state only (no network, nothing written)
DASH_ARGS=--readonly dash_script "wait-refresh" "dump:$T/2.txt"
expect_match 'routers: ✗ .*\(recorded\)' "$(screen_line 0 "$T/2.txt")" "recorded state under --readonly"

# a router that accepts connections and never answers
if ! command -v python3 >/dev/null; then
	echo "python3 missing: the hanging-router part is skipped" >&2
	done_testing
fi
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
time.sleep(300)' >"$T/port" &
cleanup_pids+=($!)
wait_for test -s "$T/port" || fail "hanging listener"
hang=$(cat "$T/port")
ficus router rm edge -q -m "replace" || fail "router rm"
ficus router add slow --driver http --replica "http://127.0.0.1:$hang" --timeout 20s --connect-timeout 5s --retries 0 \
	-q -m "slow router" || fail "router add slow"

# keys go on while the refresh waits on the router, and q quits at once
start=$(date +%s%N)
dash_script "G" "k" "3" "1" "dump:$T/3.txt" "q"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_match '▸ notifications' "$(cat "$T/3.txt")" "keys handled"
expect_match 'routers: checking…' "$(screen_line 0 "$T/3.txt")" "while the router has not answered"
check "the dashboard did not wait for the router (${ms} ms)" test "$ms" -lt 5000
expect_eq 0 "$dash_rc" "exit status"

# the same under tmux: the selection moves at once
tm_start 80 24 --
expect_screen '▸ auth' "dashboard up"
tm_keys j j
expect_screen '▸ notifications' "keys handled during the refresh" 2
expect_match 'routers: checking…' "$(tm_screen | sed -n 1p)" "the refresh is still waiting"
tm_quit

done_testing
