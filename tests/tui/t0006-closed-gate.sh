#!/bin/bash
# A closed gate: the dialog says which gate and why; confirming does
# nothing, force without a reason does nothing, force with a reason makes
# the CLI's forced commit (Ficus-Forced: yes, with the closed gates).
. "$(dirname "$0")/lib.sh"
demo_plan
copy_plan plan cli
before=$(head_of plan)
reason="reconcile job was down, counts checked by hand"

# notifications: backfill -> read-cutover needs 3 passing reconcile results, it has 1
dash_script "j" "j" "p" "dump:$T/1.txt" "text:$reason" "<Enter>" "<Right>" "<Enter>" "dump:$T/2.txt"
d=$(cat "$T/1.txt")
expect_match "promote 'notifications'" "$d" "dialog"
expect_match 'effect +backfill → read-cutover 1%' "$d" "effect"
expect_match "✗ CLOSED +reconcile: check 'reconcile' has 1 passing result of" "$d" "the closed gate and why"
expect_match "the 3 needed \[evidence" "$d" "why, wrapped"
expect_match 'evidence: closed \(1/3 pass\)' "$d" "its evidence"
expect_match 'force +\[ \] pass the closed gate' "$d" "a force box, unticked"
expect_eq "$before" "$(head_of plan)" "confirming with a closed gate changes nothing"
expect_match 'nothing changed: gate closed \(reconcile: check' "$(cat "$T/2.txt")" "the dialog says why"
expect_match "promote 'notifications'" "$(cat "$T/2.txt")" "the dialog stays open"
dash_script "j" "j" "p" "text:$reason" "<Enter>" "<Right>" "dump:$T/2b.txt"
expect_match 'gate closed: Enter changes nothing until force is ticked' "$(cat "$T/2b.txt")" "the dialog warns before"

# force without a reason: nothing
dash_script "j" "j" "p" "<Tab>" "<Space>" "dump:$T/3.txt" "<Enter>" "<Right>" "<Enter>" "dump:$T/4.txt"
expect_match 'force +\[x\]' "$(cat "$T/3.txt")" "force ticked"
expect_match '< Force: Promote >|\[ Force: Promote \]' "$(cat "$T/3.txt")" "the button says it forces"
expect_match 'type a reason first' "$(cat "$T/4.txt")" "force needs a reason"
expect_eq "$before" "$(head_of plan)" "force without a reason changes nothing"

# force with a reason: the forced commit
dash_script "j" "j" "p" "text:$reason" "<Tab>" "<Space>" "dump:$T/5.txt" "<Enter>" "<Right>" "<Enter>" "dump:$T/6.txt"
expect_match "command +ficus promote notifications --expect backfill --force -m" "$(cat "$T/5.txt")" \
	"the equivalent command has --force"
check "a forced commit was made" test "$(head_of plan)" != "$before"
expect_match '^Ficus-Forced: yes \(closed: reconcile\)$' "$(trailers HEAD "$T/plan")" "recorded as forced"
expect_match 'notifications +pl·dw·bf·▶rc·dc·dn █░{9} +1%' "$(cat "$T/6.txt")" "now at 1%"
FICUS_PLAN=$T/cli ficus promote notifications --force -q -m "$reason" || fail "cli forced promote"
expect_eq "$(git -C cli rev-parse HEAD^{tree})" "$(git -C plan rev-parse HEAD^{tree})" "same tree as the CLI"
expect_eq "$(trailers HEAD "$T/cli" | grep -v ^Ficus-Change:)" "$(trailers HEAD "$T/plan" | grep -v ^Ficus-Change:)" \
	"same trailers as the CLI"

# the history view shows it forced
dash_script "3" "dump:$T/7.txt"
expect_match 'notifications +promote +backfill +read-cutover 1% +YES' "$(cat "$T/7.txt")" "FORCED column"

done_testing
