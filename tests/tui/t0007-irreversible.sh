#!/bin/bash
# Irreversible steps ask to type the service name: read-cutover 100% ->
# decommission only happens with the name typed (then it is the CLI's
# 'promote --yes' commit).  Rolling back out of decommission needs force
# and a reason, as 'rollback --force' does.
. "$(dirname "$0")/lib.sh"
demo_plan
export FICUS_NOW=2026-10-04T09:00:00Z
ficus promote tracking -q -m "50%" || fail "to 50%"
export FICUS_NOW=2026-10-11T09:00:00Z
ficus promote tracking -q -m "100%" || fail "to 100%"
export FICUS_NOW=2026-10-18T10:00:00Z
copy_plan plan cli
before=$(head_of plan)
reason="monolith write path removed in release 2026.42"

dash_script "G" "p" "dump:$T/1.txt" "text:$reason" "<Enter>" "<Right>" "<Enter>" "dump:$T/2.txt"
d=$(cat "$T/1.txt")
expect_match 'effect +read-cutover 100% → decommission 100% +! irreversible' "$d" "marked irreversible"
expect_match "confirm +type 'tracking':" "$d" "asks for the name"
expect_match "command +ficus promote tracking --expect 'read-cutover 100%' --yes -m" "$d" "the command has --yes"
expect_eq "$before" "$(head_of plan)" "no name typed: nothing changed"
expect_match "irreversible \(only a forced rollback undoes it\): type 'tracking'" "$(cat "$T/2.txt")" "says what is missing"

dash_script "G" "p" "text:$reason" "<Tab>" "text:trackin" "<Enter>" "<Right>" "<Enter>" "dump:$T/3.txt"
expect_eq "$before" "$(head_of plan)" "a wrong name: nothing changed"

dash_script "G" "p" "text:$reason" "<Tab>" "text:tracking" "<Enter>" "<Right>" "<Enter>" "dump:$T/4.txt"
check "the name typed: a commit" test "$(head_of plan)" != "$before"
expect_match '^Ficus-To: decommission 100%$' "$(trailers HEAD "$T/plan")" "now in decommission"
expect_match 'tracking +pl·dw·bf·rc·▶dc·dn █{10} +100% done' "$(cat "$T/4.txt")" "the table shows it"
FICUS_PLAN=$T/cli ficus promote tracking --yes -q -m "$reason" || fail "cli promote --yes"
expect_eq "$(git -C cli rev-parse HEAD^{tree})" "$(git -C plan rev-parse HEAD^{tree})" "same tree as the CLI"
expect_eq "$(trailers HEAD "$T/cli" | grep -v ^Ficus-Change:)" "$(trailers HEAD "$T/plan" | grep -v ^Ficus-Change:)" \
	"same trailers as the CLI"

# out of decommission: a one-way door, force and a reason
before=$(head_of plan)
dash_script "G" "r" "dump:$T/5.txt" "text:users report stale data" "<Enter>" "<Right>" "<Enter>" "dump:$T/6.txt"
expect_match "roll back 'tracking'" "$(cat "$T/5.txt")" "rollback dialog"
expect_match 'one-way door' "$(cat "$T/5.txt")" "says why force is needed"
expect_match 'effect +decommission 100% → read-cutover 0%' "$(cat "$T/5.txt")" "the forced effect"
expect_eq "$before" "$(head_of plan)" "without force: nothing"
dash_script "G" "r" "text:users report stale data" "<Tab>" "<Space>" "<Enter>" "<Right>" "<Enter>"
expect_match '^Ficus-Forced: yes$' "$(trailers HEAD "$T/plan")" "forced rollback recorded"
FICUS_PLAN=$T/cli ficus rollback tracking --force -q -m "users report stale data" || fail "cli rollback --force"
expect_eq "$(git -C cli rev-parse HEAD^{tree})" "$(git -C plan rev-parse HEAD^{tree})" "same tree as the CLI rollback"

done_testing
