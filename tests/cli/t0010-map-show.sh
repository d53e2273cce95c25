#!/bin/bash
# ficus map show: text, json and dot; cycles are reported in each form.
. "$(dirname "$0")/lib.sh"
new_plan
ficus map import - >/dev/null <<'JSON' || fail "import"
{"version": 1, "domains": [
  {"name": "web", "rps": 100, "depends_on": [{"domain": "auth"}, {"domain": "catalog", "kind": "reads", "weight": 3}]},
  {"name": "auth", "rps": 300, "depends_on": [{"domain": "users", "kind": "shares-table"}]},
  {"name": "catalog", "rps": 80.5},
  {"name": "users", "rps": 500}
]}
JSON

# text: one line per domain with its dependencies, no cycle
expect_exit 0 ficus map show
expect_eq "auth (300 req/s) -> users shares-table
catalog (80.5 req/s)
users (500 req/s)
web (100 req/s) -> auth calls, catalog readsx3" "$out" "map show text"
expect_no_match 'cycle' "$out" "no cycle reported without one"

# json: the export plus an empty cycle list
expect_exit 0 ficus map show --format json
expect_json "$out" "map show --format json"
expect_match '"cycles": \[\]' "$out"
expect_match '"version": 1' "$out"
json1=$out
expect_exit 0 ficus map show --json
expect_eq "$json1" "$out" "--json is --format json"

# dot without a cycle: a digraph, one node per domain, one edge per dependency
expect_exit 0 ficus map show --format dot
dot=$out
expect_eq 'digraph ficus {' "$(printf '%s\n' "$dot" | head -1)" "dot header"
expect_eq '}' "$(printf '%s\n' "$dot" | tail -1)" "dot closes"
expect_eq "$(printf '%s\n' "$dot" | grep -c '{')" "$(printf '%s\n' "$dot" | grep -c '}')" "dot braces balance"
expect_eq 3 "$(printf '%s\n' "$dot" | grep -c ' -> ')" "three edges"
expect_match '^  "web" -> "catalog" \[label="reads' "$dot"
# fixed: the dot edge label drops the weight (cli/cmd_map.c prints
# weight > 1 ? "" : ""), while the text form says "readsx3".
expect_match '^  "web" -> "catalog" \[label="reads.*3' "$dot" "dot edge shows the weight"
expect_match '^  "catalog" \[label="catalog\\n80.5 req/s"\];$' "$dot"
expect_no_match 'cluster' "$dot" "no cycle cluster without a cycle"
if command -v dot >/dev/null 2>&1; then
	printf '%s\n' "$dot" | dot -Tsvg >/dev/null 2>&1 || fail "dot(1) rejects the output"
fi

# a cycle: users -> web closes web -> auth -> users
ficus dep add users web --kind reads >/dev/null || fail "dep users web"
expect_exit 0 ficus map show
expect_match '^cycle: auth users web \(cannot be extracted cleanly\)$' "$out" "map show reports the cycle"
expect_exit 0 ficus map show --format json
expect_json "$out" "map show json with a cycle"
cycles=$(printf '%s\n' "$out" | sed -n '/"cycles": \[/,/^    \],\{0,1\}$/p' | tr -d ' \n')
expect_eq '"cycles":[["auth","users","web"]],' "$cycles" "cycles in json"
expect_exit 0 ficus map show --format dot
dot=$out
expect_match 'subgraph cluster_cycle1 \{' "$dot" "dot highlights the cycle"
expect_match 'color=red' "$dot" "cycle in red"
cluster=$(printf '%s\n' "$dot" | sed -n '/subgraph cluster_cycle1/,/^  }/p')
for d in auth users web; do
	expect_match "^    \"$d\";$" "$cluster" "$d in the cycle cluster"
done
expect_no_match '"catalog"' "$cluster" "catalog not in the cycle"
expect_eq "$(printf '%s\n' "$dot" | grep -c '{')" "$(printf '%s\n' "$dot" | grep -c '}')" "dot braces balance with a cycle"
expect_eq 4 "$(printf '%s\n' "$dot" | grep -c ' -> ')" "four edges"

# two separate cycles are reported in name order
ficus map import - >/dev/null <<'JSON' || fail "import second cycle"
{"version": 1, "domains": [
  {"name": "a1", "depends_on": [{"domain": "a2"}]},
  {"name": "a2", "depends_on": [{"domain": "a1"}]}
]}
JSON
expect_exit 0 ficus map show
expect_eq "cycle: a1 a2 (cannot be extracted cleanly)
cycle: auth users web (cannot be extracted cleanly)" "$(printf '%s\n' "$out" | grep '^cycle:')" "two cycles"
expect_match 'cluster_cycle2' "$(ficus map show --format dot)" "two clusters"

# an empty map
"$FICUS" init -q empty >/dev/null || fail "init empty"
FICUS_PLAN="$T/empty" expect_exit 0 ficus map show
expect_eq "" "$out" "empty map shows nothing"
FICUS_PLAN="$T/empty" expect_exit 0 ficus map show --format dot
expect_match '^digraph ficus \{' "$out"

# usage
expect_exit 2 ficus map show --format xml
expect_match "'xml' is not text, json or dot" "$err"
expect_exit 2 ficus map show extra
expect_exit 2 ficus map
done_testing
