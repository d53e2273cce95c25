#!/bin/bash
# The README's first command: the live demo.  Builds ficus (make does),
# creates the demo plan, starts real nginx with the ficus Lua module on
# loopback as the router (two small upstreams: the monolith and the new
# service), a light traffic generator over many tenants, and opens the
# dashboard, where promoting tracking visibly moves the observed share of
# traffic.  Prometheus scrapes the router, tracking has an error-rate
# analysis check, and the watcher runs: breaking the new service (a file,
# see below) makes it roll tracking back within a few rounds.  Everything
# it starts is stopped when the dashboard quits.
# Where nginx cannot be started, it says so and uses the 'none' router.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
F=${FICUS:-$top/ficus}
work=$(mktemp -d "${TMPDIR:-/tmp}/ficus-demo.XXXXXX")
traffic_pid= watch_pid=
cleanup() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null
	[ -n "$traffic_pid" ] && kill "$traffic_pid" 2>/dev/null && wait "$traffic_pid" 2>/dev/null
	routers_cleanup 2>/dev/null
	echo "ficus demo: stopped the router, Prometheus and the traffic; the plan stays in $work/plan"
}
trap cleanup EXIT
. "$top/tests/lib/routers.sh"

# the demo's story is dated so that it ends now (the watcher needs a clock
# that moves); with FICUS_NOW set, it ends at that time instead
if [ -z "${FICUS_NOW:-}" ]; then
	export FICUS_DEMO_LIVE=1
fi
"$top/tools/demo-plan.sh" "$work/plan" >/dev/null || exit 1
unset FICUS_DEMO_LIVE
export FICUS_PLAN="$work/plan"
export FICUS_ACTOR=${FICUS_ACTOR:-"Demo Lead <lead@logistics.example>"}
export FICUS_DEMO_TOKEN
FICUS_DEMO_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export FICUS_TEST_TOKEN=$FICUS_DEMO_TOKEN

if nginx_start "$work/nginx" >/dev/null 2>"$work/nginx.err"; then
	"$F" router add edge --driver nginx-lua --replica "http://127.0.0.1:$NGINX_ADMIN_PORT" \
		--token-env FICUS_DEMO_TOKEN -q -m "the demo's nginx on loopback" >/dev/null
	"$F" router sync -q >/dev/null || echo "ficus demo: first sync did not reach nginx" >&2
	"$top/tools/traffic.sh" "http://127.0.0.1:$NGINX_PORT" "$work/observed" 2000 40 &
	traffic_pid=$!
	export FICUS_DASH_TRAFFIC="$work/observed"
	echo "ficus demo: nginx routes on 127.0.0.1:$NGINX_PORT; traffic is flowing"
	# Prometheus scrapes the router's /metrics (same bearer token as its admin API)
	(umask 077 && printf '%s' "$FICUS_DEMO_TOKEN" >"$work/prom-token")
	if PROM_TOKEN_FILE="$work/prom-token" prom_start "$work/prom" "127.0.0.1:$NGINX_ADMIN_PORT" \
		>/dev/null 2>"$work/prom.err"; then
		echo "ficus demo: Prometheus on $PROM_URL scrapes the router every second"
		"$F" check add tracking error-rate --prometheus "$PROM_URL" \
			--query 'ficus:error_rate:ratio_rate1m{flag="{{flag}}",side="new"}' --max 0.05 \
			--interval 5s --failure-limit 3 -q -m "5xx share of the new side, from the router's metrics" \
			>/dev/null || echo "ficus demo: the error-rate check could not be added" >&2
		"$F" watch --interval 5s --actor "ficus watch" >"$work/watch.log" 2>&1 &
		watch_pid=$!
		echo "ficus demo: the watcher checks tracking's error rate every 5s (log: $work/watch.log)"
		echo "ficus demo: break the new tracking service with:  touch $work/observed.fail-new"
		echo "ficus demo: (rm $work/observed.fail-new heals it); the watcher rolls tracking back"
	else
		echo "ficus demo: Prometheus could not be started ($(head -1 "$work/prom.err")): no live evidence"
	fi
else
	echo "ficus demo: nginx could not be started ($(head -1 "$work/nginx.err")); using the 'none' router:"
	echo "ficus demo: decisions are recorded, nothing is pushed"
fi
if [ -t 0 ] && [ -t 1 ]; then
	"$F" dash
else
	# no terminal (CI, a pipe): show the state and stop
	sleep 3
	"$F" status
	[ -f "$work/observed" ] && { echo "observed share on the new service:"; cat "$work/observed"; }
fi
