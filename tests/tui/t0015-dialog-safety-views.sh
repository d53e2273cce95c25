#!/bin/bash
# The dashboard's safety and legibility: in a dialog no run of printable
# keys and Enter confirms (Enter leaves a field for the buttons, Cancel
# selected); R preselects the service whose traffic moved last, and its
# hint fits; a gate waiting for a soak shows as waiting, with when it
# opens; "since" is the current step's start; the history has WHO and WHY
# and a commit's trailers show once; the phase pipeline has a legend.
. "$(dirname "$0")/lib.sh"
demo_plan
before=$(head_of plan)

# a rollback dialog: reason, Enter, more typing, Enter: nothing happens
dash_script "G" "r" "text:5xx spike" "<Enter>" "dump:$T/r1.txt" "text:yy" "<Enter>" "dump:$T/r2.txt"
expect_eq "$before" "$(head_of plan)" "typing and Enter never confirm a rollback"
expect_match '< Cancel > +\[ Roll back \]|< Cancel > +\[ Rollback \]' "$(cat "$T/r1.txt")" "Enter: on the buttons, Cancel selected"
expect_match 'cancelled: nothing changed' "$(screen_line 23 "$T/r2.txt")" "the second Enter cancels"
# the keys are in the help
dash_script -s 300x200 "?" "dump:$T/help.txt"
expect_match 'In a dialog Enter never confirms from a field: it moves to the buttons with Cancel' "$(cat "$T/help.txt")"
expect_match 'Rollback from anywhere: R, Enter, the reason, Enter, Right, Enter' "$(cat "$T/help.txt")"

# R: the service with live traffic, not the last one selected (auth, at the top)
dash_script "g" "3" "R" "dump:$T/p.txt"
expect_match '▸ tracking +read-cutover 10%' "$(cat "$T/p.txt")" "R preselects the service with live traffic"
# fixed: the hint was cut to "Esc: cance"
expect_match 'Enter: roll back \(a reason follows\)  Esc: cancel +│' "$(cat "$T/p.txt")" "the picker's hint fits"

# a soak is waiting, not failing: three days into the 10% step
dash_script -e FICUS_NOW=2026-09-30T09:00:00Z "G" "dump:$T/s.txt"
s=$(cat "$T/s.txt")
expect_match 'tracking +pl·dw·bf·▶rc·dc·dn .*10% read-cutover 50% +… soaking' "$s" "the table at 80: soaking"
expect_no_match 'tracking .*✗ closed' "$s" "not a red failure"
expect_match '\(ramp\)  … soaking' "$s" "the detail: soaking"
expect_match '^ +opens 2026-10-04 09:00Z \(in 4d\)' "$s" "the detail says when it opens"
dash_script -s 150x30 -e FICUS_NOW=2026-09-30T09:00:00Z "dump:$T/s150.txt"
expect_match 'tracking .* … soaking, opens 10-04 09:00Z' "$(cat "$T/s150.txt")" "the table, wide: when it opens"
expect_match '   … step_soak: the step has soaked 3d of 7d' "$s" "the soak gate itself is waiting"
# a gate that waits for evidence is still closed
expect_match 'notifications .*✗ closed' "$s" "reconcile 1/3 is closed, not soaking"
# fixed: "since" was the phase's start (2026-09-19), not the step's
expect_match 'tracking  ▶ read-cutover 10%  since 2026-09-27T09:00 \(3d\)' "$s" "since: the current step's start"

# history: WHO and WHY columns where there is room, and below the table at 80
dash_script -s 130x30 "3" "dump:$T/h.txt" "j" "j" "<Enter>" "dump:$T/c.txt"
h=$(cat "$T/h.txt")
expect_match ' FORCED WHO +WHY' "$(screen_line 2 "$T/h.txt")" "WHO and WHY headers"
expect_match 'tracking +ramp +read-cutover 1% +read-cutover 10% +no +Dana Okafor +error rate flat' "$h" "who and why of the ramp"
c=$(cat "$T/c.txt")
expect_eq 1 "$(grep -c 'Ficus-Service' <<<"$c")" "Enter on a commit: the trailers once"
expect_match 'Trailers' "$c"
expect_match '^     error rate flat' "$c" "the reason in the commit view"
dash_script "3" "j" "j" "dump:$T/h80.txt"
expect_match '── [0-9a-f]{7} Dana Okafor: error rate flat' "$(cat "$T/h80.txt")" "at 80 columns: who and why under the table"

# the phase pipeline's legend: in the help and at 120 columns and more
expect_match 'pl planned · dw dual-write · bf backfill · rc read-cutover · dc decommission · dn done' \
	"$(cat "$T/help.txt")" "legend in the help"
dash_script -s 130x30 "dump:$T/w.txt"
expect_match 'pl planned · dw dual-write · bf backfill · rc read-cutover · dc decommission · dn done' \
	"$(cat "$T/w.txt")" "legend at 130 columns"
dash_script "dump:$T/n.txt"
expect_no_match 'pl planned · dw' "$(cat "$T/n.txt")" "no legend at 80 columns"
done_testing
