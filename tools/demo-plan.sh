#!/bin/bash
# Create the demo plan: the logistics platform of the strangler-fig story,
# with a few months of history (time moved with FICUS_NOW, no sleeping).
# The story ends on 2026-10-04 09:00 UTC; with FICUS_DEMO_LIVE=1 every date
# moves by the same amount so that it ends now (the live demo, whose
# watcher needs a clock that runs).
# Usage: tools/demo-plan.sh DIR   (DIR must not exist)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
F=${FICUS:-$top/ficus}
dir=$1
export FICUS_ACTOR="Dana Okafor <dana@logistics.example>"
shift=0
if [ "${FICUS_DEMO_LIVE:-}" = 1 ]; then
	shift=$(($(date +%s) - $(date -u -d 2026-10-04T09:00:00Z +%s)))
fi
at() { export FICUS_NOW=$(($(date -u -d "$1" +%s) + shift)); }

at 2026-09-01T09:00:00Z
"$F" init -q "$dir" >/dev/null
export FICUS_PLAN
FICUS_PLAN=$(cd "$dir" && pwd)
"$F" map import "$top/contrib/demo/logistics-map.json" -q -m "domain map from the architecture review"
"$F" service add tracking --domain tracking --route /api/tracking -q \
	--check reconcile='echo "row counts match: 41822/41822"' \
	-m "first extraction: highest read traffic, pure query workload"
"$F" service add notifications --domain notifications --route /api/notifications -q \
	--check reconcile='echo "delivery log checksums match"' -m "already quasi-isolated"
"$F" service add documents --domain documents --route /api/documents -q \
	-m "CPU-bound rendering needs its own worker pool"
"$F" service add auth --domain auth --route /api/auth --needs tracking -q \
	-m "highest coupling; after tracking has proven the routing layer"

at 2026-09-02T10:00:00Z
"$F" promote tracking -q -m "tracking service deployed; dual-write on"
"$F" shadow tracking on -q -m "compare responses while the new store fills"
at 2026-09-05T10:00:00Z
"$F" promote notifications -q -m "async queue in place; dual-write on"
at 2026-09-17T10:00:00Z
"$F" promote tracking -q -m "two weeks of dual-write without divergence"
for d in 17T12 18T12 19T12; do
	at "2026-09-${d}:00:00Z"
	"$F" check run tracking -q >/dev/null
done
at 2026-09-19T15:00:00Z
"$F" promote tracking -q -m "three clean reconciliations; start the ramp at 1%"
at 2026-09-27T09:00:00Z
"$F" promote tracking -q -m "error rate flat for a week at 1%"
at 2026-09-28T10:00:00Z
"$F" promote notifications -q -m "dual-write clean for three weeks"
at 2026-09-29T09:00:00Z
"$F" check record notifications reconcile --pass --detail "delivery log checksums match" -q
echo "demo plan created in $FICUS_PLAN"
