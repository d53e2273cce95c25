#!/bin/bash
# FICUS_DASH_FRAMES=N stops a headless run after N frames (make bench
# times the first frame with 1).  The first frame already shows the
# services, their gates and the detail pane; the keys of the script are
# not read.  A bad value is refused with exit 2.
. "$(dirname "$0")/lib.sh"
demo_plan

dash_script -e FICUS_DASH_FRAMES=1 "G" "dump:$T/never.txt"
expect_eq 0 "$dash_rc" "one frame: exit 0"
expect_match '^ ficus +plan: ' "$screen" "header in the first frame"
expect_match '▸ auth ' "$screen" "services table, first row selected (the script's G was not read)"
expect_match 'next +planned → dual-write \(advance\) +✓ gates open' "$screen" "gates in the first frame"
check "the script was not run" test ! -e "$T/never.txt"

dash_script -e FICUS_DASH_FRAMES=0
expect_eq 2 "$dash_rc" "FICUS_DASH_FRAMES=0 refused"
expect_match "FICUS_DASH_FRAMES '0' is not a number of frames" "$dash_err" "and says why"
done_testing
