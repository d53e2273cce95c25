#!/bin/bash
# "Did you mean": a mistyped verb, option, service, domain, router or check
# name is an error that names the close ones; an unknown name is an error
# everywhere (exit 1), 'log NAME' included.
. "$(dirname "$0")/lib.sh"
new_plan
must domain add tracking
must domain add billing
must service add tracking --domain tracking --route /api/tracking \
	--check "reconcile=true"
must router add edge --driver none

# verbs and options: usage errors (exit 2)
expect_exit 2 ficus promot tracking
expect_match "'promot' is not a ficus verb; did you mean 'promote'\?" "$err"
expect_exit 2 ficus stauts
expect_match "did you mean 'status'\?" "$err"
expect_exit 2 ficus frobnicate
expect_no_match "did you mean" "$err" "nothing close, nothing offered"
expect_exit 2 ficus promote tracking --dryrun
expect_match "unknown option '--dryrun'; did you mean '--dry-run'\?" "$err"
expect_exit 2 ficus service set tracking --routers edge
expect_match "did you mean '--router' or '--route'\?" "$err"
expect_exit 2 ficus --jsn status
expect_match "did you mean '--json'\?" "$err"

# names: errors (exit 1), nothing changed
before=$(snapshot plan)
expect_exit 1 ficus promote trackng
expect_match "service 'trackng' does not exist; did you mean 'tracking'\?" "$err"
expect_exit 1 ficus rollback trackin
expect_match "did you mean 'tracking'\?" "$err"
expect_exit 1 ficus status trakcing
expect_match "did you mean 'tracking'\?" "$err"
expect_exit 1 ficus domain show biling
expect_match "domain 'biling' does not exist; did you mean 'billing'\?" "$err"
expect_exit 1 ficus service add other --domain trackng --route /api/other
expect_match "did you mean 'tracking'\?" "$err"
expect_exit 1 ficus router rm egde
expect_match "no router named 'egde'; did you mean 'edge'\?" "$err"
expect_exit 1 ficus check run tracking reconcil
expect_match "no check 'reconcil' configured; did you mean 'reconcile'\?" "$err"
expect_unchanged plan "$before" "mistyped names change nothing"

# fixed: 'ficus log trackin' printed nothing and exited 0
expect_exit 1 ficus log trackin
expect_match "no service or domain 'trackin'.*did you mean 'tracking'\?" "$err"
expect_exit 1 ficus log trackin --json
# a known name with history, and a removed service's history, still work
expect_exit 0 ficus log tracking
expect_match "tracking: add service" "$out"
must service add gone --domain billing --route /api/gone
must service rm gone
expect_exit 0 ficus log gone
expect_match "gone: remove service" "$out"

# mistyped sub-verbs: the usage error says what was meant
expect_exit 2 ficus domain ad x
expect_match "'ad' is not a domain verb; did you mean 'add'\?" "$err"
expect_exit 2 ficus router snyc
expect_match "did you mean 'sync'\?" "$err"
expect_exit 2 ficus service shwo tracking
expect_match "did you mean 'show'\?" "$err"
expect_exit 2 ficus map exprot
expect_match "did you mean 'export'\?" "$err"
expect_exit 2 ficus dep ad a b
expect_match "did you mean 'add'\?" "$err"
expect_exit 2 ficus check recrod tracking x --pass
expect_match "did you mean 'record'\?" "$err"
done_testing
