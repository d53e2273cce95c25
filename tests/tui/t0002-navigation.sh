#!/bin/bash
# Moving around (headless): j/k/g/G and arrows, Tab and Shift-Tab between
# views, 1/2/3, Enter and Esc, the / filter, the pager, the map's strategy
# switch and its cycles, the whole commit from the history view.
. "$(dirname "$0")/lib.sh"
demo_plan

sel() { grep '^▸' "$1" | awk '{print $2}'; }

dash_script "j" "dump:$T/1.txt" "j" "j" "dump:$T/2.txt" "k" "dump:$T/3.txt" "G" "dump:$T/4.txt" "g" "dump:$T/5.txt" \
	"<Down>" "dump:$T/6.txt" "<End>" "<Up>" "dump:$T/7.txt"
expect_eq documents "$(sel "$T/1.txt")" "j moves down"
expect_eq tracking "$(sel "$T/2.txt")" "j j"
expect_eq notifications "$(sel "$T/3.txt")" "k moves up"
expect_eq tracking "$(sel "$T/4.txt")" "G: last"
expect_eq auth "$(sel "$T/5.txt")" "g: first"
expect_eq documents "$(sel "$T/6.txt")" "Down"
expect_eq notifications "$(sel "$T/7.txt")" "End, Up"
expect_match '── notifications ──' "$(cat "$T/7.txt")" "the detail pane follows the selection"
expect_match 'reconcile: check .reconcile. has 1 passing result of the 3 needed' "$(cat "$T/7.txt")" \
	"closed gate reason in the pane"

# views: Tab, Shift-Tab, digits; the tab bar marks the current one
dash_script "<Tab>" "dump:$T/1.txt" "<Tab>" "dump:$T/2.txt" "<Tab>" "dump:$T/3.txt" "<S-Tab>" "dump:$T/4.txt" \
	"1" "dump:$T/5.txt"
expect_match '2 ▶Map' "$(screen_line 1 "$T/1.txt")" "Tab: map"
expect_match '3 ▶History' "$(screen_line 1 "$T/2.txt")" "Tab: history"
expect_match '1 ▶Services' "$(screen_line 1 "$T/3.txt")" "Tab wraps to services"
expect_match '3 ▶History' "$(screen_line 1 "$T/4.txt")" "Shift-Tab goes back"
expect_match '1 ▶Services' "$(screen_line 1 "$T/5.txt")" "1: services"

# Enter: the service in full, in the pager; q and Esc close it, not the dashboard
dash_script "G" "<Enter>" "dump:$T/1.txt" "q" "dump:$T/2.txt" "<Enter>" "<Esc>" "dump:$T/3.txt"
expect_match '^ tracking +1-[0-9]+/[0-9]+$' "$(screen_line 2 "$T/1.txt")" "pager title"
expect_match 'same answer as: ficus status tracking' "$(cat "$T/1.txt")" "pager content"
expect_match 'q close' "$(cat "$T/1.txt")" "pager hints"
expect_match '▸ tracking' "$(cat "$T/2.txt")" "q closed the pager"
expect_match '▸ tracking' "$(cat "$T/3.txt")" "Esc closed the pager"

# the filter: live, Enter keeps it, Esc clears it
dash_script "/" "text:NOTIF" "dump:$T/1.txt" "<Enter>" "dump:$T/2.txt" "<Esc>" "dump:$T/3.txt" \
	"/" "text:zzz" "<Esc>" "dump:$T/4.txt"
expect_match '▸ notifications' "$(cat "$T/1.txt")" "filter while typing (case-insensitive)"
expect_no_match '  auth ' "$(cat "$T/1.txt")" "other rows hidden"
expect_match '^/NOTIF' "$(screen_line 23 "$T/1.txt")" "the prompt"
expect_match "filter 'NOTIF': 1 of 4 rows" "$(cat "$T/2.txt")" "Enter keeps the filter"
expect_match 'filter: NOTIF' "$(screen_line 1 "$T/2.txt")" "the tab bar shows the filter"
expect_match '  auth ' "$(cat "$T/3.txt")" "Esc clears the filter"
expect_match '▸ auth' "$(cat "$T/4.txt")" "Esc in the prompt restores the previous filter"

# map: the strategy switch, and a cycle marked on its rows
dash_script "2" "o" "dump:$T/1.txt" "o" "dump:$T/2.txt" "o" "dump:$T/3.txt" "<Enter>" "dump:$T/4.txt"
expect_match 'order: blast-radius' "$(cat "$T/1.txt")" "o: blast-radius"
expect_match 'extraction order: blast-radius' "$(cat "$T/1.txt")" "status says so"
expect_match 'order: least-coupled' "$(cat "$T/2.txt")" "o: least-coupled"
expect_match 'order: outside-in' "$(cat "$T/3.txt")" "o: back to outside-in"
expect_match '^ documents +1-' "$(screen_line 2 "$T/4.txt")" "Enter: the domain in full"
ficus dep add auth documents -q -m "a cycle for the test" || fail "dep add"
dash_script "2" "dump:$T/1.txt" "dump-attrs:$T/a.txt"
# documents -> shipments -> notifications -> auth -> documents: one cycle of four
expect_match 'cycles \(1\): auth documents notifications shipments ⟳' "$(cat "$T/1.txt")" "the cycle is listed"
expect_eq 4 "$(grep -Ec '^. +[0-9]+ ⟳ (auth|documents|notifications|shipments) ' "$T/1.txt")" \
	"every member of the cycle marked on its row"
expect_match '^. +1   tracking ' "$(grep tracking "$T/1.txt" | head -1)" "the domain outside the cycle is not marked"
row=$(grep -En '^. +[0-9]+ ⟳ auth ' "$T/1.txt" | cut -d: -f1)
expect_match '^.{9}B' "$(sed -n "${row}p" "$T/a.txt")" "cycle rows in bold"

# history: Enter shows the whole commit
dash_script "3" "<Enter>" "dump:$T/1.txt" "q" "dump:$T/2.txt"
c=$(cat "$T/1.txt")
expect_match "commit $(git -C plan rev-parse HEAD)" "$c" "commit id"
expect_match 'Author: Test Lead <lead@example.com>' "$c" "author"
expect_match 'auth: depends on documents|dep' "$c" "subject"
expect_match 'Ficus-Change +[0-9a-f]{10}' "$c" "trailers as fields"
expect_match '3 ▶History' "$(screen_line 1 "$T/2.txt")" "q closed the commit"

# a key with no binding says so
dash_script "Z" "dump:$T/1.txt"
expect_match "'Z' does nothing here \(\? lists the keys\)" "$(screen_line 23 "$T/1.txt")" "unbound key"

done_testing
