#!/bin/bash
# Resizing (headless): below 80x24 a screen that says which size is needed;
# keys then wait (q still quits); back to 80x24 the view, the dialog, the
# pager are exactly as they were.  Wider screens use the room.
. "$(dirname "$0")/lib.sh"
demo_plan

# (wait-refresh first: the routers summary in the header must not change between dumps)
dash_script "wait-refresh" "j" "dump:$T/a.txt" "resize:60x15" "dump:$T/b.txt" "j" "p" "resize:80x24" "dump:$T/c.txt"
b=$(cat "$T/b.txt")
expect_eq 15 "$(wc -l <"$T/b.txt")" "15 rows at 60x15"
expect_match 'ficus dash needs a terminal of at least 80x24;' "$b" "says the size needed"
expect_match 'this one is 60x15' "$b" "and the size it has"
expect_no_match 'SERVICE' "$b" "no view below the minimum"
expect_eq "$(cat "$T/a.txt")" "$(cat "$T/c.txt")" "back at 80x24: the same screen (keys waited)"

for size in 79x24 80x23; do
	dash_script "resize:$size" "dump:$T/s.txt"
	expect_match 'needs a terminal of at least 80x24' "$(cat "$T/s.txt")" "$size is below the minimum"
done
dash_script "resize:20x5" "dump:$T/tiny.txt" "q" "j"
expect_eq 0 "$dash_rc" "q quits from the small screen"
expect_match 'needs a' "$(cat "$T/tiny.txt")" "a tiny screen still says it"

# a dialog survives a resize
dash_script "wait-refresh" "G" "p" "text:why" "dump:$T/d1.txt" "resize:60x15" "resize:200x50" "dump:$T/d2.txt" "resize:80x24" "dump:$T/d3.txt"
expect_eq "$(cat "$T/d1.txt")" "$(cat "$T/d3.txt")" "the dialog is back as it was"
expect_match "promote 'tracking'" "$(cat "$T/d2.txt")" "the dialog at 200x50"
expect_match 'reason +why' "$(cat "$T/d2.txt")" "with its reason"

# the help pager is wrapped again for the new width
dash_script "?" "resize:200x50" "dump:$T/h1.txt" "resize:80x24" "dump:$T/h2.txt"
expect_match 'roll back from anywhere: R opens a picker on the last selected service, Enter takes it, type the reason, Enter rolls back' \
	"$(cat "$T/h1.txt")" "one line at 200 columns"
expect_match '^ +R +roll back from anywhere: R opens a picker on the last$' "$(grep 'roll back from anywhere' "$T/h2.txt")" \
	"wrapped at 80 columns"

# at 200x50: full phase names, the detail pane beside the table, commit ids and subjects in history
dash_script -s 200x50 "dump:$T/w.txt" "3" "dump:$T/wh.txt"
expect_match 'planned·dual-write·▶backfill·read-cutover·decommission·done' "$(cat "$T/w.txt")" "full pipeline"
expect_match '  documents .*│ route /api/auth' "$(cat "$T/w.txt")" "detail pane on the right"
expect_match 'GATE +│── auth ──' "$(cat "$T/w.txt")" "its title"
expect_match 'WHEN +COMMIT +SERVICE +ACTION +FROM +TO +FORCED +WHO +WHY +SUBJECT' "$(cat "$T/wh.txt")" "wide history columns"
expect_match 'tracking: ramp 1% -> 10%' "$(cat "$T/wh.txt")" "subjects shown"

done_testing
