#!/bin/bash
# ficus order: the exact ranking of a known map under each strategy, the
# explanations, and a stable --json.
. "$(dirname "$0")/lib.sh"
new_plan
#   web (100) ---> auth (300) ---> users (500)
#     \               ^              ^
#      `-> catalog (80) ------------'   mobile (50) -> auth, catalog
#   notify (10): alone
ficus map import - >/dev/null <<'JSON' || fail "import"
{"version": 1, "domains": [
  {"name": "web", "rps": 100, "depends_on": [{"domain": "auth"}, {"domain": "catalog", "kind": "reads"}]},
  {"name": "mobile", "rps": 50, "depends_on": [{"domain": "auth"}, {"domain": "catalog", "kind": "reads"}]},
  {"name": "auth", "rps": 300, "depends_on": [{"domain": "users", "kind": "reads", "weight": 5}]},
  {"name": "catalog", "rps": 80, "depends_on": [{"domain": "users", "kind": "shares-table"}]},
  {"name": "users", "rps": 500},
  {"name": "notify", "rps": 10}
]}
JSON

names() { printf '%s\n' "$1" | cut -f2 | tr '\n' ' '; }

# outside-in (default): nobody depends on notify, mobile, web (by traffic);
# then catalog and auth (two dependents each, by traffic); users last
expect_exit 0 ficus order
expect_eq "notify mobile web catalog auth users " "$(names "$out")" "outside-in order"
expect_eq "1 2 3 4 5 6 " "$(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ')" "ranks"
expect_eq "$(printf '1\tnotify\t10\t-')" "$(printf '%s\n' "$out" | head -1)" "piped row: rank, domain, req/s, cycle"
expect_eq "$out" "$(ficus order --strategy outside-in)" "outside-in is the default"
expect_eq "" "$err" "no warning without a cycle"

# blast-radius: traffic reached by a failure: users 1030, auth 450,
# catalog 230, web 100, mobile 50, notify 10
expect_exit 0 ficus order --strategy blast-radius
expect_eq "users auth catalog web mobile notify " "$(names "$out")" "blast-radius order"

# least-coupled: coupling notify 0; mobile, web, users 2 (by traffic);
# catalog, auth 3 (by traffic)
expect_exit 0 ficus order --strategy least-coupled
expect_eq "notify mobile web users catalog auth " "$(names "$out")" "least-coupled order"

# --explain adds one explanation per rank
expect_exit 0 ficus order --explain
expect_eq 5 "$(printf '%s\n' "$out" | head -1 | awk -F'\t' '{print NF}')" "--explain adds a column"
expect_eq 4 "$(ficus order | head -1 | awk -F'\t' '{print NF}')" "four columns without --explain"
expect_match "$(printf '^1\tnotify\t10\t-\tnobody depends on it; 10 req/s$')" "$out"
expect_match "$(printf '^4\tcatalog\t80\t-\t2 dependents \\(mobile, web\\) ranked before it; 80 req/s$')" "$out"
expect_match "$(printf '^6\tusers\t500\t-\t2 dependents \\(auth, catalog\\) ranked before it; 500 req/s$')" "$out"
expect_exit 0 ficus order --strategy blast-radius --explain
expect_match "$(printf '^1\tusers\t500\t-\ta failure reaches 1030 req/s: its own 500 req/s and 4 transitive dependents$')" "$out"
expect_match "$(printf '^2\tauth\t300\t-\ta failure reaches 450 req/s')" "$out"
expect_exit 0 ficus order --strategy least-coupled --explain
expect_match "$(printf '^5\tcatalog\t80\t-\tcoupling 3: 2 dependents, 1 dependency; 80 req/s$')" "$out"
expect_match "$(printf '^1\tnotify\t10\t-\tcoupling 0: 0 dependents, 0 dependencies; 10 req/s$')" "$out"

# --json: parses, stable across runs, same order as the table
for s in outside-in blast-radius least-coupled; do
	expect_exit 0 ficus order --json --strategy $s
	j1=$out
	expect_exit 0 ficus order --json --strategy $s
	expect_eq "$j1" "$out" "$s --json is stable"
	expect_match "\"strategy\": \"$s\"" "$j1"
	jnames=$(printf '%s\n' "$j1" | grep -A1 '"domains": \[' | sed -n 's/^ *"\([a-z0-9._-]*\)"$/\1/p' | tr '\n' ' ')
	expect_eq "$(names "$(ficus order --strategy $s)")" "$jnames" "$s --json order is the table order"
done
expect_json "$j1" "order --json"
expect_match '"explanation": "coupling 0: 0 dependents, 0 dependencies; 10 req/s"' "$j1"
expect_match '"cycle": false' "$j1"
expect_no_match '"cycle": true' "$j1"
# and stable across a rebuild and a re-import of the same map
ficus map export >map.json
ficus order --json >before.json
ficus rebuild -q || fail "rebuild"
expect_eq "$(cat before.json)" "$(ficus order --json)" "order --json after rebuild"

# the order follows the data: more traffic on notify moves it after mobile and web
ficus domain set notify --rps 1000 >/dev/null || fail "set notify"
expect_eq "mobile web notify catalog auth users " "$(names "$(ficus order)")" "traffic breaks ties"

# order writes nothing
before=$(snapshot plan)
ficus order --explain >/dev/null && ficus order --json >/dev/null
expect_unchanged plan "$before" "order changes nothing"

# usage
expect_exit 2 ficus order --strategy nope
expect_match "strategy 'nope' is not outside-in, blast-radius or least-coupled" "$err"
expect_exit 2 ficus order --strategy
expect_exit 2 ficus order extra
expect_exit 0 ficus order --help
expect_match '^usage: ficus order' "$out"

# an empty map has an empty order
"$FICUS" init -q empty >/dev/null || fail "init empty"
FICUS_PLAN="$T/empty" expect_exit 0 ficus order
expect_eq "" "$out" "empty order"
FICUS_PLAN="$T/empty" expect_exit 0 ficus order --json
expect_json "$out" "empty order --json"
done_testing
