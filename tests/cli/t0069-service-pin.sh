#!/bin/bash
# service pin: tenants pinned in and out, one commit per change with the
# tenants in the body (bounded) and every one in the plan file; names
# checked (characters, length), at most 10,000 per service, --from FILE and
# stdin, --dry-run and --json; nothing to do when already pinned; a tenant
# both in and out refused; out refused from decommission on; a service on
# an envoy router refused.  The rollback rule: the routers hold in pins
# only while the flag sends traffic to the new service, so an abort puts
# every tenant back on the monolith (checked on a loopback v1 router).
# rebuild keeps the pins.
. "$(dirname "$0")/lib.sh"

# router_pins FLAG: the pins the loopback router holds, "in=a,b out=c"
router_pins() {
	curl -s --max-time 5 "http://127.0.0.1:$port/v1/flags/$1" |
		python3 -c 'import json,sys; p=json.load(sys.stdin).get("pins", {}); print("in=%s out=%s" % (",".join(p.get("in", [])), ",".join(p.get("out", []))))'
}

new_plan
start_v1router "$T/r.port"
must router add web --driver http --replica "http://127.0.0.1:$port" --timeout 2s
now_at +0s
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking \
	--gate dual_write_min=0s --gate reconcile_passes=0 --gate step_soak=0s

# --- pin in: one commit, the body lists the tenants, the plan file holds them
n=$(commit_count plan)
expect_exit 0 ficus service pin tracking --in dogfood-1,acme
expect_eq $((n + 1)) "$(commit_count plan)" "a pin change is one commit"
expect_eq "tracking: pin 2 tenants in" "$(git -C plan log -1 --format=%s)" "subject"
body=$(git -C plan log -1 --format=%b)
expect_match '^pinned in \(2\): acme dogfood-1$' "$body" "the body lists the tenants"
trl=$(trailers HEAD)
expect_match '^Ficus-Action: pin$' "$trl"
expect_match '^Ficus-From: pins in 0, out 0$' "$trl"
expect_match '^Ficus-To: pins in 2, out 0$' "$trl"
expect_eq 3 "$(trailers HEAD | grep -c '^Ficus-\(Service\|Action\|Change\)')" "the body is no trailer"
svc_file tracking | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d["pins"] != {"in": ["acme", "dogfood-1"], "out": []})' ||
	fail "the plan file holds the pins"

# --- already pinned: nothing to do, exit 0
before=$(snapshot plan)
expect_exit 0 ficus service pin tracking --in acme
expect_match "already pinned in" "$err"
expect_unchanged plan "$before" "pinning again"

# --- a tenant both in and out is refused
expect_exit 2 ficus service pin tracking --out acme,zeta
expect_match "cannot be pinned both in and out" "$err"
expect_unchanged plan "$before" "in and out"

# --- bad names, limits, usage: refused before anything changes
expect_exit 2 ficus service pin tracking --in 'a:b'
expect_match "tenant 'a:b': character 2" "$err"
expect_exit 2 ficus service pin tracking --in 'with space'
expect_exit 2 ficus service pin tracking --in "$(printf 'x%.0s' {1..129})"
expect_match "longer than 128 bytes" "$err"
expect_exit 0 ficus service pin tracking --unpin "$(printf 'x%.0s' {1..128})"
expect_match "already unpinned" "$err" "128 bytes is a tenant"
expect_exit 2 ficus service pin tracking --in acme --out zeta
expect_exit 2 ficus service pin tracking --in
expect_exit 2 ficus service pin tracking acme
expect_exit 2 ficus service show tracking --in
expect_exit 1 ficus service pin nosuch --in acme
expect_exit 1 ficus service pin tracking --in --from "$T/missing"
printf 'a\0b\n' >"$T/nul"
expect_exit 2 ficus service pin tracking --in --from "$T/nul"
seq -f 't%05g' 1 10001 >"$T/toomany"
expect_exit 1 ficus service pin tracking --in --from "$T/toomany"
expect_match "more than 10000 tenants" "$err"
expect_unchanged plan "$before" "refused pins"

# --- 10,000 at most per service, counting what is there; --from FILE
seq -f 'b%05g' 1 9998 >"$T/many"
printf '# a comment\n\n' >>"$T/many"
expect_exit 0 ficus service pin tracking --out --from "$T/many"
body=$(git -C plan log -1 --format=%b)
expect_match '^pinned out \(9998\): b00001 b00002 .* b00100 \.\.\. and 9898 more$' "$body" "a long list is cut in the body"
expect_eq 9998 "$(svc_file tracking | grep -c '"b[0-9]*"')" "the plan file holds all of them"
before=$(snapshot plan)
expect_exit 1 ficus service pin tracking --in one-more
expect_match "10001 pins: at most 10000" "$err"
expect_unchanged plan "$before" "past 10,000"
# stdin; unpin frees room
seq -f 'b%05g' 1 9998 | expect_exit 0 ficus service pin tracking --unpin --from -
expect_match '^unpinned \(9998\)' "$(git -C plan log -1 --format=%b)"

# --- --dry-run: the commit and the router call, nothing changed
before=$(snapshot plan)
expect_exit 0 ficus service pin tracking --out zeta --dry-run
expect_match "pinned out \(1\): zeta" "$out"
expect_match 'PUT http://127.0.0.1:[0-9]+/v1/flags/tracking .*"pins":\{in: 0 tenants, out: 1 tenants\}' "$out"
expect_unchanged plan "$before" "dry run"
# --json: one envelope
expect_exit 0 ficus --json service pin tracking --out zeta
expect_json "$out"
expect_match '"ok": true' "$out"
expect_match 'pinned out \(1\): zeta' "$out"
expect_exit 2 ficus --json service pin tracking --in zeta
expect_json "$out"
expect_match '"exit": 2' "$out"

# --- shown: service show, status --json, tenant route
expect_exit 0 ficus service show tracking
expect_match '^pins in +2 \(pushed in read-cutover above 0%\): acme dogfood-1$' "$out"
expect_match '^pins out +1 \(on the routers\): zeta$' "$out"
expect_exit 0 ficus --json status tracking
expect_match '"in": 2,' "$out"
expect_match '"in_live": false' "$out"
expect_match '"out_live": true' "$out"

# --- the rollback rule, on the router
expect_eq "in= out=zeta" "$(router_pins tracking)" "planned: out pins pushed, in pins held"
promote_n tracking 3
expect_eq "read-cutover 1%" "$(svc_state tracking)" "at the first step"
expect_eq "in=acme,dogfood-1 out=zeta" "$(router_pins tracking)" "read-cutover above 0%: in pins pushed"
expect_exit 0 ficus tenant route acme tracking
expect_match "	new	in	acme$" "$out" "a pinned-in tenant goes to the new service"
expect_exit 0 ficus tenant route zeta tracking
expect_match "	monolith	out	zeta$" "$out"
expect_exit 0 ficus rollback tracking -m "incident"
expect_eq "in= out=zeta" "$(router_pins tracking)" "after the abort the router holds no in pin"
expect_exit 0 ficus tenant route acme tracking
expect_match "	monolith	in \(held\)	acme$" "$out" "every tenant on the monolith after the abort"
expect_exit 0 ficus --json status tracking
expect_match '"in_live": false' "$out"
must promote tracking
expect_eq "in=acme,dogfood-1 out=zeta" "$(router_pins tracking)" "the resume pushes the in pins again"
must router verify

# --- killed after the database commit: the next command makes the commit once, body included,
# and the router gets the pins (never the older ones)
n=$(commit_count plan)
killed db service pin tracking --in killed-one
expect_eq 137 "$?" "killed by SIGKILL after the database commit"
expect_eq "$n" "$(commit_count plan)" "no commit yet"
expect_exit 0 ficus router sync
expect_eq $((n + 1)) "$(commit_count plan)" "exactly one commit after the repair"
expect_match '^pinned in \(1\): killed-one$' "$(git -C plan log -1 --format=%b)" "the body survives the repair"
expect_eq "in=acme,dogfood-1,killed-one out=zeta" "$(router_pins tracking)" "the router holds the repaired pins"
must service pin tracking --unpin killed-one

# --- rebuild keeps the pins; verify agrees
must rebuild
expect_exit 0 ficus verify
expect_exit 0 ficus service show tracking
expect_match '^pins in +2 .*: acme dogfood-1$' "$out" "the pins after a rebuild"

# --- out refused from decommission on; in and unpin still work
now_at +30d
must promote tracking --to 100% --force -m "to 100"
must promote tracking --to decommission --yes --force -m "monolith goes"
before=$(snapshot plan)
expect_exit 2 ficus service pin tracking --out late
expect_match "the monolith is going away" "$err"
expect_unchanged plan "$before" "out in decommission"
expect_exit 0 ficus service pin tracking --unpin zeta
expect_eq "in=acme,dogfood-1 out=" "$(router_pins tracking)" "decommission: no out pin on the router"

# --- an envoy router cannot pin: refused naming it
must service add other --domain tracking --route /api/other
must router add mesh --driver envoy --replica http://127.0.0.1:9
before=$(snapshot plan)
expect_exit 2 ficus service pin other --in acme
expect_match "router 'mesh' \(driver 'envoy'\), which cannot pin tenants" "$err"
expect_unchanged plan "$before" "envoy"
# a service with pins that an envoy router serves (bound to every router): its push is refused, naming why
expect_exit 5 ficus router sync tracking --router mesh
expect_match "flag 'tracking' has 2 tenant pins, but the envoy driver cannot pin tenants" "$err$out"
done_testing
