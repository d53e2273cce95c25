#!/bin/bash
# Strings from the plan are drawn without their control characters: a
# service description, a domain description and a check detail full of
# escape sequences (clear screen, colours, cursor moves, a window title,
# BEL, CR, newlines) stay one line of visible '?' text; the frame is intact.
# Under tmux: the real terminal's screen, title and colours.
. "$(dirname "$0")/lib.sh"
demo_plan
evil=$(printf 'evil\033[2J\033[31mRED\033]0;pwned\007\033[5;5HXX\rCR\ttab\nNL\033[Kend')
ficus service set auth --description "$evil" -q -m "hostile description" || fail "service set"
ficus domain set documents --description "$evil" -q -m "hostile domain description" || fail "domain set"
ficus check record auth smoke --fail --detail "$evil" -q -m "hostile detail" || fail "check record"

# headless: one line, control characters replaced
dash_script "dump:$T/s.txt" "2" "dump:$T/m.txt"
expect_match '^ evil\?\[2J\?\[31mRED\?\]0;pwned\?\?\[5;5HXX\?CR\?tab\?NL\?\[Kend$' "$(grep -a evil "$T/s.txt" | head -1)" \
	"the description is one line of visible text"
expect_match 'FAIL smoke +[0-9T:-]+ evil\?\[2J' "$(cat "$T/s.txt")" "the check detail too"
expect_match '^ evil\?\[2J' "$(grep -a evil "$T/m.txt" | head -1)" "the domain description too"
check "no control character in the dump" bash -c "! LC_ALL=C grep -q \$'[\x01-\x08\x0b-\x1f\x7f]' '$T/s.txt' '$T/m.txt'"

# under tmux, without colour: nothing the description says reaches the terminal
tm_start 80 24 NO_COLOR=1 --
expect_screen '── auth ──' "dashboard up"
tm_keys j j j k k k
sleep 0.3
scr=$(tm_screen)
expect_eq 24 "$(printf '%s\n' "$scr" | wc -l)" "24 rows"
expect_match '^ ficus +plan: ' "$(printf '%s\n' "$scr" | sed -n 1p)" "header row intact"
expect_match '^ 1 ▶Services │ 2 Map │ 3 History' "$(printf '%s\n' "$scr" | sed -n 2p)" "tab bar intact"
expect_match '^── auth ─+$' "$(printf '%s\n' "$scr" | sed -n 8p)" "the frame line is whole, to the last column"
expect_eq 80 "$(printf '%s\n' "$scr" | sed -n 8p | wc -m | awk '{print $1 - 1}')" "frame line 80 columns"
expect_match '^ evil\?\[2J\?\[31mRED\?\]0;pwned\?\?\[5;5HXX\?CR\?tab\?NL\?\[Kend$' "$(printf '%s\n' "$scr" | grep evil)" \
	"the description line"
expect_eq 0 "$(printf '%s\n' "$scr" | grep 'XX' | grep -vc '?\[5;5HXX')" "XX only where the text has it (no cursor jump)"
expect_no_match '^    XX' "$(printf '%s\n' "$scr" | sed -n 5p)" "nothing written at row 5, column 5"
expect_match 'p promote +r rollback' "$(printf '%s\n' "$scr" | sed -n 23p)" "footer intact"
check "the pane title was not changed" test "$(tm display -p -t dash '#{pane_title}')" != pwned
expect_no_match $'\033\\[[0-9;]*3[1-7]m' "$(tm_screen_e)" "no colour at all under NO_COLOR (the description's red neither)"
tm_quit

done_testing
