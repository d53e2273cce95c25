#!/bin/bash
# Promoting through the dialog (headless) makes exactly the commit the CLI
# makes: same tree, same subject and reason, same trailers (but the change
# id), same author and time.  The dialog shows the gates, the effect, the
# traffic and the equivalent command; Cancel is the default.
. "$(dirname "$0")/lib.sh"
demo_plan
copy_plan plan cli
before=$(head_of plan)
reason="error rate flat for a week at 10% — p99 stable (Zoë)"

# Cancel is the default: Enter twice at once, Esc, or Enter on the Cancel button change nothing
dash_script "G" "p" "<Enter>" "<Enter>" "dump:$T/c1.txt" "p" "<Esc>" "p" "text:typed" "<Tab>" "dump:$T/c2.txt" "<Enter>" "dump:$T/c3.txt"
expect_eq "$before" "$(head_of plan)" "cancelled dialogs change nothing"
expect_match 'cancelled: nothing changed' "$(screen_line 23 "$T/c1.txt")" "Enter, Enter on a fresh dialog cancels"
expect_match 'Enter cancels; Right, then Enter: do it' "$(cat "$T/c2.txt")" "focus on Cancel"
expect_match 'cancelled: nothing changed' "$(screen_line 23 "$T/c3.txt")" "Enter on Cancel cancels"

# fixed: no run of printable keys and Enter confirms.  A reason and Enter
# used to promote at once; now Enter leaves the field for the buttons with
# Cancel selected, and a second Enter cancels.
dash_script "G" "p" "text:looks fine" "<Enter>" "dump:$T/e1.txt" "text:yy" "<Enter>" "dump:$T/e2.txt"
expect_eq "$before" "$(head_of plan)" "typed keys and Enter never confirm"
expect_match '< Cancel > +\[ Promote \]' "$(cat "$T/e1.txt")" "Enter in the reason: on the buttons, Cancel selected"
expect_match 'Enter cancels; Right, then Enter: do it' "$(cat "$T/e1.txt")" "the hint says how to confirm"
expect_match 'cancelled: nothing changed' "$(screen_line 23 "$T/e2.txt")" "keys on the buttons, then Enter: cancelled"

# the dialog, then the promotion
dash_script "G" "p" "dump:$T/d1.txt" "text:$reason" "<Enter>" "<Right>" "dump:$T/d2.txt" "<Enter>" "dump:$T/d3.txt"
d1=$(cat "$T/d1.txt")
expect_match "promote 'tracking'" "$d1" "dialog title"
expect_match 'effect +read-cutover 10% → read-cutover 50%' "$d1" "effect before and after"
expect_match 'traffic +\+1280 req/s to the new service' "$d1" "traffic moved (rps_moved)"
expect_match '✓ open +step_soak: the step has soaked 7d >= 7d' "$d1" "gate and reason"
expect_match "command +ficus promote tracking --expect 'read-cutover 10%' -m REASON" "$d1" "equivalent command"
expect_match '< Cancel > +\[ Promote \]' "$d1" "Cancel is the default button"
expect_match "ficus promote tracking --expect 'read-cutover 10%' -m 'error" "$(cat "$T/d2.txt")" \
	"the command shows the typed reason"
expect_match '\[ Cancel \] +< Promote >' "$(cat "$T/d2.txt")" "Enter, then Right: on Promote, Enter promotes"
after=$(head_of plan)
check "a commit was made" test "$after" != "$before"
expect_match "done, commit ${after:0:12}: promote 'tracking' read-cutover 10% ->" \
	"$(screen_line 23 "$T/d3.txt")" "the status line has the commit"
expect_match 'tracking +pl·dw·bf·▶rc·dc·dn █████░{5} +50%' "$(cat "$T/d3.txt")" "the table shows 50%"

# the CLI on the copy, at the same time, with the same reason
FICUS_PLAN=$T/cli ficus promote tracking -q -m "$reason" || fail "cli promote"
expect_eq "$(git -C plan rev-parse HEAD^{tree})" "$(git -C cli rev-parse HEAD^{tree})" "same tree"
expect_eq "$(trailers HEAD "$T/cli" | grep -v ^Ficus-Change:)" "$(trailers HEAD "$T/plan" | grep -v ^Ficus-Change:)" \
	"same trailers (Ficus-From/To/Gates/Action/Forced/Traffic)"
expect_match '^Ficus-From: read-cutover 10%$' "$(trailers HEAD "$T/plan")" "Ficus-From"
expect_match '^Ficus-To: read-cutover 50%$' "$(trailers HEAD "$T/plan")" "Ficus-To"
msg() { git -C "$T/$1" log -1 --format='%s%n%n%b%n%an <%ae> %at' | grep -v '^Ficus-Change: '; }
expect_eq "$(msg cli)" "$(msg plan)" "same subject, reason, trailers, author and time"
expect_eq "$reason" "$(git -C plan log -1 --format=%b | sed -n 1p)" "the typed reason is the commit body"
expect_eq "$(git -C cli rev-parse HEAD^)" "$(git -C plan rev-parse HEAD^)" "same parent"
expect_exit 0 env FICUS_PLAN="$T/plan" "$FICUS" verify

done_testing
