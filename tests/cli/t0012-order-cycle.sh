#!/bin/bash
# A dependency cycle is allowed in the data and reported everywhere it
# matters: order ranks it as one flagged group and warns on stderr, map
# show names it.
. "$(dirname "$0")/lib.sh"
new_plan
ficus map import - >/dev/null <<'JSON' || fail "import"
{"version": 1, "domains": [
  {"name": "web", "rps": 100, "depends_on": [{"domain": "orders"}]},
  {"name": "orders", "rps": 40, "depends_on": [{"domain": "billing"}]},
  {"name": "billing", "rps": 20, "depends_on": [{"domain": "stock"}]},
  {"name": "stock", "rps": 5},
  {"name": "notify", "rps": 10}
]}
JSON
expect_exit 0 ficus order
expect_no_match 'cycle' "$out$err" "no cycle yet"

# close the loop: stock -> orders makes orders, billing, stock one cycle
expect_exit 0 ficus dep add stock orders --kind reads
for s in outside-in blast-radius least-coupled; do
	expect_exit 0 ficus order --strategy $s
	expect_match "$(printf '\tbilling\\+orders\\+stock\t65\tcycle$')" "$out" "$s: the cycle is one row, flagged"
	expect_eq 3 "$(printf '%s\n' "$out" | wc -l)" "$s: three ranks for five domains"
	expect_eq 1 "$(printf '%s\n' "$out" | grep -c "$(printf '\tcycle')")" "$s: one flagged row"
	expect_eq "ficus: warning: 'billing', 'orders', 'stock' form a dependency cycle and cannot be extracted cleanly" \
		"$err" "$s: warning on stderr"
done
# outside-in: web depends on the cycle, so the cycle comes after web
expect_exit 0 ficus order
expect_eq "notify web billing+orders+stock " "$(printf '%s\n' "$out" | cut -f2 | tr '\n' ' ')" "outside-in with a cycle"
expect_exit 0 ficus order --explain
expect_match "$(printf '\tcycle\tcycle of 3 domains, cannot be extracted cleanly; 1 dependent \\(web\\) ranked before it; 65 req/s$')" "$out" "explanation of the cycle"
# -q silences the warning, not the data
expect_exit 0 ficus order -q
expect_eq "" "$err" "-q silences the warning"
expect_eq 3 "$(printf '%s\n' "$out" | wc -l)" "-q keeps the ranking"

# --json flags the group
expect_exit 0 ficus order --json
expect_json "$out" "order --json with a cycle"
expect_eq 1 "$(printf '%s\n' "$out" | grep -c '"cycle": true')" "one group flagged in json"
group=$(printf '%s\n' "$out" | grep -B3 -A10 '"cycle": true' | sed -n '/"domains": \[/,/\]/p' | tr -d ' \n')
expect_eq '"domains":["billing","orders","stock"],' "$group" "the cycle's members in json"
expect_eq "$out" "$(ficus order --json 2>/dev/null)" "json stable with a cycle"

# map show reports it
expect_exit 0 ficus map show
expect_match '^cycle: billing orders stock \(cannot be extracted cleanly\)$' "$out"
expect_match 'cluster_cycle1' "$(ficus map show --format dot)"

# a two-domain cycle through dependency kinds other than calls
ficus dep add notify web --kind shares-table >/dev/null || fail "dep notify web"
ficus dep add web notify --kind writes >/dev/null || fail "dep web notify"
expect_exit 0 ficus order
expect_match "$(printf '\tnotify\\+web\t110\tcycle')" "$out" "second cycle"
expect_eq 2 "$(printf '%s\n' "$err" | grep -c 'warning:')" "two warnings"
expect_eq 2 "$(ficus map show | grep -c '^cycle:')" "map show reports both"

# breaking the loop clears the flag
ficus dep rm stock orders >/dev/null || fail "dep rm"
ficus dep rm web notify >/dev/null || fail "dep rm"
expect_exit 0 ficus order
expect_no_match 'cycle' "$out$err" "no cycle after breaking the loops"
expect_no_match '^cycle' "$(ficus map show)" "map show: no cycle"
done_testing
