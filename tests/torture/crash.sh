#!/bin/bash
# Crash torture: a long random sequence of changes, each run either to
# completion or killed with SIGKILL (at a random moment, or exactly after
# its database commit or its git commit through FICUS_TEST_KILL).  After
# every kill the next command repairs.  Invariants checked throughout and
# at the end:
#   - ficus verify passes (database and repository agree);
#   - every change that reported success is in history exactly once;
#   - a change appears at most once in history, never twice;
#   - every commit has its journal row and every journal row its commit;
#   - Ficus-Change ids are unique;
#   - the flags are pushed to a real nginx+lua router (contrib/nginx) on
#     loopback, and kills also land right after the push (FICUS_TEST_KILL=
#     push); after every kill the next command, a reader (ficus status),
#     finishes the change and ficus router verify passes at once: the
#     router holds every flag's latest value (no 'router sync' in between);
#   - the work tree and index match HEAD, git fsck --strict is clean and no
#     lock or work file is left once the next writer has run.
#   ROUTER=none runs without the router.
# Usage: crash.sh KILLS [SEED]   (env FICUS, FICUS_SRC as in tests/run.sh)
set -u
kills_wanted=${1:-30}
seed=${2:-$$}
RANDOM=$seed
: "${FICUS:?}"
: "${FICUS_SRC:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/ficus-torture.XXXXXX")
router=${ROUTER:-nginx}
if [ "$router" = nginx ]; then
	. "$FICUS_SRC/tests/lib/routers.sh"
	trap 'routers_cleanup; rm -rf "$T"' EXIT
else
	trap 'rm -rf "$T"' EXIT
fi
cd "$T" || exit 1
export FICUS_ACTOR="Torture <torture@example.com>"
"$FICUS" init -q plan >/dev/null || exit 1
export FICUS_PLAN="$T/plan"
kill_at=(db commit)
if [ "$router" = nginx ]; then
	unset FICUS_TEST_TOKEN
	nginx_start "$T/nginx" || { echo "torture: nginx did not start"; exit 1; }
	"$FICUS" router add edge --driver nginx-lua --replica "http://127.0.0.1:$NGINX_ADMIN_PORT" --timeout 2s -q ||
		exit 1
	kill_at+=(push)
fi
now=1790000000
export FICUS_NOW=$now

ok_ops=()      # reasons of the changes that reported success
mode=0
kills=0
ops=0
bad=0
declare -A domains=() services=()

complain() { echo "torture (seed $seed, op $ops): $*" >&2; bad=$((bad + 1)); }

pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }

# one random operation as words; every change gets a unique reason
random_op() {
	local r=$((RANDOM % 100)) d s
	local ds=("${!domains[@]}") ss=("${!services[@]}")
	if [ ${#ds[@]} -lt 3 ] || [ $r -lt 10 ]; then
		d="d$ops"; echo "domain add $d --rps $((RANDOM % 500))"; return
	fi
	if [ ${#ss[@]} -lt 2 ] || [ $r -lt 18 ]; then
		d=$(pick "${ds[@]}")
		echo "service add s$ops --domain $d --route /api/s$ops"; return
	fi
	s=$(pick "${ss[@]}")
	if [ $r -lt 25 ]; then
		echo "dep add $(pick "${ds[@]}") $(pick "${ds[@]}") --kind reads"
	elif [ $r -lt 35 ]; then
		echo "domain set $(pick "${ds[@]}") --owner team-$((RANDOM % 9))"
	elif [ $r -lt 60 ]; then
		echo "promote $s --force"
	elif [ $r -lt 72 ]; then
		echo "rollback $s"
	elif [ $r -lt 85 ]; then
		echo "check record $s reconcile --$(pick pass pass pass fail) --detail run$ops"
	elif [ $r -lt 92 ]; then
		echo "shadow $s $(pick on off)"
	else
		echo "map export"
	fi
}

check_invariants() {
	local v
	v=$("$FICUS" verify 2>&1) || complain "verify failed: $v"
	local commits journal dup
	commits=$(git -C plan rev-list --count HEAD)
	journal=$(sqlite3 plan/.git/ficus/plan.db "SELECT count(*) FROM journal")
	[ "$commits" = "$journal" ] || complain "$commits commits but $journal journal rows"
	dup=$(git -C plan log --format=%B | git interpret-trailers --parse 2>/dev/null |
		sed -n 's/^Ficus-Change: //p' | sort | uniq -d | head -1)
	[ -z "$dup" ] || complain "change $dup committed twice"
	[ -z "$(git -C plan status --porcelain)" ] || complain "git status: $(git -C plan status --porcelain | head -3)"
	git -C plan fsck --strict --no-progress >/dev/null 2>"$T/fsck" || complain "git fsck: $(head -3 "$T/fsck")"
	left=$(find plan -name '*.lock' -o -name '*.ficus-*' -o -name 'tmp_object_git2_*' -o -name 'plan.db.rebuild*' | head -3)
	[ -z "$left" ] || complain "left behind: $left"
}

while [ $kills -lt "$kills_wanted" ] || [ $mode -ge 2 ]; do
	ops=$((ops + 1))
	now=$((now + RANDOM * 60))
	export FICUS_NOW=$now
	read -r -a words <<<"$(random_op)"
	reason="op-$seed-$ops"
	mode=$((RANDOM % 4))
	# the kills counted, one last change runs to completion (the invariants
	# that need a writer after a kill: no leftover, a clean work tree)
	[ $kills -ge "$kills_wanted" ] && mode=0
	case $mode in
	0|1)	# run to completion
		if "$FICUS" "${words[@]}" -m "$reason" >/dev/null 2>"$T/err"; then
			# a step already done exits 0 without a commit: not a change
			if ! grep -q "nothing to do" "$T/err"; then
				case ${words[0]} in map) ;; *) ok_ops+=("$reason") ;; esac
			fi
			case "${words[0]} ${words[1]}" in
			"domain add") domains[${words[2]}]=1 ;;
			"service add") services[${words[2]}]=1 ;;
			esac
		fi
		;;
	2)	# killed exactly after the database commit or after the git commit
		( FICUS_TEST_KILL=$(pick "${kill_at[@]}") exec "$FICUS" "${words[@]}" -m "$reason" -q >/dev/null 2>&1 )
		[ $? -eq 137 ] && kills=$((kills + 1))
		;;
	3)	# killed at a random moment
		"$FICUS" "${words[@]}" -m "$reason" -q >/dev/null 2>&1 &
		pid=$!
		sleep "0.00$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
		wait "$pid" 2>/dev/null
		;;
	esac
	# after a kill the next command, a reader, finishes the change: the
	# router holds the latest desired state at once
	if [ $mode -ge 2 ]; then
		"$FICUS" status >/dev/null 2>&1
		if [ "$router" = nginx ]; then
			rv=$("$FICUS" router verify 2>&1) || complain "router verify after a kill (${words[*]}): $rv"
		fi
	fi
	# names may exist after a kill that got through: learn them from the plan
	if [ $mode -ge 2 ]; then
		while read -r n; do [ -n "$n" ] && domains[$n]=1; done < <("$FICUS" domain list 2>/dev/null | cut -f1)
		while read -r n; do [ -n "$n" ] && services[$n]=1; done < <("$FICUS" service list 2>/dev/null | cut -f1)
	fi
	[ $((ops % 10)) -eq 0 ] && [ $mode -le 1 ] && check_invariants
	[ $bad -gt 0 ] && break
done
check_invariants
# every success is in history exactly once
log=$(git -C plan log --format='%b')
for r in "${ok_ops[@]}"; do
	n=$(printf '%s\n' "$log" | grep -cx -- "$r")
	[ "$n" = 1 ] || complain "change '$r' reported success but is in history $n times"
done
# no change is in history twice
dups=$(printf '%s\n' "$log" | grep -x 'op-.*' | sort | uniq -d | head -3)
[ -z "$dups" ] || complain "in history twice: $dups"
if [ "$router" = nginx ]; then
	"$FICUS" status >/dev/null 2>&1
	rv=$("$FICUS" router verify 2>&1) || complain "router verify failed: $rv"
	flags=$(curl -s "http://127.0.0.1:$NGINX_ADMIN_PORT/v1/flags" | grep -o '"bp"' | wc -l)
fi
echo "torture (seed $seed): $ops operations, $kills kills, ${#ok_ops[@]} reported successes, $(git -C plan rev-list --count HEAD) commits${flags:+, $flags flags on the nginx router, verified}"
if [ $bad -eq 0 ]; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
	exit 1
fi
