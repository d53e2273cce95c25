#!/bin/bash
# bench/shell-promote.sh PLAN SERVICE ROUTER_URL
#
# One ramp step of SERVICE done by hand with the sqlite3, git and curl
# command-line tools: the steps 'ficus promote' takes, in the same order
# (read the state and check the gates; write the new state and a journal
# row in one transaction; render the service file; commit it with the
# Ficus-* trailers; push the flag to the router and read it back; mark the
# journal row and the router state).  Written to be fast: bash builtins
# wherever they do, one sqlite3 call per transaction.  The time is
# FICUS_NOW (Unix seconds), as for ficus.  Exit 3 when the step's gate is
# closed.  For the benchmark's ratio only: it knows nothing of layouts,
# locks, crashes or remotes.
set -eu
plan=$1 svc=$2 url=$3
db=$plan/.git/ficus/plan.db
now=${FICUS_NOW:?set FICUS_NOW to Unix seconds}
actor=${FICUS_ACTOR:-bench <bench@ficus.invalid>}

# 1. the state and the gates (step soak 7d, no reconcile failure since the step began)
IFS='|' read -r phase bp rev flag step_since fails rps < <(sqlite3 "$db" \
	"SELECT s.phase, s.bp, s.rev, s.flag, s.step_since,
	        (SELECT count(*) FROM check_state c WHERE c.service = s.name AND c.name = 'reconcile'
	         AND c.last_fail >= s.step_since),
	        (SELECT coalesce(sum(d.rps), 0) FROM service_domain sd JOIN domain d ON d.name = sd.domain
	         WHERE sd.service = s.name)
	 FROM service s WHERE s.name = '$svc'")
[ "$phase" = read-cutover ] || { echo "'$svc' is in '$phase'" >&2; exit 3; }
case $bp in
100) to=1000 ;;
1000) to=5000 ;;
5000) to=10000 ;;
*) echo "'$svc' is not on a ramp step" >&2; exit 3 ;;
esac
soaked=$((now - step_since))
[ "$soaked" -ge 604800 ] && [ "$fails" = 0 ] || { echo "gate closed" >&2; exit 3; }
pct() { if [ $(($1 % 100)) = 0 ]; then echo "$(($1 / 100))%"; else printf '%d.%02d%%\n' $(($1 / 100)) $(($1 % 100)); fi; }
from=$(pct "$bp") top=$(pct "$to")
newrev=$((rev + 1))
printf -v id '%05x%05x' $RANDOM $RANDOM
printf -v when '%(%Y-%m-%dT%H:%M:%SZ)T' "$now"
msg="$svc: ramp $from -> $top

Ficus-Change: $id
Ficus-Service: $svc
Ficus-Action: ramp
Ficus-From: read-cutover $from
Ficus-To: read-cutover $top
Ficus-Gates: step_soak open ($((soaked / 86400))d >= 7d); reconcile open (no failure since the step began)
Ficus-Forced: no
Ficus-Traffic: +$(( ${rps%.*} * (to - bp) / 10000 )) req/s to the new service"

# 2. the model and the journal, one transaction
file=$(cd "$plan" && shopt -s nullglob && f=(services/*/"$svc".json services/"$svc".json) && echo "${f[0]}")
sqlite3 "$db" "BEGIN IMMEDIATE;
UPDATE service SET bp = $to, step_since = $now, rev = $newrev WHERE name = '$svc';
INSERT INTO journal (change_id, created, state, message, author_name, author_email, paths)
VALUES ('$id', $now, 'db', '${msg//\'/\'\'}', 'bench', 'bench@ficus.invalid', '$file
PLAN.md
');
COMMIT;"

# 3. the file (and the summary line of small plans)
sed -i -e "s/^  \"rev\": $rev,/  \"rev\": $newrev,/" \
	-e "s/^  \"traffic\": \"[^\"]*\",/  \"traffic\": \"$top\",/" \
	-e "s/^  \"traffic_since\": \"[^\"]*\"/  \"traffic_since\": \"$when\"/" "$plan/$file"
if grep -q "^| $svc |" "$plan/PLAN.md"; then
	sed -i "s/^| $svc | read-cutover | $from /| $svc | read-cutover | $top /" "$plan/PLAN.md"
fi

# 4. the commit
git -C "$plan" add -- "$file" PLAN.md
GIT_COMMITTER_NAME=ficus GIT_COMMITTER_EMAIL=ficus@localhost GIT_COMMITTER_DATE="$now +0000" \
	git -C "$plan" commit -q --author="$actor" --date="$now +0000" -F - <<<"$msg"
oid=$(git -C "$plan" rev-parse HEAD)

# 5. push and read back
body="{\"bp\":$to,\"shadow\":false,\"rev\":$newrev}"
curl -fsS -m 5 -X PUT -H 'Content-Type: application/json' -d "$body" "$url/v1/flags/$flag" >/dev/null
seen=$(curl -fsS -m 5 "$url/v1/flags")
case $seen in *"\"$flag\":{\"bp\":$to,"*) state=synced ;; *) state=pending ;; esac

# 6. the journal row and the router state
sqlite3 "$db" "BEGIN IMMEDIATE;
UPDATE journal SET state = 'applied', commit_oid = '$oid' WHERE change_id = '$id';
INSERT INTO router_state (router, replica, flag, want_bp, want_shadow, want_rev, seen_bp, seen_shadow, seen_rev,
	state, error, attempts, updated)
VALUES ('bench', '$url', '$flag', $to, 0, $newrev, $to, 0, $newrev, '$state', '', 1, $now)
ON CONFLICT (router, replica, flag) DO UPDATE SET want_bp = excluded.want_bp, want_rev = excluded.want_rev,
	seen_bp = excluded.seen_bp, seen_rev = excluded.seen_rev, state = excluded.state, updated = excluded.updated;
COMMIT;"
[ "$state" = synced ]
