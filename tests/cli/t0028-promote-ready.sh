#!/bin/bash
# promote --ready: every service whose next gate is open goes one step, the
# others are reported with the reason; never an irreversible step; --json
# lists each service with its status; exit 0.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
must domain add d --rps 100
add() { must service add "$1" --domain d --route "/api/$1" "${@:2}"; }
zero="--gate dual_write_min=0s --gate reconcile_passes=0"
add p1                                  # planned with a route: open
must service add p2 --domain d          # planned without a route: closed
add dw1                                 # dual-write for 28d: open
add dw2                                 # dual-write for 8d: closed
add bf1 --gate dual_write_min=0s        # backfill, 3 fresh passes: open
add bf2 --gate dual_write_min=0s        # backfill, no passes: closed
add rc $zero                            # 50% for 14d: open
add full $zero                          # 100% for 7d: open but irreversible
add dec $zero --gate step_soak=0s --gate cutover_soak=0s   # decommission: irreversible
add fin $zero --gate step_soak=0s --gate cutover_soak=0s   # done: nothing
must promote dw1
promote_n bf1 2; promote_n bf2 2
promote_n rc 3; promote_n full 3
promote_n dec 7; promote_n fin 8
now_at +7d; must promote rc; must promote full
now_at +14d; must promote rc; must promote full
now_at +20d; must promote dw2
now_at +21d; must promote full
now_at +28d
for i in 1 2 3; do must check record bf1 reconcile --pass; done
expect_eq "read-cutover 100%" "$(svc_state full)" "setup full"
expect_eq "decommission 100%" "$(svc_state dec)" "setup dec"
expect_eq "done 100%" "$(svc_state fin)" "setup fin"

n=$(commit_count plan)
expect_exit 0 ficus promote --ready --json </dev/null
expect_json "$out" "promote --ready --json"
got=$(printf '%s\n' "$out" | sed -n 's/^ *"\(service\|status\)": "\(.*\)",\{0,1\}$/\2/p' | paste -d' ' - - | sort | tr '\n' ',')
expect_eq "bf1 promoted,bf2 closed,dec needs-confirmation,dw1 promoted,dw2 closed,fin none,full needs-confirmation,p1 promoted,p2 closed,rc promoted," \
	"$got" "each service with its status"
expect_match '"note": "dual_write_min: dual-write has run 8d of 14d, 6d left"' "$out" "dw2's reason"
expect_match '"note": "route: service has no route' "$out" "p2's reason"
expect_match '"commit": "[0-9a-f]{40}"' "$out" "promoted entries name their commit"
expect_eq $((n + 4)) "$(commit_count plan)" "one commit per promoted service"

# exactly one step each
expect_eq "dual-write 0%" "$(svc_state p1)" "p1 one step"
expect_eq "backfill 0%" "$(svc_state dw1)" "dw1 one step"
expect_eq "read-cutover 1%" "$(svc_state bf1)" "bf1 one step"
expect_eq "read-cutover 100%" "$(svc_state rc)" "rc one step, not into decommission"
# never an irreversible one
expect_eq "read-cutover 100%" "$(svc_state full)" "full not decommissioned"
expect_eq "decommission 100%" "$(svc_state dec)" "dec not done"
# the others untouched
expect_eq "planned 0%" "$(svc_state p2)" "p2 untouched"
expect_eq "dual-write 0%" "$(svc_state dw2)" "dw2 untouched"
expect_eq "backfill 0%" "$(svc_state bf2)" "bf2 untouched"
# the ready commits carry their evidence
for rev in HEAD HEAD~1 HEAD~2 HEAD~3; do
	trl=$(trailers $rev)
	expect_match '^Ficus-Forced: no$' "$trl" "ready commit $rev not forced"
	expect_match '^Ficus-Gates: .* open' "$trl" "ready commit $rev has its evidence"
done

# again at once: nothing is ready, nothing changes, exit 0; text table
before=$(snapshot plan)
expect_exit 0 ficus promote --ready
expect_no_match "promoted" "$out" "second run promotes nothing"
expect_match "^full	needs-confirmation	read-cutover 100%	decommission 100%" "$out" "table row for full"
expect_unchanged plan "$before" "second --ready changes nothing"

# usage
expect_exit 2 ficus promote --ready p1
expect_exit 2 ficus promote --ready --to 50%
done_testing
