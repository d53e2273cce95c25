#!/bin/bash
# status --json: the plan-wide document writes each service's traffic and
# text as the document of that service alone does.  The plan-wide one has
# its own writer, checked against the reference one only on the first
# service of each shape; these services share one shape, the first with
# traffic that any writer prints alike, the others with decimals, tiny
# traffic that takes an exponent, six decimals, a sum that 15 digits do
# not hold, and a description with every kind of escape.
. "$(dirname "$0")/lib.sh"
new_plan
now_at +0s
while read -r svc rps; do
	must domain add "d-$svc" --rps "$rps"
	must service add "$svc" --domain "d-$svc" --route "/api/$svc"
done <<'EOF'
s-a-int 100
s-half 0.5
s-quarter 1234.25
s-small 0.0001
s-tinier 0.00005
s-six 123456.123456
s-big 99999999999.5
EOF
must domain add d-tenth --rps 0.1
must domain add d-fifth --rps 0.2
must service add s-sum --domain d-tenth,d-fifth --route /api/s-sum

# "NAME RPS" for each service of a --json status document
numbers() { awk '/^      "name": /{ n = $2 } /^      "rps": /{ print n, $2 }'; }

expect_exit 0 ficus --json status
json_valid "$out" || fail "plan-wide document is JSON"
all=$(printf '%s\n' "$out" | numbers)
expect_eq 8 "$(printf '%s\n' "$all" | wc -l)" "a traffic line per service"
for svc in s-a-int s-half s-quarter s-small s-tinier s-six s-big s-sum; do
	expect_exit 0 ficus --json status "$svc"
	one=$(printf '%s\n' "$out" | numbers)
	check "traffic of $svc as in its own document ($one)" grep -qxF -- "$one" <<<"$all"
done
expect_match '^"s-half", 0.5,$' "$all" "a decimal"
expect_match '^"s-tinier", 5e-05,$' "$all" "an exponent"
expect_match '^"s-six", 123456.123456,$' "$all" "six decimals"
expect_match '^"s-sum", 0.30000000000000004,$' "$all" "17 digits where 15 do not read back"

# strings: quotes, backslashes, controls, DEL and UTF-8
desc=$'tab\there "q" back\\slash \x01 bell\x07 del\x7f caf\xc3\xa9 end'
must service set s-six --description "$desc"
expect_exit 0 ficus --json status
all=$(printf '%s\n' "$out" | grep -F '"description": "tab')
expect_exit 0 ficus --json status s-six
one=$(printf '%s\n' "$out" | grep -F '"description": "tab')
expect_eq "$one" "$all" "an escaped description as in the service's own document"
expect_eq '      "description": "tab\there \"q\" back\\slash \u0001 bell\u0007 del\u007f café end",' "$all" \
	"the escapes of JSON"

done_testing
