#!/bin/bash
# The dashboard opens on the demo plan (headless): header, services table
# with the phase pipeline, traffic bars and gates, the detail pane, the map
# and history views; bad scripts and missing terminals are refused.
. "$(dirname "$0")/lib.sh"
demo_plan

dash_script "wait-refresh" "dump:$T/s.txt" "dump-attrs:$T/a.txt" "2" "dump:$T/map.txt" "3" "dump:$T/hist.txt"
expect_eq 0 "$dash_rc" "headless exit status"
expect_eq "" "$dash_err" "nothing on stderr"
s=$(cat "$T/s.txt")
expect_eq 24 "$(wc -l <"$T/s.txt")" "24 rows dumped"
# header: plan, remote, routers, time
# (at 80 columns the plan path is shortened from the left)
expect_match "^ ficus +plan: (…[^ ]*|$T)/plan +remote: - +routers: none +2026-10-04 09:00:00Z$" "$(screen_line 0 "$T/s.txt")" "header"
expect_match '1 ▶Services │ 2 Map │ 3 History' "$s" "tab bar"
expect_match 'SERVICE +PHASE +TRAFFIC +NEXT +GATE' "$s" "table header"
# one row per service: the pipeline marks the current phase, the bar and the number, next step, gate
expect_match '▸ auth +▶pl·dw·bf·rc·dc·dn ░{10} +0% dual-write +✓ open' "$s" "auth row (selected)"
expect_match '  notifications +pl·dw·▶bf·rc·dc·dn ░{10} +0% read-cutover 1% +✗ closed' "$s" "notifications row"
expect_match '  tracking +pl·dw·bf·▶rc·dc·dn █░{9} +10% read-cutover 50% +✓ open' "$s" "tracking row"
# the current phase is highlighted by an attribute too (reverse on rows, not on the cursor row)
row=$(grep -n 'notifications  *pl·dw·▶bf' "$T/s.txt" | cut -d: -f1)
attrs=$(sed -n "${row}p" "$T/a.txt")
line=$(sed -n "${row}p" "$T/s.txt")
col=$(printf '%s' "${line%%▶bf*}" | wc -m)
expect_eq "RRR" "${attrs:$col:3}" "current phase (marker and name) in reverse video"
expect_eq "D" "${attrs:$((col + 4)):1}" "a later phase is dim, not reversed"
# the detail pane of the selected service (auth): gates with evidence, checks, ramp, routers
expect_match '── auth ──' "$s" "detail pane title"
expect_match 'next +planned → dual-write \(advance\) +✓ gates open' "$s" "next step"
expect_match '✓ route: /api/auth +\[evidence: open \(/api/auth\)\]' "$s" "gate with evidence"
expect_match 'checks +none recorded' "$s" "checks"
expect_match 'ramp +·+' "$s" "ramp timeline"
expect_match 'routers none: decisions are recorded, nothing is pushed' "$s" "router state"
expect_match 'p promote +r rollback +s shadow +c checks +C record +\? help +q quit' "$s" "key hints"

# map view: extraction order, dependencies
m=$(cat "$T/map.txt")
expect_match 'order: outside-in \(o switches\)' "$m" "strategy shown"
expect_match 'cycles: none' "$m" "no cycles in the demo"
expect_match '▸ +1 +documents +team-docs +120' "$m" "first rank"
expect_match 'uses +→ auth \(calls, 1\) +→ shipments \(reads, 2\)' "$m" "dependencies of the selected domain"

# history view: trailers as columns
h=$(cat "$T/hist.txt")
expect_match 'WHEN +SERVICE +ACTION +FROM +TO +FORCED' "$h" "history columns"
expect_match '09-27 09:00 tracking +ramp +read-cutover 1% +read-cutover 10% no' "$h" "a ramp commit"
expect_match '09-02 10:00 tracking +shadow +shadow off +shadow on +-' "$h" "a shadow commit"

# the final dump is written at the end of the script too
expect_eq "$(cat "$T/hist.txt")" "$screen" "FICUS_DASH_DUMP is the last screen"

# the remote, without its credentials
git -C plan remote add origin "https://deploy:s3cret@git.example.com/plans/logistics.git"
dash_script -s 200x50 "dump:$T/r.txt"
expect_match 'remote: https://git.example.com/plans/logistics.git +routers' "$(screen_line 0 "$T/r.txt")" "remote shown"
expect_no_match 's3cret|deploy' "$(cat "$T/r.txt")" "its credentials are not"
git -C plan remote remove origin

# a bad script token is refused before anything is drawn
dash_script "j" "<Nope>"
expect_eq 2 "$dash_rc" "bad token: exit 2"
expect_match "line 2: unknown token '<Nope>'" "$dash_err" "bad token named"
# no terminal and no script
expect_exit 1 "$FICUS" dash </dev/null
expect_match "needs a terminal" "$err" "no terminal"
expect_exit 2 "$FICUS" dash --json
expect_exit 0 "$FICUS" dash --help
expect_match 'FICUS_DASH_SCRIPT' "$out" "help documents the headless mode"

done_testing
