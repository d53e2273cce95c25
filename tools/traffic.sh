#!/bin/bash
# A light background traffic generator for the live demo: requests for
# many tenants through the router, and the share each side served over
# the last WINDOW requests, per route, written to OUT every second:
#   tracking 0.103 200 0.000   (service, share on the new service, requests,
#                               share of 5xx answers on the new service)
# While the file OUT.fail-new exists, every request asks the demo's stub
# new service to fail (header X-Test-Fail-New: the stub answers 500; the
# monolith ignores it): `touch OUT.fail-new` breaks the new service,
# `rm OUT.fail-new` heals it.
# Usage: traffic.sh URL OUT [TENANTS] [RATE]   (stops on SIGTERM)
set -u
url=$1 out=$2 tenants=${3:-2000} rate=${4:-40}
window=400
routes=(tracking notifications)
declare -A hist
trap 'exit 0' TERM INT
while :; do
	fail=()
	[ -e "$out.fail-new" ] && fail=(-H "X-Test-Fail-New: 1")
	for r in "${routes[@]}"; do
		args=()
		for ((i = 0; i < rate / ${#routes[@]}; i++)); do
			args+=("$url/api/$r/status?tenant=t$((RANDOM % tenants))")
		done
		sides=$(curl -s --max-time 2 "${fail[@]}" -o /dev/null -w '%header{x-ficus-side} %{http_code}\n' \
			"${args[@]}" 2>/dev/null | tr -d '\r')
		hist[$r]=$(printf '%s\n%s\n' "${hist[$r]:-}" "$sides" | grep -E '^(new|old) ' | tail -n $window)
	done
	{
		for r in "${routes[@]}"; do
			printf '%s\n' "${hist[$r]}" | awk -v r="$r" '
				/./ { t++ } $1 == "new" { n++; if ($2 ~ /^5/) e++ }
				END { printf "%s %.3f %d %.3f\n", r, (t ? n / t : 0), t, (n ? e / n : 0) }'
		done
	} >"$out.tmp" && mv "$out.tmp" "$out"
	sleep 1
done
