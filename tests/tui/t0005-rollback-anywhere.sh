#!/bin/bash
# Rollback from any view in two keystrokes plus a reason: R opens a picker
# on the last selected service, Enter takes it, the reason is typed, Enter,
# Right (onto the action: confirming is never the default), Enter
# rolls back.  The flag goes to 0%, the commit is the CLI's, and it shows in
# the history view at once, without restarting.
. "$(dirname "$0")/lib.sh"
demo_plan
copy_plan plan cli
copy_plan plan fresh
reason="5xx spike at 10%"

# from the history view: the picker is on the last service selected in the services view
dash_script "G" "3" "dump:$T/h0.txt" "R" "dump:$T/p.txt" "<Enter>" "dump:$T/d.txt" "text:$reason" "<Enter>" "<Right>" "<Enter>" "dump:$T/h1.txt" \
	"1" "dump:$T/s.txt"
expect_match 'roll back which service\?' "$(cat "$T/p.txt")" "R opens the picker"
expect_match '▸ tracking +read-cutover 10%' "$(cat "$T/p.txt")" "preselected on the last selected service"
d=$(cat "$T/d.txt")
expect_match "roll back 'tracking'" "$d" "Enter opens the rollback dialog"
expect_match 'effect +read-cutover 10% → read-cutover 0%' "$d" "effect"
expect_match 'traffic +-320 req/s back from the new service' "$d" "traffic moved"
expect_match 'gates +none: rollback is never gated' "$d" "gates"
expect_match 'command +ficus rollback tracking -m REASON' "$d" "equivalent command"
# the new commit is on the history screen that was open all along
expect_no_match ' rollback ' "$(sed -n 3,22p "$T/h0.txt")" "no rollback before"
expect_match '^  10-04 09:00 tracking +rollback +read-cutover 10% read-cutover 0% +no' "$(screen_line 3 "$T/h1.txt")" \
	"the rollback commit tops the history view"
expect_match '18 commits' "$(screen_line 1 "$T/h1.txt")" "history reloaded"
expect_match 'tracking +pl·dw·bf·▶rc·dc·dn ░{10} +0% ' "$(cat "$T/s.txt")" "the percentage is 0"
expect_match '^Ficus-Action: rollback$' "$(trailers HEAD "$T/plan")" "a rollback commit"
expect_eq "$reason" "$(git -C plan log -1 --format=%b | sed -n 1p)" "the reason is the body"

# the same rollback from the CLI makes the same commit
FICUS_PLAN=$T/cli ficus rollback tracking -q -m "$reason" || fail "cli rollback"
expect_eq "$(git -C cli rev-parse HEAD^{tree})" "$(git -C plan rev-parse HEAD^{tree})" "same tree as the CLI"
expect_eq "$(trailers HEAD "$T/cli" | grep -v ^Ficus-Change:)" "$(trailers HEAD "$T/plan" | grep -v ^Ficus-Change:)" \
	"same trailers as the CLI"

# from the map view, and from inside the help pager: the same two keys
export FICUS_PLAN=$T/fresh
dash_script "G" "2" "R" "<Enter>" "text:from the map" "<Enter>" "<Right>" "<Enter>"
expect_match '^Ficus-Action: rollback$' "$(trailers HEAD "$T/fresh")" "R from the map view rolls back"
n=$(commit_count fresh)
dash_script "j" "j" "?" "R" "dump:$T/p2.txt" "<Enter>" "dump:$T/n2.txt" "<Esc>"
expect_match '▸ notifications' "$(cat "$T/p2.txt")" "R over the help pager, on the selected service"
# the abort is idempotent: at 0% with shadow off nothing is on the new
# service, so nothing changes (it used to move one phase back)
expect_eq "$n" "$(commit_count fresh)" "R on a service with nothing live changes nothing"
expect_match "nothing to do: 'notifications' is at backfill with shadow off: nothing" "$(cat "$T/n2.txt")" "the dialog says so"

# r on the selected service: one key; a rollback without a reason does nothing
FICUS_PLAN=$T/fresh ficus promote tracking -q --force -m "back to the first step" || fail "setup promote"
n=$(commit_count fresh)
dash_script "G" "r" "<Enter>" "dump:$T/r.txt"
expect_eq "$n" "$(commit_count fresh)" "Enter without a reason cancels"
dash_script "G" "r" "text:again" "<Enter>" "<Right>" "<Enter>" "dump:$T/r.txt"
expect_eq $((n + 1)) "$(commit_count fresh)" "r, reason, Enter, Right, Enter"
expect_match "done, commit [0-9a-f]{12}: rollback 'tracking'" "$(screen_line 23 "$T/r.txt")" "status line"
# the picker: Esc cancels
n=$(commit_count fresh)
dash_script "R" "<Esc>" "dump:$T/e.txt"
expect_eq "$n" "$(commit_count fresh)" "Esc in the picker changes nothing"
expect_match 'cancelled: nothing changed' "$(screen_line 23 "$T/e.txt")" "status says cancelled"

done_testing
