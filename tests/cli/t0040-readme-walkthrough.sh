#!/bin/bash
# README.md's "A walk through" runs exactly as written: the fenced block
# after that heading is run line by line in one shell, in a scratch
# directory that looks like the top of a clone (contrib/ beside it), with
# ficus on PATH; each line must exit with the status its trailing comment
# names ("exit N"), else 0.
. "$(dirname "$0")/lib.sh"
readme="$FICUS_SRC/README.md"
PATH="$(dirname "$FICUS"):$PATH"
export PATH
ln -s "$FICUS_SRC/contrib" contrib

block=$(awk '/^## A walk through/ { h = 1; next } h && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' "$readme")
check "the walk through has a fenced block" test -n "$block"
check "the walk through names ficus on PATH" grep -q 'make install PREFIX=~/.local' "$readme"
check "the reconcile script it uses ships in contrib/checks" test -x "$FICUS_SRC/contrib/checks/reconcile-tracking.sh"

# one script: each command, then its status against the expected one
script="$T/walk.sh"
{
	echo 'walk_failed=0'
	n=0 cmd=
	while IFS= read -r line; do
		n=$((n + 1))
		cmd+=$line
		case $line in *\\) cmd=${cmd%\\}; continue ;; esac
		case $cmd in '' | '#'*) cmd=; continue ;; esac
		want=0
		if [[ $cmd =~ [[:space:]]#.*exit[[:space:]]+([0-9]+) ]]; then
			want=${BASH_REMATCH[1]}
		fi
		printf '%s\n' "$cmd"
		printf 'rc=$?; if [ "$rc" != %s ]; then echo "walk through line %d exited $rc, expected %s: %s" >&2; walk_failed=$((walk_failed + 1)); fi\n' \
			"$want" "$n" "$want" "$(printf '%q' "$cmd")"
		echo "walked=$n"
		cmd=
	done <<<"$block"
	echo 'exit $walk_failed'
} >"$script"
lines=$(grep -c '^walked=' "$script")
check "the walk through has commands ($lines)" test "$lines" -ge 15

bash "$script" </dev/null >"$T/walk.out" 2>"$T/walk.err"
rc=$?
tests_run=$((tests_run + 1))
[ "$rc" = 0 ] || fail "the walk through: $rc line(s) did not exit as their comments say: $(grep 'walk through line' "$T/walk.err")"

# and it did what the README says it does
export FICUS_PLAN=$T/plan
expect_eq "read-cutover 0%" "$(svc_state tracking)" "tracking rolled back to 0% at the end"
expect_match "^tracking: rollback 10% -> 0%$" "$(git -C plan log -1 --format=%s)"
expect_eq 3 "$(git -C plan log --format=%s | grep -c '^tracking: check reconcile passed$')" "three reconcile passes"
expect_match "rehearsal: no stores configured" "$(git -C plan log --format=%B | grep '^Ficus-Check:' | head -1)"
done_testing
