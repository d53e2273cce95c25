#!/bin/bash
# Idempotent adds: 'domain add', 'service add' and 'router add' of something
# that exists with the same attributes exit 0 with "nothing to do" and make
# no commit; with other attributes exit 1 naming the difference and the
# verb that changes it.
. "$(dirname "$0")/lib.sh"
new_plan
must domain add tracking --owner team-a --rps 40
must service add tracking --domain tracking --route /api/tracking
must router add edge --driver none
n=$(commit_count plan)
before=$(snapshot plan)

# the same again: a script that sets up a plan can run twice
expect_exit 0 ficus domain add tracking --owner team-a --rps 40
expect_match "nothing to do" "$err"
expect_exit 0 ficus domain add tracking
expect_exit 0 ficus service add tracking --domain tracking --route /api/tracking
expect_match "nothing to do: service 'tracking' already exists with these attributes" "$err"
expect_exit 0 ficus router add edge --driver none
expect_match "nothing to do" "$err"
expect_exit 0 ficus service add tracking --domain tracking --route /api/tracking --json
expect_json "$out"
expect_unchanged plan "$before" "adding the same things again changes nothing"
expect_eq "$n" "$(commit_count plan)" "no commit for an add that is nothing to do"

# other attributes: exit 1, the difference named, and the verb that changes it
expect_exit 1 ficus domain add tracking --owner team-b
expect_match "domain 'tracking' already exists and differs: owner is \"team-a\", not \"team-b\" \(change it with 'ficus domain set tracking'\)" "$err"
expect_exit 1 ficus service add tracking --domain tracking --route /api/v2/tracking
expect_match "differs: route is \"/api/tracking\", not \"/api/v2/tracking\" \(change it with 'ficus service set tracking'\)" "$err"
expect_exit 1 ficus router add edge --driver haproxy --replica http://127.0.0.1:1
expect_match "router 'edge' already exists and differs: driver is \"none\", not \"haproxy\"" "$err"
expect_unchanged plan "$before" "a different add changes nothing"

# an add still adds; a service that moved on is still "the same" when asked the same
must service set tracking --gate dual_write_min=0s
must promote tracking
expect_exit 0 ficus service add tracking --domain tracking --route /api/tracking
expect_match "nothing to do" "$err"
done_testing
