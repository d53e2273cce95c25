#!/bin/bash
# A bounded concurrency torture run: 8 writers with --expect on one plan,
# pushing to a real nginx router (make torture-concurrent runs 8 x 200;
# FICUS_CONC_OPS sets the bound).
. "$(dirname "$0")/lib.sh"
out=$("$FICUS_SRC/tests/torture/concurrent.sh" 8 "${FICUS_CONC_OPS:-20}" 2>&1)
rc=$?
echo "$out" | tail -5
expect_eq 0 "$rc" "concurrency torture"
expect_match 'lost the race' "$out"
expect_match 'router verified' "$out"
done_testing
