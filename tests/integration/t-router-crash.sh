#!/usr/bin/env bash
# t-router-crash.sh - a ficus killed (SIGKILL) between the steps of a
# change that moves a flag (after the database write, after the commit,
# before the router push), with a real nginx router: the commit is made
# once, the router never gets an older value, and the next ficus (doctor
# --repair, or router sync) brings the router to the plan's value;
# 'ficus verify' and 'ficus router verify' then show no loss.
. "$(dirname "$0")/lib-router.sh"
need cc curl nginx git
unset FICUS_TEST_TOKEN

tenants_init || { bad "bucket tool"; finish; }
nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
WEB=http://127.0.0.1:$NGINX_ADMIN_PORT
run 0 "init" fc init -q "$WORK/plan"
run 0 "router add" fc router add web --driver nginx-lua --replica "$WEB" -q
run 0 "domain add" fc domain add tracking -q
run 0 "service add" fc service add tracking --domain tracking --route /api/tracking -q
for p in dual-write backfill read-cutover 10%; do check "promote to $p" promote_to tracking "$p"; done
run 0 "router sync" fc router sync
router_bp() { nginx_admin "$NGINX_ADMIN_PORT" GET /v1/flags/tracking | sed -n 's/.*"bp":\([0-9]*\).*/\1/p'; }
check "the router is at 10%" test "$(router_bp)" = 1000

for step in db:30 commit:60 push:90; do
    point=${step%%:*}
    target=${step#*:}%
    want=$((${step#*:} * 100))
    echo "# --- killed after the '$point' step"
    commits=$(git -C "$WORK/plan" rev-list --count HEAD)
    FICUS_TEST_KILL=$point fc promote tracking --to "$target" --force -m "crash at $point" >/dev/null 2>&1
    rc=$?
    check "promote was killed (exit $rc)" test "$rc" = 137
    check "the router still has the old value, never a half one" test "$(router_bp)" -le "$want"
    run 0 "the next command finishes the change" fc router status
    check "the plan is at $target" test "$(plan_bp tracking)" = "$want"
    check "exactly one commit for the change" \
        test "$(git -C "$WORK/plan" rev-list --count HEAD)" = "$((commits + 1))"
    check "the router is pending" grep -qP "^web\t$WEB\ttracking\t(pending|synced)\t$target" <<<"$OUT"
    run 0 "doctor --repair pushes what is pending" fc doctor --repair
    check "the router is at $target" test "$(router_bp)" = "$want"
    run 0 "ficus verify: database and repository agree" fc verify
    run 0 "ficus router verify: the router agrees" fc router verify
    run 0 "doctor finds nothing left" fc doctor
    predict tracking tracking "$want"
    sweep nginx "$NGINX_PORT" tracking
done
finish
