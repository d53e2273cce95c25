#!/bin/bash
# A plan that the user may read but not write (chmod -R a-w, another
# owner): the readers status, order, verify and log work, the database is
# read without a -shm file, and nothing is created in the plan.  Tests run
# as root, which writes anywhere: the readers run as 'nobody'.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "# skipped: needs root and setpriv to run as another user"
	done_testing
fi
new_plan
must domain add tracking --rps 100
must service add tracking --domain tracking --route /api/tracking
must promote tracking -m "dual-write is deployed"

# nobody reads the test directory, a copy of the binary, and a home whose
# git config names the plan safe (git and libgit2 refuse another owner's
# repository otherwise)
chmod a+rx "$T"
cp "$FICUS" "$T/ficus-bin"
mkdir "$T/home"
printf '[safe]\n\tdirectory = %s\n' "$T/plan" >"$T/home/.gitconfig"
chmod -R a+rX "$T/home" "$T/plan"
chmod -R a-w "$T/plan"
ls -laR "$T/plan/.git" >"$T/before.ls"
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T/home" FICUS_PLAN="$T/plan" \
		"$T/ficus-bin" "$@"
}
check "nobody cannot write the plan" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	sh -c "! touch '$T/plan/.git/ficus/probe' 2>/dev/null"

expect_exit 0 as_nobody status
expect_match '^tracking	dual-write	0%' "$out" "status"
expect_exit 0 as_nobody status tracking
expect_match 'dual-write' "$out" "status SERVICE"
expect_exit 0 as_nobody order
expect_match 'tracking' "$out" "order"
expect_exit 0 as_nobody verify
expect_match 'agree' "$out$err" "verify"
expect_exit 0 as_nobody log
expect_match 'dual-write is deployed' "$out" "log"
expect_exit 0 as_nobody log --json
expect_json "$out" "log --json"
expect_exit 0 as_nobody status --json
expect_json "$out" "status --json"

# a writer is refused with a message, not a crash, and writes nothing
as_nobody domain add other >/dev/null 2>"$T/.w"
check "a change as nobody fails" test $? -ne 0 -a $? -lt 128
ls -laR "$T/plan/.git" >"$T/after.ls"
check "nothing was created or changed in the plan" cmp -s "$T/before.ls" "$T/after.ls"

# without safe.directory the message says what to do
printf '' >"$T/home/.gitconfig"
expect_exit 1 as_nobody log
expect_match "belongs to another user.*safe.directory" "$err" "log names safe.directory"

chmod -R u+w "$T/plan"
done_testing
