#!/bin/bash
# A light background traffic generator for the live demo: requests for
# many tenants through the router, and the share each side served over
# the last WINDOW requests, per route, written to OUT every second:
#   tracking 0.103 200      (service, share on the new service, requests)
# Usage: traffic.sh URL OUT [TENANTS] [RATE]   (stops on SIGTERM)
set -u
url=$1 out=$2 tenants=${3:-2000} rate=${4:-40}
window=400
routes=(tracking notifications)
declare -A hist
trap 'exit 0' TERM INT
while :; do
	for r in "${routes[@]}"; do
		args=()
		for ((i = 0; i < rate / ${#routes[@]}; i++)); do
			args+=("$url/api/$r/status?tenant=t$((RANDOM % tenants))")
		done
		sides=$(curl -s --max-time 2 -o /dev/null -w '%header{x-ficus-side}\n' "${args[@]}" 2>/dev/null | tr -d '\r')
		hist[$r]=$(printf '%s\n%s\n' "${hist[$r]:-}" "$sides" | grep -E '^(new|old)$' | tail -n $window)
	done
	{
		for r in "${routes[@]}"; do
			total=$(printf '%s\n' "${hist[$r]}" | grep -c .)
			new=$(printf '%s\n' "${hist[$r]}" | grep -c '^new$')
			awk -v r="$r" -v n="$new" -v t="$total" 'BEGIN { printf "%s %.3f %d\n", r, (t ? n / t : 0), t }'
		done
	} >"$out.tmp" && mv "$out.tmp" "$out"
	sleep 1
done
