#!/bin/bash
# --readonly hides every action: no action hints, a READ-ONLY badge; a key
# of an action (p r s c C R) or a writing ':' verb changes nothing and the
# status line says why; reading verbs and --dry-run still work.
. "$(dirname "$0")/lib.sh"
demo_plan
before=$(head_of plan)
export DASH_ARGS=--readonly

dash_script "wait-refresh" "dump:$T/0.txt"
s=$(cat "$T/0.txt")
expect_match ' READ-ONLY  2026-10-04 09:00:00Z$' "$(screen_line 0 "$T/0.txt")" "badge in the header"
expect_match 'read-only \(--readonly\): actions are hidden' "$(screen_line 23 "$T/0.txt")" "status says so"
expect_no_match 'promote|rollback|shadow|record' "$(screen_line 22 "$T/0.txt")" "no action in the key hints"
expect_match 'Enter details +/ filter' "$(screen_line 22 "$T/0.txt")" "the other hints stay"

for k in p r s c C R; do
	dash_script "G" "$k" "dump:$T/k.txt" "text:should not happen" "<Enter>"
	expect_match "read-only \(--readonly\): '[a-z-]+' would change the plan" "$(screen_line 23 "$T/k.txt")" "'$k' says why"
	expect_no_match "┌" "$(cat "$T/k.txt")" "'$k' opens no dialog"
	expect_eq "$before" "$(head_of plan)" "'$k' changes nothing"
done
dash_script "G" "p" "dump:$T/p.txt"
expect_match "read-only \(--readonly\): 'promote' would change the plan" "$(screen_line 23 "$T/p.txt")" \
	"p refused with the reason"
dash_script "3" "R" "dump:$T/r.txt"
expect_match "'rollback-any' would change the plan" "$(screen_line 23 "$T/r.txt")" "R refused from the history view"
expect_no_match 'roll back which' "$(cat "$T/r.txt")" "no picker"

# the command line: writing verbs refused, reading verbs and dry runs run
dash_script ":" "text:promote tracking -m x" "<Enter>" "dump:$T/c1.txt"
expect_match "read-only \(--readonly\): ':promote' would change the plan" "$(screen_line 23 "$T/c1.txt")" ":promote refused"
dash_script ":" "text:status tracking" "<Enter>" "dump:$T/c2.txt"
expect_match 'ficus status tracking +\(exit 0\)' "$(screen_line 2 "$T/c2.txt")" ":status runs"
expect_match 'tracking: read-cutover since' "$(cat "$T/c2.txt")" "its output in the pager"
dash_script ":" "text:promote tracking --dry-run" "<Enter>" "dump:$T/c3.txt"
expect_match 'ficus promote tracking --dry-run +\(exit 0\)' "$(screen_line 2 "$T/c3.txt")" "a dry run is allowed"
expect_eq "$before" "$(head_of plan)" "nothing changed at all"

done_testing
