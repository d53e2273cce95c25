#!/bin/bash
# The README's first command: build ficus, create the demo plan, show it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
F=${FICUS:-$top/ficus}
dir=${FICUS_DEMO_DIR:-$top/demo-plan}
if [ ! -d "$dir" ]; then
	"$top/tools/demo-plan.sh" "$dir"
fi
export FICUS_PLAN="$dir"
export FICUS_NOW=${FICUS_NOW:-2026-10-04T09:00:00Z}
echo
echo "== ficus order --explain (outside-in)"
"$F" order --explain
echo
echo "== ficus order --strategy blast-radius --explain"
"$F" order --strategy blast-radius --explain
echo
echo "== ficus status (at $FICUS_NOW)"
"$F" status
echo
echo "== ficus status tracking"
"$F" status tracking
echo
echo "== ficus log tracking -n 3"
"$F" log tracking -n 3
echo "The plan is in $dir (a git repository: try 'git -C $dir log')."
echo "Try: FICUS_PLAN=$dir FICUS_NOW=$FICUS_NOW ./ficus promote tracking --dry-run"
