#!/bin/bash
# A bounded crash torture run against a real nginx router (make torture
# runs one with 1000 kills; FICUS_TORTURE_KILLS sets the bound).
. "$(dirname "$0")/lib.sh"
kills=${FICUS_TORTURE_KILLS:-40}
out=$("$FICUS_SRC/tests/torture/crash.sh" "$kills" "${FICUS_TORTURE_SEED:-4242}" 2>&1)
rc=$?
echo "$out" | tail -5
expect_eq 0 "$rc" "crash torture"
expect_match "operations, $kills kills" "$out"
expect_match 'flags on the nginx router, verified' "$out"
done_testing
