#!/bin/bash
# The detail pane draws each analysis check's recent values as a sparkline
# against its bounds, oldest first, a gap for a measurement without a value
# (no-data), with the newest value and its verdict; a service without
# analysis checks has no such line.
. "$(dirname "$0")/lib.sh"
new_plan
start_prom 0.001
must domain add tracking
must service add tracking --domain tracking --route /api/tracking
dash_script -s 120x30 "wait-refresh" "dump:$T/0.txt"
expect_no_match 'analysis' "$(cat "$T/0.txt")" "no analysis check, no analysis line"
must check add tracking err --prometheus "$PROM" --query up --max 0.01 --interval 1s
dash_script -s 120x30 "wait-refresh" "dump:$T/1.txt"
expect_match 'analysis err +not measured yet' "$(cat "$T/1.txt")" "a check never measured says so"
i=0
for v in 0.001 0.004 0.008 empty 0.02 0.05; do
	i=$((i + 1))
	echo "$v" >"$T/answer"
	FICUS_NOW=$((1790000000 + i)) "$FICUS" check run tracking err -q >/dev/null 2>&1
done
FICUS_NOW=1790000010 dash_script -s 120x30 "wait-refresh" "dump:$T/2.txt"
line=$(grep 'analysis err' "$T/2.txt")
echo "# $line"
expect_match 'analysis err +▁▂▂·▄█ max 0.01  newest 0.05 FAIL' "$line" \
	"six measurements, scaled to the highest, the no-data one a gap, the newest failing"
done_testing
