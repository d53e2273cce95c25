#!/bin/bash
# The help text and the man pages cannot drift: every verb and option of
# --help is in ficus(1), and every option ficus(1) names exists.
. "$(dirname "$0")/lib.sh"
man1="$FICUS_SRC/man/ficus.1"

verbs=$("$FICUS" --help | sed -n '/^verbs:/,/^$/p' | awk 'NF > 1 && $1 != "verbs:" { print $1 }')
check "ficus --help lists verbs" test -n "$verbs"
help_opts=$("$FICUS" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
for v in $verbs; do
	tests_run=$((tests_run + 1))
	grep -q "^\.SS ficus $v\b" "$man1" || fail "verb '$v' has no '.SS ficus $v' section in ficus(1)"
	opts=$("$FICUS" "$v" --help | sed -n '/^options:/,/^global options:/p' | grep -o -- '--[a-z][a-z-]*' | sort -u)
	help_opts="$help_opts
$opts"
	for o in $opts; do
		tests_run=$((tests_run + 1))
		esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		grep -q -- "$esc" "$man1" || fail "option '$o' of 'ficus $v' is not in ficus(1)"
	done
done
for o in $("$FICUS" --help | sed -n '/^global options:/,/^$/p' | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	tests_run=$((tests_run + 1))
	esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
	grep -q -- "$esc" "$man1" || fail "global option '$o' is not in ficus(1)"
done
# the other way round: sections and options of the man page exist
for v in $(sed -n 's/^\.SS ficus \([a-z-]*\).*/\1/p' "$man1"); do
	tests_run=$((tests_run + 1))
	printf '%s\n' $verbs | grep -qx "$v" || fail "ficus(1) documents verb '$v' that ficus --help does not list"
done
for o in $(grep -v 'git ' "$man1" | grep -o -- '\\-\\-[a-z][a-z\\-]*' | sed 's/\\-/-/g' | sort -u); do
	tests_run=$((tests_run + 1))
	printf '%s\n' $help_opts | grep -qx -- "$o" || fail "ficus(1) names option '$o' that no --help shows"
done
# the man pages render without warnings
for m in "$FICUS_SRC"/man/*.[157]; do
	tests_run=$((tests_run + 1))
	w=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	[ -z "$w" ] || fail "$(basename "$m") renders with warnings: $w"
done
# every exit status of 'help exit-codes' is in the EXIT STATUS section
for s in 0 1 2 3 4 5 6; do
	tests_run=$((tests_run + 1))
	sed -n '/^\.SH EXIT STATUS/,/^\.SH ENVIRONMENT/p' "$man1" | grep -q "^\.B $s\$" || fail "exit status $s missing from ficus(1)"
done
done_testing
