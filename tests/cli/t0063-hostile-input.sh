#!/bin/bash
# Hostile input: hostile names, escape sequences in text, SQL
# metacharacters, a plan file replaced by a symlink, a million domains,
# 10 MB strings.  Each gets a clear message and its status, within
# bounded memory, and changes nothing it should not.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add web -q
before=$(snapshot plan)

for name in '../x' 'a/b' '..' '.hidden' '-rf' 'A' 'a b' $'a\033[31mb' $'tab\there' "$(printf 'x%.0s' {1..200})" 'tráfico' ''; do
	expect_exit 2 ficus domain add "$name"
	expect_no_match $'\033' "$err" "escape sequence echoed in the message"
done
expect_eq "$before" "$(snapshot plan)" "hostile names changed nothing"
check "no stray file" test ! -e "$T/x.json"
check "no stray file" test ! -e plan/x.json

# escape sequences and SQL metacharacters in text are stored verbatim and
# never reach the terminal raw
evil=$'\033]0;owned\007\033[2J'"'; DROP TABLE domain; --"
expect_exit 0 ficus domain set web --description "$evil" --owner "Robert'); DROP TABLE service;--"
expect_exit 0 ficus domain show web
expect_no_match $'\033' "$out" "raw escape in domain show"
expect_match "DROP TABLE domain" "$out" "SQL text kept verbatim"
expect_exit 0 ficus domain list
expect_no_match $'\033' "$out" "raw escape in domain list"
expect_exit 0 ficus log -n 1
expect_no_match $'\033' "$out" "raw escape in log"
expect_eq "1" "$(sqlite3 plan/.git/ficus/plan.db "SELECT count(*) FROM domain WHERE name = 'web'")" "domain table intact"
expect_exit 0 ficus verify

# a plan file in the work tree replaced by a symlink: ficus never reads or
# writes through it (commits come from the database; the checkout replaces
# the link, it does not follow it)
echo "precious" >"$T/victim"
rm -f plan/domains/web.json && ln -s "$T/victim" plan/domains/web.json
expect_exit 0 ficus domain set web --owner team-web
expect_eq "precious" "$(cat "$T/victim")" "the symlink target is untouched"
check "the link was replaced by the file" test ! -L plan/domains/web.json
expect_match '"owner": "team-web"' "$(git -C plan show HEAD:domains/web.json)"
expect_exit 0 ficus verify

# a million domains: refused with a clear message, within bounded memory
# (AddressSanitizer reserves terabytes of address space: no ulimit there)
vlimit=1500000
[ -n "${FICUS_ASAN:-}" ] && vlimit=unlimited
awk 'BEGIN { printf "{\"version\":1,\"domains\":["; for (i = 0; i < 1000000; i++) printf "%s{\"name\":\"d%d\"}", (i ? "," : ""), i; print "]}" }' >big.json
before=$(snapshot plan)
(ulimit -v $vlimit; "$FICUS" map import big.json >/dev/null 2>"$T/e"); rc=$?
expect_eq 1 "$rc" "a million domains"
expect_match "more than the limit of 100000" "$(cat "$T/e")"
expect_eq "$before" "$(snapshot plan)" "the refused import changed nothing"

# a 10 MB string: refused before it touches anything
head -c 10485760 /dev/zero | tr '\0' 'a' >ten
printf '{"version":1,"domains":[{"name":"huge","description":"%s"}]}' "$(cat ten)" >huge.json
(ulimit -v $vlimit; "$FICUS" map import huge.json >/dev/null 2>"$T/e"); rc=$?
expect_eq 1 "$rc" "a 10 MB description"
expect_match "longer than 4096 bytes" "$(cat "$T/e")"
(ulimit -v $vlimit; "$FICUS" domain set web --description "$(head -c 100000 ten)" >/dev/null 2>"$T/e"); rc=$?
expect_eq 1 "$rc" "a 100 kB description on the command line"
# a document over the size limit is refused before it is parsed
head -c 70000000 /dev/zero | tr '\0' ' ' >fat.json
(ulimit -v $vlimit; "$FICUS" map import fat.json >/dev/null 2>"$T/e"); rc=$?
expect_eq 1 "$rc" "a 70 MB document"
expect_match "larger than the limit" "$(cat "$T/e")"
expect_eq "$before" "$(snapshot plan)" "nothing changed"

# percentages and durations out of range
ficus service add web --domain web --route /api/web -q
for p in 101 100.01% -1 1.234% abc '' 10%%; do
	expect_exit 2 ficus promote web --to "$p" --force -m x
done
for d in 0x10 -5s 1y 999999999999 ''; do
	expect_exit 2 ficus --lock-timeout "$d" status
done
done_testing
