#!/bin/bash
# The core reads in one direction (STYLE.md, "The floors of the core"):
# the graph of core/'s modules, joined by their #include "fc_*.h" lines,
# has no cycle.  A module is a file name without .c or .h; a cycle found
# is printed as a path, module by module.
. "$(dirname "$0")/lib.sh"

graph=$(cd "$FICUS_SRC/core" && for f in fc_*.c fc_*.h; do
	from=${f%.*}
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(fc_[A-Za-z0-9_]*\)\.h".*/\1/p' "$f" |
		while read -r to; do [ "$to" != "$from" ] && echo "$from $to"; done
done | sort -u)

cycle=$(echo "$graph" | python3 -c '
import sys
edges = {}
for line in sys.stdin:
    p = line.split()
    if len(p) == 2:
        edges.setdefault(p[0], []).append(p[1])
state, stack = {}, []
def visit(n):
    state[n] = 1
    stack.append(n)
    for m in sorted(edges.get(n, [])):
        if state.get(m) == 1:
            return stack[stack.index(m):] + [m]
        if not state.get(m):
            c = visit(m)
            if c:
                return c
    stack.pop()
    state[n] = 2
    return None
for n in sorted(edges):
    if not state.get(n):
        c = visit(n)
        if c:
            print(" -> ".join(c))
            break
')
check "core modules include each other in a cycle: ${cycle:-}" test -z "$cycle"
check "the include graph was read" test "$(echo "$graph" | wc -l)" -gt 50

# the change pipeline never talks to a router, and opening a plan only opens it
pipeline_up=$(echo "$graph" | awk '$1 == "fc_change" && $2 ~ /^fc_(router|rstate|rengine|reconcile|rreport|session)/ { print $2 }')
check "fc_change includes no router or session header: ${pipeline_up:-}" test -z "$pipeline_up"
plan_up=$(echo "$graph" | awk '$1 == "fc_plan" && $2 ~ /^fc_(change|session|router|rstate|rengine|reconcile|rreport|render)$/ { print $2 }')
check "fc_plan includes nothing of the pipeline, the routers or the session: ${plan_up:-}" test -z "$plan_up"
done_testing
