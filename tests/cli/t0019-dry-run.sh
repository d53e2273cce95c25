#!/bin/bash
# --dry-run on domain add, dep add and map import: prints the commit
# message it would write and the files, changes nothing.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add auth >/dev/null || fail "add auth"
ficus domain add web >/dev/null || fail "add web"
n=$(commit_count plan)
before=$(snapshot plan)
files_before=$(cd plan && find . -path ./.git -prune -o -type f -print | sort)

# domain add
expect_exit 0 ficus domain add tracking --owner team-a --dry-run -m "tracking scales apart"
expect_match '^dry run: nothing changed$' "$out"
expect_match '^would commit:$' "$out"
expect_match "^    map: add domain 'tracking'$" "$out" "subject"
expect_match '^    tracking scales apart$' "$out" "reason"
expect_match '^    Ficus-Action: domain-add$' "$out" "action trailer"
expect_match '^    Ficus-Domain: tracking$' "$out" "domain trailer"
expect_match '^    Ficus-Change: [0-9a-f]{10}$' "$out" "change trailer"
expect_match '^would write:$' "$out"
expect_match '^    domains/tracking.json$' "$out" "file it would write"
expect_unchanged plan "$before" "domain add --dry-run"
expect_exit 1 ficus domain show tracking
# --dry-run before the verb works the same
expect_exit 0 ficus --dry-run domain add tracking
expect_match "map: add domain 'tracking'" "$out"
# --json
expect_exit 0 ficus domain add tracking --dry-run --json
expect_json "$out" "dry run --json"
expect_match '"dry_run": true' "$out"
expect_match "\"message\": \"map: add domain 'tracking'" "$out"
expect_no_match '"commit":' "$out" "no commit in a dry run"

# dep add
expect_exit 0 ficus dep add web auth --kind reads --weight 2 --dry-run
expect_match "^    map: 'web' reads 'auth'$" "$out"
expect_match '^    Ficus-Action: dep-add$' "$out"
expect_match '^    Ficus-To: auth reads weight 2$' "$out"
expect_match '^    domains/web.json$' "$out"
expect_eq "" "$(ficus dep list)" "no dependency after a dry run"
# dry runs still check their input
expect_exit 1 ficus dep add web nosuch --dry-run
expect_exit 2 ficus dep add web web --dry-run
expect_exit 1 ficus domain add auth --owner someone-else --dry-run

# map import (file and stdin)
cat >map.json <<'JSON'
{"version": 1, "domains": [
  {"name": "auth", "rps": 3},
  {"name": "search", "depends_on": [{"domain": "auth"}]}
]}
JSON
expect_exit 0 ficus map import map.json --dry-run
expect_match '^    map: import 2 domains \(1 new\)$' "$out"
expect_match '^    Ficus-Action: map-import$' "$out"
expect_match '^    domains/search.json$' "$out"
expect_match '^    domains/auth.json$' "$out"
expect_exit 0 ficus map import --replace - --dry-run <map.json
expect_match 'replacing the map' "$out"
expect_match '^    domains/web.json$' "$out" "--replace dry run names the file it would remove"
expect_exit 1 ficus map import --dry-run - <<<'{"version": 1, "domains": [{"name": "../x"}]}'
expect_exit 0 ficus domain list
expect_eq "auth web " "$(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ')" "no domain imported by a dry run"

# other writers
expect_exit 0 ficus domain set auth --owner x --dry-run
expect_match "map: edit domain 'auth'" "$out"
expect_exit 0 ficus domain rm web --dry-run
expect_match "map: remove domain 'web'" "$out"

# none of it changed the database, HEAD, the work tree or the journal
expect_unchanged plan "$before" "dry runs change nothing"
expect_eq "$n" "$(commit_count plan)" "no commit for dry runs"
expect_eq "$files_before" "$(cd plan && find . -path ./.git -prune -o -type f -print | sort)" "no file written"
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean"
expect_eq 0 "$(sqlite3 plan/.git/ficus/plan.db "SELECT count(*) FROM journal WHERE state <> 'applied'")" "no journal row pending"
expect_eq "$n" "$(sqlite3 plan/.git/ficus/plan.db "SELECT count(*) FROM journal")" "no journal row added"

# the real change writes what the dry run said
dry=$(ficus dep add web auth --kind reads --dry-run | sed -n 's/^    \(map: .*\)$/\1/p')
expect_exit 0 ficus dep add web auth --kind reads
expect_eq "$dry" "$(git -C plan log -1 --format=%s)" "dry run subject is the real subject"
done_testing
