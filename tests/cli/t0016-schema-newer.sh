#!/bin/bash
# A database from a newer ficus (a higher schema version) is refused by
# every command with a message that says what to do, and left untouched.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add auth --owner team-a >/dev/null || fail "add auth"
ficus domain add web >/dev/null || fail "add web"
ficus dep add web auth >/dev/null || fail "dep"
export_before=$(ficus map export)
n=$(commit_count plan)
db=plan/.git/ficus/plan.db

sqlite3 "$db" "PRAGMA user_version = 99" || fail "set user_version"
before=$(snapshot plan)
db_sum=$(sha1sum <"$db")
for cmd in "domain list" "domain show auth" "domain add x" "domain set auth --owner b" "domain rm web" \
	"dep add auth web" "dep list" "map export" "map show" "order" "verify" "log"; do
	# shellcheck disable=SC2086
	ficus $cmd >"$T/o" 2>"$T/e"
	rc=$?
	err=$(cat "$T/e")
	if [ "$cmd" = log ] && [ $rc -eq 0 ]; then
		# log reads only the repository; it may work without the database
		continue
	fi
	expect_eq 1 "$rc" "'ficus $cmd' on a newer database: exit status"
	expect_match "rebuild|newer ficus" "$err" "'ficus $cmd': message says what to do"
	expect_match "schema 99" "$err" "'ficus $cmd': message names the version"
done
expect_exit 1 ficus map import - <<<'{"version": 1, "domains": [{"name": "x"}]}'
expect_match "rebuild|newer ficus" "$err"
expect_exit 1 ficus --dry-run domain add y
expect_unchanged plan "$before" "nothing changes on a newer database"
expect_eq "$db_sum" "$(sha1sum <"$db")" "database file untouched"
expect_eq 99 "$(sqlite3 "$db" 'PRAGMA user_version')" "schema version untouched"
expect_eq "$n" "$(commit_count plan)" "no commit on a newer database"
expect_eq "" "$(git -C plan status --porcelain)" "work tree clean"

# the way out the message names: rebuild from the repository
mv "$db" "$T/newer.db"
rm -f "$db-wal" "$db-shm"
expect_exit 0 ficus rebuild
expect_exit 0 ficus verify
expect_eq "$export_before" "$(ficus map export)" "rebuilt plan reads the same"
expect_match '^[0-9]+$' "$(sqlite3 "$db" 'PRAGMA user_version')" "rebuilt database has this ficus's schema"
expect_exit 0 ficus domain add after
done_testing
