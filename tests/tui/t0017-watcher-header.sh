#!/bin/bash
# The header shows the plan's watcher once one ran here: running with its
# last round, stopped, or dead (its row says running, its process is gone,
# shown in bold); without one the header says nothing of it.
. "$(dirname "$0")/lib.sh"
demo_plan
db=$FICUS_PLAN/.git/ficus/plan.db
dash_script -s 160x24 "wait-refresh" "dump:$T/none.txt"
expect_no_match 'watch:' "$(screen_line 0 "$T/none.txt")" "no watcher, no word of it"

# a running watcher: this shell stands in for its process
sqlite3 "$db" "INSERT INTO watch_state (id, pid, state, started, last_round) VALUES (1, $$, 'running', 1790000000, 1790000042)"
dash_script -s 160x24 "wait-refresh" "dump:$T/run.txt"
expect_match 'watch: running, 14:14:02' "$(screen_line 0 "$T/run.txt")" "running, with its last round"
sqlite3 "$db" "UPDATE watch_state SET state = 'stopped'"
dash_script -s 160x24 "wait-refresh" "dump:$T/stop.txt"
expect_match 'watch: stopped, 14:14:02' "$(screen_line 0 "$T/stop.txt")" "stopped"
# a pid that is no process
sleep 0 & dead=$!
wait $dead
sqlite3 "$db" "UPDATE watch_state SET state = 'running', pid = $dead"
dash_script -s 160x24 "wait-refresh" "dump:$T/dead.txt"
expect_match 'watch: dead, 14:14:02' "$(screen_line 0 "$T/dead.txt")" "dead: its process is gone"
done_testing
