#!/bin/bash
# After every kind of change the work tree and the index match HEAD: files
# changed in place (refreshed without libgit2's checkout), added and removed
# files, a mix of both in one commit, an index that git itself rewrote (with
# its cached-tree extension), a plan file replaced by a symbolic link, and a
# file edited by hand.  What git sees is what ficus committed.
. "$(dirname "$0")/lib.sh"

clean() {
	expect_eq "" "$(git -C plan status --porcelain)" "$1: a clean work tree"
	expect_eq "" "$(git -C plan diff --cached --name-only)" "$1: the index is HEAD"
	expect_exit 0 git -C plan diff --quiet
	expect_exit 0 ficus verify
}

new_plan
export FICUS_NOW=2026-01-01T00:00:00Z
ficus map import - >/dev/null <<'JSON' || fail "import"
{"version": 1, "domains": [
  {"name": "tracking", "rps": 100, "depends_on": [{"domain": "auth"}]},
  {"name": "billing", "rps": 10, "depends_on": [{"domain": "auth"}]},
  {"name": "auth", "rps": 300}
]}
JSON
clean "import"

# added files
ficus -q service add tracking --domain tracking --route /api/tracking >/dev/null || fail "service add"
ficus -q service add billing --domain billing --route /api/billing >/dev/null || fail "service add billing"
clean "service add"

# changed in place: promotions and check results rewrite one file and PLAN.md
ficus -q promote tracking >/dev/null || fail "promote"
clean "promote"
ficus -q check record tracking reconcile --pass --detail "rows 10 = 10" >/dev/null || fail "check record"
clean "check record"
before=$(git -C plan rev-parse HEAD:services/tracking.json)
expect_eq "$before" "$(git -C plan hash-object services/tracking.json)" "the work file is HEAD's blob"

# an index git rewrote, with the cached-tree extension
git -C plan read-tree HEAD || fail "git read-tree"
git -C plan status --porcelain >/dev/null
ficus -q check record tracking reconcile --pass >/dev/null || fail "check record after git"
clean "after git rewrote the index"

# a file edited by hand is put back by the next change to it
echo '{"edited": true}' >plan/services/tracking.json
ficus -q check record tracking reconcile --fail --detail "rows differ" >/dev/null || fail "check over an edit"
clean "over a hand edit"

# a plan file replaced by a link: the link goes, its target is left alone
echo "outside" >"$T/outside"
rm plan/services/billing.json
ln -s "$T/outside" plan/services/billing.json
ficus -q check record billing reconcile --pass >/dev/null || fail "check over a link"
clean "over a link"
expect_eq "outside" "$(cat "$T/outside")" "the link's target is untouched"
check "the plan file is a file again" test -f plan/services/billing.json -a ! -L plan/services/billing.json

# removed and changed files in one commit (auth goes, the domains that used it change)
ficus -q service rm billing >/dev/null || fail "service rm"
clean "service rm"
ficus -q domain rm auth --force -m "auth moves to the SSO vendor" >/dev/null || fail "domain rm"
clean "domain rm"

expect_exit 0 git -C plan fsck --no-dangling
done_testing
