#!/bin/bash
# The ':' command line runs ficus verbs (this binary, on a pseudo-terminal,
# against the same plan) and shows their output in the pager; a writing
# verb's commit shows in the views at once.
. "$(dirname "$0")/lib.sh"
demo_plan
before=$(head_of plan)

dash_script ":" "text:status" "<Enter>" "dump:$T/1.txt" "q" ":" "<Up>" "dump:$T/2.txt" "<Enter>" "dump:$T/3.txt"
o=$(cat "$T/1.txt")
expect_match '^ ficus status +\(exit 0\) +1-' "$(screen_line 2 "$T/1.txt")" "pager title with the exit status"
expect_match 'SERVICE +PHASE +TRAFFIC +NEXT +GATES' "$o" "a table, as on a terminal"
expect_match 'notifications +backfill +0% +read-cutover 1% +closed: reconcile' "$o" "status output"
expect_match '\[exit status 0\]' "$o" "exit status at the end"
expect_match '^:status' "$(screen_line 23 "$T/2.txt")" "Up recalls the last command"
expect_match 'ficus status +\(exit 0\)' "$(cat "$T/3.txt")" "and runs it again"

dash_script ":" "text:ficus log -n 1 tracking" "<Enter>" "dump:$T/4.txt"
expect_match 'ficus log -n 1 tracking +\(exit 0\)' "$(cat "$T/4.txt")" "a leading 'ficus' is fine"
expect_match 'tracking: ramp 1% -> 10%' "$(cat "$T/4.txt")" "log output"

dash_script ":" "text:bogus" "<Enter>" "dump:$T/5.txt"
expect_match 'ficus bogus +\(exit 2\)' "$(cat "$T/5.txt")" "an unknown verb: exit 2"
expect_match "'bogus' is not a ficus verb" "$(cat "$T/5.txt")" "its message"
expect_match 'ficus bogus: exit status 2' "$(screen_line 23 "$T/5.txt")" "status line"

dash_script ":" "text:dash" "<Enter>" "dump:$T/6.txt"
expect_match "':dash': the dashboard is already running" "$(screen_line 23 "$T/6.txt")" "no dashboard in the dashboard"
dash_script ":" "text:log 'unterminated" "<Enter>" "dump:$T/7.txt"
expect_match "command line: unterminated ' quote" "$(screen_line 23 "$T/7.txt")" "quoting error"
expect_eq "$before" "$(head_of plan)" "nothing changed so far"

# a writing verb, with quoted words: one commit, seen at once
dash_script "G" ":" "text:check record tracking smoke --fail --detail \"p99 up 40%\" -m 'canary says no'" "<Enter>" \
	"dump:$T/8.txt" "q" "dump:$T/9.txt" "3" "dump:$T/10.txt"
expect_match "ficus check record tracking smoke --fail --detail 'p99 up 40%' -m" "$(cat "$T/8.txt")" "the command ran"
expect_match '\[exit status 0\]' "$(cat "$T/8.txt")" "exit 0"
expect_match '^Ficus-Check: smoke fail: p99 up 40%$' "$(trailers HEAD "$T/plan")" "the commit"
expect_eq "canary says no" "$(git -C plan log -1 --format=%b | sed -n 1p)" "the quoted reason"
expect_match '✗ FAIL smoke' "$(cat "$T/9.txt")" "the detail pane shows the new check"
expect_match '^. 10-04 09:00 tracking +check ' "$(screen_line 3 "$T/10.txt")" "the history view shows the commit"

done_testing
