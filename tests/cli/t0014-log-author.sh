#!/bin/bash
# The author of a change: --actor, else FICUS_ACTOR, else git's user.name
# and user.email; the committer is ficus.  -m is the commit body, without
# control characters.
. "$(dirname "$0")/lib.sh"
new_plan

author() { git -C plan log -1 --format='%an <%ae>'; }

# FICUS_ACTOR (set by lib.sh)
expect_exit 0 ficus domain add a1
expect_eq "Test Lead <lead@example.com>" "$(author)" "author from FICUS_ACTOR"
expect_eq "ficus" "$(git -C plan log -1 --format=%cn)" "committer is ficus"

# --actor wins over FICUS_ACTOR, before or after the verb
expect_exit 0 ficus --actor "Ana Lead <ana@example.com>" domain add a2
expect_eq "Ana Lead <ana@example.com>" "$(author)" "author from --actor before the verb"
expect_exit 0 ficus domain add a3 --actor "Bo Sre <bo@example.com>"
expect_eq "Bo Sre <bo@example.com>" "$(author)" "author from --actor after the verb"
expect_eq "ficus" "$(git -C plan log -1 --format=%cn)" "committer is ficus with --actor"

# git config user.name/user.email (tests/run.sh sets them in a temporary HOME)
(
	unset FICUS_ACTOR
	"$FICUS" domain add a4 >/dev/null
) || fail "add a4 without FICUS_ACTOR"
expect_eq "$(git config user.name) <$(git config user.email)>" "$(author)" "author from git config"
# the plan's own config wins over the global one
git -C plan config user.name "Plan Person"
git -C plan config user.email "plan@example.com"
(
	unset FICUS_ACTOR
	"$FICUS" domain add a5 >/dev/null
) || fail "add a5 without FICUS_ACTOR"
expect_eq "Plan Person <plan@example.com>" "$(author)" "author from the plan's git config"
git -C plan config --unset user.name
git -C plan config --unset user.email


# ficus log and --json show the author
expect_exit 0 ficus log -n 1 --json
expect_match '"author": "ficus tests"|"author": "Plan Person"' "$out"
expect_exit 0 ficus log -n 5
expect_match 'Bo Sre' "$out"
expect_match 'Ana Lead' "$out"

# a bad actor is refused before anything changes
before=$(snapshot plan)
expect_exit 2 ficus domain add a6 --actor "Name <unterminated"
expect_exit 2 ficus domain add a6 --actor "$(printf 'Evil\nName <e@x>')"
expect_exit 2 ficus domain add a6 --actor "Name <a@b> trailing"
expect_unchanged plan "$before" "bad actors change nothing"

# -m/--reason is the commit body
expect_exit 0 ficus domain add a7 -m "split out first: it scales 10x at peak"
expect_eq "split out first: it scales 10x at peak" "$(git -C plan log -1 --format=%b | sed '/^Ficus-/d;/^$/d')" "-m is the body"
expect_eq "map: add domain 'a7'" "$(git -C plan log -1 --format=%s)" "subject is the action"
expect_exit 0 ficus domain add a8 --reason "$(printf 'first paragraph\n\nsecond paragraph')"
body=$(git -C plan log -1 --format=%B)
expect_match '^first paragraph$' "$body"
expect_match '^second paragraph$' "$body"
expect_match '^Ficus-Action: domain-add$' "$(trailers HEAD)" "trailers still parse after a two-paragraph reason"
expect_exit 0 ficus log -n 1
expect_match '^    \| first paragraph$' "$out" "ficus log shows the reason"
expect_exit 0 ficus log -n 1 --json
expect_match '"body": "first paragraph\\n\\nsecond paragraph"' "$out" "json body"

# control characters in the reason are stripped
expect_exit 0 ficus domain add a9 -m "$(printf 'ok\033[31m red\007 bell\r\b back\001')"
msg=$(git -C plan log -1 --format=%B)
expect_no_match "$(printf '[\001-\011\013-\037\177]')" "$msg" "no control characters in the commit message"
expect_match 'ok.*red.*bell.*back' "$msg" "the printable text stays"
expect_match '^Ficus-Action: domain-add$' "$(trailers HEAD)" "trailers parse after a hostile reason"
expect_exit 0 ficus log -n 1
expect_no_match "$(printf '\033')" "$out" "no escape in ficus log"

# a reason cannot forge trailers: a fake trailer line in the body does not
# replace the real ones at the end
expect_exit 0 ficus domain add a10 -m "$(printf 'Ficus-Action: rollback\nFicus-Change: 0000000000')"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: domain-add$' "$trl" "real action in the trailers"
expect_eq 1 "$(printf '%s\n' "$trl" | grep -c '^Ficus-Change:')" "one Ficus-Change"
expect_no_match '0000000000' "$trl" "forged change id is not a trailer"

# a whitespace-only reason adds no body
expect_exit 0 ficus domain add a11 -m "   "
expect_eq "" "$(git -C plan log -1 --format=%b | sed '/^Ficus-/d;/^$/d')" "blank reason, no body"
ficus verify -q || fail "verify"

# the identity comes from git config through libgit2
# (a HOME of this test's own: the suite's global config is shared)
mkdir -p "$T/home"
printf '[core]\n\tautocrlf = false\n[User]\n\tName = Cy Plain\n# a comment\n\temail=cy@example.com\n[user "x"]\n\tname = Not This\n' >"$T/home/.gitconfig"
(
	unset FICUS_ACTOR
	HOME=$T/home "$FICUS" domain set a1 --rps 11 >/dev/null
) || fail "a change, its author from git config"
expect_eq "Cy Plain <cy@example.com>" "$(author)" "author from git config"
expect_eq "$(HOME=$T/home git -C plan config user.name) <$(HOME=$T/home git -C plan config user.email)>" "$(author)" \
	"the same identity git reads"
# an include is followed as git follows it
printf '[user]\n\tname = Di Included\n\temail = di@example.com\n' >"$T/home/inc.cfg"
printf '[include]\n\tpath = %s\n' "$T/home/inc.cfg" >"$T/home/.gitconfig"
(
	unset FICUS_ACTOR
	HOME=$T/home "$FICUS" domain set a1 --rps 13 >/dev/null
) || fail "a change with an included identity"
expect_eq "Di Included <di@example.com>" "$(author)" "author from an included file"

done_testing
