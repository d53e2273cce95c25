#!/bin/bash
# Shadow (s), run checks (c) and record a check (C) through their dialogs:
# each makes the commit its CLI verb makes; what core refuses is shown in
# the dialog and cannot be confirmed.
. "$(dirname "$0")/lib.sh"
demo_plan
copy_plan plan cli
cli() { FICUS_PLAN=$T/cli ficus "$@"; }
same_commit() {
	expect_eq "$(git -C cli rev-parse HEAD^{tree})" "$(git -C plan rev-parse HEAD^{tree})" "$1: same tree as the CLI"
	expect_eq "$(trailers HEAD "$T/cli" | grep -v ^Ficus-Change:)" "$(trailers HEAD "$T/plan" | grep -v ^Ficus-Change:)" \
		"$1: same trailers as the CLI"
	expect_eq "$(git -C cli log -1 --format=%B | grep -v ^Ficus-Change:)" \
		"$(git -C plan log -1 --format=%B | grep -v ^Ficus-Change:)" "$1: same message"
}

# shadow: refused in read-cutover (core says why), allowed in backfill
before=$(head_of plan)
dash_script "G" "s" "dump:$T/1.txt" "<Enter>"
expect_match "'tracking' is in 'read-cutover': shadow traffic applies in dual-write" "$(cat "$T/1.txt")" "core's refusal in the dialog"
expect_no_match '\[ Shadow on \]|< Shadow on >' "$(cat "$T/1.txt")" "no button to confirm it"
expect_eq "$before" "$(head_of plan)" "nothing changed"
dash_script "j" "j" "s" "dump:$T/2.txt" "text:compare responses" "<Enter>" "<Right>" "<Enter>"
expect_match "shadow on for 'notifications'" "$(cat "$T/2.txt")" "dialog title"
expect_match 'effect +shadow off → shadow on' "$(cat "$T/2.txt")" "effect"
expect_match 'command +ficus shadow notifications on -m REASON' "$(cat "$T/2.txt")" "equivalent command"
cli shadow notifications on -q -m "compare responses" || fail "cli shadow"
same_commit shadow

# record a check: name (prefilled with the reconcile check), result, detail, reason
dash_script "j" "j" "C" "dump:$T/3.txt" "<Tab>" "<Tab>" "text:checksums match" "<Tab>" "text:nightly job" \
	"dump:$T/4.txt" "<Enter>" "<Right>" "<Enter>" "dump:$T/5.txt"
expect_match 'check +reconcile' "$(cat "$T/3.txt")" "the reconcile check prefilled"
expect_match 'result +\(•\) pass +\( \) fail' "$(cat "$T/3.txt")" "pass by default"
expect_match "command +ficus check record notifications reconcile --pass --detail" "$(cat "$T/4.txt")" "equivalent command"
expect_match "'checksums match' -m 'nightly job'" "$(cat "$T/4.txt")" "with the detail and the reason"
expect_match "done, commit [0-9a-f]{12}: check 'reconcile' pass for 'notifications'" "$(screen_line 23 "$T/5.txt")" "status"
cli check record notifications reconcile --pass --detail "checksums match" -q -m "nightly job" || fail "cli check record"
same_commit "check record"
# a failing one: Space on the result
dash_script "j" "j" "C" "<Tab>" "<Space>" "<Tab>" "text:3 rows differ" "<Tab>" "text:nightly job" "<Enter>" "<Right>" "<Enter>"
expect_match '^Ficus-Check: reconcile fail: 3 rows differ$' "$(trailers HEAD "$T/plan")" "a failure recorded"
cli check record notifications reconcile --fail --detail "3 rows differ" -q -m "nightly job" || fail "cli fail"
same_commit "check record --fail"

# run the configured checks
dash_script "G" "c" "dump:$T/6.txt" "text:before the next ramp step" "<Enter>" "<Right>" "<Enter>" "dump:$T/7.txt"
expect_match 'runs +reconcile: echo "row counts match: 41822/41822" \(service\)' "$(cat "$T/6.txt")" "the checks it runs"
expect_match "checks of 'tracking' \(1 pass, 0 fail\)" "$(screen_line 23 "$T/7.txt")" "the results in the status line"
expect_match '^Ficus-Check: reconcile pass: row counts match: 41822/41822$' "$(trailers HEAD "$T/plan")" "recorded"
cli check run tracking -q -m "before the next ramp step" >/dev/null || fail "cli check run"
same_commit "check run"
# no check configured: the dialog says how to configure one
dash_script "j" "c" "dump:$T/8.txt" "<Enter>"
expect_match "no check command is configured for 'documents'" "$(cat "$T/8.txt")" "nothing to run"

done_testing
