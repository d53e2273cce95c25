#!/bin/bash
# The concurrency torture with a replica that hangs, rebuilds running beside
# the writers, and four readers timing 'ficus status': every write commits
# once or loses with exit 4, no reader fails, the healthy router ends at the
# plan's values (FICUS_CONC_OPS sets the bound).
. "$(dirname "$0")/lib.sh"
out=$(HANG=1 REBUILDS=1 READERS=4 "$FICUS_SRC/tests/torture/concurrent.sh" 8 "${FICUS_CONC_OPS:-3}" 2>&1)
rc=$?
echo "$out" | tail -5
expect_eq 0 "$rc" "concurrency torture with a hung replica and rebuilds"
expect_match 'router verified' "$out"
expect_match 'reads: p50 [0-9]+ ms' "$out"
expect_match '[1-9][0-9]* rebuilds beside them' "$out"
done_testing
