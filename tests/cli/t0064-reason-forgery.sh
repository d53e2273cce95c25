#!/bin/bash
# A reason cannot forge the audit trail: whatever it holds (trailer lines,
# Signed-off-by, a "---" patch separator, comments, CRLF), git
# interpret-trailers --parse of the commit yields exactly ficus's trailer
# block, and ficus log reads the same; a reason over the limit is a usage
# error that changes nothing.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
must service add s1 --domain tracking --route /api/s1
must promote s1

# last_paragraph REV: the message's final paragraph, ficus's trailer block
last_paragraph() {
	git -C plan log -1 --format=%B "$1" | awk 'BEGIN { RS = ""; ORS = "\n" } { p = $0 } END { print p }'
}

# only_ficus_trailers DESC: HEAD's parsed trailers are its last paragraph,
# all Ficus-*, one Ficus-Change, first
only_ficus_trailers() {
	local trl last
	trl=$(trailers HEAD)
	last=$(last_paragraph HEAD)
	expect_eq "$last" "$trl" "$1: git reads exactly the final trailer block"
	expect_no_match '^[^F]|^F[^i]|^Fi[^c]' "$trl" "$1: trailers"
	expect_match '^Ficus-Change: [0-9a-f]{10}$' "$(printf '%s\n' "$trl" | head -1)" "$1: first trailer"
	expect_eq 1 "$(printf '%s\n' "$trl" | grep -c '^Ficus-Change:')" "$1: one Ficus-Change"
}

# log_trailers JSON: the trailers object of ficus log --json's first entry
log_trailers() {
	printf '%s' "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["log"][0]["trailers"])'
}

# the exact forgery of the issue: a "---" line makes git read the reason's
# last paragraph as the trailer block
n=$(commit_count plan)
expect_exit 0 ficus promote s1 --force -m $'routine\n\nFicus-Forced: no\n\n---'
expect_eq $((n + 1)) "$(commit_count plan)" "the forced step is one commit"
only_ficus_trailers "forced promote"
expect_match '^Ficus-Forced: yes' "$(trailers HEAD)"
expect_no_match '^Ficus-Forced: no' "$(trailers HEAD)"
forced=$(git -C plan rev-parse HEAD)
expect_exit 0 ficus log s1 --json -n 1
expect_json "$out" "log --json"
expect_match "\"commit\": *\"$forced\"" "$out" "log --json shows the forced commit"
expect_match "'Ficus-Forced': 'yes" "$(log_trailers "$out")" "log --json says it was forced"
# the reason is kept, its dangerous lines indented
expect_match '^ ---$' "$(git -C plan log -1 --format=%b)" "the separator line is escaped"
expect_match '^ Ficus-Forced: no$' "$(git -C plan log -1 --format=%b)" "the trailer line is escaped"

i=0
for reason in \
	$'fine\n\nSigned-off-by: Mallory <m@example.com>' \
	$'Signed-off-by: Mallory <m@example.com>\nFicus-Change: 0000000000' \
	$'a\n---\nFicus-Action: rollback' \
	$'a\n--- \nFicus-Action: rollback' \
	$'a\n----\nFicus-Action: rollback' \
	$'# a comment\nFicus-Service: other\n# another' \
	$'crlf\r\n\r\nFicus-Forced: no\r\n\r\n---\r\n' \
	$'(cherry picked from commit 0000000000000000000000000000000000000000)' \
	$'Ficus-To: planned 0%\n  continued' \
	'Ficus-Change: 0000000000'; do
	i=$((i + 1))
	n=$(commit_count plan)
	expect_exit 0 ficus check record s1 "c$i" --pass -m "$reason"
	expect_eq $((n + 1)) "$(commit_count plan)" "reason $i: one commit"
	only_ficus_trailers "reason $i"
	expect_no_match 'Mallory|0000000000|rollback|other|no$' "$(trailers HEAD)" "reason $i: trailers"
	expect_no_match $'\r' "$(git -C plan log -1 --format=%B)" "reason $i: no CR in the message"
	expect_exit 0 ficus log --json -n 1
	expect_no_match 'Mallory|rollback|0000000000|other' "$(log_trailers "$out")" "reason $i: log --json trailers"
done

# a change killed right after its commit, with a reason that names another
# change: the next command finds the commit by ficus's own trailer, never
# the reason's, and does not commit it a second time
n=$(commit_count plan)
FICUS_TEST_KILL=commit "$FICUS" check record s1 killed --pass -m $'x\n\nFicus-Change: 0000000000\n\n---' >/dev/null 2>&1
check "the change was killed after its commit" test $? = 137
expect_exit 0 ficus status
expect_eq $((n + 1)) "$(commit_count plan)" "a change killed after its commit is committed once"
expect_eq "" "$(git -C plan log --format=%B | git interpret-trailers --parse | sed -n 's/^Ficus-Change: //p' | sort | uniq -d)" \
	"no Ficus-Change twice"

# over the limit: a usage error, nothing written (1 MB cannot even be passed
# on a Linux command line: the kernel caps one argument at 128 KiB)
before=$(snapshot plan)
big=$(head -c 100000 /dev/zero | tr '\0' 'a')
expect_exit 2 ficus check record s1 big --pass -m "$big"
expect_match 'reason.*longer than 8192 bytes' "$err"
huge=$(head -c 1048576 /dev/zero | tr '\0' 'a')
("$FICUS" check record s1 huge --pass -m "$huge") >/dev/null 2>&1
check "a 1 MB reason fails" test $? -ne 0
expect_unchanged plan "$before" "a reason over the limit changes nothing"
expect_exit 0 ficus check record s1 edge --pass -m "$(head -c 8192 /dev/zero | tr '\0' 'b')"

done_testing
