#!/bin/bash
# tenant route: bucket = crc32("<flag>:<tenant>") mod 10000 (IEEE crc32),
# new iff bucket < basis points; sticky and monotone as the flag ramps.
# The reference crc32 is computed here independently: gzip's trailer holds
# the IEEE crc32 of its input.
. "$(dirname "$0")/lib.sh"
new_plan

# crc_ref STRING: IEEE crc32 of STRING, read from gzip's trailer (little-endian)
crc_ref() {
	local b
	read -r -a b < <(printf '%s' "$1" | gzip -c | tail -c 8 | od -An -tu1 -N4)
	echo $((b[0] + b[1] * 256 + b[2] * 65536 + b[3] * 16777216))
}
expect_eq 3421780262 "$(crc_ref 123456789)" "the reference crc32 (check value of CRC-32/IEEE)"
if command -v python3 >/dev/null 2>&1 && python3 -c '' 2>/dev/null; then
	expect_eq "$(python3 -c 'import zlib; print(zlib.crc32(b"tracking:t42"))')" "$(crc_ref tracking:t42)" "gzip and zlib agree"
fi

now_at +0s
must domain add tracking --rps 100
must service add trk --domain tracking --route /api/tracking --flag tracking \
	--gate dual_write_min=0s --gate reconcile_passes=0 --gate step_soak=0s
must service add other --domain tracking --route /api/other

# the bucket of t42 under the flag 'tracking' (not the service name)
expect_exit 0 ficus tenant route t42 trk --json
expect_json "$out"
expect_match '"bucket": '"$(( $(crc_ref tracking:t42) % 10000 ))"',' "$out" "bucket of t42"
expect_match '"flag": "tracking"' "$out"
expect_match '"side": "monolith"' "$out" "planned: everyone on the monolith"
# without a service: every service
expect_exit 0 ficus tenant route t42
expect_eq 2 "$(grep -c . <<<"$out")" "one line per service"
expect_match "^other	other	$(( $(crc_ref other:t42) % 10000 ))	0%	monolith	-	t42$" "$out"

# sides at each ramp step, for tenants spread over the buckets (t864 and
# t722 fall below 1%, t6 and t83 below 10%); monotone
tenants=(t864 t722 t6 t83 acme "tenant with spaces" a:b t42)
declare -A bucket was_new
for t in "${tenants[@]}"; do bucket[$t]=$(( $(crc_ref "tracking:$t") % 10000 )); done
promote_n trk 3
for pct in 1 10 50 100; do
	bp=$((pct * 100))
	[ "$(svc_key trk traffic)" = "$pct%" ] || must promote trk
	expect_eq "read-cutover $pct%" "$(svc_state trk)" "ramp at $pct%"
	n_new=0
	for t in "${tenants[@]}"; do
		if [ "${bucket[$t]}" -lt "$bp" ]; then want=new; else want=monolith; fi
		expect_exit 0 ficus tenant route "$t" trk
		expect_eq "trk	tracking	${bucket[$t]}	$pct%	$want	-	$t" "$out" "route of '$t' at $pct%"
		if [ -n "${was_new[$t]:-}" ]; then
			expect_eq new "$want" "'$t' on new stays on new at $pct%"
		fi
		[ "$want" = new ] && was_new[$t]=1 && n_new=$((n_new + 1))
	done
	check "some tenants on new at $pct% ($n_new)" test "$n_new" -ge 2
done
expect_eq "${#tenants[@]}" "${#was_new[@]}" "everyone on new at 100%"
# a rollback sends everyone back, the buckets do not move
must rollback trk
expect_exit 0 ficus tenant route t42 trk --json
expect_match '"side": "monolith"' "$out"
expect_match '"bucket": '"$(( $(crc_ref tracking:t42) % 10000 ))"',' "$out"

# bad input
expect_exit 2 ficus tenant route ''
expect_exit 2 ficus tenant route "$(printf 'a%.0s' {1..300})"
expect_exit 2 ficus tenant route $'a\nb'
expect_exit 1 ficus tenant route t1 nosuch
expect_exit 2 ficus tenant route
done_testing
