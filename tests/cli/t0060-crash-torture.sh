#!/bin/bash
# A bounded crash torture run (make torture runs one with 1000 kills).
. "$(dirname "$0")/lib.sh"
out=$("$FICUS_SRC/tests/torture/crash.sh" 40 "${FICUS_TORTURE_SEED:-4242}" 2>&1)
rc=$?
echo "$out" | tail -5
expect_eq 0 "$rc" "crash torture"
expect_match 'operations, 40 kills' "$out"
done_testing
