#!/bin/bash
# ficus map import/export: from a file and from stdin, merge and --replace,
# one commit per import, export | import round-trips byte for byte.
. "$(dirname "$0")/lib.sh"
new_plan
cat >map.json <<'JSON'
{
  "version": 1,
  "domains": [
    {"name": "web", "rps": 100, "owner": "frontend",
     "depends_on": [{"domain": "auth"}, {"domain": "catalog", "kind": "reads", "weight": 3}]},
    {"name": "auth", "rps": 300, "tables": ["users", "sessions"],
     "signals": {"divergent-scaling": "login storms"},
     "depends_on": [{"domain": "users", "kind": "shares-table"}]},
    {"name": "catalog", "rps": 80.5, "description": "products and prices"},
    {"name": "users"}
  ]
}
JSON

# from a file: one commit for the whole map
expect_exit 0 ficus map import map.json -m "first map from the workshop"
expect_match '^map: import 4 domains \(4 new\)' "$out"
expect_eq 2 "$(commit_count plan)" "one commit per import"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: map-import$' "$trl"
expect_match '^Ficus-Change: [0-9a-f]+$' "$trl"
expect_eq "PLAN.md domains/auth.json domains/catalog.json domains/users.json domains/web.json " \
	"$(git -C plan diff --name-only HEAD~1 HEAD | sort | tr '\n' ' ')" "files of the import"
expect_exit 0 ficus domain show auth
expect_match '^tables +sessions, users$' "$out"
expect_match '^signal +divergent-scaling: login storms$' "$out"
expect_match '^depends on +users \(shares-table, weight 1\)$' "$out"
expect_match "$(printf 'web\tcatalog\treads\t3')" "$(ficus dep list)"

# export: the canonical document, and it parses
expect_exit 0 ficus map export
export1=$out
expect_json "$export1" "map export"
expect_match '^  "version": 1$' "$export1"
ficus map export >export1.json

# importing the export again changes nothing: exit 0, no commit
n=$(commit_count plan)
expect_exit 0 ficus map import export1.json
expect_match 'nothing to do' "$err"
expect_eq "$n" "$(commit_count plan)" "re-importing the export is not a commit"

# round trip into a fresh plan through stdin: identical export
"$FICUS" init -q plan2 >/dev/null || fail "init plan2"
ficus map export | FICUS_PLAN="$T/plan2" expect_exit 0 ficus map import -
FICUS_PLAN="$T/plan2" ficus map export >export2.json
check "export | import | export is identical" cmp -s export1.json export2.json
for f in auth catalog users web; do
	check "domains/$f.json identical in both plans" cmp -s plan/domains/$f.json plan2/domains/$f.json
done
FICUS_PLAN="$T/plan2" expect_exit 0 ficus verify

# merge (default): named domains are replaced whole, others stay, with the
# dependencies other domains have on them
n=$(commit_count plan)
expect_exit 0 ficus map import - <<'JSON'
{"version": 1, "domains": [
  {"name": "catalog", "rps": 90},
  {"name": "search", "rps": 5, "depends_on": [{"domain": "catalog", "kind": "reads"}]}
]}
JSON
expect_match '^map: import 2 domains \(1 new\)$' "$(printf '%s\n' "$out" | head -1)"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit for the merge"
expect_eq "auth catalog search users web " "$(ficus domain list | cut -f1 | tr '\n' ' ')" "merge keeps the others"
expect_exit 0 ficus domain show catalog --json
expect_match '"rps": 90,' "$out" "catalog replaced"
expect_match '"description": "",' "$out" "a merged domain is replaced whole"
expect_match "$(printf 'web\tcatalog\treads\t3')" "$(ficus dep list)" "dependencies on a merged domain stay"
# a merged document may depend on domains already in the plan
expect_exit 0 ficus map import - <<'JSON'
{"version": 1, "domains": [{"name": "mobile", "depends_on": [{"domain": "auth"}]}]}
JSON
ficus verify -q || fail "verify after merge"

# --replace: domains the document does not name are removed
n=$(commit_count plan)
expect_exit 0 ficus map import --replace - <<'JSON'
{"version": 1, "domains": [
  {"name": "auth", "rps": 1},
  {"name": "web", "depends_on": [{"domain": "auth"}]}
]}
JSON
expect_match 'replacing the map' "$out"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit for --replace"
expect_eq "auth web " "$(ficus domain list | cut -f1 | tr '\n' ' ')" "--replace removes the rest"
expect_eq "$(printf 'web\tauth\tcalls\t1')" "$(ficus dep list)" "--replace leaves only the document's dependencies"
expect_eq "PLAN.md domains/auth.json domains/web.json " "$(git -C plan ls-tree -r --name-only HEAD | grep -v ficus.json | sort | tr '\n' ' ')" "files after --replace"
check "removed files gone from the work tree" test ! -e plan/domains/catalog.json -a ! -e plan/domains/mobile.json
# with --replace a dependency on a domain outside the document is unknown
before=$(snapshot plan)
expect_exit 1 ficus map import --replace - <<'JSON'
{"version": 1, "domains": [{"name": "web", "depends_on": [{"domain": "auth"}]}]}
JSON
expect_match "depends on unknown domain 'auth'" "$err"
expect_unchanged plan "$before"
# an empty map with --replace empties the plan
expect_exit 0 ficus map import --replace - <<<'{"version": 1, "domains": []}'
expect_eq "" "$(ficus domain list)" "empty map"
expect_exit 0 ficus map export
expect_json "$out" "empty export"
ficus verify -q || fail "verify after --replace"
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean"

# import usage
expect_exit 2 ficus map import
expect_exit 2 ficus map import a.json b.json
expect_exit 1 ficus map import no-such-file.json
expect_match "no-such-file.json" "$err"
expect_exit 2 ficus map export extra
expect_exit 2 ficus map frob
done_testing
