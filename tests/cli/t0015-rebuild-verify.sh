#!/bin/bash
# The plan repository holds the whole plan: a lost database is rebuilt from
# HEAD with nothing lost; verify finds a database that disagrees (exit 6)
# and names the file.
. "$(dirname "$0")/lib.sh"
new_plan
ficus map import - >/dev/null <<'JSON' || fail "import"
{"version": 1, "domains": [
  {"name": "web", "rps": 100, "owner": "frontend", "tables": ["pages"],
   "signals": {"deploy-contention": "3 teams share a release"},
   "depends_on": [{"domain": "auth", "weight": 4}, {"domain": "catalog", "kind": "reads"}]},
  {"name": "auth", "rps": 300, "description": "logins", "depends_on": [{"domain": "users", "kind": "shares-table"}]},
  {"name": "catalog", "rps": 80.5},
  {"name": "users", "rps": 500, "depends_on": [{"domain": "web", "kind": "writes"}]}
]}
JSON
ficus domain set catalog --signal technology-mismatch="perl 5" >/dev/null || fail "set catalog"
expect_exit 0 ficus verify
expect_match 'agree' "$err"
expect_exit 0 ficus verify --json
expect_json "$out" "verify --json"
expect_match '"ok": true' "$out"

order_before=$(ficus order --json 2>/dev/null)
export_before=$(ficus map export)
show_before=$(ficus domain show web --json)
n=$(commit_count plan)

# the database is gone: every command says to run 'ficus rebuild', exit 1
rm -f plan/.git/ficus/plan.db plan/.git/ficus/plan.db-wal plan/.git/ficus/plan.db-shm
head_before=$(git -C plan rev-parse HEAD)
for cmd in "domain list" "domain show web" "order" "map show" "verify" "dep list" "domain add x" "map export"; do
	# shellcheck disable=SC2086
	expect_exit 1 ficus $cmd
	expect_match "run 'ficus rebuild'" "$err" "'ficus $cmd' without a database"
done
expect_eq "$head_before" "$(git -C plan rev-parse HEAD)" "no commit without a database"
check "no database created by a failing command" test ! -e plan/.git/ficus/plan.db

# rebuild: verify passes and the plan reads the same
expect_exit 0 ficus rebuild
expect_match 'rebuilt' "$err"
check "database exists again" test -f plan/.git/ficus/plan.db
expect_exit 0 ficus verify
expect_eq "$order_before" "$(ficus order --json 2>/dev/null)" "order --json identical after rebuild"
expect_eq "$export_before" "$(ficus map export)" "map export identical after rebuild"
expect_eq "$show_before" "$(ficus domain show web --json)" "domain show identical after rebuild"
expect_eq "$n" "$(commit_count plan)" "rebuild makes no commit"
# a rebuilt plan takes changes as before
expect_exit 0 ficus domain add fresh
expect_eq $((n + 1)) "$(commit_count plan)" "a change after rebuild"
expect_exit 0 ficus verify
# rebuild of a healthy database is harmless
expect_exit 0 ficus rebuild
expect_exit 0 ficus verify
# --dry-run rebuild touches nothing
before=$(snapshot plan)
expect_exit 0 ficus rebuild --dry-run
expect_unchanged plan "$before" "rebuild --dry-run changes nothing"

# tamper with the database: verify exits 6 and names the file
sqlite3 plan/.git/ficus/plan.db "UPDATE domain SET owner = 'x' WHERE name = 'auth'" || fail "tamper"
expect_exit 6 ficus verify
expect_match '^differs: domains/auth.json$' "$out" "verify names domains/auth.json"
expect_no_match 'web.json' "$out" "verify names only the changed domain"
expect_match 'disagree' "$err"
expect_exit 6 ficus verify --json
expect_json "$out" "verify --json with drift"
expect_match '"ok": false' "$out"
expect_match 'domains/auth.json' "$out"
# every row: a change in each table shows up
sqlite3 plan/.git/ficus/plan.db "UPDATE domain SET owner = 'x'" || fail "tamper all"
expect_exit 6 ficus verify
for d in auth catalog fresh users web; do
	expect_match "^differs: domains/$d.json$" "$out" "verify names domains/$d.json"
done
# a row the repository lacks, and a dependency changed behind ficus's back
sqlite3 plan/.git/ficus/plan.db "INSERT INTO domain (name) VALUES ('ghost'); UPDATE dep SET weight = 9 WHERE src = 'web' AND dst = 'auth'" || fail "tamper more"
expect_exit 6 ficus verify
expect_match '^missing from the repository: domains/ghost.json$' "$out"
# a file the database lacks
sqlite3 plan/.git/ficus/plan.db "PRAGMA foreign_keys = ON; DELETE FROM domain WHERE name = 'catalog'" || fail "tamper delete"
expect_exit 6 ficus verify
expect_match 'domains/catalog.json' "$out"
# rebuild repairs it all
expect_exit 0 ficus rebuild
expect_exit 0 ficus verify
expect_eq "" "$out" "no report after rebuild"
expect_eq "frontend" "$(ficus domain list | awk -F'\t' '$1 == "web" {print $2}')" "owner back from HEAD"
expect_exit 1 ficus domain show ghost
expect_match "$(printf 'web\tauth\tcalls\t4')" "$(ficus dep list)" "weight back from HEAD"

# a corrupt database file: a clear error, and rebuild repairs it
export_mid=$(ficus map export)
printf 'this is not a database' >plan/.git/ficus/plan.db
rm -f plan/.git/ficus/plan.db-wal plan/.git/ficus/plan.db-shm
expect_exit 1 ficus domain list
expect_match 'ficus: ' "$err"
expect_exit 0 ficus rebuild
expect_exit 0 ficus verify
expect_eq "$export_mid" "$(ficus map export)" "export after rebuilding a corrupt database"
done_testing
