#!/bin/bash
# Under tmux: resizing to 60x15 shows the minimum-size screen and back to
# 80x24 restores the view (also with a dialog open); NO_COLOR=1, --no-color
# and TERM=dumb draw no colour (state stays in symbols and attributes);
# --readonly hides the actions and says why one is refused.
. "$(dirname "$0")/lib.sh"
demo_plan
colour=$'\033\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;|48;)[0-9;]*m'

tm_start 80 24 --
expect_screen 'routers: none' "up"
tm_keys j
expect_screen '▸ documents' "selection"
a=$(tm_screen)
expect_match "$colour" "$(tm_screen_e)" "colours by default (the closed gate, the key hints)"
tm_resize 60 15
expect_screen 'needs a terminal of at least 80x24;' "60x15: the size needed"
expect_screen 'this one is 60x15' "60x15: the size it has"
expect_no_match 'SERVICE' "$(tm_screen)" "no view at 60x15"
tm_resize 80 24
expect_screen '▸ documents' "back at 80x24"
expect_eq "$a" "$(tm_screen)" "80x24 restores the same screen"
# with a dialog open
tm_keys G p
expect_screen "promote 'tracking'" "dialog"
tm_type "why"
# the screen to compare with is the one with the whole reason typed: under
# load the dashboard may not have drawn every key yet
expect_screen 'reason +why' "the reason typed"
d=$(tm_screen)
tm_resize 60 15
expect_screen 'needs a terminal of at least 80x24' "dialog hidden below the minimum"
tm_resize 80 24
expect_screen 'reason +why' "dialog back"
expect_eq "$d" "$(tm_screen)" "the dialog is restored as it was"
tm_keys Escape
expect_screen 'cancelled: nothing changed' "Esc cancels"
tm_quit
tm_stop

# no colour: NO_COLOR=1, --no-color, TERM=dumb
check_no_colour() {
	local what=$1 sel=${2:-▸}
	expect_screen "^$sel auth " "$what: up"
	tm_keys j j
	expect_screen "^$sel notifications " "$what: moved"
	e=$(tm_screen_e)
	plain=$(tm_screen)
	expect_no_match "$colour" "$e" "$what: no colour"
	expect_match $'\033\\[([0-9;]*;)?7m' "$e" "$what: reverse video marks the selection and the current phase"
	expect_match $'\033\\[([0-9;]*;)?1m' "$e" "$what: bold"
	tm_quit
	tm_stop
}
tm_start 80 24 NO_COLOR=1 --
check_no_colour NO_COLOR
expect_match '✗ closed' "$plain" "NO_COLOR: the closed gate by its symbol"
tm_start 80 24 -- --no-color
check_no_colour --no-color
tm_start 80 24 TERM=dumb --
check_no_colour TERM=dumb '>'
expect_match 'pl\.dw\.>bf\.rc\.dc\.dn' "$plain" "TERM=dumb: ASCII pipeline with the marker"
expect_match 'x closed' "$plain" "TERM=dumb: ASCII gate symbols"

# --readonly
before=$(head_of plan)
tm_start 80 24 -- --readonly
expect_screen ' READ-ONLY ' "badge"
expect_no_match 'p promote' "$(tm_screen)" "no action hints"
tm_keys G p
expect_screen "read-only \(--readonly\): 'promote' would change the plan" "p refused, with the reason"
tm_keys R
expect_screen "read-only \(--readonly\): 'rollback-any' would change the plan" "R refused"
expect_no_match '┌' "$(tm_screen)" "no dialog, no picker"
expect_eq "$before" "$(head_of plan)" "nothing changed"
tm_quit

done_testing
