#!/bin/bash
# The benchmark generator (bench/gen.c) at tiny scale: both ways of playing
# its history make a plan that ficus verify and git fsck accept, with the
# commit count asked for, and the fast way writes the very trees, messages
# and rows the real change pipeline writes.  No timing is asserted.
. "$(dirname "$0")/lib.sh"

build=${FICUS_BUILD:-$FICUS_SRC/build}
gen=$T/gen
# build the generator against the library make check built (with its sanitizers, under check-asan)
san=
[ "${FICUS_ASAN:-}" = 1 ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2046,SC2086
if ! cc -std=c11 -O1 -D_GNU_SOURCE $san -I"$FICUS_SRC/core" -I"$build/gen" -o "$gen" "$FICUS_SRC/bench/gen.c" \
	"$build/libficus.a" $(pkg-config --cflags --libs sqlite3 libgit2 libcurl ncursesw libcjson zlib) -lm -lpthread -ldl; then
	fail "the generator does not build"
	done_testing
fi

args=(--domains 50 --deps 200 --services 20 --commits 200 --seed 7 --end 2026-09-21T00:00:00Z --quiet)
expect_exit 0 "$gen" --dir "$T/real" --mode real "${args[@]}"
expect_match '200 commits' "$out" "real mode summary"
expect_exit 0 "$gen" --dir "$T/fast" --mode fast "${args[@]}"
expect_match '20 services' "$out" "fast mode summary"

for m in real fast; do
	expect_exit 0 ficus --plan "$T/$m" verify
	expect_exit 0 git -C "$T/$m" fsck --no-dangling
	expect_eq 200 "$(git -C "$T/$m" rev-list --count HEAD)" "$m: commits"
	expect_eq "" "$(git -C "$T/$m" status --porcelain)" "$m: a clean work tree"
	# every change is one commit with its trailers
	expect_eq 200 "$(git -C "$T/$m" log --format=%B | grep -c '^Ficus-Change: ')" \
		"$m: a Ficus-Change trailer in every commit"
	expect_eq 20 "$(ficus --plan "$T/$m" service list | wc -l)" "$m: services"
	expect_eq 200 "$(sqlite3 "$T/$m/.git/ficus/plan.db" "SELECT count(*) FROM journal WHERE state = 'applied'")" \
		"$m: a journal row per change"
done

# the same trees, authors, times and messages (change ids aside), commit by commit
expect_eq "$(git -C "$T/real" log --format='%T %an <%ae> %at %cn %ct')" \
	"$(git -C "$T/fast" log --format='%T %an <%ae> %at %cn %ct')" "trees and signatures of both modes"
expect_eq "$(git -C "$T/real" log --format=%B | grep -v '^Ficus-Change: ')" \
	"$(git -C "$T/fast" log --format=%B | grep -v '^Ficus-Change: ')" "messages of both modes"
expect_eq "$(ficus --plan "$T/real" status --json)" "$(ficus --plan "$T/fast" status --json)" "status of both modes"

# the plan is usable: a ramp step on a generated service
svc=$(FICUS_NOW=2026-10-01T00:00:00Z ficus --plan "$T/fast" status |
	awk -F'\t' '$2 == "read-cutover" && $5 == "open" { print $1; exit }')
if [ -n "$svc" ]; then
	FICUS_NOW=2026-10-01T00:00:00Z expect_exit 0 ficus --plan "$T/fast" promote "$svc"
	expect_exit 0 ficus --plan "$T/fast" verify
fi

done_testing
