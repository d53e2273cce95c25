#!/bin/bash
# Analysis checks: 'check add|set|rm' validate strictly, write the
# definition into the service's plan file (one commit each, --dry-run
# changes nothing, --json has one envelope), survive a rebuild; 'check run'
# records pass, fail, no-data and error against a loopback Prometheus
# stand-in; the ramp gate needs analysis_passes passes since the step began
# and fewer failures than failure_limit, and no-data counts for neither.
. "$(dirname "$0")/lib.sh"

new_plan
now_at +0s
start_prom 0.003
Q='sum(rate(ficus_requests_total{flag="{{flag}}",side="new",class="5xx"}[{{step_since}}]))'
must domain add tracking --rps 100
fast_service tracking tracking

# ---- validation: each refused with a clear message, nothing committed ----
n=$(commit_count "$FICUS_PLAN")
before=$(snapshot "$FICUS_PLAN")
bad() {
	local re=$1
	shift
	expect_exit "$want" ficus check add tracking err "$@"
	expect_match "$re" "$err" "refused: $*"
}
want=2
bad "needs --command CMD or --prometheus" --max 1
bad "needs --query" --prometheus "$PROM"
# a bad value is invalid input: exit 2, like a bad percentage
bad "must be an http:// or https:// URL" --prometheus ftp://x --query up
bad "must be an http:// or https:// URL" --prometheus "http://a b" --query up
bad "'min' 2 is above 'max' 1" --prometheus "$PROM" --query up --min 2 --max 1
bad "not a finite number" --prometheus "$PROM" --query up --max lots
bad "not a duration of 1s or more" --prometheus "$PROM" --query up --interval 0s
bad "not a duration of 1s or more" --prometheus "$PROM" --query up --interval soon
bad "whole number from 1 to 1000" --prometheus "$PROM" --query up --failure-limit 0
bad "'no_data' must be \"hold\" or \"fail\"" --prometheus "$PROM" --query up --no-data maybe
bad "the query names '{{tenant}}'" --prometheus "$PROM" --query 'up{t="{{tenant}}"}'
bad "give one of them" --prometheus "$PROM" --query up --token-env A --token-file /x
bad "'token_env' must name an environment variable" --prometheus "$PROM" --query up --token-env 'A B'
bad "'token_file' must be an absolute path" --prometheus "$PROM" --query up --token-file rel/tok
bad "longer than 4096 bytes" --prometheus "$PROM" --query "$(head -c 5000 /dev/zero | tr '\0' 'x')"
bad "takes --command and --timeout only|takes no --command" --command true --max 1
expect_exit 1 ficus check add nosuch err --prometheus "$PROM" --query up
expect_match "service 'nosuch'" "$err"
expect_eq "$n" "$(commit_count "$FICUS_PLAN")" "no commit for refused definitions"
expect_unchanged "$FICUS_PLAN" "$before" "refused definitions change nothing"

# ---- dry run, then the real add, its file and commit ----
expect_exit 0 ficus check add tracking err --prometheus "$PROM" --query "$Q" --max 0.01 --interval 30s --dry-run
expect_unchanged "$FICUS_PLAN" "$before" "--dry-run changes nothing"
expect_exit 0 ficus --json check add tracking err --prometheus "$PROM" --query "$Q" --max 0.01 --interval 30s
expect_json "$out" "check add --json"
expect_match '"ok": true' "$out"
expect_eq $((n + 1)) "$(commit_count "$FICUS_PLAN")" "check add is one commit"
expect_eq "check-add" "$(trailer Ficus-Action)" "Ficus-Action of check add"
f=$(svc_file tracking)
expect_match '"prometheus": "http://127.0.0.1:' "$f" "the definition is in the plan file"
expect_match '"failure_limit": 3' "$f" "defaults are written out"
expect_match '"no_data": "hold"' "$f"
expect_match '"interval": "30s"' "$f"
# the same again is nothing to do; another under the same name is refused
expect_exit 0 ficus check add tracking err --prometheus "$PROM" --query "$Q" --max 0.01 --interval 30s
expect_eq $((n + 1)) "$(commit_count "$FICUS_PLAN")" "the same add again commits nothing"
expect_exit 1 ficus check add tracking err --prometheus "$PROM" --query up
expect_match "check set tracking err" "$err"
# set: did you mean, kind kept, fields changed
expect_exit 1 ficus check set tracking eror --max 0.02
expect_match "did you mean 'err'" "$err"
expect_exit 2 ficus check set tracking err --command true
expect_exit 0 ficus check set tracking err --max 0.02 --failure-limit 2 --token-env PROM_TOKEN
f=$(svc_file tracking)
expect_match '"max": 0.02' "$f"
expect_match '"failure_limit": 2' "$f"
expect_match '"token_env": "PROM_TOKEN"' "$f"
expect_exit 0 ficus check set tracking err --max 0.01 --failure-limit 3 --token-env ''
expect_no_match 'token_env' "$(svc_file tracking)" "an empty --token-env removes it"
# the old form still works next to it
must service set tracking --check reconcile='echo rows ok'
must check add tracking rm-me --command 'true'
expect_exit 1 ficus check rm tracking rm-mee
expect_match "did you mean 'rm-me'" "$err"
expect_exit 0 ficus check rm tracking rm-me --dry-run
expect_match 'rm-me' "$(svc_file tracking)" "rm --dry-run keeps it"
expect_exit 0 ficus check rm tracking rm-me
expect_no_match 'rm-me' "$(svc_file tracking)" "rm removes it"
expect_eq "check-rm" "$(trailer Ficus-Action)"

# ---- check run: pass, fail, no-data, error ----
run_check() { # ANSWER EXIT
	echo "$1" >"$T/answer"
	expect_exit "$2" ficus check run tracking err
}
run_check 0.003 0
expect_match 'err +pass .*err=0.003 <= 0.01; query: sum\(rate\(ficus_requests_total\{flag="tracking",side="new",class="5xx"\}\[[0-9]+s\]\)\)' "$out"
expect_match 'err pass: err=0.003 <= 0.01; query: sum' "$(trailer Ficus-Check)" "the commit carries value and query"
run_check empty 0
expect_match 'no-data' "$out"
expect_match 'no verdict' "$err"
expect_match 'err no-data: ' "$(trailer Ficus-Check)"
run_check error 0
expect_match 'err +error' "$out"
run_check 0.5 3
expect_match 'err +FAIL .*err=0.5 > 0.01' "$out"
echo 0.003 >"$T/answer"
expect_exit 0 ficus --json check run tracking err
expect_json "$out" "check run --json"
expect_match '"outcome": "pass"' "$out"
expect_match '"value": 0.003' "$out"
# status --json and the plan file carry the outcome
expect_exit 0 ficus --json status tracking
expect_match '"outcome": "no-data"' "$out" "status --json shows no-data"
expect_match '"outcome": "error"' "$(svc_file tracking)" "the plan file keeps error"
# no-data is not a failure: last_failure names only the real failure
expect_exit 0 ficus check run tracking reconcile
expect_eq 1 "$(svc_file tracking | grep -c '"err": "')" "one last failure of err"

# ---- tokens: read at use time, refused when the file is open to others, never stored ----
tok=Sekr3tPromToken77
printf '%s\n' "$tok" >"$T/prom.token"
chmod 644 "$T/prom.token"
must check add tracking tok --prometheus "$PROM" --query up --max 1 --token-file "$T/prom.token"
expect_exit 0 ficus check run tracking tok
expect_match 'tok +error .*readable or writable by group or others \(mode 0644\): refused; chmod 600 it' "$out"
chmod 600 "$T/prom.token"
echo 0.5 >"$T/answer"
expect_exit 0 ficus check run tracking tok
expect_match 'tok +pass .*tok=0.5 <= 1' "$out"
expect_match "auth: Bearer $tok" "$(cat "$T/answer.log")" "the token from the file is sent"
export PROM_TOKEN=$tok
must check set tracking tok --token-env PROM_TOKEN
expect_exit 0 ficus --json check run tracking tok
expect_match '"outcome": "pass"' "$out"
unset PROM_TOKEN
expect_exit 0 ficus check run tracking tok
expect_match "environment variable 'PROM_TOKEN' \(token_env\) is not set" "$out"
all="$(git -C "$FICUS_PLAN" log -p)$(sqlite3 "$FICUS_PLAN/.git/ficus/plan.db" .dump)"
expect_no_match "$tok" "$all" "the token reaches neither the plan nor the database"
must check rm tracking tok
echo 0.003 >"$T/answer"

# ---- rebuild keeps definitions and outcomes ----
db=$FICUS_PLAN/.git/ficus/plan.db
q="SELECT name, pass, coalesce(outcome, '-'), detail FROM check_result ORDER BY id"
res_before=$(sqlite3 "$db" "$q")
def_before=$(sqlite3 "$db" "SELECT checks FROM service")
expect_exit 0 ficus rebuild
expect_eq "$res_before" "$(sqlite3 "$db" "$q")" "results and outcomes survive rebuild"
expect_eq "$def_before" "$(sqlite3 "$db" "SELECT checks FROM service")" "definitions survive rebuild"
expect_exit 0 ficus verify

# ---- the ramp gate ----
now_at +30s
promote_n tracking 3
expect_eq "read-cutover 1%" "$(svc_state tracking)"
now_at +1m
expect_refused tracking "analysis err: 0 passes since the step began of the 3 needed"
echo 0.002 >"$T/answer"
for s in 2m 3m; do
	now_at +$s
	must check run tracking err
done
now_at +4m
echo empty >"$T/answer"
expect_exit 0 ficus check run tracking err
expect_refused tracking "analysis err: 2 passes since the step began of the 3 needed \(no-data and error do not count\)"
echo 0.001 >"$T/answer"
now_at +5m
must check run tracking err
now_at +6m
expect_exit 0 ficus promote tracking --dry-run
expect_match 'analysis err open \(3 pass since step, newest 0.001 <= 0.01\)' "$out"
expect_step tracking ramp "read-cutover 1%" "read-cutover 10%" 'analysis err open \(3 pass since step, newest 0.001 <= 0.01\)'
# failures since the new step: failure_limit closes it whatever the passes
echo 0.001 >"$T/answer"
for s in 7m 8m 9m; do now_at +$s; must check run tracking err; done
echo 0.9 >"$T/answer"
for s in 10m 11m; do now_at +$s; ficus check run tracking err >/dev/null 2>&1; done
now_at +12m
expect_exit 0 ficus promote tracking --dry-run
echo 0.9 >"$T/answer"
ficus check run tracking err >/dev/null 2>&1
now_at +13m
expect_refused tracking "analysis err: 3 failures since the step began, failure_limit 3"
# a plan-wide analysis_passes of 0 needs no passes, but failures still close
done_testing
