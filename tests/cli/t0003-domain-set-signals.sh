#!/bin/bash
# ficus domain set: fields, signals (KEY=EVIDENCE adds or replaces, KEY= removes),
# tables ('' clears); a set that changes nothing is not a commit; bad values
# change nothing.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add tracking --owner team-a --rps 10 --tables t1,t2 --description old \
	--signal divergent-scaling=10x --signal deploy-contention=weekly >/dev/null || fail "add tracking"
n=$(commit_count plan)

# a set keeps the fields it does not name
expect_exit 0 ficus domain set tracking --owner team-b
expect_match "^map: edit domain 'tracking'" "$out"
expect_match '^Ficus-Action: domain-set$' "$(trailers HEAD)"
expect_exit 0 ficus domain show tracking --json
expect_match '"owner": "team-b"' "$out"
expect_match '"rps": 10,' "$out" "rps kept"
expect_match '"description": "old"' "$out" "description kept"
expect_match '"divergent-scaling": "10x"' "$out" "signal kept"
expect_eq $((n + 1)) "$(commit_count plan)" "one commit per set"

# signals: add, replace, remove
expect_exit 0 ficus domain set tracking --signal technology-mismatch="cobol vs go" --signal divergent-scaling=20x
expect_exit 0 ficus domain show tracking --json
expect_match '"technology-mismatch": "cobol vs go"' "$out" "signal added"
expect_match '"divergent-scaling": "20x"' "$out" "signal replaced"
expect_match '"deploy-contention": "weekly"' "$out" "other signal kept"
expect_exit 0 ficus domain set tracking --signal deploy-contention=
expect_exit 0 ficus domain show tracking --json
expect_no_match 'deploy-contention' "$out" "KEY= removes the signal"
expect_no_match 'deploy-contention' "$(git -C plan show HEAD:domains/tracking.json)" "removed from the plan file"
expect_eq 2 "$(ficus domain list | cut -f5)" "SIGNALS column counts signals"
# evidence may hold '='
expect_exit 0 ficus domain set tracking --signal deploy-contention="p99=3s"
expect_match '"deploy-contention": "p99=3s"' "$(ficus domain show tracking --json)" "evidence with '='"

# tables: replaced as a whole, trimmed, sorted; '' clears
expect_exit 0 ficus domain set tracking --tables ' zeta , alpha,,beta '
expect_exit 0 ficus domain show tracking
expect_match '^tables +alpha, beta, zeta$' "$out"
expect_exit 0 ficus domain set tracking --tables ''
expect_exit 0 ficus domain show tracking --json
expect_match '"tables": \[\]' "$out" "'' clears the tables"

# rps and description
expect_exit 0 ficus domain set tracking --rps 0.25 --description "new text"
expect_exit 0 ficus domain show tracking
expect_match '^req/s +0.25$' "$out"
expect_match '^description +new text$' "$out"

# a set that changes nothing: exit 0, says so, no commit
n=$(commit_count plan)
expect_exit 0 ficus domain set tracking --rps 0.25
expect_match 'nothing to do' "$err"
expect_eq "$n" "$(commit_count plan)" "no commit for a set that changes nothing"
expect_exit 0 ficus domain set tracking --signal nosuch-signal=
expect_match 'nothing to do' "$err" "removing a missing signal"
expect_eq "$n" "$(commit_count plan)" "no commit for removing a missing signal"

# bad values: usage status 2, nothing changes
before=$(snapshot plan)
expect_exit 2 ficus domain set tracking --signal no-equals-sign
expect_match 'NAME=EVIDENCE' "$err"
expect_exit 2 ficus domain set tracking --signal "Bad Key=x"
expect_match "signal name 'Bad Key' is invalid" "$err"
expect_exit 2 ficus domain set tracking --rps -1
expect_exit 2 ficus domain set tracking --rps abc
expect_exit 2 ficus domain set tracking --rps 1e13
expect_exit 2 ficus domain set tracking --rps nan
expect_exit 2 ficus domain set tracking --tables 'ok,bad table'
expect_match "table name 'bad table'" "$err"
expect_exit 2 ficus domain set tracking --tables "x;drop"
expect_exit 2 ficus domain set tracking --rps
expect_exit 1 ficus domain set tracking --description "$(head -c 5000 /dev/zero | tr '\0' d)"
expect_match 'longer than' "$err"
expect_exit 1 ficus domain set nosuch --owner x
expect_match "domain 'nosuch' does not exist" "$err"
expect_unchanged plan "$before" "bad sets change nothing"
expect_eq "$n" "$(commit_count plan)" "no commit for bad sets"
ficus verify -q || fail "verify after sets"
done_testing
