#!/usr/bin/env bash
# t-pipeline-faults.sh - the change pipeline's promises under faults, with a
# real nginx router and real git (SPEC section 2, "The change pipeline"):
#   - a kill between the database commit and the git commit (and after the
#     commit, before the push) is repaired by the next command, reader or
#     writer, and the router ends at the plan's latest value;
#   - a rebuild that races writers loses nothing and swaps no database;
#   - the lock is not held during router I/O: with a replica that hangs,
#     concurrent rollbacks do not queue, and readers do not wait;
#   - two clones racing on one remote with one router: the loser exits 4 and
#     never reaches the router;
#   - a remote that hangs: rollback does not wait for it, a forward change
#     gives up at the remote timeout;
#   - a diverged remote does not block a rollback; sync --reset sets the
#     local commits aside on a ref;
#   - commits made with git itself are adopted, never overwritten.
# After every part: ficus verify 0, ficus router verify 0, git status clean.
. "$(dirname "$0")/lib-router.sh"
need cc curl nginx git
unset FICUS_TEST_TOKEN

nginx_start "$WORK/nginx" || { bad "nginx starts"; finish; }
WEB=http://127.0.0.1:$NGINX_ADMIN_PORT
cc -std=c99 -O2 -o "$WORK/hang" "$REPO/tests/tools/hang.c" || { bad "hang tool builds"; finish; }
hang_start() { # hang_start NAME: a silent server; HANG_PORT
    "$WORK/hang" "$WORK/$1.port" &
    _ROUTERS_EXTRA_PIDS+=("$!")
    for _ in $(seq 1 100); do [ -s "$WORK/$1.port" ] && break; sleep 0.05; done
    HANG_PORT=$(cat "$WORK/$1.port")
}
router_bp() { # router_bp FLAG
    nginx_admin "$NGINX_ADMIN_PORT" GET "/v1/flags/$1" | sed -n 's/.*"bp":\([0-9]*\).*/\1/p'
}
router_rev() {
    nginx_admin "$NGINX_ADMIN_PORT" GET "/v1/flags/$1" | sed -n 's/.*"rev":\([0-9]*\).*/\1/p'
}
# all_agree PLAN: the three stores agree and no work file is left
all_agree() {
    local plan=$1
    run 0 "ficus verify ($(basename "$plan"))" fc --plan "$plan" verify
    run 0 "ficus router verify ($(basename "$plan"))" fc --plan "$plan" router verify
    check "git status is clean ($(basename "$plan"))" test -z "$(git -C "$plan" status --porcelain)"
    check "git fsck --strict ($(basename "$plan"))" git -C "$plan" fsck --strict --no-progress
    check "no lock or work file left ($(basename "$plan"))" \
        test -z "$(find "$plan/.git" -name '*.lock' -o -name '*.ficus-*' -o -name 'tmp_object_git2_*' -o -name 'plan.db.rebuild*')"
}
# new_plan DIR: a plan with router web and services s1..s4 in read-cutover at 1%
new_plan() {
    local dir=$1 s
    run 0 "init $(basename "$dir")" fc init -q "$dir"
    export FICUS_PLAN=$dir
    run 0 "router add" fc router add web --driver nginx-lua --replica "$WEB" --timeout 2s -q
    for s in s1 s2 s3 s4; do
        fc domain add "d$s" -q && fc service add "$s" --domain "d$s" --route "/api/$s" -q &&
            for p in dual-write backfill read-cutover; do promote_to "$s" "$p" || return 1; done
    done
}

echo "# --- kills between the steps of a change; the next command, a reader, repairs"
new_plan "$WORK/plan"
all_agree "$WORK/plan"
for point in db commit push; do
    FICUS_TEST_KILL=$point fc rollback s1 -m "killed at $point" >/dev/null 2>&1
    check "rollback killed at '$point' (exit 137)" test $? = 137
    run 0 "status after the kill" fc status
    check "the router holds the plan's 0% (after '$point')" test "$(router_bp s1)" = 0
    all_agree "$WORK/plan"
    check "the change is committed once (after '$point')" \
        test "$(git -C "$WORK/plan" log --format=%B | grep -c "^killed at $point\$")" = 1
    promote_to s1 1% || bad "back to 1%"
    run 0 "router sync" fc router sync
done

echo "# --- rebuilds racing writers"
for i in 1 2 3 4 5; do
    fc rebuild -q & rb=$!
    fc domain add "race$i" -q; rc=$?
    wait $rb
    check "domain add beside a rebuild ($i: exit $rc)" test "$rc" = 0
    run 0 "the domain is there ($i)" fc domain show "race$i"
done
fc rebuild -q & rb=$!
fc promote s2 --to 10% --force -m "beside a rebuild" -q; rc=$?
wait $rb
check "promote beside a rebuild (exit $rc)" test "$rc" = 0
check "the plan says 10%" test "$(plan_bp s2)" = 1000
check "the router says 10%" test "$(router_bp s2)" = 1000
run 4 "--expect of the old value is refused" fc promote s2 --to 50% --force --expect 1% -m stale
all_agree "$WORK/plan"

echo "# --- a replica that hangs: no queue behind the lock, readers do not wait"
hang_start replica
run 0 "router add slow (one healthy replica, one that hangs)" \
    fc router add slow --driver nginx-lua --replica "$WEB" --replica "http://127.0.0.1:$HANG_PORT" --timeout 3s -q
rbs=()
for s in s1 s2 s3 s4; do
    ( t0=$(date +%s%N); fc rollback "$s" -m "hung $s" >/dev/null 2>"$WORK/rb.$s.err"; echo "$? $((($(date +%s%N) - t0) / 1000000))" >"$WORK/rb.$s" ) &
    rbs+=("$!")
done
sleep 0.5
t0=$(date +%s%N); fc status >/dev/null; rc=$?; reader_busy=$((($(date +%s%N) - t0) / 1000000))
wait "${rbs[@]}"
for s in s1 s2 s3 s4; do
    read -r rc ms <"$WORK/rb.$s"
    echo "# rollback $s: exit $rc in $ms ms"
    check "rollback $s: exit 5 (the hung replica is pending)" test "$rc" = 5
    # with the lock held during the push they queued: 3, 6, 9, 12 s
    check "rollback $s did not queue behind another's push ($ms ms < 8000)" test "$ms" -lt 8000
    check "the healthy replica has $s at 0%" test "$(router_bp "$s")" = 0
done
t0=$(date +%s%N); fc status >/dev/null; reader_idle=$((($(date +%s%N) - t0) / 1000000))
echo "# status beside four pushing writers: ${reader_busy} ms; alone: ${reader_idle} ms"
check "a reader beside pushing writers returned (exit $rc) before their 3 s timeout" test "$reader_busy" -lt 3000
run 0 "router rm slow" fc router rm slow --force -m "the hung replica is gone"
run 0 "router sync" fc router sync
all_agree "$WORK/plan"

echo "# --- two clones, one remote, one router: the loser never reaches the router"
git init -q --bare -b main "$WORK/origin.git"
run 0 "publish the plan" fc --plan "$WORK/plan" sync --remote "$WORK/origin.git"
run 0 "clone b" fc init -q --remote "$WORK/origin.git" "$WORK/b"
for round in 1 2 3 4; do
    fc --plan "$WORK/plan" promote s3 --to "$((round * 10))%" --force -m "a $round" -q >/dev/null 2>"$WORK/a.err" & pa=$!
    fc --plan "$WORK/b" promote s3 --to "$((round * 10 + 5))%" --force -m "b $round" -q >/dev/null 2>"$WORK/b.err" & pb=$!
    wait $pa; ra=$?; wait $pb; rb=$?
    echo "# round $round: a exit $ra, b exit $rb"
    # the loser exits 4 (the remote moved under it), or 2 when it fetched the
    # winner's change first and its target is then no longer a step forward
    case "$ra:$rb" in
    0:4|4:0|0:2|2:0|0:0) ok "round $round: one wins ($ra:$rb)" ;;
    *) bad "round $round: exits $ra:$rb: $(cat "$WORK/a.err" "$WORK/b.err")" ;;
    esac
    fc --plan "$WORK/plan" sync -q >/dev/null 2>&1
    fc --plan "$WORK/b" sync -q >/dev/null 2>&1
    want=$(FICUS_PLAN=$WORK/plan plan_bp s3)
    check "round $round: both clones agree" test "$want" = "$(FICUS_PLAN=$WORK/b plan_bp s3)"
    check "round $round: the router holds the winner's value ($want)" test "$(router_bp s3)" = "$want"
    loser=
    [ "$ra" = 4 ] && loser=a
    [ "$rb" = 4 ] && loser=b
    [ -n "$loser" ] && check "round $round: the loser's change ($loser) is not on the remote's main" \
        bash -c '! git -C "$1" log main --format=%B | grep -qx "$2 $3"' _ "$WORK/origin.git" "$loser" "$round"
done
all_agree "$WORK/plan"
all_agree "$WORK/b"

echo "# --- a remote that hangs"
promote_to s1 1% || bad "a: s1 to 1%"
run 0 "b: sync" fc --plan "$WORK/b" sync
hang_start remote
git -C "$WORK/b" remote set-url origin "http://127.0.0.1:$HANG_PORT/plan.git"
t0=$(date +%s%N)
FICUS_REMOTE_TIMEOUT=60 fc --plan "$WORK/b" rollback s3 -m "remote hangs" >"$WORK/hang.out" 2>"$WORK/hang.err"; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# rollback with the remote hanging: exit $rc in $ms ms"
check "the rollback did not wait for the remote (exit $rc, $ms ms < 10000 of a 60 s remote timeout)" \
    bash -c '[ "$1" = 0 ] && [ "$2" -lt 10000 ]' _ "$rc" "$ms"
check "it says the publish goes on in the background" grep -q "background (pid" "$WORK/hang.err"
bgpid=$(sed -n 's/.*background (pid \([0-9]*\)).*/\1/p' "$WORK/hang.err")
[ -n "$bgpid" ] && _ROUTERS_EXTRA_PIDS+=("$bgpid")
check "the router has the rollback" test "$(router_bp s3)" = 0
t0=$(date +%s%N)
FICUS_REMOTE_TIMEOUT=3 fc --plan "$WORK/b" promote s4 --force -m "must not hang" >/dev/null 2>"$WORK/hang2.err"; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# promote with the remote hanging: exit $rc in $ms ms"
check "a forward change gives up at the remote timeout (exit $rc, $ms ms)" \
    bash -c '[ "$1" = 4 ] && [ "$2" -lt 30000 ]' _ "$rc" "$ms"
# the rollback's publish still holds the remote in the background, or the
# fetch itself hangs: either way it gives up at the remote timeout
check "and says so" grep -qE "did not finish within 3000 ms|another ficus is talking to the remote \(waited 3000 ms\)" "$WORK/hang2.err"
[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null

echo "# --- a diverged remote does not block a rollback; sync --reset"
git -C "$WORK/b" remote set-url origin "$WORK/origin.git"
run 0 "a: s4 back to 1%, published from the first clone: b diverges" \
    fc promote s4 --to 1% --force -m "s4 back to 1% from a"
check "a published it" bash -c 'git -C "$1" log main --format=%B | grep -qx "s4 back to 1% from a"' _ "$WORK/origin.git"
run 0 "b: a rollback with the remote diverged" fc --plan "$WORK/b" rollback s1 -m "diverged rollback"
check "it says it was not published" has "$ERR" "not published"
check "the router has it" test "$(router_bp s1)" = 0
run 0 "b: a second rollback of it is nothing to do" fc --plan "$WORK/b" rollback s1 -m again
run 4 "b: sync names the divergence" fc --plan "$WORK/b" sync
check "and the way out" has "$ERR" "sync --reset"
# the rollbacks set aside had reached the router: it holds their revisions,
# newer than the remote's plan, and sync --reset does not override them
# behind anyone's back (exit 5 naming the way out)
run 5 "b: sync --reset" fc --plan "$WORK/b" sync --reset
aside=$(grep -o 'refs/ficus/set-aside/[^ :]*' <<<"$ERR$OUT" | head -1)
check "it names the ref it kept ($aside)" test -n "$aside"
check "it names the flags the set-aside changes left on the router" has "$ERR" "--take-over s1"
check "the set-aside ref holds the rollbacks" \
    bash -c 'git -C "$1" log --format=%B "$2" | grep -qx "diverged rollback"' _ "$WORK/b" "$aside"
check "b is at the remote's HEAD" \
    test "$(git -C "$WORK/b" rev-parse HEAD)" = "$(git -C "$WORK/origin.git" rev-parse main)"
run 0 "b: the abort again, on the remote's plan" fc --plan "$WORK/b" rollback s1 -m "abort again after the reset"
run 0 "a: take s3 back for the remote's plan" fc router sync --take-over s3 -m "the remote's 45% stands"
run 0 "router sync from the first clone" fc router sync
all_agree "$WORK/b"
all_agree "$WORK/plan"

echo "# --- commits made with git itself are adopted"
git -C "$WORK/plan" config user.name "Reviewer"
git -C "$WORK/plan" config user.email "reviewer@example.com"
sed -i 's/"traffic": "1%",/"traffic": "5%",/' "$WORK/plan/services/s4.json"
git -C "$WORK/plan" commit -qam "s4: 5% after review (hand edit)"
run 0 "status after the hand commit" fc status s4
check "status says it adopted the commit" has "$ERR" "adopted commits made outside ficus"
check "the plan now says 5%" test "$(plan_bp s4)" = 500
run 0 "log marks the hand commit" fc log s4 -n 3
run 0 "log --json" fc log -n 1 --json
check "log --json says outside" has "$OUT" '"outside": true'
run 0 "promote builds on the hand value" fc promote s4 --to 10% --force -m "after the review"
check "the ramp starts from 5%" bash -c 'git -C "$1" log -1 --format=%s | grep -q "5% -> 10%"' _ "$WORK/plan"
run 0 "publish the adopted commits" fc sync
run 0 "router sync" fc router sync
echo '{ not json' >"$WORK/plan/services/s4.json"
git -C "$WORK/plan" commit -qam "broken by hand"
run 1 "a broken hand commit is refused" fc status
check "naming the file" has "$ERR" "services/s4.json"
check "the database is unchanged (10%)" \
    test "$(sqlite3 "$WORK/plan/.git/ficus/plan.db" "SELECT bp FROM service WHERE name = 's4'")" = 1000
git -C "$WORK/plan" revert --no-edit HEAD >/dev/null
run 0 "after the revert" fc status
all_agree "$WORK/plan"
finish
