#!/bin/bash
# ficus log SERVICE: the whole story of one service, newest first, and
# nothing of the others; still there once the service is removed.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add tracking --rps 100
must service add trk --domain tracking --route /api/tracking --gate reconcile_passes=1 \
	--check reconcile='echo rows 3/3'
must service add other --domain tracking --route /api/other
must service set trk --description "tracking pages"
must promote trk
must promote other
must shadow trk on
now_at +14d; must promote trk
must check run trk reconcile
must check record other reconcile --pass
must promote trk
now_at +15d; must check record trk reconcile --fail --detail "rows 2/3"
now_at +15d1h; must promote trk --force -m "the fix is deployed"
must rollback trk
now_at +16d; must rollback trk --to backfill
must rollback trk --to dual-write; must rollback trk --to planned
must service rm trk

story=(
	"trk: add service \\(/api/tracking\\)"
	"trk: edit service"
	"trk: planned -> dual-write"
	"trk: shadow on"
	"trk: dual-write -> backfill"
	"trk: check reconcile passed"
	"trk: backfill -> read-cutover at 1%"
	"trk: check reconcile FAILED"
	"trk: ramp 1% -> 10%"
	"trk: rollback 10% -> 0%"
	"trk: rollback read-cutover 0% -> backfill"
	"trk: rollback backfill -> dual-write"
	"trk: rollback dual-write -> planned"
	"trk: remove service"
)
expect_exit 0 ficus log trk
subjects=$(grep -E '^[0-9a-f]{12} ' -A1 <<<"$out" | grep -vE '^[0-9a-f]{12} |^--$' | sed 's/^    //' | tac)
expect_eq "${#story[@]}" "$(grep -c . <<<"$subjects")" "entries in trk's story"
i=0
while IFS= read -r s; do
	expect_match "^(${story[$i]})$" "$s" "story entry $((i + 1))"
	i=$((i + 1))
done <<<"$subjects"
expect_no_match "other" "$out" "no entry of another service"
expect_match "Ficus-Forced: yes" "$out" "the forced step is in the story"
expect_match "the fix is deployed" "$out" "with its reason"
expect_match "Ficus-Check: reconcile fail: rows 2/3" "$out" "the failed check is in the story"
expect_match "2025-01-16T01:00:00Z" "$out" "entries carry their time"

# the same as git sees it: every commit whose Ficus-Service is trk
want=$(git -C plan log --format='%h %(trailers:key=Ficus-Service,valueonly)' | awk '$2 == "trk" {print $1}' | wc -l)
expect_eq "$want" "${#story[@]}" "git agrees on the number of trk's commits"
# -n and --json
expect_exit 0 ficus log trk -n 3
expect_eq 3 "$(grep -cE '^[0-9a-f]{12} ' <<<"$out")" "log trk -n 3"
expect_match "remove service" "$(sed -n 2p <<<"$out")" "newest first"
expect_exit 0 ficus log trk --json
expect_json "$out" "log trk --json"
expect_eq "${#story[@]}" "$(grep -c '"commit": ' <<<"$out")" "json entries of trk"
done_testing
