#!/bin/bash
# '?' lists every key binding: the help is generated from the binding table,
# so each binding the dashboard dispatches (dump-keys writes that table)
# appears in the help, with its keys and its words; under --readonly the
# actions are marked disabled.
. "$(dirname "$0")/lib.sh"
demo_plan

# a screen tall and wide enough for the whole help on one page, unwrapped
dash_script -s 300x200 "dump-keys:$T/keys.tsv" "?" "dump:$T/help.txt"
expect_eq 0 "$dash_rc" "exit status"
n=$(wc -l <"$T/keys.tsv")
check "the key table is not empty ($n bindings)" test "$n" -ge 40
missing=0
while IFS=$'\t' read -r section labels help; do
	line=$(printf '  %-22s %s' "$labels" "$help")
	if ! grep -qF -- "$line" "$T/help.txt"; then
		fail "help lacks '$line'"
		missing=$((missing + 1))
	fi
	grep -qF -- "$section" "$T/help.txt" || fail "help lacks the section '$section'"
done <"$T/keys.tsv"
tests_run=$((tests_run + 1))
expect_eq 0 "$missing" "every binding is in the help"
# the bindings the issue names are all there
for k in 'j, Down' 'k, Up' 'g, Home' 'G, End' 'Tab' 'Enter' 'Esc' '/' '?' ':' 'q' 'p' 'r' 's' 'c' 'C' 'R' 'o'; do
	expect_match "^   $(printf '%s' "$k" | sed 's/[]\/$*.^?[]/\\&/g') +[a-z]" "$(cat "$T/help.txt")" "binding '$k'"
done
expect_match 'Rollback from anywhere: R, Enter, the reason, Enter' "$(cat "$T/help.txt")" "rollback recipe"
expect_no_match 'disabled' "$(cat "$T/help.txt")" "nothing disabled without --readonly"

# at 80x24: the help pages, q closes it
dash_script "?" "dump:$T/p1.txt" "<PgDn>" "dump:$T/p2.txt" "q" "dump:$T/p3.txt"
expect_match '^ help +1-19/' "$(screen_line 2 "$T/p1.txt")" "first page"
expect_match '^ help +19-37/' "$(screen_line 2 "$T/p2.txt")" "second page"
expect_match '1 ▶Services' "$(screen_line 1 "$T/p3.txt")" "q closed the help"

# read-only: the actions are listed, and marked disabled
DASH_ARGS=--readonly dash_script -s 300x200 "?" "dump:$T/ro.txt"
for k in p r s c C R; do
	expect_match "^   $k +.*\\(disabled: --readonly\\)" "$(cat "$T/ro.txt")" "'$k' disabled under --readonly"
done

done_testing
