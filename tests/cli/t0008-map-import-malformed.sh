#!/bin/bash
# ficus map import of a malformed document: exit 1, a message that says
# where (line and column) or what, and neither the database nor HEAD change.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add auth --rps 3 >/dev/null || fail "add auth"
ficus domain add web >/dev/null || fail "add web"
ficus dep add web auth >/dev/null || fail "dep web auth"
n=$(commit_count plan)
before=$(snapshot plan)

# refused DOC PATTERN [DESC]: import DOC from a file exits 1 with a message
# matching PATTERN, and changes nothing; with stdin=1 also from stdin
stdin=1
refused() {
	printf '%s' "$1" >doc.json
	expect_exit 1 ficus map import doc.json
	expect_match "$2" "$err" "${3:-message}"
	if [ "$stdin" = 1 ]; then
		expect_exit 1 ficus map import - <doc.json
		expect_match "$2" "$err" "${3:-message} (stdin)"
	fi
	expect_unchanged plan "$before" "${3:-bad import} changes nothing"
}

# malformed JSON: line and column of the fault
refused $'{\n  "version": 1,\n  "domains": [\n    x\n  ]\n}\n' '^ficus: map: line 4, column 5: malformed JSON$' "bad value"
refused $'{\n  "version": 1,\n  "domains": [1 2]\n}\n' 'line 3, column 17' "missing comma in a list"
refused $'{\n  "version": 1\n  "domains": []\n}\n' 'line 3, column 3' "missing comma in an object"
refused $'{"version": 1, "domains": []} trailing' 'line 1, column 31: unexpected text after the document' "text after the document"
refused '' 'empty document' "empty document"
refused $'\n\n' 'malformed JSON|empty' "blank document"
refused $'{\n  "version": 1,\n  "domains": [\n' 'malformed JSON' "truncated document"
# fixed: where cJSON fails inside a string that should start (an unquoted key,
# a trailing comma) the column is one too far: this document fails at the
# 'o' of oops, line 3, column 5, and ficus says "line 3, column 6".
refused $'{\n  "version": 1,\n    oops: []\n}\n' 'line 3, column 5' "unquoted key"
refused $'{\n  "version": 1,\n    oops: []\n}\n' 'line 3, column [0-9]+: malformed JSON' "unquoted key"
# fixed: the same for a trailing comma: the '}' is at line 4, column 18; ficus says column 19.
refused $'{\n  "version": 1,\n  "domains": [\n    {"name": "a",}\n  ]\n}\n' 'line 4, column 18' "trailing comma"
refused $'{\n  "version": 1,\n  "domains": [\n    {"name": "a",}\n  ]\n}\n' 'line 4, column [0-9]+: malformed JSON' "trailing comma"

# well-formed but wrong
stdin=0 # the same reader as above: from a file is enough
refused '[]' "must be an object" "a list instead of an object"
refused '{"version": 1}' "'domains' must be a list" "no domains"
refused '{"version": 1, "domains": {}}' "'domains' must be a list" "domains not a list"
refused '{"version": 2, "domains": []}' "version 2 is not supported" "version 2"
refused '{"version": "1", "domains": []}' "version" "version as a string"
refused '{"version": 1, "domains": [], "extra": 1}' "unknown key 'extra'" "unknown top-level key"
refused '{"version": 1, "domains": ["auth"]}' "domain 1: a domain must be a JSON object" "a domain as a string"
refused '{"version": 1, "domains": [{"owner": "x"}]}' "domain 1: 'name' is missing" "no name"
refused '{"version": 1, "domains": [{"name": "a", "colour": "red"}]}' "map, domain 1: unknown key 'colour'" "unknown domain key"
refused '{"version": 1, "domains": [{"name": "a"}, {"name": "b", "colour": "red"}]}' "map, domain 2: unknown key 'colour'" "unknown key in domain 2"
refused '{"version": 1, "domains": [{"name": "a", "depends_on": [{"domain": "auth", "why": "x"}]}]}' "unknown dependency key 'why'" "unknown dependency key"
refused '{"version": 1, "domains": [{"name": "a", "rps": "fast"}]}' "rps" "rps as a string"
refused '{"version": 1, "domains": [{"name": "a", "tables": "users"}]}' "'tables' must be a list of strings" "tables as a string"
refused '{"version": 1, "domains": [{"name": "a", "tables": [1]}]}' "'tables' must be a list of strings" "a table as a number"
refused '{"version": 1, "domains": [{"name": "a", "signals": ["x"]}]}' "'signals' must be an object" "signals as a list"
refused '{"version": 1, "domains": [{"name": "a", "signals": {"x": 1}}]}' "signal 'x' must be a string" "signal as a number"
refused '{"version": 1, "domains": [{"name": "a", "depends_on": {"domain": "auth"}}]}' "'depends_on' must be a list" "depends_on as an object"
refused '{"version": 1, "domains": [{"name": "a", "depends_on": [{"kind": "calls"}]}]}' "lacks 'domain'" "dependency without domain"
refused '{"version": 1, "domains": [{"name": "a", "depends_on": [{"domain": "auth", "kind": "eats"}]}]}' "kind 'eats' is not calls" "unknown kind"

# unknown dependency target, duplicates, self-dependency
refused '{"version": 1, "domains": [{"name": "a", "depends_on": [{"domain": "nosuch"}]}]}' \
	"domain 'a' depends on unknown domain 'nosuch'" "unknown dependency target"
refused '{"version": 1, "domains": [{"name": "a"}, {"name": "b"}, {"name": "a", "rps": 2}]}' \
	"domain 'a' appears twice" "duplicate domain"
refused '{"version": 1, "domains": [{"name": "a", "depends_on": [{"domain": "auth"}, {"domain": "auth", "weight": 2}]}]}' \
	"dependency on 'auth' \(calls\) appears twice" "duplicate dependency"
refused '{"version": 1, "domains": [{"name": "a", "depends_on": [{"domain": "a"}]}]}' "depends on itself" "self-dependency"
refused '{"version": 1, "domains": [{"name": "a", "signals": {"x": "1", "x": "2"}}]}' "signal 'x' appears twice" "duplicate signal"

# a bad domain late in a long document: nothing of the good ones is imported
{
	printf '{"version": 1, "domains": ['
	for i in $(seq 1 200); do printf '{"name": "d%d"},' "$i"; done
	printf '{"name": "BAD"}]}'
} >long.json
expect_exit 1 ficus map import long.json
expect_match "map, domain 201: domain name 'BAD' is invalid" "$err"
expect_unchanged plan "$before" "a long document with one bad domain changes nothing"

# not a file
expect_exit 1 ficus map import "$T"
expect_unchanged plan "$before"
# too big
truncate -s 65M huge.json
expect_exit 1 ficus map import huge.json
expect_match "limit" "$err" "size limit"
rm -f huge.json

expect_eq "$n" "$(commit_count plan)" "no commit for any refused import"
expect_unchanged plan "$before" "all refused imports change nothing"
ficus verify -q || fail "verify"
done_testing
